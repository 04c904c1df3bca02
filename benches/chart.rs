//! Chart rendering, release build: `cargo bench --bench chart`. One PNG bar chart of the shipped
//! knowledge's yearly series (拦截诈骗电话, 2021–2025), drawn and encoded; the goal is under
//! 50 ms. The PNG's size is printed once.

use std::path::Path;

use criterion::{Criterion, criterion_group, criterion_main};
use fanzha_bot::answer::engine::Engine;
use fanzha_bot::render::chart::series_chart;

// The allocator the binary runs with (see src/main.rs), so the figures are the binary's.
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

const QUESTION: &str = "历年拦截涉诈电话";

fn chart(c: &mut Criterion) {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("knowledge");
    let (engine, _) = Engine::load(&dir).expect("shipped knowledge");
    let answer = engine.answer(QUESTION);
    assert!(
        answer.series.len() >= 2,
        "the shipped knowledge has a series for {QUESTION}: {:#?}",
        answer.series
    );
    let png = series_chart(&answer.series).expect("a chart");
    println!(
        "chart of {} periods: {} bytes of PNG",
        answer.series.len(),
        png.len()
    );
    c.bench_function("chart/render yearly series", |b| {
        b.iter(|| series_chart(&answer.series).expect("a chart"));
    });
}

criterion_group!(benches, chart);
criterion_main!(benches);
