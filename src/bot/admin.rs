//! The maintainers' commands (only for `ADMIN_IDS`; the handlers refuse everyone else before
//! getting here): `/stats`, `/reload`, and the knowledge report of a bare `/check`; and the
//! messages that tell them about new problems in the knowledge folder.
//!
//! Loading the knowledge builds a whole index, so it runs on the blocking pool, never on the
//! async workers that answer questions; the engine being served is replaced only once the new one
//! is complete.

use std::path::Path;
use std::time::Duration;

use chrono::{TimeDelta, Utc};

use crate::answer::engine::Engine;
use crate::answer::{EngineError, Stats};
use teloxide::types::ChatId;
use tokio::sync::broadcast;

use crate::bot::api::TelegramApi;
use crate::bot::clock::china_time;
use crate::bot::replies;
use crate::bot::send::{ReplyTarget, send_html};
use crate::bot::state::AppState;
use crate::db::DatabaseError;
use crate::knowledge::Problem;
use crate::render::telegram::html::{escape_html, truncate_html};
use crate::scam::{PatternError, Scanner};

/// At most this many problems are listed in one reply; the rest are counted.
const PROBLEMS_SHOWN: usize = 20;

/// The knowledge folder, loaded afresh: the engine (or why none could be built), the scanner
/// (or why its patterns are broken), and the problems found in the articles.
struct Loaded {
    engine: Result<(Engine, Vec<Problem>), EngineError>,
    scanner: Result<Scanner, PatternError>,
}

fn load(dir: &Path) -> Loaded {
    Loaded {
        engine: Engine::load(dir),
        scanner: Scanner::for_knowledge(dir),
    }
}

/// Loads the knowledge on the blocking pool. A panic inside reads as "could not load".
async fn load_off_runtime(dir: &Path) -> Option<Loaded> {
    let dir = dir.to_path_buf();
    match tokio::task::spawn_blocking(move || load(&dir)).await {
        Ok(loaded) => Some(loaded),
        Err(err) => {
            tracing::error!("loading the knowledge failed: {err}");
            None
        }
    }
}

/// `/stats`: documents, passages, figures, today's questions, index age.
pub async fn stats_html(state: &AppState) -> String {
    let stats = state.engine.load().stats();
    let today = match questions_today(state).await {
        Ok((answered, unanswered)) => replies::questions_today(answered, unanswered),
        Err(err) => format!(
            "{}{}",
            replies::QUESTIONS_TODAY_UNAVAILABLE,
            escape_html(&err.to_string())
        ),
    };
    format!(
        "{}\n{}\n{today}\n{}",
        replies::STATS_HEADING,
        counts(&stats),
        replies::index_age(&human_duration(state.index_age()))
    )
}

/// "文章 3 篇，段落 120 个，数字 45 个": what an engine holds.
fn counts(stats: &Stats) -> String {
    replies::knowledge_counts(stats.documents, stats.passages, stats.figures)
}

/// Questions since midnight, China time: (answered, unanswered).
async fn questions_today(state: &AppState) -> Result<(i64, i64), DatabaseError> {
    let now = Utc::now();
    let local = china_time(now);
    let since_midnight = local - local.date().and_time(chrono::NaiveTime::MIN);
    let midnight = now - TimeDelta::seconds(since_midnight.num_seconds());
    state.database.questions_since(midnight).await
}

/// "3 天 2 小时", "5 分钟", "12 秒": the largest two units.
fn human_duration(age: Duration) -> String {
    let seconds = age.as_secs();
    let (days, hours, minutes) = (seconds / 86_400, seconds / 3600 % 24, seconds / 60 % 60);
    match (days, hours, minutes) {
        (0, 0, 0) => format!("{seconds} 秒"),
        (0, 0, m) => format!("{m} 分钟"),
        (0, h, m) => format!("{h} 小时 {m} 分钟"),
        (d, h, _) => format!("{d} 天 {h} 小时"),
    }
}

/// `/reload`: rebuilds the live knowledge from the knowledge folder (the watcher's own rebuild:
/// last good versions of broken files kept) and reloads the scanner. What cannot be loaded is
/// reported and the previous version keeps being served.
pub async fn reload_html(state: &AppState) -> String {
    let mut html = String::new();
    match state.live.reload_now().await {
        Ok(report) => {
            let stats = state.engine.load().stats();
            html.push_str(&format!("{}{}", replies::RELOADED, counts(&stats)));
            html.push_str(&problems_html(&report.problems));
        }
        Err(err) => {
            html.push_str(replies::RELOAD_FAILED);
            html.push_str(&escape_html(&err.to_string()));
        }
    }
    let dir = state.knowledge_dir().to_path_buf();
    match tokio::task::spawn_blocking(move || Scanner::for_knowledge(&dir)).await {
        Ok(Ok(scanner)) => state.scanner.store(std::sync::Arc::new(scanner)),
        Ok(Err(err)) => html.push_str(&scanner_kept_html(&err)),
        Err(err) => tracing::error!("loading the scam patterns failed: {err}"),
    }
    truncate_html(&html)
}

fn scanner_kept_html(err: &PatternError) -> String {
    format!(
        "\n{}\n<code>{}</code>",
        replies::PATTERNS_KEPT,
        escape_html(&err.to_string())
    )
}

/// Sends each batch of new knowledge problems to every admin as one message (`path:line:
/// message` lines, trimmed to fit), until the live knowledge is gone.
pub async fn forward_problems<R: TelegramApi>(
    bot: R,
    admin_ids: Vec<u64>,
    mut problems: broadcast::Receiver<Vec<Problem>>,
) {
    loop {
        let batch = match problems.recv().await {
            Ok(batch) => batch,
            Err(broadcast::error::RecvError::Lagged(missed)) => {
                // The missed problems were logged by the rebuild and stay in `/check`.
                tracing::warn!("{missed} problem batches were not sent to the admins");
                continue;
            }
            Err(broadcast::error::RecvError::Closed) => return,
        };
        let html = truncate_html(&format!(
            "{}{}",
            replies::NEW_PROBLEMS_HEADING,
            problems_html(&batch)
        ));
        for admin in &admin_ids {
            let Ok(chat) = i64::try_from(*admin) else {
                continue;
            };
            let target = ReplyTarget {
                chat: ChatId(chat),
                thread: None,
                reply_to: None,
            };
            if let Err(err) = send_html(&bot, target, &html, None).await {
                tracing::warn!("cannot tell an admin about knowledge problems: {err}");
                tracing::debug!(admin, "the admin not told");
            }
        }
    }
}

/// A bare `/check` from an admin: the `check` report of the knowledge folder (problems as
/// `path:line: message`), trimmed to fit one message. Nothing is swapped in.
pub async fn knowledge_report(state: &AppState) -> String {
    let Some(loaded) = load_off_runtime(state.knowledge_dir()).await else {
        return replies::CHECK_FAILED.to_string();
    };
    let mut html = format!("{}\n", replies::KNOWLEDGE_CHECK_HEADING);
    match loaded.engine {
        Ok((engine, problems)) => {
            html.push_str(&counts(&engine.stats()));
            html.push_str(&problems_html(&problems));
            if problems.is_empty() {
                html.push_str(&format!("\n{}", replies::NO_PROBLEMS));
            }
        }
        Err(err) => html.push_str(&escape_html(&err.to_string())),
    }
    if let Err(err) = loaded.scanner {
        html.push_str(&format!("\n<code>{}</code>", escape_html(&err.to_string())));
    }
    truncate_html(&html)
}

/// The problems as `path:line: message` lines in a `<pre>` block, at most [`PROBLEMS_SHOWN`].
fn problems_html(problems: &[Problem]) -> String {
    if problems.is_empty() {
        return String::new();
    }
    let lines: Vec<String> = problems
        .iter()
        .take(PROBLEMS_SHOWN)
        .map(ToString::to_string)
        .collect();
    let mut html = format!(
        "\n{}\n<pre>{}</pre>",
        replies::problem_count(problems.len()),
        escape_html(&lines.join("\n"))
    );
    if problems.len() > PROBLEMS_SHOWN {
        let more = replies::more_problems(problems.len() - PROBLEMS_SHOWN);
        html.push_str(&format!("\n{more}"));
    }
    html
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn durations_read_in_two_units_at_most() {
        assert_eq!(human_duration(Duration::from_secs(12)), "12 秒");
        assert_eq!(human_duration(Duration::from_secs(300)), "5 分钟");
        assert_eq!(
            human_duration(Duration::from_secs(3 * 3600 + 60)),
            "3 小时 1 分钟"
        );
        assert_eq!(
            human_duration(Duration::from_secs(2 * 86_400 + 7200)),
            "2 天 2 小时"
        );
    }

    #[test]
    fn problem_lists_are_capped_and_escaped() {
        let problems: Vec<Problem> = (1..=25)
            .map(|line| Problem {
                path: "knowledge/<x>.md".into(),
                line,
                message: "front matter is not closed".into(),
            })
            .collect();
        let html = problems_html(&problems);
        assert!(html.contains("25 个问题"), "{html}");
        assert!(
            html.contains("knowledge/&lt;x&gt;.md:1: front matter"),
            "{html}"
        );
        assert!(!html.contains("md:21:"), "{html}");
        assert!(html.contains("另有 5 个"), "{html}");
    }
}
