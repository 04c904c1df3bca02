//! Rendering: an [`Answer`] → what a person reads. Plain text for the terminal and one JSON
//! object for batch use (here), how a question was read for maintainers ([`explain`]), and
//! Telegram HTML (in [`telegram`]) for the bot.

pub mod chart;
pub mod explain;
pub mod telegram;

use serde::Serialize;

use crate::answer::series::change_from_first;
use crate::answer::{Answer, FigureHit, PassageHit, SeriesPoint, Source};
use crate::normalize::to_simplified;

/// Longest passage quoted in a reply, in characters; longer ones are cut at a sentence end.
pub const QUOTE_CHARS: usize = 160;

/// The reply as a person sees it in a terminal.
pub fn plain(answer: &Answer) -> String {
    if !answer.answered {
        return unanswered_plain(answer);
    }
    if leads_with_series(answer) {
        return series_plain(answer);
    }
    let mut out = String::new();
    match (
        answer.wants_figure,
        answer.figures.first(),
        answer.passages.first(),
    ) {
        (true, Some(figure), _) | (false, Some(figure), None) => {
            out.push_str(&format!("📊 {}\n", figure_line(figure)));
            let others = other_periods(answer);
            if !others.is_empty() {
                let list: Vec<String> = others.iter().map(|f| period_value(f)).collect();
                out.push_str(&format!("其他时期 —— {}\n", list.join("；")));
            }
            out.push_str(&format!(
                "「{}」\n",
                quote(&figure.figure.sentence, QUOTE_CHARS)
            ));
            out.push_str(&format!("——{}", source_line(&figure.source)));
        }
        (_, _, Some(passage)) => {
            out.push_str(&format!("📄 {}\n", quote(&passage.text, QUOTE_CHARS * 2)));
            out.push_str(&format!("——{}", source_line(&passage.source)));
        }
        (_, None, None) => return unanswered_plain(answer),
    }
    out
}

/// Whether the reply leads with the series: a trend question (历年, 这几年 …) whose answer has one.
pub fn leads_with_series(answer: &Answer) -> bool {
    answer.answered && answer.trend && !answer.series.is_empty()
}

/// What a series shows: the measure in simplified Chinese, from its newest point's wording
/// ("拦截涉诈电话"); empty for no series.
pub fn series_title(series: &[SeriesPoint]) -> String {
    series
        .last()
        .map(|point| to_simplified(&point.label))
        .unwrap_or_default()
}

/// The series, a line per period, oldest first: `2021年：19.5亿次`.
pub fn series_lines(series: &[SeriesPoint]) -> Vec<String> {
    series
        .iter()
        .map(|point| format!("{}：{}", point.period, point.value))
        .collect()
}

/// The change over a series: `2021年至2025年：+85%`.
pub fn series_change(series: &[SeriesPoint]) -> Option<String> {
    let (first, last) = (series.first()?, series.last()?);
    let change = change_from_first(series)?;
    Some(format!("{}至{}：{change}", first.period, last.period))
}

/// The series' sources, each once, in the order of the points they give.
pub fn series_sources(series: &[SeriesPoint]) -> Vec<&Source> {
    let mut sources: Vec<&Source> = Vec::new();
    for point in series {
        if !sources.iter().any(|known| known.path == point.source.path) {
            sources.push(&point.source);
        }
    }
    sources
}

/// A trend answer in a terminal: the measure, every period's figure, the change, the sources.
fn series_plain(answer: &Answer) -> String {
    let series = &answer.series;
    let mut out = format!("📈 {}（历年）\n", series_title(series));
    for line in series_lines(series) {
        out.push_str(&line);
        out.push('\n');
    }
    if let Some(change) = series_change(series) {
        out.push_str(&format!("变化 —— {change}\n"));
    }
    let sources: Vec<String> = series_sources(series)
        .into_iter()
        .map(source_line)
        .collect();
    out.push_str(&format!("——{}", sources.join("；")));
    out
}

fn unanswered_plain(answer: &Answer) -> String {
    let mut out = match &answer.missing_period {
        Some(period) => format!("🤔 知识库里没有{period}的这个数字。"),
        None => String::from("🤔 这个问题我还答不上来：知识库里没有相关内容。"),
    };
    if !answer.suggestions.is_empty() {
        out.push_str(if answer.missing_period.is_some() {
            "\n有这些时期的数字，可以这样问："
        } else {
            "\n可以试试这样问："
        });
        for suggestion in &answer.suggestions {
            out.push_str(&format!("\n· {suggestion}"));
        }
    }
    out
}

/// `拦截涉诈电话：19.5亿次（2021年）`.
pub fn figure_line(figure: &FigureHit) -> String {
    match &figure.figure.period {
        Some(period) => format!(
            "{}：{}（{}）",
            figure.figure.label, figure.figure.value, period
        ),
        None => format!("{}：{}", figure.figure.label, figure.figure.value),
    }
}

/// Figures for the same measure as the first one, from other periods (the same count reported for
/// another year, often by another article), in ranking order.
pub fn other_periods(answer: &Answer) -> Vec<&FigureHit> {
    let Some(first) = answer.figures.first() else {
        return Vec::new();
    };
    let mut seen = vec![first.figure.period.as_deref()];
    let mut others = Vec::new();
    for figure in &answer.figures[1..] {
        if crate::figures::same_measure(&figure.measure, &first.measure)
            && !seen.contains(&figure.figure.period.as_deref())
        {
            seen.push(figure.figure.period.as_deref());
            others.push(figure);
        }
    }
    others
}

/// `2021年：19.5亿次`, or the bare value when the period is unknown.
pub fn period_value(figure: &FigureHit) -> String {
    match &figure.figure.period {
        Some(period) => format!("{period}：{}", figure.figure.value),
        None => figure.figure.value.clone(),
    }
}

/// `《title》author 2022-04-15`.
pub fn source_line(source: &Source) -> String {
    let mut line = format!("《{}》", source.title);
    if let Some(author) = &source.author {
        line.push_str(author);
    }
    if let Some(date) = source.date {
        if source.author.is_some() {
            line.push(' ');
        }
        line.push_str(&date.format("%Y-%m-%d").to_string());
    }
    line
}

/// Cuts `text` to at most `max` characters, preferring to end at a sentence end, with `……` when cut.
pub fn quote(text: &str, max: usize) -> String {
    if text.chars().count() <= max {
        return text.to_string();
    }
    let cut: String = text.chars().take(max).collect();
    match cut.rfind(['。', '！', '？', '；']) {
        Some(end) if end > cut.len() / 2 => cut[..end + '。'.len_utf8()].to_string(),
        _ => format!("{cut}……"),
    }
}

/// The JSON object `ask --json` prints for one question.
#[derive(Serialize)]
pub struct JsonAnswer<'a> {
    pub question: &'a str,
    pub answered: bool,
    pub reply: String,
    pub confidence: f32,
    pub figures: &'a [FigureHit],
    pub passages: &'a [PassageHit],
    pub suggestions: &'a [String],
    /// Present only when the question asks about a period the knowledge has no figure for.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub missing_period: Option<&'a str>,
    /// The leading figure's measure over comparable periods, oldest first; empty when there is
    /// none.
    pub series: &'a [SeriesPoint],
}

/// One line of JSON for an answer (no trailing newline).
pub fn json(answer: &Answer) -> String {
    let object = JsonAnswer {
        question: &answer.question,
        answered: answer.answered,
        reply: plain(answer),
        confidence: answer.confidence,
        figures: &answer.figures,
        passages: &answer.passages,
        suggestions: &answer.suggestions,
        missing_period: answer.missing_period.as_deref(),
        series: &answer.series,
    };
    sonic_rs::to_string(&object).unwrap_or_else(|_| String::from("{}"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn quote_cuts_at_sentence_end() {
        let text = format!("{}。{}", "甲".repeat(100), "乙".repeat(100));
        assert_eq!(quote(&text, 150), format!("{}。", "甲".repeat(100)));
        assert_eq!(quote("短句", 150), "短句");
        assert!(quote(&"丙".repeat(300), 150).ends_with("……"));
    }
}
