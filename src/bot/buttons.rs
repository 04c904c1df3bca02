//! The buttons under an answer: "📄 原文" sends the whole paragraph with its neighbours,
//! "🔎 更多" pages through the results by editing the message, 👍 / 👎 store a verdict.

use std::sync::Arc;
use std::time::Instant;

use teloxide::ApiError;
use teloxide::RequestError;
use teloxide::payloads::setters::*;
use teloxide::types::{CallbackQuery, ParseMode};

use crate::bot::api::{BotError, HandlerError, TelegramApi};
use crate::bot::flood::{FloodVerdict, Sender};
use crate::bot::messages::send_with_chart;
use crate::bot::replies;
use crate::bot::send::{ReplyTarget, no_link_preview, send_html};
use crate::bot::state::AppState;
use crate::render::telegram::answer::{answer_page, paragraph_html, series_html};
use crate::render::telegram::keyboard::{ButtonAction, paragraph_check};

/// The endpoint for button presses. Every press is answered (or Telegram shows a spinner).
pub async fn on_button<R: TelegramApi>(
    bot: R,
    query: CallbackQuery,
    state: Arc<AppState>,
) -> Result<(), HandlerError> {
    let toast = match press(&bot, &query, &state).await {
        Ok(toast) => toast,
        Err(source) => {
            // The apology goes into the toast; the failure to the error handler.
            let _ = bot
                .answer_callback_query(query.id.clone())
                .text(replies::APOLOGY)
                .await;
            return Err(HandlerError {
                context: format!("button {:?} from user {}", query.data, query.from.id),
                source,
            });
        }
    };
    let mut answer = bot.answer_callback_query(query.id.clone());
    if let Some(toast) = toast {
        answer = answer.text(toast);
    }
    answer.await.map(drop).map_err(|err| HandlerError {
        context: format!("answering button {:?}", query.data),
        source: err.into(),
    })
}

/// Does what the button says; returns the toast to show, if any.
async fn press<R: TelegramApi>(
    bot: &R,
    query: &CallbackQuery,
    state: &AppState,
) -> Result<Option<&'static str>, BotError> {
    let Some(action) = query.data.as_deref().and_then(|data| data.parse().ok()) else {
        return Ok(Some(replies::BUTTON_EXPIRED));
    };
    match action {
        ButtonAction::Paragraph {
            at: paragraph,
            check,
        } => {
            let Some(message) = query.regular_message() else {
                return Ok(Some(replies::BUTTON_EXPIRED));
            };
            let sender = Sender::User(query.from.id.0);
            if state.flood.check(message.chat.id, sender, Instant::now()) != FloodVerdict::Answer {
                return Ok(Some(replies::FLOOD_NOTICE));
            }
            let Some(context) = state.engine.load().paragraph_context(paragraph) else {
                return Ok(Some(replies::PARAGRAPH_GONE));
            };
            // Edited since the answer: the paragraph at that place is another one.
            if check.is_some_and(|check| check != paragraph_check(&context.paragraph)) {
                return Ok(Some(replies::PARAGRAPH_CHANGED));
            }
            let target = ReplyTarget::to(message, true);
            send_html(bot, target, &paragraph_html(&context), None).await?;
            Ok(None)
        }
        ButtonAction::More { question, page } => {
            let Some(asked) = state.database.question_text(question).await? else {
                return Ok(Some(replies::BUTTON_EXPIRED));
            };
            let Some(message) = query.regular_message() else {
                return Ok(Some(replies::BUTTON_EXPIRED));
            };
            let answer = state.engine.load().answer(&asked);
            let page = answer_page(&answer, page);
            let edited = bot
                .edit_message_text(message.chat.id, message.id, page.html.clone())
                .parse_mode(ParseMode::Html)
                .link_preview_options(no_link_preview())
                .reply_markup(state.answer_keyboard(question, &page))
                .await;
            match edited {
                // A second press on the last page changes nothing; that is fine.
                Ok(_) | Err(RequestError::Api(ApiError::MessageNotModified)) => Ok(None),
                Err(err) => Err(err.into()),
            }
        }
        ButtonAction::Chart { question } => {
            let Some(message) = query.regular_message() else {
                return Ok(Some(replies::BUTTON_EXPIRED));
            };
            let sender = Sender::User(query.from.id.0);
            if state.flood.check(message.chat.id, sender, Instant::now()) != FloodVerdict::Answer {
                return Ok(Some(replies::FLOOD_NOTICE));
            }
            let Some(asked) = state.database.question_text(question).await? else {
                return Ok(Some(replies::BUTTON_EXPIRED));
            };
            let engine = state.engine.load_full();
            let answer = engine.answer(&asked);
            if answer.series.is_empty() {
                return Ok(Some(replies::CHART_GONE));
            }
            let target = ReplyTarget::to(message, true);
            send_with_chart(
                bot,
                state,
                &engine,
                &answer,
                target,
                &series_html(&answer),
                None,
            )
            .await?;
            Ok(None)
        }
        ButtonAction::Vote { question, helpful } => {
            state
                .database
                .record_vote(question, query.from.id.0, helpful)
                .await?;
            Ok(Some(replies::THANKS_FOR_FEEDBACK))
        }
    }
}
