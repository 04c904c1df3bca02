//! The message as the scanner reads it: normalised for matching (simplified script, half-width,
//! lower-case ASCII, no spaces between Chinese characters), with a map back to the characters the
//! sender wrote so every flag quotes the message itself, and the clause and sentence boundaries
//! that decide how far a "不要" or a "是诈骗" reaches.

use std::borrow::Cow;
use std::ops::Range;

use crate::normalize::{to_half_width, to_simplified};

/// Messages are scanned up to this many characters: a pasted novel costs no more than a long
/// message, and no scam needs more text than this to show itself.
pub const MAX_SCAN_CHARS: usize = 20_000;

/// Quotes longer than this (in characters) are cut around the matched words.
const QUOTE_CHARS: usize = 36;

/// Characters that end a sentence: a warning word reaches every match in its sentence.
fn ends_sentence(c: char) -> bool {
    matches!(c, '。' | '！' | '？' | '!' | '?' | '；' | ';' | '\n' | '…')
}

/// Characters that end a clause: a negation reaches forward to the end of its clause only.
fn ends_clause(c: char) -> bool {
    ends_sentence(c)
        || matches!(
            c,
            '，' | ','
                | '、'
                | '：'
                | ':'
                | '“'
                | '”'
                | '"'
                | '（'
                | '）'
                | '('
                | ')'
                | '【'
                | '】'
                | '['
                | ']'
                | '~'
                | '～'
                | '—'
                | '|'
        )
}

/// Invisible characters that are dropped before matching (they are used to break up keywords).
fn is_invisible(c: char) -> bool {
    matches!(
        c,
        '\u{200b}'..='\u{200f}' | '\u{2060}' | '\u{feff}' | '\u{00ad}'
    ) || (c.is_control() && !c.is_whitespace())
}

/// The character at byte `at` of `text` (a character boundary).
fn char_at(text: &str, at: usize) -> char {
    text.get(at..)
        .and_then(|rest| rest.chars().next())
        .unwrap_or(' ')
}

/// Where one character of the normalised text comes from.
#[derive(Debug, Clone, Copy)]
struct Origin {
    /// Byte offset of the character in the normalised text.
    normalized: usize,
    /// Byte range of the character in the display text.
    display: (usize, usize),
}

/// A boundary in the normalised text: the break character starts at `at` and the next clause
/// resumes at `resume` (equal for removed whitespace).
#[derive(Debug, Clone, Copy)]
struct Break {
    at: usize,
    resume: usize,
    sentence: bool,
}

/// A message prepared for scanning.
#[derive(Debug)]
pub struct ScanText<'a> {
    /// What patterns are matched against.
    pub normalized: String,
    /// Where quotes come from: the message itself, or its simplified form when script conversion
    /// changed the number of characters (then positions no longer line up with the original).
    display: Cow<'a, str>,
    origins: Vec<Origin>,
    breaks: Vec<Break>,
}

impl<'a> ScanText<'a> {
    /// Prepares a message. Never panics, whatever the input.
    pub fn new(message: &'a str) -> Self {
        let capped = match message.char_indices().nth(MAX_SCAN_CHARS) {
            Some((end, _)) => &message[..end],
            None => message,
        };
        let half_width = to_half_width(capped);
        let simplified = to_simplified(&half_width);
        // Traditional → simplified is character for character almost always; when it is not, the
        // simplified text is what we can point into.
        let chars = simplified.chars().count();
        let mut pairs: Vec<(usize, usize, char)> = Vec::with_capacity(chars);
        let display: Cow<'a, str> = if chars == capped.chars().count() {
            pairs.extend(
                capped
                    .char_indices()
                    .zip(simplified.chars())
                    .map(|((at, original), c)| (at, at + original.len_utf8(), c)),
            );
            Cow::Borrowed(capped)
        } else {
            pairs.extend(
                simplified
                    .char_indices()
                    .map(|(at, c)| (at, at + c.len_utf8(), c)),
            );
            Cow::Owned(simplified)
        };
        let mut text = ScanText {
            normalized: String::with_capacity(capped.len()),
            display,
            origins: Vec::with_capacity(pairs.len()),
            breaks: Vec::new(),
        };
        let mut pending_space: Option<(usize, usize)> = None;
        for (start, end, c) in pairs {
            if is_invisible(c) {
                continue;
            }
            if c.is_whitespace() {
                text.push_break(c == '\n');
                pending_space.get_or_insert((start, end));
                continue;
            }
            let c = c.to_ascii_lowercase();
            if let Some(space) = pending_space.take() {
                // Keep one space between ASCII words ("visit abc.com now"), drop it elsewhere
                // ("验 证 码" is 验证码).
                let previous_is_word = text
                    .normalized
                    .chars()
                    .next_back()
                    .is_some_and(|p| p.is_ascii_alphanumeric());
                if previous_is_word && c.is_ascii_alphanumeric() {
                    text.push_char(' ', space);
                }
            }
            let at = text.normalized.len();
            text.push_char(c, (start, end));
            if ends_clause(c) {
                text.breaks.push(Break {
                    at,
                    resume: text.normalized.len(),
                    sentence: ends_sentence(c),
                });
            }
        }
        text
    }

    fn push_char(&mut self, c: char, display: (usize, usize)) {
        self.origins.push(Origin {
            normalized: self.normalized.len(),
            display,
        });
        self.normalized.push(c);
    }

    fn push_break(&mut self, sentence: bool) {
        let at = self.normalized.len();
        match self.breaks.last_mut() {
            Some(last) if last.resume == at => last.sentence |= sentence,
            _ => self.breaks.push(Break {
                at,
                resume: at,
                sentence,
            }),
        }
    }

    /// Replaces byte ranges of the normalised text (sorted, not overlapping, on character
    /// boundaries) with other text: a disguised word by the word it stands for. The new
    /// characters quote the whole original range, so flags still quote what was written.
    pub fn apply_edits(&mut self, edits: &[(Range<usize>, &str)]) {
        if edits.is_empty() {
            return;
        }
        let old = std::mem::take(&mut self.normalized);
        let old_origins = std::mem::take(&mut self.origins);
        let mut normalized = String::with_capacity(old.len());
        let mut origins = Vec::with_capacity(old_origins.len());
        // (old byte offset, new byte offset) at the start of each edit and after it.
        let mut shifts: Vec<(usize, usize, isize)> = Vec::with_capacity(edits.len());
        let mut next = 0; // next index into old_origins
        let mut delta: isize = 0;
        let mut last_end = 0;
        for (range, replacement) in edits {
            if range.start < last_end || range.end > old.len() || range.start >= range.end {
                continue; // overlapping, unsorted or out of bounds: ignore rather than garble
            }
            last_end = range.end;
            while next < old_origins.len() && old_origins[next].normalized < range.start {
                let origin = old_origins[next];
                let c = char_at(&old, origin.normalized);
                origins.push(Origin {
                    normalized: normalized.len(),
                    display: origin.display,
                });
                normalized.push(c);
                next += 1;
            }
            let first = next;
            while next < old_origins.len() && old_origins[next].normalized < range.end {
                next += 1;
            }
            let display = match (
                old_origins.get(first),
                next.checked_sub(1).and_then(|i| old_origins.get(i)),
            ) {
                (Some(a), Some(b)) if first < next => (a.display.0, b.display.1),
                _ => continue,
            };
            for c in replacement.chars() {
                origins.push(Origin {
                    normalized: normalized.len(),
                    display,
                });
                normalized.push(c);
            }
            delta += replacement.len() as isize - range.len() as isize;
            shifts.push((range.start, range.end, delta));
        }
        for origin in &old_origins[next..] {
            origins.push(Origin {
                normalized: normalized.len(),
                display: origin.display,
            });
            normalized.push(char_at(&old, origin.normalized));
        }
        let moved = |pos: usize| -> Option<usize> {
            let mut shift = 0;
            for &(start, end, delta) in &shifts {
                if pos >= end {
                    shift = delta;
                } else if pos > start {
                    return None;
                } else {
                    break;
                }
            }
            usize::try_from(pos as isize + shift).ok()
        };
        self.breaks = std::mem::take(&mut self.breaks)
            .into_iter()
            .filter_map(|b| {
                // A break character that was edited away is gone.
                let removed = b.resume > b.at
                    && shifts
                        .iter()
                        .any(|&(start, end, _)| b.at >= start && b.at < end);
                if removed {
                    return None;
                }
                Some(Break {
                    at: moved(b.at)?,
                    resume: moved(b.resume)?,
                    sentence: b.sentence,
                })
            })
            .collect();
        self.normalized = normalized;
        self.origins = origins;
    }

    /// The start of the clause (or sentence) that contains byte `pos` of the normalised text.
    pub fn clause_start(&self, pos: usize, sentence: bool) -> usize {
        self.breaks
            .iter()
            .rev()
            .filter(|b| b.sentence || !sentence)
            .find(|b| b.resume <= pos)
            .map_or(0, |b| b.resume)
    }

    /// The end of the clause (or sentence) that contains byte `pos` of the normalised text.
    pub fn clause_end(&self, pos: usize, sentence: bool) -> usize {
        self.breaks
            .iter()
            .filter(|b| b.sentence || !sentence)
            .find(|b| b.at >= pos)
            .map_or(self.normalized.len(), |b| b.at)
    }

    /// Whether a byte range of the normalised text lies inside a 【…】 tag, where messages put
    /// their sender's name ("【国家反诈中心】", "【某某银行】").
    pub fn inside_tag(&self, range: &Range<usize>) -> bool {
        let (Some(before), Some(after)) = (
            self.normalized.get(..range.start),
            self.normalized.get(range.end..),
        ) else {
            return false;
        };
        let opened = before
            .rfind('【')
            .is_some_and(|open| !before[open..].contains('】'));
        let closed = after
            .find('】')
            .is_some_and(|close| !after[..close].contains('【'));
        opened && closed
    }

    /// Whether the character just before byte `pos` of the normalised text opens a quotation.
    pub fn opens_quote_before(&self, pos: usize) -> bool {
        self.normalized
            .get(..pos)
            .and_then(|before| before.chars().next_back())
            .is_some_and(|c| matches!(c, '“' | '"' | '「' | '『' | '‘'))
    }

    /// The display text behind a byte range of the normalised text.
    fn display_range(&self, range: Range<usize>) -> Range<usize> {
        let first = self.origins.partition_point(|o| o.normalized < range.start);
        let last = self.origins.partition_point(|o| o.normalized < range.end);
        match (
            self.origins.get(first),
            last.checked_sub(1).map(|i| self.origins.get(i)),
        ) {
            (Some(start), Some(Some(end))) if first < last => start.display.0..end.display.1,
            _ => 0..0,
        }
    }

    /// A short quote of the message around a match: its whole clause when that is short,
    /// otherwise the match with a little context, cut with "…".
    pub fn quote(&self, matched: Range<usize>) -> String {
        let clause = self.clause_start(matched.start, false)..self.clause_end(matched.end, false);
        let clause_text = self.display_text(clause.clone());
        if clause_text.chars().count() <= QUOTE_CHARS {
            return clause_text.trim().to_string();
        }
        let core = self.display_text(matched.clone());
        let room = QUOTE_CHARS.saturating_sub(core.chars().count()) / 2;
        let before = self.display_text(clause.start..matched.start);
        let after = self.display_text(matched.end..clause.end);
        let before_chars = before.chars().count();
        let after_chars = after.chars().count();
        let mut quote = String::new();
        if before_chars > room {
            quote.push('…');
        }
        quote.extend(before.chars().skip(before_chars.saturating_sub(room)));
        quote.push_str(core);
        quote.extend(after.chars().take(room));
        if after_chars > room {
            quote.push('…');
        }
        quote.trim().to_string()
    }

    fn display_text(&self, range: Range<usize>) -> &str {
        let range = self.display_range(range);
        self.display.get(range).unwrap_or("")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn normalises_script_width_case_and_spaces_between_chinese() {
        let text = ScanText::new("請把 驗 證 碼 發給我，ＱＱ ABC123");
        assert_eq!(text.normalized, "请把验证码发给我,qq abc123");
        let text = ScanText::new("visit  abc.com now");
        assert_eq!(text.normalized, "visit abc.com now");
    }

    #[test]
    fn quotes_come_from_the_original_message() {
        let message = "您好，請把驗證碼發給我，謝謝";
        let text = ScanText::new(message);
        let start = text.normalized.find("验证码").unwrap();
        assert_eq!(
            text.quote(start..start + "验证码".len()),
            "請把驗證碼發給我"
        );
    }

    #[test]
    fn long_clauses_are_quoted_around_the_match() {
        let message = format!("{}安全账户{}", "很".repeat(50), "长".repeat(50));
        let text = ScanText::new(&message);
        let start = text.normalized.find("安全账户").unwrap();
        let quote = text.quote(start..start + "安全账户".len());
        assert!(quote.contains("安全账户"));
        assert!(quote.starts_with('…') && quote.ends_with('…'));
        assert!(quote.chars().count() <= QUOTE_CHARS + 2);
    }

    #[test]
    fn clauses_and_sentences_are_found() {
        let text = ScanText::new("公检法不会电话办案，遇到直接挂断。好的");
        let pos = text.normalized.find("遇到").unwrap();
        assert_eq!(&text.normalized[text.clause_start(pos, false)..pos], "");
        assert_eq!(text.clause_start(pos, true), 0);
        let end = text.clause_end(pos, true);
        assert_eq!(&text.normalized[..end], "公检法不会电话办案,遇到直接挂断");
    }

    #[test]
    fn junk_never_panics() {
        for junk in [
            "",
            "\u{0}\u{ff}",
            "😀😀",
            "\u{200b}验\u{200b}证码",
            " \n \r\n",
            "ﾟ｡",
        ] {
            let text = ScanText::new(junk);
            let _ = text.quote(0..text.normalized.len());
        }
    }
}
