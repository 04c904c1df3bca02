//! A panic in a handler stays in its update: it is caught, logged, and the asker in a private
//! chat gets the one apology; the bot keeps running. (Uncaught, it would end the chat's update
//! worker in teloxide's dispatcher, and the dispatcher itself with the chat's next update.)

use std::ops::ControlFlow;

use teloxide::dispatching::UpdateHandler;
use teloxide::dptree::{self, di::DependencyMap};
use teloxide::types::{Update, UpdateKind};

use crate::bot::api::{HandlerError, TelegramApi};
use crate::bot::replies;
use crate::bot::send::{ReplyTarget, send_text};

/// `tree`, with every update it handles run as its own task, so that a panic in it is caught.
/// The panic is logged at `error` (which update kind, not its text) and the asker apologised to
/// once when the update came from a private chat.
pub fn catching_panics<R: TelegramApi>(
    tree: UpdateHandler<HandlerError>,
) -> UpdateHandler<HandlerError> {
    let signature = tree.sig().clone();
    let description = tree.description().clone();
    dptree::from_fn_with_description(
        description,
        move |deps: DependencyMap, cont| {
            let tree = tree.clone();
            async move {
                let update = deps.try_get::<Update>();
                let bot = deps.try_get::<R>();
                match tokio::spawn(tree.execute(deps, cont)).await {
                    Ok(flow) => flow,
                    Err(failed) => {
                        // Not the panic's message: it may quote the user's text (it is on
                        // stderr, from the panic hook).
                        let kind = update.as_deref().map_or("unknown", update_kind);
                        let what = if failed.is_panic() {
                            "panicked"
                        } else {
                            "was cancelled"
                        };
                        tracing::error!("a handler {what} on a {kind} update");
                        if let (Some(bot), Some(update)) = (bot, update) {
                            apologise_in_private(&*bot, &update).await;
                        }
                        ControlFlow::Break(Ok(()))
                    }
                }
            }
        },
        signature,
    )
}

/// The apology, when `update` is a message in a private chat (in groups, a bot that apologises
/// for messages no one addressed to it is worse than one that stays quiet).
async fn apologise_in_private<R: TelegramApi>(bot: &R, update: &Update) {
    let UpdateKind::Message(message) = &update.kind else {
        return;
    };
    if !message.chat.is_private() {
        return;
    }
    if let Err(err) = send_text(bot, ReplyTarget::answering(message), replies::APOLOGY).await {
        tracing::debug!("apology after a panic not delivered: {err}");
    }
}

/// The kind of an update, for logs.
fn update_kind(update: &Update) -> &'static str {
    match &update.kind {
        UpdateKind::Message(_) => "message",
        UpdateKind::CallbackQuery(_) => "button",
        UpdateKind::InlineQuery(_) => "inline query",
        UpdateKind::MyChatMember(_) => "membership",
        _ => "other",
    }
}
