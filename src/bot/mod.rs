//! The Telegram bot: the handler tree for private chats, groups, buttons and inline mode, and
//! the dispatcher that runs it. Start-up (`fanzha-bot run`: long polling or a webhook) is
//! [`run`]'s; what the handlers share is [`state::AppState`].
//!
//! [`handler_tree`] and [`dispatcher`] are what tests drive, against a mock Bot API, so the
//! tests run the very same code as production. Handlers are generic over the Bot API client
//! ([`TelegramApi`]): production wraps it in teloxide's `Throttle` (rate limits, `RetryAfter`
//! honoured), tests may use the bare client.
//!
//! The modules, from the way in to the way out: [`messages`] classifies every message and
//! answers questions, [`buttons`] and [`inline`] handle button presses and inline queries,
//! [`scam_check`], [`tips`] and [`admin`] handle their commands; [`permissions`] and [`flood`]
//! guard them; [`send`] sends every reply, whose fixed sentences are in [`replies`]; [`panics`]
//! keeps a panicking handler from taking the bot down.

pub mod admin;
pub mod api;
pub mod buttons;
pub mod chart_cache;
pub mod clock;
pub mod commands;
pub mod config;
pub mod deep_link;
pub mod flood;
pub mod inline;
pub mod inline_cache;
pub mod messages;
pub mod panics;
pub mod permissions;
pub mod replies;
pub mod run;
pub mod scam_check;
pub mod send;
pub mod state;
pub mod tips;
pub mod webhook;

use std::sync::Arc;

use teloxide::dispatching::{DefaultKey, UpdateHandler};
use teloxide::prelude::*;

use self::api::{HandlerError, TelegramApi};
use self::state::AppState;

/// The whole handler tree. Update kinds not listed fall through to the dispatcher's default
/// handler, which ignores them.
pub fn handler_tree<R: TelegramApi>() -> UpdateHandler<HandlerError> {
    dptree::entry()
        .branch(Update::filter_message().endpoint(messages::on_message::<R>))
        .branch(Update::filter_callback_query().endpoint(buttons::on_button::<R>))
        .branch(Update::filter_inline_query().endpoint(inline::on_inline_query::<R>))
        .branch(Update::filter_my_chat_member().endpoint(messages::on_my_chat_member::<R>))
}

/// How many updates one chat may have waiting for its handler before the dispatcher waits for
/// it (and so every other chat waits too). The flood guard drops what it would not answer in
/// microseconds and lets through at most a minute's worth of Telegram's limit per chat, so a
/// chat's worker is held up by `Throttle` for seconds at a time at most; this is many times
/// what even a flooding group delivers in that time.
pub const WORKER_QUEUE: usize = 4096;

/// The dispatcher: the handler tree with the shared state, a default handler that ignores
/// unknown updates and an error handler that logs.
pub fn dispatcher<R: TelegramApi>(
    bot: R,
    state: Arc<AppState>,
) -> Dispatcher<R, HandlerError, DefaultKey> {
    dispatcher_for(bot, state, handler_tree::<R>())
}

/// [`dispatcher`] around another handler tree (tests put a misbehaving handler in front of
/// [`handler_tree`]). A panic in the tree is caught for each update ([`panics`]).
pub fn dispatcher_for<R: TelegramApi>(
    bot: R,
    state: Arc<AppState>,
    tree: UpdateHandler<HandlerError>,
) -> Dispatcher<R, HandlerError, DefaultKey> {
    Dispatcher::builder(bot, panics::catching_panics::<R>(tree))
        .dependencies(dptree::deps![state])
        .worker_queue_size(WORKER_QUEUE)
        .default_handler(|update| async move {
            tracing::trace!(update = update.id.0, "update ignored");
        })
        .error_handler(Arc::new(|error: HandlerError| async move {
            log_handler_error(&error);
        }))
        .build()
}

/// Logs a handler failure: the cause at `error`; what the handler was doing — which chat and
/// user, the query's text — only at `debug`, so logs at `info` hold no one's ids or words.
pub fn log_handler_error(error: &HandlerError) {
    tracing::error!("handler failed: {}", error.source);
    tracing::debug!("handler failed: {error}");
}

#[cfg(test)]
mod tests {
    use std::io::Write;
    use std::sync::Mutex;

    use teloxide::{ApiError, RequestError};

    use super::*;
    use crate::bot::api::BotError;

    /// What `log` writes at `level` and above.
    fn logged(level: tracing::Level, log: impl FnOnce()) -> String {
        #[derive(Clone, Default)]
        struct Captured(Arc<Mutex<Vec<u8>>>);
        impl Write for Captured {
            fn write(&mut self, bytes: &[u8]) -> std::io::Result<usize> {
                self.0.lock().unwrap().extend_from_slice(bytes);
                Ok(bytes.len())
            }
            fn flush(&mut self) -> std::io::Result<()> {
                Ok(())
            }
        }
        let captured = Captured::default();
        let writer = captured.clone();
        let subscriber = tracing_subscriber::fmt()
            .with_max_level(level)
            .with_writer(move || writer.clone())
            .finish();
        tracing::subscriber::with_default(subscriber, log);
        let bytes = captured.0.lock().unwrap().clone();
        String::from_utf8(bytes).unwrap()
    }

    #[test]
    fn handler_failures_log_ids_and_text_only_at_debug() {
        let error = HandlerError {
            context: "inline query \"我被骗了五万\" from user 424242".into(),
            source: BotError::Telegram(RequestError::Api(ApiError::BotBlocked)),
        };
        let info = logged(tracing::Level::INFO, || log_handler_error(&error));
        assert!(info.contains("handler failed"), "{info}");
        assert!(!info.contains("424242") && !info.contains("五万"), "{info}");
        let debug = logged(tracing::Level::DEBUG, || log_handler_error(&error));
        assert!(debug.contains("424242"), "{debug}");
    }
}
