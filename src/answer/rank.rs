//! Ranking: reads a question (its words, synonyms and weights), scores the candidate passages
//! and figures the search index finds for it, and decides whether the best of them answers it
//! well enough to be shown — else the answer is "I don't know" with suggestions.

use chrono::Datelike;

use super::coverage::{coverage, coverage_in_context, label_fit};
use super::engine::{Engine, FIGURE_CONFIDENCE, ItemRef, RankedFigure};
use super::periods::{drop_restated, stands_in_for_other_periods};
use super::{
    Answer, AnswerLimits, ExplainedCandidate, ExplainedFigure, ExplainedTerm, Explanation,
    FigureHit,
};
use crate::corpus::ArticleBody;
use crate::figures::{PeriodFit, PeriodSpan, YearSet, date_figure, is_change_word};
use crate::normalize::normalize_question;
use crate::search::lexicon::WordStanding;
use crate::search::query::{
    ADVICE_CUES, ADVICE_MARKERS, Direction, QuestionAnalysis, UnitClass, analyze, is_made_up,
    split_made_up_words,
};
use crate::search::terms::{QueryTerm, TermFinders, TermSet};
use crate::search::{QuestionStats, WeightedTerm};

/// Minimum share of the question (IDF-weighted) a hit must cover to be shown as an answer.
const PASSAGE_CONFIDENCE: f32 = 0.6;
/// Minimum passage confidence for a quantity question that no figure answers.
const QUANTITY_PASSAGE_CONFIDENCE: f32 = 0.75;
/// Candidate passages fetched from the index before re-ranking.
const CANDIDATES: usize = 40;
/// Confidence a figure gains when its period is exactly the period asked.
const EXACT_PERIOD_CONFIDENCE: f32 = 0.1;
/// Score added to a passage shaped like the answer asked for: a date for "什么时候", advice for
/// "怎么办".
const ANSWER_SHAPE_BONUS: f32 = 0.1;
/// How much a passage loses that names only other years than the one asked.
const OTHER_YEAR_PENALTY: f32 = 0.5;
/// Candidates of each kind shown by [`Engine::explain`].
const EXPLAINED_CANDIDATES: usize = 5;

impl Engine {
    /// Answers a question with the default limits.
    pub fn answer(&self, question: &str) -> Answer {
        self.answer_with(question, AnswerLimits::default())
    }

    /// Answers a question with up to `limits` figures and passages.
    pub fn answer_with(&self, question: &str, limits: AnswerLimits) -> Answer {
        let analysis = self.read_question(question);
        let asked = analysis.asked.clone();
        let mut answer = Answer {
            question: question.to_string(),
            answered: false,
            wants_figure: analysis.wants_figure,
            confidence: 0.0,
            figures: Vec::new(),
            passages: Vec::new(),
            suggestions: Vec::new(),
            missing_period: None,
            trend: analysis.trend,
            series: Vec::new(),
        };
        if analysis.terms.is_empty() {
            answer.suggestions = self.suggestions(3);
            return answer;
        }
        let Ranking {
            standings,
            weights,
            finders,
            passages: ranked_passages,
            figures: ranked_figures,
        } = self.rank(&analysis, asked.as_ref().map(|(_, span)| span));

        // A hit that shares only everyday words with the question (see [`Lexicon::standing`])
        // ("中国" in 中国人民银行 for "中国有多少人口") is a coincidence, not an answer. (A word
        // with alternatives is specific itself: it is in the synonym file, or a rare
        // verb-with-particle form, see `aspect_stem` in search::query.)
        let specific: Vec<bool> = analysis
            .terms
            .iter()
            .zip(&standings)
            .map(|(t, standing)| standing.specific || t.text.chars().all(|c| c.is_ascii_digit()))
            .collect();
        let shares_specific = |text: &str| {
            specific
                .iter()
                .enumerate()
                .any(|(term, &specific)| specific && finders.found(term, text))
        };
        // The lead passage's confidence counts the article's title as context too, at half
        // weight like its heading: "2023年：…主题是…" in a review of the “全民反诈在行动” months
        // answers "2023年全民反诈在行动宣传月的主题是什么" though only the title names the month.
        // (Ranking leaves titles out: they would lift every passage of an article alike.)
        let passage_confidence = ranked_passages.first().map_or(0.0, |p| {
            let title = &self.title_keys[p.passage.article as usize];
            if shares_specific(self.passage_key(p.passage)) {
                p.coverage
                    .max(self.coverage_with_title(&finders, &weights, p))
            } else if shares_specific(title) {
                self.coverage_with_title(&finders, &weights, p)
            } else {
                0.0
            }
        });
        let figure_confidence = ranked_figures
            .first()
            .filter(|f| shares_specific(&self.figure(f.figure).sentence_key))
            .map_or(0.0, |f| f.confidence);
        let leads_with_figure = analysis.wants_figure && figure_confidence >= FIGURE_CONFIDENCE;
        // Asked for a number we do not have, a passage must match well to be worth showing.
        let passage_needed = if analysis.wants_figure {
            QUANTITY_PASSAGE_CONFIDENCE
        } else {
            PASSAGE_CONFIDENCE
        };
        answer.answered = leads_with_figure || passage_confidence >= passage_needed;
        answer.confidence = if leads_with_figure {
            figure_confidence
        } else {
            passage_confidence
        };
        answer.wants_figure = leads_with_figure;
        // Asked about a period the best figure is not from: say so, and which periods there are,
        // rather than give another period's figure.
        if let (true, Some((period, _)), Some(lead)) =
            (leads_with_figure, &asked, ranked_figures.first())
            && (matches!(
                lead.fit,
                Some(PeriodFit::Disjoint | PeriodFit::OtherKind | PeriodFit::Overlapping)
            ) || stands_in_for_other_periods(lead, &ranked_figures))
        {
            answer.answered = false;
            answer.wants_figure = false;
            answer.confidence = 0.0;
            answer.missing_period = Some(period.clone());
            answer.suggestions = self.period_questions(&ranked_figures, 5);
            return answer;
        }
        if !answer.answered {
            let near = ranked_figures.iter().map(|f| f.figure);
            answer.suggestions = self.figure_questions(near, 3);
            if answer.suggestions.is_empty() {
                answer.suggestions = self.suggestions(3);
            }
            return answer;
        }
        answer.figures = ranked_figures
            .iter()
            .filter(|f| f.confidence >= FIGURE_CONFIDENCE * 0.5)
            .take(limits.figures)
            .map(|f| self.figure_hit(f.figure, f.score, self.measure_of(f).to_owned()))
            .collect();
        if leads_with_figure {
            self.add_other_periods(&mut answer.figures, &ranked_figures, limits.figures);
            drop_restated(&mut answer.figures);
            if let Some(lead) = answer.figures.first() {
                answer.series = self.series(lead, &ranked_figures);
            }
        }
        answer.passages = ranked_passages
            .iter()
            .filter(|p| p.coverage >= PASSAGE_CONFIDENCE * 0.5)
            .take(limits.passages)
            .map(|p| self.passage_hit(p.passage, p.score))
            .collect();
        if analysis.wants_date && !leads_with_figure {
            self.lead_with_date(&mut answer);
        }
        answer
    }

    /// Whether `question` is answered with a figure of `measure` (a suggestion worth making; see
    /// [`Engine::figure_questions`]). Reads and ranks as [`Engine::answer`] does, without building
    /// the answer.
    pub(super) fn answers_with_measure(&self, question: &str, measure: &str) -> bool {
        let analysis = self.read_question(question);
        if analysis.terms.is_empty() {
            return false;
        }
        let ranking = self.rank(&analysis, analysis.asked.as_ref().map(|(_, span)| span));
        ranking.figures.first().is_some_and(|lead| {
            lead.confidence >= FIGURE_CONFIDENCE
                && crate::figures::same_measure(self.measure_of(lead), measure)
        })
    }

    /// Asked when something happened, the answer leads with the date the best passage names
    /// ("2022年12月1日", the sentence quoted), when it names one.
    fn lead_with_date(&self, answer: &mut Answer) {
        let Some(passage) = answer.passages.first() else {
            return;
        };
        let Some(date) = date_figure(&passage.text) else {
            return;
        };
        let hit = FigureHit {
            figure: date,
            source: passage.source.clone(),
            paragraph: passage.paragraph,
            score: passage.score,
            measure: String::new(),
        };
        answer.figures.insert(0, hit);
        answer.wants_figure = true;
    }

    /// How the engine reads a question: its words with their synonyms and weights, and the best
    /// candidates with their coverage. For maintainers tuning synonyms (`ask --explain`).
    pub fn explain(&self, question: &str) -> Explanation {
        let normalized = normalize_question(question);
        let analysis = self.read_question(question);
        let asked = analysis.asked.clone();
        let ranking = self.rank(&analysis, asked.as_ref().map(|(_, span)| span));
        let terms = analysis
            .terms
            .iter()
            .zip(&ranking.weights)
            .map(|(term, &weight)| ExplainedTerm {
                text: term.text.clone(),
                weight,
                alternatives: term.alternatives.clone(),
            })
            .collect();
        let passages = ranking
            .passages
            .iter()
            .take(EXPLAINED_CANDIDATES)
            .map(|p| ExplainedCandidate {
                score: p.score,
                coverage: p.coverage,
                text: self.passage(p.passage).text.clone(),
            })
            .collect();
        let figures = ranking
            .figures
            .iter()
            .take(EXPLAINED_CANDIDATES)
            .map(|f| {
                let figure = &self.figure(f.figure).figure;
                ExplainedFigure {
                    score: f.score,
                    confidence: f.confidence,
                    label: figure.label.clone(),
                    value: figure.value.clone(),
                    period: figure.period.clone(),
                    fit: f.fit,
                }
            })
            .collect();
        Explanation {
            wants_figure: analysis.wants_figure,
            unit: analysis.unit,
            period: analysis.period.clone(),
            normalized,
            terms,
            passages,
            figures,
        }
    }

    /// Normalises and analyses a question; words jieba made up that these articles never use
    /// are searched as their dictionary pieces (see [`split_made_up_words`]).
    fn read_question(&self, question: &str) -> QuestionAnalysis {
        let mut analysis = analyze(&normalize_question(question), &self.lexicon);
        let stats = self.index.question_stats();
        split_made_up_words(&mut analysis, &self.lexicon, |word| {
            stats.form_frequency(word) > 0
        });
        // A word neither the articles nor the dictionary know may be a slip of the same sound
        // as one the articles use (炸骗 for 诈骗): it finds that word and its synonyms too.
        for term in &mut analysis.terms {
            if !is_made_up(term, &self.lexicon, |word| stats.form_frequency(word) > 0) {
                continue;
            }
            let homophones = self.homophones.get_or_init(|| {
                crate::search::typos::Homophones::new(self.index.words_with_passages())
            });
            if let Some(word) = homophones.correction(&term.text) {
                term.alternatives.push(word.to_owned());
                let synonyms = self.lexicon.synonyms().of(word);
                term.alternatives
                    .extend(synonyms.into_iter().map(str::to_owned));
            }
        }
        analysis
    }

    /// The coverage of ranked passage `p` with its heading and its article's title as context.
    fn coverage_with_title(
        &self,
        finders: &TermFinders,
        weights: &[f32],
        p: &RankedPassage,
    ) -> f32 {
        let title = self.terms_in_title(finders, p.passage.article);
        let around = self.terms_in_section(finders, p.passage).union(title);
        coverage_in_context(weights, p.terms, around)
    }

    /// Weighs the question's words and ranks candidate passages and figures for them.
    fn rank(&self, analysis: &QuestionAnalysis, asked: Option<&PeriodSpan>) -> Ranking {
        let terms = &analysis.terms;
        let stats = self.index.question_stats();
        let standings: Vec<WordStanding> = terms
            .iter()
            .map(|t| self.lexicon.standing(&t.text))
            .collect();
        let weights = self.term_weights(&stats, terms, &standings);
        let finders = TermFinders::new(terms);
        let mut passages = self.rank_passages(&stats, terms, &finders, &weights);
        let asked_years = asked.map(YearSet::of_span);
        if analysis.wants_date || analysis.wants_advice || asked_years.is_some() {
            for passage in &mut passages {
                passage.score += self.answer_shape(analysis, asked_years, passage.passage);
            }
            passages.sort_by(|a, b| b.score.total_cmp(&a.score));
        }
        let figures = self.rank_figures(analysis, asked, &finders, &weights, &passages);
        Ranking {
            standings,
            weights,
            finders,
            passages,
            figures,
        }
    }

    /// How much better (or worse) `passage` answers for its shape, beyond the words it shares:
    /// - asked when, a passage that names a date answers;
    /// - asked what to do, one that says what to do: fully when it answers this very form
    ///   ("接到…电话怎么办：…"), half when it merely holds an imperative ("不要告诉家人", quoting a
    ///   scammer);
    /// - asked about a year, one that names the year asked is the answer, and one that names
    ///   only other years is about them ("2025年…主题是…" for "2023年的主题是什么").
    fn answer_shape(
        &self,
        analysis: &QuestionAnalysis,
        asked_years: Option<YearSet>,
        passage: ItemRef,
    ) -> f32 {
        let text = &self.passage(passage).text;
        let mut bonus = 0.0;
        if analysis.wants_date && date_figure(text).is_some() {
            bonus += ANSWER_SHAPE_BONUS;
        }
        if analysis.wants_advice && ADVICE_MARKERS.iter().any(|marker| text.contains(marker)) {
            let answers_the_form = ADVICE_CUES.iter().any(|cue| text.contains(cue));
            bonus += if answers_the_form {
                ANSWER_SHAPE_BONUS * 1.5
            } else {
                ANSWER_SHAPE_BONUS * 0.5
            };
        }
        if let Some(asked) = asked_years {
            let body = self.articles[passage.article as usize].body();
            let named = body.passage_years[passage.local as usize];
            if named.meets(asked) {
                bonus += ANSWER_SHAPE_BONUS;
            } else if !named.is_empty() {
                bonus -= OTHER_YEAR_PENALTY;
            }
        }
        bonus
    }

    /// Each term's weight: its own weight times its rarity in the corpus (IDF). A word the corpus
    /// has never seen gets the highest rarity, so questions about other things score low.
    fn term_weights(
        &self,
        stats: &QuestionStats<'_>,
        terms: &[QueryTerm],
        standings: &[WordStanding],
    ) -> Vec<f32> {
        let total = self.index.len().max(1) as f32;
        let idf = |frequency: f32| (1.0 + (total - frequency + 0.5) / (frequency + 0.5)).ln();
        terms
            .iter()
            .zip(standings)
            .map(|(term, standing)| {
                let frequency = term
                    .forms()
                    .map(|form| stats.form_frequency(form))
                    .max()
                    .unwrap_or(0);
                if frequency > 0 {
                    // Rare in these articles is not enough: "真的" may appear once, yet it says
                    // little. Everyday words count less than specific ones.
                    term.weight * idf(frequency as f32) * (0.3 + 0.7 * standing.rarity)
                } else {
                    // A word the corpus has never seen: as rare as can be if it is rare in the
                    // language too (比特币, 红烧肉 — the question is about something else), but
                    // nearly weightless if it is everyday language (用, 做, 今天).
                    term.weight * idf(0.0) * standing.rarity
                }
            })
            .collect()
    }

    fn rank_passages(
        &self,
        stats: &QuestionStats<'_>,
        terms: &[QueryTerm],
        finders: &TermFinders,
        weights: &[f32],
    ) -> Vec<RankedPassage> {
        let mut search_terms = Vec::new();
        for (term, &weight) in terms.iter().zip(weights) {
            for (i, form) in term.forms().enumerate() {
                // A synonym the articles never use cannot find anything; skip its clause.
                if i > 0 && stats.form_frequency(form) == 0 {
                    continue;
                }
                let weight = if i == 0 { weight } else { weight * 0.8 };
                search_terms.push(WeightedTerm {
                    text: form.to_string(),
                    weight: weight.max(0.01),
                });
            }
        }
        let hits = self
            .index
            .search(stats, &search_terms, CANDIDATES)
            .unwrap_or_default();
        let best_bm25 = hits.first().map_or(1.0, |h| h.1).max(f32::EPSILON);
        let mut ranked: Vec<RankedPassage> = hits
            .into_iter()
            .filter_map(|(key, bm25)| Some((self.passage_of_key(key)?, bm25)))
            .map(|(passage, bm25)| {
                // The heading a passage stands under says what it is about ("冒充公检法诈骗"
                // above "接到公检法电话怎么办：…"): its words count half.
                let terms = self.terms_in_passage(finders, passage);
                let coverage =
                    coverage_in_context(weights, terms, self.terms_in_section(finders, passage));
                RankedPassage {
                    passage,
                    terms,
                    coverage,
                    score: coverage + 0.1 * bm25 / best_bm25,
                }
            })
            .collect();
        ranked.sort_by(|a, b| b.score.total_cmp(&a.score));
        // One hit per paragraph: its best unit (often the sentence that holds the answer).
        let mut seen = Vec::new();
        ranked.retain(|r| {
            let key = (r.passage.article, self.passage(r.passage).paragraph);
            if seen.contains(&key) {
                false
            } else {
                seen.push(key);
                true
            }
        });
        ranked
    }

    fn rank_figures(
        &self,
        analysis: &QuestionAnalysis,
        asked: Option<&PeriodSpan>,
        finders: &TermFinders,
        weights: &[f32],
        passages: &[RankedPassage],
    ) -> Vec<RankedFigure> {
        let mut changes = TermSet::default();
        for (number, term) in analysis.terms.iter().enumerate() {
            if is_change_word(&term.text) {
                changes.insert(number);
            }
        }
        let mut ranked = Vec::new();
        // The terms of each article's title, worked out once per article reached.
        let mut title_terms: Vec<(u32, TermSet)> = Vec::new();
        for hit in passages {
            let article = hit.passage.article;
            let body = self.articles[article as usize].body();
            let ids =
                body.figures_of_paragraph(body.passages[hit.passage.local as usize].paragraph);
            let paragraph_coverage = hit.coverage;
            // Where a figure stands says what it is about too: "国新办发布会通报一年来抓获了多少"
            // names the press conference the article's title and paragraph name, not the
            // figure's own sentence. Such words count half (see `coverage_in_context`).
            let title = match title_terms.iter().find(|(a, _)| *a == article) {
                Some(&(_, terms)) => terms,
                None => {
                    let terms = self.terms_in_title(finders, article);
                    title_terms.push((article, terms));
                    terms
                }
            };
            let paragraph_passage = paragraph_passage_of(body, hit.passage.local as usize);
            let paragraph_terms = if paragraph_passage == hit.passage.local as usize {
                hit.terms
            } else {
                let paragraph = ItemRef {
                    article,
                    local: paragraph_passage as u32,
                };
                self.terms_in_passage(finders, paragraph)
            };
            let context = paragraph_terms.union(title);
            let recency = self.articles[article as usize]
                .meta()
                .date
                .map_or(0.0, |d| d.num_days_from_ce() as f32 * 1e-7);
            // Figures come in text order, several to a sentence: cover each sentence once.
            let mut last_sentence: Option<(&str, f32)> = None;
            for local in ids {
                let figure = &body.figures[local];
                let (in_label, precision) =
                    label_fit(finders, &figure.label_key, &figure.label_signature, changes);
                let label_coverage = coverage(weights, in_label);
                let sentence_coverage = match last_sentence {
                    Some((sentence, covered)) if sentence == figure.sentence_key => covered,
                    _ => {
                        let in_sentence = finders
                            .found_in_signed(&figure.sentence_key, &figure.sentence_signature);
                        let covered = coverage_in_context(weights, in_sentence, context);
                        last_sentence = Some((&figure.sentence_key, covered));
                        covered
                    }
                };
                let confidence = (0.6 * label_coverage + 0.4 * sentence_coverage)
                    .max(0.9 * sentence_coverage * precision.max(0.5));
                let unit = UnitClass::of_unit(&figure.figure.unit);
                let unit_fit = match analysis.unit {
                    Some(wanted) if wanted.accepts(unit) => 0.1,
                    Some(_) => -0.15,
                    None => 0.0,
                };
                // Asked how much something rose, a figure that says it fell is another
                // figure (and the other way round), however many words they share.
                let direction_fit = match analysis.direction {
                    Some(asked) if Direction::of(&figure.label_key).is_some_and(|d| d != asked) => {
                        -0.15
                    }
                    _ => 0.0,
                };
                let unit_fit = unit_fit + direction_fit;
                let fit = asked.and_then(|asked| match (figure.span, figure.campaign_year) {
                    (Some(span), _) => Some(span.fit(asked)),
                    (None, Some(year)) => Some(year.fit_part(asked)),
                    (None, None) => None,
                });
                let period_fit = match (asked, fit) {
                    (None, _) => 0.0,
                    (Some(_), None) => -0.05,
                    (Some(_), Some(PeriodFit::Exact)) => 0.15,
                    // A part of the period asked answers it less the smaller it is: one year's
                    // figure is no answer to "2018年至2022年…多少", eleven months nearly are.
                    (Some(asked), Some(PeriodFit::Within)) => {
                        let share = (figure.span)
                            .or(figure.campaign_year)
                            .and_then(|span| span.share_of(asked));
                        match share {
                            Some(share) if share < 0.5 => -0.05 + 0.3 * share,
                            _ => 0.1,
                        }
                    }
                    (Some(_), Some(PeriodFit::Overlapping)) => -0.05,
                    (Some(_), Some(PeriodFit::OtherKind | PeriodFit::Disjoint)) => -0.3,
                };
                let score = 0.45 * label_coverage
                    + 0.25 * sentence_coverage
                    + 0.1 * paragraph_coverage
                    + 0.2 * precision
                    + unit_fit
                    + period_fit
                    + recency;
                let confidence = if unit_fit < 0.0 {
                    confidence * 0.8
                } else {
                    confidence
                };
                // A figure for exactly the period asked is itself evidence: the words a question
                // adds about where it was said (国新办发布会通报…) need not all be in its sentence.
                let confidence = if fit == Some(PeriodFit::Exact) {
                    (confidence + EXACT_PERIOD_CONFIDENCE).min(1.0)
                } else {
                    confidence
                };
                ranked.push(RankedFigure {
                    figure: ItemRef {
                        article,
                        local: local as u32,
                    },
                    score,
                    confidence,
                    fit,
                });
            }
        }
        ranked.sort_by(|a, b| b.score.total_cmp(&a.score));
        ranked.dedup_by_key(|f| f.figure);
        if asked.is_none() {
            self.newest_first(&mut ranked);
        } else {
            self.period_first(&mut ranked);
        }
        ranked
    }

    /// What a candidate figure measures.
    pub(super) fn measure_of(&self, candidate: &RankedFigure) -> &str {
        self.measure_of_figure(candidate.figure)
    }
}

/// How the engine reads one question: its words' standing and weights, their substring
/// finders, and the candidates best first.
struct Ranking {
    standings: Vec<WordStanding>,
    weights: Vec<f32>,
    finders: TermFinders,
    passages: Vec<RankedPassage>,
    figures: Vec<RankedFigure>,
}

struct RankedPassage {
    passage: ItemRef,
    /// The question's terms the passage's own text holds.
    terms: TermSet,
    /// Share of the question the passage covers.
    coverage: f32,
    score: f32,
}

/// The passage of the whole paragraph that passage `local` belongs to (itself, or the paragraph
/// passage its sentences follow; see [`crate::knowledge::passages::split_passages`]).
fn paragraph_passage_of(body: &ArticleBody, local: usize) -> usize {
    let paragraph = body.passages[local].paragraph;
    body.passages[..=local]
        .iter()
        .rposition(|p| p.paragraph != paragraph)
        .map_or(0, |i| i + 1)
}
