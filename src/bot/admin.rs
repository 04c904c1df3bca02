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

use crate::answer::{Engine, EngineError, Stats};
use teloxide::types::ChatId;
use tokio::sync::broadcast;

use crate::bot::send::{ReplyTarget, send_html};
use crate::bot::tips::china_time;
use crate::bot::{AppState, TelegramApi};
use crate::knowledge::Problem;
use crate::reload::LiveKnowledge;
use crate::render::telegram::{escape_html, truncate_html};
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
        Ok((answered, unanswered)) => {
            format!("今天已回答 {answered} 个问题，未能回答 {unanswered} 个")
        }
        Err(err) => format!("今天的提问统计不可用：{}", escape_html(&err.to_string())),
    };
    format!(
        "📈 <b>统计</b>\n{}\n{today}\n索引建于 {} 前",
        counts(&stats),
        human_duration(state.index_age())
    )
}

/// "文章 3 篇，段落 120 个，数字 45 个": what an engine holds.
fn counts(stats: &Stats) -> String {
    format!(
        "文章 {} 篇，段落 {} 个，数字 {} 个",
        stats.documents, stats.passages, stats.figures
    )
}

/// Questions since midnight, China time: (answered, unanswered).
async fn questions_today(state: &AppState) -> Result<(i64, i64), crate::store::StoreError> {
    let now = Utc::now();
    let local = china_time(now);
    let since_midnight = local - local.date().and_time(chrono::NaiveTime::MIN);
    let midnight = now - TimeDelta::seconds(since_midnight.num_seconds());
    state.store.questions_since(midnight).await
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

/// `/reload`: rebuilds the engine (and the scanner) from the knowledge folder and swaps them in.
/// What cannot be loaded is reported and the previous version keeps being served. With live
/// knowledge the rebuild is the watcher's own (last good versions of broken files kept).
pub async fn reload_html(state: &AppState) -> String {
    if let Some(live) = &state.live {
        return reload_live_html(state, live).await;
    }
    let Some(loaded) = load_off_runtime(&state.knowledge_dir).await else {
        return format!("{}（内部错误）", crate::bot::text::RELOAD_FAILED);
    };
    let mut html = String::new();
    match loaded.engine {
        Ok((engine, problems)) => {
            let stats = engine.stats();
            state.replace_engine(engine);
            html.push_str(&format!("🔄 <b>已重新加载</b>：{}", counts(&stats)));
            html.push_str(&problems_html(&problems));
        }
        Err(err) => {
            html.push_str(crate::bot::text::RELOAD_FAILED);
            html.push_str(&escape_html(&err.to_string()));
        }
    }
    match loaded.scanner {
        Ok(scanner) => state.scanner.store(std::sync::Arc::new(scanner)),
        Err(err) => html.push_str(&scanner_kept_html(&err)),
    }
    truncate_html(&html)
}

/// `/reload` through the live knowledge, then the scanner as without it.
async fn reload_live_html(state: &AppState, live: &LiveKnowledge) -> String {
    let mut html = String::new();
    match live.reload_now().await {
        Ok(report) => {
            let stats = state.engine.load().stats();
            html.push_str(&format!("🔄 <b>已重新加载</b>：{}", counts(&stats)));
            html.push_str(&problems_html(&report.problems));
        }
        Err(err) => {
            html.push_str(crate::bot::text::RELOAD_FAILED);
            html.push_str(&escape_html(&err.to_string()));
        }
    }
    let dir = state.knowledge_dir.clone();
    match tokio::task::spawn_blocking(move || Scanner::for_knowledge(&dir)).await {
        Ok(Ok(scanner)) => state.scanner.store(std::sync::Arc::new(scanner)),
        Ok(Err(err)) => html.push_str(&scanner_kept_html(&err)),
        Err(err) => tracing::error!("loading the scam patterns failed: {err}"),
    }
    truncate_html(&html)
}

fn scanner_kept_html(err: &PatternError) -> String {
    format!(
        "\n诈骗特征文件有误，仍用原来的：\n<code>{}</code>",
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
            "⚠️ <b>知识库有新问题</b>（有问题的文件仍用上一个正确版本）{}",
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
                tracing::warn!("cannot tell admin {admin} about knowledge problems: {err}");
            }
        }
    }
}

/// A bare `/check` from an admin: the `check` report of the knowledge folder (problems as
/// `path:line: message`), trimmed to fit one message. Nothing is swapped in.
pub async fn knowledge_report(state: &AppState) -> String {
    let Some(loaded) = load_off_runtime(&state.knowledge_dir).await else {
        return "检查失败（内部错误）。".to_string();
    };
    let mut html = String::from("🔎 <b>知识库检查</b>\n");
    match loaded.engine {
        Ok((engine, problems)) => {
            html.push_str(&counts(&engine.stats()));
            html.push_str(&problems_html(&problems));
            if problems.is_empty() {
                html.push_str("\n没有发现问题。");
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
        .map(|problem| problem.to_string())
        .collect();
    let mut html = format!(
        "\n{} 个问题：\n<pre>{}</pre>",
        problems.len(),
        escape_html(&lines.join("\n"))
    );
    if problems.len() > PROBLEMS_SHOWN {
        html.push_str(&format!("\n……另有 {} 个", problems.len() - PROBLEMS_SHOWN));
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
