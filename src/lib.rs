//! fanzha-bot (反诈 bot): answers questions about anti-fraud measures, in Chinese, from a folder of
//! articles — with the exact figure and the passage it comes from.
//!
//! Data flows one way:
//!
//! ```text
//! knowledge/*.md ──load──▶ Document ──derive──▶ Article ─┬─▶ Passage ──▶ tantivy index (jieba) ─┐
//!                                       (corpus)         └─▶ Figure (value, label, period)       │
//! question ──normalise──▶ terms ──search──────────────────────────────────────────────────────┴─▶ Answer
//! Answer ──render──▶ terminal text | JSON | Telegram HTML + keyboard ──▶ bot handlers
//! ```
//!
//! [`persist`] saves articles and the index under `DATA_DIR`, so a restart reads neither again;
//! [`reload`] rebuilds from changed files only while the bot runs.
//!
//! The engine ([`answer::Engine`]) never knows about Telegram; the bot ([`bot`]) never parses articles.

pub mod answer;
pub mod batch;
pub mod bot;
pub mod cli;
pub mod config;
pub mod corpus;
pub mod eval;
pub mod figures;
pub mod knowledge;
pub mod normalize;
pub mod persist;
pub mod reload;
pub mod render;
pub mod scam;
pub mod search;
pub mod store;
