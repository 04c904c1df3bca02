//! Per-chat settings of scam warnings: which groups opted in to auto-warn (and when each was
//! last warned, for the cooldown), and which chats get the daily warning card, at what time, and
//! the last day one was delivered — so a restart, or a second replica, never sends twice.

use chrono::{DateTime, NaiveDate, Utc};
use sqlx::Row;

use super::{Database, DatabaseError};

impl Database {
    /// Turns a group's auto-warn on or off.
    pub async fn set_autowarn(&self, chat: i64, enabled: bool) -> Result<(), DatabaseError> {
        let query = if enabled {
            sqlx::query(
                "INSERT INTO autowarn_chats (chat_id, enabled_at) VALUES ($1, $2)
                 ON CONFLICT (chat_id) DO NOTHING",
            )
            .bind(chat)
            .bind(Utc::now().timestamp())
        } else {
            sqlx::query("DELETE FROM autowarn_chats WHERE chat_id = $1").bind(chat)
        };
        query.execute(&self.pool).await?;
        Ok(())
    }

    /// Whether a group opted in to auto-warn (off unless turned on).
    pub async fn autowarn_enabled(&self, chat: i64) -> Result<bool, DatabaseError> {
        let row = sqlx::query("SELECT chat_id FROM autowarn_chats WHERE chat_id = $1")
            .bind(chat)
            .fetch_optional(&self.pool)
            .await?;
        Ok(row.is_some())
    }

    /// Claims an unprompted auto-warn reply for a group: true for exactly one caller when the
    /// group opted in and was not warned within `cooldown` before `now` (the time is kept in the
    /// database, so the cooldown survives restarts and holds across replicas sharing it).
    pub async fn claim_autowarn(
        &self,
        chat: i64,
        now: DateTime<Utc>,
        cooldown: std::time::Duration,
    ) -> Result<bool, DatabaseError> {
        let cooldown = i64::try_from(cooldown.as_secs()).unwrap_or(i64::MAX);
        let claimed = sqlx::query(
            "UPDATE autowarn_chats SET last_warned_at = $1
             WHERE chat_id = $2 AND (last_warned_at IS NULL OR last_warned_at <= $3)",
        )
        .bind(now.timestamp())
        .bind(chat)
        .bind(now.timestamp().saturating_sub(cooldown))
        .execute(&self.pool)
        .await?;
        Ok(claimed.rows_affected() == 1)
    }

    /// Subscribes a chat to the daily card, or changes its time (replacing the old subscription).
    pub async fn subscribe(&self, subscription: &TipSubscription) -> Result<(), DatabaseError> {
        sqlx::query(
            "INSERT INTO tip_subscriptions (chat_id, thread_id, minute_of_day, last_delivered)
             VALUES ($1, $2, $3, $4)
             ON CONFLICT (chat_id) DO UPDATE SET thread_id = excluded.thread_id,
                minute_of_day = excluded.minute_of_day, last_delivered = excluded.last_delivered",
        )
        .bind(subscription.chat)
        .bind(subscription.thread)
        .bind(i64::from(subscription.minute_of_day))
        .bind(subscription.last_delivered.map(|day| day.to_string()))
        .execute(&self.pool)
        .await?;
        Ok(())
    }

    /// Ends a chat's subscription; false when it had none.
    pub async fn unsubscribe(&self, chat: i64) -> Result<bool, DatabaseError> {
        let done = sqlx::query("DELETE FROM tip_subscriptions WHERE chat_id = $1")
            .bind(chat)
            .execute(&self.pool)
            .await?;
        Ok(done.rows_affected() > 0)
    }

    /// A chat's subscription, if it has one.
    pub async fn subscription(&self, chat: i64) -> Result<Option<TipSubscription>, DatabaseError> {
        let row = sqlx::query(
            "SELECT chat_id, thread_id, minute_of_day, last_delivered FROM tip_subscriptions
             WHERE chat_id = $1",
        )
        .bind(chat)
        .fetch_optional(&self.pool)
        .await?;
        Ok(row.as_ref().map(subscription_from_row).transpose()?)
    }

    /// Subscriptions whose time of day has come on `today` (local date) and that have not had
    /// today's card yet.
    pub async fn due_subscriptions(
        &self,
        today: NaiveDate,
        minute_of_day: u16,
    ) -> Result<Vec<TipSubscription>, DatabaseError> {
        let rows = sqlx::query(
            "SELECT chat_id, thread_id, minute_of_day, last_delivered FROM tip_subscriptions
             WHERE minute_of_day <= $1 AND (last_delivered IS NULL OR last_delivered <> $2)
             ORDER BY chat_id",
        )
        .bind(i64::from(minute_of_day))
        .bind(today.to_string())
        .fetch_all(&self.pool)
        .await?;
        Ok(rows
            .iter()
            .map(subscription_from_row)
            .collect::<Result<_, _>>()?)
    }

    /// Claims today's delivery for a chat: true for exactly one caller per chat and day (also
    /// across replicas sharing the database), who then sends the card.
    pub async fn claim_delivery(&self, chat: i64, today: NaiveDate) -> Result<bool, DatabaseError> {
        let claimed = sqlx::query(
            "UPDATE tip_subscriptions SET last_delivered = $1
             WHERE chat_id = $2 AND (last_delivered IS NULL OR last_delivered <> $1)",
        )
        .bind(today.to_string())
        .bind(chat)
        .execute(&self.pool)
        .await?;
        Ok(claimed.rows_affected() == 1)
    }

    /// Gives back a claim whose card could not be sent (a transient failure): the chat's
    /// delivery goes back to `previous`, so the next round tries again.
    pub async fn release_delivery(
        &self,
        chat: i64,
        today: NaiveDate,
        previous: Option<NaiveDate>,
    ) -> Result<(), DatabaseError> {
        sqlx::query(
            "UPDATE tip_subscriptions SET last_delivered = $1 WHERE chat_id = $2 AND last_delivered = $3",
        )
        .bind(previous.map(|day| day.to_string()))
        .bind(chat)
        .bind(today.to_string())
        .execute(&self.pool)
        .await?;
        Ok(())
    }
}

/// A chat's daily warning card.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TipSubscription {
    pub chat: i64,
    /// The forum topic to post in, if the chat subscribed from one.
    pub thread: Option<i32>,
    /// When to deliver, in minutes after local midnight (China time).
    pub minute_of_day: u16,
    /// The last local date a card was delivered.
    pub last_delivered: Option<NaiveDate>,
}

fn subscription_from_row(row: &sqlx::any::AnyRow) -> Result<TipSubscription, sqlx::Error> {
    let minute: i64 = row.try_get(2)?;
    let thread: Option<i64> = row.try_get(1)?;
    let last: Option<String> = row.try_get(3)?;
    Ok(TipSubscription {
        chat: row.try_get(0)?,
        thread: thread.and_then(|t| i32::try_from(t).ok()),
        minute_of_day: u16::try_from(minute).unwrap_or(0),
        // A date the bot did not write reads as "never delivered".
        last_delivered: last.and_then(|day| day.parse().ok()),
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::db::tests::{TestStore, test_stores};

    #[tokio::test]
    async fn autowarn_is_off_by_default_and_toggles() {
        for backend in test_stores("autowarn_is_off_by_default_and_toggles").await {
            autowarn_is_off_by_default_and_toggles_on(backend).await;
        }
    }

    async fn autowarn_is_off_by_default_and_toggles_on(backend: TestStore) {
        let store = backend.open().await;
        assert!(!store.autowarn_enabled(-5).await.unwrap());
        store.set_autowarn(-5, true).await.unwrap();
        store.set_autowarn(-5, true).await.unwrap();
        assert!(store.autowarn_enabled(-5).await.unwrap());
        assert!(!store.autowarn_enabled(-6).await.unwrap());
        store.set_autowarn(-5, false).await.unwrap();
        assert!(!store.autowarn_enabled(-5).await.unwrap());
    }

    #[tokio::test]
    async fn autowarn_is_claimed_once_per_cooldown_and_survives_reopening() {
        for backend in
            test_stores("autowarn_is_claimed_once_per_cooldown_and_survives_reopening").await
        {
            autowarn_is_claimed_once_per_cooldown_and_survives_reopening_on(backend).await;
        }
    }

    async fn autowarn_is_claimed_once_per_cooldown_and_survives_reopening_on(backend: TestStore) {
        let store = backend.open().await;
        let cooldown = std::time::Duration::from_secs(300);
        let start = Utc::now();
        let later = |secs| start + chrono::TimeDelta::seconds(secs);
        assert!(
            !store.claim_autowarn(-7, start, cooldown).await.unwrap(),
            "not opted in"
        );
        store.set_autowarn(-7, true).await.unwrap();
        store.set_autowarn(-8, true).await.unwrap();
        assert!(store.claim_autowarn(-7, start, cooldown).await.unwrap());
        assert!(
            !store
                .claim_autowarn(-7, later(299), cooldown)
                .await
                .unwrap()
        );
        assert!(
            store.claim_autowarn(-8, later(1), cooldown).await.unwrap(),
            "other chats unaffected"
        );
        store.close().await;

        let store = backend.open().await;
        assert!(
            !store
                .claim_autowarn(-7, later(299), cooldown)
                .await
                .unwrap(),
            "the cooldown survives a restart"
        );
        assert!(
            store
                .claim_autowarn(-7, later(300), cooldown)
                .await
                .unwrap()
        );
    }

    #[tokio::test]
    async fn a_subscription_is_due_once_a_day_and_survives_reopening() {
        for backend in test_stores("a_subscription_is_due_once_a_day_and_survives_reopening").await
        {
            a_subscription_is_due_once_a_day_and_survives_reopening_on(backend).await;
        }
    }

    async fn a_subscription_is_due_once_a_day_and_survives_reopening_on(backend: TestStore) {
        let store = backend.open().await;
        let day: NaiveDate = "2026-11-27".parse().unwrap();
        let subscription = TipSubscription {
            chat: -9,
            thread: Some(3),
            minute_of_day: 9 * 60,
            last_delivered: None,
        };
        store.subscribe(&subscription).await.unwrap();
        assert!(
            store
                .due_subscriptions(day, 8 * 60 + 59)
                .await
                .unwrap()
                .is_empty()
        );
        assert_eq!(
            store.due_subscriptions(day, 9 * 60).await.unwrap(),
            vec![subscription.clone()]
        );
        assert!(store.claim_delivery(-9, day).await.unwrap());
        assert!(
            !store.claim_delivery(-9, day).await.unwrap(),
            "claimed once a day"
        );
        assert!(
            store
                .due_subscriptions(day, 23 * 60)
                .await
                .unwrap()
                .is_empty()
        );
        store.close().await;

        let reopened = backend.open().await;
        let kept = reopened.subscription(-9).await.unwrap().unwrap();
        assert_eq!(kept.last_delivered, Some(day));
        let next_day = day.succ_opt().unwrap();
        assert_eq!(
            reopened
                .due_subscriptions(next_day, 9 * 60)
                .await
                .unwrap()
                .len(),
            1
        );
        assert!(reopened.unsubscribe(-9).await.unwrap());
        assert!(!reopened.unsubscribe(-9).await.unwrap());
        assert!(
            reopened
                .due_subscriptions(next_day, 9 * 60)
                .await
                .unwrap()
                .is_empty()
        );
    }
}
