//! Scanning speed: the labelled messages, scanned one at a time, as `scan` does in batch mode.

use std::hint::black_box;

use criterion::{Criterion, Throughput, criterion_group, criterion_main};
use fanzha_bot::scam::Scanner;

// The allocator the binary runs with (see src/main.rs), so the figures are the binary's.
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

fn labelled_messages() -> Vec<String> {
    let path = concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/tests/fixtures/scam-messages.jsonl"
    );
    std::fs::read_to_string(path)
        .unwrap_or_default()
        .lines()
        .filter_map(|line| serde_json::from_str::<serde_json::Value>(line).ok())
        .filter_map(|value| value["text"].as_str().map(str::to_string))
        .collect()
}

fn bench_scan(c: &mut Criterion) {
    let scanner = Scanner::builtin().expect("built-in patterns load");
    let messages = labelled_messages();
    let mut group = c.benchmark_group("scan");
    group.throughput(Throughput::Elements(messages.len() as u64));
    group.bench_function("labelled set", |b| {
        b.iter(|| {
            for message in &messages {
                black_box(scanner.scan(black_box(message)));
            }
        });
    });
    group.finish();
}

criterion_group!(benches, bench_scan);
criterion_main!(benches);
