//! Passages: the units that are indexed and quoted — one per paragraph, plus one per sentence of
//! long paragraphs so ranking can point at the sentence that holds a figure.

use super::Document;

/// Paragraphs longer than this (in characters) also yield sentence passages.
const LONG_PARAGRAPH: usize = 60;

/// Whether a passage is a whole paragraph or one sentence of it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum PassageKind {
    Paragraph,
    Sentence,
}

/// One indexed unit of text, with where it comes from.
#[derive(Debug, Clone, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct Passage {
    /// Index of the paragraph in the document.
    pub paragraph: usize,
    pub kind: PassageKind,
    pub text: String,
    pub section: Option<String>,
}

/// Splits a document into passages, in reading order.
pub fn split_passages(document: &Document) -> Vec<Passage> {
    let mut passages = Vec::new();
    for (paragraph, para) in document.paragraphs.iter().enumerate() {
        passages.push(Passage {
            paragraph,
            kind: PassageKind::Paragraph,
            text: para.text.clone(),
            section: para.section.clone(),
        });
        if para.text.chars().count() > LONG_PARAGRAPH {
            let sentences = merge_short(split_sentences(&para.text));
            if sentences.len() > 1 {
                passages.extend(sentences.into_iter().map(|s| Passage {
                    paragraph,
                    kind: PassageKind::Sentence,
                    text: s,
                    section: para.section.clone(),
                }));
            }
        }
    }
    passages
}

/// Sentences shorter than this many characters ("杜航伟说。") are joined to the one before: alone
/// they would be matched by a name and quoted without their content.
const SHORT_SENTENCE: usize = 12;

fn merge_short(sentences: Vec<&str>) -> Vec<String> {
    let mut merged: Vec<String> = Vec::with_capacity(sentences.len());
    for sentence in sentences {
        match merged.last_mut() {
            Some(last) if sentence.chars().count() < SHORT_SENTENCE => last.push_str(sentence),
            _ => merged.push(sentence.to_string()),
        }
    }
    merged
}

/// Splits Chinese (or mixed) text into sentences. A sentence ends at 。！？!? or ；… and keeps the
/// closing quotes and brackets that follow its end mark (`…介绍。”` stays one sentence).
pub fn split_sentences(text: &str) -> Vec<&str> {
    let mut sentences = Vec::new();
    let mut start = 0;
    let mut chars = text.char_indices().peekable();
    while let Some((i, c)) = chars.next() {
        if matches!(c, '。' | '！' | '？' | '!' | '?' | '；' | ';' | '…') {
            let mut end = i + c.len_utf8();
            while let Some(&(j, next)) = chars.peek() {
                if matches!(
                    next,
                    '”' | '’' | '」' | '』' | '）' | ')' | '"' | '…' | '。' | '！' | '？'
                ) {
                    end = j + next.len_utf8();
                    chars.next();
                } else {
                    break;
                }
            }
            let sentence = text[start..end].trim();
            if !sentence.is_empty() {
                sentences.push(sentence);
            }
            start = end;
        }
    }
    let rest = text[start..].trim();
    if !rest.is_empty() {
        sentences.push(rest);
    }
    sentences
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sentences_keep_closing_quotes() {
        let text = "“我们将继续加强。”隋静说。另一句！最后没有句号";
        assert_eq!(
            split_sentences(text),
            ["“我们将继续加强。”", "隋静说。", "另一句！", "最后没有句号"]
        );
    }

    #[test]
    fn ellipsis_ends_a_sentence() {
        assert_eq!(
            split_sentences("甲120亿元……“乙。”"),
            ["甲120亿元……", "“乙。”"]
        );
    }
}
