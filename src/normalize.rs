//! Question normalisation: whatever a person typed → clean simplified-Chinese text to search with.
//!
//! Traditional script becomes simplified (zhconv's OpenCC tables), full-width ASCII becomes
//! half-width, `/ask`, `/ask@bot` and `@mentions` are dropped, punctuation and control characters
//! become spaces, and the length is capped so a 10,000-character paste costs no more than a question.

use zhconv::{Variant, zhconv};

/// Questions are cut to this many characters: no real question is longer.
pub const MAX_QUESTION_CHARS: usize = 200;

/// The part of what a person sent that is read as a question: its first
/// `4 × MAX_QUESTION_CHARS` characters, enough for a whole question once markup, emoji and
/// punctuation are dropped. The rest of a long paste is neither searched, shown nor stored; the
/// bot clips every question with this before doing anything else with it.
pub fn clip_question(raw: &str) -> &str {
    match raw.char_indices().nth(MAX_QUESTION_CHARS * 4) {
        Some((end, _)) => &raw[..end],
        None => raw,
    }
}

/// Normalises a question for searching. Never panics, whatever the input.
pub fn normalize_question(raw: &str) -> String {
    let stripped = strip_command_and_mentions(&strip_markup(clip_question(raw)));
    let half_width = to_half_width(&stripped);
    let simplified = to_simplified(&half_width);
    let mut out = String::with_capacity(simplified.len());
    let mut last_space = true;
    for c in simplified.chars() {
        let c = if keeps_meaning(c) {
            c.to_ascii_lowercase()
        } else {
            ' '
        };
        if c == ' ' {
            if !last_space {
                out.push(' ');
            }
            last_space = true;
        } else {
            out.push(c);
            last_space = false;
        }
        if out.chars().count() >= MAX_QUESTION_CHARS {
            break;
        }
    }
    drop_stray_letters(out.trim())
}

/// Drops HTML tags (`<b>`, `</i>`, `<a href=…>`) and the common entities a pasted question brings
/// along: they are formatting, not words.
pub fn strip_markup(text: &str) -> String {
    if !text.contains(['<', '&']) {
        return text.to_string();
    }
    let mut out = String::with_capacity(text.len());
    let mut rest = text;
    while let Some(at) = rest.find(['<', '&']) {
        out.push_str(&rest[..at]);
        let tail = &rest[at..];
        // Tags are formatting inside the words ("<b>拦截</b>了"): they leave no gap.
        if let Some(tag_len) = tag_length(tail) {
            rest = &tail[tag_len..];
            continue;
        }
        let entity = ["&amp;", "&lt;", "&gt;", "&quot;", "&nbsp;", "&#39;"]
            .iter()
            .find(|entity| tail.starts_with(**entity));
        match entity {
            Some(entity) => {
                out.push(' ');
                rest = &tail[entity.len()..];
            }
            None => {
                out.push_str(&tail[..1]);
                rest = &tail[1..];
            }
        }
    }
    out.push_str(rest);
    out
}

/// The length of an HTML tag at the start of `text` (`<b>`, `</i>`, `<br/>`, `<a href="x">`),
/// if one starts there; a lone `<` or a `<` before anything but a tag name is text.
fn tag_length(text: &str) -> Option<usize> {
    let inner = text.strip_prefix('<')?;
    let name = inner.strip_prefix('/').unwrap_or(inner);
    if !name.starts_with(|c: char| c.is_ascii_alphabetic()) {
        return None;
    }
    let end = inner.find(['>', '<'])?;
    (inner.as_bytes()[end] == b'>' && end <= 200).then_some(end + 2)
}

/// Drops a Latin letter standing alone between other words ("拦截了多少涉诈电话 x", a typo or
/// a stray key): one letter names nothing a question could be about. Words (app, QQ, 5G) stay.
fn drop_stray_letters(text: &str) -> String {
    let chars: Vec<char> = text.chars().collect();
    let is_word_char = |i: usize| chars.get(i).is_some_and(char::is_ascii_alphanumeric);
    let mut out = String::with_capacity(text.len());
    for (i, &c) in chars.iter().enumerate() {
        let alone =
            c.is_ascii_alphabetic() && !is_word_char(i + 1) && !(i > 0 && is_word_char(i - 1));
        if !alone {
            out.push(c);
        }
    }
    if out.len() == text.len() {
        return out;
    }
    // Spaces the dropped letters stood between.
    out.split_whitespace().collect::<Vec<_>>().join(" ")
}

/// CJK unified ideographs (the characters Chinese words are made of).
pub fn is_cjk(c: char) -> bool {
    matches!(c, '\u{4e00}'..='\u{9fff}' | '\u{3400}'..='\u{4dbf}' | '\u{f900}'..='\u{faff}')
}

/// Traditional → simplified Chinese. Text that is already simplified is returned as is.
pub fn to_simplified(text: &str) -> String {
    if text.is_ascii() {
        return text.to_string();
    }
    let simplified = zhconv(text, Variant::ZhHans);
    // OpenCC keeps 餘 as 馀 (its form in classical names); in figures and everyday text the
    // simplified form is 余 ("7,600餘名" is "7,600余名").
    if simplified.contains('馀') {
        simplified.replace('馀', "余")
    } else {
        simplified
    }
}

/// Full-width ASCII forms (Ｕ+FF01–FF5E) and the ideographic space → their half-width forms.
pub fn to_half_width(text: &str) -> String {
    // Never longer than the input (each replacement is shorter in UTF-8): one allocation.
    let mut out = String::with_capacity(text.len());
    out.extend(text.chars().map(|c| match c {
        '\u{3000}' => ' ',
        '\u{ff01}'..='\u{ff5e}' => char::from_u32(c as u32 - 0xfee0).unwrap_or(c),
        _ => c,
    }));
    out
}

/// Drops a leading bot command (`/ask`, `/ask@fanzha_bot`) and every `@username` mention.
pub fn strip_command_and_mentions(text: &str) -> String {
    let trimmed = text.trim_start();
    let without_command = match trimmed.strip_prefix('/') {
        Some(rest) => {
            let end = rest
                .find(|c: char| !(c.is_ascii_alphanumeric() || c == '_' || c == '@'))
                .unwrap_or(rest.len());
            &rest[end..]
        }
        None => trimmed,
    };
    let mut out = String::with_capacity(without_command.len());
    let mut chars = without_command.chars().peekable();
    while let Some(c) = chars.next() {
        if c == '@'
            && chars
                .peek()
                .is_some_and(|n| n.is_ascii_alphanumeric() || *n == '_')
        {
            while chars
                .peek()
                .is_some_and(|n| n.is_ascii_alphanumeric() || *n == '_')
            {
                chars.next();
            }
            out.push(' ');
        } else {
            out.push(c);
        }
    }
    out
}

/// Characters that carry meaning in a question: letters, digits, CJK, and the marks that are part
/// of numbers and names (`.` in 19.5, `%`, `·` in 5·10).
fn keeps_meaning(c: char) -> bool {
    c.is_alphanumeric() || matches!(c, '.' | '%' | '·' | '-')
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn markup_and_stray_letters_are_not_words() {
        assert_eq!(
            normalize_question("<b>拦截</b>了多少涉诈电话 & <i>"),
            "拦截了多少涉诈电话"
        );
        assert_eq!(
            normalize_question("拦截了多少涉诈电话 x"),
            "拦截了多少涉诈电话"
        );
        assert_eq!(normalize_question("a < b 涉诈app"), "涉诈app");
        assert_eq!(normalize_question("QQ 和 5G"), "qq 和 5g");
    }

    #[test]
    fn traditional_becomes_simplified() {
        assert_eq!(
            normalize_question("攔截涉詐短信多少條？"),
            "拦截涉诈短信多少条"
        );
    }

    #[test]
    fn command_mentions_and_full_width_are_dropped() {
        assert_eq!(
            normalize_question("/ask@fanzha_bot  拦截了多少涉诈电话？"),
            "拦截了多少涉诈电话"
        );
        assert_eq!(
            normalize_question("@fanzha_bot 断卡行动２．０做了什么"),
            "断卡行动2.0做了什么"
        );
        assert_eq!(normalize_question("ＡＢＣ，ｘｙｚ"), "abc xyz");
    }

    #[test]
    fn junk_becomes_empty() {
        assert_eq!(normalize_question(""), "");
        assert_eq!(normalize_question("   \n\t "), "");
        assert_eq!(normalize_question("😀😀😀"), "");
        assert_eq!(normalize_question("\u{0}\u{7}<b>"), "");
    }

    #[test]
    fn long_input_is_capped() {
        let long = "诈骗".repeat(10_000);
        assert!(normalize_question(&long).chars().count() <= MAX_QUESTION_CHARS);
    }
}
