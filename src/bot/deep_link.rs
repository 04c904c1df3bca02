//! Deep links into the bot's private chat that carry a question: the "🔎 问 bot" button under
//! shared inline cards links to `https://t.me/<bot>?start=<payload>`, and `/start <payload>`
//! reads the question back, so whoever got the card can ask the bot themselves in one tap.
//!
//! Telegram allows at most 64 characters of `A-Z a-z 0-9 _ -` in a start payload, so the
//! question travels as URL-safe base64 of its UTF-8 — about 15 Chinese characters. A longer
//! question links to the bot's chat without one (`/start` then shows the help).

use teloxide::types::{InlineKeyboardButton, InlineKeyboardMarkup};

use crate::bot::replies;

/// Telegram's limit for a `start` payload, in characters.
pub const START_PAYLOAD_LIMIT: usize = 64;

/// Marks a payload as a question (other payloads, from links made elsewhere, are not).
const QUESTION_PREFIX: &str = "ask-";

/// URL-safe base64 (RFC 4648 §5), without padding.
const ALPHABET: &[u8; 64] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";

/// The start payload carrying `question`, when it fits in Telegram's limit.
pub fn question_payload(question: &str) -> Option<String> {
    let question = question.trim();
    if question.is_empty() {
        return None;
    }
    let payload = format!("{QUESTION_PREFIX}{}", base64url(question.as_bytes()));
    (payload.len() <= START_PAYLOAD_LIMIT).then_some(payload)
}

/// The question a start payload carries; `None` for any other payload, or a malformed one.
pub fn question_from_payload(payload: &str) -> Option<String> {
    let encoded = payload.trim().strip_prefix(QUESTION_PREFIX)?;
    let question = String::from_utf8(base64url_decode(encoded)?).ok()?;
    let question = question.trim();
    (!question.is_empty()).then(|| question.to_string())
}

/// The link that opens the bot's private chat, asking `question` when it fits in a payload.
pub fn ask_link(bot_username: &str, question: &str) -> String {
    match question_payload(question) {
        Some(payload) => format!("https://t.me/{bot_username}?start={payload}"),
        None => format!("https://t.me/{bot_username}"),
    }
}

/// The keyboard under a shared card: one "🔎 问 bot" button with [`ask_link`]. `None` only if
/// the username makes no URL (Telegram's usernames always do).
pub fn ask_keyboard(bot_username: &str, question: &str) -> Option<InlineKeyboardMarkup> {
    let url = ask_link(bot_username, question).parse().ok()?;
    Some(InlineKeyboardMarkup::new([[InlineKeyboardButton::url(
        replies::ASK_BOT_BUTTON,
        url,
    )]]))
}

fn base64url(bytes: &[u8]) -> String {
    let mut out = String::with_capacity(bytes.len().div_ceil(3) * 4);
    for chunk in bytes.chunks(3) {
        let group = chunk.iter().enumerate().fold(0u32, |group, (at, &byte)| {
            group | u32::from(byte) << (16 - 8 * at)
        });
        // n bytes make n + 1 characters of 6 bits.
        for position in 0..=chunk.len() {
            let index = (group >> (18 - 6 * position)) & 0x3f;
            out.push(char::from(ALPHABET[index as usize]));
        }
    }
    out
}

fn base64url_decode(text: &str) -> Option<Vec<u8>> {
    let mut out = Vec::with_capacity(text.len() * 3 / 4);
    for chunk in text.as_bytes().chunks(4) {
        // One character holds only 6 bits: never a whole byte.
        if chunk.len() == 1 {
            return None;
        }
        let mut group = 0u32;
        for (position, &character) in chunk.iter().enumerate() {
            let value = ALPHABET.iter().position(|&a| a == character)?;
            group |= (value as u32) << (18 - 6 * position);
        }
        for at in 0..chunk.len() - 1 {
            out.push((group >> (16 - 8 * at)) as u8);
        }
    }
    Some(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn questions_survive_the_round_trip_within_telegrams_limit() {
        for question in [
            "拦截了多少涉诈电话",
            "a",
            "ab",
            "abc",
            "96110 是什么？",
            "冻结资金 & <b>",
        ] {
            let payload = question_payload(question).unwrap();
            assert!(payload.len() <= START_PAYLOAD_LIMIT, "{payload}");
            assert!(
                payload
                    .bytes()
                    .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_'),
                "{payload}"
            );
            assert_eq!(question_from_payload(&payload).as_deref(), Some(question));
        }
        assert_eq!(base64url(b"Man"), "TWFu");
        assert_eq!(base64url(b"Ma"), "TWE");
        assert_eq!(base64url(&[0xfb, 0xff]), "-_8");
    }

    #[test]
    fn long_questions_link_to_the_chat_without_a_payload() {
        let long = "公安机关今年一共拦截了多少涉诈电话和短信呢";
        assert!(question_payload(long).is_none());
        assert_eq!(ask_link("fanzha_bot", long), "https://t.me/fanzha_bot");
        assert_eq!(
            ask_link("fanzha_bot", "拦截了多少涉诈电话"),
            format!(
                "https://t.me/fanzha_bot?start={}",
                question_payload("拦截了多少涉诈电话").unwrap()
            )
        );
        assert!(question_payload("  ").is_none());
    }

    #[test]
    fn other_and_malformed_payloads_carry_no_question() {
        for payload in [
            "",
            "deep-link",
            "ask-",
            "ask-a",
            "ask-@@@@",
            "ask-_w",
            "ask-ICA",
        ] {
            assert_eq!(question_from_payload(payload), None, "{payload:?}");
        }
    }
}
