//! Scam checks in Telegram: the verdict laid out as Telegram HTML, `/check` (with text, or as a
//! reply to the message to check), forwarded messages and links in private chats, and the
//! groups' opt-in auto-warn with its per-chat cooldown (kept in the database).
//!
//! Judging is the scanner's job ([`crate::scam`]); this module decides when to judge, what to
//! send, and escapes everything it sends.

use teloxide::types::Message;

use crate::bot::send::{ReplyTarget, send_html, send_text};
use crate::bot::{AUTOWARN_COOLDOWN, AppState, BotError, TelegramApi, admin, handlers, text};
use crate::render::telegram::escape_html;
use crate::scam::{Risk, Verdict};

/// At most this many red flags are listed, so the reply stays short enough to forward.
const MAX_FLAGS_SHOWN: usize = 4;

/// A verdict as Telegram HTML: level and likely type, the quoted red flags, what to do.
pub fn verdict_html(verdict: &Verdict) -> String {
    let parts = verdict.parts();
    let mut html = format!(
        "{} <b>风险：{}</b> · {}",
        parts.risk_emoji,
        parts.risk_label,
        escape_html(&parts.headline)
    );
    if !parts.flags.is_empty() {
        html.push_str(if parts.risk == Risk::Low {
            "\n需要留意："
        } else {
            "\n可疑之处："
        });
        for (label, quote) in parts.flags.iter().take(MAX_FLAGS_SHOWN) {
            html.push_str(&format!(
                "\n• {}：「{}」",
                escape_html(label),
                escape_html(quote)
            ));
        }
    }
    html.push_str(&format!("\n<b>建议：</b>{}", escape_html(parts.advice)));
    html
}

/// The words of a message worth checking: its text, or a photo's or file's caption.
pub fn message_words(message: &Message) -> Option<&str> {
    message
        .text()
        .or_else(|| message.caption())
        .filter(|words| !words.trim().is_empty())
}

/// Checks `words` and sends the verdict to `target`.
pub async fn send_check<R: TelegramApi>(
    bot: &R,
    target: ReplyTarget,
    state: &AppState,
    words: &str,
) -> Result<(), BotError> {
    let verdict = state.scanner.load().scan(words);
    send_html(bot, target, &verdict_html(&verdict), None)
        .await
        .map(drop)
}

/// `/check`: the given text, else the message it replies to; a bare `/check` is the knowledge
/// report for an admin in a private chat and the usage hint for everyone else.
pub async fn check_command<R: TelegramApi>(
    bot: &R,
    message: &Message,
    state: &AppState,
    argument: &str,
) -> Result<(), BotError> {
    let target = ReplyTarget::answering(message);
    if !argument.trim().is_empty() {
        return send_check(bot, target, state, argument).await;
    }
    if let Some(replied) = message.reply_to_message() {
        return match message_words(replied) {
            // The verdict answers the checked message, so the group sees which one it is about.
            Some(words) => {
                let target = ReplyTarget {
                    reply_to: Some(replied.id),
                    ..target
                };
                send_check(bot, target, state, words).await
            }
            None => send_text(bot, target, text::CHECK_NO_TEXT).await,
        };
    }
    if message.chat.is_private() && state.is_admin(message.from.as_ref()) {
        let report = admin::knowledge_report(state).await;
        return send_html(bot, target, &report, None).await.map(drop);
    }
    send_text(bot, target, text::CHECK_USAGE).await
}

/// `/autowarn on|off`, for group admins.
pub async fn autowarn_command<R: TelegramApi>(
    bot: &R,
    message: &Message,
    state: &AppState,
    argument: &str,
) -> Result<(), BotError> {
    let target = ReplyTarget::answering(message);
    if message.chat.is_private() {
        return send_text(bot, target, text::AUTOWARN_GROUPS_ONLY).await;
    }
    let enable = match argument.trim().to_lowercase().as_str() {
        "on" | "开" | "开启" => true,
        "off" | "关" | "关闭" => false,
        _ => return send_text(bot, target, text::AUTOWARN_USAGE).await,
    };
    if !handlers::may_change_chat_settings(bot, message, target).await? {
        return Ok(());
    }
    state.store.set_autowarn(message.chat.id.0, enable).await?;
    let reply = if enable {
        text::AUTOWARN_ON
    } else {
        text::AUTOWARN_OFF
    };
    send_text(bot, target, reply).await
}

/// A group message not addressed to the bot: warned about only when the group opted in, the
/// message is rated high, and the group's cooldown has passed. Silent otherwise.
pub async fn on_group_chatter<R: TelegramApi>(
    bot: &R,
    message: &Message,
    state: &AppState,
    words: &str,
) -> Result<(), BotError> {
    // Scanning is cheap and in memory; the database is asked only about high-risk messages, and
    // one query both checks the opt-in and claims the cooldown (kept in the database, so it
    // survives restarts and is shared by replicas).
    let verdict = state.scanner.load().scan(words);
    if verdict.risk != Risk::High
        || !state
            .store
            .claim_autowarn(message.chat.id.0, chrono::Utc::now(), AUTOWARN_COOLDOWN)
            .await?
    {
        return Ok(());
    }
    let html = format!("{}\n{}", text::AUTOWARN_HEADING, verdict_html(&verdict));
    send_html(bot, ReplyTarget::to(message, true), &html, None)
        .await
        .map(drop)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn verdict_html_quotes_flags_and_escapes_them() {
        let scanner = crate::scam::Scanner::builtin().unwrap();
        let verdict =
            scanner.scan("我是<b>公安局</b>的，你涉嫌洗钱，把钱转到安全账户 & 别告诉家人");
        let html = verdict_html(&verdict);
        assert!(html.contains("<b>风险：高</b>"), "{html}");
        assert!(html.contains("安全账户"), "{html}");
        assert!(!html.contains("<b>公安局"), "user text is escaped: {html}");
        assert!(html.contains("建议："), "{html}");
    }
}
