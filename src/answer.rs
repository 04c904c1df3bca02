//! Answering: a question → the best figures and passages, with their sources and a confidence.
//!
//! [`Engine`] owns the whole read side: the loaded corpus (documents, passages, figures), the
//! search index, and the lexicon (segmenter, synonyms). It is built once per version of the
//! knowledge folder and is immutable afterwards, so it can be shared across threads and swapped
//! atomically when the knowledge changes.

use std::fmt;
use std::path::Path;
use std::str::FromStr;

use chrono::NaiveDate;
use serde::Serialize;

use std::collections::HashMap;
use std::sync::{Arc, OnceLock};

use chrono::Datelike;

use crate::corpus::{Article, ArticleMeta, IndexedFigure};
use crate::figures::Figure;
use crate::knowledge::{Document, Passage, Problem};
use crate::normalize::normalize_question;
use crate::search::lexicon::{
    DICTIONARY_FILE, Lexicon, SYNONYMS_FILE, Synonyms, WordStanding, parse_dictionary,
};
use crate::search::query::{QueryTerm, QuestionAnalysis, TermFinders, UnitClass, analyze};
use crate::search::tokenizer::bigrams;
use crate::search::{
    IndexError, PassageToIndex, QuestionStats, SearchIndex, WeightedTerm, passage_key,
    split_passage_key,
};

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
    pub value: String,
    pub number: f64,
    pub unit: String,
    pub qualifier: Option<String>,
    pub label: String,
    pub period: Option<String>,
    /// The sentence the figure stands in.
    pub passage: String,
    pub source: Source,
    #[serde(skip)]
    pub paragraph: ParagraphRef,
    pub score: f32,
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

/// A passage or figure: its article (a position in the engine's articles) and its position in
/// that article's body.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
struct ItemRef {
    article: u32,
    local: u32,
}

/// How many figures of the headline order are looked at for headlines and suggestions.
const HEADLINES_KEPT: usize = 500;

/// The answer engine. See the module docs.
pub struct Engine {
    /// In path order.
    articles: Vec<Arc<Article>>,
    /// The position in `articles` of the article in each slot of the search index (see
    /// [`crate::search::passage_key`]); `u32::MAX` for a slot no article holds.
    article_by_slot: Vec<u32>,
    /// Article position by [`ParagraphRef::doc_key`].
    article_by_key: HashMap<u32, usize>,
    /// Articles with figures, newest first (then in path order): where headlines come from.
    headline_articles: Vec<u32>,
    lexicon: Lexicon,
    index: SearchIndex,
    /// [`form_frequency`] of every word of the maintainers' vocabulary, worked out at index time:
    /// questions are mostly made of these words and their synonyms.
    vocabulary_frequencies: HashMap<String, u64>,
    /// Questions about the headline figures, worked out on first use (it reads articles).
    headline_suggestions: OnceLock<Vec<String>>,
    stats: Stats,
}

/// Minimum share of the question (IDF-weighted) a hit must cover to be shown as an answer.
const PASSAGE_CONFIDENCE: f32 = 0.6;
/// Minimum passage confidence for a quantity question that no figure answers.
const QUANTITY_PASSAGE_CONFIDENCE: f32 = 0.75;
/// Minimum figure confidence for a quantity question to lead with a figure.
const FIGURE_CONFIDENCE: f32 = 0.6;
/// Candidate passages fetched from the index before re-ranking.
const CANDIDATES: usize = 40;

impl Engine {
    /// Loads and indexes a knowledge folder. Problems with single files are returned, not fatal.
    pub fn load(dir: &Path) -> Result<(Engine, Vec<Problem>), EngineError> {
        let loaded = crate::knowledge::load_folder(dir)?;
        let mut problems = loaded.problems;
        let (lexicon_files, lexicon_problems) = LexiconFiles::read(dir);
        problems.extend(lexicon_problems);
        let engine = Engine::build(loaded.documents, &lexicon_files)?;
        Ok((engine, problems))
    }

    /// Indexes already loaded documents with the built-in lexicon only.
    pub fn from_documents(documents: Vec<Document>) -> Result<Engine, EngineError> {
        Engine::build(documents, &LexiconFiles::default())
    }

    /// Indexes documents in memory: passages, figures, lexicon and the search index.
    pub fn build(documents: Vec<Document>, files: &LexiconFiles) -> Result<Engine, EngineError> {
        let articles = documents
            .into_iter()
            .map(|document| Arc::new(Article::derive(document)))
            .collect();
        Engine::build_in_memory(articles, files)
    }

    /// Indexes derived articles in memory (their slots are their positions).
    pub fn build_in_memory(
        articles: Vec<Arc<Article>>,
        files: &LexiconFiles,
    ) -> Result<Engine, EngineError> {
        let slotted: Vec<(u32, Arc<Article>)> = (0..).zip(articles).collect();
        let passages: Vec<PassageToIndex<'_>> = slotted
            .iter()
            .flat_map(|(slot, article)| passages_to_index(*slot, article))
            .collect();
        Engine::assemble(slotted.clone(), files, |lexicon| {
            SearchIndex::build(lexicon, passages)
        })
    }

    /// Builds the engine over derived articles, each with the slot its passages have in the
    /// search index that `make_index` provides (built in memory, built or updated on disk, or
    /// opened from disk: see [`crate::persist`]). Cheap next to deriving the articles: only the
    /// articles' metas are read here.
    pub(crate) fn assemble(
        articles: Vec<(u32, Arc<Article>)>,
        files: &LexiconFiles,
        make_index: impl FnOnce(&Lexicon) -> Result<SearchIndex, IndexError>,
    ) -> Result<Engine, EngineError> {
        let lexicon = Lexicon::new(
            &segmenter_words(articles.iter().map(|(_, a)| a.as_ref()), files),
            files.synonyms.clone(),
        );
        let index = make_index(&lexicon).map_err(|e| EngineError::Index(e.to_string()))?;
        let slot_count = articles.iter().map(|&(slot, _)| slot as usize + 1).max();
        let mut article_by_slot = vec![u32::MAX; slot_count.unwrap_or(0)];
        let mut stats = Stats {
            documents: articles.len(),
            passages: 0,
            figures: 0,
        };
        let mut article_by_key = HashMap::with_capacity(articles.len());
        for (position, (slot, article)) in articles.iter().enumerate() {
            article_by_slot[*slot as usize] = position as u32;
            let meta = article.meta();
            article_by_key.insert(ParagraphRef::doc_key(&meta.path), position);
            stats.passages += meta.passages as usize;
            stats.figures += meta.figures as usize;
        }
        let articles: Vec<Arc<Article>> = articles.into_iter().map(|(_, a)| a).collect();
        let mut headline_articles: Vec<u32> = (0..articles.len() as u32)
            .filter(|&i| articles[i as usize].meta().figures > 0)
            .collect();
        headline_articles
            .sort_by_key(|&i| (std::cmp::Reverse(articles[i as usize].meta().date), i));
        let question_stats = index.question_stats();
        let vocabulary_frequencies = lexicon
            .vocabulary()
            .map(|word| (word.to_string(), form_frequency(&question_stats, word)))
            .collect();
        drop(question_stats);
        Ok(Engine {
            articles,
            article_by_slot,
            article_by_key,
            headline_articles,
            lexicon,
            index,
            vocabulary_frequencies,
            headline_suggestions: OnceLock::new(),
            stats,
        })
    }

    /// Answers a question with the default limits.
    pub fn answer(&self, question: &str) -> Answer {
        self.answer_with(question, AnswerLimits::default())
    }

    /// Answers a question with up to `limits` figures and passages.
    pub fn answer_with(&self, question: &str, limits: AnswerLimits) -> Answer {
        let normalized = normalize_question(question);
        let analysis = analyze(&normalized, &self.lexicon);
        let mut answer = Answer {
            question: question.to_string(),
            answered: false,
            wants_figure: analysis.wants_figure,
            confidence: 0.0,
            figures: Vec::new(),
            passages: Vec::new(),
            suggestions: Vec::new(),
        };
        if analysis.terms.is_empty() {
            answer.suggestions = self.suggestions(3);
            return answer;
        }
        let Ranking {
            standings,
            finders,
            passages: ranked_passages,
            figures: ranked_figures,
            ..
        } = self.rank(&analysis);

        // A hit that shares only everyday words with the question (see [`Lexicon::standing`])
        // ("中国" in 中国人民银行 for "中国有多少人口") is a coincidence, not an answer. (A word
        // with alternatives is specific itself: it is in the synonym file, or a rare
        // verb-with-particle form, see `aspect_stem` in search::query.)
        let specific: Vec<bool> = analysis
            .terms
            .iter()
            .zip(&standings)
            .map(|(t, standing)| standing.specific || t.text.chars().all(|c| c.is_ascii_digit()))
            .collect();
        let shares_specific = |text: &str| {
            specific
                .iter()
                .enumerate()
                .any(|(term, &specific)| specific && finders.found(term, text))
        };
        let passage_confidence = ranked_passages
            .first()
            .filter(|p| shares_specific(self.passage_key(p.passage)))
            .map_or(0.0, |p| p.coverage);
        let figure_confidence = ranked_figures
            .first()
            .filter(|f| shares_specific(&self.figure(f.figure).sentence_key))
            .map_or(0.0, |f| f.confidence);
        let leads_with_figure = analysis.wants_figure && figure_confidence >= FIGURE_CONFIDENCE;
        // Asked for a number we do not have, a passage must match well to be worth showing.
        let passage_needed = if analysis.wants_figure {
            QUANTITY_PASSAGE_CONFIDENCE
        } else {
            PASSAGE_CONFIDENCE
        };
        answer.answered = leads_with_figure || passage_confidence >= passage_needed;
        answer.confidence = if leads_with_figure {
            figure_confidence
        } else {
            passage_confidence
        };
        answer.wants_figure = leads_with_figure;
        if !answer.answered {
            let near = ranked_figures.iter().map(|f| f.figure);
            answer.suggestions = self.figure_questions(near, 3);
            if answer.suggestions.is_empty() {
                answer.suggestions = self.suggestions(3);
            }
            return answer;
        }
        answer.figures = ranked_figures
            .iter()
            .filter(|f| f.confidence >= FIGURE_CONFIDENCE * 0.5)
            .take(limits.figures)
            .map(|f| self.figure_hit(f.figure, f.score))
            .collect();
        answer.passages = ranked_passages
            .iter()
            .filter(|p| p.coverage >= PASSAGE_CONFIDENCE * 0.5)
            .take(limits.passages)
            .map(|p| self.passage_hit(p.passage, p.score))
            .collect();
        answer
    }

    /// How the engine reads a question: its words with their synonyms and weights, and the best
    /// candidates with their coverage. For maintainers tuning synonyms (`ask --explain`).
    pub fn explain(&self, question: &str) -> String {
        let normalized = normalize_question(question);
        let analysis = analyze(&normalized, &self.lexicon);
        let ranking = self.rank(&analysis);
        let mut out = format!(
            "normalised: {normalized}\nwants figure: {}  unit: {:?}  year: {:?}\n",
            analysis.wants_figure, analysis.unit, analysis.year
        );
        for (term, weight) in analysis.terms.iter().zip(&ranking.weights) {
            out.push_str(&format!(
                "  term {} (weight {weight:.2}) ~ {}\n",
                term.text,
                term.alternatives.join(" ")
            ));
        }
        for p in ranking.passages.iter().take(5) {
            out.push_str(&format!(
                "  passage {:.2} (coverage {:.2}): {}\n",
                p.score,
                p.coverage,
                crate::render::quote(&self.passage(p.passage).text, 40)
            ));
        }
        for f in ranking.figures.iter().take(5) {
            let figure = &self.figure(f.figure).figure;
            out.push_str(&format!(
                "  figure {:.2} (confidence {:.2}): {} = {}\n",
                f.score, f.confidence, figure.label, figure.value
            ));
        }
        out
    }

    /// Weighs the question's words and ranks candidate passages and figures for them.
    fn rank(&self, analysis: &QuestionAnalysis) -> Ranking {
        let terms = &analysis.terms;
        let stats = self.index.question_stats();
        let standings: Vec<WordStanding> = terms
            .iter()
            .map(|t| self.lexicon.standing(&t.text))
            .collect();
        let weights = self.term_weights(&stats, terms, &standings);
        let finders = TermFinders::new(terms);
        let passages = self.rank_passages(&stats, terms, &finders, &weights);
        let figures = self.rank_figures(analysis, &finders, &weights, &passages);
        Ranking {
            standings,
            weights,
            finders,
            passages,
            figures,
        }
    }

    /// Each term's weight: its own weight times its rarity in the corpus (IDF). A word the corpus
    /// has never seen gets the highest rarity, so questions about other things score low.
    fn term_weights(
        &self,
        stats: &QuestionStats<'_>,
        terms: &[QueryTerm],
        standings: &[WordStanding],
    ) -> Vec<f32> {
        let total = self.index.len().max(1) as f32;
        let idf = |frequency: f32| (1.0 + (total - frequency + 0.5) / (frequency + 0.5)).ln();
        terms
            .iter()
            .zip(standings)
            .map(|(term, standing)| {
                let frequency = term
                    .forms()
                    .map(|form| self.form_frequency(stats, form))
                    .max()
                    .unwrap_or(0);
                if frequency > 0 {
                    // Rare in these articles is not enough: "真的" may appear once, yet it says
                    // little. Everyday words count less than specific ones.
                    term.weight * idf(frequency as f32) * (0.3 + 0.7 * standing.rarity)
                } else {
                    // A word the corpus has never seen: as rare as can be if it is rare in the
                    // language too (比特币, 红烧肉 — the question is about something else), but
                    // nearly weightless if it is everyday language (用, 做, 今天).
                    term.weight * idf(0.0) * standing.rarity
                }
            })
            .collect()
    }

    /// [`form_frequency`], from the table made at index time when `form` is in it.
    fn form_frequency(&self, stats: &QuestionStats<'_>, form: &str) -> u64 {
        match self.vocabulary_frequencies.get(form) {
            Some(&frequency) => frequency,
            None => form_frequency(stats, form),
        }
    }

    fn rank_passages(
        &self,
        stats: &QuestionStats<'_>,
        terms: &[QueryTerm],
        finders: &TermFinders,
        weights: &[f32],
    ) -> Vec<RankedPassage> {
        let mut search_terms = Vec::new();
        for (term, &weight) in terms.iter().zip(weights) {
            for (i, form) in term.forms().enumerate() {
                // A synonym the articles never use cannot find anything; skip its clause.
                if i > 0 && self.form_frequency(stats, form) == 0 {
                    continue;
                }
                let weight = if i == 0 { weight } else { weight * 0.8 };
                search_terms.push(WeightedTerm {
                    text: form.to_string(),
                    weight: weight.max(0.01),
                });
            }
        }
        let hits = self
            .index
            .search(stats, &search_terms, CANDIDATES)
            .unwrap_or_default();
        let best_bm25 = hits.first().map_or(1.0, |h| h.1).max(f32::EPSILON);
        let mut ranked: Vec<RankedPassage> = hits
            .into_iter()
            .filter_map(|(key, bm25)| Some((self.passage_of_key(key)?, bm25)))
            .map(|(passage, bm25)| {
                let coverage = coverage(finders, weights, self.passage_key(passage));
                RankedPassage {
                    passage,
                    coverage,
                    score: coverage + 0.1 * bm25 / best_bm25,
                }
            })
            .collect();
        ranked.sort_by(|a, b| b.score.total_cmp(&a.score));
        // One hit per paragraph: its best unit (often the sentence that holds the answer).
        let mut seen = Vec::new();
        ranked.retain(|r| {
            let key = (r.passage.article, self.passage(r.passage).paragraph);
            if seen.contains(&key) {
                false
            } else {
                seen.push(key);
                true
            }
        });
        ranked
    }

    fn rank_figures(
        &self,
        analysis: &QuestionAnalysis,
        finders: &TermFinders,
        weights: &[f32],
        passages: &[RankedPassage],
    ) -> Vec<RankedFigure> {
        let mut ranked = Vec::new();
        for hit in passages {
            let article = hit.passage.article;
            let body = self.articles[article as usize].body();
            let ids =
                body.figures_of_paragraph(body.passages[hit.passage.local as usize].paragraph);
            let paragraph_coverage = hit.coverage;
            let recency = self.articles[article as usize]
                .meta()
                .date
                .map_or(0.0, |d| d.num_days_from_ce() as f32 * 1e-7);
            // Figures come in text order, several to a sentence: cover each sentence once.
            let mut last_sentence: Option<(&str, f32)> = None;
            for local in ids {
                let figure = &body.figures[local];
                let label_coverage = coverage(finders, weights, &figure.label_key);
                let sentence_coverage = match last_sentence {
                    Some((sentence, covered)) if sentence == figure.sentence_key => covered,
                    _ => {
                        let covered = coverage(finders, weights, &figure.sentence_key);
                        last_sentence = Some((&figure.sentence_key, covered));
                        covered
                    }
                };
                let precision = label_precision(finders, &figure.label_key);
                let confidence = (0.6 * label_coverage + 0.4 * sentence_coverage)
                    .max(0.9 * sentence_coverage * precision.max(0.5));
                let unit = UnitClass::of_unit(&figure.figure.unit);
                let unit_fit = match analysis.unit {
                    Some(wanted) if wanted.accepts(unit) => 0.1,
                    Some(_) => -0.15,
                    None => 0.0,
                };
                let year_fit = match (&analysis.year, &figure.figure.period) {
                    (Some(year), Some(period)) if period.contains(year.as_str()) => 0.1,
                    (Some(_), _) => -0.05,
                    _ => 0.0,
                };
                let score = 0.45 * label_coverage
                    + 0.25 * sentence_coverage
                    + 0.1 * paragraph_coverage
                    + 0.2 * precision
                    + unit_fit
                    + year_fit
                    + recency;
                let confidence = if unit_fit < 0.0 {
                    confidence * 0.8
                } else {
                    confidence
                };
                ranked.push(RankedFigure {
                    figure: ItemRef {
                        article,
                        local: local as u32,
                    },
                    score,
                    confidence,
                });
            }
        }
        ranked.sort_by(|a, b| b.score.total_cmp(&a.score));
        ranked.dedup_by_key(|f| f.figure);
        if analysis.year.is_none() {
            self.newest_first(&mut ranked);
        }
        ranked
    }

    /// When the best figure's measure is also reported for other periods with (nearly) the same
    /// score, the newest period leads: a question without a year wants the latest figure.
    fn newest_first(&self, ranked: &mut [RankedFigure]) {
        let Some(top) = ranked.first() else { return };
        let top_label = self.figure(top.figure).label_key.clone();
        let top_score = top.score;
        let year = |id: ItemRef| {
            let date = self.articles[id.article as usize].meta().date;
            figure_year(&self.figure(id).figure, date)
        };
        let newest = ranked
            .iter()
            .enumerate()
            .filter(|(_, f)| {
                f.score >= top_score - 0.1
                    && same_measure(&self.figure(f.figure).label_key, &top_label)
            })
            .max_by_key(|(i, f)| (year(f.figure), std::cmp::Reverse(*i)))
            .map(|(i, _)| i);
        if let Some(i) = newest {
            ranked[..=i].rotate_right(1);
        }
    }

    /// The article of a search hit's passage key, and the passage's position in it; `None`
    /// for a key no served article holds (or a body that could not be read).
    fn passage_of_key(&self, key: u64) -> Option<ItemRef> {
        let (slot, local) = split_passage_key(key);
        let &article = self.article_by_slot.get(slot as usize)?;
        let body = self.articles.get(article as usize)?.body();
        ((local as usize) < body.passages.len()).then_some(ItemRef { article, local })
    }

    fn passage(&self, id: ItemRef) -> &Passage {
        &self.articles[id.article as usize].body().passages[id.local as usize]
    }

    /// The passage text as searched.
    fn passage_key(&self, id: ItemRef) -> &str {
        &self.articles[id.article as usize].body().passage_keys[id.local as usize]
    }

    fn figure(&self, id: ItemRef) -> &IndexedFigure {
        &self.articles[id.article as usize].body().figures[id.local as usize]
    }

    /// Figures in headline order, the first few hundred: newest article first, then each
    /// article's own headline order (see [`crate::corpus::ArticleBody::headlines`]). Only the
    /// articles reached are read.
    fn headlines(&self) -> impl Iterator<Item = ItemRef> + '_ {
        self.headline_articles
            .iter()
            .flat_map(|&article| {
                self.articles[article as usize]
                    .body()
                    .headlines()
                    .map(move |local| ItemRef {
                        article,
                        local: local as u32,
                    })
            })
            .take(HEADLINES_KEPT)
    }

    fn source(&self, article: u32) -> Source {
        let meta = self.articles[article as usize].meta();
        Source {
            title: meta.title.clone(),
            author: meta.author.clone(),
            path: meta.path.clone(),
            date: meta.date,
        }
    }

    fn paragraph_ref(&self, article: u32, paragraph: usize) -> ParagraphRef {
        ParagraphRef {
            doc_key: ParagraphRef::doc_key(&self.articles[article as usize].meta().path),
            paragraph: paragraph as u32,
        }
    }

    fn figure_hit(&self, id: ItemRef, score: f32) -> FigureHit {
        let indexed = self.figure(id);
        let figure = &indexed.figure;
        FigureHit {
            value: figure.value.clone(),
            number: figure.number,
            unit: figure.unit.clone(),
            qualifier: figure.qualifier.clone(),
            label: figure.label.clone(),
            period: figure.period.clone(),
            passage: figure.sentence.clone(),
            source: self.source(id.article),
            paragraph: self.paragraph_ref(id.article, indexed.paragraph as usize),
            score,
        }
    }

    fn passage_hit(&self, id: ItemRef, score: f32) -> PassageHit {
        let passage = self.passage(id);
        let source = self.source(id.article);
        PassageHit {
            text: passage.text.clone(),
            score,
            title: source.title.clone(),
            path: source.path.clone(),
            date: source.date,
            section: passage.section.clone(),
            paragraph: self.paragraph_ref(id.article, passage.paragraph),
            source,
        }
    }

    /// The search index served (the persistent store keeps its tantivy index to update it).
    pub(crate) fn search_index(&self) -> &SearchIndex {
        &self.index
    }

    /// The articles served, in path order.
    pub fn articles(&self) -> impl Iterator<Item = &ArticleMeta> {
        self.articles.iter().map(|article| article.meta())
    }

    pub fn stats(&self) -> Stats {
        self.stats
    }

    /// The paragraph a hit came from, whole, with its neighbours.
    pub fn paragraph_context(&self, paragraph: ParagraphRef) -> Option<ParagraphContext> {
        let &article = self.article_by_key.get(&paragraph.doc_key)?;
        let document = &self.articles[article].body().document;
        let index = paragraph.paragraph as usize;
        let current = document.paragraphs.get(index)?;
        let neighbour = |i: Option<usize>| {
            i.and_then(|i| document.paragraphs.get(i))
                .filter(|p| p.section == current.section)
                .map(|p| p.text.clone())
        };
        Some(ParagraphContext {
            source: self.source(article as u32),
            section: current.section.clone(),
            before: neighbour(index.checked_sub(1)),
            paragraph: current.text.clone(),
            after: neighbour(index.checked_add(1)),
        })
    }

    /// A few headline figures (for an empty inline query), most recent first, one per label.
    pub fn headline_figures(&self, count: usize) -> Vec<FigureHit> {
        let mut seen = Vec::new();
        self.headlines()
            .filter(|&i| {
                let figure = self.figure(i);
                let label = &figure.label_key;
                let fresh = !seen.contains(label) && !figure.figure.unit.contains('%');
                if fresh {
                    seen.push(label.clone());
                }
                fresh
            })
            .take(count)
            .map(|i| self.figure_hit(i, 0.0))
            .collect()
    }

    /// Example questions the engine can answer.
    pub fn suggestions(&self, count: usize) -> Vec<String> {
        self.headline_suggestions
            .get_or_init(|| self.figure_questions(self.headlines(), 5))
            .iter()
            .take(count)
            .cloned()
            .collect()
    }

    /// Questions built from figure labels ("拦截涉诈电话有多少？"), one per label.
    fn figure_questions(
        &self,
        figures: impl Iterator<Item = ItemRef>,
        count: usize,
    ) -> Vec<String> {
        let mut out: Vec<String> = Vec::new();
        for id in figures {
            let figure = &self.figure(id).figure;
            let label = &figure.label;
            if label.chars().count() < 3 || figure.unit.contains('%') {
                continue;
            }
            let question = format!("{label}有多少？");
            if !out.contains(&question) {
                out.push(question);
            }
            if out.len() == count {
                break;
            }
        }
        out
    }
}

/// The maintainers' lexicon files, read from the knowledge folder.
#[derive(Debug, Clone, Default)]
pub struct LexiconFiles {
    pub dictionary: Vec<(String, Option<usize>)>,
    pub synonyms: Synonyms,
}

impl LexiconFiles {
    /// Reads `dictionary.txt` and `synonyms.txt` from `dir`; either may be missing.
    pub fn read(dir: &Path) -> (LexiconFiles, Vec<Problem>) {
        let mut files = LexiconFiles::default();
        let mut problems = Vec::new();
        let mut read = |name: &str| -> Option<(std::path::PathBuf, String)> {
            let path = dir.join(name);
            match std::fs::read(&path) {
                Ok(bytes) => match String::from_utf8(bytes) {
                    Ok(text) => Some((path, text)),
                    Err(_) => {
                        problems.push(Problem {
                            path,
                            line: 1,
                            message: "not valid UTF-8; save the file as UTF-8".into(),
                        });
                        None
                    }
                },
                Err(err) if err.kind() == std::io::ErrorKind::NotFound => None,
                Err(err) => {
                    problems.push(Problem {
                        path,
                        line: 1,
                        message: format!("cannot read the file: {err}"),
                    });
                    None
                }
            }
        };
        let dictionary = read(DICTIONARY_FILE);
        let synonyms = read(SYNONYMS_FILE);
        if let Some((path, text)) = dictionary {
            let (words, bad) = parse_dictionary(&text);
            files.dictionary = words;
            problems.extend(bad.into_iter().map(|p| p.at(&path)));
        }
        if let Some((path, text)) = synonyms {
            let (synonyms, bad) = Synonyms::parse(&text);
            files.synonyms = synonyms;
            problems.extend(bad.into_iter().map(|p| p.at(&path)));
        }
        (files, problems)
    }
}

/// How the engine reads one question: its words' standing and weights, their substring
/// finders, and the candidates best first.
struct Ranking {
    standings: Vec<WordStanding>,
    weights: Vec<f32>,
    finders: TermFinders,
    passages: Vec<RankedPassage>,
    figures: Vec<RankedFigure>,
}

struct RankedPassage {
    passage: ItemRef,
    /// Share of the question the passage covers.
    coverage: f32,
    score: f32,
}

struct RankedFigure {
    figure: ItemRef,
    score: f32,
    confidence: f32,
}

/// The passages of an article as indexed: their keys in slot `slot`, their text as searched.
pub(crate) fn passages_to_index(
    slot: u32,
    article: &Article,
) -> impl Iterator<Item = PassageToIndex<'_>> {
    (0..)
        .zip(&article.body().passage_keys)
        .map(move |(local, key)| (passage_key(slot, local), key.as_str()))
}

/// The words the segmenter learns: the dictionary's, then the terms the articles quote, in
/// article order. The search index is tokenized with them, so an index can only be updated in
/// place while they stay the same (see [`crate::persist`]).
pub(crate) fn segmenter_words<'a>(
    articles: impl Iterator<Item = &'a Article>,
    files: &LexiconFiles,
) -> Vec<(String, Option<usize>)> {
    let mut words = files.dictionary.clone();
    let mut seen = std::collections::HashSet::new();
    for article in articles {
        for term in &article.meta().quoted_terms {
            if seen.insert(term.as_str()) {
                words.push((term.clone(), None));
            }
        }
    }
    words
}

/// The IDF-weighted share of the question's terms found in `text`.
fn coverage(finders: &TermFinders, weights: &[f32], text: &str) -> f32 {
    let total: f32 = weights.iter().sum();
    if total <= 0.0 {
        return 0.0;
    }
    let found: f32 = weights
        .iter()
        .enumerate()
        .filter(|&(term, _)| finders.found(term, text))
        .map(|(_, w)| w)
        .sum();
    (found / total).max(0.0)
}

/// How many passages hold `form`: as a word, else (when segmented differently) by its rarest bigram.
fn form_frequency(stats: &QuestionStats<'_>, form: &str) -> u64 {
    let as_word = stats.word_frequency(form);
    if as_word > 0 {
        return as_word;
    }
    let grams = bigrams(form);
    if grams.len() <= 1 && grams.first().is_none_or(|g| g.2 != form) {
        return 0;
    }
    grams
        .iter()
        .map(|g| stats.bigram_frequency(&g.2))
        .min()
        .unwrap_or(0)
}

/// The share of a label's characters that the question's words account for: "拦截涉诈电话" is
/// fully covered by "拦截 涉诈 电话", "拦截涉诈短信" only two-thirds.
fn label_precision(finders: &TermFinders, label: &str) -> f32 {
    // Covered bytes; a character counts as covered when its first byte is.
    let mut covered = vec![false; label.len()];
    let bytes = label.as_bytes();
    for form in finders.forms() {
        let length = form.finder.needle().len();
        if length == 0 {
            continue;
        }
        // Every occurrence, overlapping ones included.
        let mut from = 0;
        while let Some(found) = form.finder.find(&bytes[from..]) {
            let start = from + found;
            covered[start..start + length].fill(true);
            from = start + form.first_char_len;
        }
    }
    // Who did it ("工信部拦截涉诈电话") does not make a label less precise: count from the first
    // character the question accounts for.
    let mut counted = label
        .char_indices()
        .map(|(i, _)| covered[i])
        .skip_while(|&c| !c);
    let Some(true) = counted.next() else {
        return 0.0;
    };
    let (hits, total) = counted.fold((1, 1), |(hits, total), c| {
        (hits + usize::from(c), total + 1)
    });
    hits as f32 / total as f32
}

/// Whether two figure labels name the same measure: equal, or one is the other with a subject in
/// front ("工信部拦截涉诈电话" and "拦截涉诈电话").
pub fn same_measure(a: &str, b: &str) -> bool {
    !a.is_empty() && !b.is_empty() && (a.ends_with(b) || b.ends_with(a))
}

/// The year a figure refers to: the first year in its period, else its article's year.
fn figure_year(figure: &Figure, article: Option<NaiveDate>) -> Option<i32> {
    let from_period = figure.period.as_deref().and_then(|period| {
        let digits: String = period
            .chars()
            .skip_while(|c| !c.is_ascii_digit())
            .take(4)
            .collect();
        digits.parse().ok().filter(|_| digits.len() == 4)
    });
    from_period.or_else(|| article.map(|d| d.year()))
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
