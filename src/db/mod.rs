//! The bot's database: opening it (SQLite or PostgreSQL) and bringing its schema up to date.
//! What is kept lives in the submodules: [`feedback`] (questions asked and the 👍/👎 votes, for
//! the maintainers' report) and [`chat_settings`] (auto-warn opt-ins and daily card
//! subscriptions).
//!
//! Runs on SQLite (a file under `DATA_DIR`, the default) or PostgreSQL (`DATABASE_URL`, so bot
//! replicas can share one database) through sqlx's `Any` driver, with runtime queries in the SQL
//! both understand. People are never stored: a user id is kept only as a salted hash, the salt
//! generated once and kept in the database itself. The schema grows by appending to
//! [`MIGRATIONS`]; each database records which versions it has applied.

pub mod chat_settings;
pub mod feedback;

use std::fmt;
use std::path::{Path, PathBuf};

use chrono::Utc;
use sha2::{Digest, Sha256};
use sqlx::any::{AnyPoolOptions, install_default_drivers};
use sqlx::{AnyPool, Row};

/// The SQLite file the bot keeps under `DATA_DIR`.
pub const SQLITE_FILE: &str = "fanzha-bot.sqlite3";

/// Why the database could not do something.
#[derive(Debug, thiserror::Error)]
pub enum DatabaseError {
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

/// The database, shared by all handlers (the pool is internally reference-counted).
#[derive(Clone)]
pub struct Database {
    pool: AnyPool,
    salt: String,
}

impl fmt::Debug for Database {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        // Neither the salt nor the URL (it may hold a password) is shown.
        f.debug_struct("Database").finish_non_exhaustive()
    }
}

impl Database {
    /// Opens `database_url` if given, else the SQLite file under `data_dir` (created if needed).
    pub async fn open(
        data_dir: &Path,
        database_url: Option<&str>,
    ) -> Result<Database, DatabaseError> {
        match database_url {
            Some(url) => Database::open_url(url).await,
            None => {
                std::fs::create_dir_all(data_dir).map_err(|source| DatabaseError::DataDir {
                    path: data_dir.to_path_buf(),
                    source,
                })?;
                let file = std::path::absolute(data_dir.join(SQLITE_FILE)).map_err(|source| {
                    DatabaseError::DataDir {
                        path: data_dir.to_path_buf(),
                        source,
                    }
                })?;
                Database::open_url(&format!("sqlite://{}?mode=rwc", file.display())).await
            }
        }
    }

    /// Opens a database by URL (`sqlite://…` or `postgres://…`) and brings its schema up to date.
    pub async fn open_url(url: &str) -> Result<Database, DatabaseError> {
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
            .map_err(|source| DatabaseError::Open { backend, source })?;
        migrate(&pool).await?;
        let salt = load_or_create_salt(&pool).await?;
        Ok(Database { pool, salt })
    }

    /// The salted hash a user id is stored as.
    pub fn user_hash(&self, user: u64) -> String {
        let digest = Sha256::new()
            .chain_update(self.salt.as_bytes())
            .chain_update(user.to_le_bytes())
            .finalize();
        digest[..16].iter().map(|b| format!("{b:02x}")).collect()
    }

    /// Closes the pool, waiting for queries in flight.
    pub async fn close(&self) {
        self.pool.close().await;
    }
}

async fn migrate(pool: &AnyPool) -> Result<(), DatabaseError> {
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
        let failed = |source| DatabaseError::Migration {
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

async fn load_or_create_salt(pool: &AnyPool) -> Result<String, DatabaseError> {
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

#[cfg(test)]
pub(crate) mod tests {
    use super::*;

    /// A database in a new temporary folder (removed when the folder handle drops).
    pub(crate) async fn temp_database() -> (tempfile::TempDir, Database) {
        let dir = tempfile::tempdir().unwrap();
        let store = Database::open(&dir.path().join("data"), None)
            .await
            .unwrap();
        (dir, store)
    }

    #[tokio::test]
    async fn reopening_keeps_salt_and_does_not_migrate_twice() {
        let (dir, store) = temp_database().await;
        let hash = store.user_hash(42);
        assert_ne!(hash, store.user_hash(43));
        // A salted digest, not the id itself (a hex digest may contain "42" by chance).
        assert!(
            hash.len() >= 16 && hash.chars().all(|c| c.is_ascii_hexdigit()),
            "{hash}"
        );
        store.close().await;
        let reopened = Database::open(&dir.path().join("data"), None)
            .await
            .unwrap();
        assert_eq!(reopened.user_hash(42), hash);
    }
}
