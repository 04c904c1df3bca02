//! Telegram rendering: what the bot sends, as Telegram HTML with every piece of text escaped and
//! never over Telegram's limits. [`answer`] lays out answers and inline cards, [`keyboard`] the
//! buttons under them, [`verdict`] scam-check verdicts, [`tip`] warning cards, and [`html`]
//! escapes and splits.

pub mod answer;
pub mod html;
pub mod keyboard;
pub mod tip;
pub mod verdict;
