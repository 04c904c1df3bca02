//! The bot's database: questions asked (text, chat type, time, answered or not) and the 👍/👎
//! verdicts on answers, for the maintainers' feedback report.
//!
//! Runs on SQLite (a file under `DATA_DIR`, the default) or PostgreSQL (`DATABASE_URL`, so bot
//! replicas can share one database) through sqlx's `Any` driver, with runtime queries in the SQL
//! both understand. People are never stored: a user id is kept only as a salted hash, the salt
//! generated once and kept in the database itself. The schema grows by appending to
//! [`MIGRATIONS`]; each database records which versions it has applied.
//!
//! It also keeps the per-chat settings of scam warnings: which groups opted in to auto-warn, and
//! which chats get a daily warning card (at what time, and the last day one was delivered, so a
//! restart never sends twice).

use std::fmt;
use std::path::{Path, PathBuf};

use chrono::{DateTime, NaiveDate, Utc};
use sha2::{Digest, Sha256};
use sqlx::any::{AnyPoolOptions, install_default_drivers};
use sqlx::{AnyPool, Row};

/// The SQLite file the bot keeps under `DATA_DIR`.
pub const SQLITE_FILE: &str = "fanzha-bot.sqlite3";

/// Why the store could not do something.
#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    #[error("{}: cannot create the data folder: {source}", path.display())]
    DataDir {
        path: PathBuf,
        source: std::io::Error,
    },
    #[error("cannot open the {backend} database: {source}")]
    Open {
        backend: &'static str,
        source: sqlx::Error,
    },
    #[error("database migration {version} ({name}) failed: {source}")]
    Migration {
        version: i64,
        name: &'static str,
        source: sqlx::Error,
    },
    #[error("database query failed: {0}")]
    Query(#[from] sqlx::Error),
}

/// One step of the schema. Statements must run on both SQLite and PostgreSQL.
pub struct Migration {
    pub version: i64,
    pub name: &'static str,
    pub statements: &'static [&'static str],
}

/// The schema, oldest first. Never edit an applied migration: append a new one.
pub const MIGRATIONS: &[Migration] = &[
    Migration {
        version: 1,
        name: "questions, feedback and the user-hash salt",
        statements: &[
            "CREATE TABLE store_settings (key TEXT PRIMARY KEY, value TEXT NOT NULL)",
            "CREATE TABLE questions (
            id BIGINT PRIMARY KEY,
            asked_at BIGINT NOT NULL,
            chat_type TEXT NOT NULL,
            user_hash TEXT,
            question TEXT NOT NULL,
            question_key TEXT NOT NULL,
            answered BIGINT NOT NULL
        )",
            "CREATE INDEX questions_by_key ON questions (question_key)",
            "CREATE TABLE feedback (
            question_id BIGINT NOT NULL,
            user_hash TEXT NOT NULL,
            verdict BIGINT NOT NULL,
            given_at BIGINT NOT NULL,
            PRIMARY KEY (question_id, user_hash)
        )",
        ],
    },
    Migration {
        version: 2,
        name: "group auto-warn settings and daily tip subscriptions",
        statements: &[
            "CREATE TABLE autowarn_chats (chat_id BIGINT PRIMARY KEY, enabled_at BIGINT NOT NULL)",
            "CREATE TABLE tip_subscriptions (
            chat_id BIGINT PRIMARY KEY,
            thread_id BIGINT,
            minute_of_day BIGINT NOT NULL,
            last_delivered TEXT
        )",
        ],
    },
    Migration {
        version: 3,
        name: "when each auto-warn group was last warned",
        statements: &["ALTER TABLE autowarn_chats ADD COLUMN last_warned_at BIGINT"],
    },
];

/// A question as the bot received it.
#[derive(Debug, Clone)]
pub struct AskedQuestion {
    /// The id the answer's buttons refer to.
    pub id: u64,
    pub text: String,
    /// `private`, `group`, `supergroup`, `channel` or `inline`.
    pub chat_type: &'static str,
    /// Telegram user id of the asker; stored only as a salted hash.
    pub user: Option<u64>,
    pub answered: bool,
    pub asked_at: DateTime<Utc>,
}

/// A new question id: random, positive as a signed 64-bit number (how it is stored).
pub fn new_question_id() -> u64 {
    rand::random::<u64>() >> 1
}

/// The database, shared by all handlers (the pool is internally reference-counted).
#[derive(Clone)]
pub struct Store {
    pool: AnyPool,
    salt: String,
}

impl fmt::Debug for Store {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        // Neither the salt nor the URL (it may hold a password) is shown.
        f.debug_struct("Store").finish_non_exhaustive()
    }
}

impl Store {
    /// Opens `database_url` if given, else the SQLite file under `data_dir` (created if needed).
    pub async fn open(data_dir: &Path, database_url: Option<&str>) -> Result<Store, StoreError> {
        match database_url {
            Some(url) => Store::open_url(url).await,
            None => {
                std::fs::create_dir_all(data_dir).map_err(|source| StoreError::DataDir {
                    path: data_dir.to_path_buf(),
                    source,
                })?;
                let file = std::path::absolute(data_dir.join(SQLITE_FILE)).map_err(|source| {
                    StoreError::DataDir {
                        path: data_dir.to_path_buf(),
                        source,
                    }
                })?;
                Store::open_url(&format!("sqlite://{}?mode=rwc", file.display())).await
            }
        }
    }

    /// Opens a database by URL (`sqlite://…` or `postgres://…`) and brings its schema up to date.
    pub async fn open_url(url: &str) -> Result<Store, StoreError> {
        install_default_drivers();
        let backend = if url.starts_with("postgres") {
            "PostgreSQL"
        } else {
            "SQLite"
        };
        let pool = AnyPoolOptions::new()
            .max_connections(8)
            .connect(url)
            .await
            .map_err(|source| StoreError::Open { backend, source })?;
        migrate(&pool).await?;
        let salt = load_or_create_salt(&pool).await?;
        Ok(Store { pool, salt })
    }

    /// The salted hash a user id is stored as.
    pub fn user_hash(&self, user: u64) -> String {
        let digest = Sha256::new()
            .chain_update(self.salt.as_bytes())
            .chain_update(user.to_le_bytes())
            .finalize();
        digest[..16].iter().map(|b| format!("{b:02x}")).collect()
    }

    /// Stores a question.
    pub async fn record_question(&self, question: &AskedQuestion) -> Result<(), StoreError> {
        sqlx::query(
            "INSERT INTO questions (id, asked_at, chat_type, user_hash, question, question_key, answered)
             VALUES ($1, $2, $3, $4, $5, $6, $7)",
        )
        .bind(question.id as i64)
        .bind(question.asked_at.timestamp())
        .bind(question.chat_type)
        .bind(question.user.map(|user| self.user_hash(user)))
        .bind(&question.text)
        .bind(question_key(&question.text))
        .bind(i64::from(question.answered))
        .execute(&self.pool)
        .await?;
        Ok(())
    }

    /// The text of a stored question, if it exists.
    pub async fn question_text(&self, id: u64) -> Result<Option<String>, StoreError> {
        let row = sqlx::query("SELECT question FROM questions WHERE id = $1")
            .bind(id as i64)
            .fetch_optional(&self.pool)
            .await?;
        Ok(row.map(|row| row.try_get::<String, _>(0)).transpose()?)
    }

    /// Stores a user's verdict on an answer; a second vote by the same user replaces the first.
    pub async fn record_vote(
        &self,
        question: u64,
        user: u64,
        helpful: bool,
    ) -> Result<(), StoreError> {
        sqlx::query(
            "INSERT INTO feedback (question_id, user_hash, verdict, given_at) VALUES ($1, $2, $3, $4)
             ON CONFLICT (question_id, user_hash)
             DO UPDATE SET verdict = excluded.verdict, given_at = excluded.given_at",
        )
        .bind(question as i64)
        .bind(self.user_hash(user))
        .bind(if helpful { 1_i64 } else { -1_i64 })
        .bind(Utc::now().timestamp())
        .execute(&self.pool)
        .await?;
        Ok(())
    }

    /// The maintainers' report: the `limit` most asked, unanswered and down-voted questions.
    pub async fn report(&self, limit: usize) -> Result<FeedbackReport, StoreError> {
        let limit = i64::try_from(limit).unwrap_or(i64::MAX);
        let counted = |sql: &'static str| {
            let pool = self.pool.clone();
            async move {
                let rows = sqlx::query(sql).bind(limit).fetch_all(&pool).await?;
                rows.iter()
                    .map(|row| {
                        Ok(QuestionCount {
                            question: row.try_get(0)?,
                            count: row.try_get(1)?,
                        })
                    })
                    .collect::<Result<Vec<_>, sqlx::Error>>()
            }
        };
        let most_asked = counted(
            "SELECT MIN(question), COUNT(*) AS asked FROM questions
             GROUP BY question_key ORDER BY asked DESC, MIN(question) LIMIT $1",
        )
        .await?;
        let unanswered = counted(
            "SELECT MIN(question), COUNT(*) AS asked FROM questions WHERE answered = 0
             GROUP BY question_key ORDER BY asked DESC, MIN(question) LIMIT $1",
        )
        .await?;
        let rows = sqlx::query(
            "SELECT MIN(q.question),
                    COUNT(CASE WHEN f.verdict < 0 THEN 1 END) AS down,
                    COUNT(CASE WHEN f.verdict > 0 THEN 1 END) AS up
             FROM feedback f JOIN questions q ON q.id = f.question_id
             GROUP BY q.question_key
             HAVING COUNT(CASE WHEN f.verdict < 0 THEN 1 END) > 0
             ORDER BY down DESC, MIN(q.question) LIMIT $1",
        )
        .bind(limit)
        .fetch_all(&self.pool)
        .await?;
        let down_voted = rows
            .iter()
            .map(|row| {
                Ok(VotedQuestion {
                    question: row.try_get(0)?,
                    down: row.try_get(1)?,
                    up: row.try_get(2)?,
                })
            })
            .collect::<Result<Vec<_>, sqlx::Error>>()?;
        let totals =
            sqlx::query("SELECT COUNT(*), COUNT(CASE WHEN answered = 0 THEN 1 END) FROM questions")
                .fetch_one(&self.pool)
                .await?;
        Ok(FeedbackReport {
            questions: totals.try_get(0)?,
            unanswered_questions: totals.try_get(1)?,
            most_asked,
            unanswered,
            down_voted,
        })
    }

    /// Questions asked since `since`: (answered, unanswered).
    pub async fn questions_since(&self, since: DateTime<Utc>) -> Result<(i64, i64), StoreError> {
        let row = sqlx::query(
            "SELECT COUNT(CASE WHEN answered <> 0 THEN 1 END), COUNT(CASE WHEN answered = 0 THEN 1 END)
             FROM questions WHERE asked_at >= $1",
        )
        .bind(since.timestamp())
        .fetch_one(&self.pool)
        .await?;
        Ok((row.try_get(0)?, row.try_get(1)?))
    }

    /// Turns a group's auto-warn on or off.
    pub async fn set_autowarn(&self, chat: i64, enabled: bool) -> Result<(), StoreError> {
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
    pub async fn autowarn_enabled(&self, chat: i64) -> Result<bool, StoreError> {
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
    ) -> Result<bool, StoreError> {
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
    pub async fn subscribe(&self, subscription: &TipSubscription) -> Result<(), StoreError> {
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
    pub async fn unsubscribe(&self, chat: i64) -> Result<bool, StoreError> {
        let done = sqlx::query("DELETE FROM tip_subscriptions WHERE chat_id = $1")
            .bind(chat)
            .execute(&self.pool)
            .await?;
        Ok(done.rows_affected() > 0)
    }

    /// A chat's subscription, if it has one.
    pub async fn subscription(&self, chat: i64) -> Result<Option<TipSubscription>, StoreError> {
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
    ) -> Result<Vec<TipSubscription>, StoreError> {
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
    pub async fn claim_delivery(&self, chat: i64, today: NaiveDate) -> Result<bool, StoreError> {
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

    /// Closes the pool, waiting for queries in flight.
    pub async fn close(&self) {
        self.pool.close().await;
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

/// How questions are grouped in the report: case, width and spacing ignored.
fn question_key(text: &str) -> String {
    crate::normalize::to_half_width(text)
        .to_lowercase()
        .split_whitespace()
        .collect::<Vec<_>>()
        .join(" ")
}

async fn migrate(pool: &AnyPool) -> Result<(), StoreError> {
    sqlx::query(
        "CREATE TABLE IF NOT EXISTS schema_migrations (version BIGINT PRIMARY KEY, applied_at BIGINT NOT NULL)",
    )
    .execute(pool)
    .await?;
    let applied: Vec<i64> = sqlx::query("SELECT version FROM schema_migrations")
        .fetch_all(pool)
        .await?
        .iter()
        .map(|row| row.try_get(0))
        .collect::<Result<_, _>>()?;
    for migration in MIGRATIONS {
        if applied.contains(&migration.version) {
            continue;
        }
        let failed = |source| StoreError::Migration {
            version: migration.version,
            name: migration.name,
            source,
        };
        let mut transaction = pool.begin().await.map_err(failed)?;
        for statement in migration.statements {
            sqlx::query(statement)
                .execute(&mut *transaction)
                .await
                .map_err(failed)?;
        }
        sqlx::query("INSERT INTO schema_migrations (version, applied_at) VALUES ($1, $2)")
            .bind(migration.version)
            .bind(Utc::now().timestamp())
            .execute(&mut *transaction)
            .await
            .map_err(failed)?;
        transaction.commit().await.map_err(failed)?;
    }
    Ok(())
}

async fn load_or_create_salt(pool: &AnyPool) -> Result<String, StoreError> {
    let fresh: String = (0..32)
        .map(|_| format!("{:02x}", rand::random::<u8>()))
        .collect();
    // Whoever inserts first wins; every replica then reads the same salt.
    sqlx::query(
        "INSERT INTO store_settings (key, value) VALUES ('user_hash_salt', $1) ON CONFLICT (key) DO NOTHING",
    )
    .bind(fresh)
    .execute(pool)
    .await?;
    let row = sqlx::query("SELECT value FROM store_settings WHERE key = 'user_hash_salt'")
        .fetch_one(pool)
        .await?;
    Ok(row.try_get(0)?)
}

/// A question and how often it was asked.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct QuestionCount {
    pub question: String,
    pub count: i64,
}

/// A question and the verdicts on its answers.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct VotedQuestion {
    pub question: String,
    pub down: i64,
    pub up: i64,
}

/// What `fanzha-bot feedback` prints.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FeedbackReport {
    pub questions: i64,
    pub unanswered_questions: i64,
    pub most_asked: Vec<QuestionCount>,
    pub unanswered: Vec<QuestionCount>,
    pub down_voted: Vec<VotedQuestion>,
}

impl fmt::Display for FeedbackReport {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        writeln!(
            f,
            "{} questions asked, {} unanswered",
            self.questions, self.unanswered_questions
        )?;
        let section = |f: &mut fmt::Formatter<'_>, title: &str, lines: Vec<String>| {
            writeln!(f, "\n{title}:")?;
            if lines.is_empty() {
                writeln!(f, "  (none)")?;
            }
            for line in lines {
                writeln!(f, "  {line}")?;
            }
            Ok(())
        };
        let counts = |list: &[QuestionCount]| {
            list.iter()
                .map(|q| format!("{:>4}× {}", q.count, one_line(&q.question)))
                .collect()
        };
        section(f, "most asked", counts(&self.most_asked))?;
        section(f, "unanswered", counts(&self.unanswered))?;
        section(
            f,
            "down-voted",
            self.down_voted
                .iter()
                .map(|q| format!("{:>4}👎 {:>3}👍 {}", q.down, q.up, one_line(&q.question)))
                .collect(),
        )
    }
}

/// A question on one line, control characters shown as spaces, at most 80 characters.
fn one_line(text: &str) -> String {
    let clean: String = text
        .chars()
        .map(|c| if c.is_control() { ' ' } else { c })
        .collect();
    crate::render::quote(clean.trim(), 80)
}

#[cfg(test)]
mod tests {
    use super::*;

    async fn temp_store() -> (tempfile::TempDir, Store) {
        let dir = tempfile::tempdir().unwrap();
        let store = Store::open(&dir.path().join("data"), None).await.unwrap();
        (dir, store)
    }

    fn asked(text: &str, answered: bool, user: u64) -> AskedQuestion {
        AskedQuestion {
            id: new_question_id(),
            text: text.into(),
            chat_type: "private",
            user: Some(user),
            answered,
            asked_at: Utc::now(),
        }
    }

    #[tokio::test]
    async fn report_counts_asked_unanswered_and_down_voted() {
        let (_dir, store) = temp_store().await;
        let first = asked("拦截了多少涉诈电话", true, 1);
        store.record_question(&first).await.unwrap();
        store
            .record_question(&asked("拦截了多少涉诈电话 ", true, 2))
            .await
            .unwrap();
        store
            .record_question(&asked("天气怎么样", false, 3))
            .await
            .unwrap();
        store.record_vote(first.id, 1, true).await.unwrap();
        store.record_vote(first.id, 1, false).await.unwrap(); // changes the vote
        store.record_vote(first.id, 2, false).await.unwrap();

        let report = store.report(10).await.unwrap();
        assert_eq!((report.questions, report.unanswered_questions), (3, 1));
        let hour = chrono::TimeDelta::hours(1);
        assert_eq!(
            store.questions_since(Utc::now() - hour).await.unwrap(),
            (2, 1)
        );
        assert_eq!(
            store.questions_since(Utc::now() + hour).await.unwrap(),
            (0, 0)
        );
        assert_eq!(report.most_asked[0].count, 2);
        assert_eq!(report.unanswered[0].question, "天气怎么样");
        assert_eq!(report.down_voted[0].down, 2);
        assert_eq!(report.down_voted[0].up, 0);
        let printed = report.to_string();
        assert!(printed.contains("   2× 拦截了多少涉诈电话"), "{printed}");
        assert!(printed.contains("   1× 天气怎么样"), "{printed}");
        assert_eq!(
            store.question_text(first.id).await.unwrap().as_deref(),
            Some("拦截了多少涉诈电话")
        );
        assert_eq!(store.question_text(1).await.unwrap(), None);
    }

    #[tokio::test]
    async fn autowarn_is_off_by_default_and_toggles() {
        let (_dir, store) = temp_store().await;
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
        let (dir, store) = temp_store().await;
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

        let store = Store::open(&dir.path().join("data"), None).await.unwrap();
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
        let (dir, store) = temp_store().await;
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

        let reopened = Store::open(&dir.path().join("data"), None).await.unwrap();
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

    #[tokio::test]
    async fn reopening_keeps_salt_and_does_not_migrate_twice() {
        let (dir, store) = temp_store().await;
        let hash = store.user_hash(42);
        assert_ne!(hash, store.user_hash(43));
        // A salted digest, not the id itself (a hex digest may contain "42" by chance).
        assert!(
            hash.len() >= 16 && hash.chars().all(|c| c.is_ascii_hexdigit()),
            "{hash}"
        );
        store.close().await;
        let reopened = Store::open(&dir.path().join("data"), None).await.unwrap();
        assert_eq!(reopened.user_hash(42), hash);
    }
}
