//! Test support (not part of the bot): scratch databases on the PostgreSQL server named by
//! `DATABASE_URL`, so the store and bot tests run on PostgreSQL as well as SQLite. `.ci/run`
//! starts a server and sets `DATABASE_URL`; without it, the PostgreSQL tests say they are
//! skipped.

use sqlx::any::install_default_drivers;
use sqlx::{AnyConnection, Connection, Executor};

/// A new, empty database on `DATABASE_URL`'s server for one test, dropped again when the
/// value is dropped, so a developer's own server does not collect test databases.
#[derive(Debug)]
pub struct ScratchDatabase {
    server: String,
    name: String,
    url: String,
}

impl ScratchDatabase {
    /// The URL to open the scratch database with.
    pub fn url(&self) -> &str {
        &self.url
    }
}

impl Drop for ScratchDatabase {
    fn drop(&mut self) {
        // Drop runs inside the test's runtime, where nothing may block on async work: the
        // database is dropped on a thread with a runtime of its own, and waited for so that
        // the next test starts on a server without it. `FORCE` ends the pool connections the
        // test left open.
        let (server, name) = (self.server.clone(), self.name.clone());
        let dropped = std::thread::spawn(move || {
            let runtime = tokio::runtime::Builder::new_current_thread()
                .enable_all()
                .build()
                .map_err(|err| err.to_string())?;
            runtime.block_on(async {
                let mut connection = AnyConnection::connect(&server)
                    .await
                    .map_err(|err| err.to_string())?;
                let dropped = connection
                    .execute(format!("DROP DATABASE IF EXISTS {name} WITH (FORCE)").as_str())
                    .await
                    .map(|_| ())
                    .map_err(|err| err.to_string());
                let _ = connection.close().await;
                dropped
            })
        })
        .join();
        // A database left behind is untidy, not a failed test: say so and go on.
        match dropped {
            Ok(Ok(())) => {}
            Ok(Err(err)) => eprintln!("scratch database {}: not dropped: {err}", self.name),
            Err(_) => eprintln!(
                "scratch database {}: not dropped: the thread panicked",
                self.name
            ),
        }
    }
}

/// A new, empty database on `DATABASE_URL`'s server, or `None` (with a message saying so on
/// stderr) when `DATABASE_URL` is not set.
///
/// # Panics
///
/// When `DATABASE_URL` is set but the server cannot be reached or refuses to create the
/// database: a configured server that does not work is a failure, not a skip.
pub async fn scratch_postgres(test: &str) -> Option<ScratchDatabase> {
    let Ok(server) = std::env::var("DATABASE_URL") else {
        eprintln!(
            "{test}: skipped on PostgreSQL: DATABASE_URL is not set (.ci/run starts a server and sets it)"
        );
        return None;
    };
    install_default_drivers();
    let mut connection = AnyConnection::connect(&server)
        .await
        .unwrap_or_else(|err| panic!("DATABASE_URL: cannot connect: {err}"));
    let name = format!("fanzha_test_{:016x}", rand::random::<u64>());
    connection
        .execute(format!("CREATE DATABASE {name}").as_str())
        .await
        .unwrap_or_else(|err| panic!("DATABASE_URL: cannot create a scratch database: {err}"));
    let _ = connection.close().await;
    let url = with_database(&server, &name);
    Some(ScratchDatabase { server, name, url })
}

/// `url` with its database name replaced by `name` (its query kept).
fn with_database(url: &str, name: &str) -> String {
    let (base, query) = match url.split_once('?') {
        Some((base, query)) => (base, Some(query)),
        None => (url, None),
    };
    let authority_start = base.find("://").map_or(0, |at| at + 3);
    let authority_end = base[authority_start..]
        .find('/')
        .map_or(base.len(), |at| authority_start + at);
    let mut out = format!("{}/{name}", &base[..authority_end]);
    if let Some(query) = query {
        out.push('?');
        out.push_str(query);
    }
    out
}

#[cfg(test)]
mod tests {
    use super::with_database;

    #[test]
    fn the_database_name_is_replaced_and_the_query_kept() {
        assert_eq!(
            with_database("postgres://u@127.0.0.1:5432/postgres?sslmode=require", "t"),
            "postgres://u@127.0.0.1:5432/t?sslmode=require"
        );
        assert_eq!(with_database("postgres://u@h", "t"), "postgres://u@h/t");
    }
}
