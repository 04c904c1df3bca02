//! Test support (not part of the bot): scratch databases on the PostgreSQL server named by
//! `DATABASE_URL`, so the store and bot tests run on PostgreSQL as well as SQLite. `.ci/run`
//! starts a server and sets `DATABASE_URL`; without it, the PostgreSQL tests say they are
//! skipped.

use sqlx::any::install_default_drivers;
use sqlx::{AnyConnection, Connection, Executor};

/// The URL of a new, empty database on `DATABASE_URL`'s server, or `None` (with a message
/// saying so on stderr) when `DATABASE_URL` is not set.
///
/// # Panics
///
/// When `DATABASE_URL` is set but the server cannot be reached or refuses to create the
/// database: a configured server that does not work is a failure, not a skip.
pub async fn scratch_postgres(test: &str) -> Option<String> {
    let Ok(url) = std::env::var("DATABASE_URL") else {
        eprintln!(
            "{test}: skipped on PostgreSQL: DATABASE_URL is not set (.ci/run starts a server and sets it)"
        );
        return None;
    };
    install_default_drivers();
    let mut server = AnyConnection::connect(&url)
        .await
        .unwrap_or_else(|err| panic!("DATABASE_URL: cannot connect: {err}"));
    let name = format!("fanzha_test_{:016x}", rand::random::<u64>());
    server
        .execute(format!("CREATE DATABASE {name}").as_str())
        .await
        .unwrap_or_else(|err| panic!("DATABASE_URL: cannot create a scratch database: {err}"));
    let _ = server.close().await;
    Some(with_database(&url, &name))
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
