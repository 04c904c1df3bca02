//! Which period leads and which follow: asked about a period, the figure for it (the whole of
//! it before a part); asked about none, the newest; the leading measure's other periods after
//! it, each once; and, when the period asked has no figure, questions about the periods there
//! are.

use chrono::{Datelike, NaiveDate};

use super::FigureHit;
use super::engine::{Engine, FIGURE_CONFIDENCE, ItemRef, RankedFigure};
use crate::figures::{PeriodFit, same_measure};

impl Engine {
    /// Asked about a period, a figure for that very period (or part of it) leads whenever it
    /// answers the question well enough, even if a figure of another period matches more words:
    /// the period asked decides. And of two figures of the same measure, the one for the very
    /// period asked leads the one for part of it: "2023年起诉了多少" wants the year's 5.1万人,
    /// not January to October's 3.4万人, even when the part's label says more of the question's
    /// words ("至10月全国检察机关起诉…").
    pub(super) fn period_first(&self, ranked: &mut [RankedFigure]) {
        let fits = |f: &RankedFigure| matches!(f.fit, Some(PeriodFit::Exact | PeriodFit::Within));
        let Some(top) = ranked.first() else { return };
        if !fits(top)
            && let Some(i) = ranked
                .iter()
                .position(|f| fits(f) && f.confidence >= FIGURE_CONFIDENCE)
        {
            ranked[..=i].rotate_right(1);
        }
        let top = &ranked[0];
        if top.fit != Some(PeriodFit::Within) {
            return;
        }
        let top_measure = self.measure_of(top).to_owned();
        let exact = ranked.iter().position(|f| {
            f.fit == Some(PeriodFit::Exact)
                && f.confidence >= FIGURE_CONFIDENCE
                && same_measure(self.measure_of(f), &top_measure)
        });
        if let Some(i) = exact {
            ranked[..=i].rotate_right(1);
        }
    }

    /// Adds, after the best figures, up to `count` figures of the leading figure's measure from
    /// periods not shown yet, so every year the knowledge reports it for follows the answer.
    pub(super) fn add_other_periods(
        &self,
        figures: &mut Vec<FigureHit>,
        ranked: &[RankedFigure],
        count: usize,
    ) {
        let Some(lead) = figures.first() else {
            return;
        };
        let measure = lead.measure.clone();
        let mut periods: Vec<Option<String>> = figures
            .iter()
            .filter(|f| same_measure(&f.measure, &measure))
            .map(|f| f.figure.period.clone())
            .collect();
        let mut added = 0;
        for candidate in ranked {
            if added == count {
                break;
            }
            let indexed = self.figure(candidate.figure);
            if indexed.figure.period.is_none() || periods.contains(&indexed.figure.period) {
                continue;
            }
            let candidate_measure = self.measure_of(candidate);
            if same_measure(candidate_measure, &measure) {
                periods.push(indexed.figure.period.clone());
                let hit = self.figure_hit(
                    candidate.figure,
                    candidate.score,
                    candidate_measure.to_owned(),
                );
                figures.push(hit);
                added += 1;
            }
        }
    }

    /// Questions about the measure of the best figure, one per period the knowledge has it for
    /// ("2021年拦截涉诈电话有多少？"), newest first.
    pub(super) fn period_questions(&self, ranked: &[RankedFigure], count: usize) -> Vec<String> {
        let Some(lead) = ranked.first() else {
            return Vec::new();
        };
        let lead_label = self.measure_of(lead);
        let mut periods: Vec<(u32, String, String)> = Vec::new();
        for candidate in ranked {
            let indexed = self.figure(candidate.figure);
            let (Some(span), Some(period)) = (indexed.span, &indexed.figure.period) else {
                continue;
            };
            if same_measure(self.measure_of(candidate), lead_label)
                && !periods.iter().any(|(_, known, _)| known == period)
            {
                periods.push((span.end, period.clone(), indexed.figure.label.clone()));
            }
        }
        periods.sort_by_key(|period| std::cmp::Reverse(period.0));
        periods
            .into_iter()
            .take(count)
            .map(|(_, period, label)| format!("{period}{label}有多少？"))
            .collect()
    }

    /// When the best figure's measure is also reported for other periods with (nearly) the same
    /// score, the newest period leads: a question without a period wants the latest figure — the
    /// one whose period ends latest, the newer article first when two end together.
    ///
    /// Of measures that fit the question all but equally, the one reported for the most periods
    /// leads: it is what the words usually mean ("破获电信网络诈骗案件", reported every year),
    /// where a measure reported once is a narrower one that fits the words as well only by chance
    /// ("破获涉养老诈骗案件" for "电诈案子侦破了几起").
    pub(super) fn newest_first(&self, ranked: &mut [RankedFigure]) {
        let Some(top) = ranked.first() else { return };
        let top_score = top.score;
        // Periods a measure is reported for among the close candidates (two outlets restating
        // one count make one period).
        let reports = |measure: &str| {
            let mut spans = Vec::new();
            for f in ranked.iter() {
                if f.score >= top_score - 0.1 && same_measure(self.measure_of(f), measure) {
                    let span = self.figure(f.figure).span;
                    if !spans.contains(&span) {
                        spans.push(span);
                    }
                }
            }
            spans.len()
        };
        let top_label = ranked
            .iter()
            .take_while(|f| f.score >= top_score - MEASURE_TIE)
            .map(|f| self.measure_of(f))
            .fold((self.measure_of(top), 0), |best, measure| {
                let count = reports(measure);
                if count > best.1 {
                    (measure, count)
                } else {
                    best
                }
            })
            .0
            .to_owned();
        let year = |id: ItemRef| {
            let date = self.articles[id.article as usize].meta().date;
            let month_of = |d: NaiveDate| d.year_ce().1 * 12 + d.month0();
            let end = self.figure(id).span.map(|span| span.end);
            (end.or(date.map(month_of)), date)
        };
        let newest = ranked
            .iter()
            .enumerate()
            .filter(|(_, f)| {
                f.score >= top_score - 0.1 && same_measure(self.measure_of(f), &top_label)
            })
            .max_by_key(|(i, f)| (year(f.figure), std::cmp::Reverse(*i)))
            .map(|(i, _)| i);
        if let Some(i) = newest {
            ranked[..=i].rotate_right(1);
        }
    }
}

/// Scores this close are a tie between measures (see [`Engine::newest_first`]).
const MEASURE_TIE: f32 = 0.02;

/// The same count restated for another period (two outlets reporting one press conference,
/// as "2021年" and as "一年来") is shown once: the lead keeps its own period; among the others
/// the narrower period stays, the more precise statement of the two.
pub(super) fn drop_restated(figures: &mut Vec<FigureHit>) {
    let restates = |a: &FigureHit, b: &FigureHit| {
        same_measure(&a.measure, &b.measure)
            && a.figure.number == b.figure.number
            && a.figure.unit == b.figure.unit
    };
    let months = |hit: &FigureHit| hit.figure.span().map_or(u32::MAX, |span| span.months());
    let mut i = 1;
    while i < figures.len() {
        match (0..i).find(|&j| restates(&figures[j], &figures[i])) {
            Some(j) => {
                if j > 0 && months(&figures[i]) < months(&figures[j]) {
                    figures.swap(i, j);
                }
                figures.remove(i);
            }
            None => i += 1,
        }
    }
}

/// Whether the lead, a figure of no known period, is there only because the figures that
/// answer better are of other periods than the one asked ("2018年破获了多少案件" answered by a
/// campaign's count of no year, when the yearly counts are all of other years).
pub(super) fn stands_in_for_other_periods(lead: &RankedFigure, ranked: &[RankedFigure]) -> bool {
    lead.fit.is_none()
        && ranked.iter().any(|f| {
            f.confidence > lead.confidence
                && matches!(f.fit, Some(PeriodFit::Disjoint | PeriodFit::OtherKind))
        })
}
