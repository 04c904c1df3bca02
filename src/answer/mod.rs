//! Answering: a question → the best figures and passages, with their sources and a confidence.
//!
//! This module holds what an answer is made of ([`Answer`], [`FigureHit`], [`PassageHit`],
//! [`Source`], [`ParagraphRef`]); [`engine`] builds the [`Engine`](engine::Engine) and serves what it holds;
//! [`rank`] reads a question, scores the candidates and decides whether to answer.
//!
//! The [`Engine`](engine::Engine) owns the whole read side: the loaded corpus (documents, passages, figures), the
//! search index, and the lexicon (segmenter, synonyms). It is built once per version of the
//! knowledge folder and is immutable afterwards, so it can be shared across threads and swapped
//! atomically when the knowledge changes.

mod coverage;
pub mod engine;
mod periods;
pub mod rank;
pub mod series;

use std::fmt;
use std::str::FromStr;

use chrono::NaiveDate;
use serde::Serialize;

use crate::figures::{Figure, PeriodFit};
use crate::search::query::UnitClass;

/// Where a figure or passage comes from.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Source {
    pub title: String,
    pub author: Option<String>,
    /// Path of the article relative to the knowledge folder.
    pub path: String,
    pub date: Option<NaiveDate>,
}

/// A stable, short reference to one paragraph: a hash of the article path and the paragraph's
/// position. Written as `a1b2c3d4.12`, small enough for Telegram callback data.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct ParagraphRef {
    pub doc_key: u32,
    pub paragraph: u32,
}

impl ParagraphRef {
    /// The key of an article path (FNV-1a, stable across runs and machines).
    pub fn doc_key(path: &str) -> u32 {
        path.bytes().fold(0x811c_9dc5_u32, |hash, byte| {
            (hash ^ u32::from(byte)).wrapping_mul(0x0100_0193)
        })
    }
}

impl fmt::Display for ParagraphRef {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{:08x}.{}", self.doc_key, self.paragraph)
    }
}

impl FromStr for ParagraphRef {
    type Err = ();

    fn from_str(s: &str) -> Result<Self, ()> {
        let (key, paragraph) = s.split_once('.').ok_or(())?;
        Ok(Self {
            doc_key: u32::from_str_radix(key, 16).map_err(|_| ())?,
            paragraph: paragraph.parse().map_err(|_| ())?,
        })
    }
}

/// A figure that answers the question.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct FigureHit {
    /// The figure as extracted: value, number, unit, label, period and its sentence.
    #[serde(flatten)]
    pub figure: Figure,
    pub source: Source,
    #[serde(skip)]
    pub paragraph: ParagraphRef,
    pub score: f32,
    /// What the figure measures, whatever the wording (see
    /// [`Lexicon::measure_key`](crate::search::lexicon::Lexicon::measure_key)): figures with
    /// the same measure are the same count for other periods.
    #[serde(skip)]
    pub measure: String,
}

/// A passage that answers the question.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct PassageHit {
    pub text: String,
    pub score: f32,
    pub title: String,
    pub path: String,
    pub date: Option<NaiveDate>,
    pub section: Option<String>,
    #[serde(skip)]
    pub source: Source,
    #[serde(skip)]
    pub paragraph: ParagraphRef,
}

/// What the engine makes of a question.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Answer {
    /// The question as asked.
    pub question: String,
    /// False when the engine does not know: then `figures` and `passages` are empty and
    /// `suggestions` says what it can answer.
    pub answered: bool,
    /// Whether the question asks for a quantity (多少, 几, 比例 …): then the first figure leads.
    pub wants_figure: bool,
    /// 0–1: how much of the question the best hit covers.
    pub confidence: f32,
    /// Best first.
    pub figures: Vec<FigureHit>,
    /// Best first.
    pub passages: Vec<PassageHit>,
    /// Example questions the engine can answer, for "I don't know" replies.
    pub suggestions: Vec<String>,
    /// The period the question asks about when the knowledge has no figure for it (then
    /// `suggestions` ask about the periods it has).
    pub missing_period: Option<String>,
    /// Whether the question asks how a figure went over the years (历年, 这几年, 趋势 …): then
    /// the reply leads with `series`.
    pub trend: bool,
    /// The leading figure's measure over comparable periods, oldest first (see
    /// [`series`]); empty unless the knowledge has it for two or more.
    pub series: Vec<SeriesPoint>,
}

/// One period of a series: the figure of one whole calendar year, or one running total, of the
/// answer's leading measure.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct SeriesPoint {
    /// The period as written in the article ("2021年", "截至2023年12月底").
    pub period: String,
    /// The value as written ("19.5亿次").
    pub value: String,
    /// The number it stands for (1.95e9).
    pub number: f64,
    /// The unit after the number and its scale ("次").
    pub unit: String,
    #[serde(serialize_with = "series::brief_source")]
    pub source: Source,
    /// What the figure counts, as written ("拦截涉诈电话").
    #[serde(skip)]
    pub label: String,
    #[serde(skip)]
    pub paragraph: ParagraphRef,
}

/// How many results an answer carries.
#[derive(Debug, Clone, Copy)]
pub struct AnswerLimits {
    pub figures: usize,
    pub passages: usize,
}

impl Default for AnswerLimits {
    fn default() -> Self {
        Self {
            figures: 5,
            passages: 5,
        }
    }
}

/// A paragraph shown whole, with its neighbours, for the "📄 原文" view.
#[derive(Debug, Clone, PartialEq)]
pub struct ParagraphContext {
    pub source: Source,
    pub section: Option<String>,
    pub before: Option<String>,
    pub paragraph: String,
    pub after: Option<String>,
}

/// Counts of what the engine serves.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub struct Stats {
    pub documents: usize,
    pub passages: usize,
    pub figures: usize,
}

/// Why an engine could not be built.
#[derive(Debug, thiserror::Error)]
pub enum EngineError {
    #[error(transparent)]
    Load(#[from] crate::knowledge::LoadError),
    #[error("search index: {0}")]
    Index(String),
}

/// How the engine read a question, for maintainers tuning synonyms (`ask --explain`; laid out
/// by [`crate::render::explain`]).
#[derive(Debug, Clone, PartialEq)]
pub struct Explanation {
    /// The question as searched: simplified script, half-width, noise removed.
    pub normalized: String,
    pub wants_figure: bool,
    /// The kind of unit the question asks for, if any.
    pub unit: Option<UnitClass>,
    /// The period the question names, if any.
    pub period: Option<String>,
    /// The question's words, in order.
    pub terms: Vec<ExplainedTerm>,
    /// The best candidate passages, best first.
    pub passages: Vec<ExplainedCandidate>,
    /// The best candidate figures, best first.
    pub figures: Vec<ExplainedFigure>,
}

/// One word of a question, with its weight and the other forms it is searched as.
#[derive(Debug, Clone, PartialEq)]
pub struct ExplainedTerm {
    pub text: String,
    pub weight: f32,
    pub alternatives: Vec<String>,
}

/// A candidate passage: its score, the share of the question it covers, its text.
#[derive(Debug, Clone, PartialEq)]
pub struct ExplainedCandidate {
    pub score: f32,
    pub coverage: f32,
    pub text: String,
}

/// A candidate figure: its score and confidence, what it counts and its value.
#[derive(Debug, Clone, PartialEq)]
pub struct ExplainedFigure {
    pub score: f32,
    pub confidence: f32,
    pub label: String,
    pub value: String,
    /// The period the figure holds for, and how it fits the period asked.
    pub period: Option<String>,
    pub fit: Option<PeriodFit>,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn paragraph_ref_round_trips() {
        let r = ParagraphRef {
            doc_key: ParagraphRef::doc_key("a/b.md"),
            paragraph: 12,
        };
        assert_eq!(r.to_string().parse::<ParagraphRef>(), Ok(r));
        assert!("zz.1".parse::<ParagraphRef>().is_err());
    }
}
