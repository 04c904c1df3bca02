//! Scam warnings: a message → a [`Verdict`] (risk, likely fraud types, the red flags quoted from
//! the message, and what to do), plus the warning cards for `/tip`.
//!
//! This module owns judging messages and the patterns data file (`knowledge/scam-patterns.yaml`,
//! see [`patterns`]). It knows nothing about Telegram: the bot takes a [`Verdict`] (or its
//! [`VerdictParts`]) and does its own HTML escaping.
//!
//! How a message is judged:
//! 1. It is normalised (simplified script, half-width, lower-case ASCII, no spaces between Chinese
//!    characters) and undisguised (the `disguises` tables: "vx" is 微信, "1OO86" is 10086, see
//!    the `disguise` module), keeping a map back to the original so flags quote what was written.
//! 2. Every phrase is matched in one Aho-Corasick pass, which also finds the literals each regex
//!    needs; only the regexes whose literals occur run (all are compiled once, at load).
//! 3. A match is dropped when its context warns about the trick instead of asking for it: a
//!    negation earlier in its clause ("不要把验证码…") or right after it ("公检法不会…"), or a
//!    warning word anywhere in its sentence ("…都是诈骗", "骗子会让你…"). Warning words that name
//!    the sender (【国家反诈中心】, "这里是反诈中心") do not count, and a request addressed to the
//!    reader ("请点击链接…下载…") is only cancelled by a negation or warning between the two.
//! 4. Score = sum of the weights of the flag kinds that remain, each kind counted once (a kind
//!    with a `max_weight` grows by one for each further match with other words).
//!    **High** when the score reaches the high threshold (6: two strong flags, or one decisive
//!    flag such as a "safe account") or a listed combination of kinds is complete (e.g. an
//!    authority plus a crime accusation); **medium** from the medium threshold (3: one strong flag,
//!    or two supporting ones); **low** otherwise.
//! 5. A message the patterns leave below high risk, and that warns about nothing, is compared with
//!    the case library (`knowledge/scam-cases.yaml`, see [`CaseLibrary`]): resembling a known case
//!    closely counts as one strong flag and names the case's fraud type.

mod cases;
mod context;
mod data_file;
mod disguise;
mod message;
pub mod patterns;
mod reply;
mod tips;

use std::ops::Range;
use std::path::Path;

use serde::Serialize;

pub use cases::{CaseError, CaseLibrary, SimilarCase};
pub use message::MAX_SCAN_CHARS;
pub use patterns::PatternError;
pub use reply::{VerdictParts, json_line, plain_reply};
pub use tips::TipCard;

use message::ScanText;
use patterns::Rules;

/// The patterns file shipped with the binary, used when the knowledge folder has none.
const BUILTIN_PATTERNS: &str = include_str!("../../knowledge/scam-patterns.yaml");

/// The file name the patterns live under in the knowledge folder.
pub const PATTERNS_FILE: &str = "scam-patterns.yaml";

/// The case library shipped with the binary, used when the knowledge folder has none.
const BUILTIN_CASES: &str = include_str!("../../knowledge/scam-cases.yaml");

/// The file name the case library lives under in the knowledge folder.
pub const CASES_FILE: &str = "scam-cases.yaml";

/// At most this many likely fraud types are named in a verdict.
const MAX_TYPES: usize = 2;

/// How risky a message is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Risk {
    Low,
    Medium,
    High,
}

impl Risk {
    /// The level in Chinese, as people read it: 高 / 中 / 低.
    pub fn label(self) -> &'static str {
        match self {
            Risk::High => "高",
            Risk::Medium => "中",
            Risk::Low => "低",
        }
    }

    /// A sign that goes in front of the level. Low risk gets no tick: a message that matched
    /// nothing known may still be a scam no pattern names yet.
    pub fn emoji(self) -> &'static str {
        match self {
            Risk::High => "🚨",
            Risk::Medium => "⚠️",
            Risk::Low => "ℹ️",
        }
    }
}

/// One red flag found in a message.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Flag {
    /// The pattern kind from the data file, e.g. `verification_code`.
    pub kind: String,
    /// What the flag means, in Chinese, e.g. "索要验证码".
    pub label: String,
    /// The words of the message that raised it (its clause, cut when long).
    pub quote: String,
    #[serde(skip)]
    pub weight: u32,
}

/// The scanner's judgement of one message.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Verdict {
    pub risk: Risk,
    /// The sum of the weights of the flags (each kind once).
    #[serde(skip)]
    pub score: u32,
    /// Likely fraud types, most likely first; empty when the risk is low.
    pub types: Vec<String>,
    /// Red flags, strongest first.
    pub flags: Vec<Flag>,
    /// What to do, in Chinese.
    pub advice: String,
    /// True when red-flag words were found but every one sat in a warning ("不要…", "…是诈骗").
    #[serde(skip)]
    pub warns_about_scams: bool,
    /// The known case the message closely resembles, if any (see the case library).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub similar_case: Option<SimilarCase>,
}

/// Judges messages against the patterns data file. Cheap to share (`Send + Sync`); build it once.
#[derive(Debug, Clone)]
pub struct Scanner {
    rules: Rules,
    cases: CaseLibrary,
}

impl Scanner {
    /// Loads a patterns file, without a case library. Problems are reported as
    /// `path:line: message`.
    pub fn from_file(path: &Path) -> Result<Scanner, PatternError> {
        Scanner::from_yaml(&read(path)?, path)
    }

    /// Parses patterns from text, without a case library; `path` is only used in error messages.
    pub fn from_yaml(text: &str, path: &Path) -> Result<Scanner, PatternError> {
        Ok(Scanner {
            rules: Rules::parse(text, path)?,
            cases: CaseLibrary::empty(),
        })
    }

    /// Adds a case library read from text; `path` is only used in error messages. Every case must
    /// name a fraud type of the patterns.
    pub fn with_cases(self, text: &str, path: &Path) -> Result<Scanner, PatternError> {
        let types: Vec<&str> = self.rules.cards.iter().map(|c| c.title.as_str()).collect();
        let disguises = &self.rules.disguises;
        let cases = CaseLibrary::parse(text, path, &types, |t| disguises.normalize(t))?;
        Ok(Scanner { cases, ..self })
    }

    /// The patterns and case library shipped with the binary (copies of the knowledge folder's).
    pub fn builtin() -> Result<Scanner, PatternError> {
        Scanner::from_yaml(BUILTIN_PATTERNS, Path::new("<builtin>/scam-patterns.yaml"))?
            .with_cases(BUILTIN_CASES, Path::new("<builtin>/scam-cases.yaml"))
    }

    /// The scanner for a knowledge folder: its `scam-patterns.yaml` and `scam-cases.yaml`, each
    /// replaced by the built-in copy when the folder has none. A folder with its own patterns and
    /// no case library gets no cases (the built-in cases name the built-in fraud types).
    pub fn for_knowledge(dir: &Path) -> Result<Scanner, PatternError> {
        let patterns = dir.join(PATTERNS_FILE);
        let cases = dir.join(CASES_FILE);
        match (patterns.is_file(), cases.is_file()) {
            (false, false) => Scanner::builtin(),
            (true, false) => Scanner::from_file(&patterns),
            (own_patterns, true) => {
                let scanner = if own_patterns {
                    Scanner::from_file(&patterns)?
                } else {
                    Scanner::from_yaml(BUILTIN_PATTERNS, Path::new("<builtin>/scam-patterns.yaml"))?
                };
                scanner.with_cases(&read(&cases)?, &cases)
            }
        }
    }

    /// The case library messages are compared with.
    pub fn cases(&self) -> &CaseLibrary {
        &self.cases
    }

    /// The known case closest to a message, whatever the threshold (for calibrating it).
    pub fn closest_case(&self, message: &str) -> Option<SimilarCase> {
        let mut text = ScanText::new(message);
        self.rules.disguises.apply(&mut text);
        self.cases.closest(&text.normalized)
    }

    /// Judges one message. Never panics, whatever the input.
    pub fn scan(&self, message: &str) -> Verdict {
        let rules = &self.rules;
        let mut text = ScanText::new(message);
        rules.disguises.apply(&mut text);
        let KeptMatches {
            first,
            growing,
            cancelled_any,
        } = keep_uncancelled(rules, &text);

        // (kind, its weight in this message, where it was first found)
        let mut flags: Vec<(usize, u32, Range<usize>)> = first
            .into_iter()
            .enumerate()
            .filter_map(|(kind, range)| {
                range.map(|r| {
                    (
                        kind,
                        grown_weight(rules, kind, &growing, &text.normalized),
                        r,
                    )
                })
            })
            .collect();
        flags.sort_by_key(|(_, weight, range)| (std::cmp::Reverse(*weight), range.start));

        let mut score: u32 = flags.iter().map(|(_, weight, _)| weight).sum();
        let combo_complete = rules.combos.iter().any(|combo| {
            combo
                .iter()
                .all(|k| flags.iter().any(|(kind, _, _)| kind == k))
        });
        // The case library is asked only when the patterns leave room for doubt and nothing in
        // the message warns about scams (a warning resembles the cases it warns about).
        let similar_case = if score < rules.thresholds.high && !combo_complete && !cancelled_any {
            self.cases.similar(&text.normalized)
        } else {
            None
        };
        let similar_card = similar_case
            .as_ref()
            .and_then(|case| rules.cards.iter().position(|card| card.title == case.kind));
        if similar_case.is_some() {
            // Resembling a known case is one strong flag.
            score += rules.thresholds.medium;
        }
        let risk = if score >= rules.thresholds.high || combo_complete {
            Risk::High
        } else if score >= rules.thresholds.medium {
            Risk::Medium
        } else {
            Risk::Low
        };

        let likely_cards = if risk == Risk::Low {
            Vec::new()
        } else {
            self.likely_cards(flags.iter().map(|(kind, _, _)| *kind), similar_card)
        };
        // Weight-0 kinds are hints for naming the type, not red flags to show.
        flags.retain(|(_, weight, _)| *weight > 0);
        let warns_about_scams = flags.is_empty() && cancelled_any;
        let advice = self.advice(risk, likely_cards.first().copied(), warns_about_scams);
        let types = likely_cards
            .into_iter()
            .map(|card| rules.cards[card].title.clone())
            .collect();
        let flags = flags
            .into_iter()
            .map(|(kind, weight, range)| {
                let rule = &rules.kinds[kind];
                Flag {
                    kind: rule.kind.clone(),
                    label: rule.label.clone(),
                    quote: text.quote(range),
                    weight,
                }
            })
            .collect();
        Verdict {
            risk,
            score,
            types,
            flags,
            advice,
            warns_about_scams,
            similar_case,
        }
    }

    /// Fraud types (as indexes into the cards) ranked by the weight of the flags pointing at them;
    /// the runners-up are kept only when they have at least half the leader's weight.
    fn likely_cards(
        &self,
        kinds: impl Iterator<Item = usize>,
        similar_card: Option<usize>,
    ) -> Vec<usize> {
        let mut scores = vec![0u32; self.rules.cards.len()];
        if let Some(card) = similar_card.filter(|&card| card < scores.len()) {
            scores[card] += self.rules.thresholds.medium;
        }
        for kind in kinds {
            let rule = &self.rules.kinds[kind];
            for &card in &rule.types {
                // A hint (weight 0) still counts as one point towards its type.
                scores[card] += rule.weight.max(1);
            }
        }
        let mut ranked: Vec<(usize, u32)> = scores
            .into_iter()
            .enumerate()
            .filter(|(_, score)| *score > 0)
            .collect();
        ranked.sort_by_key(|(card, score)| (std::cmp::Reverse(*score), *card));
        let top = ranked.first().map_or(0, |(_, score)| *score);
        ranked
            .into_iter()
            .take_while(|(_, score)| score * 2 >= top)
            .take(MAX_TYPES)
            .map(|(card, _)| card)
            .collect()
    }

    /// What to do: the most likely fraud type's own advice, then the general advice for the risk.
    fn advice(&self, risk: Risk, likely_card: Option<usize>, warns_about_scams: bool) -> String {
        let general = &self.rules.advice;
        let specific = likely_card
            .and_then(|card| self.rules.cards.get(card))
            .map(|card| card.what_to_do.as_str());
        match (risk, specific) {
            (Risk::High, Some(what)) => format!("{what}{}", general.high),
            (Risk::High, None) => general.high.clone(),
            (Risk::Medium, Some(what)) => format!("{what}{}", general.medium),
            (Risk::Medium, None) => general.medium.clone(),
            (Risk::Low, _) if warns_about_scams => general.warning.clone(),
            (Risk::Low, _) => general.low.clone(),
        }
    }

    /// Every warning card, one per fraud type, in data-file order.
    pub fn tips(&self) -> &[TipCard] {
        &self.rules.cards
    }

    /// The warning card for a topic such as "刷单" or "杀猪盘"; `None` when nothing fits.
    pub fn tip_for(&self, topic: &str) -> Option<&TipCard> {
        tips::find_card(&self.rules.cards, topic)
    }
}

/// Reads a data file of the knowledge folder.
fn read(path: &Path) -> Result<String, PatternError> {
    std::fs::read_to_string(path).map_err(|source| PatternError::Unreadable {
        path: path.to_path_buf(),
        source,
    })
}

/// The matches of a message that its context does not cancel.
struct KeptMatches {
    /// The earliest uncancelled match of each kind (indexed by kind).
    first: Vec<Option<Range<usize>>>,
    /// Every uncancelled match of the kinds whose weight grows with further lures.
    growing: Vec<(usize, Range<usize>)>,
    /// Whether any match was cancelled (the message may be a warning about scams).
    cancelled_any: bool,
}

/// Finds every pattern in the message and drops the matches its context cancels (see
/// [`context`]): requests addressed to the reader first, so warning words inside them
/// ("请下载反诈保护APP") do not count.
fn keep_uncancelled(rules: &Rules, text: &ScanText<'_>) -> KeptMatches {
    let matches = rules.matches(&text.normalized);
    let mut cues = rules.cues.find(text);
    let addressed_requests: Vec<Range<usize>> = matches
        .iter()
        .filter(|found| rules.kinds[found.kind].request)
        .filter(|found| cues.addressed_to_reader(text, &found.range))
        .map(|found| found.range.clone())
        .collect();
    cues.ignore_warnings_inside(&addressed_requests);

    let mut kept = KeptMatches {
        first: vec![None; rules.kinds.len()],
        growing: Vec::new(),
        cancelled_any: false,
    };
    for found in matches {
        let rule = &rules.kinds[found.kind];
        let grows = rule.grows();
        let earlier_kept = kept.first[found.kind]
            .as_ref()
            .is_some_and(|r| r.start <= found.range.start);
        if earlier_kept && !grows {
            continue;
        }
        if cues.cancels(text, &found.range, rule.request) {
            kept.cancelled_any = true;
            continue;
        }
        if grows {
            kept.growing.push((found.kind, found.range.clone()));
        }
        if !earlier_kept {
            kept.first[found.kind] = Some(found.range);
        }
    }
    kept
}

/// The weight of a kind in one message: its weight, plus one for each further match of it in
/// another place with other words, up to its `max_weight` ("日结" + "动动手指" + "宝妈" are three
/// lures; "工资日结" is one, however its parts overlap).
fn grown_weight(
    rules: &Rules,
    kind: usize,
    growing: &[(usize, Range<usize>)],
    normalized: &str,
) -> u32 {
    let rule = &rules.kinds[kind];
    if !rule.grows() {
        return rule.weight;
    }
    let mut places: Vec<&Range<usize>> = growing
        .iter()
        .filter(|(k, _)| *k == kind)
        .map(|(_, range)| range)
        .collect();
    // Longest first at each position, so a phrase inside a longer one is not counted again.
    places.sort_by_key(|range| (range.start, std::cmp::Reverse(range.end)));
    let mut counted: Vec<&Range<usize>> = Vec::new();
    for range in places {
        let overlaps = counted.last().is_some_and(|last| range.start < last.end);
        let words = normalized.get(range.clone()).unwrap_or("");
        // The same words again, or part of them ("日结" after "工资日结"), are not a new lure.
        let repeated = counted.iter().any(|seen| {
            let seen = normalized.get((*seen).clone()).unwrap_or("");
            seen.contains(words) || words.contains(seen)
        });
        if !overlaps && !repeated {
            counted.push(range);
        }
    }
    let further = u32::try_from(counted.len().saturating_sub(1)).unwrap_or(u32::MAX);
    rule.weight.saturating_add(further).min(rule.max_weight)
}

#[cfg(test)]
mod tests;
