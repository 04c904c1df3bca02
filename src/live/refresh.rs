//! Bringing the parse cache up to date with the knowledge folder: re-parse only the files whose
//! content changed, keep the last good version of a file that no longer parses, drop deleted
//! ones, and report every problem as `path:line: message`.

use std::collections::BTreeSet;
use std::path::Path;
use std::time::Duration;

use super::cache::{CachedArticle, CachedText, FileStamp, KnowledgeCache, content_hash};
use crate::knowledge::{self, ArticleFile, FileProblem, LoadError, Problem, utf8_text};
use crate::search::lexicon::LexiconFile;

/// Appended to the problem of a broken file whose previous version is still answered from.
const LAST_GOOD_NOTE: &str = "(the last good version is still served)";

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
    /// Articles parsed again because their saved body could not be used (the engine is rebuilt
    /// for them even though no file changed).
    pub repaired: usize,
    /// The saved index was locked by another process (`fanzha-bot index`, or a replica sharing
    /// `DATA_DIR`) for longer than the lock wait: this load neither read nor wrote it.
    pub index_locked: bool,
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

/// Brings `cache` up to date with the folder: re-parses new and changed files, keeps the last
/// good version of broken ones and drops deleted ones. Returns the counts and every problem.
pub(super) fn refresh_cache(
    dir: &Path,
    cache: &mut KnowledgeCache,
    progress: &dyn Fn(LoadStep),
) -> Result<ReloadReport, LoadError> {
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
            .filter(|c| stamp.is_some() && c.stamp == stamp && !c.article.is_damaged())
        {
            // Same size and modification time as when it had this hash: not read again.
            keep_unchanged(cached, &path, relative, &mut present, &mut report);
            continue;
        }
        let bytes = match knowledge::read_article(&path) {
            ArticleFile::Bytes(bytes) => bytes,
            // Deleted between listing and reading: gone.
            ArticleFile::Gone => continue,
            ArticleFile::Problem(problem) => {
                keep_last_good(cache, &relative, &path, problem, &mut present, &mut report);
                continue;
            }
        };
        let hash = content_hash(&bytes);
        if let Some(cached) = cache
            .articles
            .get_mut(&relative)
            .filter(|c| c.hash == hash && !c.article.is_damaged())
        {
            cached.stamp = stamp;
            keep_unchanged(cached, &path, relative, &mut present, &mut report);
            continue;
        }
        report.reparsed += 1;
        match knowledge::parse_document(&relative, &bytes) {
            Ok((document, warnings)) => {
                let damaged = cache.articles.get(&relative);
                report.repaired += usize::from(damaged.is_some_and(|c| c.article.is_damaged()));
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

    for file in LexiconFile::ALL {
        let cached = match file {
            LexiconFile::Dictionary => &mut cache.dictionary,
            LexiconFile::Synonyms => &mut cache.synonyms,
        };
        refresh_lexicon_file(dir, file, cached, &mut report);
    }
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
    dir: &Path,
    file: LexiconFile,
    cached: &mut Option<CachedText>,
    report: &mut ReloadReport,
) {
    let path = file.path(dir);
    let bytes = match file.read_bytes(dir) {
        Ok(Some(bytes)) => bytes,
        Ok(None) => {
            *cached = None;
            return;
        }
        Err(problem) => {
            report_lexicon_problem(problem, cached, &path, report);
            return;
        }
    };
    let hash = content_hash(&bytes);
    if let Some(current) = cached.as_ref().filter(|c| c.hash == hash) {
        let problems = file.problems(&current.text);
        report
            .problems
            .extend(problems.into_iter().map(|p| p.at(&path)));
        return;
    }
    report.reparsed += 1;
    let text = match utf8_text(&bytes) {
        Ok(text) => text.to_string(),
        Err(problem) => {
            report_lexicon_problem(problem, cached, &path, report);
            return;
        }
    };
    let problems = file.problems(&text);
    let cached_is_clean = cached
        .as_ref()
        .is_some_and(|c| file.problems(&c.text).is_empty());
    if !problems.is_empty() && cached_is_clean {
        report.kept_last_good += 1;
        report.problems.extend(
            problems
                .into_iter()
                .map(|p| last_good_problem(p, cached, &path)),
        );
        return;
    }
    report
        .problems
        .extend(problems.into_iter().map(|p| p.at(&path)));
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
