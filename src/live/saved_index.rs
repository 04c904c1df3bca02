//! The persistent index: the engine's search index and the derived articles saved under
//! `DATA_DIR/index/`, so a restart with unchanged knowledge opens them instead of re-parsing every
//! article and re-indexing every passage, and a change re-indexes only the files that changed.
//!
//! Layout:
//! - `index/current.json`: the snapshot — every knowledge file served, with its content hash, size
//!   and modification time (so an unchanged file is not even read at start-up), its
//!   [`ArticleMeta`] and its slot in the search index; the fingerprint of the whole; and the search
//!   index folder that holds it. Written to a temporary file, flushed to disk, renamed, and the
//!   folder flushed too, so neither a crash nor a power cut leaves half a snapshot.
//! - `index/articles/<key>-<hash>.bin`: one file per derived article body ([`crate::corpus`]),
//!   read the first time a question touches the article. The snapshot records each one's length
//!   and hash: a body of another length is parsed again at start-up, one whose hash differs
//!   when it is read (see [`crate::corpus::Article::is_damaged`]).
//! - `index/lock`: held (an exclusive file lock) while a process reads or writes the store, so
//!   `fanzha-bot index`, a running bot and replicas sharing `DATA_DIR` never write it at once.
//!   One that cannot get it within [`LOCK_WAIT`] works in memory without touching the store.
//! - `index/search-<fingerprint>/`: the tantivy index. A change deletes the passages of changed
//!   and deleted articles and adds those of new and changed ones, in place; its commit carries
//!   the new fingerprint, so an index is only ever opened for exactly the snapshot it matches.
//!   When the segmenter's words change (the dictionary, the synonyms or the terms the articles
//!   quote), every passage must be tokenized again, and a new folder is built.
//!
//! The fingerprint covers the snapshot format, the crate version (tokenizers and passage splitting
//! may change between versions) and the content hash of every file served.

use std::collections::{BTreeMap, BTreeSet};
use std::fs::TryLockError;
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};

use super::cache::{CachedArticle, CachedText, FORMAT, FileStamp, KnowledgeCache};
use crate::answer::engine::{Engine, passages_to_index, segmenter_words};
use crate::answer::{EngineError, ParagraphRef};
use crate::corpus::{Article, ArticleMeta, BodyCheck, BodyFileError, write_synced};
use crate::search::SearchIndex;
use crate::search::lexicon::{LexiconFiles, Synonyms};

/// The snapshot file inside the index folder.
const SNAPSHOT_FILE: &str = "current.json";
/// The folder of derived article bodies inside the index folder.
const ARTICLES_DIR: &str = "articles";
/// More slots than this in a snapshot means it is damaged (a rebuild compacts them long before).
const MAX_SLOTS: u32 = 1 << 24;
/// Search index folders are named this and the fingerprint they were first built for.
const SEARCH_DIR_PREFIX: &str = "search-";
/// The lock file inside the index folder.
const LOCK_FILE: &str = "lock";
/// How long a process waits for another to finish with the store before it goes on without it.
pub const LOCK_WAIT: Duration = Duration::from_secs(10);
/// How often the lock is tried while waiting.
const LOCK_POLL: Duration = Duration::from_millis(50);

/// The persistent index as it is on disk: what the snapshot says, and the search index once
/// opened (shared with the engine serving it, so an update can add to it in place).
pub struct SavedIndex {
    /// The fingerprint of the knowledge the index holds.
    pub fingerprint: String,
    /// When the index was last built or updated.
    pub built_at: SystemTime,
    /// The search index folder, inside the store.
    search_dir: String,
    /// Hash of the words the passages were tokenized with (see [`vocabulary_hash`]).
    vocabulary: String,
    /// The slot and content hash of every indexed article, by path.
    slots: BTreeMap<String, (u32, String)>,
    /// The next free slot.
    next_slot: u32,
    /// The search index, once opened.
    index: Option<tantivy::Index>,
    /// How many articles the last build or update indexed (0 when only opened).
    pub reindexed: usize,
}

/// `current.json`.
#[derive(Serialize, Deserialize)]
struct SnapshotFile {
    format: u32,
    fingerprint: String,
    /// Seconds since the Unix epoch.
    built_at: u64,
    search_dir: String,
    vocabulary: String,
    next_slot: u32,
    /// By path, in path order.
    articles: BTreeMap<String, ArticleEntry>,
    dictionary: Option<CachedText>,
    synonyms: Option<CachedText>,
}

#[derive(Serialize, Deserialize)]
struct ArticleEntry {
    hash: String,
    stamp: Option<FileStamp>,
    warnings: Vec<(usize, String)>,
    slot: u32,
    meta: ArticleMeta,
    /// What the saved body file holds.
    body: Option<BodyCheck>,
}

impl SnapshotFile {
    fn of(cache: &KnowledgeCache, saved: &SavedIndex) -> Self {
        Self {
            format: FORMAT,
            fingerprint: saved.fingerprint.clone(),
            built_at: saved
                .built_at
                .duration_since(UNIX_EPOCH)
                .map_or(0, |age| age.as_secs()),
            search_dir: saved.search_dir.clone(),
            vocabulary: saved.vocabulary.clone(),
            next_slot: saved.next_slot,
            articles: cache
                .articles
                .iter()
                .map(|(path, cached)| {
                    let entry = ArticleEntry {
                        hash: cached.hash.clone(),
                        stamp: cached.stamp,
                        warnings: cached.warnings.clone(),
                        slot: saved.slots.get(path).map_or(u32::MAX, |&(slot, _)| slot),
                        meta: cached.article.meta().clone(),
                        body: cached.article.body_check().cloned(),
                    };
                    (path.clone(), entry)
                })
                .collect(),
            dictionary: cache.dictionary.clone(),
            synonyms: cache.synonyms.clone(),
        }
    }
}

/// A hash of everything the search index's tokenizer learns beyond its built-in dictionary: the
/// segmenter words (dictionary and quoted terms) and the synonym file's words.
fn vocabulary_hash(words: &[(String, Option<usize>)], synonyms: &Synonyms) -> String {
    let mut hasher = Sha256::new();
    for (word, frequency) in words {
        hasher.update(format!("{word} {frequency:?}\n"));
    }
    let synonym_words: BTreeSet<&str> = synonyms.words().collect();
    for word in synonym_words {
        hasher.update(format!("synonym {word}\n"));
    }
    hex(&hasher.finalize()[..12])
}

fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

/// Why the persistent index could not be read or written.
#[derive(Debug, thiserror::Error)]
pub enum PersistError {
    #[error("{path}: {source}")]
    Io {
        path: PathBuf,
        #[source]
        source: std::io::Error,
    },
    #[error("{path}: cannot encode the snapshot: {source}")]
    Encode {
        path: PathBuf,
        #[source]
        source: serde_json::Error,
    },
    #[error("{path}: {source}")]
    SaveArticle {
        path: PathBuf,
        #[source]
        source: BodyFileError,
    },
    #[error(transparent)]
    Engine(#[from] EngineError),
}

fn io_error(path: &Path) -> impl FnOnce(std::io::Error) -> PersistError + '_ {
    move |source| PersistError::Io {
        path: path.to_path_buf(),
        source,
    }
}

/// The index folder under `DATA_DIR`.
#[derive(Debug, Clone)]
pub struct IndexStore {
    dir: PathBuf,
    lock_wait: Duration,
}

/// The store's lock, held until dropped (closing the file releases it, also when the process
/// dies).
#[derive(Debug)]
pub struct IndexLock {
    _file: std::fs::File,
}

impl IndexStore {
    /// The store in `data_dir/index/` (created on the first save).
    pub fn in_data_dir(data_dir: &Path) -> Self {
        Self {
            dir: data_dir.join("index"),
            lock_wait: LOCK_WAIT,
        }
    }

    /// The same store, waiting at most `wait` for its lock.
    #[must_use]
    pub fn with_lock_wait(mut self, wait: Duration) -> Self {
        self.lock_wait = wait;
        self
    }

    pub fn dir(&self) -> &Path {
        &self.dir
    }

    /// Takes the store's lock, waiting for another process to release it for at most the
    /// store's lock wait: `None` when it is still held then.
    pub fn lock(&self) -> Result<Option<IndexLock>, PersistError> {
        std::fs::create_dir_all(&self.dir).map_err(io_error(&self.dir))?;
        let path = self.dir.join(LOCK_FILE);
        let file = std::fs::OpenOptions::new()
            .create(true)
            .truncate(false)
            .write(true)
            .open(&path)
            .map_err(io_error(&path))?;
        let deadline = Instant::now() + self.lock_wait;
        loop {
            match file.try_lock() {
                Ok(()) => return Ok(Some(IndexLock { _file: file })),
                Err(TryLockError::WouldBlock) if Instant::now() < deadline => {
                    std::thread::sleep(LOCK_POLL);
                }
                Err(TryLockError::WouldBlock) => return Ok(None),
                Err(TryLockError::Error(source)) => return Err(PersistError::Io { path, source }),
            }
        }
    }

    /// The saved snapshot: the index it describes and the knowledge cache it was built from
    /// (articles whose bodies are read on first use). `None` when there is none, or it is
    /// unreadable or from another format (then everything is simply parsed again).
    pub fn load_snapshot(&self) -> Option<(SavedIndex, KnowledgeCache)> {
        let path = self.dir.join(SNAPSHOT_FILE);
        let bytes = std::fs::read(&path).ok()?;
        let file = match serde_json::from_slice::<SnapshotFile>(&bytes) {
            Ok(file) if file.format == FORMAT => file,
            Ok(_) => return None,
            Err(err) => {
                tracing::warn!("{}: ignoring the saved snapshot: {err}", path.display());
                return None;
            }
        };
        // An article whose body file is missing or has another length is parsed again (its
        // cache entry is left out).
        let bodies: BTreeMap<std::ffi::OsString, u64> =
            std::fs::read_dir(self.dir.join(ARTICLES_DIR))
                .map(|entries| {
                    entries
                        .flatten()
                        .filter_map(|e| Some((e.file_name(), e.metadata().ok()?.len())))
                        .collect()
                })
                .unwrap_or_default();
        let mut slots = BTreeMap::new();
        let mut articles = BTreeMap::new();
        for (path, entry) in file.articles {
            // Its passages are still in the search index under this slot, and stay there if
            // the file, parsed again, has the same content.
            slots.insert(path.clone(), (entry.slot, entry.hash.clone()));
            let name = body_file_name(&path, &entry.hash);
            let saved_len = bodies.get(std::ffi::OsStr::new(&name)).copied();
            let check = match entry.body {
                Some(check) if saved_len == Some(check.len) && entry.meta.path == path => check,
                _ => {
                    tracing::warn!(
                        "{path}: its saved article is missing or damaged; parsing it again"
                    );
                    continue;
                }
            };
            let file = self.dir.join(ARTICLES_DIR).join(name);
            let article = Article::stored(entry.meta, file, check);
            let cached = CachedArticle {
                hash: entry.hash,
                stamp: entry.stamp,
                article: Arc::new(article),
                warnings: entry.warnings,
            };
            articles.insert(path, cached);
        }
        // Slots index a table in the engine: a damaged or hand-edited snapshot must not make
        // it huge, nor give two articles one slot.
        let distinct: BTreeSet<u32> = slots.values().map(|&(slot, _)| slot).collect();
        if file.next_slot > MAX_SLOTS
            || distinct.len() != slots.len()
            || distinct.last().is_some_and(|&last| last >= file.next_slot)
        {
            tracing::warn!("{}: ignoring the saved snapshot: bad slots", path.display());
            return None;
        }
        let saved = SavedIndex {
            fingerprint: file.fingerprint,
            built_at: UNIX_EPOCH + Duration::from_secs(file.built_at),
            search_dir: file.search_dir,
            vocabulary: file.vocabulary,
            slots,
            next_slot: file.next_slot,
            index: None,
            reindexed: 0,
        };
        let cache = KnowledgeCache {
            articles,
            dictionary: file.dictionary,
            synonyms: file.synonyms,
        };
        Some((saved, cache))
    }

    /// Opens the saved engine when it serves exactly `cache` (the knowledge it was built from):
    /// `None` when the fingerprints differ, or the search index is missing, broken or holds
    /// another version.
    pub fn open_engine(&self, saved: &mut SavedIndex, cache: &KnowledgeCache) -> Option<Engine> {
        if saved.fingerprint != cache.fingerprint() {
            return None;
        }
        let index = self.open_search_index(saved)?;
        let articles = slotted_articles(cache, &saved.slots).ok()?;
        let files = cache.lexicon_files();
        match Engine::assemble(articles, &files, |lexicon| {
            SearchIndex::open(&index, lexicon)
        }) {
            Ok(engine) => {
                saved.index = Some(index);
                // An article whose saved file had gone missing was parsed again: save it, so
                // the next start need not.
                if let Err(err) = self.save_bodies(cache) {
                    tracing::warn!("{err}");
                }
                Some(engine)
            }
            Err(err) => {
                let dir = self.dir.join(&saved.search_dir);
                tracing::warn!("{}: rebuilding the index: {err}", dir.display());
                None
            }
        }
    }

    /// Brings the saved index up to date with `cache` and builds the engine serving it: saves
    /// the bodies of new articles, updates the search index in place when `previous` is the
    /// index on disk and the segmenter's words are unchanged (else builds a new one), saves the
    /// snapshot and removes what no longer belongs to it.
    pub fn build_and_save(
        &self,
        cache: &KnowledgeCache,
        previous: Option<&SavedIndex>,
        built_at: SystemTime,
    ) -> Result<(Engine, SavedIndex), PersistError> {
        self.save_bodies(cache)?;
        let files = cache.lexicon_files();
        let vocabulary = vocabulary_hash(
            &segmenter_words(cache.articles.values().map(|c| c.article.as_ref()), &files),
            &files.synonyms,
        );
        let fingerprint = cache.fingerprint();
        // Every change uses new slots: once most are unused, build anew to compact them.
        let reusable = previous.filter(|p| {
            p.vocabulary == vocabulary && (p.next_slot as usize) < 4 * cache.articles.len() + 1024
        });
        let (engine, saved) = match reusable.and_then(|p| Some((p, self.open_search_index(p)?))) {
            Some((previous, index)) => {
                self.update_in_place(cache, previous, &index, &files, fingerprint, built_at)?
            }
            None => self.build_new(cache, &files, fingerprint, vocabulary, built_at)?,
        };
        self.save_snapshot(&SnapshotFile::of(cache, &saved))?;
        self.remove_unused(cache, previous, &saved.search_dir);
        Ok((engine, saved))
    }

    /// Saves the body of every article of `cache` not saved yet (parsed since the last save).
    fn save_bodies(&self, cache: &KnowledgeCache) -> Result<(), PersistError> {
        let articles_dir = self.dir.join(ARTICLES_DIR);
        std::fs::create_dir_all(&articles_dir).map_err(io_error(&articles_dir))?;
        let mut written = false;
        for (path, cached) in &cache.articles {
            let file = articles_dir.join(body_file_name(path, &cached.hash));
            if cached.article.body_file() != Some(file.as_path()) {
                cached
                    .article
                    .save_body(&file)
                    .map_err(|source| PersistError::SaveArticle {
                        path: file.clone(),
                        source,
                    })?;
                written = true;
            }
        }
        if written {
            // The renames themselves reach the disk only when the folder is flushed.
            sync_dir(&articles_dir)?;
        }
        Ok(())
    }

    /// The search index of `saved`, when it is on disk and holds exactly what `saved` says
    /// (its commit payload is `saved`'s fingerprint).
    fn open_search_index(&self, saved: &SavedIndex) -> Option<tantivy::Index> {
        let dir = self.dir.join(&saved.search_dir);
        let index = match &saved.index {
            Some(index) => index.clone(),
            None => tantivy::Index::open_in_dir(&dir).ok()?,
        };
        let payload = index.load_metas().ok()?.payload;
        if payload.as_deref() != Some(&saved.fingerprint) {
            tracing::warn!("{}: holds another version; rebuilding", dir.display());
            return None;
        }
        Some(index)
    }

    /// Deletes the passages of changed and deleted articles from the index of `previous` and
    /// adds those of new and changed ones; unchanged articles keep their slots.
    fn update_in_place(
        &self,
        cache: &KnowledgeCache,
        previous: &SavedIndex,
        index: &tantivy::Index,
        files: &LexiconFiles,
        fingerprint: String,
        built_at: SystemTime,
    ) -> Result<(Engine, SavedIndex), PersistError> {
        let mut slots = previous.slots.clone();
        let mut removed = Vec::new();
        slots.retain(|path, (slot, hash)| {
            let unchanged = cache.articles.get(path).is_some_and(|c| c.hash == *hash);
            if !unchanged {
                removed.push(*slot);
            }
            unchanged
        });
        let mut next_slot = previous.next_slot;
        let mut added = Vec::new();
        for (path, cached) in &cache.articles {
            if !slots.contains_key(path) {
                slots.insert(path.clone(), (next_slot, cached.hash.clone()));
                added.push((next_slot, Arc::clone(&cached.article)));
                next_slot += 1;
            }
        }
        tracing::info!(
            removed = removed.len(),
            added = added.len(),
            "updating the search index in place"
        );
        let articles = slotted_articles(cache, &slots)?;
        let engine = Engine::assemble(articles, files, |lexicon| {
            let passages = added
                .iter()
                .flat_map(|(slot, article)| passages_to_index(*slot, article));
            SearchIndex::update(index, lexicon, &removed, passages, &fingerprint)
        })?;
        let saved = SavedIndex {
            fingerprint,
            built_at,
            search_dir: previous.search_dir.clone(),
            vocabulary: previous.vocabulary.clone(),
            slots,
            next_slot,
            index: Some(index.clone()),
            reindexed: added.len(),
        };
        Ok((engine, saved))
    }

    /// Builds a new search index folder with every article, in slots 0, 1, 2 …
    fn build_new(
        &self,
        cache: &KnowledgeCache,
        files: &LexiconFiles,
        fingerprint: String,
        vocabulary: String,
        built_at: SystemTime,
    ) -> Result<(Engine, SavedIndex), PersistError> {
        let search_dir = format!("{SEARCH_DIR_PREFIX}{fingerprint}");
        let dir = self.dir.join(&search_dir);
        // A folder of this name may be left over from an interrupted build.
        if dir.exists() {
            std::fs::remove_dir_all(&dir).map_err(io_error(&dir))?;
        }
        std::fs::create_dir_all(&dir).map_err(io_error(&dir))?;
        let slots: BTreeMap<String, (u32, String)> = (0..)
            .zip(&cache.articles)
            .map(|(slot, (path, cached))| (path.clone(), (slot, cached.hash.clone())))
            .collect();
        let articles = slotted_articles(cache, &slots)?;
        let engine = Engine::assemble(articles.clone(), files, |lexicon| {
            let passages = articles
                .iter()
                .flat_map(|(slot, article)| passages_to_index(*slot, article));
            SearchIndex::create_in_dir(&dir, lexicon, passages, &fingerprint)
        })?;
        let saved = SavedIndex {
            fingerprint,
            built_at,
            search_dir,
            vocabulary,
            next_slot: slots.len() as u32,
            reindexed: slots.len(),
            slots,
            index: Some(engine.search_index().index().clone()),
        };
        Ok((engine, saved))
    }

    fn save_snapshot(&self, snapshot: &SnapshotFile) -> Result<(), PersistError> {
        let path = self.dir.join(SNAPSHOT_FILE);
        let temporary = self.dir.join(format!("{SNAPSHOT_FILE}.tmp"));
        let bytes = serde_json::to_vec(snapshot).map_err(|source| PersistError::Encode {
            path: path.clone(),
            source,
        })?;
        write_synced(&temporary, &bytes).map_err(io_error(&temporary))?;
        std::fs::rename(&temporary, &path).map_err(io_error(&path))?;
        sync_dir(&self.dir)
    }

    /// Removes search index folders other than `keep`, and article bodies that neither `cache`
    /// nor `previous` serves. An engine still serving from a removed folder keeps its memory maps
    /// (on Unix a removed file lives until it is unmapped). Bodies are read later, on first use,
    /// so those of the previous version stay until the next change: the engine serving it
    /// answers until the new one is swapped in. Failures are only logged.
    fn remove_unused(&self, cache: &KnowledgeCache, previous: Option<&SavedIndex>, keep: &str) {
        let Ok(entries) = std::fs::read_dir(&self.dir) else {
            return;
        };
        for entry in entries.flatten() {
            let path = entry.path();
            if path.is_dir()
                && entry.file_name() != keep
                && entry.file_name() != ARTICLES_DIR
                && let Err(err) = std::fs::remove_dir_all(&path)
            {
                tracing::warn!("{}: cannot remove an old index: {err}", path.display());
            }
        }
        let current = cache.articles.iter().map(|(path, c)| (path, &c.hash));
        let before = previous
            .into_iter()
            .flat_map(|p| p.slots.iter().map(|(path, (_, hash))| (path, hash)));
        let served: BTreeSet<String> = current
            .chain(before)
            .map(|(path, hash)| body_file_name(path, hash))
            .collect();
        let Ok(bodies) = std::fs::read_dir(self.dir.join(ARTICLES_DIR)) else {
            return;
        };
        for entry in bodies.flatten() {
            let name = entry.file_name();
            if !served.contains(name.to_string_lossy().as_ref())
                && let Err(err) = std::fs::remove_file(entry.path())
            {
                tracing::warn!(
                    "{}: cannot remove an old article: {err}",
                    entry.path().display()
                );
            }
        }
    }
}

/// Flushes a folder's entries (new and renamed files) to the disk.
fn sync_dir(dir: &Path) -> Result<(), PersistError> {
    std::fs::File::open(dir)
        .and_then(|folder| folder.sync_all())
        .map_err(io_error(dir))
}

/// The file name of an article body: the article's path key and content hash, so a changed
/// article never overwrites the body an engine still serving may read.
fn body_file_name(path: &str, hash: &str) -> String {
    let key = ParagraphRef::doc_key(path);
    let hash = hash.get(..32).unwrap_or(hash);
    format!("{key:08x}-{hash}.bin")
}

/// The cache's articles with their slots; an error when one has no slot.
fn slotted_articles(
    cache: &KnowledgeCache,
    slots: &BTreeMap<String, (u32, String)>,
) -> Result<Vec<(u32, Arc<Article>)>, EngineError> {
    cache
        .articles
        .iter()
        .map(|(path, cached)| {
            let &(slot, _) = slots.get(path).ok_or_else(|| {
                EngineError::Index(format!("{path} has no slot in the search index"))
            })?;
            Ok((slot, Arc::clone(&cached.article)))
        })
        .collect()
}

#[cfg(test)]
mod tests;
