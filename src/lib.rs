//! fanzha-bot (反诈 bot): answers questions about anti-fraud measures, in Chinese, from a folder of
//! articles — with the exact figure and the passage it comes from.
//!
//! Data flows one way, and the modules are listed below in that order:
//!
//! ```text
//! knowledge/*.md ──load──▶ Document ──derive──▶ Article ─┬─▶ Passage ──▶ tantivy index (jieba) ─┐
//!   (knowledge)                       (corpus)          └─▶ Figure (value, label, period)       │
//!                                                            (figures)          (search)        │
//! question ──normalise──▶ terms ──search───────────────────────────────────────────────────────┴─▶ Answer
//!            (normalize)                                                                  (answer)
//! Answer ──render──▶ terminal text | JSON | Telegram HTML + keyboard ──▶ bot handlers
//!          (render)                                                       (bot)
//! ```
//!
//! [`live`] keeps the served engine up to date with the knowledge folder (re-parsing only changed
//! files, saving the index under `DATA_DIR` so a restart reads neither again). Beside the flow:
//! the scam scanner ([`scam`]), the bot's database ([`db`]), question-file evaluation ([`eval`])
//! and the thin command line ([`cli`]).
//!
//! The engine ([`answer::engine::Engine`]) never knows about Telegram; the bot ([`bot`]) never
//! parses articles.
//!
//! Answering a question from a knowledge folder:
//!
//! ```
//! use std::path::Path;
//!
//! use fanzha_bot::answer::engine::Engine;
//!
//! let knowledge = Path::new(env!("CARGO_MANIFEST_DIR")).join("knowledge");
//! let (engine, problems) = Engine::load(&knowledge)?;
//! assert!(problems.is_empty(), "{problems:?}");
//!
//! let answer = engine.answer("2021年拦截了多少涉诈电话");
//! assert!(answer.answered);
//! let figure = &answer.figures[0];
//! assert_eq!(figure.figure.value, "19.5亿次");
//! assert_eq!(figure.figure.period.as_deref(), Some("2021年"));
//! println!("{}", fanzha_bot::render::plain(&answer));
//! # Ok::<(), fanzha_bot::answer::EngineError>(())
//! ```

// Settings read from the environment, and what a question becomes before it is searched.
pub mod config;

pub mod normalize;

// The flow, in order: files → documents → figures → articles → index → answer → live engine →
// rendered message → bot.
pub mod knowledge;

pub mod figures;

pub mod corpus;

pub mod search;

pub mod answer;

pub mod live;

pub mod render;

pub mod bot;

// Beside the flow: the scam scanner, the bot's database, evaluation, the command line and a
// locking helper.
pub mod scam;

pub mod db;

pub mod eval;

pub mod cli;

pub mod sync;
