//! The persistent index: the engine's search index and the parsed knowledge saved under
//! `DATA_DIR/index/`, so a restart with unchanged knowledge opens them instead of re-parsing every
//! article and re-indexing every passage.
//!
//! Layout:
//! - `index/current.json`: the [`Snapshot`] — every knowledge file served, with its content
//!   hash, size and modification time (so an unchanged file is not even read at start-up), and
//!   the fingerprint of the index built from them. Written to a temporary file and renamed, so a
//!   crash never leaves half a snapshot.
//! - `index/<fingerprint>/`: the tantivy index of that fingerprint, and `corpus.bin`: the
//!   derived [`Corpus`] (documents, passages, figures, search keys) in a compact binary form, so
//!   a restart reads it instead of re-deriving it. A new version of the knowledge gets a new
//!   folder; older folders are removed once the snapshot points elsewhere.
//!
//! The fingerprint covers the snapshot format, the crate version (tokenizers and passage splitting
//! may change between versions) and the content hash of every file served, so an index is only
//! ever opened for exactly the corpus it was built from.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};

use crate::answer::{Corpus, Engine, EngineError, LexiconFiles};
use crate::knowledge::{Document, FileProblem};
use crate::search::SearchIndex;

/// Bumped whenever the snapshot or index layout changes, so old snapshots are ignored.
const FORMAT: u32 = 3;
/// The snapshot file inside the index folder.
const SNAPSHOT_FILE: &str = "current.json";
/// The derived corpus inside each index folder.
const CORPUS_FILE: &str = "corpus.bin";

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
    /// Content hash of the bytes this document was parsed from.
    pub hash: String,
    /// Size and modification time of the file when it last had that hash.
    pub stamp: Option<FileStamp>,
    pub document: Document,
    /// Problems that did not stop the article from being served: `(line, message)`.
    pub warnings: Vec<(usize, String)>,
}

impl CachedArticle {
    pub fn new(
        hash: String,
        stamp: Option<FileStamp>,
        document: Document,
        warnings: Vec<FileProblem>,
    ) -> Self {
        Self {
            hash,
            stamp,
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

    /// The documents served, in path order.
    pub fn documents(&self) -> Vec<Document> {
        self.articles
            .values()
            .map(|article| article.document.clone())
            .collect()
    }
}

/// What is saved: the knowledge cache and the corpus derived from it (whose documents are the
/// cache's, saved once).
pub struct Snapshot {
    /// The fingerprint of `cache`, naming the index folder built from it.
    pub fingerprint: String,
    /// When that index was built.
    pub built_at: SystemTime,
    pub cache: KnowledgeCache,
    /// The corpus of the index folder, ready to be served (see [`IndexStore::open_engine`]).
    pub corpus: Corpus,
}

/// `current.json`: the cache without the documents, which are in the corpus file.
#[derive(Serialize, Deserialize)]
struct SnapshotFile {
    format: u32,
    fingerprint: String,
    /// Seconds since the Unix epoch.
    built_at: u64,
    /// By path, in path order (the order of the corpus's documents).
    articles: BTreeMap<String, ArticleEntry>,
    dictionary: Option<CachedText>,
    synonyms: Option<CachedText>,
}

#[derive(Serialize, Deserialize)]
struct ArticleEntry {
    hash: String,
    stamp: Option<FileStamp>,
    warnings: Vec<(usize, String)>,
}

impl SnapshotFile {
    fn of(cache: &KnowledgeCache, built_at: SystemTime) -> Self {
        Self {
            format: FORMAT,
            fingerprint: cache.fingerprint(),
            built_at: built_at
                .duration_since(UNIX_EPOCH)
                .map_or(0, |age| age.as_secs()),
            articles: cache
                .articles
                .iter()
                .map(|(path, article)| {
                    let entry = ArticleEntry {
                        hash: article.hash.clone(),
                        stamp: article.stamp,
                        warnings: article.warnings.clone(),
                    };
                    (path.clone(), entry)
                })
                .collect(),
            dictionary: cache.dictionary.clone(),
            synonyms: cache.synonyms.clone(),
        }
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
    #[error("{path}: cannot encode the corpus: {source}")]
    EncodeCorpus {
        path: PathBuf,
        #[source]
        source: postcard::Error,
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

    /// The saved snapshot with its corpus, or `None` when there is none, or it is unreadable,
    /// from another format or without a readable corpus (then everything is simply re-parsed).
    pub fn load_snapshot(&self) -> Option<Snapshot> {
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
        let corpus_path = self.dir.join(&file.fingerprint).join(CORPUS_FILE);
        let corpus: Corpus = match std::fs::read(&corpus_path)
            .map_err(|err| err.to_string())
            .and_then(|bytes| postcard::from_bytes(&bytes).map_err(|err| err.to_string()))
        {
            Ok(corpus) => corpus,
            Err(err) => {
                tracing::warn!(
                    "{}: ignoring the saved corpus: {err}",
                    corpus_path.display()
                );
                return None;
            }
        };
        if corpus.documents().len() != file.articles.len() {
            tracing::warn!("{}: does not match the snapshot", corpus_path.display());
            return None;
        }
        let articles = file
            .articles
            .into_iter()
            .zip(corpus.documents())
            .map(|((path, entry), document)| {
                let article = CachedArticle {
                    hash: entry.hash,
                    stamp: entry.stamp,
                    document: document.clone(),
                    warnings: entry.warnings,
                };
                (path, article)
            })
            .collect();
        Some(Snapshot {
            fingerprint: file.fingerprint,
            built_at: UNIX_EPOCH + Duration::from_secs(file.built_at),
            cache: KnowledgeCache {
                articles,
                dictionary: file.dictionary,
                synonyms: file.synonyms,
            },
            corpus,
        })
    }

    /// Opens the saved engine of fingerprint `fingerprint`: its `corpus` (from the snapshot) and
    /// its index folder, with the lexicon files of `cache`, the knowledge it was built from.
    /// `None` when the index folder is missing or broken.
    pub fn open_engine(
        &self,
        fingerprint: &str,
        corpus: Corpus,
        cache: &KnowledgeCache,
    ) -> Option<Engine> {
        let index_dir = self.dir.join(fingerprint);
        if !index_dir.is_dir() {
            return None;
        }
        let files = lexicon_files(cache);
        match Engine::assemble(corpus, &files, |lexicon, _keys| {
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
        let snapshot = SnapshotFile::of(cache, built_at);
        let index_dir = self.dir.join(&snapshot.fingerprint);
        // A folder of this fingerprint may be left over from an interrupted build.
        if index_dir.exists() {
            std::fs::remove_dir_all(&index_dir).map_err(io_error(&index_dir))?;
        }
        std::fs::create_dir_all(&index_dir).map_err(io_error(&index_dir))?;
        let files = lexicon_files(cache);
        let corpus = Corpus::derive(cache.documents());
        let corpus_path = index_dir.join(CORPUS_FILE);
        let bytes =
            postcard::to_allocvec(&corpus).map_err(|source| PersistError::EncodeCorpus {
                path: corpus_path.clone(),
                source,
            })?;
        std::fs::write(&corpus_path, bytes).map_err(io_error(&corpus_path))?;
        let engine = Engine::assemble(corpus, &files, |lexicon, keys| {
            SearchIndex::build_in_dir(&index_dir, lexicon, keys.iter().map(String::as_str))
        })?;
        self.save_snapshot(&snapshot)?;
        self.remove_other_indexes(&snapshot.fingerprint);
        Ok(engine)
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
                CachedArticle::new(content_hash(text.as_bytes()), None, document, Vec::new()),
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
        assert_eq!(snapshot.cache.fingerprint(), cache.fingerprint());
        let opened = store
            .open_engine(&snapshot.fingerprint, snapshot.corpus, &snapshot.cache)
            .expect("opens");
        assert_eq!(opened.stats(), engine.stats());
        assert_eq!(
            opened.answer("拦截了多少涉诈电话"),
            engine.answer("拦截了多少涉诈电话")
        );
    }

    #[test]
    fn a_damaged_corpus_file_means_no_snapshot_not_a_crash() {
        let dir = tempfile::tempdir().unwrap();
        let store = IndexStore::in_data_dir(dir.path());
        let cache = cache_with(&[("a.md", "拦截涉诈电话19.5亿次。")]);
        store.build_and_save(&cache, SystemTime::now()).unwrap();
        let corpus = store.dir().join(cache.fingerprint()).join(CORPUS_FILE);
        let bytes = std::fs::read(&corpus).unwrap();
        std::fs::write(&corpus, &bytes[..bytes.len() / 2]).unwrap();
        assert!(store.load_snapshot().is_none(), "half a corpus is ignored");
        std::fs::remove_file(&corpus).unwrap();
        assert!(
            store.load_snapshot().is_none(),
            "a missing corpus is ignored"
        );
    }
}
