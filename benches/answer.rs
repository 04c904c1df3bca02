//! Answer latency and indexing throughput, release build: `cargo bench --bench answer`.
//!
//! Two parts:
//! - criterion measures one question on the shipped knowledge (figure, passage and off-topic);
//! - a synthetic knowledge folder of `FANZHA_BENCH_ARTICLES` articles (default 10,000) is generated,
//!   indexed (articles per second), and asked 2,000 questions (p50 / p99 latency printed).

use std::io::Write;
use std::path::Path;
use std::time::{Duration, Instant};

use criterion::{Criterion, criterion_group, criterion_main};
use fanzha_bot::answer::engine::Engine;

// The allocator the binary runs with (see src/main.rs), so the figures are the binary's.
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

const QUESTIONS: &[&str] = &[
    "拦截了多少涉诈电话",
    "攔截涉詐短信多少條",
    "抓了多少骗子",
    "什么是跑分平台",
    "今天天气怎么样",
];

fn shipped(c: &mut Criterion) {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("knowledge");
    let (engine, _) = Engine::load(&dir).expect("shipped knowledge");
    let mut group = c.benchmark_group("answer/shipped");
    for question in QUESTIONS {
        group.bench_function(*question, |b| b.iter(|| engine.answer(question)));
    }
    // A long paste costs no more than the question cap lets through.
    let huge = "拦截了多少涉诈电话".repeat(2_000);
    group.bench_function("huge paste (18,000 characters)", |b| {
        b.iter(|| engine.answer(&huge));
    });
    group.finish();
}

/// Sentence templates for synthetic articles; `{n}` becomes a number, `{t}` a topic word.
const TEMPLATES: &[&str] = &[
    "{y}年，{t}部门依法处置涉诈码号{n}万个、域名网址{n}万个，拦截涉诈电话{n}亿次、涉诈短信{n}亿条。",
    "一年来，共破获{t}诈骗案件{n}万起，抓获犯罪嫌疑人{n}万名，同比分别上升{n}%和{n}%。",
    "紧急止付群众被骗款{n}亿元，累计拦截{n}万个资金账户{n}亿元，追缴返还人民群众被骗资金{n}亿元。",
    "{t}地区组织开展专项行动，打掉非法出境团伙{n}个，抓获偷渡犯罪嫌疑人{n}名。",
    "商业银行向公安机关推送{t}涉诈受骗资金交易预警信息{n}万条。",
    "随着互联网金融的发展，诈骗分子利用{t}、数字货币等方式不断改变转账洗钱手法。",
    "工信部推出“一证通查”，开发“{t}预警”等新功能，大幅提升了预警劝阻效果。",
];
const TOPICS: &[&str] = &[
    "江苏",
    "广东",
    "浙江",
    "四川",
    "河南",
    "跑分平台",
    "游戏账号",
    "老年人",
    "校园",
    "物流",
];

fn synthetic_folder(dir: &Path, articles: usize) {
    let mut seed = 0x2545_f491_u64;
    let mut next = move || {
        seed ^= seed << 13;
        seed ^= seed >> 7;
        seed ^= seed << 17;
        seed
    };
    for i in 0..articles {
        let year = 2015 + (i % 10);
        let mut body = String::new();
        for _ in 0..6 {
            let mut paragraph = String::new();
            for _ in 0..3 {
                let template = TEMPLATES[(next() % TEMPLATES.len() as u64) as usize];
                let topic = TOPICS[(next() % TOPICS.len() as u64) as usize];
                let mut sentence = template
                    .replace("{t}", topic)
                    .replace("{y}", &year.to_string());
                while let Some(at) = sentence.find("{n}") {
                    let number = format!("{}.{}", 1 + next() % 900, next() % 10);
                    sentence.replace_range(at..at + 3, &number);
                }
                paragraph.push_str(&sentence);
            }
            body.push_str(&format!("<p>{paragraph}</p>\n"));
        }
        let text = format!(
            "---\ntitle: 反诈通报第{i}期\ndate: {year}-0{}-15\nauthor: 合成数据\n---\n<div>{body}</div>\n",
            1 + i % 9
        );
        std::fs::write(dir.join(format!("article-{i:05}.md")), text).unwrap();
    }
}

fn percentile(sorted: &[Duration], p: f64) -> Duration {
    sorted[((sorted.len() as f64 - 1.0) * p).round() as usize]
}

fn synthetic_scale(c: &mut Criterion) {
    let articles: usize = std::env::var("FANZHA_BENCH_ARTICLES")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(10_000);
    let dir = tempfile::tempdir().unwrap();
    synthetic_folder(dir.path(), articles);
    let start = Instant::now();
    let (engine, problems) = Engine::load(dir.path()).expect("synthetic knowledge");
    let build = start.elapsed();
    assert!(problems.is_empty());
    let stats = engine.stats();
    let mut latencies = Vec::new();
    let questions = [
        "拦截了多少涉诈电话",
        "江苏抓获犯罪嫌疑人多少名",
        "2019年追缴返还被骗资金多少",
        "什么是一证通查",
        "比特币多少钱",
    ];
    for i in 0..2_000 {
        let question = questions[i % questions.len()];
        let start = Instant::now();
        std::hint::black_box(engine.answer(question));
        latencies.push(start.elapsed());
    }
    latencies.sort();
    let report = format!(
        "synthetic knowledge: {articles} articles, {} passages, {} figures; indexed in {:.2?} ({:.0} articles/s); answer latency p50 {:.2?}, p99 {:.2?} over {} questions\n",
        stats.passages,
        stats.figures,
        build,
        articles as f64 / build.as_secs_f64(),
        percentile(&latencies, 0.50),
        percentile(&latencies, 0.99),
        latencies.len()
    );
    let _ = std::io::stderr().write_all(report.as_bytes());
    let mut group = c.benchmark_group("answer/synthetic");
    group.sample_size(20);
    group.bench_function("拦截了多少涉诈电话", |b| {
        b.iter(|| engine.answer("拦截了多少涉诈电话"));
    });
    group.finish();
}

criterion_group!(benches, shipped, synthetic_scale);
criterion_main!(benches);
