//! What every handler shares: the live knowledge and its served engine, the scam scanner, the
//! database, the flood guard, the inline-card cache and the maintainers' ids. Injected once into
//! the dispatcher (`dptree::deps!`), as `Arc<AppState>`.

use std::path::Path;
use std::sync::Arc;
use std::time::Duration;

use arc_swap::ArcSwap;
use teloxide::types::InlineKeyboardMarkup;

use crate::answer::engine::Engine;
use crate::bot::chart_cache::ChartCache;
use crate::bot::flood::FloodGuard;
use crate::bot::inline_cache::InlineCache;
use crate::db::Database;
use crate::live::LiveKnowledge;
use crate::render::telegram::answer::AnswerPage;
use crate::render::telegram::keyboard::answer_keyboard;
use crate::scam::Scanner;

/// What every handler shares.
pub struct AppState {
    /// The knowledge served: its watcher and `/reload` swap in new engines, and `/stats` reports
    /// on it.
    pub live: LiveKnowledge,
    /// The live knowledge's engine handle; swapped whole when the knowledge is reloaded, read
    /// once per update.
    pub engine: Arc<ArcSwap<Engine>>,
    /// The scam scanner; swapped with the engine on `/reload` (its patterns live beside the
    /// articles).
    pub scanner: ArcSwap<Scanner>,
    pub database: Database,
    pub flood: FloodGuard,
    pub inline_cache: InlineCache,
    /// Charts of trend answers, per engine and series.
    pub charts: ChartCache,
    /// Telegram user ids allowed to use admin commands.
    pub admin_ids: Vec<u64>,
}

impl AppState {
    /// The state for live knowledge: answers come from `live`'s engine handle, so every engine
    /// its watcher or `/reload` swaps in is served at once.
    pub fn new(
        live: LiveKnowledge,
        scanner: Scanner,
        database: Database,
        admin_ids: Vec<u64>,
    ) -> AppState {
        AppState {
            engine: live.engine_handle(),
            live,
            scanner: ArcSwap::from_pointee(scanner),
            database,
            flood: FloodGuard::default(),
            inline_cache: InlineCache::default(),
            charts: ChartCache::default(),
            admin_ids,
        }
    }

    /// The knowledge folder `/reload` and the admin `/check` read.
    pub fn knowledge_dir(&self) -> &Path {
        self.live.knowledge_dir()
    }

    /// How long ago the engine being served was built (possibly before a restart).
    pub fn index_age(&self) -> Duration {
        self.live.index_age()
    }

    /// The keyboard under an answer page, its "📄 原文" button checked against the paragraph
    /// served now.
    pub fn answer_keyboard(&self, question: u64, page: &AnswerPage) -> InlineKeyboardMarkup {
        let context = page
            .paragraph
            .and_then(|paragraph| self.engine.load().paragraph_context(paragraph));
        answer_keyboard(
            question,
            page,
            context.as_ref().map(|c| c.paragraph.as_str()),
        )
    }
}
