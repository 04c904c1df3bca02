//! Search: the Chinese tokenizers, the tantivy schema and index over passages, and query building.
//!
//! tantivy finds candidate passages fast (BM25 over jieba words, with character bigrams as a
//! fallback); the answer engine then re-ranks the few candidates with finer, figure-aware scoring.

mod dense;
pub mod lexicon;
pub mod query;
pub mod terms;
pub mod tokenizer;
pub mod typos;

use foldhash::HashMap;
use std::path::Path;
use std::sync::RwLock;

use tantivy::collector::TopDocs;
use tantivy::postings::TermInfo;
use tantivy::query::{Bm25StatisticsProvider, BooleanQuery, BoostQuery, Occur, Query, TermQuery};
use tantivy::schema::{
    Field, IndexRecordOption, NumericOptions, Schema, TextFieldIndexing, TextOptions,
};
use tantivy::tokenizer::TextAnalyzer;
use tantivy::{Index, ReloadPolicy, Score, Term, doc};

use self::lexicon::Lexicon;
use self::tokenizer::{BIGRAMS, BigramTokenizer, WORDS, WordTokenizer, bigrams};

/// The fields of the passage index.
#[derive(Debug, Clone, Copy)]
pub struct Fields {
    /// The passage's [`passage_key`]: its article's slot and its position in the article.
    pub passage: Field,
    /// The article's slot, so an article's passages can be deleted together.
    pub article: Field,
    /// The passage text, cut into jieba words.
    pub words: Field,
    /// The passage text, as CJK bigrams.
    pub bigrams: Field,
}

/// The key of passage `local` of the article in slot `slot`, as stored in the index. Slots are
/// handed out by whoever builds the index; an article keeps its slot while it is unchanged, so
/// its passages can stay in the index when other articles change.
pub fn passage_key(slot: u32, local: u32) -> u64 {
    (u64::from(slot) << 32) | u64::from(local)
}

/// The slot and local position of a [`passage_key`].
pub fn split_passage_key(key: u64) -> (u32, u32) {
    ((key >> 32) as u32, key as u32)
}

/// A passage to index: its [`passage_key`] and its text as searched.
pub type PassageToIndex<'a> = (u64, &'a str);

/// Builds the schema and returns it with its fields.
pub fn schema() -> (Schema, Fields) {
    let mut builder = Schema::builder();
    // A fast field: hits read their passage key from a column, not from the document store.
    let passage = builder.add_u64_field("passage", NumericOptions::default().set_fast());
    let article = builder.add_u64_field("article", NumericOptions::default().set_indexed());
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
            article,
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
    /// Tokens in the words and the bigrams field: fixed for a served index, and BM25 asks for
    /// them on every clause of every query.
    total_tokens: [u64; 2],
    /// BM25's length normalisation per field-norm code, for the words and the bigrams field:
    /// fixed for a served index, so worked out once here rather than for every clause.
    bm25_norms: dense::Bm25Norms,
    /// Terms looked up so far. A served index never changes, and questions keep using the same
    /// few thousand words, so each is looked up in the term dictionary once.
    terms: RwLock<HashMap<Term, TermEntry>>,
    index: Index,
}

/// What the term dictionary says of a term: how many passages hold it, and where its postings
/// are in each segment (`None` where a segment does not hold it).
#[derive(Debug, Clone)]
struct TermEntry {
    doc_freq: u64,
    segments: Box<[Option<TermInfo>]>,
}

/// At most this many terms are remembered (a few megabytes); later terms are looked up each
/// time, so odd input cannot grow the table without bound.
const MAX_REMEMBERED_TERMS: usize = 100_000;

/// Term statistics for one question. The engine weighs a question by how many passages hold
/// each of its words, and BM25 asks for the same document frequencies again for every clause:
/// both read them from the index's table of frequencies already looked up.
pub struct QuestionStats<'a> {
    index: &'a SearchIndex,
}

impl QuestionStats<'_> {
    /// How many passages contain `word` as a jieba word (0 when unknown).
    pub fn word_frequency(&self, word: &str) -> u64 {
        self.frequency(&Term::from_field_text(self.index.fields.words, word))
    }

    /// How many passages contain the bigram (or lone character) `gram`.
    pub fn bigram_frequency(&self, gram: &str) -> u64 {
        self.frequency(&Term::from_field_text(self.index.fields.bigrams, gram))
    }

    /// How many passages hold `form`: as a word, else (when segmented differently) by its rarest
    /// bigram.
    pub fn form_frequency(&self, form: &str) -> u64 {
        let as_word = self.word_frequency(form);
        if as_word > 0 {
            return as_word;
        }
        let grams = bigrams(form);
        if grams.len() <= 1 && grams.first().is_none_or(|g| g.2 != form) {
            return 0;
        }
        grams
            .iter()
            .map(|g| self.bigram_frequency(&g.2))
            .min()
            .unwrap_or(0)
    }

    fn frequency(&self, term: &Term) -> u64 {
        self.index.with_term(term, |entry| entry.doc_freq)
    }
}

impl Bm25StatisticsProvider for QuestionStats<'_> {
    fn total_num_tokens(&self, field: Field) -> tantivy::Result<u64> {
        let fields = self.index.fields;
        if field == fields.words {
            Ok(self.index.total_tokens[0])
        } else if field == fields.bigrams {
            Ok(self.index.total_tokens[1])
        } else {
            self.index.searcher.total_num_tokens(field)
        }
    }

    fn total_num_docs(&self) -> tantivy::Result<u64> {
        Ok(self.index.searcher.num_docs())
    }

    fn doc_freq(&self, term: &Term) -> tantivy::Result<u64> {
        Ok(self.frequency(term))
    }
}

impl SearchIndex {
    /// Indexes passages in memory.
    pub fn build<'a>(
        lexicon: &Lexicon,
        passages: impl IntoIterator<Item = PassageToIndex<'a>>,
    ) -> Result<SearchIndex, IndexError> {
        let (schema, fields) = schema();
        let index = Index::create_in_ram(schema);
        register_tokenizers(&index, lexicon);
        SearchIndex::write(&index, fields, &[], passages, None)?;
        SearchIndex::serve(index, fields)
    }

    /// Indexes passages into the empty folder `dir`, where [`SearchIndex::open`] serves them
    /// again after a restart. `payload` is saved with the commit: [`crate::live::saved_index`] checks it.
    pub fn create_in_dir<'a>(
        dir: &Path,
        lexicon: &Lexicon,
        passages: impl IntoIterator<Item = PassageToIndex<'a>>,
        payload: &str,
    ) -> Result<SearchIndex, IndexError> {
        let (schema, fields) = schema();
        let index = Index::create_in_dir(dir, schema)?;
        register_tokenizers(&index, lexicon);
        SearchIndex::write(&index, fields, &[], passages, Some(payload))?;
        SearchIndex::serve(index, fields)
    }

    /// Serves an index written by [`SearchIndex::create_in_dir`], opened by the caller (who
    /// checks its payload first). The tokenizers are registered again: tantivy stores only
    /// their names.
    pub fn open(index: &Index, lexicon: &Lexicon) -> Result<SearchIndex, IndexError> {
        let (_, fields) = schema();
        register_tokenizers(index, lexicon);
        SearchIndex::serve(index.clone(), fields)
    }

    /// A new version of the index `index` (the one a served [`SearchIndex`] was opened from):
    /// the passages of the articles in `removed_slots` deleted and `added` added, committed with
    /// `payload`. A [`SearchIndex`] serving an earlier version keeps serving it (its searcher
    /// holds its segments), so it can answer until the new one is swapped in. The lexicon must
    /// be the one the index was built with: the passages already indexed are not tokenized again.
    pub fn update<'a>(
        index: &Index,
        lexicon: &Lexicon,
        removed_slots: &[u32],
        added: impl IntoIterator<Item = PassageToIndex<'a>>,
        payload: &str,
    ) -> Result<SearchIndex, IndexError> {
        let (_, fields) = schema();
        register_tokenizers(index, lexicon);
        SearchIndex::write(index, fields, removed_slots, added, Some(payload))?;
        SearchIndex::serve(index.clone(), fields)
    }

    fn write<'a>(
        index: &Index,
        fields: Fields,
        removed_slots: &[u32],
        added: impl IntoIterator<Item = PassageToIndex<'a>>,
        payload: Option<&str>,
    ) -> Result<(), IndexError> {
        // One thread: indexing runs beside the serving bot on a 2-core machine.
        let mut writer = index.writer_with_num_threads(1, 50_000_000)?;
        for &slot in removed_slots {
            writer.delete_term(Term::from_field_u64(fields.article, u64::from(slot)));
        }
        for (key, text) in added {
            writer.add_document(doc!(
                fields.passage => key,
                fields.article => u64::from(split_passage_key(key).0),
                fields.words => text,
                fields.bigrams => text,
            ))?;
        }
        let mut commit = writer.prepare_commit()?;
        if let Some(payload) = payload {
            commit.set_payload(payload);
        }
        commit.commit()?;
        // Merges run on background threads; wait for them so the folder is complete on return.
        writer.wait_merging_threads()?;
        Ok(())
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
        let total_tokens = [
            searcher.total_num_tokens(fields.words)?,
            searcher.total_num_tokens(fields.bigrams)?,
        ];
        let docs = searcher.num_docs();
        let bm25_norms = dense::Bm25Norms::new(total_tokens, docs);
        Ok(SearchIndex {
            fields,
            searcher,
            passage_columns,
            total_tokens,
            bm25_norms,
            terms: RwLock::default(),
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

    /// Every word of the words field with the number of passages that use it (for
    /// [`typos::Homophones`]). Reads the whole term dictionary: call it once per served index.
    pub fn words_with_passages(&self) -> Vec<(String, u64)> {
        let mut counts: HashMap<String, u64> = HashMap::default();
        for segment in self.searcher.segment_readers() {
            let Ok(inverted) = segment.inverted_index(self.fields.words) else {
                continue;
            };
            let Ok(mut terms) = inverted.terms().stream() else {
                continue;
            };
            while terms.advance() {
                if let Ok(word) = std::str::from_utf8(terms.key()) {
                    *counts.entry(word.to_owned()).or_default() +=
                        u64::from(terms.value().doc_freq);
                }
            }
        }
        counts.into_iter().collect()
    }

    /// Reads what the term dictionary says of `term`, looking it up only the first time.
    fn with_term<R>(&self, term: &Term, read: impl FnOnce(&TermEntry) -> R) -> R {
        if let Ok(known) = self.terms.read()
            && let Some(entry) = known.get(term)
        {
            return read(entry);
        }
        let segments: Box<[Option<TermInfo>]> = self
            .searcher
            .segment_readers()
            .iter()
            .map(|segment| {
                let inverted = segment.inverted_index(term.field()).ok()?;
                inverted.get_term_info(term).ok().flatten()
            })
            .collect();
        let entry = TermEntry {
            doc_freq: segments
                .iter()
                .flatten()
                .map(|i| u64::from(i.doc_freq))
                .sum(),
            segments,
        };
        let result = read(&entry);
        if let Ok(mut known) = self.terms.write()
            && known.len() < MAX_REMEMBERED_TERMS
        {
            known.insert(term.clone(), entry);
        }
        result
    }

    /// The term statistics a question is weighed and searched with (see [`QuestionStats`]).
    pub fn question_stats(&self) -> QuestionStats<'_> {
        QuestionStats { index: self }
    }

    /// The `limit` best passages for the weighted words, by BM25: `(passage key, score)`, best
    /// first.
    /// Words are matched as jieba words and, at a lower weight, by their bigrams.
    pub fn search(
        &self,
        stats: &QuestionStats<'_>,
        terms: &[WeightedTerm],
        limit: usize,
    ) -> Result<Vec<(u64, f32)>, IndexError> {
        // Only terms some passage holds get a clause: the others cannot change any score, yet
        // cost query time (and with every clause a plain term, a big index is pruned with
        // block-WAND).
        let mut clauses: Vec<(Term, Score)> = Vec::new();
        for term in terms {
            if stats.word_frequency(&term.text) > 0 {
                let word = Term::from_field_text(self.fields.words, &term.text);
                clauses.push((word, term.weight));
                continue;
            }
            // Bigrams stand in for a word the index does not know as a word (segmented
            // differently in the articles).
            for (_, _, gram) in tokenizer::bigrams(&term.text) {
                if gram != term.text && stats.bigram_frequency(&gram) > 0 {
                    let gram = Term::from_field_text(self.fields.bigrams, &gram);
                    clauses.push((gram, term.weight * 0.3));
                }
            }
        }
        if clauses.is_empty() {
            return Ok(Vec::new());
        }
        let top = if self.len() <= dense::DENSE_SCORING_LIMIT {
            dense::best_hits(self, stats, &clauses, limit)?
        } else {
            self.pruned_hits(stats, clauses, limit)?
        };
        Ok(top
            .into_iter()
            .filter_map(|(score, address)| {
                let column = self.passage_columns.get(address.segment_ord as usize)?;
                Some((column.first(address.doc_id)?, score))
            })
            .collect())
    }

    /// The best `limit` hits for `clauses` by tantivy's own query, pruned with block-WAND: the
    /// way for an index too big to score densely (see [`dense::DENSE_SCORING_LIMIT`]).
    fn pruned_hits(
        &self,
        stats: &QuestionStats<'_>,
        clauses: Vec<(Term, Score)>,
        limit: usize,
    ) -> Result<Vec<(Score, tantivy::DocAddress)>, IndexError> {
        let query = BooleanQuery::new(
            clauses
                .into_iter()
                .map(|(term, weight)| (Occur::Should, boosted(term, weight)))
                .collect(),
        );
        Ok(self.searcher.search_with_statistics_provider(
            &query,
            &TopDocs::with_limit(limit),
            stats,
        )?)
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

    /// An index of `texts` as the passages of article slot `slot`, with 涉诈 a domain word.
    fn index_of(slot: u32, texts: &[&str]) -> SearchIndex {
        let lexicon = Lexicon::new(&[("涉诈".into(), None)], Synonyms::default());
        let passages = texts
            .iter()
            .enumerate()
            .map(|(i, text)| (passage_key(slot, i as u32), *text));
        SearchIndex::build(&lexicon, passages).unwrap()
    }

    #[test]
    fn dense_scoring_ranks_and_scores_as_tantivys_pruned_query() {
        let index = index_of(
            1,
            &[
                "拦截涉诈电话19.5亿次、涉诈短信21.4亿条",
                "涉诈电话",
                "抓获犯罪嫌疑人63.4万名，电话回访",
                "今天天气不错",
                "电话电话电话，短信",
                "封堵涉诈域名网址210.6万个",
            ],
        );
        let stats = index.question_stats();
        let clauses = vec![
            (Term::from_field_text(index.fields.words, "涉诈"), 1.0),
            (Term::from_field_text(index.fields.words, "电话"), 0.7),
            (Term::from_field_text(index.fields.bigrams, "短信"), 0.3),
            (Term::from_field_text(index.fields.words, "比特币"), 1.0),
        ];
        for limit in [1, 3, 10] {
            let dense = dense::best_hits(&index, &stats, &clauses, limit).unwrap();
            let pruned = index.pruned_hits(&stats, clauses.clone(), limit).unwrap();
            assert_eq!(dense.len(), pruned.len(), "limit {limit}");
            assert!(!dense.is_empty());
            for ((dense_score, dense_doc), (pruned_score, pruned_doc)) in dense.iter().zip(&pruned)
            {
                assert_eq!(
                    dense_doc, pruned_doc,
                    "limit {limit}: {dense:?} / {pruned:?}"
                );
                assert!(
                    (dense_score - pruned_score).abs() <= 1e-5 * pruned_score.abs(),
                    "{dense_score} / {pruned_score}"
                );
            }
        }
    }

    #[test]
    fn finds_passages_by_words_and_bigrams() {
        let index = index_of(
            7,
            &[
                "拦截涉诈电话19.5亿次",
                "抓获犯罪嫌疑人63.4万名",
                "今天天气不错",
            ],
        );
        assert_eq!(index.len(), 3);
        let terms = [WeightedTerm {
            text: "涉诈".into(),
            weight: 1.0,
        }];
        let stats = index.question_stats();
        let hits = index.search(&stats, &terms, 10).unwrap();
        assert_eq!(hits.first().map(|h| split_passage_key(h.0)), Some((7, 0)));
        assert!(stats.word_frequency("涉诈") >= 1);
        assert_eq!(stats.word_frequency("比特币"), 0);
        let terms = [WeightedTerm {
            text: "嫌疑".into(),
            weight: 1.0,
        }];
        let hits = index.search(&index.question_stats(), &terms, 10).unwrap();
        assert_eq!(
            hits.first().map(|h| split_passage_key(h.0)),
            Some((7, 1)),
            "found through bigrams"
        );
    }
}
