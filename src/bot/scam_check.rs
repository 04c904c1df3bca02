//! Scam checks in Telegram: `/check` (with text, or as a reply to the message to check), forwarded messages and links in private chats, and the
//! groups' opt-in auto-warn with its per-chat cooldown (kept in the database).
//!
//! Judging is the scanner's job ([`crate::scam`]); this module decides when to judge, what to
//! send, and escapes everything it sends.

use teloxide::types::Message;

use std::time::Duration;

use crate::bot::api::{BotError, TelegramApi};
use crate::bot::permissions::{is_maintainer, may_change_chat_settings};
use crate::bot::send::{ReplyTarget, send_html, send_text};
use crate::bot::state::AppState;
use crate::bot::{admin, replies};
use crate::render::telegram::verdict::verdict_html;
use crate::scam::Risk;

/// At most one unprompted auto-warn reply per group within this time.
pub const AUTOWARN_COOLDOWN: Duration = Duration::from_secs(5 * 60);

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
            None => send_text(bot, target, replies::CHECK_NO_TEXT).await,
        };
    }
    if message.chat.is_private() && is_maintainer(state, message.from.as_ref()) {
        let report = admin::knowledge_report(state).await;
        return send_html(bot, target, &report, None).await.map(drop);
    }
    send_text(bot, target, replies::CHECK_USAGE).await
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
        return send_text(bot, target, replies::AUTOWARN_GROUPS_ONLY).await;
    }
    let enable = match argument.trim().to_lowercase().as_str() {
        "on" | "开" | "开启" => true,
        "off" | "关" | "关闭" => false,
        _ => return send_text(bot, target, replies::AUTOWARN_USAGE).await,
    };
    if !may_change_chat_settings(bot, message, target).await? {
        return Ok(());
    }
    state
        .database
        .set_autowarn(message.chat.id.0, enable)
        .await?;
    let reply = if enable {
        replies::AUTOWARN_ON
    } else {
        replies::AUTOWARN_OFF
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
            .database
            .claim_autowarn(message.chat.id.0, chrono::Utc::now(), AUTOWARN_COOLDOWN)
            .await?
    {
        return Ok(());
    }
    let html = format!("{}\n{}", replies::AUTOWARN_HEADING, verdict_html(&verdict));
    send_html(bot, ReplyTarget::to(message, true), &html, None)
        .await
        .map(drop)
}
