//! The parse cache: the last good version of every knowledge file — each article parsed and
//! derived once ([`CachedArticle`]), the lexicon files' texts — with the content hash and file
//! stamp that tell whether a file changed. [`KnowledgeCache`] is what an engine is built from,
//! and its fingerprint says whether two caches would build the same engine.

use std::collections::BTreeMap;
use std::sync::Arc;
use std::time::UNIX_EPOCH;

use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};

use crate::corpus::Article;
use crate::knowledge::{Document, FileProblem};
use crate::search::lexicon::LexiconFiles;

/// Bumped whenever the snapshot or index layout of [`super::saved_index`] changes, or what
/// parsing an article yields (its figures and their periods: a snapshot keeps articles as
/// parsed), so old snapshots are ignored (it is part of every fingerprint). 7: campaign and
/// heading periods, year-on-year running totals read as year-to-date. 8: text signatures of
/// passages and figures. 9: the year of a campaign figure. 10: reporting
/// verbs ("并提到", "指出") dropped from labels. 11: "至10月" dropped from labels. 12: section
/// heading signatures. 13: spans from one year to another ("2021年到2025年").
pub const FORMAT: u32 = 15;

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

    /// The lexicon files served, parsed.
    pub fn lexicon_files(&self) -> LexiconFiles {
        LexiconFiles::parse(
            self.dictionary.as_ref().map(|file| file.text.as_str()),
            self.synonyms.as_ref().map(|file| file.text.as_str()),
        )
    }

    /// The articles served, in path order.
    pub fn articles(&self) -> Vec<Arc<Article>> {
        self.articles
            .values()
            .map(|cached| Arc::clone(&cached.article))
            .collect()
    }
}

#[cfg(test)]
impl KnowledgeCache {
    /// A cache of articles parsed from `(path, text)` pairs, for tests.
    pub(crate) fn of_texts(files: &[(&str, &str)]) -> KnowledgeCache {
        let mut cache = KnowledgeCache::default();
        for (path, text) in files {
            let (document, _) = crate::knowledge::parse_document(path, text.as_bytes()).unwrap();
            cache.articles.insert(
                path.to_string(),
                CachedArticle::new(content_hash(text.as_bytes()), None, document, Vec::new()),
            );
        }
        cache
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_fingerprint_follows_every_served_file() {
        let one = KnowledgeCache::of_texts(&[("a.md", "甲文章正文。"), ("b.md", "乙文章正文。")]);
        let same = KnowledgeCache::of_texts(&[("b.md", "乙文章正文。"), ("a.md", "甲文章正文。")]);
        assert_eq!(
            one.fingerprint(),
            same.fingerprint(),
            "insertion order is irrelevant"
        );
        let changed =
            KnowledgeCache::of_texts(&[("a.md", "甲文章正文。"), ("b.md", "乙文章改了。")]);
        assert_ne!(one.fingerprint(), changed.fingerprint());
        let mut with_synonyms = one.clone();
        with_synonyms.synonyms = Some(CachedText {
            hash: content_hash(b"a b"),
            text: "a b".into(),
        });
        assert_ne!(one.fingerprint(), with_synonyms.fingerprint());
    }
}
