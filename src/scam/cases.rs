//! The case library (`knowledge/scam-cases.yaml`): known scam scripts, each labelled with its
//! fraud type and summed up in one line, that a message is compared with. It catches a script no
//! pattern names yet: a message that closely resembles a known case is flagged "与已知的…案例相似".
//!
//! The cases are indexed in RAM with tantivy over character bigrams (the tokenizer the article
//! search uses as its fallback). A message's distinct bigrams (at most [`MAX_QUERY_TERMS`]) find
//! the few best cases by BM25; each candidate is then scored by the share of the message's
//! bigrams that occur in it, a number between 0 and 1 that does not depend on the library's size,
//! so the file's `threshold` (calibrated on the labelled set's dev half) keeps its meaning as
//! maintainers add cases.
//!
//! The library is kept apart from the articles the Q&A answers from: cases are scammers' words,
//! which an answer should never quote as advice.

use std::collections::HashSet;
use std::path::{Path, PathBuf};

use serde::Deserialize;
use tantivy::collector::TopDocs;
use tantivy::query::{BooleanQuery, Occur, Query, TermQuery};
use tantivy::schema::{
    Field, IndexRecordOption, NumericOptions, Schema, TextFieldIndexing, TextOptions,
};
use tantivy::tokenizer::TextAnalyzer;
use tantivy::{Index, IndexReader, ReloadPolicy, Term, doc};

use crate::search::tokenizer::{BIGRAMS, BigramTokenizer, bigrams};

/// A message is compared with the cases only when it has at least this many distinct bigrams:
/// a short message resembles everything a little.
pub const MIN_MESSAGE_BIGRAMS: usize = 10;

/// At most this many of a message's bigrams are looked up (keeps a pasted essay cheap).
pub const MAX_QUERY_TERMS: usize = 64;

/// How many candidates from the index are scored.
const CANDIDATES: usize = 3;

/// Why a case library could not be used; shown as `path:line: message`.
#[derive(Debug, thiserror::Error)]
pub enum CaseError {
    #[error("{path}: cannot read the scam case library: {source}")]
    Unreadable {
        path: PathBuf,
        #[source]
        source: std::io::Error,
    },
    #[error("{path}:{line}: {message}")]
    Invalid {
        path: PathBuf,
        line: usize,
        message: String,
    },
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct CaseFile {
    threshold: f32,
    cases: Vec<CaseEntry>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct CaseEntry {
    #[serde(rename = "type")]
    kind: String,
    summary: String,
    script: String,
}

/// One known case.
#[derive(Debug, Clone)]
pub struct KnownCase {
    /// The fraud type, a name from the patterns file's `types`.
    pub kind: String,
    /// One line saying what happened.
    pub summary: String,
    /// The script's distinct bigrams, for scoring.
    grams: HashSet<String>,
}

/// A message's closest known case.
#[derive(Debug, Clone, PartialEq, serde::Serialize)]
pub struct SimilarCase {
    /// The case's fraud type.
    #[serde(rename = "type")]
    pub kind: String,
    pub summary: String,
    /// The share of the message's bigrams found in the case, 0 to 1.
    pub similarity: f32,
}

/// The indexed case library. Cheap to clone (the index is shared).
#[derive(Clone)]
pub struct CaseLibrary {
    cases: Vec<KnownCase>,
    threshold: f32,
    reader: Option<(IndexReader, Field, Field)>,
}

impl std::fmt::Debug for CaseLibrary {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("CaseLibrary")
            .field("cases", &self.cases.len())
            .field("threshold", &self.threshold)
            .finish()
    }
}

impl CaseLibrary {
    /// A library without cases: nothing is ever similar.
    pub fn empty() -> CaseLibrary {
        CaseLibrary {
            cases: Vec::new(),
            threshold: 1.0,
            reader: None,
        }
    }

    /// Parses and indexes a case library. `types` are the fraud types a case may name; `path`
    /// is only used in error messages; `normalize` prepares text the way messages are prepared.
    pub fn parse(
        text: &str,
        path: &Path,
        types: &[&str],
        normalize: impl Fn(&str) -> String,
    ) -> Result<CaseLibrary, CaseError> {
        let invalid = |line: usize, message: String| CaseError::Invalid {
            path: path.to_path_buf(),
            line,
            message,
        };
        let file: CaseFile = serde_yaml_ng::from_str(text).map_err(|err| {
            invalid(
                err.location().map_or(1, |l| l.line()),
                format!("not a valid scam case library: {err}"),
            )
        })?;
        if !(file.threshold > 0.0 && file.threshold <= 1.0) {
            return Err(invalid(
                line_of(text, "threshold:"),
                "threshold must be above 0 and at most 1".to_string(),
            ));
        }
        let mut cases = Vec::with_capacity(file.cases.len());
        for entry in file.cases {
            let line = || line_of(text, entry.summary.trim());
            if !types.contains(&entry.kind.as_str()) {
                return Err(invalid(
                    line(),
                    format!(
                        "case names fraud type `{}`, which the patterns file does not declare under `types`",
                        entry.kind
                    ),
                ));
            }
            if entry.summary.trim().is_empty() {
                return Err(invalid(line(), "a case has an empty summary".to_string()));
            }
            let grams = distinct_bigrams(&normalize(&entry.script), usize::MAX);
            if grams.len() < MIN_MESSAGE_BIGRAMS {
                return Err(invalid(
                    line(),
                    format!(
                        "the script of case `{}` is too short to compare messages with",
                        entry.summary.trim()
                    ),
                ));
            }
            cases.push(KnownCase {
                kind: entry.kind,
                summary: entry.summary.trim().to_string(),
                grams: grams.into_iter().collect(),
            });
        }
        let reader = index(&cases)
            .map_err(|err| invalid(1, format!("the case library could not be indexed: {err}")))?;
        Ok(CaseLibrary {
            cases,
            threshold: file.threshold,
            reader: Some(reader),
        })
    }

    /// How many cases the library holds.
    pub fn len(&self) -> usize {
        self.cases.len()
    }

    /// Whether the library holds no case.
    pub fn is_empty(&self) -> bool {
        self.cases.is_empty()
    }

    /// The similarity from which a message is flagged.
    pub fn threshold(&self) -> f32 {
        self.threshold
    }

    /// The known case closest to a normalised message, whatever the threshold; `None` when the
    /// message is too short or shares nothing with any case.
    pub fn closest(&self, normalized: &str) -> Option<SimilarCase> {
        let (reader, grams_field, case_field) = self.reader.as_ref()?;
        let grams = distinct_bigrams(normalized, MAX_QUERY_TERMS);
        if grams.len() < MIN_MESSAGE_BIGRAMS {
            return None;
        }
        let clauses: Vec<(Occur, Box<dyn Query>)> = grams
            .iter()
            .map(|gram| {
                let term = Term::from_field_text(*grams_field, gram);
                let query: Box<dyn Query> =
                    Box::new(TermQuery::new(term, IndexRecordOption::Basic));
                (Occur::Should, query)
            })
            .collect();
        let searcher = reader.searcher();
        let hits = searcher
            .search(
                &BooleanQuery::new(clauses),
                &TopDocs::with_limit(CANDIDATES),
            )
            .ok()?;
        let mut best: Option<(usize, usize)> = None;
        for (_, address) in hits {
            let column = searcher
                .segment_reader(address.segment_ord)
                .fast_fields()
                .u64(case_field_name(&searcher, *case_field))
                .ok()?;
            let Some(case) = column
                .first(address.doc_id)
                .and_then(|id| usize::try_from(id).ok())
                .filter(|&id| id < self.cases.len())
            else {
                continue;
            };
            let shared = grams
                .iter()
                .filter(|g| self.cases[case].grams.contains(*g))
                .count();
            if best.is_none_or(|(_, s)| shared > s) {
                best = Some((case, shared));
            }
        }
        let (case, shared) = best?;
        let case = &self.cases[case];
        Some(SimilarCase {
            kind: case.kind.clone(),
            summary: case.summary.clone(),
            similarity: shared as f32 / grams.len() as f32,
        })
    }

    /// The closest case when it is at least as similar as the threshold.
    pub fn similar(&self, normalized: &str) -> Option<SimilarCase> {
        self.closest(normalized)
            .filter(|found| found.similarity >= self.threshold)
    }
}

/// The name of the fast field holding a case's number.
fn case_field_name(searcher: &tantivy::Searcher, field: Field) -> &str {
    searcher.schema().get_field_name(field)
}

/// The distinct bigrams (and Latin runs) of a text, in order of first appearance, at most `max`.
fn distinct_bigrams(text: &str, max: usize) -> Vec<String> {
    let mut seen = HashSet::new();
    let mut out = Vec::new();
    for (_, _, gram) in bigrams(text) {
        // Lone characters and digits say little about which script a message follows.
        if gram.chars().count() < 2 || gram.chars().all(|c| c.is_ascii_digit()) {
            continue;
        }
        if seen.insert(gram.clone()) {
            out.push(gram);
            if out.len() >= max {
                break;
            }
        }
    }
    out
}

/// Indexes the cases in RAM: each case's bigrams, and its number as a fast field.
fn index(cases: &[KnownCase]) -> tantivy::Result<(IndexReader, Field, Field)> {
    let mut builder = Schema::builder();
    let grams = builder.add_text_field(
        "grams",
        TextOptions::default().set_indexing_options(
            TextFieldIndexing::default()
                .set_tokenizer(BIGRAMS)
                .set_index_option(IndexRecordOption::WithFreqs),
        ),
    );
    let case = builder.add_u64_field("case", NumericOptions::default().set_fast());
    let index = Index::create_in_ram(builder.build());
    index
        .tokenizers()
        .register(BIGRAMS, TextAnalyzer::builder(BigramTokenizer).build());
    // One thread with the smallest arena tantivy allows: the library is small.
    let mut writer = index.writer_with_num_threads(1, 15_000_000)?;
    for (id, known) in cases.iter().enumerate() {
        // The script's distinct bigrams, space-separated: each is one token of the tokenizer.
        let text: Vec<&str> = known.grams.iter().map(String::as_str).collect();
        writer.add_document(doc!(grams => text.join(" "), case => id as u64))?;
    }
    writer.commit()?;
    let reader = index
        .reader_builder()
        .reload_policy(ReloadPolicy::Manual)
        .try_into()?;
    Ok((reader, grams, case))
}

/// The 1-based line of the first line containing `needle`, or 1.
fn line_of(text: &str, needle: &str) -> usize {
    if needle.is_empty() {
        return 1;
    }
    text.lines()
        .position(|line| line.contains(needle))
        .map_or(1, |i| i + 1)
}
