//! Bot latency, release build: `cargo bench --bench bot_latency`.
//!
//! The real dispatcher and handler tree (as `fanzha-bot run` wires them) answer 200 questions
//! from 200 chats against the mock Bot API on 127.0.0.1 (the same one the integration tests use);
//! printed: the time from an update being handed to the bot to its `sendMessage` arriving (p50,
//! p99, max), beside the engine's own share (`Engine::answer` alone).

#[allow(dead_code)] // The bench uses only the harness and the update builders.
#[path = "../tests/it/support/mod.rs"]
mod support;

use std::time::{Duration, Instant};

use support::{ENGINE, Harness, message_update, text_message};

// The allocator the binary runs with (see src/main.rs), so the figures are the binary's.
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

const QUESTION: &str = "拦截了多少涉诈电话";
const QUESTIONS: i64 = 200;

fn percentile(mut samples: Vec<Duration>, p: usize) -> Duration {
    samples.sort();
    samples[(samples.len() * p / 100).min(samples.len() - 1)]
}

fn main() {
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .expect("a Tokio runtime");
    runtime.block_on(async {
        let bot = Harness::start().await;
        // Warm up: the first search pays for lazy initialisation.
        bot.api
            .push(message_update(text_message(20_000, 20_000, QUESTION)));
        bot.api.wait_sent(20_000).await;
        let mut latencies = Vec::new();
        for i in 1..=QUESTIONS {
            let chat = 20_000 + i;
            let update = bot
                .api
                .push(message_update(text_message(chat, chat, QUESTION)));
            let sent = bot.api.wait_sent(chat).await;
            let delivered = bot
                .api
                .delivered_at(update)
                .expect("the update was delivered");
            latencies.push(sent.at.duration_since(delivered));
        }
        let engine_times: Vec<Duration> = (0..QUESTIONS)
            .map(|_| {
                let start = Instant::now();
                let _ = ENGINE.answer(QUESTION);
                start.elapsed()
            })
            .collect();
        println!(
            "update delivered → sendMessage received, {} questions: p50 {:?}, p99 {:?}, max {:?}; \
             engine.answer alone: p50 {:?}, p99 {:?}",
            latencies.len(),
            percentile(latencies.clone(), 50),
            percentile(latencies.clone(), 99),
            latencies.iter().max().expect("some latencies"),
            percentile(engine_times.clone(), 50),
            percentile(engine_times, 99),
        );
        bot.stop().await;
    });
}
