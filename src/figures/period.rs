//! Periods: the phrases in a paragraph that say when its figures hold ("2021年", "一年来", "去年"),
//! with relative ones resolved against the article's date so a reader sees a calendar period.

use std::sync::LazyLock;

use chrono::{Datelike, NaiveDate};
use regex::Regex;

/// A period phrase and where it starts in the paragraph.
#[derive(Debug, Clone, PartialEq)]
pub(super) struct PeriodMarker {
    pub start: usize,
    /// Where the phrase ends in the paragraph.
    pub end: usize,
    /// The period as shown to readers, resolved when the article date is known.
    pub period: String,
}

/// Explicit periods: "2021年", "2021年4月", "2022年上半年", "截至2021年底", "2021年1月至9月".
static EXPLICIT: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(
        "(?:截至|截止到|截止)?[0-9]{4}年\
         (?:[0-9]{1,2}月?(?:至|到|－|-|—)[0-9]{1,2}月|前[0-9]{1,2}个?月|[0-9]{1,2}月(?:[0-9]{1,2}日)?(?:底|末|初|上旬|中旬|下旬)?|上半年|下半年|前三季度|第?[一二三四1-4]季度|全年|年底|底|末|初)?\
         (?:(?:至|到|－|-|—)(?:[0-9]{4}年(?:[0-9]{1,2}月(?:[0-9]{1,2}日)?)?|[0-9]{1,2}月(?:[0-9]{1,2}日)?)(?:底|末)?)?\
         (?:以来)?",
    )
    .expect("explicit period pattern is valid")
});

/// Periods relative to the article date, longest first so "去年以来" wins over "去年".
static RELATIVE: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(
        "(?P<base>近一年来|一年来|过去一年|去年以来|去年至今|今年以来|近年来|近几年来|近几年|(?:近|过去)?[两三四五六七八九十]年来|近[两三四五六七八九十]年|去年|今年|前年)\
         (?P<part>上半年|下半年|前三季度|前[0-9]{1,2}个?月|第?[一二三四]季度|全年|底|[0-9]{1,2}月?(?:至|到|－|-|—)[0-9]{1,2}月|[0-9]{1,2}月(?:份)?)?",
    )
    .expect("relative period pattern is valid")
});

/// Words before a year that make it a comparison baseline ("比2020年", "较去年"), not a period.
fn is_baseline(paragraph: &str, start: usize) -> bool {
    let before = &paragraph[..start];
    ["比", "较", "与", "同", "于"]
        .iter()
        .any(|word| before.ends_with(word))
}

/// Every period phrase in the paragraph in text order, skipping book titles (`skip`).
pub(super) fn markers(
    paragraph: &str,
    article_date: Option<NaiveDate>,
    skip: &[(usize, usize)],
) -> Vec<PeriodMarker> {
    let outside_titles = |start: usize| !skip.iter().any(|&(s, e)| s <= start && start < e);
    let explicit = EXPLICIT
        .find_iter(paragraph)
        .filter(|m| outside_titles(m.start()) && !is_baseline(paragraph, m.start()))
        .map(|m| PeriodMarker {
            start: m.start(),
            end: m.end(),
            period: until_article_date(m.as_str(), article_date),
        });
    let relative = RELATIVE.captures_iter(paragraph).filter_map(|caps| {
        let whole = caps.get(0)?;
        let base = caps.name("base")?.as_str();
        // "去年同期" is the baseline of a comparison, not the period of the figures.
        if paragraph[whole.end()..].starts_with("同期")
            || !outside_titles(whole.start())
            || is_baseline(paragraph, whole.start())
        {
            return None;
        }
        let part = caps.name("part").map_or("", |m| m.as_str());
        Some(PeriodMarker {
            start: whole.start(),
            end: whole.end(),
            period: resolve(base, part, article_date).unwrap_or_else(|| whole.as_str().to_owned()),
        })
    });
    let mut all: Vec<PeriodMarker> = explicit.chain(relative).collect();
    all.sort_by_key(|m| m.start);
    all
}

/// What a campaign period ends with ("2022年“百日行动”期间"): it names no calendar months, so it
/// has no [`PeriodSpan`].
const CAMPAIGN_PERIOD: &str = "期间";

/// A campaign's name as articles quote it: “百日行动”, “断卡”行动, 「云剑-2022」行动.
static CAMPAIGN_NAME: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new("[“「]([^“”「」，。]{1,16})[”」](?:专项)?(行动|战役|会战)?")
        .expect("campaign name pattern is valid")
});

/// Words that put the figures after them in a campaign: "行动开展以来", "“百日行动”期间",
/// "行动中，".
static CAMPAIGN_CUE: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new("(?:行动|战役|会战)[”」]?(?:开展|启动)?(?:以来|期间|中[，,])")
        .expect("campaign cue pattern is valid")
});

/// The campaign periods of a paragraph ("行动开展以来" after “百日行动” is named): a figure
/// there counts for the campaign, not for the calendar year around it. The period names the
/// campaign with the year stated before it (`markers`, the paragraph's other periods), or the
/// article's year: "2022年“百日行动”期间". A cue with no quoted campaign name before it (or in
/// it) is not one.
pub(super) fn campaign_markers(
    paragraph: &str,
    article_date: Option<NaiveDate>,
    markers: &[PeriodMarker],
) -> Vec<PeriodMarker> {
    if !paragraph.contains(['“', '「']) {
        return Vec::new();
    }
    // The quoted campaign names, read once for all the cues.
    let names: Vec<regex::Match<'_>> = CAMPAIGN_NAME
        .captures_iter(paragraph)
        .filter(|name| {
            name.get(2).is_some()
                || name[1].ends_with("行动")
                || name[1].ends_with("战役")
                || name[1].ends_with("会战")
        })
        .filter_map(|name| name.get(0))
        .collect();
    CAMPAIGN_CUE
        .find_iter(paragraph)
        .filter_map(|cue| {
            let name = *names.iter().rev().find(|name| name.start() < cue.end())?;
            let year = markers
                .iter()
                .rev()
                .filter(|marker| marker.end <= name.start())
                .find_map(|marker| period_span(&marker.period))
                // The year it starts in: "2024年以来" may run on with no end.
                .map(|span| span.start.unwrap_or(span.end) / 12)
                .or_else(|| article_date.map(|date| date.year() as u32));
            let period = match year {
                Some(year) => format!("{year}年{}{CAMPAIGN_PERIOD}", name.as_str()),
                None => format!("{}{CAMPAIGN_PERIOD}", name.as_str()),
            };
            Some(PeriodMarker {
                start: cue.start(),
                end: cue.end(),
                period,
            })
        })
        .collect()
}

/// "2024年以来" runs to the article's date: "2024年以来（截至2025年6月）". Other explicit periods
/// are kept as written.
fn until_article_date(period: &str, article_date: Option<NaiveDate>) -> String {
    match article_date {
        Some(date) if period.ends_with("以来") => {
            format!("{period}（截至{}年{}月）", date.year(), date.month())
        }
        _ => period.to_owned(),
    }
}

/// The period a relative phrase stands for, given the article's date; `None` without a date.
fn resolve(base: &str, part: &str, article_date: Option<NaiveDate>) -> Option<String> {
    let date = article_date?;
    let (year, month) = (date.year(), date.month());
    Some(match base {
        "近一年来" | "一年来" | "过去一年" => {
            format!("{}年{month}月至{year}年{month}月", year - 1)
        }
        "去年以来" | "去年至今" => format!("{}年至{year}年{month}月", year - 1),
        "今年以来" if month == 1 => format!("{year}年1月"),
        "今年以来" => format!("{year}年1月至{month}月"),
        "近年来" | "近几年来" | "近几年" => format!("近年来（截至{year}年{month}月）"),
        "去年" => format!("{}年{part}", year - 1),
        several
            if several.contains('年')
                && several.chars().any(|c| "两三四五六七八九十".contains(c)) =>
        {
            let count = "一两三四五六七八九十"
                .chars()
                .position(|c| several.contains(c))
                .map_or(1, |i| i as i32 + 1);
            format!("{}年{month}月至{year}年{month}月", year - count)
        }
        "前年" => format!("{}年{part}", year - 2),
        _ => format!("{year}年{part}"),
    })
}

/// When a figure holds, in months (`year * 12 + month - 1`), both ends included: what the
/// period phrase says once read. A cumulative figure ("截至2023年底累计") has no start.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct PeriodSpan {
    /// The first month; `None` for a cumulative figure (a total up to `end`).
    pub start: Option<u32>,
    /// The last month.
    pub end: u32,
}

impl PeriodSpan {
    /// The calendar year `year`, January to December.
    pub fn year(year: u32) -> PeriodSpan {
        PeriodSpan {
            start: Some(year * 12),
            end: year * 12 + 11,
        }
    }

    /// Whether this is a running total up to its end, not the figure of a period.
    pub fn is_cumulative(&self) -> bool {
        self.start.is_none()
    }

    /// The year the span ends in.
    /// How many months it covers; a running total (no start) covers all before its end.
    pub fn months(&self) -> u32 {
        self.start
            .map_or(self.end, |start| self.end.saturating_sub(start) + 1)
    }

    pub fn end_year(&self) -> u32 {
        self.end / 12
    }

    /// How well a figure of period `self` answers a question about period `asked`.
    pub fn fit(&self, asked: &PeriodSpan) -> PeriodFit {
        match (self.start, asked.start) {
            (None, None) if self.end == asked.end => PeriodFit::Exact,
            (None, None) => PeriodFit::Overlapping,
            // A running total is never the figure of one period, nor the reverse.
            (None, Some(_)) | (Some(_), None) => PeriodFit::OtherKind,
            (Some(start), Some(asked_start)) => {
                if start == asked_start && (self.end == asked.end || asked.end == OPEN_END) {
                    PeriodFit::Exact
                } else if start >= asked_start && self.end <= asked.end {
                    PeriodFit::Within
                } else if start <= asked.end && asked_start <= self.end {
                    PeriodFit::Overlapping
                } else {
                    PeriodFit::Disjoint
                }
            }
        }
    }
}

impl PeriodSpan {
    /// The share of `asked` this span covers, by months (at most 1); `None` when either is open
    /// (a running total, "2024年以来" asked).
    pub fn share_of(&self, asked: &PeriodSpan) -> Option<f32> {
        let (start, asked_start) = (self.start?, asked.start?);
        if asked.end == OPEN_END {
            return None;
        }
        let months = |first: u32, last: u32| (last.saturating_sub(first) + 1) as f32;
        Some((months(start, self.end) / months(asked_start, asked.end)).min(1.0))
    }

    /// How a figure of some part of this span (a campaign of this year, see [`campaign_year`])
    /// fits the period asked: at best within it, never exactly it.
    pub fn fit_part(&self, asked: &PeriodSpan) -> PeriodFit {
        match self.fit(asked) {
            PeriodFit::Exact => PeriodFit::Within,
            other => other,
        }
    }
}

/// Calendar years from 2000 to 2063, as bits: the years a passage names, or a period asked
/// covers. Worked out for each passage at index time.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct YearSet(u64);

impl YearSet {
    const FIRST: u32 = 2000;

    /// The years `text` names as years: four digits from 2000 to 2063 followed by 年
    /// ("2023年", "2021年4月至2022年4月"), not inside a longer number.
    pub fn named_in(text: &str) -> YearSet {
        let mut years = YearSet::default();
        let bytes = text.as_bytes();
        for (at, _) in text.match_indices('年') {
            let Some(start) = at.checked_sub(4) else {
                continue;
            };
            let digits = &bytes[start..at];
            let longer = start > 0 && bytes[start - 1].is_ascii_digit();
            if digits.iter().all(u8::is_ascii_digit) && !longer {
                let year = digits
                    .iter()
                    .fold(0u32, |year, digit| year * 10 + u32::from(digit - b'0'));
                years.insert(year);
            }
        }
        years
    }

    /// The years a period asked covers (a running total: the year it runs to).
    pub fn of_span(span: &PeriodSpan) -> YearSet {
        let mut years = YearSet::default();
        if span.end == OPEN_END {
            if let Some(start) = span.start {
                years.insert(start / 12);
            }
            return years;
        }
        let first = span.start.unwrap_or(span.end) / 12;
        for year in first..=span.end / 12 {
            years.insert(year);
        }
        years
    }

    fn insert(&mut self, year: u32) {
        if let Some(bit) = year.checked_sub(Self::FIRST).filter(|bit| *bit < 64) {
            self.0 |= 1 << bit;
        }
    }

    pub fn is_empty(self) -> bool {
        self.0 == 0
    }

    pub fn meets(self, other: YearSet) -> bool {
        self.0 & other.0 != 0
    }
}

/// The end of a period that runs to now ("2024年以来" asked without a date).
const OPEN_END: u32 = u32::MAX;

/// How a figure's period relates to the period a question asks about.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum PeriodFit {
    /// Another period altogether.
    Disjoint,
    /// A running total asked as a period's figure, or the reverse.
    OtherKind,
    /// A span that overlaps the one asked (2023年1月至2024年5月 for 2023年).
    Overlapping,
    /// Part of the period asked (2022年1月至11月 for 2022年).
    Within,
    /// The very period asked.
    Exact,
}

/// The calendar year a named campaign's period says it ran in ("2022年“百日行动”期间" → 2022),
/// `None` for any other period. A campaign is no span of months of its own, but it is part of
/// that year: asked about another year, it is not the answer (see [`PeriodSpan::fit_part`]).
pub fn campaign_year(period: &str) -> Option<PeriodSpan> {
    let period = period.trim();
    if !period.ends_with(CAMPAIGN_PERIOD) {
        return None;
    }
    let (digits, _) = period.split_once('年')?;
    let year: u32 = digits.parse().ok().filter(|y| (1990..=2100).contains(y))?;
    Some(PeriodSpan::year(year))
}

/// The span a period phrase stands for, as a paragraph's period phrases are written ("2021年",
/// "2022年1月至11月", "2021年4月至2022年4月", "截至2023年12月底", "2024年以来（截至2025年6月）");
/// `None` when it names no year ("近年来").
pub fn period_span(period: &str) -> Option<PeriodSpan> {
    let period = period.trim();
    if period.ends_with(CAMPAIGN_PERIOD) {
        return None;
    }
    let (cumulative, rest) = match period
        .strip_prefix("截至")
        .or_else(|| period.strip_prefix("截止到"))
        .or_else(|| period.strip_prefix("截止"))
    {
        Some(rest) => (true, rest),
        None => (false, period),
    };
    // "2024年以来（截至2025年6月）": from the start of the first part to the end of the second.
    if let Some((since, until)) = rest.split_once("以来") {
        let (year, first, _) = period_part(since, None)?;
        let until = until
            .trim_start_matches(['（', '('])
            .trim_start_matches("截至")
            .trim_end_matches(['）', ')']);
        // Without the date it runs to ("2024年以来" in a question): open.
        let end = period_part(until, None).map_or(OPEN_END, |(y, _, last)| y * 12 + last);
        return Some(PeriodSpan {
            start: Some(year * 12 + first),
            end,
        });
    }
    let (from, to) = match rest.split_once(['至', '到', '－', '—']) {
        Some((from, to)) => (from, Some(to)),
        None => (rest, None),
    };
    let (year, first, last) = period_part(from, None)?;
    let end = match to.and_then(|to| period_part(to, Some(year))) {
        Some((to_year, _, to_last)) => to_year * 12 + to_last,
        None => year * 12 + last,
    };
    Some(PeriodSpan {
        start: (!cumulative).then_some(year * 12 + first),
        end,
    })
}

/// The period a question asks about, as written and as a span: its first period phrase that
/// names a year ("2022年破了多少案子" → 2022年; "截至2023年底累计" → a running total). Relative
/// phrases ("一年来", "近年来") usually echo an article's wording rather than ask for a calendar
/// period, so they ask for none.
pub fn asked_period(question: &str) -> Option<(String, PeriodSpan)> {
    if !question.contains('年') {
        return None;
    }
    let found = markers(question, None, &[]);
    // "2022年4月发布会说一年来…": a month named beside a relative period is when it was said —
    // the period asked is the relative one, read from that month.
    if let Some(relative) = found.iter().find(|m| period_span(&m.period).is_none())
        && let Some(said) = found.iter().find_map(|m| month_of_report(&m.period))
        && let Some(resolved) = markers(question, Some(said), &[])
            .into_iter()
            .find(|m| m.start == relative.start)
        && let Some(span) = period_span(&resolved.period)
    {
        return Some((resolved.period, span));
    }
    found
        .into_iter()
        .find_map(|marker| Some((marker.period.clone(), period_span(&marker.period)?)))
}

/// The day a single month stands for as the date of a report ("2022年4月" → 2022-04-01); `None`
/// for a year or a span.
fn month_of_report(period: &str) -> Option<NaiveDate> {
    let span = period_span(period)?;
    let start = span.start?;
    (start == span.end)
        .then(|| NaiveDate::from_ymd_opt((start / 12) as i32, start % 12 + 1, 1))
        .flatten()
}

/// The question with its period phrases blanked out ("2021年前11个月抓了多少人" → "，抓了多少人"):
/// the period is matched against each figure's own period, so its pieces ("年前", "一年来",
/// "4月") must not also be searched for as words.
pub fn without_periods(question: &str) -> std::borrow::Cow<'_, str> {
    if !question.contains('年') {
        return question.into();
    }
    // Only the phrases that name a calendar period are matched that way; a relative one ("一年来")
    // echoes an article's wording, so it stays a word.
    let found: Vec<PeriodMarker> = markers(question, None, &[])
        .into_iter()
        .filter(|marker| period_span(&marker.period).is_some())
        .collect();
    if found.is_empty() {
        return question.into();
    }
    let mut out = String::with_capacity(question.len());
    let mut from = 0;
    for marker in found {
        if marker.start < from {
            continue;
        }
        out.push_str(&question[from..marker.start]);
        out.push('，');
        from = marker.end;
    }
    out.push_str(&question[from..]);
    out.into()
}

/// One side of a period phrase: its year (else `default_year`) and its first and last month
/// (0-based): "2022年" → (2022, 0, 11), "2022年4月" → (2022, 3, 3), "11月" → (default, 10, 10),
/// "2021年底" → (2021, 11, 11), "2022年上半年" → (2022, 0, 5).
fn period_part(text: &str, default_year: Option<u32>) -> Option<(u32, u32, u32)> {
    let (year, rest) = match text.split_once('年') {
        Some((digits, rest)) if digits.len() == 4 && digits.bytes().all(|b| b.is_ascii_digit()) => {
            (digits.parse().ok()?, rest)
        }
        _ => (default_year?, text),
    };
    let month_of = |digits: &str| -> Option<u32> {
        let month: u32 = digits.parse().ok()?;
        (1..=12).contains(&month).then_some(month - 1)
    };
    let digits: String = rest.chars().take_while(char::is_ascii_digit).collect();
    if !digits.is_empty() {
        let month = month_of(&digits)?;
        return Some((year, month, month));
    }
    let quarter = |q: u32| (q * 3, q * 3 + 2);
    // "前11个月": January to November.
    let first_months = rest
        .strip_prefix('前')
        .map(|r| {
            r.chars()
                .take_while(char::is_ascii_digit)
                .collect::<String>()
        })
        .and_then(|digits| month_of(&digits));
    let (first, last) = if let Some(last) = first_months {
        (0, last)
    } else if rest.starts_with("上半年") {
        (0, 5)
    } else if rest.starts_with("下半年") {
        (6, 11)
    } else if rest.starts_with("前三季度") {
        (0, 8)
    } else if let Some(q) = ["一季度", "二季度", "三季度", "四季度"]
        .iter()
        .position(|q| rest.trim_start_matches('第').starts_with(q))
    {
        quarter(q as u32)
    } else if rest.starts_with('底') || rest.starts_with('末') {
        (11, 11)
    } else {
        (0, 11)
    };
    Some((year, first, last))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn periods(paragraph: &str) -> Vec<String> {
        let date = NaiveDate::from_ymd_opt(2022, 4, 15);
        markers(paragraph, date, &[])
            .into_iter()
            .map(|m| m.period)
            .collect()
    }

    #[test]
    fn a_named_campaign_is_a_period_without_calendar_months() {
        let paragraph = "2022年公安部开展的夏季治安打击整治“百日行动”中，反诈也是重点。\
                         负责人介绍，行动开展以来拦截诈骗电话2.8亿次。";
        let found = markers(paragraph, None, &[]);
        let campaigns: Vec<String> = campaign_markers(paragraph, None, &found)
            .into_iter()
            .map(|m| m.period)
            .collect();
        assert_eq!(campaigns, ["2022年“百日行动”期间", "2022年“百日行动”期间"]);
        assert_eq!(period_span("2022年“百日行动”期间"), None);
        // It is part of its year: within 2022, another period for 2023, never exactly 2022.
        let year = campaign_year("2022年“百日行动”期间").unwrap();
        assert_eq!(year.fit_part(&PeriodSpan::year(2022)), PeriodFit::Within);
        assert_eq!(year.fit_part(&PeriodSpan::year(2023)), PeriodFit::Disjoint);
        assert_eq!(campaign_year("2022年"), None, "a year is no campaign");
        assert_eq!(campaign_year("“断卡”行动期间"), None, "no year named");
    }

    #[test]
    fn years_named_in_a_text_and_covered_by_a_period() {
        let named = YearSet::named_in("2021年4月至2022年4月，共12025年…编号120230年");
        assert!(named.meets(YearSet::of_span(&PeriodSpan::year(2021))));
        assert!(named.meets(YearSet::of_span(&PeriodSpan::year(2022))));
        assert!(
            !named.meets(YearSet::of_span(&PeriodSpan::year(2025))),
            "inside a number"
        );
        assert!(YearSet::named_in("近年来，公安机关").is_empty());
        let span = period_span("2021年4月至2023年1月").unwrap();
        assert!(YearSet::of_span(&span).meets(YearSet::named_in("2022年")));
        // The year comes from the article when the paragraph names none; the name may be
        // quoted without the word 行动.
        let date = NaiveDate::from_ymd_opt(2021, 6, 1);
        let named = campaign_markers("「斷卡」行动开展以来，共打掉团伙", date, &[]);
        assert_eq!(named[0].period, "2021年「斷卡」行动期间");
        // No quoted name, or a quote that names no campaign: no campaign period.
        assert!(campaign_markers("专项行动开展以来，破获案件", date, &[]).is_empty());
        assert!(campaign_markers("他说“不要转账”，行动中，", date, &[]).is_empty());
    }

    #[test]
    fn explicit_periods_are_kept_as_written() {
        assert_eq!(periods("2021年，工信部依法处置"), ["2021年"]);
        assert_eq!(periods("截至2021年底，共有"), ["截至2021年底"]);
        assert_eq!(periods("2022年1月至3月，全国"), ["2022年1月至3月"]);
        assert_eq!(periods("2022年1至9月，全国"), ["2022年1至9月"]);
        // From one year to another, with or without months at the end.
        assert_eq!(
            periods("从2021年到2025年的五年间，全国法院"),
            ["2021年到2025年"]
        );
        assert_eq!(periods("2018年至2022年，检察机关"), ["2018年至2022年"]);
        assert_eq!(
            periods("2023年1月至2024年5月，共"),
            ["2023年1月至2024年5月"]
        );
        assert_eq!(span("2021年到2025年"), Some((Some((2021, 1)), (2025, 12))));
        assert_eq!(span("2018年至2022年"), Some((Some((2018, 1)), (2022, 12))));
    }

    #[test]
    fn a_part_knows_its_share_of_the_period_asked() {
        let asked = period_span("2018年至2022年").unwrap();
        let one_year = period_span("2021年").unwrap();
        assert_eq!(one_year.fit(&asked), PeriodFit::Within);
        assert_eq!(one_year.share_of(&asked), Some(0.2));
        let eleven_months = period_span("2022年1月至11月").unwrap();
        let year = period_span("2022年").unwrap();
        assert!((eleven_months.share_of(&year).unwrap() - 11.0 / 12.0).abs() < 1e-6);
        // Open periods have no share.
        assert_eq!(year.share_of(&period_span("2022年以来").unwrap()), None);
        assert_eq!(period_span("截至2022年底").unwrap().share_of(&year), None);
    }

    #[test]
    fn relative_periods_resolve_against_the_article_date() {
        assert_eq!(periods("去年，人民法院"), ["2021年"]);
        assert_eq!(periods("一年来，共破获"), ["2021年4月至2022年4月"]);
        assert_eq!(periods("去年至今又两次下发"), ["2021年至2022年4月"]);
        assert_eq!(periods("今年以来"), ["2022年1月至4月"]);
        assert_eq!(periods("今年一季度"), ["2022年一季度"]);
        assert_eq!(periods("今年1至3月"), ["2022年1至3月"]);
        assert_eq!(periods("近年来，公安机关"), ["近年来（截至2022年4月）"]);
        assert_eq!(periods("五年来，全国法院"), ["2017年4月至2022年4月"]);
        assert_eq!(periods("2021年以来，全国"), ["2021年以来（截至2022年4月）"]);
    }

    #[test]
    fn the_first_months_of_a_year_are_a_span() {
        assert_eq!(periods("2021年前11个月，全国"), ["2021年前11个月"]);
        assert_eq!(span("2021年前11个月"), Some((Some((2021, 1)), (2021, 11))));
        assert_eq!(periods("今年前5个月"), ["2022年前5个月"]);
    }

    #[test]
    fn a_relative_period_asked_is_read_from_the_month_it_was_said() {
        let (period, _) =
            asked_period("2022年4月发布会上说一年来破获了多少案件").expect("a period");
        assert_eq!(period, "2021年4月至2022年4月");
        let (period, _) = asked_period("2022年4月破获了多少案件").expect("a period");
        assert_eq!(period, "2022年4月");
    }

    #[test]
    fn period_phrases_are_not_words_of_the_question() {
        assert_eq!(without_periods("2021年前11个月抓了多少人"), "，抓了多少人");
        assert_eq!(
            without_periods("国新办2022年4月发布会上一年来"),
            "国新办，发布会上一年来"
        );
        assert_eq!(without_periods("拦截了多少涉诈电话"), "拦截了多少涉诈电话");
    }

    #[test]
    fn without_a_date_relative_periods_stay_as_written() {
        let found: Vec<String> = markers("去年，一年来", None, &[])
            .into_iter()
            .map(|m| m.period)
            .collect();
        assert_eq!(found, ["去年", "一年来"]);
    }

    /// (year, month) of a span's start (`None`: cumulative) and end.
    type Months = (Option<(u32, u32)>, (u32, u32));

    fn span(period: &str) -> Option<Months> {
        period_span(period).map(|s| {
            (
                s.start.map(|m| (m / 12, m % 12 + 1)),
                (s.end / 12, s.end % 12 + 1),
            )
        })
    }

    #[test]
    fn period_phrases_read_as_spans_of_months() {
        assert_eq!(span("2021年"), Some((Some((2021, 1)), (2021, 12))));
        assert_eq!(span("2022年1月至11月"), Some((Some((2022, 1)), (2022, 11))));
        assert_eq!(span("2022年1至9月"), Some((Some((2022, 1)), (2022, 9))));
        assert_eq!(
            span("2021年4月至2022年4月"),
            Some((Some((2021, 4)), (2022, 4)))
        );
        assert_eq!(
            span("2021年至2022年4月"),
            Some((Some((2021, 1)), (2022, 4)))
        );
        assert_eq!(span("截至2023年12月底"), Some((None, (2023, 12))));
        assert_eq!(span("截至2021年底"), Some((None, (2021, 12))));
        assert_eq!(span("2022年上半年"), Some((Some((2022, 1)), (2022, 6))));
        assert_eq!(span("2022年一季度"), Some((Some((2022, 1)), (2022, 3))));
        assert_eq!(
            span("2024年以来（截至2025年6月）"),
            Some((Some((2024, 1)), (2025, 6)))
        );
        assert_eq!(span("近年来（截至2022年4月）"), None);
    }

    #[test]
    fn since_a_year_asked_without_an_end_is_met_by_the_same_start() {
        let asked = period_span("2024年以来").unwrap();
        let figure = period_span("2024年以来（截至2025年6月）").unwrap();
        assert_eq!(figure.fit(&asked), PeriodFit::Exact);
        assert_eq!(
            period_span("2023年").unwrap().fit(&asked),
            PeriodFit::Disjoint
        );
    }

    #[test]
    fn a_figure_fits_the_period_asked_best_when_it_is_that_period() {
        let year = PeriodSpan::year(2022);
        let fit = |period: &str| period_span(period).unwrap().fit(&year);
        assert_eq!(fit("2022年"), PeriodFit::Exact);
        assert_eq!(fit("2022年1月至11月"), PeriodFit::Within);
        assert_eq!(fit("2021年4月至2022年4月"), PeriodFit::Overlapping);
        assert_eq!(fit("截至2022年底"), PeriodFit::OtherKind);
        assert_eq!(fit("2021年"), PeriodFit::Disjoint);
    }

    #[test]
    fn baselines_and_titles_are_not_periods() {
        assert!(periods("比2020年上升，较去年下降，与去年同期相比").is_empty());
        let title = "《2021年工作报告》";
        assert!(markers(title, None, &[(0, title.len())]).is_empty());
    }
}
