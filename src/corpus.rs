//! The derived corpus: what the engine serves of each article — its passages with their search
//! keys, and its figures — derived once per version of an article and shared by every engine that
//! serves that version.
//!
//! An [`Article`] has two parts:
//! - [`ArticleMeta`], always in memory: path, title, date, counts and the terms the article quotes
//!   (the segmenter learns them). Enough for `/about`, statistics and building the lexicon.
//! - [`ArticleBody`]: the document with its paragraphs, passages, search keys and figures. A freshly
//!   parsed article carries it; an article reopened from the persistent index ([`crate::live::saved_index`])
//!   reads and decodes it from its own file the first time a question touches the article. A
//!   restart therefore costs time in proportion to the number of articles, not to their text.

use std::ops::Range;
use std::path::{Path, PathBuf};
use std::sync::OnceLock;

use chrono::NaiveDate;
use serde::{Deserialize, Serialize};

use crate::figures::{Figure, LeadInPeriods, PeriodSpan, period_span};
use crate::knowledge::{Document, Passage, split_passages};
use crate::normalize::{to_half_width, to_simplified};
use crate::search::lexicon::quoted_terms as quoted_terms_of;

/// What the engine keeps of an article without reading its body.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ArticleMeta {
    /// Path relative to the knowledge folder, with `/` separators.
    pub path: String,
    pub title: String,
    pub author: Option<String>,
    pub date: Option<NaiveDate>,
    /// How many passages and figures the body holds.
    pub passages: u32,
    pub figures: u32,
    /// Terms the article quotes (“断流”), as search keys, in reading order, each once.
    pub quoted_terms: Vec<String>,
}

/// A figure of an article, tied to its paragraph, with its label and sentence as searched.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct IndexedFigure {
    pub figure: Figure,
    /// Index of the paragraph in the document.
    pub paragraph: u32,
    /// Label and sentence as searched: simplified, lowercased.
    pub label_key: String,
    pub sentence_key: String,
    /// The figure's period read as a span of months, when it names one.
    pub span: Option<PeriodSpan>,
}

/// Everything derived from an article's text.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ArticleBody {
    pub document: Document,
    /// In reading order: each paragraph, followed by its sentences when it is long.
    pub passages: Vec<Passage>,
    /// Passage text as searched (see [`search_key`]), one per passage.
    pub passage_keys: Vec<String>,
    /// In text order, so the figures of one paragraph are a contiguous run.
    pub figures: Vec<IndexedFigure>,
    /// The run of `figures` that each paragraph holds, by paragraph index.
    paragraph_figures: Vec<(u32, u32)>,
    /// Figure indices in headline order (see [`ArticleBody::headlines`]).
    headlines: Vec<u32>,
}

impl ArticleBody {
    /// The figures of paragraph `paragraph`, as indices into `figures`.
    pub fn figures_of_paragraph(&self, paragraph: usize) -> Range<usize> {
        self.paragraph_figures
            .get(paragraph)
            .map_or(0..0, |&(start, end)| start as usize..end as usize)
    }

    /// Figure indices in headline order: short labels (a clear "what") and big counts first.
    /// "拦截涉诈电话 19.5亿次" makes a better headline than "下发会议纪要两次".
    pub fn headlines(&self) -> impl Iterator<Item = usize> + '_ {
        self.headlines.iter().map(|&i| i as usize)
    }

    /// Whether the body is whole and is the one `meta` describes: every index it holds points
    /// inside it, so serving it can never go out of bounds.
    fn fits(&self, meta: &ArticleMeta) -> bool {
        let figures = self.figures.len();
        self.passages.len() == meta.passages as usize
            && figures == meta.figures as usize
            && self.passage_keys.len() == self.passages.len()
            && self
                .paragraph_figures
                .iter()
                .all(|&(start, end)| start <= end && end as usize <= figures)
            && self.headlines.iter().all(|&i| (i as usize) < figures)
    }

    fn empty(meta: &ArticleMeta) -> ArticleBody {
        ArticleBody {
            document: Document {
                path: meta.path.clone(),
                title: meta.title.clone(),
                author: meta.author.clone(),
                date: meta.date,
                categories: Vec::new(),
                source_url: None,
                image: None,
                captions: Vec::new(),
                paragraphs: Vec::new(),
                dropped: Vec::new(),
            },
            passages: Vec::new(),
            passage_keys: Vec::new(),
            figures: Vec::new(),
            paragraph_figures: Vec::new(),
            headlines: Vec::new(),
        }
    }
}

/// One article as served: its meta, and its body in memory or on disk (see the module docs).
#[derive(Debug)]
pub struct Article {
    meta: ArticleMeta,
    body: OnceLock<ArticleBody>,
    /// The file the body is saved in: where it is read from when it is not in memory yet.
    body_file: OnceLock<PathBuf>,
}

/// Key form of any text: what a question is normalised to, so the two compare.
pub fn search_key(text: &str) -> String {
    // Brackets inside names ("打猫（池）行动") would hide the name from a question that writes
    // it whole ("打猫池"), so they are dropped.
    to_simplified(&to_half_width(text))
        .to_lowercase()
        .replace(['(', ')', '【', '】', '[', ']'], "")
}

impl Article {
    /// Splits a document into passages and extracts its figures and search keys.
    pub fn derive(document: Document) -> Article {
        let passages = split_passages(&document);
        let passage_keys: Vec<String> = passages.iter().map(|p| search_key(&p.text)).collect();
        let mut quoted_terms: Vec<String> = Vec::new();
        let mut figures = Vec::new();
        let mut paragraph_figures = Vec::with_capacity(document.paragraphs.len());
        let mut lead_ins = LeadInPeriods::default();
        for (paragraph_index, paragraph) in document.paragraphs.iter().enumerate() {
            for term in quoted_terms_of(&paragraph.text) {
                let key = search_key(&term);
                if !quoted_terms.contains(&key) {
                    quoted_terms.push(key);
                }
            }
            let start = figures.len() as u32;
            let section = paragraph.section.as_deref();
            for figure in lead_ins.extract(&paragraph.text, section, document.date) {
                figures.push(IndexedFigure {
                    span: figure.period.as_deref().and_then(period_span),
                    label_key: search_key(&figure.label),
                    sentence_key: search_key(&figure.sentence),
                    figure,
                    paragraph: paragraph_index as u32,
                });
            }
            paragraph_figures.push((start, figures.len() as u32));
        }
        let mut headlines: Vec<u32> = (0..figures.len() as u32).collect();
        headlines.sort_by(|&a, &b| {
            let key = |i: u32| {
                let figure = &figures[i as usize].figure;
                (figure.label.chars().count() > 8, figure.number)
            };
            let ((long_a, number_a), (long_b, number_b)) = (key(a), key(b));
            long_a
                .cmp(&long_b)
                .then(number_b.total_cmp(&number_a))
                .then(a.cmp(&b))
        });
        let meta = ArticleMeta {
            path: document.path.clone(),
            title: document.title.clone(),
            author: document.author.clone(),
            date: document.date,
            passages: passages.len() as u32,
            figures: figures.len() as u32,
            quoted_terms,
        };
        let body = ArticleBody {
            document,
            passages,
            passage_keys,
            figures,
            paragraph_figures,
            headlines,
        };
        Article {
            meta,
            body: OnceLock::from(body),
            body_file: OnceLock::new(),
        }
    }

    /// An article whose body was saved by [`Article::save_body`] in `body_file`; it is read on
    /// first use.
    pub fn stored(meta: ArticleMeta, body_file: PathBuf) -> Article {
        Article {
            meta,
            body: OnceLock::new(),
            body_file: OnceLock::from(body_file),
        }
    }

    pub fn meta(&self) -> &ArticleMeta {
        &self.meta
    }

    /// Whether the body is in memory (derived here, or already read from its file).
    pub fn body_is_loaded(&self) -> bool {
        self.body.get().is_some()
    }

    /// The body, read from its file on first use. A body that cannot be read (the file was
    /// removed or damaged behind the bot's back) is logged and served as empty: the article's
    /// hits are dropped rather than crashing the question.
    pub fn body(&self) -> &ArticleBody {
        self.body.get_or_init(|| {
            let Some(file) = self.body_file.get() else {
                return ArticleBody::empty(&self.meta);
            };
            match read_body(file) {
                Ok(body) if body.fits(&self.meta) => body,
                Ok(_) => {
                    tracing::error!(
                        "{}: the saved article does not match the index; delete the index folder \
                         under DATA_DIR to rebuild it",
                        file.display()
                    );
                    ArticleBody::empty(&self.meta)
                }
                Err(err) => {
                    tracing::error!(
                        "{}: cannot read the saved article ({err}); delete the index folder under \
                         DATA_DIR to rebuild it",
                        file.display()
                    );
                    ArticleBody::empty(&self.meta)
                }
            }
        })
    }

    /// The file the body is saved in, if it is.
    pub fn body_file(&self) -> Option<&Path> {
        self.body_file.get().map(PathBuf::as_path)
    }

    /// Writes the body to `file` (through a temporary file, so a crash never leaves half of it)
    /// and remembers it as the body's file.
    pub fn save_body(&self, file: &Path) -> Result<(), BodyFileError> {
        let bytes = postcard::to_allocvec(self.body())?;
        let temporary = file.with_extension("tmp");
        std::fs::write(&temporary, bytes)?;
        std::fs::rename(&temporary, file)?;
        // A body saved twice (the same article in two stores) keeps its first file.
        let _ = self.body_file.set(file.to_path_buf());
        Ok(())
    }
}

/// Why an article body could not be written or read.
#[derive(Debug, thiserror::Error)]
pub enum BodyFileError {
    #[error(transparent)]
    Io(#[from] std::io::Error),
    #[error("cannot encode or decode the article: {0}")]
    Encoding(#[from] postcard::Error),
}

fn read_body(file: &Path) -> Result<ArticleBody, BodyFileError> {
    let bytes = std::fs::read(file)?;
    Ok(postcard::from_bytes(&bytes)?)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn article(text: &str) -> Article {
        let (document, _) = crate::knowledge::parse_document("a.md", text.as_bytes()).unwrap();
        Article::derive(document)
    }

    #[test]
    fn derives_passages_figures_and_quoted_terms() {
        let article = article(
            "2021年拦截涉诈电话19.5亿次、短信21.4亿条。\n\n所谓“断流”，就是切断资金链。\n\n会议下发纪要两次。",
        );
        let meta = article.meta();
        assert_eq!(meta.passages as usize, article.body().passages.len());
        assert_eq!(meta.figures as usize, article.body().figures.len());
        assert_eq!(meta.quoted_terms, ["断流"]);
        let body = article.body();
        assert_eq!(body.figures_of_paragraph(0), 0..2);
        assert_eq!(body.figures_of_paragraph(1), 2..2);
        assert_eq!(body.figures_of_paragraph(99), 0..0);
        let first = body.headlines().next().unwrap();
        assert_eq!(
            body.figures[first].figure.value, "21.4亿条",
            "the biggest short-labelled count leads"
        );
    }

    #[test]
    fn a_saved_body_is_read_back_on_first_use() {
        let dir = tempfile::tempdir().unwrap();
        let derived = article("拦截涉诈电话19.5亿次。");
        let file = dir.path().join("a.bin");
        derived.save_body(&file).unwrap();
        let stored = Article::stored(derived.meta().clone(), file);
        assert!(!stored.body_is_loaded());
        assert_eq!(stored.body(), derived.body());
        assert!(stored.body_is_loaded());
    }

    #[test]
    fn a_damaged_body_file_serves_an_empty_article() {
        let dir = tempfile::tempdir().unwrap();
        let derived = article("拦截涉诈电话19.5亿次。");
        let file = dir.path().join("a.bin");
        derived.save_body(&file).unwrap();
        let bytes = std::fs::read(&file).unwrap();
        std::fs::write(&file, &bytes[..bytes.len() / 2]).unwrap();
        let stored = Article::stored(derived.meta().clone(), file.clone());
        assert!(stored.body().passages.is_empty());
        let other = article("拦截涉诈短信21.4亿条，处置域名网址104万个。");
        other.save_body(&file).unwrap();
        let mismatched = Article::stored(derived.meta().clone(), file.clone());
        assert!(
            mismatched.body().figures.is_empty(),
            "a body that is not the one the meta describes is not served"
        );
        let missing = Article::stored(derived.meta().clone(), dir.path().join("gone.bin"));
        assert!(missing.body().figures.is_empty());
        assert_eq!(missing.body().document.title, derived.meta().title);
    }
}
