//! The patterns data file (`knowledge/scam-patterns.yaml`): its format, its checks, and its
//! compiled form — every phrase in one Aho-Corasick automaton, every regex compiled once.
//!
//! The regexes run one by one rather than as a `RegexSet`: with this many Unicode classes the
//! set's lazy DFA gives up and falls back to the slow PikeVM (measured: 40% of `scan` time), while
//! each regex alone stays on its DFA with a literal prefilter. Most messages match few of the
//! regexes, so each regex also contributes the literals every match of it must contain (its
//! prefixes or suffixes, from `regex-syntax`) to the phrase automaton: the one pass that finds the
//! phrases also says which regexes can match, and only those run.

use std::collections::HashMap;
use std::path::{Path, PathBuf};

use aho_corasick::{AhoCorasick, MatchKind};
use regex::Regex;
use regex_syntax::hir::literal::{ExtractKind, Extractor, Seq};
use serde::Deserialize;

use super::context::{CueError, CueWords, Cues};
use super::data_file::line_of;
use super::disguise::{DisguiseFile, Disguises};
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
    /// The case library beside the patterns is broken.
    #[error(transparent)]
    Cases(#[from] super::cases::CaseError),
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
    #[serde(default)]
    disguises: DisguiseFile,
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
    #[serde(default)]
    requests: Vec<String>,
    #[serde(default)]
    senders: Vec<String>,
    #[serde(default)]
    reports: Vec<String>,
    #[serde(default)]
    speech: Vec<String>,
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
    max_weight: Option<u32>,
    #[serde(default)]
    request: bool,
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
    /// The weight of one match.
    pub weight: u32,
    /// Each further match with different words, in another place, adds one up to this weight
    /// (several independent lures weigh more than one). Equal to `weight` when it does not grow.
    pub max_weight: u32,
    /// Whether the pattern asks the reader to act (click, download, give a code, pay): such a
    /// request addressed to the reader is not cancelled by a warning word elsewhere in the
    /// sentence.
    pub request: bool,
    /// Indexes into [`Rules::cards`].
    pub types: Vec<usize>,
}

impl KindRule {
    /// Whether further matches add weight (`max_weight` above `weight`).
    pub fn grows(&self) -> bool {
        self.max_weight > self.weight
    }
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
    /// Disguised writing undone before matching.
    pub disguises: Disguises,
    /// The phrases and the regexes' required literals, all found in one pass.
    literals: AhoCorasick,
    /// What each literal of [`Rules::literals`] stands for.
    literal_targets: Vec<LiteralTarget>,
    /// Each regex with the kind it belongs to.
    regexes: Vec<(Regex, usize)>,
    /// The regexes without required literals: they run on every message.
    unfiltered_regexes: Vec<usize>,
}

/// What finding a literal of the one-pass automaton means.
#[derive(Debug, Clone, Copy)]
enum LiteralTarget {
    /// A phrase of this kind matched.
    Phrase(usize),
    /// This regex (index into [`Rules::regexes`]) may match: run it.
    Regex(usize),
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

        let disguises = Disguises::new(file.disguises).map_err(|problem| {
            invalid(
                line_of(text, &problem.near),
                format!("disguises: {}", problem.message),
            )
        })?;

        let mut type_index = HashMap::new();
        let mut cards = Vec::new();
        for entry in file.types {
            // Where the entry is, found only when there is a problem to report.
            let line = || line_of(text, &format!("name: {}", entry.name));
            if entry.name.trim().is_empty() {
                return Err(invalid(
                    line(),
                    "a fraud type has an empty name".to_string(),
                ));
            }
            if type_index.insert(entry.name.clone(), cards.len()).is_some() {
                return Err(invalid(
                    line(),
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
        let mut literals: Vec<Vec<u8>> = Vec::new();
        let mut literal_targets = Vec::new();
        let mut regexes = Vec::new();
        let mut unfiltered_regexes = Vec::new();
        for entry in file.patterns {
            let line = || line_of(text, &format!("kind: {}", entry.kind));
            let id = kinds.len();
            if kind_index.insert(entry.kind.clone(), id).is_some() {
                return Err(invalid(
                    line(),
                    format!("pattern kind `{}` is declared twice", entry.kind),
                ));
            }
            if entry.phrases.is_empty() && entry.regexes.is_empty() {
                return Err(invalid(
                    line(),
                    format!("pattern `{}` has neither phrases nor regexes", entry.kind),
                ));
            }
            let mut types = Vec::new();
            for name in &entry.types {
                match type_index.get(name) {
                    Some(&index) => types.push(index),
                    None => {
                        return Err(invalid(
                            line(),
                            format!(
                                "pattern `{}` names fraud type `{name}`, which is not declared under `types`",
                                entry.kind
                            ),
                        ));
                    }
                }
            }
            for phrase in &entry.phrases {
                let normalized = disguises.normalize(phrase);
                if normalized.is_empty() {
                    return Err(invalid(
                        line(),
                        format!("pattern `{}` has an empty phrase", entry.kind),
                    ));
                }
                literals.push(normalized.into_bytes());
                literal_targets.push(LiteralTarget::Phrase(id));
            }
            for source in &entry.regexes {
                let source = crate::normalize::to_simplified(source);
                let regex = Regex::new(&source).map_err(|err| {
                    invalid(
                        line(),
                        format!("pattern `{}` has a bad regex: {err}", entry.kind),
                    )
                })?;
                if regex.is_match("") {
                    return Err(invalid(
                        line(),
                        format!(
                            "pattern `{}` has a regex that matches nothing at all: {source}",
                            entry.kind
                        ),
                    ));
                }
                match required_literals(&source) {
                    Some(required) => {
                        for literal in required {
                            literals.push(literal);
                            literal_targets.push(LiteralTarget::Regex(regexes.len()));
                        }
                    }
                    None => unfiltered_regexes.push(regexes.len()),
                }
                regexes.push((regex, id));
            }
            let max_weight = entry.max_weight.unwrap_or(entry.weight);
            if max_weight < entry.weight {
                return Err(invalid(
                    line(),
                    format!("pattern `{}` has a max_weight below its weight", entry.kind),
                ));
            }
            kinds.push(KindRule {
                kind: entry.kind,
                label: entry.label,
                weight: entry.weight,
                max_weight,
                request: entry.request,
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
                .map(|p| disguises.normalize(p))
                .filter(|p| !p.is_empty())
                .collect()
        };
        let cues = Cues::new(CueWords {
            negations: &normalize_all(&file.context.negations),
            warnings: &normalize_all(&file.context.warnings),
            decoys: &normalize_all(&file.context.decoys),
            requests: &normalize_all(&file.context.requests),
            senders: &normalize_all(&file.context.senders),
            reports: &normalize_all(&file.context.reports),
            speech: &normalize_all(&file.context.speech),
        })
        .map_err(|err| {
            let line = match &err {
                // The second list it stands in, below `context:`.
                CueError::InTwoLists { phrase, second, .. } => {
                    let list = format!("{second}:");
                    let from = line_of(text, "context:");
                    text.lines()
                        .enumerate()
                        .skip(from)
                        .skip_while(|(_, line)| !line.contains(&list))
                        .find(|(_, line)| line.contains(phrase.as_str()))
                        .map_or(from, |(i, _)| i + 1)
                }
                CueError::Build(_) => line_of(text, "context:"),
            };
            invalid(line, format!("context: {err}"))
        })?;
        let literal_automaton = AhoCorasick::builder()
            .match_kind(MatchKind::Standard)
            .build(&literals)
            .map_err(|err| invalid(line_of(text, "patterns:"), format!("bad phrases: {err}")))?;

        Ok(Rules {
            kinds,
            thresholds: file.thresholds,
            advice: file.advice,
            cards,
            combos,
            cues,
            disguises,
            literals: literal_automaton,
            literal_targets,
            regexes,
            unfiltered_regexes,
        })
    }

    /// Every match of every pattern in the normalised text, in no particular order.
    pub fn matches(&self, normalized: &str) -> Vec<RawMatch> {
        let mut found = Vec::new();
        let mut may_match = vec![false; self.regexes.len()];
        for m in self.literals.find_overlapping_iter(normalized) {
            match self.literal_targets[m.pattern().as_usize()] {
                LiteralTarget::Phrase(kind) => found.push(RawMatch {
                    kind,
                    range: m.range(),
                }),
                LiteralTarget::Regex(regex) => may_match[regex] = true,
            }
        }
        for &regex in &self.unfiltered_regexes {
            may_match[regex] = true;
        }
        for (regex, kind) in self
            .regexes
            .iter()
            .zip(may_match)
            .filter_map(|(rule, may_match)| may_match.then_some(rule))
        {
            found.extend(regex.find_iter(normalized).map(|m| RawMatch {
                kind: *kind,
                range: m.range(),
            }));
        }
        found
    }
}

/// Regex literals used as a filter are cut to this many bytes (three Chinese characters).
const FILTER_LITERAL_BYTES: usize = 9;

/// Literals at least one of which every match of the regex contains — its possible prefixes, or
/// its possible suffixes, whichever are longer. `None` when the regex has no such finite set (it
/// starts and ends with a wide class or an optional part), so it must run on every message.
fn required_literals(source: &str) -> Option<Vec<Vec<u8>>> {
    // The same syntax defaults as `Regex::new`, so the literals are those of the compiled regex.
    let hir = regex_syntax::Parser::new().parse(source).ok()?;
    let usable = |kind: ExtractKind| -> Option<Seq> {
        let seq = Extractor::new().kind(kind).extract(&hir);
        // An empty literal would be found everywhere: no use as a filter.
        (seq.min_literal_len()? > 0).then_some(seq)
    };
    let prefixes = usable(ExtractKind::Prefix);
    let suffixes = usable(ExtractKind::Suffix);
    let shortest = |seq: &Option<Seq>| seq.as_ref().and_then(Seq::min_literal_len).unwrap_or(0);
    let mut best = if shortest(&suffixes) > shortest(&prefixes) {
        let mut suffixes = suffixes?;
        suffixes.keep_last_bytes(FILTER_LITERAL_BYTES);
        suffixes
    } else {
        let mut prefixes = prefixes?;
        prefixes.keep_first_bytes(FILTER_LITERAL_BYTES);
        prefixes
    };
    // Alternations multiply into hundreds of long literals ("不要告诉你的家人", "不要告诉你的爸"…);
    // their first (or last) few characters are as good a filter and collapse into a handful.
    best.sort();
    best.dedup();
    Some(
        best.literals()?
            .iter()
            .map(|literal| literal.as_bytes().to_vec())
            .collect(),
    )
}

#[cfg(test)]
mod tests {
    use super::super::message::ScanText;
    use super::*;
    use proptest::prelude::*;
    use std::sync::LazyLock;

    static RULES: LazyLock<Rules> = LazyLock::new(|| {
        Rules::parse(
            include_str!("../../knowledge/scam-patterns.yaml"),
            Path::new("scam-patterns.yaml"),
        )
        .expect("built-in patterns load")
    });

    /// Every regex match, found by running every regex: what the prefilter must never lose.
    fn regex_matches_unfiltered(rules: &Rules, normalized: &str) -> Vec<(usize, Range)> {
        let mut found: Vec<(usize, Range)> = rules
            .regexes
            .iter()
            .flat_map(|(regex, kind)| regex.find_iter(normalized).map(|m| (*kind, m.range())))
            .collect();
        found.sort_by_key(|(kind, range)| (*kind, range.start, range.end));
        found.dedup();
        found
    }

    type Range = std::ops::Range<usize>;

    fn regex_matches_filtered(rules: &Rules, normalized: &str) -> Vec<(usize, Range)> {
        let mut all: Vec<(usize, Range)> = rules
            .matches(normalized)
            .into_iter()
            .map(|m| (m.kind, m.range))
            .collect();
        // Phrase matches are not the prefilter's business: keep what a regex alone also finds.
        let expected = regex_matches_unfiltered(rules, normalized);
        all.retain(|found| expected.contains(found));
        all.sort_by_key(|(kind, range)| (*kind, range.start, range.end));
        all.dedup();
        all
    }

    #[test]
    fn most_regexes_have_required_literals() {
        let rules = &*RULES;
        let regex_literals = rules
            .literal_targets
            .iter()
            .filter(|target| matches!(target, LiteralTarget::Regex(_)))
            .count();
        assert!(
            regex_literals < 15 * rules.regexes.len(),
            "{regex_literals} literals for {} regexes: trimmed literals should collapse",
            rules.regexes.len()
        );
        assert!(
            rules.unfiltered_regexes.len() * 4 < rules.regexes.len(),
            "{} of {} regexes run on every message",
            rules.unfiltered_regexes.len(),
            rules.regexes.len()
        );
        let literals = required_literals("(验证码|校验码)[^，]{0,8}(发给我|告诉我)").unwrap();
        assert!(
            literals.contains(&"验证码".as_bytes().to_vec()),
            "{literals:?}"
        );
        assert_eq!(required_literals("[a-z0-9]{2,}"), None);
    }

    #[test]
    fn the_prefilter_loses_no_regex_match_in_the_labelled_set() {
        let set = include_str!("../../tests/fixtures/scam-messages.jsonl");
        let mut checked = 0;
        for line in set.lines().filter(|l| !l.trim().is_empty()) {
            let value: serde_json::Value = serde_json::from_str(line).unwrap();
            let text = ScanText::new(value["text"].as_str().unwrap());
            let expected = regex_matches_unfiltered(&RULES, &text.normalized);
            checked += expected.len();
            assert_eq!(
                regex_matches_filtered(&RULES, &text.normalized),
                expected,
                "{}",
                text.normalized
            );
        }
        assert!(
            checked > 50,
            "only {checked} regex matches in the labelled set"
        );
    }

    proptest! {
        #[test]
        fn the_prefilter_loses_no_regex_match(
            text in "[验证码发给我把你的账户冻结先交费下载app点赞佣金返借钱转到这个卡号加微信qq123 ，。.com]{0,60}"
        ) {
            let text = ScanText::new(&text);
            prop_assert_eq!(
                regex_matches_filtered(&RULES, &text.normalized),
                regex_matches_unfiltered(&RULES, &text.normalized)
            );
        }
    }
}
