//! Misspelt question words. People type Chinese by pinyin, so a slip is most often another
//! character of the same sound: 炸骗 for 诈骗, 损矢 for 损失, 线锁 for 线索. A question word the
//! articles never use and the dictionary does not know, one character away from a word the
//! articles do use that sounds the same, is read as that word too.

use foldhash::HashMap;
use pinyin::ToPinyinMulti;

/// Words of two to four characters the articles use, findable by their sound with any one
/// character left open.
pub struct Homophones {
    /// For each word, each character position and each reading of that character: the word
    /// with that character replaced by its reading, to the words it stands for.
    by_sound: HashMap<String, Vec<usize>>,
    /// The words and how many passages use each.
    words: Vec<(String, u64)>,
}

/// Words used in fewer passages than this are not offered as corrections: a word used once
/// may itself be a slip, or a name.
const MIN_PASSAGES: u64 = 2;

impl Homophones {
    /// The table for `words`, each with the number of passages that use it.
    pub fn new(words: impl IntoIterator<Item = (String, u64)>) -> Self {
        let words: Vec<(String, u64)> = words
            .into_iter()
            .filter(|(word, passages)| *passages >= MIN_PASSAGES && correctable(word))
            .collect();
        let mut by_sound: HashMap<String, Vec<usize>> = HashMap::default();
        for (number, (word, _)) in words.iter().enumerate() {
            for key in sound_keys(word) {
                by_sound.entry(key).or_default().push(number);
            }
        }
        Self { by_sound, words }
    }

    /// The word the articles use that `word` is most likely a slip for: one character differs
    /// and sounds the same. When several words fit, the one used in the most passages, if it
    /// is used at least twice as often as any other; else none.
    pub fn correction(&self, word: &str) -> Option<&str> {
        if !correctable(word) {
            return None;
        }
        let mut candidates: Vec<usize> = sound_keys(word)
            .iter()
            .filter_map(|key| self.by_sound.get(key))
            .flatten()
            .copied()
            .filter(|&number| self.words[number].0 != word)
            .collect();
        candidates.sort_unstable();
        candidates.dedup();
        candidates.sort_by_key(|&number| std::cmp::Reverse(self.words[number].1));
        match candidates[..] {
            [] => None,
            [only] => Some(&self.words[only].0),
            [best, next, ..] => {
                (self.words[best].1 >= 2 * self.words[next].1).then(|| self.words[best].0.as_str())
            }
        }
    }
}

/// Two to four Chinese characters: long enough that one slip leaves a recognisable word.
fn correctable(word: &str) -> bool {
    (2..=4).contains(&word.chars().count()) && word.chars().all(super::tokenizer::is_cjk)
}

/// `word` with each character in turn replaced by each of its readings (toneless, in
/// brackets): two words share a key when they differ at most in that one character, and it
/// sounds the same.
fn sound_keys(word: &str) -> Vec<String> {
    let chars: Vec<char> = word.chars().collect();
    let mut keys = Vec::new();
    for (at, c) in chars.iter().enumerate() {
        let Some(readings) = c.to_pinyin_multi() else {
            continue;
        };
        for reading in readings {
            let mut key = String::with_capacity(word.len() + 8);
            key.extend(&chars[..at]);
            key.push('[');
            key.push_str(reading.plain());
            key.push(']');
            key.extend(&chars[at + 1..]);
            if !keys.contains(&key) {
                keys.push(key);
            }
        }
    }
    keys
}

#[cfg(test)]
mod tests {
    use super::*;

    fn table() -> Homophones {
        Homophones::new(
            [
                ("诈骗", 300),
                ("行骗", 5),
                ("损失", 40),
                ("线索", 30),
                ("线上", 4),
                ("天津", 3),
                ("独一", 1),
            ]
            .map(|(word, passages)| (word.to_string(), passages)),
        )
    }

    #[test]
    fn a_slip_of_the_same_sound_is_read_as_the_word_the_articles_use() {
        let table = table();
        assert_eq!(table.correction("炸骗"), Some("诈骗"));
        assert_eq!(table.correction("损矢"), Some("损失"));
        assert_eq!(table.correction("线锁"), Some("线索"));
    }

    #[test]
    fn other_words_are_left_alone() {
        let table = table();
        // A different sound, a word itself, a rare word, too short or not Chinese.
        assert_eq!(table.correction("天气"), None);
        assert_eq!(table.correction("诈骗"), None);
        assert_eq!(table.correction("独衣"), None);
        assert_eq!(table.correction("骗"), None);
        assert_eq!(table.correction("abc"), None);
    }
}
