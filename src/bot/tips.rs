//! Warning cards in Telegram: `/tip [topic]`, the daily card (`/subscribe [HH:MM]`,
//! `/unsubscribe`) and the scheduler that delivers it.
//!
//! Times are China time (UTC+8), whatever the server's zone. The scheduler is [`deliver_due`],
//! called each minute by [`deliver_daily`] and directly (with a fixed time) by tests. Each
//! delivery is claimed in the database before it is sent, so a restart — or a second replica —
//! never sends a chat two cards on one day.

use std::sync::Arc;
use std::time::Duration;

use chrono::{DateTime, NaiveDateTime, TimeDelta, Timelike, Utc};
use teloxide::types::{ChatId, Message, ThreadId};

use crate::bot::send::{ReplyTarget, send_html, send_text};
use crate::bot::{AppState, BotError, TelegramApi, handlers, text};
use crate::render::telegram::escape_html;
use crate::scam::TipCard;
use crate::store::TipSubscription;

/// The daily card's time when `/subscribe` names none: 09:00 China time.
pub const DEFAULT_MINUTE_OF_DAY: u16 = 9 * 60;

/// China Standard Time, UTC+8 (no daylight saving).
const CHINA_OFFSET_SECONDS: i64 = 8 * 3600;

/// How often the scheduler looks for due subscriptions.
const SCHEDULER_PERIOD: Duration = Duration::from_secs(60);

/// `now` as a date and time in China.
pub fn china_time(now: DateTime<Utc>) -> NaiveDateTime {
    let utc = now.naive_utc();
    // Only overflows at the end of chrono's calendar, which no clock reaches.
    utc.checked_add_signed(TimeDelta::seconds(CHINA_OFFSET_SECONDS))
        .unwrap_or(utc)
}

/// Minutes after midnight for `HH:MM` (also `H:MM`, `HH：MM`, `9点`); `None` when not a time.
pub fn parse_time_of_day(text: &str) -> Option<u16> {
    let text = crate::normalize::to_half_width(text.trim());
    let text = text.trim_end_matches('点');
    let (hours, minutes) = match text.split_once(':') {
        Some((hours, minutes)) => (hours, minutes),
        None => (text, "0"),
    };
    let hours: u16 = hours.trim().parse().ok()?;
    let minutes: u16 = minutes.trim().parse().ok()?;
    (hours < 24 && minutes < 60).then_some(hours * 60 + minutes)
}

/// A card as Telegram HTML.
pub fn card_html(card: &TipCard) -> String {
    let mut html = format!(
        "🛡️ <b>防骗提示：{}</b>\n{}",
        escape_html(&card.title),
        escape_html(&card.script)
    );
    if !card.red_flags.is_empty() {
        html.push_str("\n<b>识别要点：</b>");
        for flag in &card.red_flags {
            html.push_str(&format!("\n• {}", escape_html(flag)));
        }
    }
    html.push_str(&format!(
        "\n<b>怎么办：</b>{}",
        escape_html(&card.what_to_do)
    ));
    html
}

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
                text::TIP_UNKNOWN_TOPIC,
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
            None => return send_text(bot, target, text::SUBSCRIBE_USAGE).await,
        }
    };
    if !handlers::may_change_chat_settings(bot, message, target).await? {
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
    state.store.subscribe(&subscription).await?;
    let reply = format!(
        "✅ 已订阅：每天北京时间（UTC+8）{:02}:{:02} 推送一张防骗提示。发送 /unsubscribe 停止。",
        minute_of_day / 60,
        minute_of_day % 60
    );
    send_text(bot, target, &reply).await
}

/// `/unsubscribe`; group admins only in groups.
pub async fn unsubscribe_command<R: TelegramApi>(
    bot: &R,
    message: &Message,
    state: &AppState,
) -> Result<(), BotError> {
    let target = ReplyTarget::answering(message);
    if !handlers::may_change_chat_settings(bot, message, target).await? {
        return Ok(());
    }
    let reply = if state.store.unsubscribe(message.chat.id.0).await? {
        text::UNSUBSCRIBED
    } else {
        text::NOT_SUBSCRIBED
    };
    send_text(bot, target, reply).await
}

fn minute_of_day_of(time: &NaiveDateTime) -> u16 {
    // hour < 24 and minute < 60, so this fits.
    (time.hour() * 60 + time.minute()) as u16
}

/// The card of the day: the cards in turn, one per day, the same for every chat.
fn card_of_the_day(cards: &[TipCard], day: chrono::NaiveDate) -> Option<&TipCard> {
    use chrono::Datelike;
    let index = usize::try_from(day.num_days_from_ce()).unwrap_or(0);
    cards.get(index.checked_rem(cards.len())?)
}

/// Delivers today's card to every subscription that is due at `now` and has not had it yet.
/// Returns how many cards were sent. A chat that cannot be reached (the bot was removed) is
/// logged and skipped; it stays subscribed until someone unsubscribes.
pub async fn deliver_due<R: TelegramApi>(
    bot: &R,
    state: &AppState,
    now: DateTime<Utc>,
) -> Result<usize, BotError> {
    let local = china_time(now);
    let today = local.date();
    let due = state
        .store
        .due_subscriptions(today, minute_of_day_of(&local))
        .await?;
    let scanner = state.scanner.load();
    let Some(card) = card_of_the_day(scanner.tips(), today) else {
        return Ok(0);
    };
    let html = format!("{}\n{}", text::DAILY_TIP_HEADING, card_html(card));
    let mut sent = 0;
    for subscription in due {
        if !state.store.claim_delivery(subscription.chat, today).await? {
            continue; // Another replica (or an earlier run) got there first.
        }
        let target = ReplyTarget {
            chat: ChatId(subscription.chat),
            thread: subscription
                .thread
                .map(|thread| ThreadId(teloxide::types::MessageId(thread))),
            reply_to: None,
        };
        match send_html(bot, target, &html, None).await {
            Ok(_) => sent += 1,
            Err(err) => tracing::warn!(chat = subscription.chat, "daily card not delivered: {err}"),
        }
    }
    Ok(sent)
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
    fn times_of_day_parse_in_common_spellings() {
        assert_eq!(parse_time_of_day("09:00"), Some(540));
        assert_eq!(parse_time_of_day("8:30"), Some(510));
        assert_eq!(parse_time_of_day("２０：１５"), Some(20 * 60 + 15));
        assert_eq!(parse_time_of_day("7点"), Some(420));
        assert_eq!(parse_time_of_day("24:00"), None);
        assert_eq!(parse_time_of_day("9:60"), None);
        assert_eq!(parse_time_of_day("明天"), None);
        assert_eq!(parse_time_of_day(""), None);
    }

    #[test]
    fn china_time_is_utc_plus_eight() {
        let utc: DateTime<Utc> = "2026-11-27T16:30:00Z".parse().unwrap();
        let local = china_time(utc);
        assert_eq!(local.to_string(), "2026-11-28 00:30:00");
    }

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
