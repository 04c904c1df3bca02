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

use std::io::Write;
use std::ops::Range;
use std::path::{Path, PathBuf};
use std::sync::OnceLock;
use std::sync::atomic::{AtomicBool, Ordering};

use chrono::NaiveDate;
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};

use crate::figures::{Figure, LeadInPeriods, PeriodSpan, YearSet, campaign_year};
use crate::knowledge::{Document, Passage, split_passages};
use crate::normalize::{to_half_width, to_simplified};
use crate::search::lexicon::quoted_terms as quoted_terms_of;
use crate::search::terms::TextSignature;

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
    /// Their signatures, so ranking skips the words they cannot hold.
    pub label_signature: TextSignature,
    pub sentence_signature: TextSignature,
    /// The figure's period read as a span of months, when it names one.
    pub span: Option<PeriodSpan>,
    /// For a figure of a named campaign (no span of its own), the year the campaign ran in.
    pub campaign_year: Option<PeriodSpan>,
}

/// Everything derived from an article's text.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ArticleBody {
    pub document: Document,
    /// In reading order: each paragraph, followed by its sentences when it is long.
    pub passages: Vec<Passage>,
    /// Passage text as searched (see [`search_key`]), one per passage.
    pub passage_keys: Vec<String>,
    /// The signature of each passage key.
    pub passage_signatures: Vec<TextSignature>,
    /// The signature of each passage's section heading as written (empty without one).
    pub section_signatures: Vec<TextSignature>,
    /// The years each passage names.
    pub passage_years: Vec<YearSet>,
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
            && self.passage_signatures.len() == self.passages.len()
            && self.section_signatures.len() == self.passages.len()
            && self.passage_years.len() == self.passages.len()
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
            passage_signatures: Vec::new(),
            section_signatures: Vec::new(),
            passage_years: Vec::new(),
            figures: Vec::new(),
            paragraph_figures: Vec::new(),
            headlines: Vec::new(),
        }
    }
}

/// The length and hash of a saved body file: a body read back is used only when both match, so
/// a file truncated, overwritten or damaged on disk is noticed before it is decoded.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct BodyCheck {
    pub len: u64,
    /// Hex SHA-256 of the file's bytes (the first 16 bytes of it).
    pub hash: String,
}

impl BodyCheck {
    pub fn of(bytes: &[u8]) -> BodyCheck {
        let digest = Sha256::digest(bytes);
        BodyCheck {
            len: bytes.len() as u64,
            hash: digest[..16].iter().map(|b| format!("{b:02x}")).collect(),
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
    /// What the body file must hold (set when it is written or opened from the saved index).
    body_check: OnceLock<BodyCheck>,
    /// The body file could not be used: the article is served empty until the next refresh
    /// parses its knowledge file again ([`Article::is_damaged`]). Not cached as the body, so
    /// a passing read error does not empty the article for good.
    damaged: AtomicBool,
    /// The empty body served while damaged.
    fallback: OnceLock<ArticleBody>,
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
        let passage_signatures = passage_keys.iter().map(|k| TextSignature::of(k)).collect();
        let section_signatures = passages
            .iter()
            .map(|p| TextSignature::of(p.section.as_deref().unwrap_or("")))
            .collect();
        let passage_years = passage_keys.iter().map(|k| YearSet::named_in(k)).collect();
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
                let label_key = search_key(&figure.label);
                let sentence_key = search_key(&figure.sentence);
                figures.push(IndexedFigure {
                    span: figure.span(),
                    campaign_year: figure.period.as_deref().and_then(campaign_year),
                    label_signature: TextSignature::of(&label_key),
                    sentence_signature: TextSignature::of(&sentence_key),
                    label_key,
                    sentence_key,
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
            passage_signatures,
            section_signatures,
            passage_years,
            figures,
            paragraph_figures,
            headlines,
        };
        Article {
            meta,
            body: OnceLock::from(body),
            body_file: OnceLock::new(),
            body_check: OnceLock::new(),
            damaged: AtomicBool::new(false),
            fallback: OnceLock::new(),
        }
    }

    /// An article whose body was saved by [`Article::save_body`] in `body_file`, which must
    /// match `check`; it is read on first use.
    pub fn stored(meta: ArticleMeta, body_file: PathBuf, check: BodyCheck) -> Article {
        Article {
            meta,
            body: OnceLock::new(),
            body_file: OnceLock::from(body_file),
            body_check: OnceLock::from(check),
            damaged: AtomicBool::new(false),
            fallback: OnceLock::new(),
        }
    }

    pub fn meta(&self) -> &ArticleMeta {
        &self.meta
    }

    /// Whether the body is in memory (derived here, or already read from its file).
    pub fn body_is_loaded(&self) -> bool {
        self.body.get().is_some()
    }

    /// The body, read from its file on first use. A body that cannot be read, or is not the
    /// one saved (its length or hash differ: the file was truncated, replaced or damaged behind
    /// the bot's back), is logged and served as empty: the article's hits are dropped rather
    /// than crashing the question, and the article counts as damaged until the next refresh
    /// parses its knowledge file again.
    pub fn body(&self) -> &ArticleBody {
        if let Some(body) = self.body.get() {
            return body;
        }
        let fallback = || self.fallback.get_or_init(|| ArticleBody::empty(&self.meta));
        let Some(file) = self.body_file.get() else {
            return fallback();
        };
        if self.is_damaged() {
            return fallback();
        }
        match read_body(file, self.body_check.get()) {
            Ok(body) if body.fits(&self.meta) => {
                // Two questions may read it at once: the first one stored is kept.
                let _ = self.body.set(body);
                self.body.get().unwrap_or_else(|| fallback())
            }
            result => {
                let problem = match result {
                    Ok(_) => "it does not match the index".to_string(),
                    Err(err) => err.to_string(),
                };
                tracing::error!(
                    "{}: cannot use the saved article ({problem}); it is served empty until the \
                     next reload parses {} again",
                    file.display(),
                    self.meta.path
                );
                self.damaged.store(true, Ordering::Relaxed);
                fallback()
            }
        }
    }

    /// Whether the saved body could not be used ([`Article::body`]): the article must be
    /// parsed again from its knowledge file.
    pub fn is_damaged(&self) -> bool {
        self.damaged.load(Ordering::Relaxed)
    }

    /// What the saved body file holds, once saved or opened.
    pub fn body_check(&self) -> Option<&BodyCheck> {
        self.body_check.get()
    }

    /// The file the body is saved in, if it is.
    pub fn body_file(&self) -> Option<&Path> {
        self.body_file.get().map(PathBuf::as_path)
    }

    /// Writes the body to `file` (through a temporary file flushed to disk before it is
    /// renamed, so neither a crash nor a power cut leaves half of it) and remembers it as the
    /// body's file. The caller syncs the folder once all are written.
    pub fn save_body(&self, file: &Path) -> Result<(), BodyFileError> {
        let bytes = postcard::to_allocvec(self.body())?;
        let temporary = file.with_extension("tmp");
        write_synced(&temporary, &bytes)?;
        std::fs::rename(&temporary, file)?;
        // A body saved twice (the same article in two stores) keeps its first file.
        if self.body_file.set(file.to_path_buf()).is_ok() {
            let _ = self.body_check.set(BodyCheck::of(&bytes));
        }
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
    #[error(
        "the file changed since it was saved ({found} bytes and another hash; {expected} bytes saved)"
    )]
    Changed { expected: u64, found: u64 },
}

/// Writes `bytes` to a new `file` and flushes it to the disk.
pub fn write_synced(file: &Path, bytes: &[u8]) -> std::io::Result<()> {
    let mut out = std::fs::File::create(file)?;
    out.write_all(bytes)?;
    out.sync_all()
}

fn read_body(file: &Path, check: Option<&BodyCheck>) -> Result<ArticleBody, BodyFileError> {
    let bytes = std::fs::read(file)?;
    if let Some(check) = check {
        let found = BodyCheck::of(&bytes);
        if found != *check {
            return Err(BodyFileError::Changed {
                expected: check.len,
                found: found.len,
            });
        }
    }
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

    /// `article` saved in `dir/a.bin`, and what its file must hold.
    fn saved(dir: &Path, derived: &Article) -> (PathBuf, BodyCheck) {
        let file = dir.join("a.bin");
        derived.save_body(&file).unwrap();
        (file, derived.body_check().unwrap().clone())
    }

    #[test]
    fn a_saved_body_is_read_back_on_first_use() {
        let dir = tempfile::tempdir().unwrap();
        let derived = article("拦截涉诈电话19.5亿次。");
        let (file, check) = saved(dir.path(), &derived);
        assert_eq!(check, BodyCheck::of(&std::fs::read(&file).unwrap()));
        let stored = Article::stored(derived.meta().clone(), file, check);
        assert!(!stored.body_is_loaded());
        assert_eq!(stored.body(), derived.body());
        assert!(stored.body_is_loaded());
        assert!(!stored.is_damaged());
    }

    #[test]
    fn a_damaged_body_file_serves_an_empty_article_until_reparsed() {
        let dir = tempfile::tempdir().unwrap();
        let derived = article("拦截涉诈电话19.5亿次。");
        let (file, check) = saved(dir.path(), &derived);
        let bytes = std::fs::read(&file).unwrap();
        std::fs::write(&file, &bytes[..bytes.len() / 2]).unwrap();
        let stored = Article::stored(derived.meta().clone(), file.clone(), check.clone());
        assert!(stored.body().passages.is_empty());
        assert!(stored.is_damaged(), "the refresh parses it again");
        assert!(
            !stored.body_is_loaded(),
            "the empty body is not cached as the article's body"
        );
        let other = article("拦截涉诈短信21.4亿条，处置域名网址104万个。");
        other.save_body(&file).unwrap();
        let mismatched = Article::stored(derived.meta().clone(), file.clone(), check.clone());
        assert!(
            mismatched.body().figures.is_empty(),
            "a body that is not the one the meta describes is not served"
        );
        let missing = Article::stored(
            derived.meta().clone(),
            dir.path().join("gone.bin"),
            check.clone(),
        );
        assert!(missing.body().figures.is_empty());
        assert_eq!(missing.body().document.title, derived.meta().title);
        assert!(missing.is_damaged());
    }

    #[test]
    fn a_body_file_changed_in_place_is_refused_even_when_it_decodes() {
        let dir = tempfile::tempdir().unwrap();
        let derived = article("拦截涉诈电话19.5亿次。");
        let (file, check) = saved(dir.path(), &derived);
        // "19.5" → "19.6": the same length, still a valid body, another figure.
        let mut bytes = std::fs::read(&file).unwrap();
        let at = bytes.windows(4).position(|w| w == b"19.5").unwrap();
        bytes[at + 3] = b'6';
        std::fs::write(&file, &bytes).unwrap();
        let stored = Article::stored(derived.meta().clone(), file, check);
        assert!(
            stored.body().passages.is_empty(),
            "a changed body is not served"
        );
        assert!(stored.is_damaged());
    }
}
