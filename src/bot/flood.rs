//! The reply budget: how much the bot says, per sender and per chat, before it stays silent.
//!
//! Every update the bot would reply to (a question, a command, a sticker's hint, a forwarded
//! message's verdict, a "📄 原文" press) is counted against two budgets, and a reply over either
//! is dropped, never queued:
//!
//! - per sender ([`Sender`]: a user, or the chat a message is posted as): more than
//!   [`MAX_PER_SENDER`] within [`WINDOW`] earns one polite notice, then silence for [`SILENCE`];
//! - per chat: at most what Telegram lets a bot send there in a minute ([`chat_limit`]), so
//!   teloxide's `Throttle` never holds more than a few seconds of one chat's replies, and the
//!   chat's update worker is never stuck behind its own backlog.

use std::collections::{HashMap, VecDeque};
use std::hash::Hash;
use std::sync::Mutex;
use std::time::{Duration, Instant};

use teloxide::types::{ChatId, Message};

use crate::sync::unpoisoned;

/// Replies allowed per sender within [`WINDOW`].
pub const MAX_PER_SENDER: usize = 10;
/// The sliding window a sender's replies are counted in.
pub const WINDOW: Duration = Duration::from_secs(30);
/// How long a flooding sender is ignored after the notice.
pub const SILENCE: Duration = Duration::from_secs(60);
/// The window a chat's replies are counted in.
pub const CHAT_WINDOW: Duration = Duration::from_secs(60);
/// Above this many tracked senders or chats, idle ones are forgotten.
const TRACKED: usize = 10_000;

/// Who a reply is for. Telegram sends a fixed stand-in `from` for anonymous group admins and for
/// people posting as a channel, so the chat they post as (`sender_chat`) tells them apart.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Sender {
    User(u64),
    Chat(i64),
}

impl Sender {
    /// The sender of `message`: the chat it is posted as, else its user, else its chat.
    pub fn of(message: &Message) -> Sender {
        if let Some(chat) = &message.sender_chat {
            return Sender::Chat(chat.id.0);
        }
        match &message.from {
            Some(user) => Sender::User(user.id.0),
            None => Sender::Chat(message.chat.id.0),
        }
    }
}

/// Replies Telegram allows a bot per [`CHAT_WINDOW`] in `chat` (the limits teloxide's
/// `Throttle` keeps by default): 20 in private chats and groups, 10 in supergroups and channels.
pub fn chat_limit(chat: ChatId) -> usize {
    if chat.is_channel_or_supergroup() {
        10
    } else {
        20
    }
}

/// What to do with an update the bot would reply to.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum FloodVerdict {
    Answer,
    /// The sender is over the limit for the first time: send the notice, then stay silent.
    Notify,
    /// Over a budget: drop the reply.
    Ignore,
}

/// Both budgets. Shared by all handlers.
#[derive(Debug, Default)]
pub struct FloodGuard {
    senders: Mutex<HashMap<Sender, Activity>>,
    chats: Mutex<HashMap<ChatId, Activity>>,
}

#[derive(Debug, Default)]
struct Activity {
    recent: VecDeque<Instant>,
    silent_until: Option<Instant>,
}

impl Activity {
    /// Forgets what is older than `window` before `now`; the number left.
    fn count_since(&mut self, window: Duration, now: Instant) -> usize {
        while self
            .recent
            .front()
            .is_some_and(|&t| now.duration_since(t) >= window)
        {
            self.recent.pop_front();
        }
        self.recent.len()
    }

    fn idle(&self, window: Duration, now: Instant) -> bool {
        self.recent
            .back()
            .is_none_or(|&t| now.duration_since(t) >= window)
            && self.silent_until.is_none_or(|t| t <= now)
    }
}

/// Forgets idle entries once there are more than [`TRACKED`].
fn forget_idle<K: Eq + Hash>(map: &mut HashMap<K, Activity>, window: Duration, now: Instant) {
    if map.len() > TRACKED {
        map.retain(|_, activity| !activity.idle(window, now));
    }
}

impl FloodGuard {
    /// Counts a reply to `sender` in `chat` at `now` and says whether to send it.
    pub fn check(&self, chat: ChatId, sender: Sender, now: Instant) -> FloodVerdict {
        let verdict = self.check_sender(sender, now);
        if verdict == FloodVerdict::Ignore || !self.take_chat_slot(chat, now) {
            return FloodVerdict::Ignore;
        }
        verdict
    }

    fn check_sender(&self, sender: Sender, now: Instant) -> FloodVerdict {
        let mut senders = unpoisoned(&self.senders);
        forget_idle(&mut senders, WINDOW.max(SILENCE), now);
        let activity = senders.entry(sender).or_default();
        if let Some(until) = activity.silent_until {
            if now < until {
                return FloodVerdict::Ignore;
            }
            activity.silent_until = None;
            activity.recent.clear();
        }
        activity.count_since(WINDOW, now);
        activity.recent.push_back(now);
        if activity.recent.len() > MAX_PER_SENDER {
            activity.silent_until = Some(now + SILENCE);
            FloodVerdict::Notify
        } else {
            FloodVerdict::Answer
        }
    }

    /// Takes one of `chat`'s replies for the current window, if any is left.
    fn take_chat_slot(&self, chat: ChatId, now: Instant) -> bool {
        let mut chats = unpoisoned(&self.chats);
        forget_idle(&mut chats, CHAT_WINDOW, now);
        let activity = chats.entry(chat).or_default();
        if activity.count_since(CHAT_WINDOW, now) >= chat_limit(chat) {
            return false;
        }
        activity.recent.push_back(now);
        true
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const PRIVATE: ChatId = ChatId(1);

    #[test]
    fn eleventh_reply_in_the_window_gets_the_notice_then_silence() {
        let guard = FloodGuard::default();
        let start = Instant::now();
        let at = |ms: u64| start + Duration::from_millis(ms);
        let (one, two) = (Sender::User(1), Sender::User(2));
        for i in 0..MAX_PER_SENDER as u64 {
            assert_eq!(
                guard.check(ChatId(1), one, at(i * 100)),
                FloodVerdict::Answer
            );
        }
        assert_eq!(
            guard.check(ChatId(2), two, at(1_000)),
            FloodVerdict::Answer,
            "others unaffected"
        );
        assert_eq!(guard.check(ChatId(1), one, at(1_100)), FloodVerdict::Notify);
        assert_eq!(guard.check(ChatId(1), one, at(1_200)), FloodVerdict::Ignore);
        let after_silence = 1_100 + SILENCE.as_millis() as u64;
        assert_eq!(
            guard.check(ChatId(1), one, at(after_silence)),
            FloodVerdict::Answer
        );
    }

    #[test]
    fn replies_spread_over_time_are_always_sent() {
        let guard = FloodGuard::default();
        let start = Instant::now();
        for i in 0..100u64 {
            let now = start + Duration::from_secs(i * 4);
            assert_eq!(
                guard.check(PRIVATE, Sender::User(7), now),
                FloodVerdict::Answer
            );
        }
    }

    #[test]
    fn a_chat_gets_no_more_than_telegram_allows_a_minute_whoever_asks() {
        let guard = FloodGuard::default();
        let now = Instant::now();
        for (chat, limit) in [(ChatId(-5), 20), (ChatId(-1_001_234_567_890), 10)] {
            let sent = (0..100)
                .filter(|&user| guard.check(chat, Sender::User(user), now) == FloodVerdict::Answer)
                .count();
            assert_eq!(sent, limit, "{chat}");
            let later = now + CHAT_WINDOW;
            assert_eq!(
                guard.check(chat, Sender::User(1_000), later),
                FloodVerdict::Answer
            );
        }
    }
}
