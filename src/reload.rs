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

use crate::answer::{Engine, EngineError};
use crate::knowledge::{self, FileProblem, LoadError, Problem};
use crate::persist::{
    CachedArticle, CachedText, FileStamp, IndexStore, KnowledgeCache, PersistError, SavedIndex,
    content_hash, lexicon_files,
};
use crate::search::lexicon::{DICTIONARY_FILE, SYNONYMS_FILE, Synonyms, parse_dictionary};

/// How long the watcher waits for a burst of file events to settle before rebuilding.
pub const WATCH_DEBOUNCE: Duration = Duration::from_millis(300);
/// Problem batches kept for slow subscribers before the oldest are dropped.
const PROBLEM_CHANNEL_CAPACITY: usize = 64;
/// Appended to the problem of a broken file whose previous version is still answered from.
const LAST_GOOD_NOTE: &str = "(the last good version is still served)";

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

/// What one rebuild did.
#[derive(Debug, Clone, Default)]
pub struct ReloadReport {
    /// Articles served now.
    pub documents: usize,
    /// Knowledge files parsed this time because they were new or changed (broken ones included).
    pub reparsed: usize,
    /// Articles that disappeared because their file was deleted.
    pub removed: usize,
    /// Broken files whose last good version is still served.
    pub kept_last_good: usize,
    /// Whether a new engine was built (false when nothing served changed).
    pub rebuilt: bool,
    /// Articles whose passages were (re-)indexed by that build: the new and changed ones when
    /// the persistent index was updated in place, every article otherwise.
    pub reindexed: usize,
    /// Whether the engine was opened from the persistent index instead of being built.
    pub opened_saved_index: bool,
    /// Every current problem, sorted.
    pub problems: Vec<Problem>,
    /// Problems not reported by the previous rebuild.
    pub new_problems: Vec<Problem>,
    pub elapsed: Duration,
}

/// How far a load got, for progress bars.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum LoadStep {
    /// About to read (and, when changed, parse) this many articles.
    Reading { files: usize },
    /// Reading the next article.
    Read,
    /// Building the search index over this many articles.
    Indexing { documents: usize },
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

struct RebuildState {
    cache: KnowledgeCache,
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
        let started = Instant::now();
        let store = data_dir.map(IndexStore::in_data_dir);
        let (mut saved, cache) = match store.as_ref().and_then(IndexStore::load_snapshot) {
            Some((saved, cache)) => (Some(saved), cache),
            None => (None, KnowledgeCache::default()),
        };
        let mut state = RebuildState {
            cache,
            served_fingerprint: String::new(),
            saved: None,
        };
        let mut status = Status {
            problems: Vec::new(),
            built_at: SystemTime::now(),
            last_reload: SystemTime::now(),
        };
        let mut report = refresh_cache(knowledge_dir, &mut state.cache, progress)?;
        let fingerprint = state.cache.fingerprint();
        let opened = match (&store, saved.as_mut()) {
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
                let built = build_engine(
                    store.as_ref(),
                    &state.cache,
                    saved.as_ref(),
                    status.built_at,
                )?;
                report.reindexed = built.reindexed;
                state.saved = built.saved;
                built.engine
            }
        };
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

    /// Re-reads the knowledge folder and swaps in a new engine if what is served changed.
    /// Blocks for the whole rebuild: call it from a blocking thread, not from an async task.
    pub fn rebuild(&self) -> Result<ReloadReport, ReloadError> {
        let started = Instant::now();
        let mut state = unpoisoned(&self.shared.rebuild);
        // The cache may run ahead of the served engine when a build fails: the fingerprints
        // then differ and the next rebuild tries again.
        let mut report = refresh_cache(&self.shared.knowledge_dir, &mut state.cache, &|_| {})?;
        report.documents = state.cache.articles.len();
        let fingerprint = state.cache.fingerprint();
        let mut built_at = None;
        if fingerprint != state.served_fingerprint {
            let now = SystemTime::now();
            let built = build_engine(
                self.shared.store.as_ref(),
                &state.cache,
                state.saved.as_ref(),
                now,
            )?;
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
            || name == DICTIONARY_FILE
            || name == SYNONYMS_FILE
            || path.extension().is_none()
    }
}

/// Locks a mutex whatever happened to an earlier holder: a panic during a rebuild leaves the
/// state as it was before that rebuild, which is still consistent.
fn unpoisoned<T>(mutex: &Mutex<T>) -> MutexGuard<'_, T> {
    mutex
        .lock()
        .unwrap_or_else(|poisoned| poisoned.into_inner())
}

/// Keeps the folder watched; dropping it stops watching.
pub struct KnowledgeWatcher {
    _debouncer: Debouncer<notify::RecommendedWatcher>,
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
            engine: Engine::build_in_memory(cache.articles(), &lexicon_files(cache))?,
            saved: None,
            reindexed: cache.articles.len(),
        },
    })
}

/// Brings `cache` up to date with the folder: re-parses new and changed files, keeps the last
/// good version of broken ones and drops deleted ones. Returns the counts and every problem.
fn refresh_cache(
    dir: &Path,
    cache: &mut KnowledgeCache,
    progress: &dyn Fn(LoadStep),
) -> Result<ReloadReport, ReloadError> {
    let mut report = ReloadReport::default();
    let mut present = BTreeSet::new();
    let files = knowledge::article_files(dir)?;
    progress(LoadStep::Reading { files: files.len() });
    for path in files {
        progress(LoadStep::Read);
        let relative = knowledge::relative_path(dir, &path);
        let stamp = std::fs::metadata(&path)
            .ok()
            .as_ref()
            .and_then(FileStamp::of);
        if let Some(cached) = cache
            .articles
            .get(&relative)
            .filter(|c| stamp.is_some() && c.stamp == stamp)
        {
            // Same size and modification time as when it had this hash: not read again.
            keep_unchanged(cached, &path, relative, &mut present, &mut report);
            continue;
        }
        let bytes = match std::fs::read(&path) {
            Ok(bytes) => bytes,
            // Deleted between listing and reading: gone.
            Err(err) if err.kind() == std::io::ErrorKind::NotFound => continue,
            Err(err) => {
                let problem = FileProblem::new(1, format!("cannot read the file: {err}"));
                keep_last_good(cache, &relative, &path, problem, &mut present, &mut report);
                continue;
            }
        };
        let hash = content_hash(&bytes);
        if let Some(cached) = cache.articles.get_mut(&relative).filter(|c| c.hash == hash) {
            cached.stamp = stamp;
            keep_unchanged(cached, &path, relative, &mut present, &mut report);
            continue;
        }
        report.reparsed += 1;
        match knowledge::parse_document(&relative, &bytes) {
            Ok((document, warnings)) => {
                report
                    .problems
                    .extend(warnings.iter().cloned().map(|w| w.at(&path)));
                let article = CachedArticle::new(hash, stamp, document, warnings);
                cache.articles.insert(relative.clone(), article);
                present.insert(relative);
            }
            Err(problem) => {
                keep_last_good(cache, &relative, &path, problem, &mut present, &mut report);
            }
        }
    }
    let before = cache.articles.len();
    cache.articles.retain(|path, _| present.contains(path));
    report.removed = before - cache.articles.len();

    refresh_lexicon_file(
        &dir.join(DICTIONARY_FILE),
        &mut cache.dictionary,
        |text| parse_dictionary(text).1,
        &mut report,
    );
    refresh_lexicon_file(
        &dir.join(SYNONYMS_FILE),
        &mut cache.synonyms,
        |text| Synonyms::parse(text).1,
        &mut report,
    );
    report
        .problems
        .sort_by(|a, b| (&a.path, a.line, &a.message).cmp(&(&b.path, b.line, &b.message)));
    Ok(report)
}

/// An article whose file has not changed: served as cached, with the warnings it had.
fn keep_unchanged(
    cached: &CachedArticle,
    path: &Path,
    relative: String,
    present: &mut BTreeSet<String>,
    report: &mut ReloadReport,
) {
    report
        .problems
        .extend(cached.warnings().map(|w| w.at(path)));
    present.insert(relative);
}

/// Records the problem of a file that cannot be used now; its cached version, if any, stays.
fn keep_last_good(
    cache: &KnowledgeCache,
    relative: &str,
    path: &Path,
    mut problem: FileProblem,
    present: &mut BTreeSet<String>,
    report: &mut ReloadReport,
) {
    if cache.articles.contains_key(relative) {
        problem.message = format!("{} {LAST_GOOD_NOTE}", problem.message);
        present.insert(relative.to_string());
        report.kept_last_good += 1;
    }
    report.problems.push(problem.at(path));
}

/// Brings one lexicon file up to date. A new text replaces the cached one unless it is not UTF-8
/// or it has problems the cached text does not have: an edit never makes a clean file worse.
fn refresh_lexicon_file(
    path: &Path,
    cached: &mut Option<CachedText>,
    problems_of: impl Fn(&str) -> Vec<FileProblem>,
    report: &mut ReloadReport,
) {
    let bytes = match std::fs::read(path) {
        Ok(bytes) => bytes,
        Err(err) if err.kind() == std::io::ErrorKind::NotFound => {
            *cached = None;
            return;
        }
        Err(err) => {
            let problem = FileProblem::new(1, format!("cannot read the file: {err}"));
            report_lexicon_problem(problem, cached, path, report);
            return;
        }
    };
    let hash = content_hash(&bytes);
    if let Some(current) = cached.as_ref().filter(|c| c.hash == hash) {
        let text = current.text.clone();
        report
            .problems
            .extend(problems_of(&text).into_iter().map(|p| p.at(path)));
        return;
    }
    report.reparsed += 1;
    let Ok(text) = String::from_utf8(bytes) else {
        let problem = FileProblem::new(1, "not valid UTF-8; save the file as UTF-8");
        report_lexicon_problem(problem, cached, path, report);
        return;
    };
    let problems = problems_of(&text);
    let cached_is_clean = cached
        .as_ref()
        .is_some_and(|c| problems_of(&c.text).is_empty());
    if !problems.is_empty() && cached_is_clean {
        report.kept_last_good += 1;
        report.problems.extend(
            problems
                .into_iter()
                .map(|p| last_good_problem(p, cached, path)),
        );
        return;
    }
    report
        .problems
        .extend(problems.into_iter().map(|p| p.at(path)));
    *cached = Some(CachedText { hash, text });
}

/// Reports a lexicon file that cannot be used at all; its cached version, if any, stays.
fn report_lexicon_problem(
    problem: FileProblem,
    cached: &Option<CachedText>,
    path: &Path,
    report: &mut ReloadReport,
) {
    report.kept_last_good += usize::from(cached.is_some());
    report
        .problems
        .push(last_good_problem(problem, cached, path));
}

fn last_good_problem(
    mut problem: FileProblem,
    cached: &Option<CachedText>,
    path: &Path,
) -> Problem {
    if cached.is_some() {
        problem.message = format!("{} {LAST_GOOD_NOTE}", problem.message);
    }
    problem.at(path)
}
