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
            tracing::error!("handler failed: {error}");
        }))
        .build()
}
