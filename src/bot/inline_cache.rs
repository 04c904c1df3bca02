//! The inline answer cache: the cards of a query, kept per engine for a few minutes, so a burst
//! of inline queries (people typing) does not search again for each keystroke.

use std::collections::{HashMap, VecDeque};
use std::sync::{Arc, Mutex, Weak};
use std::time::{Duration, Instant};

use teloxide::types::InlineQueryResult;

use crate::answer::engine::Engine;
use crate::sync::unpoisoned;

/// How long Telegram (and this cache) may reuse an inline answer, in seconds.
pub const CACHE_SECONDS: u32 = 300;
/// Most queries kept in the cache.
const CACHED_QUERIES: usize = 1024;

/// Inline answers by (engine generation, query), oldest evicted first, each for
/// [`CACHE_SECONDS`]. A new engine (reloaded knowledge) never sees the old one's cards.
#[derive(Debug, Default)]
pub struct InlineCache {
    entries: Mutex<CacheEntries>,
}

#[derive(Debug, Default)]
struct CacheEntries {
    cards: HashMap<(usize, String), CachedCards>,
    order: VecDeque<(usize, String)>,
}

/// The cards of one (engine address, query).
#[derive(Debug)]
struct CachedCards {
    at: Instant,
    /// Keeps the engine's allocation from being reused while the entry lives, so a later engine
    /// can never get the same address (the key) and be served an older engine's cards.
    _engine: Weak<Engine>,
    cards: Vec<InlineQueryResult>,
}

impl InlineCache {
    /// The cached cards of `engine` for `query`, or `build` them and cache them.
    pub fn get_or_build(
        &self,
        engine: &Arc<Engine>,
        query: &str,
        build: impl FnOnce() -> Vec<InlineQueryResult>,
    ) -> Vec<InlineQueryResult> {
        let key = (Arc::as_ptr(engine) as usize, query.to_string());
        let ttl = Duration::from_secs(u64::from(CACHE_SECONDS));
        {
            let entries = unpoisoned(&self.entries);
            if let Some(cached) = entries.cards.get(&key)
                && cached.at.elapsed() < ttl
            {
                return cached.cards.clone();
            }
        }
        // Built outside the lock: other queries need not wait for this search.
        let cards = build();
        let mut entries = unpoisoned(&self.entries);
        if entries
            .cards
            .insert(
                key.clone(),
                CachedCards {
                    at: Instant::now(),
                    _engine: Arc::downgrade(engine),
                    cards: cards.clone(),
                },
            )
            .is_none()
        {
            entries.order.push_back(key);
        }
        while entries.order.len() > CACHED_QUERIES {
            if let Some(oldest) = entries.order.pop_front() {
                entries.cards.remove(&oldest);
            }
        }
        cards
    }
}
