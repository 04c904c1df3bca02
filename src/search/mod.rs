//! Search: the Chinese tokenizers, the tantivy schema and index over passages, and query building.
//!
//! tantivy finds candidate passages fast (BM25 over jieba words, with character bigrams as a
//! fallback); the answer engine then re-ranks the few candidates with finer, figure-aware scoring.

pub mod lexicon;
pub mod query;
pub mod tokenizer;

use std::path::Path;

use tantivy::collector::TopDocs;
use tantivy::query::{BooleanQuery, BoostQuery, Occur, Query, TermQuery};
use tantivy::schema::{
    Field, IndexRecordOption, NumericOptions, Schema, TextFieldIndexing, TextOptions,
};
use tantivy::tokenizer::TextAnalyzer;
use tantivy::{Index, ReloadPolicy, Term, doc};

use self::lexicon::Lexicon;
use self::tokenizer::{BIGRAMS, BigramTokenizer, WORDS, WordTokenizer};

/// The fields of the passage index.
#[derive(Debug, Clone, Copy)]
pub struct Fields {
    /// Position of the passage in the corpus.
    pub passage: Field,
    /// The passage text, cut into jieba words.
    pub words: Field,
    /// The passage text, as CJK bigrams.
    pub bigrams: Field,
}

/// Builds the schema and returns it with its fields.
pub fn schema() -> (Schema, Fields) {
    let mut builder = Schema::builder();
    // A fast field: hits read their passage number from a column, not from the document store.
    let passage = builder.add_u64_field("passage", NumericOptions::default().set_fast());
    let text_field = |tokenizer: &str| {
        TextOptions::default().set_indexing_options(
            TextFieldIndexing::default()
                .set_tokenizer(tokenizer)
                .set_index_option(IndexRecordOption::WithFreqs),
        )
    };
    let words = builder.add_text_field("words", text_field(WORDS));
    let bigrams = builder.add_text_field("bigrams", text_field(BIGRAMS));
    (
        builder.build(),
        Fields {
            passage,
            words,
            bigrams,
        },
    )
}

/// Why the index could not be built or read.
#[derive(Debug, thiserror::Error)]
#[error("search index: {0}")]
pub struct IndexError(#[from] tantivy::TantivyError);

/// A term to search for, with its weight.
#[derive(Debug, Clone, PartialEq)]
pub struct WeightedTerm {
    pub text: String,
    pub weight: f32,
}

/// The passage index.
pub struct SearchIndex {
    fields: Fields,
    searcher: tantivy::Searcher,
    /// The passage-number column of each segment, by segment ordinal.
    passage_columns: Vec<tantivy::columnar::Column<u64>>,
    index: Index,
}

impl SearchIndex {
    /// Indexes passage texts in memory; passage `i` is `texts[i]`.
    pub fn build<'a>(
        lexicon: &Lexicon,
        texts: impl IntoIterator<Item = &'a str>,
    ) -> Result<SearchIndex, IndexError> {
        let (schema, fields) = schema();
        SearchIndex::fill(Index::create_in_ram(schema), fields, lexicon, texts)
    }

    /// Indexes passage texts into the empty folder `dir`, where [`SearchIndex::open_in_dir`]
    /// finds them again after a restart.
    pub fn build_in_dir<'a>(
        dir: &Path,
        lexicon: &Lexicon,
        texts: impl IntoIterator<Item = &'a str>,
    ) -> Result<SearchIndex, IndexError> {
        let (schema, fields) = schema();
        SearchIndex::fill(Index::create_in_dir(dir, schema)?, fields, lexicon, texts)
    }

    /// Opens an index written by [`SearchIndex::build_in_dir`]. The tokenizers are registered
    /// again: tantivy stores only their names.
    pub fn open_in_dir(dir: &Path, lexicon: &Lexicon) -> Result<SearchIndex, IndexError> {
        let (_, fields) = schema();
        let index = Index::open_in_dir(dir)?;
        register_tokenizers(&index, lexicon);
        SearchIndex::serve(index, fields)
    }

    fn fill<'a>(
        index: Index,
        fields: Fields,
        lexicon: &Lexicon,
        texts: impl IntoIterator<Item = &'a str>,
    ) -> Result<SearchIndex, IndexError> {
        register_tokenizers(&index, lexicon);
        // One thread: indexing runs beside the serving bot on a 2-core machine.
        let mut writer = index.writer_with_num_threads(1, 50_000_000)?;
        for (i, text) in texts.into_iter().enumerate() {
            writer.add_document(doc!(
                fields.passage => i as u64,
                fields.words => text,
                fields.bigrams => text,
            ))?;
        }
        writer.commit()?;
        // Merges run on background threads; wait for them so the folder is complete on return.
        writer.wait_merging_threads()?;
        SearchIndex::serve(index, fields)
    }

    fn serve(index: Index, fields: Fields) -> Result<SearchIndex, IndexError> {
        let reader = index
            .reader_builder()
            .reload_policy(ReloadPolicy::Manual)
            .try_into()?;
        let searcher = reader.searcher();
        let passage_columns = searcher
            .segment_readers()
            .iter()
            .map(|segment| segment.fast_fields().u64("passage"))
            .collect::<Result<Vec<_>, _>>()?;
        Ok(SearchIndex {
            fields,
            searcher,
            passage_columns,
            index,
        })
    }

    pub fn fields(&self) -> Fields {
        self.fields
    }

    pub fn index(&self) -> &Index {
        &self.index
    }

    /// Number of indexed passages.
    pub fn len(&self) -> u64 {
        self.searcher.num_docs()
    }

    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// How many passages contain `word` as a jieba word (0 when unknown).
    pub fn word_frequency(&self, word: &str) -> u64 {
        let term = Term::from_field_text(self.fields.words, word);
        self.searcher.doc_freq(&term).unwrap_or(0)
    }

    /// How many passages contain the bigram (or lone character) `gram`.
    pub fn bigram_frequency(&self, gram: &str) -> u64 {
        let term = Term::from_field_text(self.fields.bigrams, gram);
        self.searcher.doc_freq(&term).unwrap_or(0)
    }

    /// The `limit` best passages for the weighted words, by BM25: `(passage, score)`, best first.
    /// Words are matched as jieba words and, at a lower weight, by their bigrams.
    pub fn search(
        &self,
        terms: &[WeightedTerm],
        limit: usize,
    ) -> Result<Vec<(usize, f32)>, IndexError> {
        let mut clauses: Vec<(Occur, Box<dyn Query>)> = Vec::new();
        for term in terms {
            let word = Term::from_field_text(self.fields.words, &term.text);
            clauses.push((Occur::Should, boosted(word, term.weight)));
            // Bigrams stand in for a word the index does not know as a word (segmented
            // differently in the articles); a known word needs no fallback, and every extra
            // clause costs query time.
            if self.word_frequency(&term.text) > 0 {
                continue;
            }
            for (_, _, gram) in tokenizer::bigrams(&term.text) {
                if gram != term.text {
                    let gram = Term::from_field_text(self.fields.bigrams, &gram);
                    clauses.push((Occur::Should, boosted(gram, term.weight * 0.3)));
                }
            }
        }
        if clauses.is_empty() {
            return Ok(Vec::new());
        }
        let query = BooleanQuery::new(clauses);
        let top = self.searcher.search(&query, &TopDocs::with_limit(limit))?;
        Ok(top
            .into_iter()
            .filter_map(|(score, address)| {
                let column = self.passage_columns.get(address.segment_ord as usize)?;
                Some((column.first(address.doc_id)? as usize, score))
            })
            .collect())
    }
}

fn boosted(term: Term, weight: f32) -> Box<dyn Query> {
    let query = Box::new(TermQuery::new(term, IndexRecordOption::WithFreqs));
    if (weight - 1.0).abs() < f32::EPSILON {
        query
    } else {
        Box::new(BoostQuery::new(query, weight))
    }
}

/// Registers the project's tokenizers on an index (needed again whenever an index is opened).
pub fn register_tokenizers(index: &Index, lexicon: &Lexicon) {
    index.tokenizers().register(
        WORDS,
        TextAnalyzer::builder(WordTokenizer::new(lexicon.jieba())).build(),
    );
    index
        .tokenizers()
        .register(BIGRAMS, TextAnalyzer::builder(BigramTokenizer).build());
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::search::lexicon::Synonyms;

    #[test]
    fn finds_passages_by_words_and_bigrams() {
        let lexicon = Lexicon::new(&[("涉诈".into(), None)], Synonyms::default());
        let texts = [
            "拦截涉诈电话19.5亿次",
            "抓获犯罪嫌疑人63.4万名",
            "今天天气不错",
        ];
        let index = SearchIndex::build(&lexicon, texts).unwrap();
        assert_eq!(index.len(), 3);
        let terms = [WeightedTerm {
            text: "涉诈".into(),
            weight: 1.0,
        }];
        let hits = index.search(&terms, 10).unwrap();
        assert_eq!(hits.first().map(|h| h.0), Some(0));
        assert!(index.word_frequency("涉诈") >= 1);
        assert_eq!(index.word_frequency("比特币"), 0);
        let terms = [WeightedTerm {
            text: "嫌疑".into(),
            weight: 1.0,
        }];
        let hits = index.search(&terms, 10).unwrap();
        assert_eq!(hits.first().map(|h| h.0), Some(1), "found through bigrams");
    }
}
