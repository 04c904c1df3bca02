//! The patterns data file (`knowledge/scam-patterns.yaml`): its format, its checks, and its
//! compiled form — every phrase in one Aho-Corasick automaton, every regex compiled once.
//!
//! The regexes run one by one rather than as a `RegexSet`: with this many Unicode classes the
//! set's lazy DFA gives up and falls back to the slow PikeVM (measured: 40% of `scan` time), while
//! each regex alone stays on its DFA with a literal prefilter.

use std::collections::HashMap;
use std::path::{Path, PathBuf};

use aho_corasick::{AhoCorasick, MatchKind};
use regex::Regex;
use serde::Deserialize;

use super::context::Cues;
use super::text::ScanText;
use super::tips::TipCard;

/// Why a patterns file could not be used; shown as `path:line: message`.
#[derive(Debug, thiserror::Error)]
pub enum PatternError {
    #[error("{path}: cannot read the scam patterns file: {source}")]
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
struct PatternFile {
    #[serde(default)]
    thresholds: Thresholds,
    #[serde(default)]
    context: ContextFile,
    #[serde(default)]
    combos: Vec<Vec<String>>,
    advice: Advice,
    types: Vec<TypeEntry>,
    patterns: Vec<PatternEntry>,
}

/// The scores at which a message becomes high or medium risk.
#[derive(Debug, Clone, Copy, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Thresholds {
    pub high: u32,
    pub medium: u32,
}

impl Default for Thresholds {
    fn default() -> Self {
        Thresholds { high: 6, medium: 3 }
    }
}

#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
struct ContextFile {
    #[serde(default)]
    negations: Vec<String>,
    #[serde(default)]
    warnings: Vec<String>,
    #[serde(default)]
    decoys: Vec<String>,
}

/// General advice for each outcome; the likely fraud type's own advice is put in front of it.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Advice {
    pub high: String,
    pub medium: String,
    pub low: String,
    /// For a message whose red flags are all cancelled by warning context.
    pub warning: String,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct TypeEntry {
    name: String,
    #[serde(default)]
    aliases: Vec<String>,
    script: String,
    red_flags: Vec<String>,
    what_to_do: String,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct PatternEntry {
    kind: String,
    label: String,
    weight: u32,
    #[serde(default)]
    types: Vec<String>,
    #[serde(default)]
    phrases: Vec<String>,
    #[serde(default)]
    regexes: Vec<String>,
}

/// One kind of red flag, compiled.
#[derive(Debug, Clone)]
pub struct KindRule {
    pub kind: String,
    pub label: String,
    pub weight: u32,
    /// Indexes into [`Rules::cards`].
    pub types: Vec<usize>,
}

/// The whole data file, compiled and checked.
#[derive(Debug, Clone)]
pub struct Rules {
    pub kinds: Vec<KindRule>,
    pub thresholds: Thresholds,
    pub advice: Advice,
    /// One card per fraud type, in file order.
    pub cards: Vec<TipCard>,
    /// Each combo is a set of kind indexes that makes a message high risk on its own.
    pub combos: Vec<Vec<usize>>,
    pub cues: Cues,
    phrases: AhoCorasick,
    /// The kind each phrase belongs to.
    phrase_kinds: Vec<usize>,
    /// Each regex with the kind it belongs to.
    regexes: Vec<(Regex, usize)>,
}

/// A raw match of one pattern in the normalised text.
#[derive(Debug, Clone)]
pub struct RawMatch {
    pub kind: usize,
    pub range: std::ops::Range<usize>,
}

impl Rules {
    /// Parses and compiles a data file; `path` is only used in error messages.
    pub fn parse(text: &str, path: &Path) -> Result<Rules, PatternError> {
        let invalid = |line: usize, message: String| PatternError::Invalid {
            path: path.to_path_buf(),
            line,
            message,
        };
        let file: PatternFile = serde_yaml_ng::from_str(text).map_err(|err| {
            invalid(
                err.location().map_or(1, |l| l.line()),
                format!("not a valid scam patterns file: {err}"),
            )
        })?;
        if file.thresholds.medium == 0 || file.thresholds.high <= file.thresholds.medium {
            return Err(invalid(
                line_of(text, "thresholds:"),
                "thresholds need 0 < medium < high".to_string(),
            ));
        }

        let mut type_index = HashMap::new();
        let mut cards = Vec::new();
        for entry in file.types {
            let line = line_of(text, &format!("name: {}", entry.name));
            if entry.name.trim().is_empty() {
                return Err(invalid(line, "a fraud type has an empty name".to_string()));
            }
            if type_index.insert(entry.name.clone(), cards.len()).is_some() {
                return Err(invalid(
                    line,
                    format!("fraud type `{}` is declared twice", entry.name),
                ));
            }
            cards.push(TipCard {
                title: entry.name,
                aliases: entry.aliases,
                script: entry.script,
                red_flags: entry.red_flags,
                what_to_do: entry.what_to_do,
            });
        }

        let mut kinds: Vec<KindRule> = Vec::new();
        let mut kind_index = HashMap::new();
        let mut phrases = Vec::new();
        let mut phrase_kinds = Vec::new();
        let mut regexes = Vec::new();
        for entry in file.patterns {
            let line = line_of(text, &format!("kind: {}", entry.kind));
            let id = kinds.len();
            if kind_index.insert(entry.kind.clone(), id).is_some() {
                return Err(invalid(
                    line,
                    format!("pattern kind `{}` is declared twice", entry.kind),
                ));
            }
            if entry.phrases.is_empty() && entry.regexes.is_empty() {
                return Err(invalid(
                    line,
                    format!("pattern `{}` has neither phrases nor regexes", entry.kind),
                ));
            }
            let mut types = Vec::new();
            for name in &entry.types {
                match type_index.get(name) {
                    Some(&index) => types.push(index),
                    None => {
                        return Err(invalid(
                            line,
                            format!(
                                "pattern `{}` names fraud type `{name}`, which is not declared under `types`",
                                entry.kind
                            ),
                        ));
                    }
                }
            }
            for phrase in &entry.phrases {
                let normalized = ScanText::new(phrase).normalized;
                if normalized.is_empty() {
                    return Err(invalid(
                        line,
                        format!("pattern `{}` has an empty phrase", entry.kind),
                    ));
                }
                phrases.push(normalized);
                phrase_kinds.push(id);
            }
            for source in &entry.regexes {
                let source = crate::normalize::to_simplified(source);
                let regex = Regex::new(&source).map_err(|err| {
                    invalid(
                        line,
                        format!("pattern `{}` has a bad regex: {err}", entry.kind),
                    )
                })?;
                if regex.is_match("") {
                    return Err(invalid(
                        line,
                        format!(
                            "pattern `{}` has a regex that matches nothing at all: {source}",
                            entry.kind
                        ),
                    ));
                }
                regexes.push((regex, id));
            }
            kinds.push(KindRule {
                kind: entry.kind,
                label: entry.label,
                weight: entry.weight,
                types,
            });
        }

        let mut combos = Vec::new();
        for combo in &file.combos {
            let mut ids = Vec::new();
            for kind in combo {
                match kind_index.get(kind) {
                    Some(&id) => ids.push(id),
                    None => {
                        return Err(invalid(
                            line_of(text, "combos:"),
                            format!(
                                "combo names pattern kind `{kind}`, which is not declared under `patterns`"
                            ),
                        ));
                    }
                }
            }
            if ids.len() >= 2 {
                combos.push(ids);
            }
        }

        let normalize_all = |list: &[String]| -> Vec<String> {
            list.iter()
                .map(|p| ScanText::new(p).normalized)
                .filter(|p| !p.is_empty())
                .collect()
        };
        let cues = Cues::new(
            &normalize_all(&file.context.negations),
            &normalize_all(&file.context.warnings),
            &normalize_all(&file.context.decoys),
        )
        .map_err(|err| {
            invalid(
                line_of(text, "context:"),
                format!("bad context words: {err}"),
            )
        })?;
        let phrase_automaton = AhoCorasick::builder()
            .match_kind(MatchKind::Standard)
            .build(&phrases)
            .map_err(|err| invalid(line_of(text, "patterns:"), format!("bad phrases: {err}")))?;

        Ok(Rules {
            kinds,
            thresholds: file.thresholds,
            advice: file.advice,
            cards,
            combos,
            cues,
            phrases: phrase_automaton,
            phrase_kinds,
            regexes,
        })
    }

    /// Every match of every pattern in the normalised text, in no particular order.
    pub fn matches(&self, normalized: &str) -> Vec<RawMatch> {
        let mut found: Vec<RawMatch> = self
            .phrases
            .find_overlapping_iter(normalized)
            .map(|m| RawMatch {
                kind: self.phrase_kinds[m.pattern().as_usize()],
                range: m.range(),
            })
            .collect();
        for (regex, kind) in &self.regexes {
            found.extend(regex.find_iter(normalized).map(|m| RawMatch {
                kind: *kind,
                range: m.range(),
            }));
        }
        found
    }
}

/// The 1-based line of the first line containing `needle`, or 1.
fn line_of(text: &str, needle: &str) -> usize {
    text.lines()
        .position(|line| line.contains(needle))
        .map_or(1, |i| i + 1)
}
