//! The inline keyboard under an answer, and what its buttons carry: a [`ButtonAction`] encoded
//! in at most 64 bytes of callback data.

use std::fmt;
use std::str::FromStr;

use sha2::{Digest, Sha256};

use teloxide::types::{InlineKeyboardButton, InlineKeyboardMarkup};

use super::answer::AnswerPage;
use crate::answer::ParagraphRef;

/// Telegram's limit for callback data, in bytes.
pub const CALLBACK_DATA_LIMIT: usize = 64;

/// What a button under an answer does, as carried in its callback data.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ButtonAction {
    /// "📄 原文": show the whole paragraph with its neighbours, if its text still has `check`
    /// ([`paragraph_check`]; `None` on buttons of versions that did not carry one).
    Paragraph {
        at: ParagraphRef,
        check: Option<u32>,
    },
    /// "🔎 更多": show page `page` of the answer to question `question`.
    More { question: u64, page: u8 },
    /// "👍" / "👎" on the answer to question `question`.
    Vote { question: u64, helpful: bool },
    /// "📈 图表": send the chart of the series in the answer to question `question`.
    Chart { question: u64 },
}

impl fmt::Display for ButtonAction {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            ButtonAction::Paragraph { at, check: None } => write!(f, "p:{at}"),
            ButtonAction::Paragraph {
                at,
                check: Some(check),
            } => write!(f, "p:{at}:{check:08x}"),
            ButtonAction::More { question, page } => write!(f, "m:{question:x}:{page}"),
            ButtonAction::Vote { question, helpful } => {
                write!(f, "v:{question:x}:{}", if *helpful { "u" } else { "d" })
            }
            ButtonAction::Chart { question } => write!(f, "c:{question:x}"),
        }
    }
}

/// Callback data that is not a [`ButtonAction`] (from an old version, or forged).
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("unknown button data {0:?}")]
pub struct UnknownButton(pub String);

impl FromStr for ButtonAction {
    type Err = UnknownButton;

    fn from_str(data: &str) -> Result<Self, UnknownButton> {
        let unknown = || UnknownButton(data.chars().take(CALLBACK_DATA_LIMIT).collect());
        let (kind, rest) = data.split_once(':').ok_or_else(unknown)?;
        let question_and = |rest: &str| -> Option<(u64, String)> {
            let (question, tail) = rest.split_once(':')?;
            Some((u64::from_str_radix(question, 16).ok()?, tail.to_string()))
        };
        let action = match kind {
            "p" => {
                let (at, check) = match rest.split_once(':') {
                    Some((at, check)) => (at, Some(u32::from_str_radix(check, 16).ok())),
                    None => (rest, None),
                };
                match (at.parse().ok(), check) {
                    (Some(at), None) => Some(ButtonAction::Paragraph { at, check: None }),
                    (Some(at), Some(Some(check))) => Some(ButtonAction::Paragraph {
                        at,
                        check: Some(check),
                    }),
                    _ => None,
                }
            }
            "m" => question_and(rest).and_then(|(question, page)| {
                Some(ButtonAction::More {
                    question,
                    page: page.parse().ok()?,
                })
            }),
            "v" => question_and(rest).and_then(|(question, verdict)| match verdict.as_str() {
                "u" => Some(ButtonAction::Vote {
                    question,
                    helpful: true,
                }),
                "d" => Some(ButtonAction::Vote {
                    question,
                    helpful: false,
                }),
                _ => None,
            }),
            "c" => u64::from_str_radix(rest, 16)
                .ok()
                .map(|question| ButtonAction::Chart { question }),
            _ => None,
        };
        action.ok_or_else(unknown)
    }
}

/// A short check of a paragraph's text (4 bytes of its SHA-256): carried by the "📄 原文" button,
/// so a press after the article was edited can tell the paragraph at that place is another one.
pub fn paragraph_check(text: &str) -> u32 {
    let digest = Sha256::digest(text.as_bytes());
    u32::from_be_bytes([digest[0], digest[1], digest[2], digest[3]])
}

/// The keyboard under an answer page: "📄 原文", "🔎 更多" and "📈 图表" when they apply, then
/// 👍 / 👎.
/// `paragraph_text` is the text of the page's paragraph, for the "📄 原文" button's check.
pub fn answer_keyboard(
    question: u64,
    page: &AnswerPage,
    paragraph_text: Option<&str>,
) -> InlineKeyboardMarkup {
    let button = |text: &str, action: ButtonAction| {
        InlineKeyboardButton::callback(text.to_string(), action.to_string())
    };
    let mut first_row = Vec::new();
    if let Some(paragraph) = page.paragraph {
        let action = ButtonAction::Paragraph {
            at: paragraph,
            check: paragraph_text.map(paragraph_check),
        };
        first_row.push(button("📄 原文", action));
    }
    if let Some(next) = page.next_page {
        first_row.push(button(
            "🔎 更多",
            ButtonAction::More {
                question,
                page: next,
            },
        ));
    }
    if page.chart {
        first_row.push(button("📈 图表", ButtonAction::Chart { question }));
    }
    let votes = vec![
        button(
            "👍",
            ButtonAction::Vote {
                question,
                helpful: true,
            },
        ),
        button(
            "👎",
            ButtonAction::Vote {
                question,
                helpful: false,
            },
        ),
    ];
    let rows = if first_row.is_empty() {
        vec![votes]
    } else {
        vec![first_row, votes]
    };
    InlineKeyboardMarkup::new(rows)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::render::telegram::answer::answer_page;
    use crate::render::telegram::answer::tests::answer;

    #[test]
    fn unanswered_page_has_no_buttons_but_votes() {
        let mut answer = answer(Vec::new(), Vec::new());
        answer.answered = false;
        answer.suggestions = vec!["拦截<涉诈>电话有多少？".into()];
        let page = answer_page(&answer, 0);
        assert!(page.html.contains("拦截&lt;涉诈&gt;电话有多少？"));
        assert_eq!(page.paragraph, None);
        let keyboard = answer_keyboard(7, &page, None);
        assert_eq!(keyboard.inline_keyboard.len(), 1);
    }

    #[test]
    fn button_actions_round_trip_within_64_bytes() {
        let actions = [
            ButtonAction::Paragraph {
                at: ParagraphRef {
                    doc_key: u32::MAX,
                    paragraph: u32::MAX,
                },
                check: Some(u32::MAX),
            },
            ButtonAction::Paragraph {
                at: ParagraphRef {
                    doc_key: 1,
                    paragraph: 2,
                },
                check: None,
            },
            ButtonAction::More {
                question: u64::MAX,
                page: u8::MAX,
            },
            ButtonAction::Vote {
                question: u64::MAX,
                helpful: false,
            },
            ButtonAction::Vote {
                question: 0,
                helpful: true,
            },
            ButtonAction::Chart { question: u64::MAX },
        ];
        for action in actions {
            let data = action.to_string();
            assert!(data.len() <= CALLBACK_DATA_LIMIT, "{data}");
            assert_eq!(data.parse::<ButtonAction>(), Ok(action));
        }
        for bad in [
            "",
            "x",
            "p:zz",
            "p:1.2:zz",
            "p:1.2:",
            "m:1",
            "m:1:x",
            "v:1:x",
            "q:1:1",
            "m:ffffffffffffffffff:1",
            "c:",
            "c:xyz",
        ] {
            assert!(bad.parse::<ButtonAction>().is_err(), "{bad}");
        }
    }
}
