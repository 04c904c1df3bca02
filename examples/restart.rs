//! Measures a restart on the persistent index: how long opening the knowledge takes, and how long
//! the first questions take while they read the articles they touch.
//!
//! ```sh
//! cargo run --release --example restart -- KNOWLEDGE_DIR DATA_DIR [QUESTION …]
//! ```
//!
//! Run it twice: the first run builds (or updates) the index under `DATA_DIR`, the second one
//! shows a restart with nothing changed.

use std::path::PathBuf;
use std::time::{Duration, Instant};

use fanzha_bot::live::LiveKnowledge;

const DEFAULT_QUESTIONS: [&str; 4] = [
    "打击治理电信网络诈骗取得了哪些成效",
    "拦截了多少涉诈电话",
    "抓获了多少犯罪嫌疑人",
    "冻结涉案资金多少",
];

fn main() -> anyhow::Result<()> {
    let mut args = std::env::args().skip(1);
    let (Some(knowledge), Some(data)) = (args.next(), args.next()) else {
        anyhow::bail!("usage: restart KNOWLEDGE_DIR DATA_DIR [QUESTION …]");
    };
    let mut questions: Vec<String> = args.collect();
    if questions.is_empty() {
        questions = DEFAULT_QUESTIONS.map(String::from).to_vec();
    }
    let started = Instant::now();
    let (live, report) = LiveKnowledge::open(&PathBuf::from(knowledge), &PathBuf::from(data))?;
    let engine = live.engine();
    let stats = engine.stats();
    println!(
        "opened in {:.2?}: {} documents, {} passages, {} figures; saved index {}; {} article(s) indexed",
        started.elapsed(),
        stats.documents,
        stats.passages,
        stats.figures,
        if report.opened_saved_index {
            "reused"
        } else {
            "built or updated"
        },
        report.reindexed
    );
    for round in ["first", "second"] {
        let mut total = Duration::ZERO;
        for question in &questions {
            let asked = Instant::now();
            let answer = engine.answer(question);
            let took = asked.elapsed();
            total += took;
            if round == "first" {
                let lead = answer.figures.first().map(|f| f.figure.value.as_str());
                println!(
                    "  {question}: {took:.2?} (answered: {}, {lead:?})",
                    answer.answered
                );
            }
        }
        println!(
            "{round} round: {total:.2?} for {} questions",
            questions.len()
        );
    }
    Ok(())
}
