//! Who may do what: maintainers (`ADMIN_IDS`) for the admin commands, group admins (or anyone in
//! a private chat) for the commands that change a chat's settings.

use teloxide::types::{Message, User};

use crate::bot::api::{BotError, TelegramApi};
use crate::bot::replies;
use crate::bot::send::{ReplyTarget, send_text};
use crate::bot::state::AppState;

/// Whether `user` is one of the maintainers (`ADMIN_IDS`).
pub fn is_maintainer(state: &AppState, user: Option<&User>) -> bool {
    user.is_some_and(|user| state.admin_ids.contains(&user.id.0))
}

/// The gate in front of every command that changes a chat's settings (`/subscribe`,
/// `/unsubscribe`, `/autowarn`): anyone may in a private chat, only group admins in a group.
/// Anyone else is told so at `target`, and `false` tells the caller to stop there.
pub async fn may_change_chat_settings<R: TelegramApi>(
    bot: &R,
    message: &Message,
    target: ReplyTarget,
) -> Result<bool, BotError> {
    if message.chat.is_private() || sender_is_group_admin(bot, message).await? {
        return Ok(true);
    }
    send_text(bot, target, replies::GROUP_ADMINS_ONLY).await?;
    Ok(false)
}

/// Whether the sender may change group settings: an admin or the owner (asked of Telegram with
/// getChatMember), or an anonymous admin posting as the group itself.
async fn sender_is_group_admin<R: TelegramApi>(
    bot: &R,
    message: &Message,
) -> Result<bool, BotError> {
    if message
        .sender_chat
        .as_ref()
        .is_some_and(|sender| sender.id == message.chat.id)
    {
        return Ok(true);
    }
    let Some(user) = message.from.as_ref() else {
        return Ok(false);
    };
    let member = bot.get_chat_member(message.chat.id, user.id).await?;
    Ok(member.is_privileged())
}
