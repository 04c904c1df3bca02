//! BM25 over a small index by scoring every passage a question's words reach, one dense score
//! array per segment.
//!
//! A knowledge folder holds a few hundred to a few thousand passages. At that size tantivy's
//! query machinery (a boxed scorer per clause, a 4,096-document union window, block-WAND
//! pruning) costs more than the scoring itself: on the shipped knowledge it was half of the
//! instructions spent on a question. Reading each clause's postings straight into an array of
//! scores gives the same BM25 scores (tantivy's formula and parameters, up to the order of
//! float additions) in the same order. A big index still goes through tantivy's `TopDocs`,
//! where pruning pays (see [`DENSE_SCORING_LIMIT`]).

use tantivy::fieldnorm::FieldNormReader;
use tantivy::postings::{Postings, TermInfo};
use tantivy::query::Bm25StatisticsProvider;
use tantivy::schema::IndexRecordOption;
use tantivy::{DocAddress, DocSet, Score, TERMINATED, Term};

use super::SearchIndex;

/// Up to this many passages a question is scored densely; above it, by tantivy's pruning
/// query. Ten times the shipped knowledge, and well under the 10,000-article bench.
pub const DENSE_SCORING_LIMIT: u64 = 20_000;

/// tantivy's BM25 parameters (`tantivy::query::bm25`), so both paths score alike.
const K1: Score = 1.2;
const B: Score = 0.75;

/// BM25's length normalisation, `K1 · (1 − B + B · length / average length)`, for each of the
/// 256 field-norm codes of the words and the bigrams field.
pub struct Bm25Norms([[Score; 256]; 2]);

impl Bm25Norms {
    /// The tables for an index of `docs` passages holding `total_tokens` tokens in the words
    /// and the bigrams field.
    pub fn new(total_tokens: [u64; 2], docs: u64) -> Self {
        let table = |tokens: u64| {
            let average = tokens as Score / docs.max(1) as Score;
            std::array::from_fn(|code| {
                let length = FieldNormReader::id_to_fieldnorm(code as u8) as Score;
                K1 * (1.0 - B + B * length / average)
            })
        };
        Self([table(total_tokens[0]), table(total_tokens[1])])
    }
}

/// The best `limit` passages for `clauses` (terms with their boosts), best first, ties in index
/// order, as tantivy's `TopDocs` ranks them.
pub fn best_hits(
    index: &SearchIndex,
    stats: &dyn Bm25StatisticsProvider,
    clauses: &[(Term, Score)],
    limit: usize,
) -> tantivy::Result<Vec<(Score, DocAddress)>> {
    let (searcher, norms) = (&index.searcher, &index.bm25_norms);
    let docs = stats.total_num_docs()?;
    // Each clause's BM25 weight and where its postings are, from the term table: no second
    // look-up in the term dictionary.
    let terms: Vec<(Score, Box<[Option<TermInfo>]>)> = clauses
        .iter()
        .map(|(term, boost)| {
            index.with_term(term, |entry| {
                let weight = idf(entry.doc_freq, docs) * (1.0 + K1) * boost;
                (weight, entry.segments.clone())
            })
        })
        .collect();
    let fields = [index.fields.words, index.fields.bigrams];
    // The words field's tables and readers come first, the bigrams field's second.
    let slot = |term: &Term| usize::from(term.field() != fields[0]);
    let mut hits = Vec::new();
    for (segment_ord, segment) in searcher.segment_readers().iter().enumerate() {
        let inverted = [
            segment.inverted_index(fields[0])?,
            segment.inverted_index(fields[1])?,
        ];
        let lengths = [
            segment.get_fieldnorms_reader(fields[0])?,
            segment.get_fieldnorms_reader(fields[1])?,
        ];
        let mut scores: Vec<Score> = vec![0.0; segment.max_doc() as usize];
        let mut matched = vec![false; scores.len()];
        for ((term, _), (weight, segments)) in clauses.iter().zip(&terms) {
            let Some(Some(info)) = segments.get(segment_ord) else {
                continue;
            };
            let slot = slot(term);
            let mut postings =
                inverted[slot].read_postings_from_terminfo(info, IndexRecordOption::WithFreqs)?;
            let weight = *weight;
            let (norm, lengths) = (&norms.0[slot], &lengths[slot]);
            let mut doc = postings.doc();
            while doc != TERMINATED {
                let frequency = postings.term_freq() as Score;
                let length_norm = norm[usize::from(lengths.fieldnorm_id(doc))];
                scores[doc as usize] += weight * (frequency / (frequency + length_norm));
                matched[doc as usize] = true;
                doc = postings.advance();
            }
        }
        let alive = segment.alive_bitset();
        hits.extend(
            scores
                .iter()
                .zip(&matched)
                .enumerate()
                .filter(|&(doc, (_, &matched))| {
                    matched && alive.is_none_or(|alive| alive.is_alive(doc as u32))
                })
                .map(|(doc, (&score, _))| {
                    (
                        score,
                        DocAddress {
                            segment_ord: segment_ord as u32,
                            doc_id: doc as u32,
                        },
                    )
                }),
        );
    }
    let best_first = |a: &(Score, DocAddress), b: &(Score, DocAddress)| {
        b.0.total_cmp(&a.0).then_with(|| a.1.cmp(&b.1))
    };
    if hits.len() > limit {
        hits.select_nth_unstable_by(limit, best_first);
        hits.truncate(limit);
    }
    hits.sort_unstable_by(best_first);
    Ok(hits)
}

/// tantivy's inverse document frequency: `ln(1 + (N − n + 0.5) / (n + 0.5))`.
fn idf(doc_freq: u64, docs: u64) -> Score {
    let x = (docs.saturating_sub(doc_freq) as Score + 0.5) / (doc_freq as Score + 0.5);
    (1.0 + x).ln()
}
