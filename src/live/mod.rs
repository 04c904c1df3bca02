//! Live knowledge: the engine currently served, rebuilt when the knowledge folder changes.
//!
//! [`LiveKnowledge`] owns the served [`Engine`] (behind an [`ArcSwap`], read once per question),
//! the last good version of every knowledge file, and the problems found in them. A rebuild
//! re-reads the folder and re-parses only the files whose content hash changed:
//! - a new or changed file that parses replaces its old version;
//! - a file that no longer parses (broken front matter, half-saved, not UTF-8) keeps its last good
//!   version served, and its problem is reported as `path:line: message`;
//! - a deleted file disappears.
//!
//! A reload that would remove most articles at once (a `git checkout` or a scripted `rm` + `cp`
//! caught half-way) is not trusted at first sight: the old engine keeps serving while the folder
//! settles ([`MassRemovalGuard`]), and the folder is read again. Only when the articles are still
//! gone is the removal served, and the admins are told (as a problem batch).
//!
//! The same holds for `dictionary.txt` and `synonyms.txt`. The new engine is built completely
//! before it is swapped in, so a question is always answered by a whole engine — the old one
//! during a rebuild. Rebuilds are serialised; call [`LiveKnowledge::rebuild`] off the serving path
//! (or use [`LiveKnowledge::reload_now`] / [`LiveKnowledge::watch`], which do).

use std::collections::BTreeSet;
use std::panic::AssertUnwindSafe;
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex, MutexGuard};
use std::time::{Duration, Instant, SystemTime};

use arc_swap::ArcSwap;
use notify::RecursiveMode;
use notify_debouncer_mini::{DebounceEventResult, Debouncer, new_debouncer};
use tokio::sync::broadcast;

pub mod cache;
pub mod refresh;
pub mod saved_index;
#[cfg(test)]
mod tests;

use self::cache::KnowledgeCache;
use self::refresh::{LoadStep, ReloadReport, refresh_cache};
use self::saved_index::{IndexLock, IndexStore, PersistError, SavedIndex};
use crate::answer::EngineError;
use crate::answer::engine::Engine;
use crate::knowledge::{self, LoadError, Problem};
use crate::search::lexicon::LexiconFile;
use crate::sync::unpoisoned;

/// How long the watcher waits for a burst of file events to settle before rebuilding.
pub const WATCH_DEBOUNCE: Duration = Duration::from_millis(300);
/// How long a mass removal is given to settle before the folder is read again.
pub const MASS_REMOVAL_SETTLE: Duration = Duration::from_secs(3);
/// Problem batches kept for slow subscribers before the oldest are dropped.
const PROBLEM_CHANNEL_CAPACITY: usize = 64;

/// Why the knowledge could not be (re)loaded. After the first load the previous engine keeps
/// being served whatever the error.
#[derive(Debug, thiserror::Error)]
pub enum ReloadError {
    #[error(transparent)]
    Load(#[from] LoadError),
    #[error(transparent)]
    Engine(#[from] EngineError),
    #[error("persistent index: {0}")]
    Persist(#[from] PersistError),
    #[error("the rebuild stopped unexpectedly: {0}")]
    Interrupted(String),
}

/// The served engine and everything needed to rebuild it. Cheap to clone; clones share state.
#[derive(Clone)]
pub struct LiveKnowledge {
    shared: Arc<Shared>,
}

struct Shared {
    knowledge_dir: PathBuf,
    store: Option<IndexStore>,
    engine: Arc<ArcSwap<Engine>>,
    /// Held for a whole rebuild, so rebuilds never interleave.
    rebuild: Mutex<RebuildState>,
    /// Held only for moments, so `/stats` never waits for a rebuild.
    status: Mutex<Status>,
    problems: broadcast::Sender<Vec<Problem>>,
}

/// When a reload removes so many articles that it is more likely a folder caught half-way
/// through a change than a real removal, and how to wait for the folder to settle.
#[derive(Clone)]
pub struct MassRemovalGuard {
    /// More than this share of the served articles removed at once is a mass removal.
    pub share: f64,
    /// Only when at least this many articles are served (two of three removed is no alarm).
    pub min_articles: usize,
    /// At most this many more looks at the folder while the removed set keeps changing.
    pub looks: usize,
    /// Waits for the folder to settle before the next look: sleeps [`MASS_REMOVAL_SETTLE`]
    /// (tests pass their own, to change the folder meanwhile without sleeping).
    pub settle: Arc<dyn Fn() + Send + Sync>,
}

impl Default for MassRemovalGuard {
    fn default() -> Self {
        MassRemovalGuard {
            share: 0.5,
            min_articles: 4,
            looks: 3,
            settle: Arc::new(|| std::thread::sleep(MASS_REMOVAL_SETTLE)),
        }
    }
}

impl MassRemovalGuard {
    fn is_mass_removal(&self, served: usize, removed: usize) -> bool {
        served >= self.min_articles && removed as f64 > self.share * served as f64
    }
}

struct RebuildState {
    cache: KnowledgeCache,
    guard: MassRemovalGuard,
    /// Fingerprint of the cache the served engine was built from.
    served_fingerprint: String,
    /// The persistent index the served engine was opened from or saved as.
    saved: Option<SavedIndex>,
}

struct Status {
    /// Problems of the last rebuild, as shown (`path:line: message`).
    problems: Vec<Problem>,
    /// When the served engine's index was built.
    built_at: SystemTime,
    last_reload: SystemTime,
}

impl LiveKnowledge {
    /// Loads the knowledge folder into an in-memory engine (nothing saved on disk).
    pub fn load(knowledge_dir: &Path) -> Result<(LiveKnowledge, ReloadReport), ReloadError> {
        LiveKnowledge::load_with_progress(knowledge_dir, None, &|_| {})
    }

    /// Loads the knowledge folder with its index persisted under `data_dir/index/`: when the
    /// saved index matches the knowledge it is opened, and only changed files are re-parsed.
    pub fn open(
        knowledge_dir: &Path,
        data_dir: &Path,
    ) -> Result<(LiveKnowledge, ReloadReport), ReloadError> {
        LiveKnowledge::load_with_progress(knowledge_dir, Some(data_dir), &|_| {})
    }

    /// [`LiveKnowledge::load`] (no `data_dir`) or [`LiveKnowledge::open`], telling `progress`
    /// how far it got (for a progress bar on big folders).
    pub fn load_with_progress(
        knowledge_dir: &Path,
        data_dir: Option<&Path>,
        progress: &dyn Fn(LoadStep),
    ) -> Result<(LiveKnowledge, ReloadReport), ReloadError> {
        let store = data_dir.map(IndexStore::in_data_dir);
        LiveKnowledge::load_from(knowledge_dir, store, progress)
    }

    /// [`LiveKnowledge::load_with_progress`] with the index in `store` (none: in memory). The
    /// store's lock is held for the whole load; when another process holds it for longer than
    /// the store's lock wait, everything is loaded in memory and the store is left alone
    /// ([`ReloadReport::index_locked`]).
    pub fn load_from(
        knowledge_dir: &Path,
        store: Option<IndexStore>,
        progress: &dyn Fn(LoadStep),
    ) -> Result<(LiveKnowledge, ReloadReport), ReloadError> {
        let started = Instant::now();
        crate::search::lexicon::prepare_general_segmenter();
        let (lock, index_locked) = lock_store(store.as_ref())?;
        let usable = store.as_ref().filter(|_| !index_locked);
        let (mut saved, cache) = match usable.and_then(IndexStore::load_snapshot) {
            Some((saved, cache)) => (Some(saved), cache),
            None => (None, KnowledgeCache::default()),
        };
        let mut state = RebuildState {
            cache,
            guard: MassRemovalGuard::default(),
            served_fingerprint: String::new(),
            saved: None,
        };
        let mut status = Status {
            problems: Vec::new(),
            built_at: SystemTime::now(),
            last_reload: SystemTime::now(),
        };
        let mut report = refresh_cache(knowledge_dir, &mut state.cache, progress)?;
        report.index_locked = index_locked;
        let fingerprint = state.cache.fingerprint();
        let opened = match (usable, saved.as_mut()) {
            (Some(store), Some(saved)) => store.open_engine(saved, &state.cache),
            _ => None,
        };
        let engine = match (opened, saved) {
            (Some(engine), Some(saved)) => {
                report.opened_saved_index = true;
                status.built_at = saved.built_at;
                state.saved = Some(saved);
                engine
            }
            (_, saved) => {
                report.rebuilt = true;
                progress(LoadStep::Indexing {
                    documents: state.cache.articles.len(),
                });
                let built = build_engine(usable, &state.cache, saved.as_ref(), status.built_at)?;
                report.reindexed = built.reindexed;
                state.saved = built.saved;
                built.engine
            }
        };
        drop(lock);
        state.served_fingerprint = fingerprint;
        report.documents = state.cache.articles.len();
        report.new_problems = report.problems.clone();
        status.problems = report.problems.clone();
        for problem in &report.problems {
            tracing::warn!("{problem}");
        }
        report.elapsed = started.elapsed();
        let (problems, _) = broadcast::channel(PROBLEM_CHANNEL_CAPACITY);
        let live = LiveKnowledge {
            shared: Arc::new(Shared {
                knowledge_dir: knowledge_dir.to_path_buf(),
                store,
                engine: Arc::new(ArcSwap::from_pointee(engine)),
                rebuild: Mutex::new(state),
                status: Mutex::new(status),
                problems,
            }),
        };
        Ok((live, report))
    }

    /// The engine to answer one question with. Hold it for that question only, so the next
    /// question sees the newest knowledge.
    pub fn engine(&self) -> Arc<Engine> {
        self.shared.engine.load_full()
    }

    /// The shared handle the served engine is swapped in; readers call `load()` on it.
    pub fn engine_handle(&self) -> Arc<ArcSwap<Engine>> {
        Arc::clone(&self.shared.engine)
    }

    /// The knowledge folder watched and rebuilt from.
    pub fn knowledge_dir(&self) -> &Path {
        &self.shared.knowledge_dir
    }

    /// A receiver of problem batches: after each rebuild that finds problems not reported by the
    /// one before, the new problems are sent once (e.g. one admin message per batch). Problems
    /// of the first load are in the report of [`LiveKnowledge::load`] / [`LiveKnowledge::open`].
    pub fn subscribe_problems(&self) -> broadcast::Receiver<Vec<Problem>> {
        self.shared.problems.subscribe()
    }

    /// Every problem found by the last rebuild.
    pub fn problems(&self) -> Vec<Problem> {
        self.status().problems.clone()
    }

    /// How old the served index is (since it was built, possibly before a restart).
    pub fn index_age(&self) -> Duration {
        SystemTime::now()
            .duration_since(self.status().built_at)
            .unwrap_or_default()
    }

    /// When the knowledge folder was last read.
    pub fn last_reload(&self) -> SystemTime {
        self.status().last_reload
    }

    fn status(&self) -> MutexGuard<'_, Status> {
        unpoisoned(&self.shared.status)
    }

    /// Replaces the guard against mass removals (see [`MassRemovalGuard`]).
    pub fn set_mass_removal_guard(&self, guard: MassRemovalGuard) {
        unpoisoned(&self.shared.rebuild).guard = guard;
    }

    /// Re-reads the knowledge folder and swaps in a new engine if what is served changed.
    /// Blocks for the whole rebuild (a mass removal adds the time the folder takes to settle):
    /// call it from a blocking thread, not from an async task.
    pub fn rebuild(&self) -> Result<ReloadReport, ReloadError> {
        let started = Instant::now();
        let mut state = unpoisoned(&self.shared.rebuild);
        // The cache may run ahead of the served engine when a build fails: the fingerprints
        // then differ and the next rebuild tries again.
        let (mut report, notice) = self.refresh_settled(&mut state)?;
        report.documents = state.cache.articles.len();
        let fingerprint = state.cache.fingerprint();
        let mut built_at = None;
        if fingerprint != state.served_fingerprint || report.repaired > 0 {
            let now = SystemTime::now();
            let (_lock, index_locked) = lock_store(self.shared.store.as_ref())?;
            report.index_locked = index_locked;
            let store = self.shared.store.as_ref().filter(|_| !index_locked);
            let built = build_engine(store, &state.cache, state.saved.as_ref(), now)?;
            self.shared.engine.store(Arc::new(built.engine));
            state.saved = built.saved;
            report.reindexed = built.reindexed;
            state.served_fingerprint = fingerprint;
            built_at = Some(now);
            report.rebuilt = true;
        }
        drop(state);
        let mut status = self.status();
        status.built_at = built_at.unwrap_or(status.built_at);
        status.last_reload = SystemTime::now();
        let shown: BTreeSet<String> = status.problems.iter().map(Problem::to_string).collect();
        report.new_problems = report
            .problems
            .iter()
            .filter(|p| !shown.contains(&p.to_string()))
            .cloned()
            .collect();
        status.problems = report.problems.clone();
        drop(status);
        report.new_problems.extend(notice);
        if !report.new_problems.is_empty() {
            for problem in &report.new_problems {
                tracing::warn!("{problem}");
            }
            // No subscriber is not an error: the problems are logged and kept in `problems()`.
            let _ = self.shared.problems.send(report.new_problems.clone());
        }
        report.elapsed = started.elapsed();
        tracing::info!(
            documents = report.documents,
            reparsed = report.reparsed,
            removed = report.removed,
            rebuilt = report.rebuilt,
            "knowledge reloaded in {:?}",
            report.elapsed
        );
        Ok(report)
    }

    /// Brings the cache up to date with the folder; a mass removal is looked at again once the
    /// folder has settled (the old engine serving meanwhile), until two looks agree. A removal
    /// that stays is returned as a notice for the admins.
    fn refresh_settled(
        &self,
        state: &mut RebuildState,
    ) -> Result<(ReloadReport, Option<Problem>), ReloadError> {
        let dir = &self.shared.knowledge_dir;
        let before = state.cache.clone();
        let served = before.articles.len();
        let mut report = refresh_cache(dir, &mut state.cache, &|_| {})?;
        let removed_now = |cache: &KnowledgeCache| -> BTreeSet<String> {
            let kept = |path: &&String| !cache.articles.contains_key(*path);
            before.articles.keys().filter(kept).cloned().collect()
        };
        let guard = state.guard.clone();
        let mut removed = removed_now(&state.cache);
        for look in 1..=guard.looks {
            if !guard.is_mass_removal(served, removed.len()) {
                if look > 1 {
                    tracing::info!("the knowledge folder settled: no mass removal after all");
                }
                return Ok((report, None));
            }
            tracing::warn!(
                "{} of {served} articles vanished from {} at once; still serving them and looking \
                 again once the folder settles",
                removed.len(),
                dir.display()
            );
            (guard.settle)();
            state.cache = before.clone();
            report = refresh_cache(dir, &mut state.cache, &|_| {})?;
            let again = removed_now(&state.cache);
            if again == removed {
                break;
            }
            removed = again;
        }
        if !guard.is_mass_removal(served, removed.len()) {
            return Ok((report, None));
        }
        let message = format!(
            "{} of {served} articles were removed at once and are still gone after the folder \
             settled, so they are no longer served (restore the files if that was a mistake): {}",
            removed.len(),
            removed
                .iter()
                .take(5)
                .cloned()
                .collect::<Vec<_>>()
                .join(", ")
        );
        tracing::warn!("{}: {message}", dir.display());
        let notice = Problem {
            path: dir.clone(),
            line: 0,
            message,
        };
        Ok((report, Some(notice)))
    }

    /// Rebuilds on a blocking thread (the admin `/reload` command); questions keep being answered
    /// by the current engine meanwhile.
    pub async fn reload_now(&self) -> Result<ReloadReport, ReloadError> {
        let live = self.clone();
        tokio::task::spawn_blocking(move || live.rebuild())
            .await
            .map_err(|err| ReloadError::Interrupted(err.to_string()))?
    }

    /// Watches the knowledge folder (recursively) and rebuilds ~300 ms after changes settle.
    /// Rebuilds run on the watcher's own thread. Watching stops when the returned value drops.
    pub fn watch(&self) -> Result<KnowledgeWatcher, notify::Error> {
        let live = self.clone();
        let mut debouncer =
            new_debouncer(
                WATCH_DEBOUNCE,
                move |result: DebounceEventResult| match result {
                    Ok(events) if events.iter().any(|e| live.is_watched(&e.path)) => {
                        // A panic must not end the watcher thread: that would stop all reloads.
                        match std::panic::catch_unwind(AssertUnwindSafe(|| live.rebuild())) {
                            Ok(Ok(_)) => {}
                            Ok(Err(err)) => tracing::error!("reloading knowledge: {err}"),
                            Err(_) => tracing::error!("reloading knowledge: the rebuild panicked"),
                        }
                    }
                    Ok(_) => {}
                    Err(err) => tracing::warn!("watching knowledge: {err}"),
                },
            )?;
        debouncer
            .watcher()
            .watch(&self.shared.knowledge_dir, RecursiveMode::Recursive)?;
        Ok(KnowledgeWatcher {
            _debouncer: debouncer,
        })
    }

    /// Whether a change to `path` may change what is served: articles, lexicon files and folders
    /// (a removed folder removes its articles), but not hidden editor files or the saved index.
    fn is_watched(&self, path: &Path) -> bool {
        if let Some(store) = &self.shared.store
            && path.starts_with(store.dir())
        {
            return false;
        }
        let name = path
            .file_name()
            .map(|n| n.to_string_lossy())
            .unwrap_or_default();
        if name.starts_with('.') {
            return false;
        }
        knowledge::is_article(path)
            || LexiconFile::ALL.iter().any(|file| name == file.name())
            || path.extension().is_none()
    }
}

/// Keeps the folder watched; dropping it stops watching.
pub struct KnowledgeWatcher {
    _debouncer: Debouncer<notify::RecommendedWatcher>,
}

/// Takes `store`'s lock: the lock (none without a store) and whether another process kept it
/// (then the store must be left alone, which is logged).
fn lock_store(store: Option<&IndexStore>) -> Result<(Option<IndexLock>, bool), ReloadError> {
    let Some(store) = store else {
        return Ok((None, false));
    };
    match store.lock()? {
        Some(lock) => Ok((Some(lock), false)),
        None => {
            tracing::warn!(
                "{}: locked by another fanzha-bot (`fanzha-bot index` or a replica sharing \
                 DATA_DIR); loading in memory without reading or saving it (give each replica its \
                 own DATA_DIR, or run `index` while the bot is stopped)",
                store.dir().display()
            );
            Ok((None, true))
        }
    }
}

/// A newly built engine, with the persistent index it was saved as (when there is a store).
struct Built {
    engine: Engine,
    saved: Option<SavedIndex>,
    /// Articles whose passages were indexed.
    reindexed: usize,
}

/// Builds the engine for `cache`: in memory, or by updating the persistent index `previous`.
fn build_engine(
    store: Option<&IndexStore>,
    cache: &KnowledgeCache,
    previous: Option<&SavedIndex>,
    built_at: SystemTime,
) -> Result<Built, ReloadError> {
    Ok(match store {
        Some(store) => {
            let (engine, saved) = store.build_and_save(cache, previous, built_at)?;
            Built {
                engine,
                reindexed: saved.reindexed,
                saved: Some(saved),
            }
        }
        None => Built {
            engine: Engine::from_articles(cache.articles(), &cache.lexicon_files())?,
            saved: None,
            reindexed: cache.articles.len(),
        },
    })
}
