//! Periods: the phrases in a paragraph that say when its figures hold ("2021年", "一年来", "去年"),
//! with relative ones resolved against the article's date so a reader sees a calendar period.

use std::sync::LazyLock;

use chrono::{Datelike, NaiveDate};
use regex::Regex;

/// A period phrase and where it starts in the paragraph.
#[derive(Debug, Clone, PartialEq)]
pub(super) struct PeriodMarker {
    pub start: usize,
    /// The period as shown to readers, resolved when the article date is known.
    pub period: String,
}

/// Explicit periods: "2021年", "2021年4月", "2022年上半年", "截至2021年底", "2021年1月至9月".
static EXPLICIT: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(
        "(?:截至|截止到|截止)?[0-9]{4}年\
         (?:[0-9]{1,2}月?(?:至|到|－|-|—)[0-9]{1,2}月|[0-9]{1,2}月(?:[0-9]{1,2}日)?(?:底|末|初|上旬|中旬|下旬)?|上半年|下半年|前三季度|第?[一二三四1-4]季度|全年|年底|底|末|初)?\
         (?:(?:至|到|－|-|—)(?:[0-9]{4}年)?[0-9]{1,2}月(?:[0-9]{1,2}日)?(?:底|末)?)?\
         (?:以来)?",
    )
    .expect("explicit period pattern is valid")
});

/// Periods relative to the article date, longest first so "去年以来" wins over "去年".
static RELATIVE: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(
        "(?P<base>近一年来|一年来|过去一年|去年以来|去年至今|今年以来|近年来|近几年来|近几年|去年|今年|前年)\
         (?P<part>上半年|下半年|前三季度|第?[一二三四]季度|全年|底|[0-9]{1,2}月?(?:至|到|－|-|—)[0-9]{1,2}月|[0-9]{1,2}月(?:份)?)?",
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
            period: m.as_str().to_owned(),
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
            period: resolve(base, part, article_date).unwrap_or_else(|| whole.as_str().to_owned()),
        })
    });
    let mut all: Vec<PeriodMarker> = explicit.chain(relative).collect();
    all.sort_by_key(|m| m.start);
    all
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
        "前年" => format!("{}年{part}", year - 2),
        _ => format!("{year}年{part}"),
    })
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
    fn explicit_periods_are_kept_as_written() {
        assert_eq!(periods("2021年，工信部依法处置"), ["2021年"]);
        assert_eq!(periods("截至2021年底，共有"), ["截至2021年底"]);
        assert_eq!(periods("2022年1月至3月，全国"), ["2022年1月至3月"]);
        assert_eq!(periods("2022年1至9月，全国"), ["2022年1至9月"]);
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
    }

    #[test]
    fn without_a_date_relative_periods_stay_as_written() {
        let found: Vec<String> = markers("去年，一年来", None, &[])
            .into_iter()
            .map(|m| m.period)
            .collect();
        assert_eq!(found, ["去年", "一年来"]);
    }

    #[test]
    fn baselines_and_titles_are_not_periods() {
        assert!(periods("比2020年上升，较去年下降，与去年同期相比").is_empty());
        let title = "《2021年工作报告》";
        assert!(markers(title, None, &[(0, title.len())]).is_empty());
    }
}
