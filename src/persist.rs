//! The persistent index: the engine's search index and the derived articles saved under
//! `DATA_DIR/index/`, so a restart with unchanged knowledge opens them instead of re-parsing every
//! article and re-indexing every passage, and a change re-indexes only the files that changed.
//!
//! Layout:
//! - `index/current.json`: the snapshot — every knowledge file served, with its content hash, size
//!   and modification time (so an unchanged file is not even read at start-up), its
//!   [`ArticleMeta`] and its slot in the search index; the fingerprint of the whole; and the search
//!   index folder that holds it. Written to a temporary file and renamed, so a crash never leaves
//!   half a snapshot.
//! - `index/articles/<key>-<hash>.bin`: one file per derived article body ([`crate::corpus`]),
//!   read the first time a question touches the article.
//! - `index/search-<fingerprint>/`: the tantivy index. A change deletes the passages of changed
//!   and deleted articles and adds those of new and changed ones, in place; its commit carries
//!   the new fingerprint, so an index is only ever opened for exactly the snapshot it matches.
//!   When the segmenter's words change (the dictionary, the synonyms or the terms the articles
//!   quote), every passage must be tokenized again, and a new folder is built.
//!
//! The fingerprint covers the snapshot format, the crate version (tokenizers and passage splitting
//! may change between versions) and the content hash of every file served.

use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};

use crate::answer::{Engine, EngineError, LexiconFiles, passages_to_index, segmenter_words};
use crate::corpus::{Article, ArticleMeta, BodyFileError};
use crate::knowledge::{Document, FileProblem};
use crate::search::SearchIndex;
use crate::search::lexicon::Synonyms;

/// Bumped whenever the snapshot or index layout changes, so old snapshots are ignored.
const FORMAT: u32 = 4;
/// The snapshot file inside the index folder.
const SNAPSHOT_FILE: &str = "current.json";
/// The folder of derived article bodies inside the index folder.
const ARTICLES_DIR: &str = "articles";
/// More slots than this in a snapshot means it is damaged (a rebuild compacts them long before).
const MAX_SLOTS: u32 = 1 << 24;
/// Search index folders are named this and the fingerprint they were first built for.
const SEARCH_DIR_PREFIX: &str = "search-";

/// The hex SHA-256 of a file's bytes.
pub fn content_hash(bytes: &[u8]) -> String {
    let digest = Sha256::digest(bytes);
    digest.iter().map(|b| format!("{b:02x}")).collect()
}

/// A file's size and modification time: when both are as recorded, the file is taken to be
/// unchanged without reading it (as git does for its index).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct FileStamp {
    pub len: u64,
    /// Nanoseconds since the Unix epoch.
    pub modified: u128,
}

impl FileStamp {
    /// The stamp of a file's metadata; `None` where the platform reports no modification time.
    pub fn of(metadata: &std::fs::Metadata) -> Option<FileStamp> {
        let modified = metadata.modified().ok()?.duration_since(UNIX_EPOCH).ok()?;
        Some(FileStamp {
            len: metadata.len(),
            modified: modified.as_nanos(),
        })
    }
}

/// The last good parse of one article.
#[derive(Debug, Clone)]
pub struct CachedArticle {
    /// Content hash of the bytes this article was parsed from.
    pub hash: String,
    /// Size and modification time of the file when it last had that hash.
    pub stamp: Option<FileStamp>,
    /// The article derived from it, shared with the engines that serve it.
    pub article: Arc<Article>,
    /// Problems that did not stop the article from being served: `(line, message)`.
    pub warnings: Vec<(usize, String)>,
}

impl CachedArticle {
    /// A freshly parsed article: derives its passages and figures.
    pub fn new(
        hash: String,
        stamp: Option<FileStamp>,
        document: Document,
        warnings: Vec<FileProblem>,
    ) -> Self {
        Self {
            hash,
            stamp,
            article: Arc::new(Article::derive(document)),
            warnings: warnings.into_iter().map(|w| (w.line, w.message)).collect(),
        }
    }

    pub fn warnings(&self) -> impl Iterator<Item = FileProblem> + '_ {
        self.warnings
            .iter()
            .map(|(line, message)| FileProblem::new(*line, message.clone()))
    }
}

/// The last good text of a lexicon file (`dictionary.txt`, `synonyms.txt`); parsing it is cheap,
/// so the text is kept rather than the parsed form.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct CachedText {
    pub hash: String,
    pub text: String,
}

/// The last good version of every knowledge file: what the engine serves.
#[derive(Debug, Clone, Default)]
pub struct KnowledgeCache {
    /// By path relative to the knowledge folder; sorted, so documents keep a stable order.
    pub articles: BTreeMap<String, CachedArticle>,
    pub dictionary: Option<CachedText>,
    pub synonyms: Option<CachedText>,
}

impl KnowledgeCache {
    /// A hash of everything served, in a stable order: equal fingerprints, equal engines.
    pub fn fingerprint(&self) -> String {
        let mut hasher = Sha256::new();
        hasher.update(format!(
            "format {FORMAT} version {}\n",
            env!("CARGO_PKG_VERSION")
        ));
        for (path, article) in &self.articles {
            hasher.update(format!("article {path} {}\n", article.hash));
        }
        for (name, file) in [
            ("dictionary", &self.dictionary),
            ("synonyms", &self.synonyms),
        ] {
            if let Some(file) = file {
                hasher.update(format!("{name} {}\n", file.hash));
            }
        }
        hasher.finalize()[..12]
            .iter()
            .map(|b| format!("{b:02x}"))
            .collect()
    }

    /// The articles served, in path order.
    pub fn articles(&self) -> Vec<Arc<Article>> {
        self.articles
            .values()
            .map(|cached| Arc::clone(&cached.article))
            .collect()
    }
}

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
}

impl IndexStore {
    /// The store in `data_dir/index/` (created on the first save).
    pub fn in_data_dir(data_dir: &Path) -> Self {
        Self {
            dir: data_dir.join("index"),
        }
    }

    pub fn dir(&self) -> &Path {
        &self.dir
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
        // An article whose body file is missing is parsed again (its cache entry is left out).
        let bodies: BTreeSet<std::ffi::OsString> = std::fs::read_dir(self.dir.join(ARTICLES_DIR))
            .map(|entries| entries.flatten().map(|e| e.file_name()).collect())
            .unwrap_or_default();
        let mut slots = BTreeMap::new();
        let mut articles = BTreeMap::new();
        for (path, entry) in file.articles {
            // Its passages are still in the search index under this slot, and stay there if
            // the file, parsed again, has the same content.
            slots.insert(path.clone(), (entry.slot, entry.hash.clone()));
            let name = body_file_name(&path, &entry.hash);
            if !bodies.contains(std::ffi::OsStr::new(&name)) || entry.meta.path != path {
                tracing::warn!("{path}: its saved article is missing; parsing it again");
                continue;
            }
            let article = Article::stored(entry.meta, self.dir.join(ARTICLES_DIR).join(name));
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
        let files = lexicon_files(cache);
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
        let files = lexicon_files(cache);
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
            }
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
        std::fs::write(&temporary, bytes).map_err(io_error(&temporary))?;
        std::fs::rename(&temporary, &path).map_err(io_error(&path))
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

/// The file name of an article body: the article's path key and content hash, so a changed
/// article never overwrites the body an engine still serving may read.
fn body_file_name(path: &str, hash: &str) -> String {
    let key = crate::answer::ParagraphRef::doc_key(path);
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

/// The lexicon files the cache serves, parsed.
pub fn lexicon_files(cache: &KnowledgeCache) -> LexiconFiles {
    let mut files = LexiconFiles::default();
    if let Some(dictionary) = &cache.dictionary {
        files.dictionary = crate::search::lexicon::parse_dictionary(&dictionary.text).0;
    }
    if let Some(synonyms) = &cache.synonyms {
        files.synonyms = crate::search::lexicon::Synonyms::parse(&synonyms.text).0;
    }
    files
}

#[cfg(test)]
mod tests {
    use super::*;

    fn cache_with(hashes: &[(&str, &str)]) -> KnowledgeCache {
        let mut cache = KnowledgeCache::default();
        for (path, text) in hashes {
            let (document, _) = crate::knowledge::parse_document(path, text.as_bytes()).unwrap();
            cache.articles.insert(
                path.to_string(),
                CachedArticle::new(content_hash(text.as_bytes()), None, document, Vec::new()),
            );
        }
        cache
    }

    /// `files` built and saved in a store in a temporary folder (kept while `_dir` lives).
    struct Built {
        _dir: tempfile::TempDir,
        store: IndexStore,
        cache: KnowledgeCache,
        engine: Engine,
        saved: SavedIndex,
    }

    fn built(files: &[(&str, &str)]) -> Built {
        let dir = tempfile::tempdir().unwrap();
        let store = IndexStore::in_data_dir(dir.path());
        let cache = cache_with(files);
        let (engine, saved) = store
            .build_and_save(&cache, None, SystemTime::now())
            .unwrap();
        Built {
            _dir: dir,
            store,
            cache,
            engine,
            saved,
        }
    }

    #[test]
    fn the_fingerprint_follows_every_served_file() {
        let one = cache_with(&[("a.md", "甲文章正文。"), ("b.md", "乙文章正文。")]);
        let same = cache_with(&[("b.md", "乙文章正文。"), ("a.md", "甲文章正文。")]);
        assert_eq!(
            one.fingerprint(),
            same.fingerprint(),
            "insertion order is irrelevant"
        );
        let changed = cache_with(&[("a.md", "甲文章正文。"), ("b.md", "乙文章改了。")]);
        assert_ne!(one.fingerprint(), changed.fingerprint());
        let mut with_synonyms = one.clone();
        with_synonyms.synonyms = Some(CachedText {
            hash: content_hash(b"a b"),
            text: "a b".into(),
        });
        assert_ne!(one.fingerprint(), with_synonyms.fingerprint());
    }

    #[test]
    fn a_saved_snapshot_round_trips_and_reads_articles_on_first_use() {
        let Built {
            _dir,
            store,
            cache,
            engine,
            ..
        } = built(&[
            ("a.md", "拦截涉诈电话19.5亿次。"),
            ("b.md", "青松守护计划今年走进120所学校。"),
        ]);
        let (mut saved, reopened) = store.load_snapshot().expect("saved");
        assert_eq!(saved.fingerprint, cache.fingerprint());
        assert_eq!(reopened.fingerprint(), cache.fingerprint());
        let opened = store.open_engine(&mut saved, &reopened).expect("opens");
        assert!(
            reopened
                .articles
                .values()
                .all(|c| !c.article.body_is_loaded()),
            "no article read at start-up"
        );
        assert_eq!(opened.stats(), engine.stats());
        assert_eq!(
            opened.answer("拦截了多少涉诈电话"),
            engine.answer("拦截了多少涉诈电话")
        );
        assert!(reopened.articles["a.md"].article.body_is_loaded());
        assert!(
            !reopened.articles["b.md"].article.body_is_loaded(),
            "only the articles a question touches are read"
        );
    }

    #[test]
    fn a_change_updates_the_search_index_in_place() {
        let Built {
            _dir,
            store,
            cache,
            saved: first,
            ..
        } = built(&[
            ("a.md", "拦截涉诈电话19.5亿次。"),
            ("b.md", "青松守护计划今年走进120所学校。"),
            ("c.md", "红棉护卫行动今年覆盖了300个村。"),
        ]);
        assert_eq!(first.reindexed, 3);
        let mut changed = cache.clone();
        changed.articles.remove("c.md");
        let edited = cache_with(&[("b.md", "青松守护计划今年走进150所学校。")]);
        changed
            .articles
            .insert("b.md".into(), edited.articles["b.md"].clone());
        let (engine, second) = store
            .build_and_save(&changed, Some(&first), SystemTime::now())
            .unwrap();
        assert_eq!(second.reindexed, 1, "only the changed article");
        assert_eq!(second.search_dir, first.search_dir, "updated in place");
        assert_eq!(second.slots["a.md"], first.slots["a.md"]);
        assert_ne!(second.slots["b.md"].0, first.slots["b.md"].0);
        assert_eq!(engine.stats().documents, 2);
        let answer = engine.answer("青松守护计划走进了多少所学校");
        assert_eq!(answer.figures[0].value, "150所");
        assert!(!engine.answer("红棉护卫行动覆盖了多少个村").answered);
        assert!(engine.answer("拦截了多少涉诈电话").answered);
        let bodies = || {
            std::fs::read_dir(store.dir().join(ARTICLES_DIR))
                .unwrap()
                .count()
        };
        assert_eq!(
            bodies(),
            4,
            "the previous version's bodies stay, for its engine"
        );

        // A restart opens the updated index.
        let (mut saved, reopened) = store.load_snapshot().unwrap();
        let opened = store.open_engine(&mut saved, &reopened).expect("opens");
        assert_eq!(
            opened.answer("青松守护计划走进了多少所学校"),
            engine.answer("青松守护计划走进了多少所学校")
        );
        // The next change removes them.
        let mut third = reopened.clone();
        third.articles.remove("a.md");
        store
            .build_and_save(&third, Some(&saved), SystemTime::now())
            .unwrap();
        assert_eq!(
            bodies(),
            2,
            "b.md's current version, and a.md's until the next change"
        );
    }

    #[test]
    fn a_new_quoted_term_tokenizes_everything_again() {
        let Built {
            _dir,
            store,
            cache,
            saved: first,
            ..
        } = built(&[("a.md", "银行卡断卡行动已开展两年。")]);
        let mut changed = cache.clone();
        let quoting = cache_with(&[("b.md", "所谓“断卡”，就是打击非法买卖银行卡。")]);
        changed
            .articles
            .insert("b.md".into(), quoting.articles["b.md"].clone());
        let (_, second) = store
            .build_and_save(&changed, Some(&first), SystemTime::now())
            .unwrap();
        assert_eq!(second.reindexed, 2, "every article tokenized with 断卡");
        assert_ne!(second.search_dir, first.search_dir);
        assert!(!store.dir().join(&first.search_dir).exists());
    }

    #[test]
    fn an_index_that_does_not_match_its_snapshot_is_rebuilt_not_served() {
        let Built {
            _dir,
            store,
            saved: first,
            ..
        } = built(&[("a.md", "拦截涉诈电话19.5亿次。")]);
        // As if the bot stopped after committing an update but before saving its snapshot.
        let index = tantivy::Index::open_in_dir(store.dir().join(&first.search_dir)).unwrap();
        let mut writer: tantivy::IndexWriter =
            index.writer_with_num_threads(1, 15_000_000).unwrap();
        let mut commit = writer.prepare_commit().unwrap();
        commit.set_payload("something else");
        commit.commit().unwrap();
        drop(writer);
        let (mut saved, reopened) = store.load_snapshot().unwrap();
        assert!(store.open_engine(&mut saved, &reopened).is_none());
        let (engine, rebuilt) = store
            .build_and_save(&reopened, Some(&saved), SystemTime::now())
            .unwrap();
        assert_eq!(rebuilt.reindexed, 1, "built anew");
        assert!(engine.answer("拦截了多少涉诈电话").answered);
    }

    #[test]
    fn a_snapshot_with_bad_slots_is_ignored() {
        let Built { _dir, store, .. } =
            built(&[("a.md", "拦截涉诈电话19.5亿次。"), ("b.md", "乙文章正文。")]);
        let path = store.dir().join(SNAPSHOT_FILE);
        let good = std::fs::read_to_string(&path).unwrap();
        assert!(store.load_snapshot().is_some());
        for (from, to) in [
            ("\"next_slot\":2", "\"next_slot\":4000000000"),
            ("\"slot\":1", "\"slot\":0"),
            ("\"slot\":1", "\"slot\":7"),
        ] {
            assert!(good.contains(from), "{good}");
            std::fs::write(&path, good.replace(from, to)).unwrap();
            assert!(store.load_snapshot().is_none(), "{to}");
        }
    }

    #[test]
    fn a_missing_or_damaged_article_file_is_not_a_crash() {
        let Built {
            _dir, store, cache, ..
        } = built(&[
            ("a.md", "拦截涉诈电话19.5亿次。"),
            ("b.md", "青松守护计划今年走进120所学校。"),
        ]);
        let body = |path: &str| {
            store
                .dir()
                .join(ARTICLES_DIR)
                .join(body_file_name(path, &cache.articles[path].hash))
        };
        std::fs::remove_file(body("a.md")).unwrap();
        let bytes = std::fs::read(body("b.md")).unwrap();
        std::fs::write(body("b.md"), &bytes[..bytes.len() / 2]).unwrap();
        let (mut saved, mut reopened) = store.load_snapshot().unwrap();
        assert!(
            !reopened.articles.contains_key("a.md"),
            "an article without its file is left to be parsed again"
        );
        assert!(store.open_engine(&mut saved, &reopened).is_none());
        // Parsed again (as the reload does), it is the same version: the index is opened as it
        // is, and the article's file saved again.
        let parsed_again = cache_with(&[("a.md", "拦截涉诈电话19.5亿次。")]);
        reopened
            .articles
            .insert("a.md".into(), parsed_again.articles["a.md"].clone());
        let engine = store.open_engine(&mut saved, &reopened).expect("opens");
        assert!(body("a.md").exists());
        assert!(engine.answer("拦截了多少涉诈电话").answered);
        assert!(
            !engine.answer("青松守护计划走进了多少所学校").answered,
            "a damaged article is served empty"
        );
    }
}
