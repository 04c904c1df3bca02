//! Warning cards in Telegram: `/tip [topic]`, the daily card (`/subscribe [HH:MM]`,
//! `/unsubscribe`) and the scheduler that delivers it.
//!
//! Times are China time (UTC+8), whatever the server's zone. The scheduler is [`deliver_due`],
//! called each minute by [`deliver_daily`] and directly (with a fixed time) by tests. Each
//! delivery is claimed in the database before it is sent, so a restart — or a second replica —
//! never sends a chat two cards on one day. A big batch (everyone's 09:00) is sent at
//! [`DAILY_CARD_PACE`], so it takes a third of the bot's 30 messages a second and the answers to
//! questions asked meanwhile keep the rest instead of queueing behind thousands of cards.

use std::sync::Arc;
use std::time::Duration;

use chrono::{DateTime, Utc};
use teloxide::types::{ChatId, Message, ThreadId};
use teloxide::{ApiError, RequestError};

use crate::bot::api::{BotError, TelegramApi};
use crate::bot::clock::{china_time, minute_of_day_of, parse_time_of_day};
use crate::bot::permissions::may_change_chat_settings;
use crate::bot::replies;
use crate::bot::send::{ReplyTarget, send_html, send_text};
use crate::bot::state::AppState;
use crate::db::chat_settings::TipSubscription;
use crate::render::telegram::html::escape_html;
use crate::render::telegram::tip::card_html;
use crate::scam::TipCard;

/// The daily card's time when `/subscribe` names none: 09:00 China time.
pub const DEFAULT_MINUTE_OF_DAY: u16 = 9 * 60;

/// The time between two daily cards of one batch: 10 a second, a third of what Telegram lets a
/// bot send, so answers are never queued behind the batch.
pub const DAILY_CARD_PACE: Duration = Duration::from_millis(100);

/// How often the scheduler looks for due subscriptions.
const SCHEDULER_PERIOD: Duration = Duration::from_secs(60);

/// `/tip [topic]`: the card for the topic, or a random one.
pub async fn tip_command<R: TelegramApi>(
    bot: &R,
    message: &Message,
    state: &AppState,
    topic: &str,
) -> Result<(), BotError> {
    let target = ReplyTarget::answering(message);
    let scanner = state.scanner.load();
    let card = if topic.trim().is_empty() {
        use rand::seq::IndexedRandom;
        scanner.tips().choose(&mut rand::rng())
    } else {
        scanner.tip_for(topic.trim())
    };
    let html = match card {
        Some(card) => card_html(card),
        None => {
            let topics: Vec<&str> = scanner.tips().iter().map(|c| c.title.as_str()).collect();
            format!(
                "{}{}",
                replies::TIP_UNKNOWN_TOPIC,
                escape_html(&topics.join("、"))
            )
        }
    };
    send_html(bot, target, &html, None).await.map(drop)
}

/// `/subscribe [HH:MM]`: the daily card at that time (China time); group admins only in groups.
pub async fn subscribe_command<R: TelegramApi>(
    bot: &R,
    message: &Message,
    state: &AppState,
    argument: &str,
) -> Result<(), BotError> {
    let target = ReplyTarget::answering(message);
    let minute_of_day = if argument.trim().is_empty() {
        DEFAULT_MINUTE_OF_DAY
    } else {
        match parse_time_of_day(argument) {
            Some(minute) => minute,
            None => return send_text(bot, target, replies::SUBSCRIBE_USAGE).await,
        }
    };
    if !may_change_chat_settings(bot, message, target).await? {
        return Ok(());
    }
    let now = china_time(Utc::now());
    let today = now.date();
    let passed_today = minute_of_day_of(&now) >= minute_of_day;
    let subscription = TipSubscription {
        chat: message.chat.id.0,
        thread: target.thread.map(|thread| thread.0.0),
        minute_of_day,
        // Subscribing after today's time: the first card comes tomorrow, not right away.
        last_delivered: passed_today.then_some(today),
    };
    state.database.subscribe(&subscription).await?;
    send_text(bot, target, &replies::subscribed(minute_of_day)).await
}

/// `/unsubscribe`; group admins only in groups.
pub async fn unsubscribe_command<R: TelegramApi>(
    bot: &R,
    message: &Message,
    state: &AppState,
) -> Result<(), BotError> {
    let target = ReplyTarget::answering(message);
    if !may_change_chat_settings(bot, message, target).await? {
        return Ok(());
    }
    let reply = if state.database.unsubscribe(message.chat.id.0).await? {
        replies::UNSUBSCRIBED
    } else {
        replies::NOT_SUBSCRIBED
    };
    send_text(bot, target, reply).await
}

/// The card of the day: the cards in turn, one per day, the same for every chat.
fn card_of_the_day(cards: &[TipCard], day: chrono::NaiveDate) -> Option<&TipCard> {
    use chrono::Datelike;
    let index = usize::try_from(day.num_days_from_ce()).unwrap_or(0);
    cards.get(index.checked_rem(cards.len())?)
}

/// Delivers today's card to every subscription that is due at `now` and has not had it yet.
/// Returns how many cards were sent. A chat that blocked or removed the bot is unsubscribed; a
/// card that failed otherwise (a timeout, Telegram's hiccup) is given back, to be tried again.
pub async fn deliver_due<R: TelegramApi>(
    bot: &R,
    state: &AppState,
    now: DateTime<Utc>,
) -> Result<usize, BotError> {
    deliver_due_paced(bot, state, now, DAILY_CARD_PACE).await
}

/// [`deliver_due`], one card every `pace` (the first at once).
pub async fn deliver_due_paced<R: TelegramApi>(
    bot: &R,
    state: &AppState,
    now: DateTime<Utc>,
    pace: Duration,
) -> Result<usize, BotError> {
    let local = china_time(now);
    let today = local.date();
    let due = state
        .database
        .due_subscriptions(today, minute_of_day_of(&local))
        .await?;
    let scanner = state.scanner.load();
    let Some(card) = card_of_the_day(scanner.tips(), today) else {
        return Ok(0);
    };
    let html = format!("{}\n{}", replies::DAILY_TIP_HEADING, card_html(card));
    let mut sent = 0;
    let mut pacing = tokio::time::interval(pace);
    // A slow send is not made up for with a burst.
    pacing.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
    for subscription in due {
        if !state
            .database
            .claim_delivery(subscription.chat, today)
            .await?
        {
            continue; // Another replica (or an earlier run) got there first.
        }
        let target = ReplyTarget {
            chat: ChatId(subscription.chat),
            thread: subscription
                .thread
                .map(|thread| ThreadId(teloxide::types::MessageId(thread))),
            reply_to: None,
        };
        // The pace is kept between sends, not between claims: a claim that is slow under load
        // must not shorten the gap before the next message Telegram sees.
        pacing.tick().await;
        match send_html(bot, target, &html, None).await {
            Ok(_) => sent += 1,
            Err(BotError::Telegram(RequestError::Api(err))) if gone_for_good(&err) => {
                // Blocked, removed, or the chat is gone: no card will ever arrive there.
                tracing::debug!(chat = subscription.chat, "unsubscribed: {err}");
                tracing::info!("a chat that blocked or removed the bot was unsubscribed");
                state.database.unsubscribe(subscription.chat).await?;
            }
            Err(err) => {
                tracing::warn!("a daily card was not delivered; it is tried again: {err}");
                state
                    .database
                    .release_delivery(subscription.chat, today, subscription.last_delivered)
                    .await?;
            }
        }
    }
    Ok(sent)
}

/// Whether Telegram says the bot can never post in the chat again.
fn gone_for_good(err: &ApiError) -> bool {
    matches!(
        err,
        ApiError::BotBlocked
            | ApiError::BotKicked
            | ApiError::BotKickedFromSupergroup
            | ApiError::BotKickedFromChannel
            | ApiError::ChatNotFound
            | ApiError::GroupDeactivated
            | ApiError::UserDeactivated
            | ApiError::CantInitiateConversation
    )
}

/// The scheduler: every minute, [`deliver_due`] for the current time. Runs until aborted.
pub async fn deliver_daily<R: TelegramApi>(bot: R, state: Arc<AppState>) {
    let mut ticks = tokio::time::interval(SCHEDULER_PERIOD);
    ticks.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
    loop {
        ticks.tick().await;
        match deliver_due(&bot, &state, Utc::now()).await {
            Ok(0) => {}
            Ok(sent) => tracing::info!("{sent} daily card(s) delivered"),
            Err(err) => tracing::warn!("daily cards: {err}"),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn card_of_the_day_turns_over_daily_and_survives_no_cards() {
        let scanner = crate::scam::Scanner::builtin().unwrap();
        let day: chrono::NaiveDate = "2026-11-27".parse().unwrap();
        let today = card_of_the_day(scanner.tips(), day).unwrap();
        let tomorrow = card_of_the_day(scanner.tips(), day.succ_opt().unwrap()).unwrap();
        assert_ne!(today.title, tomorrow.title);
        assert!(card_of_the_day(&[], day).is_none());
        let html = card_html(today);
        assert!(html.starts_with("🛡️ <b>防骗提示："), "{html}");
    }
}
