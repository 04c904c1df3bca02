//! The case library (`knowledge/scam-cases.yaml`): known scam scripts, each labelled with its
//! fraud type and summed up in one line, that a message is compared with. It catches a script no
//! pattern names yet: a message that closely resembles a known case is flagged "与已知的…案例相似".
//!
//! The cases are indexed with tantivy over character bigrams (the tokenizer the article search
//! uses as its fallback). At load, the index's postings — for each bigram, the cases whose script
//! holds it — are read into a hash map, and messages are scored against that map: a BM25 query
//! per message cost about 40 µs, a lookup per bigram costs well under one. A message's distinct
//! bigrams (at most [`MAX_QUERY_TERMS`]) each add one to every case that holds them; the case
//! with the most is the closest, and its similarity is the share of the message's bigrams it
//! holds, a number between 0 and 1 that does not depend on the library's size, so the file's
//! `threshold` (calibrated on the labelled set's dev half) keeps its meaning as maintainers add
//! cases.
//!
//! The library is kept apart from the articles the Q&A answers from: cases are scammers' words,
//! which an answer should never quote as advice.

use std::collections::HashMap;
use std::hash::{BuildHasherDefault, Hasher};
use std::path::{Path, PathBuf};

use serde::Deserialize;
use tantivy::schema::{IndexRecordOption, NumericOptions, Schema, TextFieldIndexing, TextOptions};
use tantivy::tokenizer::TextAnalyzer;
use tantivy::{DocSet, Index, ReloadPolicy, TERMINATED, doc};

use super::data_file::line_of;
use crate::search::tokenizer::{BIGRAMS, BigramTokenizer, is_cjk};

/// A message is compared with the cases only when it has at least this many distinct bigrams:
/// a short message resembles everything a little.
pub const MIN_MESSAGE_BIGRAMS: usize = 10;

/// At most this many of a message's bigrams are looked up (keeps a pasted essay cheap).
pub const MAX_QUERY_TERMS: usize = 64;

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
    /// The public police or court case report the script is retold from (a web address).
    source: String,
    script: String,
}

/// One known case.
#[derive(Debug, Clone)]
pub struct KnownCase {
    /// The fraud type, a name from the patterns file's `types`.
    pub kind: String,
    /// One line saying what happened.
    pub summary: String,
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

/// FNV-1a: bigrams are a few bytes long, where std's SipHash costs more than the lookup itself.
#[derive(Default)]
struct Fnv(u64);

impl Hasher for Fnv {
    fn finish(&self) -> u64 {
        self.0
    }

    fn write(&mut self, bytes: &[u8]) {
        let mut hash = if self.0 == 0 {
            0xcbf2_9ce4_8422_2325
        } else {
            self.0
        };
        for &byte in bytes {
            hash ^= u64::from(byte);
            hash = hash.wrapping_mul(0x0100_0000_01b3);
        }
        self.0 = hash;
    }
}

type FnvMap<K, V> = HashMap<K, V, BuildHasherDefault<Fnv>>;

/// The case library: the cases, and the postings of their tantivy index (bigram → the cases
/// that hold it). Cheap to clone (the postings are shared).
#[derive(Clone)]
pub struct CaseLibrary {
    cases: Vec<KnownCase>,
    threshold: f32,
    postings: std::sync::Arc<FnvMap<Box<str>, Box<[u16]>>>,
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
            postings: Default::default(),
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
        if file.cases.len() > usize::from(u16::MAX) {
            return Err(invalid(
                line_of(text, "cases:"),
                format!("a library holds at most {} cases", u16::MAX),
            ));
        }
        let mut cases = Vec::with_capacity(file.cases.len());
        let mut scripts = Vec::with_capacity(file.cases.len());
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
            let source = entry.source.trim();
            if !(source.starts_with("https://") || source.starts_with("http://"))
                || source.contains(char::is_whitespace)
            {
                let line = if source.is_empty() {
                    line()
                } else {
                    line_of(text, source)
                };
                return Err(invalid(
                    line,
                    format!(
                        "case `{}` needs a `source`: the web address of the public case report its script is retold from, not `{source}`",
                        entry.summary.trim()
                    ),
                ));
            }
            let script = normalize(&entry.script);
            let grams = distinct_grams(&script, usize::MAX);
            if grams.len() < MIN_MESSAGE_BIGRAMS {
                return Err(invalid(
                    line(),
                    format!(
                        "the script of case `{}` is too short to compare messages with",
                        entry.summary.trim()
                    ),
                ));
            }
            // The script's distinct bigrams, space-separated: each is one token of the tokenizer.
            scripts.push(grams.join(" "));
            cases.push(KnownCase {
                kind: entry.kind,
                summary: entry.summary.trim().to_string(),
            });
        }
        let postings = index_postings(&scripts)
            .map_err(|err| invalid(1, format!("the case library could not be indexed: {err}")))?;
        Ok(CaseLibrary {
            cases,
            threshold: file.threshold,
            postings: std::sync::Arc::new(postings),
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
    /// message is too short or shares nothing with any case. Ties go to the case listed first.
    pub fn closest(&self, normalized: &str) -> Option<SimilarCase> {
        if self.cases.is_empty() {
            return None;
        }
        let grams = distinct_grams(normalized, MAX_QUERY_TERMS);
        if grams.len() < MIN_MESSAGE_BIGRAMS {
            return None;
        }
        let mut shared = vec![0u16; self.cases.len()];
        for gram in &grams {
            for &case in self.postings.get(*gram).map_or(&[][..], |cases| cases) {
                if let Some(count) = shared.get_mut(usize::from(case)) {
                    *count += 1;
                }
            }
        }
        let (case, &most) = shared
            .iter()
            .enumerate()
            .rev()
            .max_by_key(|(_, count)| **count)?;
        if most == 0 {
            return None;
        }
        let case = &self.cases[case];
        Some(SimilarCase {
            kind: case.kind.clone(),
            summary: case.summary.clone(),
            similarity: f32::from(most) / grams.len() as f32,
        })
    }

    /// The closest case when it is at least as similar as the threshold.
    pub fn similar(&self, normalized: &str) -> Option<SimilarCase> {
        self.closest(normalized)
            .filter(|found| found.similarity >= self.threshold)
    }
}

/// The distinct bigrams of a text, in order of first appearance, at most `max`: each pair of
/// neighbouring Chinese characters, and each run of ASCII letters, digits and inner dots (as the
/// index's [`BigramTokenizer`] cuts them). Lone characters, one-letter runs and bare numbers are
/// left out: they say little about which script a message follows. The text is normalised, so
/// its ASCII is already lower-case.
fn distinct_grams<'a>(text: &'a str, max: usize) -> Vec<&'a str> {
    let mut out: Vec<&'a str> = Vec::new();
    let mut push = |gram: &'a str| {
        if !out.contains(&gram) {
            out.push(gram);
        }
        out.len() < max
    };
    let mut chars = text.char_indices().peekable();
    while let Some((start, c)) = chars.next() {
        if c.is_ascii_alphanumeric() {
            let mut end = start + 1;
            while let Some(&(at, next)) = chars.peek() {
                if !(next.is_ascii_alphanumeric() || next == '.') {
                    break;
                }
                end = at + 1;
                chars.next();
            }
            let run = text[start..end].trim_end_matches('.');
            if run.len() >= 2 && !run.bytes().all(|b| b.is_ascii_digit()) && !push(run) {
                break;
            }
        } else if is_cjk(c)
            && let Some(&(at, next)) = chars.peek().filter(|(_, n)| is_cjk(*n))
            && !push(&text[start..at + next.len_utf8()])
        {
            break;
        }
    }
    out
}

/// Indexes the scripts (each its distinct bigrams, space-separated) in RAM with tantivy and reads
/// the index's postings back: bigram → the cases (by position) whose script holds it.
fn index_postings(scripts: &[String]) -> tantivy::Result<FnvMap<Box<str>, Box<[u16]>>> {
    let mut builder = Schema::builder();
    let grams = builder.add_text_field(
        "grams",
        TextOptions::default().set_indexing_options(
            TextFieldIndexing::default()
                .set_tokenizer(BIGRAMS)
                .set_index_option(IndexRecordOption::Basic),
        ),
    );
    let case = builder.add_u64_field("case", NumericOptions::default().set_fast());
    let index = Index::create_in_ram(builder.build());
    index
        .tokenizers()
        .register(BIGRAMS, TextAnalyzer::builder(BigramTokenizer).build());
    // One thread with the smallest arena tantivy allows: the library is small.
    let mut writer = index.writer_with_num_threads(1, 15_000_000)?;
    for (id, script) in scripts.iter().enumerate() {
        writer.add_document(doc!(grams => script.as_str(), case => id as u64))?;
    }
    writer.commit()?;
    let reader = index
        .reader_builder()
        .reload_policy(ReloadPolicy::Manual)
        .try_into()?;
    let searcher = reader.searcher();
    let mut postings: FnvMap<Box<str>, Vec<u16>> = FnvMap::default();
    for segment in searcher.segment_readers() {
        let inverted = segment.inverted_index(grams)?;
        let ids = segment.fast_fields().u64("case")?;
        let mut terms = inverted.terms().stream()?;
        while terms.advance() {
            let Ok(term) = std::str::from_utf8(terms.key()) else {
                continue;
            };
            let mut docs =
                inverted.read_postings_from_terminfo(terms.value(), IndexRecordOption::Basic)?;
            let cases = postings.entry(term.into()).or_default();
            while docs.doc() != TERMINATED {
                if let Some(id) = ids.first(docs.doc()).and_then(|id| u16::try_from(id).ok()) {
                    cases.push(id);
                }
                docs.advance();
            }
        }
    }
    Ok(postings
        .into_iter()
        .map(|(term, mut cases)| {
            cases.sort_unstable();
            cases.dedup();
            (term, cases.into_boxed_slice())
        })
        .collect())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn grams_are_chinese_pairs_and_latin_runs_without_bare_numbers() {
        let text = "请加vx: abc.123. 转账 2024 a 验证码";
        assert_eq!(
            distinct_grams(text, usize::MAX),
            ["请加", "vx", "abc.123", "转账", "验证", "证码"]
        );
        assert_eq!(distinct_grams("转账转账转账", 64), ["转账", "账转"]);
        assert_eq!(distinct_grams("一二三四", 2), ["一二", "二三"]);
    }

    #[test]
    fn the_index_postings_hold_every_gram_of_every_script() {
        let scripts = [
            "您的包裹丢失 理赔 qq 12.5 abc".to_string(),
            "包裹 理赔 转账".to_string(),
        ];
        let prepared: Vec<String> = scripts
            .iter()
            .map(|s| distinct_grams(s, usize::MAX).join(" "))
            .collect();
        let postings = index_postings(&prepared).unwrap();
        for (id, script) in scripts.iter().enumerate() {
            for gram in distinct_grams(script, usize::MAX) {
                assert!(
                    postings
                        .get(gram)
                        .is_some_and(|cases| cases.contains(&(id as u16))),
                    "{gram} of script {id}"
                );
            }
        }
        assert_eq!(&*postings["包裹"], &[0, 1]);
        assert_eq!(postings.len(), 10);
    }
}
