//! Series: the leading figure's measure over comparable periods, oldest first — what a trend
//! answer lists and a chart draws.
//!
//! Comparable means one axis can hold them honestly: the same measure (see
//! [`same_measure`]), the same unit, and periods of the same kind — whole calendar years with
//! whole calendar years, or running totals with running totals. A figure for 2021年1月至11月,
//! or for a 17-month span, is never put beside whole years.

use serde::Serializer;
use serde::ser::SerializeStruct;

use super::{FigureHit, SeriesPoint, Source};
use crate::answer::engine::{Engine, RankedFigure};
use crate::figures::{PeriodSpan, period_span, same_measure};
use crate::normalize::to_simplified;

/// The kinds of period a series may be made of.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SeriesKind {
    /// Whole calendar years, January to December.
    Years,
    /// Running totals up to a date ("截至2023年12月底").
    RunningTotals,
}

impl SeriesKind {
    /// The kind of a figure's period, if it can be in a series at all.
    pub fn of(span: &PeriodSpan) -> Option<SeriesKind> {
        match span.start {
            None => Some(SeriesKind::RunningTotals),
            Some(start) if start % 12 == 0 && span.end == start + 11 => Some(SeriesKind::Years),
            Some(_) => None,
        }
    }
}

/// Fewest points a series has: one period is a figure, not a trend.
pub const MIN_POINTS: usize = 2;

impl Engine {
    /// The series of `lead`'s measure among the ranked candidates: one point per period (the
    /// best-ranked figure for it), oldest first; empty when fewer than [`MIN_POINTS`] periods are
    /// comparable. The kind of period is the lead's; a lead from some other span (a
    /// 17-month total) gets the whole years of its measure, if there are any.
    pub(super) fn series(&self, lead: &FigureHit, ranked: &[RankedFigure]) -> Vec<SeriesPoint> {
        let kind = lead
            .figure
            .period
            .as_deref()
            .and_then(period_span)
            .and_then(|span| SeriesKind::of(&span))
            .unwrap_or(SeriesKind::Years);
        let unit = to_simplified(&lead.figure.unit);
        let mut points: Vec<(u32, SeriesPoint)> = Vec::new();
        for candidate in ranked {
            let indexed = self.figure(candidate.figure);
            let (Some(span), Some(period)) = (indexed.span, &indexed.figure.period) else {
                continue;
            };
            if SeriesKind::of(&span) != Some(kind)
                || !states_its_year(&indexed.figure.sentence, span)
                || to_simplified(&indexed.figure.unit) != unit
                || points.iter().any(|(end, _)| *end == span.end)
                || !same_measure(self.measure_of(candidate), &lead.measure)
            {
                continue;
            }
            let article = candidate.figure.article;
            let figure = &indexed.figure;
            points.push((
                span.end,
                SeriesPoint {
                    period: period.clone(),
                    value: figure.value.clone(),
                    number: figure.number,
                    unit: figure.unit.clone(),
                    source: self.source(article),
                    label: figure.label.clone(),
                    paragraph: self.paragraph_ref(article, indexed.paragraph as usize),
                },
            ));
        }
        if points.len() < MIN_POINTS {
            return Vec::new();
        }
        points.sort_by_key(|(end, _)| *end);
        points.into_iter().map(|(_, point)| point).collect()
    }
}

/// Whether a figure's sentence names the year its period ends in. A period carried over from an
/// earlier sentence of the paragraph is good enough to say when a figure holds, but not to put it
/// on an axis beside other years: "2022年公安部开展的“百日行动”中……行动开展以来拦截诈骗电话2.8亿次"
/// gives the campaign's figure, not the year's.
fn states_its_year(sentence: &str, span: PeriodSpan) -> bool {
    let year = span.end_year().to_string();
    sentence.contains(&year)
}

/// A series point's source in JSON: `{title, path, date}`.
pub(super) fn brief_source<S: Serializer>(
    source: &Source,
    serializer: S,
) -> Result<S::Ok, S::Error> {
    let mut brief = serializer.serialize_struct("Source", 3)?;
    brief.serialize_field("title", &source.title)?;
    brief.serialize_field("path", &source.path)?;
    brief.serialize_field("date", &source.date)?;
    brief.end()
}

/// The change from the first point to the last, as a signed percentage ("+71%", "-12%"); `None`
/// for fewer than two points or a first value of zero.
pub fn change_from_first(points: &[SeriesPoint]) -> Option<String> {
    let (first, last) = (points.first()?, points.last()?);
    if points.len() < MIN_POINTS || first.number == 0.0 {
        return None;
    }
    let change = (last.number - first.number) / first.number * 100.0;
    let rounded = change.round();
    Some(if rounded > 0.0 {
        format!("+{rounded:.0}%")
    } else {
        format!("{rounded:.0}%")
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn kinds_of_period() {
        assert_eq!(
            SeriesKind::of(&PeriodSpan::year(2021)),
            Some(SeriesKind::Years)
        );
        let total = PeriodSpan {
            start: None,
            end: 2023 * 12 + 11,
        };
        assert_eq!(SeriesKind::of(&total), Some(SeriesKind::RunningTotals));
        let eleven_months = PeriodSpan {
            start: Some(2021 * 12),
            end: 2021 * 12 + 10,
        };
        assert_eq!(SeriesKind::of(&eleven_months), None);
        let seventeen_months = PeriodSpan {
            start: Some(2023 * 12),
            end: 2024 * 12 + 4,
        };
        assert_eq!(SeriesKind::of(&seventeen_months), None);
    }

    #[test]
    fn a_point_states_its_own_year() {
        let year = PeriodSpan::year(2022);
        assert!(states_its_year("2022年，全年拦截涉诈电话21.7亿次。", year));
        assert!(!states_its_year("行动开展以来拦截诈骗电话2.8亿次。", year));
    }

    fn point(number: f64) -> SeriesPoint {
        SeriesPoint {
            period: "2021年".into(),
            value: String::new(),
            number,
            unit: "次".into(),
            source: Source {
                title: String::new(),
                author: None,
                path: String::new(),
                date: None,
            },
            label: String::new(),
            paragraph: super::super::ParagraphRef {
                doc_key: 0,
                paragraph: 0,
            },
        }
    }

    #[test]
    fn change_is_signed_and_rounded() {
        assert_eq!(
            change_from_first(&[point(19.5), point(33.4)]),
            Some("+71%".into())
        );
        assert_eq!(
            change_from_first(&[point(10.0), point(8.8)]),
            Some("-12%".into())
        );
        assert_eq!(change_from_first(&[point(10.0)]), None);
        assert_eq!(change_from_first(&[point(0.0), point(1.0)]), None);
    }
}
