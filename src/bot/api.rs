//! The Bot API as the handlers see it: any client (teloxide's `Bot`, or `Bot` behind adaptors)
//! whose requests can be awaited on any worker thread, and the errors a handler can end with.

use teloxide::RequestError;
use teloxide::prelude::*;

use crate::db::DatabaseError;

/// A Bot API client the handlers can use: teloxide's `Bot`, or `Bot` behind adaptors. The
/// requests the handlers await must be `Send`, as handlers run on any worker thread (and so must
/// `getUpdates`, for long polling).
pub trait TelegramApi:
    Requester<
        Err = RequestError,
        SendMessage: Send,
        SendPhoto: Send,
        EditMessageText: Send,
        AnswerCallbackQuery: Send,
        AnswerInlineQuery: Send,
        GetUpdates: Send,
        GetChatMember: Send,
    > + Clone
    + Send
    + Sync
    + 'static
{
}

impl<T> TelegramApi for T where
    T: Requester<
            Err = RequestError,
            SendMessage: Send,
            SendPhoto: Send,
            EditMessageText: Send,
            AnswerCallbackQuery: Send,
            AnswerInlineQuery: Send,
            GetUpdates: Send,
            GetChatMember: Send,
        > + Clone
        + Send
        + Sync
        + 'static
{
}

/// Why a handler could not finish.
#[derive(Debug, thiserror::Error)]
pub enum BotError {
    #[error("telegram request failed: {0}")]
    Telegram(#[from] RequestError),
    #[error(transparent)]
    Database(#[from] DatabaseError),
    #[error(transparent)]
    Chart(#[from] crate::render::chart::ChartError),
}

/// A handler failure, with what the handler was doing.
#[derive(Debug, thiserror::Error)]
#[error("{context}: {source}")]
pub struct HandlerError {
    pub context: String,
    #[source]
    pub source: BotError,
}
