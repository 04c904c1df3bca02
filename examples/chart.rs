//! Renders the chart the bot sends for a trend question, as `fanzha-bot ask --chart` does — the
//! README's example picture is made with it:
//!
//! ```sh
//! cargo run --release --example chart -- examples/chart-example.png 历年拦截涉诈电话
//! ```

use std::path::PathBuf;

use anyhow::Context;
use fanzha_bot::answer::engine::Engine;
use fanzha_bot::render::chart::series_chart;

fn main() -> anyhow::Result<()> {
    let mut args = std::env::args().skip(1);
    let Some(file) = args.next().map(PathBuf::from) else {
        anyhow::bail!("usage: chart FILE.png [QUESTION …]");
    };
    let mut question = args.collect::<Vec<_>>().join(" ");
    if question.is_empty() {
        question = String::from("历年拦截涉诈电话");
    }
    let knowledge = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("knowledge");
    let (engine, _problems) = Engine::load(&knowledge)?;
    let answer = engine.answer(&question);
    println!("{}", fanzha_bot::render::plain(&answer));
    let png = series_chart(&answer.series).with_context(|| {
        format!("no chart for {question:?}; ask about a measure reported for several years")
    })?;
    std::fs::write(&file, png).with_context(|| format!("writing {}", file.display()))?;
    println!("wrote {}", file.display());
    Ok(())
}
