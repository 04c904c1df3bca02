//! Knowledge loading: the `knowledge/` folder → [`Document`]s → [`Passage`]s.
//!
//! This module owns everything about article files: finding them, reading the front matter, decoding
//! the HTML or Markdown body into paragraphs with their section headings, and reporting every problem
//! as `path:line: message`. A broken file is reported and skipped; it never stops the good ones.

mod body;
pub mod boilerplate;
mod front_matter;
mod passages;

use std::fmt;
use std::path::{Path, PathBuf};

use chrono::NaiveDate;

pub use front_matter::parse_date;
pub use passages::{Passage, PassageKind, split_passages};

/// One article, decoded: metadata from the front matter and the body as paragraphs.
#[derive(Debug, Clone, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct Document {
    /// Path relative to the knowledge folder, with `/` separators (stable across machines).
    pub path: String,
    pub title: String,
    pub author: Option<String>,
    pub date: Option<NaiveDate>,
    pub categories: Vec<String>,
    pub source_url: Option<String>,
    pub image: Option<String>,
    /// Image captions ("数据来源：公安部　　制图：张丹峰"): metadata, never passages.
    pub captions: Vec<String>,
    /// The body's paragraphs in reading order.
    pub paragraphs: Vec<Paragraph>,
    /// Site boilerplate left out of the paragraphs (pasted web pages); `check --dropped` lists
    /// it. Not kept in the saved index: only a fresh read needs it.
    #[serde(skip)]
    pub dropped: Vec<DroppedBlock>,
}

/// A block of an article left out as site boilerplate, with the line it starts on.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct DroppedBlock {
    pub line: usize,
    pub text: String,
}

/// One paragraph of an article body.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct Paragraph {
    /// Plain text, entities decoded, whitespace collapsed.
    pub text: String,
    /// The heading this paragraph sits under, if any.
    pub section: Option<String>,
    /// 1-based line in the file where the paragraph starts.
    pub line: usize,
}

/// A problem with one knowledge file, shown to maintainers as `path:line: message`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Problem {
    pub path: PathBuf,
    pub line: usize,
    pub message: String,
}

impl fmt::Display for Problem {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}:{}: {}", self.path.display(), self.line, self.message)
    }
}

/// Why the knowledge folder could not be read at all (as opposed to a [`Problem`] with one file).
#[derive(Debug, thiserror::Error)]
pub enum LoadError {
    #[error(
        "{0}: knowledge folder not found; pass --knowledge DIR or set KNOWLEDGE_DIR to a folder of *.md articles"
    )]
    Missing(PathBuf),
    #[error("{path}: cannot read the knowledge folder: {source}")]
    Unreadable {
        path: PathBuf,
        #[source]
        source: std::io::Error,
    },
}

/// Everything that was loaded from a folder: the good documents and the problems found.
#[derive(Debug, Default, Clone)]
pub struct Loaded {
    pub documents: Vec<Document>,
    pub problems: Vec<Problem>,
}

/// Lists every `*.md` file under `dir`, recursively, sorted so loading order is stable.
pub fn article_files(dir: &Path) -> Result<Vec<PathBuf>, LoadError> {
    if !dir.is_dir() {
        return Err(LoadError::Missing(dir.to_path_buf()));
    }
    let mut files = Vec::new();
    let mut pending = vec![dir.to_path_buf()];
    while let Some(folder) = pending.pop() {
        let entries = std::fs::read_dir(&folder).map_err(|source| LoadError::Unreadable {
            path: folder.clone(),
            source,
        })?;
        for entry in entries.flatten() {
            let path = entry.path();
            let name = entry.file_name();
            // Hidden files and folders are editor swap files, `.git` and the like.
            if name.to_string_lossy().starts_with('.') {
                continue;
            }
            let Ok(kind) = entry.file_type() else {
                continue;
            };
            if kind.is_dir() {
                pending.push(path);
            } else if is_article(&path) {
                files.push(path);
            }
        }
    }
    files.sort();
    Ok(files)
}

/// Whether a path names an article file (`*.md`, any case).
pub fn is_article(path: &Path) -> bool {
    path.extension()
        .is_some_and(|ext| ext.eq_ignore_ascii_case("md"))
}

/// The largest article file read; a bigger one is a problem (articles are a few kilobytes).
pub const MAX_ARTICLE_BYTES: u64 = 16 * 1024 * 1024;

/// What reading an article file gave.
#[derive(Debug)]
pub enum ArticleFile {
    Bytes(Vec<u8>),
    /// Deleted between listing and reading.
    Gone,
    Problem(FileProblem),
}

/// Reads an article file: a regular file (or a link to one) of at most [`MAX_ARTICLE_BYTES`].
/// A FIFO, a device (a link to `/dev/zero`) or a socket named `*.md` is a problem, never opened:
/// reading one would wait, or read, forever.
pub fn read_article(path: &Path) -> ArticleFile {
    use std::io::Read;
    let problem = |err: std::io::Error| match err.kind() {
        std::io::ErrorKind::NotFound => ArticleFile::Gone,
        _ => ArticleFile::Problem(FileProblem::unreadable(&err)),
    };
    let checked = |metadata: std::fs::Metadata| {
        if !metadata.is_file() {
            return Err(FileProblem::new(
                1,
                "not a regular file (a FIFO, device or socket?): only regular files are read",
            ));
        }
        if metadata.len() > MAX_ARTICLE_BYTES {
            return Err(too_large(metadata.len()));
        }
        Ok(())
    };
    // Checked before opening (opening a FIFO waits for a writer), and again on the file opened.
    match std::fs::metadata(path).map(checked) {
        Err(err) => return problem(err),
        Ok(Err(file_problem)) => return ArticleFile::Problem(file_problem),
        Ok(Ok(())) => {}
    }
    let mut file = match std::fs::File::open(path) {
        Ok(file) => file,
        Err(err) => return problem(err),
    };
    match file.metadata().map(checked) {
        Err(err) => return problem(err),
        Ok(Err(file_problem)) => return ArticleFile::Problem(file_problem),
        Ok(Ok(())) => {}
    }
    let mut bytes = Vec::new();
    // One byte over the limit tells a file that grew since it was checked.
    match file
        .by_ref()
        .take(MAX_ARTICLE_BYTES + 1)
        .read_to_end(&mut bytes)
    {
        Err(err) => problem(err),
        Ok(read) if read as u64 > MAX_ARTICLE_BYTES => ArticleFile::Problem(too_large(read as u64)),
        Ok(_) => ArticleFile::Bytes(bytes),
    }
}

fn too_large(bytes: u64) -> FileProblem {
    const MB: u64 = 1024 * 1024;
    FileProblem::new(
        1,
        format!(
            "too large ({} MB, limit {} MB): split the article",
            bytes.div_ceil(MB),
            MAX_ARTICLE_BYTES / MB
        ),
    )
}

/// Loads every article under `dir`. Bad files become [`Problem`]s; good ones are always served.
pub fn load_folder(dir: &Path) -> Result<Loaded, LoadError> {
    let mut loaded = Loaded::default();
    for path in article_files(dir)? {
        match read_article(&path) {
            ArticleFile::Bytes(bytes) => match parse_document(&relative_path(dir, &path), &bytes) {
                Ok((document, warnings)) => {
                    loaded
                        .problems
                        .extend(warnings.into_iter().map(|w| w.at(&path)));
                    loaded.documents.push(document);
                }
                Err(problem) => loaded.problems.push(problem.at(&path)),
            },
            ArticleFile::Gone => {}
            ArticleFile::Problem(problem) => loaded.problems.push(problem.at(&path)),
        }
    }
    Ok(loaded)
}

/// `path` relative to the knowledge folder, `/`-separated.
pub fn relative_path(dir: &Path, path: &Path) -> String {
    let relative = path.strip_prefix(dir).unwrap_or(path);
    relative
        .components()
        .map(|c| c.as_os_str().to_string_lossy())
        .collect::<Vec<_>>()
        .join("/")
}

/// A problem found while parsing one file, before it is tied to the file's path on disk.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FileProblem {
    pub line: usize,
    pub message: String,
}

impl FileProblem {
    pub fn new(line: usize, message: impl Into<String>) -> Self {
        Self {
            line,
            message: message.into(),
        }
    }

    /// A file that exists but cannot be read (permissions, a folder named like a file…).
    pub fn unreadable(err: &std::io::Error) -> Self {
        Self::new(1, format!("cannot read the file: {err}"))
    }

    /// Ties the problem to the file it was found in.
    pub fn at(self, path: &Path) -> Problem {
        Problem {
            path: path.to_path_buf(),
            line: self.line,
            message: self.message,
        }
    }
}

/// The text of a knowledge file's bytes, or the problem that it is not UTF-8 (on the line where
/// the first invalid byte is). Every text file of the knowledge folder is read through this.
pub fn utf8_text(bytes: &[u8]) -> Result<&str, FileProblem> {
    std::str::from_utf8(bytes).map_err(|err| {
        let line = 1 + bytes[..err.valid_up_to()]
            .iter()
            .filter(|&&b| b == b'\n')
            .count();
        FileProblem::new(
            line,
            "not valid UTF-8; save the file as UTF-8 (GBK and other encodings are not supported)",
        )
    })
}

/// Parses one article. `path` is the name to record in the document (relative to the folder).
///
/// Returns the document and any warnings (problems that did not stop it from being served), or
/// the problem that makes the file unusable.
pub fn parse_document(
    path: &str,
    bytes: &[u8],
) -> Result<(Document, Vec<FileProblem>), FileProblem> {
    if bytes.contains(&0) {
        return Err(FileProblem::new(
            1,
            "binary file (contains NUL bytes); articles must be UTF-8 text",
        ));
    }
    let text = utf8_text(bytes)?;
    let text = text.strip_prefix('\u{feff}').unwrap_or(text);
    if text.trim().is_empty() {
        return Err(FileProblem::new(
            1,
            "empty file; write an article or delete the file",
        ));
    }
    let (meta, body, body_line) = front_matter::split(text)?;
    let mut warnings = meta.warnings.clone();
    let parsed = body::parse(body, body_line);
    warnings.extend(parsed.warnings);
    if parsed.paragraphs.is_empty() {
        return Err(FileProblem::new(
            body_line,
            "the article has no text paragraphs; nothing could be indexed",
        ));
    }
    let title = meta
        .title
        .clone()
        .or(parsed.first_heading.clone())
        .unwrap_or_else(|| title_from_path(path));
    Ok((
        Document {
            path: path.to_string(),
            title,
            author: meta.author,
            date: meta.date,
            categories: meta.categories,
            source_url: meta.source_url,
            image: meta.image,
            captions: parsed.captions,
            paragraphs: parsed.paragraphs,
            dropped: parsed.dropped,
        },
        warnings,
    ))
}

/// A title made from the file name: `2022-04-15-some-title.md` → `some title`.
fn title_from_path(path: &str) -> String {
    let stem = path.rsplit('/').next().unwrap_or(path);
    let stem = stem.strip_suffix(".md").unwrap_or(stem);
    let stem = stem.trim_start_matches(|c: char| c.is_ascii_digit() || c == '-' || c == '_');
    let title = stem.replace(['-', '_'], " ");
    if title.trim().is_empty() {
        path.to_string()
    } else {
        title.trim().to_string()
    }
}
