//! The per-user flood guard: more than [`MAX_QUESTIONS`] questions within [`WINDOW`] earns one
//! polite notice, then silence for [`SILENCE`], so nobody can make the bot flood a chat.

use std::collections::{HashMap, VecDeque};
use std::sync::Mutex;
use std::time::{Duration, Instant};

use crate::sync::unpoisoned;

/// Questions allowed per user within [`WINDOW`].
pub const MAX_QUESTIONS: usize = 10;
/// The sliding window questions are counted in.
pub const WINDOW: Duration = Duration::from_secs(30);
/// How long a flooding user is ignored after the notice.
pub const SILENCE: Duration = Duration::from_secs(60);
/// Above this many tracked users, idle ones are forgotten.
const TRACKED_USERS: usize = 10_000;

/// What to do with a user's question.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum FloodVerdict {
    Answer,
    /// Over the limit for the first time: send the notice, then stay silent.
    Notify,
    Ignore,
}

#[derive(Debug, Default)]
struct UserActivity {
    recent: VecDeque<Instant>,
    silent_until: Option<Instant>,
}

/// Counts questions per user. Shared by all handlers.
#[derive(Debug, Default)]
pub struct FloodGuard {
    users: Mutex<HashMap<u64, UserActivity>>,
}

impl FloodGuard {
    /// Counts a question from `user` at `now` and says what to do with it.
    pub fn check(&self, user: u64, now: Instant) -> FloodVerdict {
        let mut users = unpoisoned(&self.users);
        if users.len() > TRACKED_USERS {
            users.retain(|_, activity| {
                activity
                    .recent
                    .back()
                    .is_some_and(|&t| now.duration_since(t) < WINDOW)
                    || activity.silent_until.is_some_and(|t| t > now)
            });
        }
        let activity = users.entry(user).or_default();
        if let Some(until) = activity.silent_until {
            if now < until {
                return FloodVerdict::Ignore;
            }
            activity.silent_until = None;
            activity.recent.clear();
        }
        while activity
            .recent
            .front()
            .is_some_and(|&t| now.duration_since(t) >= WINDOW)
        {
            activity.recent.pop_front();
        }
        activity.recent.push_back(now);
        if activity.recent.len() > MAX_QUESTIONS {
            activity.silent_until = Some(now + SILENCE);
            FloodVerdict::Notify
        } else {
            FloodVerdict::Answer
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn eleventh_question_in_the_window_gets_the_notice_then_silence() {
        let guard = FloodGuard::default();
        let start = Instant::now();
        let at = |ms: u64| start + Duration::from_millis(ms);
        for i in 0..MAX_QUESTIONS as u64 {
            assert_eq!(guard.check(1, at(i * 100)), FloodVerdict::Answer);
        }
        assert_eq!(
            guard.check(2, at(1_000)),
            FloodVerdict::Answer,
            "others unaffected"
        );
        assert_eq!(guard.check(1, at(1_100)), FloodVerdict::Notify);
        assert_eq!(guard.check(1, at(1_200)), FloodVerdict::Ignore);
        let after_silence = 1_100 + SILENCE.as_millis() as u64;
        assert_eq!(guard.check(1, at(after_silence)), FloodVerdict::Answer);
    }

    #[test]
    fn questions_spread_over_time_are_always_answered() {
        let guard = FloodGuard::default();
        let start = Instant::now();
        for i in 0..100u64 {
            let now = start + Duration::from_secs(i * 4);
            assert_eq!(guard.check(7, now), FloodVerdict::Answer);
        }
    }
}
