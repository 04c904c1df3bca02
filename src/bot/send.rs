//! Sending HTML to a chat the way every reply is sent: HTML parse mode, link previews off,
//! split into parts within Telegram's limit, in the asker's forum topic, replying to the asking
//! message when asked to, the keyboard under the last part; and the one apology for a handler
//! that failed.

use teloxide::payloads::setters::*;
use teloxide::types::{
    ChatId, InlineKeyboardMarkup, InputFile, LinkPreviewOptions, Message, MessageId, ParseMode,
    ReplyParameters, ThreadId,
};

use crate::bot::api::{BotError, HandlerError, TelegramApi};
use crate::bot::replies;
use crate::render::telegram::html::{MESSAGE_LIMIT, split_html};

/// Where a reply goes.
#[derive(Debug, Clone, Copy)]
pub struct ReplyTarget {
    pub chat: ChatId,
    /// The forum topic of the asking message, if any.
    pub thread: Option<ThreadId>,
    /// The message to reply to (in groups, so threads stay readable).
    pub reply_to: Option<MessageId>,
}

impl ReplyTarget {
    /// The usual reply to `message`: quoting it in groups, so threads stay readable, and not in
    /// private chats, where there is no one else to tell apart.
    pub fn answering(message: &Message) -> ReplyTarget {
        ReplyTarget::to(message, !message.chat.is_private())
    }

    /// A reply to `message`, quoting it when `quote` (groups), in its forum topic.
    pub fn to(message: &Message, quote: bool) -> ReplyTarget {
        ReplyTarget {
            chat: message.chat.id,
            thread: message
                .is_topic_message
                .then_some(message.thread_id)
                .flatten(),
            reply_to: quote.then_some(message.id),
        }
    }
}

/// Link previews off: answers quote articles, they do not advertise links.
pub fn no_link_preview() -> LinkPreviewOptions {
    LinkPreviewOptions {
        is_disabled: true,
        url: None,
        prefer_small_media: false,
        prefer_large_media: false,
        show_above_text: false,
    }
}

/// Sends `html` (split if long), with `keyboard` under the last part. Returns the last message.
pub async fn send_html<R: TelegramApi>(
    bot: &R,
    target: ReplyTarget,
    html: &str,
    keyboard: Option<InlineKeyboardMarkup>,
) -> Result<Option<Message>, BotError> {
    let parts = reply_parts(html);
    let last_index = parts.len().saturating_sub(1);
    let mut last = None;
    for (index, part) in parts.into_iter().enumerate() {
        let mut request = bot
            .send_message(target.chat, part)
            .parse_mode(ParseMode::Html)
            .link_preview_options(no_link_preview());
        if let Some(thread) = target.thread {
            request = request.message_thread_id(thread);
        }
        if let (0, Some(reply_to)) = (index, target.reply_to) {
            request = request
                .reply_parameters(ReplyParameters::new(reply_to).allow_sending_without_reply());
        }
        if index == last_index
            && let Some(keyboard) = keyboard.clone()
        {
            request = request.reply_markup(keyboard);
        }
        last = Some(request.await?);
    }
    Ok(last)
}

/// Sends a PNG chart as a photo (`sendPhoto`), with `caption` (Telegram HTML, within
/// [`CAPTION_LIMIT`](crate::render::telegram::html::CAPTION_LIMIT)) and `keyboard` under it.
pub async fn send_chart<R: TelegramApi>(
    bot: &R,
    target: ReplyTarget,
    png: &[u8],
    caption: Option<&str>,
    keyboard: Option<InlineKeyboardMarkup>,
) -> Result<Message, BotError> {
    let photo = InputFile::memory(png.to_vec()).file_name("chart.png");
    let mut request = bot.send_photo(target.chat, photo);
    if let Some(caption) = caption {
        request = request.caption(caption).parse_mode(ParseMode::Html);
    }
    if let Some(thread) = target.thread {
        request = request.message_thread_id(thread);
    }
    if let Some(reply_to) = target.reply_to {
        request =
            request.reply_parameters(ReplyParameters::new(reply_to).allow_sending_without_reply());
    }
    if let Some(keyboard) = keyboard {
        request = request.reply_markup(keyboard);
    }
    Ok(request.await?)
}

/// Most messages one reply is sent as; the rest of a longer one is left out.
pub const MAX_REPLY_PARTS: usize = 3;

/// `html` split into messages within Telegram's limit, at most [`MAX_REPLY_PARTS`] of them (a
/// huge paragraph behind "📄 原文" must not become hundreds of messages).
pub fn reply_parts(html: &str) -> Vec<String> {
    let mut parts = split_html(html, MESSAGE_LIMIT);
    parts.truncate(MAX_REPLY_PARTS);
    parts
}

/// Sends one of the fixed texts in [`crate::bot::replies`].
pub async fn send_text<R: TelegramApi>(
    bot: &R,
    target: ReplyTarget,
    text: &str,
) -> Result<(), BotError> {
    send_html(bot, target, text, None).await.map(drop)
}

/// Tells the user something went wrong (best effort) and passes the failure on, with context,
/// to the dispatcher's error handler. `context` is only asked for on a failure.
pub async fn apologise_on_error<R: TelegramApi>(
    bot: &R,
    target: ReplyTarget,
    context: impl FnOnce() -> String,
    result: Result<(), BotError>,
) -> Result<(), HandlerError> {
    let Err(source) = result else {
        return Ok(());
    };
    let context = context();
    if let Err(apology_failed) = send_text(bot, target, replies::APOLOGY).await {
        tracing::debug!("{context}: apology not delivered: {apology_failed}");
    }
    Err(HandlerError { context, source })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_huge_reply_is_at_most_three_messages_and_split_in_linear_time() {
        // Ten times the text must take about ten times as long, not a hundred: a ratio, not a
        // wall-clock limit, so a busy machine does not fail the test.
        let timed = |repeat: usize| {
            let huge = "<b>诈</b>骗".repeat(repeat);
            let started = std::time::Instant::now();
            let parts = reply_parts(&huge);
            let took = started.elapsed();
            assert_eq!(parts.len(), MAX_REPLY_PARTS);
            assert!(parts.iter().all(|p| p.chars().count() <= MESSAGE_LIMIT));
            took
        };
        let small = timed(20_000);
        let large = timed(200_000);
        assert!(large < small * 40, "20,000: {small:?}, 200,000: {large:?}");
    }
}
