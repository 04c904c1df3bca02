//! Telegram rendering: an answer → an HTML message (escaped, within Telegram's limits).
