//! Disguised writing undone before matching, as data (`disguises` in the patterns file):
//! scammers write 微信 as "vx" or "薇信", 银行卡 as "yhk", 10086 as "1OO86", and put symbols
//! between characters ("刷*单") to slip past keyword filters.
//!
//! Three steps, each a table maintainers extend:
//! 1. `joiners`: symbols between two Chinese characters are dropped ("验-证-码" is 验证码; spaces
//!    are already dropped by [`ScanText`]).
//! 2. `words`: each written form is replaced by what it stands for, longest first. A form that
//!    starts or ends with a Latin letter only counts where it does not continue a Latin word
//!    ("vx" in "加vx123" is 微信, in "vxworks" it is not).
//! 3. `digit_letters`: in a run of letters and digits that is mostly digits (a phone number, a
//!    service number, a number in a domain), the letters that look like digits are read as them
//!    ("1OO86" is 10086).
//!
//! The message keeps its map back to what was written, so flags quote the original text.

use std::collections::BTreeMap;
use std::ops::Range;

use aho_corasick::{AhoCorasick, MatchKind};
use serde::Deserialize;

use super::message::ScanText;
use crate::search::tokenizer::is_cjk;

/// A run of letters and digits needs this many characters before look-alike letters in it are
/// read as digits (shorter runs are words or model names, not numbers).
const MIN_NUMBER_CHARS: usize = 4;

/// The `disguises` section of the patterns file.
#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct DisguiseFile {
    /// What a disguised form stands for → the forms.
    #[serde(default)]
    words: BTreeMap<String, Vec<String>>,
    /// A letter → the digit it stands for in a number.
    #[serde(default)]
    digit_letters: BTreeMap<String, String>,
    /// Symbols dropped between two Chinese characters.
    #[serde(default)]
    joiners: String,
}

/// The compiled tables.
#[derive(Debug, Clone, Default)]
pub struct Disguises {
    words: Option<AhoCorasick>,
    /// For each form of [`Disguises::words`]: what it stands for, and whether it starts or ends
    /// with a Latin letter.
    meanings: Vec<(String, bool, bool)>,
    digit_letters: Vec<(char, char)>,
    joiners: Vec<char>,
}

/// A problem in the tables, with the text to find its line by.
#[derive(Debug)]
pub struct DisguiseProblem {
    pub near: String,
    pub message: String,
}

impl Disguises {
    /// Compiles the tables. Forms and meanings are normalised like messages.
    pub fn new(file: DisguiseFile) -> Result<Disguises, DisguiseProblem> {
        let problem = |near: &str, message: String| DisguiseProblem {
            near: near.to_string(),
            message,
        };
        let joiners: Vec<char> = file
            .joiners
            .chars()
            .filter(|c| !c.is_whitespace())
            .collect();
        if let Some(bad) = joiners.iter().find(|c| c.is_alphanumeric()) {
            return Err(problem(
                "joiners:",
                format!("joiner `{bad}` is a letter or digit; joiners are symbols"),
            ));
        }
        let mut digit_letters = Vec::new();
        for (letter, digit) in &file.digit_letters {
            let (mut l, mut d) = (letter.chars(), digit.chars());
            match (l.next(), l.next(), d.next(), d.next()) {
                (Some(l), None, Some(d), None) if l.is_ascii_alphabetic() && d.is_ascii_digit() => {
                    digit_letters.push((l.to_ascii_lowercase(), d));
                }
                _ => {
                    return Err(problem(
                        "digit_letters:",
                        format!(
                            "digit_letters needs one Latin letter → one digit, not `{letter}: {digit}`"
                        ),
                    ));
                }
            }
        }
        let mut forms = Vec::new();
        let mut meanings = Vec::new();
        for (meaning, written) in &file.words {
            let meaning_norm = ScanText::new(meaning).normalized;
            if meaning_norm.is_empty() {
                return Err(problem(
                    meaning,
                    "a disguised word stands for nothing".to_string(),
                ));
            }
            for form in written {
                let form_norm = ScanText::new(form).normalized;
                if form_norm.is_empty() || form_norm == meaning_norm {
                    return Err(problem(
                        form,
                        format!("disguise `{form}` of `{meaning}` is empty or the word itself"),
                    ));
                }
                let latin = |c: Option<char>| c.is_some_and(|c| c.is_ascii_alphabetic());
                meanings.push((
                    meaning_norm.clone(),
                    latin(form_norm.chars().next()),
                    latin(form_norm.chars().next_back()),
                ));
                forms.push(form_norm);
            }
        }
        let words = if forms.is_empty() {
            None
        } else {
            Some(
                AhoCorasick::builder()
                    .match_kind(MatchKind::LeftmostLongest)
                    .build(&forms)
                    .map_err(|err| problem("words:", format!("bad disguised words: {err}")))?,
            )
        };
        Ok(Disguises {
            words,
            meanings,
            digit_letters,
            joiners,
        })
    }

    /// Undoes the disguises in a prepared message.
    pub fn apply(&self, text: &mut ScanText<'_>) {
        if !self.joiners.is_empty() {
            let edits = self.joiner_edits(&text.normalized);
            text.apply_edits(&edits);
        }
        if let Some(words) = &self.words {
            let edits = self.word_edits(words, &text.normalized);
            text.apply_edits(&edits);
        }
        if !self.digit_letters.is_empty() {
            let edits = self.digit_edits(&text.normalized);
            text.apply_edits(&edits);
        }
    }

    /// A message or phrase normalised and undisguised: what patterns are matched against.
    pub fn normalize(&self, phrase: &str) -> String {
        let mut text = ScanText::new(phrase);
        self.apply(&mut text);
        text.normalized
    }

    /// Runs of joiners with a Chinese character on each side.
    fn joiner_edits(&self, normalized: &str) -> Vec<(Range<usize>, &'static str)> {
        let mut edits = Vec::new();
        let mut previous: Option<char> = None;
        let mut run: Option<usize> = None;
        for (at, c) in normalized.char_indices() {
            if self.joiners.contains(&c) {
                if run.is_none() && previous.is_some_and(is_cjk) {
                    run = Some(at);
                }
                continue;
            }
            if let Some(start) = run.take()
                && is_cjk(c)
            {
                edits.push((start..at, ""));
            }
            previous = Some(c);
        }
        edits
    }

    fn word_edits<'s>(
        &'s self,
        words: &AhoCorasick,
        normalized: &str,
    ) -> Vec<(Range<usize>, &'s str)> {
        let latin_at = |c: Option<char>| c.is_some_and(|c| c.is_ascii_alphabetic());
        words
            .find_iter(normalized)
            .filter_map(|m| {
                let (meaning, latin_start, latin_end) = &self.meanings[m.pattern().as_usize()];
                let before = normalized[..m.start()].chars().next_back();
                let after = normalized[m.end()..].chars().next();
                let inside_word =
                    (*latin_start && latin_at(before)) || (*latin_end && latin_at(after));
                // "加微" in "加微信" is already the word it stands for.
                let already = normalized[m.start()..].starts_with(meaning.as_str());
                (!inside_word && !already).then(|| (m.range(), meaning.as_str()))
            })
            .collect()
    }

    /// Look-alike letters in runs of letters and digits that are mostly digits.
    fn digit_edits(&self, normalized: &str) -> Vec<(Range<usize>, &'static str)> {
        let mut edits = Vec::new();
        let mut run: Vec<(usize, char)> = Vec::new();
        let mut chars = normalized.char_indices().peekable();
        while let Some((at, c)) = chars.next() {
            if c.is_ascii_alphanumeric() {
                run.push((at, c));
            }
            let ends = !c.is_ascii_alphanumeric() || chars.peek().is_none();
            if ends && !run.is_empty() {
                self.number_edits(&run, &mut edits);
                run.clear();
            }
        }
        edits
    }

    fn number_edits(&self, run: &[(usize, char)], edits: &mut Vec<(Range<usize>, &'static str)>) {
        let digit_for = |c: char| {
            self.digit_letters
                .iter()
                .find(|(l, _)| *l == c)
                .map(|(_, d)| *d)
        };
        let digits = run.iter().filter(|(_, c)| c.is_ascii_digit()).count();
        let lookalikes = run.iter().filter(|(_, c)| digit_for(*c).is_some()).count();
        if run.len() < MIN_NUMBER_CHARS
            || lookalikes == 0
            || digits < lookalikes
            || digits + lookalikes < run.len()
        {
            return;
        }
        for &(at, c) in run {
            if let Some(digit) = digit_for(c) {
                edits.push((at..at + 1, DIGITS[digit as usize - '0' as usize]));
            }
        }
    }
}

/// The digits as strings, for edits that need a `&'static str`.
const DIGITS: [&str; 10] = ["0", "1", "2", "3", "4", "5", "6", "7", "8", "9"];

#[cfg(test)]
mod tests {
    use super::*;

    fn disguises() -> Disguises {
        let file: DisguiseFile = serde_yaml_ng::from_str(
            "words:\n  微信: [vx, v信, 薇信]\n  加微信: [加微]\n  银行卡: [yhk]\n  刷单: [刷dan]\n\
             digit_letters: {o: '0', l: '1'}\njoiners: '*-·.'\n",
        )
        .unwrap();
        Disguises::new(file).unwrap()
    }

    #[test]
    fn disguised_words_are_read_as_what_they_stand_for() {
        let d = disguises();
        assert_eq!(d.normalize("加vx123，发yhk号"), "加微信123,发银行卡号");
        assert_eq!(d.normalize("加V信"), "加微信");
        assert_eq!(d.normalize("vxworks"), "vxworks");
        assert_eq!(d.normalize("刷dan返利"), "刷单返利");
        assert_eq!(d.normalize("加微信"), "加微信");
    }

    #[test]
    fn symbols_between_chinese_and_lookalike_digits_are_undone() {
        let d = disguises();
        assert_eq!(d.normalize("验-证*码"), "验证码");
        assert_eq!(d.normalize("3.5元"), "3.5元");
        assert_eq!(d.normalize("致电1OO86"), "致电10086");
        assert_eq!(d.normalize("hello world"), "hello world");
        assert_eq!(d.normalize("lol"), "lol");
    }

    #[test]
    fn quotes_still_come_from_the_original() {
        let d = disguises();
        let mut text = ScanText::new("快加 V 信，把yhk发我");
        d.apply(&mut text);
        assert_eq!(text.normalized, "快加微信,把银行卡发我");
        let at = text.normalized.find("银行卡").unwrap();
        assert_eq!(text.quote(at..at + "银行卡".len()), "把yhk发我");
    }
}
