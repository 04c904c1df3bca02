//! The bot's database: opening it (SQLite or PostgreSQL) and bringing its schema up to date.
//! What is kept lives in the submodules: [`feedback`] (questions asked and the 👍/👎 votes, for
//! the maintainers' report) and [`chat_settings`] (auto-warn opt-ins and daily card
//! subscriptions).
//!
//! Runs on SQLite (a file under `DATA_DIR`, the default) or PostgreSQL (`DATABASE_URL`, so bot
//! replicas can share one database) through sqlx's `Any` driver, with runtime queries in the SQL
//! both understand. People are never stored: questions say nothing of who asked (migration 4
//! forgot what older versions kept), and a vote keeps its voter only as a keyed hash (HMAC) whose
//! key is not in the database ([`vote_key`]; migration 5 forgot the salt older versions kept
//! there, so their hashes can no longer be traced to a user either). The schema grows by appending to
//! [`MIGRATIONS`]; each database records which versions it has applied.

pub mod chat_settings;
pub mod feedback;
pub mod vote_key;

#[doc(hidden)]
pub mod testing;

use std::fmt;
use std::path::{Path, PathBuf};
use std::time::Duration;

use chrono::Utc;
use sqlx::any::{AnyPoolOptions, install_default_drivers};
use sqlx::sqlite::SqliteConnectOptions;
use sqlx::{AnyConnection, AnyPool, ConnectOptions, Connection, Executor, Row};

use self::vote_key::{VoteKey, VoteKeyError};

/// The SQLite file the bot keeps under `DATA_DIR`.
pub const SQLITE_FILE: &str = "fanzha-bot.sqlite3";

/// How long a query waits for a free connection before it fails (sqlx waits 30 s by default).
pub const ACQUIRE_TIMEOUT: Duration = Duration::from_secs(3);

/// How long one statement may run on PostgreSQL before the server cancels it.
pub const STATEMENT_TIMEOUT: Duration = Duration::from_secs(5);

/// The PostgreSQL advisory lock held while migrating ("fanzha" in ASCII), so replicas started
/// together on an empty database migrate one after the other.
const MIGRATION_LOCK: i64 = 0x6661_6e7a_6861;

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
    #[error(transparent)]
    VoteKey(#[from] VoteKeyError),
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
    Migration {
        version: 4,
        name: "questions no longer say who asked",
        statements: &["UPDATE questions SET user_hash = NULL"],
    },
    Migration {
        version: 5,
        name: "the vote salt leaves the database (votes are hashed with a key kept outside it)",
        statements: &["DELETE FROM store_settings WHERE key = 'user_hash_salt'"],
    },
];

/// The database, shared by all handlers (the pool is internally reference-counted).
#[derive(Clone)]
pub struct Database {
    pool: AnyPool,
    vote_key: VoteKey,
}

impl fmt::Debug for Database {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        // Neither the vote key nor the URL (it may hold a password) is shown.
        f.debug_struct("Database").finish_non_exhaustive()
    }
}

impl Database {
    /// Opens `database_url` if given, else the SQLite file under `data_dir` (created if needed),
    /// with the vote key kept in `data_dir` ([`VoteKey::in_data_dir`]).
    pub async fn open(
        data_dir: &Path,
        database_url: Option<&str>,
    ) -> Result<Database, DatabaseError> {
        Database::open_with_key(data_dir, database_url, None).await
    }

    /// [`Database::open`] with the vote key `VOTE_KEY` when given, else the one in `data_dir`.
    pub async fn open_with_key(
        data_dir: &Path,
        database_url: Option<&str>,
        vote_key: Option<VoteKey>,
    ) -> Result<Database, DatabaseError> {
        let vote_key = match vote_key {
            Some(key) => key,
            None => VoteKey::in_data_dir(data_dir)?,
        };
        let database = match database_url {
            Some(url) => Database::open_url(url).await?,
            None => {
                let data_dir_error = |source| DatabaseError::DataDir {
                    path: data_dir.to_path_buf(),
                    source,
                };
                std::fs::create_dir_all(data_dir).map_err(data_dir_error)?;
                let file =
                    std::path::absolute(data_dir.join(SQLITE_FILE)).map_err(data_dir_error)?;
                // The driver decodes `%xx` in the file name it is given back.
                if file.as_os_str().as_encoded_bytes().contains(&b'%') {
                    return Err(data_dir_error(std::io::Error::other(
                        "a `%` in the path cannot be opened by the SQLite driver: choose a DATA_DIR without one",
                    )));
                }
                // The connect options encode the file name (a `#` or `?` in DATA_DIR is part
                // of it, not the start of the URL's fragment or query).
                let options = SqliteConnectOptions::new()
                    .filename(&file)
                    .create_if_missing(true);
                Database::open_url(options.to_url_lossy().as_str()).await?
            }
        };
        Ok(Database {
            vote_key,
            ..database
        })
    }

    /// Opens a database by URL (`sqlite://…` or `postgres://…`) and brings its schema up to date.
    /// Votes are hashed with a key of this process only ([`VoteKey::random`]): use
    /// [`Database::open_with_key`] to deduplicate them across restarts.
    pub async fn open_url(url: &str) -> Result<Database, DatabaseError> {
        install_default_drivers();
        let backend = if url.starts_with("postgres") {
            "PostgreSQL"
        } else {
            "SQLite"
        };
        let postgres = backend == "PostgreSQL";
        let open_error = |source| DatabaseError::Open { backend, source };
        migrate(url, postgres).await?;
        let pool = AnyPoolOptions::new()
            .max_connections(8)
            .acquire_timeout(ACQUIRE_TIMEOUT)
            .after_connect(move |connection, _| {
                Box::pin(async move {
                    if postgres {
                        let timeout = STATEMENT_TIMEOUT.as_millis();
                        connection
                            .execute(format!("SET statement_timeout = {timeout}").as_str())
                            .await?;
                    }
                    Ok(())
                })
            })
            .connect(url)
            .await
            .map_err(open_error)?;
        Ok(Database {
            pool,
            vote_key: VoteKey::random(),
        })
    }

    /// The keyed hash a voter is stored as.
    pub fn user_hash(&self, user: u64) -> String {
        self.vote_key.voter_hash(user)
    }

    /// Closes the pool, waiting for queries in flight.
    pub async fn close(&self) {
        self.pool.close().await;
    }
}

/// Brings the schema up to date on a connection of its own, holding the database's write lock
/// throughout: PostgreSQL's advisory lock [`MIGRATION_LOCK`], SQLite's `BEGIN IMMEDIATE`. Two
/// processes started together then migrate one after the other, and the second finds nothing
/// left to do.
async fn migrate(url: &str, postgres: bool) -> Result<(), DatabaseError> {
    let backend = if postgres { "PostgreSQL" } else { "SQLite" };
    let mut connection = AnyConnection::connect(url)
        .await
        .map_err(|source| DatabaseError::Open { backend, source })?;
    let migrated = if postgres {
        // `pg_advisory_lock` returns `void`, which the `Any` driver cannot read: select a row.
        sqlx::query("SELECT 1 FROM (SELECT pg_advisory_lock($1)) AS locked")
            .bind(MIGRATION_LOCK)
            .execute(&mut connection)
            .await?;
        let migrated = apply_migrations(&mut connection, true).await;
        // After a failure the session may be unusable; closing it releases the lock anyway.
        let unlocked = sqlx::query("SELECT 1 FROM (SELECT pg_advisory_unlock($1)) AS unlocked")
            .bind(MIGRATION_LOCK)
            .execute(&mut connection)
            .await;
        migrated.and(unlocked.map(drop).map_err(Into::into))
    } else {
        connection.execute("BEGIN IMMEDIATE").await?;
        match apply_migrations(&mut connection, false).await {
            Ok(()) => connection
                .execute("COMMIT")
                .await
                .map(drop)
                .map_err(Into::into),
            Err(err) => {
                let _ = connection.execute("ROLLBACK").await;
                Err(err)
            }
        }
    };
    let _ = connection.close().await;
    migrated
}

/// Applies the migrations `connection`'s database lacks; each in a transaction of its own when
/// `per_migration_transactions` (else the caller's transaction holds them all).
async fn apply_migrations(
    connection: &mut AnyConnection,
    per_migration_transactions: bool,
) -> Result<(), DatabaseError> {
    connection
        .execute(
            "CREATE TABLE IF NOT EXISTS schema_migrations (version BIGINT PRIMARY KEY, applied_at BIGINT NOT NULL)",
        )
        .await?;
    let applied: Vec<i64> = sqlx::query("SELECT version FROM schema_migrations")
        .fetch_all(&mut *connection)
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
        if per_migration_transactions {
            connection.execute("BEGIN").await.map_err(failed)?;
        }
        for statement in migration.statements {
            connection.execute(*statement).await.map_err(failed)?;
        }
        sqlx::query("INSERT INTO schema_migrations (version, applied_at) VALUES ($1, $2)")
            .bind(migration.version)
            .bind(Utc::now().timestamp())
            .execute(&mut *connection)
            .await
            .map_err(failed)?;
        if per_migration_transactions {
            connection.execute("COMMIT").await.map_err(failed)?;
        }
    }
    Ok(())
}

#[cfg(test)]
pub(crate) mod tests {
    use super::*;

    /// A store to run a test on: SQLite in a temporary folder, or a scratch PostgreSQL database.
    pub(crate) struct TestStore {
        dir: tempfile::TempDir,
        postgres: Option<testing::ScratchDatabase>,
    }

    impl TestStore {
        /// The PostgreSQL URL, or `None` for SQLite.
        pub(crate) fn url(&self) -> Option<&str> {
            self.postgres.as_ref().map(testing::ScratchDatabase::url)
        }

        /// Opens (or reopens) the store.
        pub(crate) async fn open(&self) -> Database {
            Database::open(&self.dir.path().join("data"), self.url())
                .await
                .unwrap()
        }
    }

    /// The one number `sql` (a `SELECT COUNT(*) …`) returns.
    pub(crate) async fn count(store: &Database, sql: &str) -> i64 {
        let row = sqlx::query(sql).fetch_one(&store.pool).await.unwrap();
        row.try_get(0).unwrap()
    }

    /// The stores `test` runs on: SQLite, and PostgreSQL when `DATABASE_URL` names a server.
    pub(crate) async fn test_stores(test: &str) -> Vec<TestStore> {
        let mut stores = vec![TestStore {
            dir: tempfile::tempdir().unwrap(),
            postgres: None,
        }];
        if let Some(postgres) = testing::scratch_postgres(test).await {
            stores.push(TestStore {
                dir: tempfile::tempdir().unwrap(),
                postgres: Some(postgres),
            });
        }
        stores
    }

    #[tokio::test]
    async fn reopening_keeps_the_vote_key_and_does_not_migrate_twice() {
        for backend in test_stores("reopening_keeps_the_vote_key").await {
            let store = backend.open().await;
            let hash = store.user_hash(42);
            assert_ne!(hash, store.user_hash(43));
            // A keyed digest, not the id itself (a hex digest may contain "42" by chance).
            assert!(
                hash.len() >= 16 && hash.chars().all(|c| c.is_ascii_hexdigit()),
                "{hash}"
            );
            store.record_vote(7, 42, true).await.unwrap();
            store.close().await;
            let store = backend.open().await;
            assert_eq!(store.user_hash(42), hash);
            store.record_vote(7, 42, false).await.unwrap();
            let votes = count(&store, "SELECT COUNT(*) FROM feedback").await;
            assert_eq!(votes, 1, "deduplicated across a restart");
            // Nothing in the database is a key: every setting stored is listed here.
            let settings = count(&store, "SELECT COUNT(*) FROM store_settings").await;
            assert_eq!(settings, 0, "no salt or key in the database");
            let other = VoteKey::from_setting(&"x".repeat(32)).unwrap();
            let data = backend.dir.path().join("data");
            let keyed = Database::open_with_key(&data, backend.url(), Some(other))
                .await
                .unwrap();
            assert_ne!(keyed.user_hash(42), hash, "VOTE_KEY replaces the key file");
        }
    }

    #[tokio::test]
    async fn an_old_salt_is_forgotten_and_old_votes_stay() {
        let dir = tempfile::tempdir().unwrap();
        let data = dir.path().join("data");
        let store = Database::open(&data, None).await.unwrap();
        // As version 4 left it: the salt in the database, a vote hashed with it.
        sqlx::query("DELETE FROM schema_migrations WHERE version = 5")
            .execute(&store.pool)
            .await
            .unwrap();
        sqlx::query("INSERT INTO store_settings (key, value) VALUES ('user_hash_salt', 'abc')")
            .execute(&store.pool)
            .await
            .unwrap();
        sqlx::query("INSERT INTO feedback (question_id, user_hash, verdict, given_at) VALUES (1, 'old', -1, 0)")
            .execute(&store.pool)
            .await
            .unwrap();
        store.close().await;
        let store = Database::open(&data, None).await.unwrap();
        let settings = count(&store, "SELECT COUNT(*) FROM store_settings").await;
        assert_eq!(settings, 0);
        assert_eq!(count(&store, "SELECT COUNT(*) FROM feedback").await, 1);
    }

    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn replicas_started_together_on_an_empty_database_both_migrate() {
        for _ in 0..3 {
            for backend in test_stores("replicas_started_together").await {
                let opened = tokio::join!(
                    backend.open(),
                    backend.open(),
                    backend.open(),
                    backend.open()
                );
                let keys = [&opened.0, &opened.1, &opened.2, &opened.3].map(|db| db.user_hash(1));
                assert!(keys.iter().all(|key| *key == keys[0]));
            }
        }
    }

    #[tokio::test]
    async fn a_data_dir_with_hash_and_question_mark_opens_the_file_inside_it() {
        let dir = tempfile::tempdir().unwrap();
        let data = dir.path().join("a#b?c");
        Database::open(&data, None).await.unwrap().close().await;
        assert!(
            data.join(SQLITE_FILE).is_file(),
            "{:?}",
            std::fs::read_dir(dir.path())
        );
        let percent = Database::open(&dir.path().join("50%"), None).await;
        assert!(
            percent
                .unwrap_err()
                .to_string()
                .contains("choose a DATA_DIR without"),
        );
    }
}
