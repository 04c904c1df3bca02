//! The persistent index: the engine's search index and the parsed knowledge saved under
//! `DATA_DIR/index/`, so a restart with unchanged knowledge opens them instead of re-parsing every
//! article and re-indexing every passage.
//!
//! Layout:
//! - `index/current.json`: the [`Snapshot`] — the last good parse of every knowledge file (with
//!   its content hash) and the fingerprint of the index built from them. Written to a temporary
//!   file and renamed, so a crash never leaves half a snapshot.
//! - `index/<fingerprint>/`: the tantivy index of that fingerprint. A new version of the
//!   knowledge gets a new folder; older folders are removed once the snapshot points elsewhere.
//!
//! The fingerprint covers the snapshot format, the crate version (tokenizers and passage splitting
//! may change between versions) and the content hash of every file served, so an index is only
//! ever opened for exactly the corpus it was built from.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};

use crate::answer::{Engine, EngineError, LexiconFiles};
use crate::knowledge::{Document, FileProblem};
use crate::search::SearchIndex;

/// Bumped whenever the snapshot or index layout changes, so old snapshots are ignored.
const FORMAT: u32 = 2;
/// The snapshot file inside the index folder.
const SNAPSHOT_FILE: &str = "current.json";

/// The hex SHA-256 of a file's bytes.
pub fn content_hash(bytes: &[u8]) -> String {
    let digest = Sha256::digest(bytes);
    digest.iter().map(|b| format!("{b:02x}")).collect()
}

/// The last good parse of one article.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct CachedArticle {
    /// Content hash of the bytes this document was parsed from.
    pub hash: String,
    pub document: Document,
    /// Problems that did not stop the article from being served: `(line, message)`.
    pub warnings: Vec<(usize, String)>,
}

impl CachedArticle {
    pub fn new(hash: String, document: Document, warnings: Vec<FileProblem>) -> Self {
        Self {
            hash,
            document,
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
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
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

    /// The documents served, in path order.
    pub fn documents(&self) -> Vec<Document> {
        self.articles
            .values()
            .map(|article| article.document.clone())
            .collect()
    }
}

/// What is saved in `current.json`.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Snapshot {
    format: u32,
    /// The fingerprint of `cache`, naming the index folder built from it.
    pub fingerprint: String,
    /// When that index was built, in seconds since the Unix epoch.
    built_at: u64,
    pub cache: KnowledgeCache,
}

impl Snapshot {
    pub fn new(cache: KnowledgeCache, built_at: SystemTime) -> Self {
        Self {
            format: FORMAT,
            fingerprint: cache.fingerprint(),
            built_at: built_at
                .duration_since(UNIX_EPOCH)
                .map_or(0, |age| age.as_secs()),
            cache,
        }
    }

    pub fn built_at(&self) -> SystemTime {
        UNIX_EPOCH + Duration::from_secs(self.built_at)
    }
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

    /// The saved snapshot, or `None` when there is none or it is unreadable or from another
    /// format (then everything is simply re-parsed).
    pub fn load_snapshot(&self) -> Option<Snapshot> {
        let path = self.dir.join(SNAPSHOT_FILE);
        let bytes = std::fs::read(&path).ok()?;
        match serde_json::from_slice::<Snapshot>(&bytes) {
            Ok(snapshot) if snapshot.format == FORMAT => Some(snapshot),
            Ok(_) => None,
            Err(err) => {
                tracing::warn!("{}: ignoring the saved snapshot: {err}", path.display());
                None
            }
        }
    }

    /// Opens the saved engine for `snapshot`; `None` when its index folder is missing or broken.
    pub fn open_engine(&self, snapshot: &Snapshot) -> Option<Engine> {
        let index_dir = self.dir.join(&snapshot.fingerprint);
        if !index_dir.is_dir() {
            return None;
        }
        let files = lexicon_files(&snapshot.cache);
        match Engine::build_with(snapshot.cache.documents(), &files, |lexicon, _keys| {
            SearchIndex::open_in_dir(&index_dir, lexicon)
        }) {
            Ok(engine) => Some(engine),
            Err(err) => {
                tracing::warn!("{}: rebuilding the index: {err}", index_dir.display());
                None
            }
        }
    }

    /// Builds the engine for `cache` with its index on disk, saves the snapshot and removes the
    /// index folders of older versions.
    pub fn build_and_save(
        &self,
        cache: &KnowledgeCache,
        built_at: SystemTime,
    ) -> Result<Engine, PersistError> {
        let snapshot = Snapshot::new(cache.clone(), built_at);
        let index_dir = self.dir.join(&snapshot.fingerprint);
        // A folder of this fingerprint may be left over from an interrupted build.
        if index_dir.exists() {
            std::fs::remove_dir_all(&index_dir).map_err(io_error(&index_dir))?;
        }
        std::fs::create_dir_all(&index_dir).map_err(io_error(&index_dir))?;
        let files = lexicon_files(cache);
        let engine = Engine::build_with(cache.documents(), &files, |lexicon, keys| {
            SearchIndex::build_in_dir(&index_dir, lexicon, keys.iter().map(String::as_str))
        })?;
        self.save_snapshot(&snapshot)?;
        self.remove_other_indexes(&snapshot.fingerprint);
        Ok(engine)
    }

    fn save_snapshot(&self, snapshot: &Snapshot) -> Result<(), PersistError> {
        let path = self.dir.join(SNAPSHOT_FILE);
        let temporary = self.dir.join(format!("{SNAPSHOT_FILE}.tmp"));
        let bytes = serde_json::to_vec(snapshot).map_err(|source| PersistError::Encode {
            path: path.clone(),
            source,
        })?;
        std::fs::write(&temporary, bytes).map_err(io_error(&temporary))?;
        std::fs::rename(&temporary, &path).map_err(io_error(&path))
    }

    /// Removes index folders other than `keep`. An engine still serving from one keeps its
    /// memory maps (on Unix a removed file lives until unmapped); failures are only logged.
    fn remove_other_indexes(&self, keep: &str) {
        let Ok(entries) = std::fs::read_dir(&self.dir) else {
            return;
        };
        for entry in entries.flatten() {
            let path = entry.path();
            if path.is_dir()
                && entry.file_name() != keep
                && let Err(err) = std::fs::remove_dir_all(&path)
            {
                tracing::warn!("{}: cannot remove an old index: {err}", path.display());
            }
        }
    }
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
                CachedArticle::new(content_hash(text.as_bytes()), document, Vec::new()),
            );
        }
        cache
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
    fn a_saved_snapshot_round_trips() {
        let dir = tempfile::tempdir().unwrap();
        let store = IndexStore::in_data_dir(dir.path());
        let cache = cache_with(&[("a.md", "拦截涉诈电话19.5亿次。")]);
        let engine = store.build_and_save(&cache, SystemTime::now()).unwrap();
        let snapshot = store.load_snapshot().expect("saved");
        assert_eq!(snapshot.fingerprint, cache.fingerprint());
        let opened = store.open_engine(&snapshot).expect("opens");
        assert_eq!(opened.stats(), engine.stats());
        assert_eq!(
            opened.answer("拦截了多少涉诈电话"),
            engine.answer("拦截了多少涉诈电话")
        );
    }
}
