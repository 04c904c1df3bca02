//! The lexicon: how Chinese text is cut into words (jieba + a domain dictionary) and which words
//! mean the same (a synonym file maintainers extend).
//!
//! Both files live in the knowledge folder so maintainers edit them beside the articles:
//! - `dictionary.txt`: one word per line (optionally `word frequency`), kept whole by the segmenter.
//! - `synonyms.txt`: one group per line, words separated by spaces, commas or 、; every word of a
//!   group finds the others ("骗子 诈骗 涉诈").
//!
//! `#` starts a comment in both. Terms quoted in the articles (“断流”, ‘断卡’) are added to the
//! dictionary automatically, so a new campaign name is searchable without editing anything.

use foldhash::HashMap;
use std::path::{Path, PathBuf};
use std::sync::{Arc, OnceLock, RwLock};

use jieba_rs::Jieba;

use crate::knowledge::{FileProblem, Problem, utf8_text};
use crate::normalize::to_simplified;

/// File name of the domain dictionary inside the knowledge folder.
pub const DICTIONARY_FILE: &str = "dictionary.txt";
/// File name of the synonym groups inside the knowledge folder.
pub const SYNONYMS_FILE: &str = "synonyms.txt";

/// jieba's general dictionary without its rarest words (frequency below 20): 80,000 words instead of
/// 350,000, so start-up takes milliseconds, not a fifth of a second. A word left out is rare by
/// definition, and [`Lexicon::rarity`] treats it so. From jieba (MIT licence).
const CORE_DICTIONARY: &str = include_str!("jieba-core-dict.txt");

/// Frequency given to domain words: high enough that jieba keeps them whole.
const DOMAIN_WORD_FREQ: usize = 200_000;

/// Groups of words that mean the same.
#[derive(Debug, Default, Clone)]
pub struct Synonyms {
    groups: Vec<Vec<String>>,
    by_word: HashMap<String, Vec<usize>>,
}

impl Synonyms {
    /// Parses a synonym file. Lines with fewer than two words are reported and skipped.
    pub fn parse(text: &str) -> (Synonyms, Vec<FileProblem>) {
        let mut synonyms = Synonyms::default();
        let mut problems = Vec::new();
        for (i, line) in text.lines().enumerate() {
            let line = line.split('#').next().unwrap_or("").trim();
            if line.is_empty() {
                continue;
            }
            let words: Vec<String> = line
                .split(|c: char| c.is_whitespace() || matches!(c, ',' | '，' | '、' | '=' | '↔'))
                .filter(|w| !w.is_empty())
                .map(|w| to_simplified(w).to_lowercase())
                .collect();
            if words.len() < 2 {
                problems.push(FileProblem::new(
                    i + 1,
                    format!("a synonym group needs at least two words, found {line:?}"),
                ));
                continue;
            }
            synonyms.add_group(words);
        }
        (synonyms, problems)
    }

    /// Adds one group of words that mean the same.
    pub fn add_group(&mut self, words: Vec<String>) {
        let id = self.groups.len();
        for word in &words {
            let groups = self.by_word.entry(word.clone()).or_default();
            if !groups.contains(&id) {
                groups.push(id);
            }
        }
        self.groups.push(words);
    }

    /// The words that mean the same as `word`, not including `word` itself.
    pub fn of(&self, word: &str) -> Vec<&str> {
        let mut out: Vec<&str> = Vec::new();
        for &group in self.by_word.get(word).into_iter().flatten() {
            for other in &self.groups[group] {
                if other != word && !out.contains(&other.as_str()) {
                    out.push(other);
                }
            }
        }
        out
    }

    /// Whether `word` is in some group.
    pub fn contains(&self, word: &str) -> bool {
        self.by_word.contains_key(word)
    }

    /// Every word that appears in some group.
    pub fn words(&self) -> impl Iterator<Item = &str> {
        self.by_word.keys().map(String::as_str)
    }
}

/// Parses a dictionary file: `word` or `word frequency` per line.
pub fn parse_dictionary(text: &str) -> (Vec<(String, Option<usize>)>, Vec<FileProblem>) {
    let mut words = Vec::new();
    let mut problems = Vec::new();
    for (i, line) in text.lines().enumerate() {
        let line = line.split('#').next().unwrap_or("").trim();
        if line.is_empty() {
            continue;
        }
        let mut parts = line.split_whitespace();
        let word = parts.next().unwrap_or_default();
        let freq = match parts.next() {
            None => None,
            Some(f) => match f.parse::<usize>() {
                Ok(f) => Some(f),
                Err(_) => {
                    problems.push(FileProblem::new(
                        i + 1,
                        format!("expected `word` or `word frequency`, found {line:?}"),
                    ));
                    continue;
                }
            },
        };
        words.push((to_simplified(word).to_lowercase(), freq));
    }
    (words, problems)
}

/// One of the maintainers' lexicon files in the knowledge folder. Everything that reads them
/// (a fresh load, the live reload) goes through this, so both see the same problems.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum LexiconFile {
    Dictionary,
    Synonyms,
}

impl LexiconFile {
    /// Both files.
    pub const ALL: [LexiconFile; 2] = [LexiconFile::Dictionary, LexiconFile::Synonyms];

    /// The file's name in the knowledge folder.
    pub fn name(self) -> &'static str {
        match self {
            LexiconFile::Dictionary => DICTIONARY_FILE,
            LexiconFile::Synonyms => SYNONYMS_FILE,
        }
    }

    /// The file's path in the knowledge folder `dir`.
    pub fn path(self, dir: &Path) -> PathBuf {
        dir.join(self.name())
    }

    /// The file's bytes; `None` when it does not exist (both files are optional).
    pub fn read_bytes(self, dir: &Path) -> Result<Option<Vec<u8>>, FileProblem> {
        match std::fs::read(self.path(dir)) {
            Ok(bytes) => Ok(Some(bytes)),
            Err(err) if err.kind() == std::io::ErrorKind::NotFound => Ok(None),
            Err(err) => Err(FileProblem::unreadable(&err)),
        }
    }

    /// The problems in a text of this file (lines that are skipped).
    pub fn problems(self, text: &str) -> Vec<FileProblem> {
        match self {
            LexiconFile::Dictionary => parse_dictionary(text).1,
            LexiconFile::Synonyms => Synonyms::parse(text).1,
        }
    }
}

/// The maintainers' lexicon files, parsed.
#[derive(Debug, Clone, Default)]
pub struct LexiconFiles {
    pub dictionary: Vec<(String, Option<usize>)>,
    pub synonyms: Synonyms,
}

impl LexiconFiles {
    /// Reads `dictionary.txt` and `synonyms.txt` from the knowledge folder `dir`; either may be
    /// missing. Problems are tied to the files' paths.
    pub fn read(dir: &Path) -> (LexiconFiles, Vec<Problem>) {
        let mut problems = Vec::new();
        let mut texts = [None, None];
        for (file, text) in LexiconFile::ALL.into_iter().zip(&mut texts) {
            let path = file.path(dir);
            let bytes = match file.read_bytes(dir) {
                Ok(Some(bytes)) => bytes,
                Ok(None) => continue,
                Err(problem) => {
                    problems.push(problem.at(&path));
                    continue;
                }
            };
            match utf8_text(&bytes) {
                Ok(utf8) => {
                    problems.extend(file.problems(utf8).into_iter().map(|p| p.at(&path)));
                    *text = Some(utf8.to_string());
                }
                Err(problem) => problems.push(problem.at(&path)),
            }
        }
        let [dictionary, synonyms] = texts;
        let files = LexiconFiles::parse(dictionary.as_deref(), synonyms.as_deref());
        (files, problems)
    }

    /// Parses the texts of the two files (`None`: no such file), skipping bad lines.
    pub fn parse(dictionary: Option<&str>, synonyms: Option<&str>) -> LexiconFiles {
        LexiconFiles {
            dictionary: dictionary
                .map(|text| parse_dictionary(text).0)
                .unwrap_or_default(),
            synonyms: synonyms
                .map(|text| Synonyms::parse(text).0)
                .unwrap_or_default(),
        }
    }
}

/// Terms quoted in article text — “断流”, ‘断卡’, 「一证通查」 — that look like names (2–8 characters,
/// no punctuation inside). They become dictionary words so they are searched whole.
pub fn quoted_terms(text: &str) -> Vec<String> {
    let mut out = Vec::new();
    for (open, close) in [
        ('“', '”'),
        ('‘', '’'),
        ('「', '」'),
        ('『', '』'),
        ('"', '"'),
    ] {
        let mut rest = text;
        while let Some(start) = rest.find(open) {
            let after = &rest[start + open.len_utf8()..];
            let Some(end) = after.find(close) else { break };
            let inner = &after[..end];
            let count = inner.chars().count();
            if (2..=8).contains(&count) && inner.chars().all(|c| c.is_alphanumeric() || c == '.') {
                out.push(inner.to_string());
            }
            rest = &after[end + close.len_utf8()..];
        }
    }
    // Titles name laws and campaigns the way people ask about them: 《中华人民共和国反电信网络诈骗法》
    // is asked as "反电信网络诈骗法", so the name goes in without the country's.
    let mut rest = text;
    while let Some(start) = rest.find('《') {
        let after = &rest[start + '《'.len_utf8()..];
        let Some(end) = after.find('》') else { break };
        let inner = &after[..end];
        let name = inner.strip_prefix("中华人民共和国").unwrap_or(inner);
        let count = name.chars().count();
        if (3..=12).contains(&count) && name.chars().all(char::is_alphanumeric) {
            out.push(name.to_string());
        }
        rest = &after[end + '》'.len_utf8()..];
    }
    out
}

/// How a word stands in everyday Chinese: see [`Lexicon::standing`].
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct WordStanding {
    pub rarity: f32,
    pub specific: bool,
}

static GENERAL_SEGMENTER: OnceLock<Jieba> = OnceLock::new();

/// jieba with the general dictionary alone, built once per process: each lexicon starts from a
/// copy. Building it takes longer than reading the shipped knowledge, so
/// [`prepare_general_segmenter`] starts it while the knowledge is read.
fn general_segmenter() -> &'static Jieba {
    GENERAL_SEGMENTER.get_or_init(|| {
        Jieba::with_dict(&mut CORE_DICTIONARY.as_bytes()).unwrap_or_else(|err| {
            tracing::error!(
                "the built-in dictionary does not load ({err}); segmenting by characters"
            );
            Jieba::empty()
        })
    })
}

/// Starts building the general dictionary on a thread of its own, so that it is ready (or
/// nearly) when the first [`Lexicon`] needs it. Call it before reading the knowledge.
pub fn prepare_general_segmenter() {
    if GENERAL_SEGMENTER.get().is_some() {
        return;
    }
    // A failed spawn only means the first lexicon builds it itself.
    let _ = std::thread::Builder::new()
        .name("dictionary".into())
        .spawn(|| {
            general_segmenter();
        });
}

/// The segmenter and synonyms, built once per version of the knowledge.
#[derive(Clone)]
pub struct Lexicon {
    jieba: Arc<Jieba>,
    synonyms: Arc<Synonyms>,
    /// The domain dictionary: these words are specific by definition, whatever their frequency.
    domain: Arc<std::collections::HashSet<String>>,
    /// Rarities worked out so far (see [`Lexicon::rarity`]): jieba works a word's frequency out
    /// by segmenting it, which costs more than the rest of weighing a question's word, and
    /// questions keep using the same few thousand words.
    rarities: Arc<RwLock<HashMap<String, f32>>>,
}

/// At most this many words keep their rarity (a few megabytes); later words are worked out each
/// time, so odd input cannot grow the table without bound.
const MAX_REMEMBERED_RARITIES: usize = 50_000;

impl Lexicon {
    /// Builds the lexicon: jieba's general dictionary, plus the domain words, plus every synonym
    /// word (so a colloquial "抓了" is segmented as a unit the synonym file can map).
    pub fn new(domain_words: &[(String, Option<usize>)], synonyms: Synonyms) -> Lexicon {
        let mut jieba = general_segmenter().clone();
        for (word, freq) in domain_words {
            jieba.add_word(word, Some(freq.unwrap_or(DOMAIN_WORD_FREQ)), None);
        }
        for word in synonyms.words() {
            if word.chars().count() >= 2 {
                jieba.add_word(word, Some(DOMAIN_WORD_FREQ), None);
            }
        }
        Lexicon {
            jieba: Arc::new(jieba),
            synonyms: Arc::new(synonyms),
            domain: Arc::new(domain_words.iter().map(|(w, _)| w.clone()).collect()),
            rarities: Arc::default(),
        }
    }

    pub fn jieba(&self) -> Arc<Jieba> {
        Arc::clone(&self.jieba)
    }

    pub fn synonyms(&self) -> &Synonyms {
        &self.synonyms
    }

    /// How rare a word is in everyday Chinese, from 0.1 (用, 今天) to 1.0 (比特币, 红烧肉), judged by
    /// its frequency in jieba's general dictionary.
    pub fn rarity(&self, word: &str) -> f32 {
        if self.domain.contains(word) {
            return 1.0;
        }
        let remembered = self.rarities.read().map(|known| known.get(word).copied());
        if let Ok(Some(rarity)) = remembered {
            return rarity;
        }
        let rarity = self.everyday_rarity(word);
        if let Ok(mut known) = self.rarities.write()
            && known.len() < MAX_REMEMBERED_RARITIES
        {
            known.insert(word.to_string(), rarity);
        }
        rarity
    }

    /// [`Lexicon::rarity`] from jieba's general dictionary alone.
    fn everyday_rarity(&self, word: &str) -> f32 {
        // Sum of the frequencies in jieba's dictionary, and the log-rarity range mapped to 0.1–1.
        const DICTIONARY_TOTAL: f64 = 60_101_967.0;
        const COMMON: f64 = 8.0;
        const RARE: f64 = 12.5;
        let frequency = self.jieba.suggest_freq(word).max(1) as f64;
        let log_rarity = (DICTIONARY_TOTAL / frequency).ln();
        (((log_rarity - COMMON) / (RARE - COMMON)) as f32).clamp(0.1, 1.0)
    }

    /// A word's rarity ([`Lexicon::rarity`]) and whether it is specific: whether it ties a
    /// question to the subject of the knowledge, being a word of the maintainers' vocabulary
    /// (dictionary or synonym file) or rare in everyday Chinese. One dictionary lookup for both.
    pub fn standing(&self, word: &str) -> WordStanding {
        // Domain words have rarity 1.0, so the rarity test covers the dictionary too.
        let rarity = self.rarity(word);
        WordStanding {
            rarity,
            specific: rarity >= 0.5 || self.synonyms.contains(word),
        }
    }

    /// What a figure label measures, in words that do not depend on how an outlet phrased it:
    /// every word that has synonyms becomes the first of them in sort order, so "拦截诈骗电话"
    /// and "拦截涉诈电话" (诈骗 ~ 涉诈) name the same measure.
    pub fn measure_key(&self, label: &str) -> String {
        self.jieba
            .cut(label, true)
            .into_iter()
            .map(|word| {
                self.synonyms
                    .of(word)
                    .into_iter()
                    .chain(std::iter::once(word))
                    .min()
                    .unwrap_or(word)
            })
            .collect()
    }

    /// Whether `word` is in the dictionary (jieba's, the domain words or a synonym), rather than
    /// made up by jieba's model for characters it could not place.
    pub fn is_dictionary_word(&self, word: &str) -> bool {
        self.jieba.has_word(word)
    }

    /// Cuts normalised text into words, in order (precise mode: no overlapping sub-words).
    pub fn words<'a>(&self, text: &'a str) -> Vec<&'a str> {
        self.jieba
            .cut(text, true)
            .into_iter()
            .filter(|w| super::tokenizer::is_word(w))
            .collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn synonyms_are_symmetric_and_report_bad_lines() {
        let (synonyms, problems) = Synonyms::parse("# 注释\n骗子 诈骗 涉诈\n孤单\n钱，资金、款\n");
        assert_eq!(synonyms.of("骗子"), ["诈骗", "涉诈"]);
        assert_eq!(synonyms.of("涉诈"), ["骗子", "诈骗"]);
        assert_eq!(synonyms.of("款"), ["钱", "资金"]);
        assert_eq!(problems.len(), 1);
        assert_eq!(problems[0].line, 3);
    }

    #[test]
    fn traditional_synonyms_are_simplified() {
        let (synonyms, _) = Synonyms::parse("騙子 詐騙");
        assert_eq!(synonyms.of("骗子"), ["诈骗"]);
    }

    #[test]
    fn quoted_terms_are_found() {
        let text =
            "开展“云剑”“长城”“断卡”“断流”“5·10”等行动，‘断卡行动2.0’，“这是一句很长的引用话语。”";
        assert_eq!(
            quoted_terms(text),
            ["云剑", "长城", "断卡", "断流", "断卡行动2.0"]
        );
    }

    #[test]
    fn law_titles_are_words_without_the_country_name() {
        let text = "《中华人民共和国反电信网络诈骗法》正式施行，《全民反诈公开课》，《办法》";
        assert_eq!(quoted_terms(text), ["反电信网络诈骗法", "全民反诈公开课"]);
    }

    #[test]
    fn dictionary_lines() {
        let (words, problems) = parse_dictionary("涉诈\n跑分 500\n坏 行 x\n");
        assert_eq!(
            words,
            [("涉诈".to_string(), None), ("跑分".to_string(), Some(500))]
        );
        assert_eq!(problems.len(), 1);
    }
}
