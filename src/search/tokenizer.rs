//! tantivy tokenizers for Chinese: jieba words, and CJK character bigrams as a fallback for text the
//! word segmenter splits differently in a question than in an article.

use std::sync::Arc;

use jieba_rs::Jieba;
use tantivy::tokenizer::{Token, TokenStream, Tokenizer};

/// Name under which [`WordTokenizer`] is registered.
pub const WORDS: &str = "fanzha_words";
/// Name under which [`BigramTokenizer`] is registered.
pub const BIGRAMS: &str = "fanzha_bigrams";

/// Segments text with jieba in search mode (long words also yield their dictionary sub-words), so
/// "涉诈高风险电话卡" is found by "电话卡" and by "高风险".
#[derive(Clone)]
pub struct WordTokenizer {
    jieba: Arc<Jieba>,
}

impl WordTokenizer {
    pub fn new(jieba: Arc<Jieba>) -> Self {
        Self { jieba }
    }
}

/// Whether a segment is worth indexing: it holds a letter, digit or CJK character.
pub fn is_word(segment: &str) -> bool {
    segment.chars().any(char::is_alphanumeric)
}

impl Tokenizer for WordTokenizer {
    type TokenStream<'a> = VecTokenStream;

    fn token_stream<'a>(&'a mut self, text: &'a str) -> VecTokenStream {
        // jieba reports character positions; tantivy wants byte offsets.
        let byte_at: Vec<usize> = text
            .char_indices()
            .map(|(b, _)| b)
            .chain([text.len()])
            .collect();
        let mut tokens = Vec::new();
        for (position, token) in self
            .jieba
            .tokenize(text, jieba_rs::TokenizeMode::Search, true)
            .into_iter()
            .filter(|t| is_word(t.word))
            .enumerate()
        {
            let offset_from = byte_at.get(token.start).copied().unwrap_or(text.len());
            let offset_to = byte_at.get(token.end).copied().unwrap_or(text.len());
            tokens.push(Token {
                offset_from,
                offset_to,
                position,
                text: token.word.to_lowercase(),
                position_length: 1,
            });
        }
        VecTokenStream::new(tokens)
    }
}

/// Emits every pair of adjacent CJK characters and every ASCII alphanumeric run.
#[derive(Clone, Default)]
pub struct BigramTokenizer;

impl Tokenizer for BigramTokenizer {
    type TokenStream<'a> = VecTokenStream;

    fn token_stream<'a>(&'a mut self, text: &'a str) -> VecTokenStream {
        VecTokenStream::new(
            bigrams(text)
                .into_iter()
                .enumerate()
                .map(|(position, (offset_from, offset_to, text))| Token {
                    offset_from,
                    offset_to,
                    position,
                    text,
                    position_length: 1,
                })
                .collect(),
        )
    }
}

/// CJK bigrams and lowercased ASCII runs of `text`, with their byte offsets.
pub fn bigrams(text: &str) -> Vec<(usize, usize, String)> {
    let mut out = Vec::new();
    let chars: Vec<(usize, char)> = text.char_indices().collect();
    let mut i = 0;
    while i < chars.len() {
        let (start, c) = chars[i];
        if c.is_ascii_alphanumeric() {
            let mut j = i;
            while j < chars.len() && (chars[j].1.is_ascii_alphanumeric() || chars[j].1 == '.') {
                j += 1;
            }
            let end = chars.get(j).map_or(text.len(), |&(b, _)| b);
            out.push((
                start,
                end,
                text[start..end].trim_end_matches('.').to_ascii_lowercase(),
            ));
            i = j;
        } else if is_cjk(c) {
            if let Some(&(_, next)) = chars.get(i + 1).filter(|(_, n)| is_cjk(*n)) {
                let end = start + c.len_utf8() + next.len_utf8();
                out.push((start, end, text[start..end].to_string()));
            } else if i == 0
                || !chars
                    .get(i.wrapping_sub(1))
                    .is_some_and(|(_, p)| is_cjk(*p))
            {
                // A lone CJK character (between punctuation) is its own token.
                out.push((start, start + c.len_utf8(), c.to_string()));
            }
            i += 1;
        } else {
            i += 1;
        }
    }
    out
}

pub use crate::normalize::is_cjk;

/// A token stream over tokens computed up front.
pub struct VecTokenStream {
    tokens: Vec<Token>,
    next: usize,
}

impl VecTokenStream {
    fn new(tokens: Vec<Token>) -> Self {
        Self { tokens, next: 0 }
    }
}

impl TokenStream for VecTokenStream {
    fn advance(&mut self) -> bool {
        self.next += 1;
        self.next <= self.tokens.len()
    }

    fn token(&self) -> &Token {
        &self.tokens[self.next - 1]
    }

    fn token_mut(&mut self) -> &mut Token {
        &mut self.tokens[self.next - 1]
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn bigrams_of_mixed_text() {
        let grams: Vec<String> = bigrams("断卡行动2.0，拦截")
            .into_iter()
            .map(|g| g.2)
            .collect();
        assert_eq!(grams, ["断卡", "卡行", "行动", "2.0", "拦截"]);
    }

    #[test]
    fn lone_cjk_character_is_a_token() {
        let grams: Vec<String> = bigrams("钱 多少").into_iter().map(|g| g.2).collect();
        assert_eq!(grams, ["钱", "多少"]);
    }
}
