//! Quantities in one sentence: where each number stands, what it is worth, its unit and its
//! qualifier — and which numbers are not quantities at all (dates, versions, identifiers, phone
//! numbers, ordinals).
//!
//! A number counts as a quantity only when it carries a unit ("次", "元", "%") or a scale ("万",
//! "亿"). That one rule keeps out "断卡行动2.0", "12381", "96110" and "5·10"; the checks around it
//! keep out "2021年", "4月14日", "第4", "10周年" and the like.
//!
//! The patterns only find the digits; the words around them are read with `starts_with` over
//! short lists, which keeps the scan a single fast pass (a pattern with every unit and qualifier
//! in it made the regex engine fall back to its slow path on Chinese text).

use std::sync::LazyLock;

use regex::Regex;

/// One quantity, as byte offsets into the text it was scanned from.
#[derive(Debug, Clone, PartialEq)]
pub(super) struct Quantity {
    /// Start of the value as written (qualifier included).
    pub start: usize,
    /// End of the value as written (unit and trailing qualifier included).
    pub end: usize,
    pub number: f64,
    /// The unit after the number and its scale ("个", "元", "%"), empty when there is none.
    pub unit: String,
    pub qualifier: Option<String>,
}

/// Units that may follow a number, longest first so "个月" wins over "个".
const UNITS: &[&str] = &[
    "个百分点",
    "百分点",
    "个月",
    "人次",
    "平方米",
    "公里",
    "小时",
    "分钟",
    "美元",
    "港元",
    "欧元",
    "元",
    "个",
    "张",
    "次",
    "条",
    "起",
    "名",
    "人",
    "件",
    "笔",
    "户",
    "家",
    "台",
    "部",
    "批",
    "宗",
    "场",
    "天",
    "周",
    "年",
    "倍",
    "项",
    "所",
    "类",
    "种",
    "套",
    "位",
    "只",
    "辆",
    "份",
    "篇",
    "轮",
    "吨",
    "岁",
    "%",
    "％",
    "‰",
];

/// Units a Chinese numeral may carry ("两次", "三名"): only counts, so "一年来", "三大运营商",
/// "一审" and "两卡" stay words.
const CHINESE_UNITS: &[&str] = &[
    "次", "起", "名", "人", "件", "个", "批", "轮", "项", "家", "张", "条", "笔", "倍", "种",
];

/// Scale words and the power of ten they stand for, longest first.
const SCALES: &[(&str, usize)] = &[("万亿", 12), ("千万", 7), ("百万", 6), ("亿", 8), ("万", 4)];

/// Approximation words before a number, longest first.
const QUALIFIERS_BEFORE: &[&str] = &[
    "超过", "将近", "接近", "多达", "大约", "近", "约", "超", "逾",
];
/// Approximation words between the number, its scale and its unit: "9700多万张", "5700万余个".
const QUALIFIERS_INSIDE: &[&str] = &["多", "余"];
/// Approximation words after the unit.
const QUALIFIERS_AFTER: &[&str] = &["以上", "左右", "有余"];

static ARABIC: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new("[0-9０-９]+(?:,[0-9]{3})*(?:[.．][0-9０-９]+)?").expect("number pattern is valid")
});

static CHINESE: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new("[一二两三四五六七八九十][一二两三四五六七八九十百千零]*")
        .expect("chinese numeral pattern is valid")
});

/// A unit followed by these characters is the start of a word, not a unit: "4万人民币",
/// "10周年", "起诉", "条例".
const UNIT_WORD_STARTS: &[&str] = &[
    "人民", "名单", "名义", "名称", "起诉", "起草", "条例", "条款", "周年", "场所", "所有", "所以",
    "类型", "位置",
];

/// Characters that, right before a number, make it part of an identifier or an ordinal.
fn identifies_before(c: char) -> bool {
    c.is_ascii_alphanumeric() || matches!(c, '.' | '·' | '•' | '-' | '－' | '/' | '#' | '第' | '_')
}

/// Characters that, right after a bare number, make it part of an identifier ("5·10", "2.0.1").
fn identifies_after(c: char) -> bool {
    c.is_ascii_alphanumeric() || matches!(c, '.' | '·' | '•' | '-' | '－' | '/' | '_')
}

/// Characters before a Chinese numeral that make it a demonstrative or ordinal ("这两个", "第三次").
fn chinese_determiner(c: char) -> bool {
    matches!(
        c,
        '第' | '这'
            | '那'
            | '此'
            | '每'
            | '其'
            | '各'
            | '前'
            | '后'
            | '头'
            | '几'
            | '星'
            | '周'
            | '初'
    )
}

/// Parses an Arabic number as written, full-width digits and thousands separators included,
/// times ten to `exponent`. The decimal point is shifted in the text rather than multiplied so
/// "21.4亿" is exactly 2140000000, not 2139999999.9999998.
fn parse_arabic(digits: &str, exponent: usize) -> Option<f64> {
    let ascii: String = digits
        .chars()
        .filter(|&c| c != ',')
        .map(|c| match c {
            '０'..='９' => char::from_digit(c as u32 - '０' as u32, 10).unwrap_or('0'),
            '．' => '.',
            other => other,
        })
        .collect();
    let (integer, fraction) = ascii.split_once('.').unwrap_or((&ascii, ""));
    let shifted = fraction.len().min(exponent);
    let mut text = format!("{integer}{}", &fraction[..shifted]);
    text.extend(std::iter::repeat_n('0', exponent - shifted));
    if shifted < fraction.len() {
        text.push('.');
        text.push_str(&fraction[shifted..]);
    }
    text.parse().ok().filter(|n: &f64| n.is_finite())
}

/// Parses a Chinese numeral up to the thousands ("两" → 2, "二十三" → 23, "一百零五" → 105).
fn parse_chinese(numeral: &str) -> Option<f64> {
    let mut total = 0u32;
    let mut digit: Option<u32> = None;
    for c in numeral.chars() {
        let value = match c {
            '零' => {
                digit = None;
                continue;
            }
            '一' => 1,
            '二' | '两' => 2,
            '三' => 3,
            '四' => 4,
            '五' => 5,
            '六' => 6,
            '七' => 7,
            '八' => 8,
            '九' => 9,
            '十' | '百' | '千' => {
                let multiplier = match c {
                    '十' => 10,
                    '百' => 100,
                    _ => 1000,
                };
                total = total.checked_add(digit.take().unwrap_or(1) * multiplier)?;
                continue;
            }
            _ => return None,
        };
        // Two digits in a row ("一二") is a list or a name, not a number.
        if digit.is_some() {
            return None;
        }
        digit = Some(value);
    }
    Some(f64::from(total.checked_add(digit.unwrap_or(0))?))
}

fn char_before(text: &str, at: usize) -> Option<char> {
    text[..at].chars().next_back()
}

fn char_after(text: &str, at: usize) -> Option<char> {
    text[at..].chars().next()
}

/// The word of `words` that `text` starts with at byte `at`, if any (the first listed wins).
fn word_at<'w>(text: &str, at: usize, words: &[&'w str]) -> Option<&'w str> {
    let rest = &text[at..];
    words.iter().copied().find(|w| rest.starts_with(w))
}

/// The scale word at byte `at` and its power of ten.
fn scale_at(text: &str, at: usize) -> Option<(&'static str, usize)> {
    let rest = &text[at..];
    SCALES.iter().copied().find(|(w, _)| rest.starts_with(w))
}

/// The approximation word that ends right before byte `at`.
fn qualifier_before(text: &str, at: usize) -> Option<&'static str> {
    let before = &text[..at];
    QUALIFIERS_BEFORE
        .iter()
        .copied()
        .find(|w| before.ends_with(w))
}

/// Whether a number with unit 年 is a date or a time span rather than a count of years.
fn year_is_date(text: &str, digits: &str, unit_end: usize) -> bool {
    let integer_digits = digits
        .chars()
        .take_while(|c| c.is_ascii_digit() || ('０'..='９').contains(c))
        .count();
    integer_digits >= 4
        || char_after(text, unit_end).is_some_and(|c| "来以前后代级度底初末月中内间".contains(c))
}

/// What follows a number: its qualifiers, scale and unit, with where the value ends.
struct Suffix {
    end: usize,
    exponent: usize,
    unit: Option<&'static str>,
    has_scale: bool,
    qualifier: Option<&'static str>,
}

/// Reads "多/余", scale, "多/余", unit and "以上/左右" after a number ending at `at`.
/// `accepts_unit` decides whether a unit found there really is one.
fn read_suffix(
    text: &str,
    at: usize,
    units: &[&'static str],
    accepts_unit: impl Fn(&str, usize) -> bool,
) -> Suffix {
    let mut end = at;
    let mut qualifier = None;
    if let Some(q) = word_at(text, end, QUALIFIERS_INSIDE) {
        qualifier = Some(q);
        end += q.len();
    }
    let scale = scale_at(text, end);
    if let Some((word, _)) = scale {
        end += word.len();
        if let Some(q) = word_at(text, end, QUALIFIERS_INSIDE) {
            qualifier = qualifier.or(Some(q));
            end += q.len();
        }
    }
    let unit = word_at(text, end, units).filter(|u| {
        !UNIT_WORD_STARTS
            .iter()
            .any(|word| text[end..].starts_with(word))
            && accepts_unit(u, end + u.len())
    });
    if let Some(u) = unit {
        end += u.len();
        if let Some(q) = word_at(text, end, QUALIFIERS_AFTER) {
            qualifier = qualifier.or(Some(q));
            end += q.len();
        }
    }
    // A 多/余 with neither scale nor unit after it belongs to the next word ("2000多" alone).
    if unit.is_none() && scale.is_none() {
        end = at;
        qualifier = None;
    }
    Suffix {
        end,
        exponent: scale.map_or(0, |(_, e)| e),
        unit,
        has_scale: scale.is_some(),
        qualifier,
    }
}

/// Finds every quantity in `text`, in text order, skipping byte ranges in `skip` (book titles).
pub(super) fn scan(text: &str, skip: &[(usize, usize)]) -> Vec<Quantity> {
    let mut found: Vec<Quantity> = ARABIC
        .find_iter(text)
        .filter_map(|m| arabic_quantity(text, m))
        .chain(
            CHINESE
                .find_iter(text)
                .filter_map(|m| chinese_quantity(text, m)),
        )
        .filter(|q| !skip.iter().any(|&(s, e)| q.start < e && s < q.end))
        .collect();
    found.sort_by_key(|q| q.start);
    // The two patterns cannot overlap in practice, but a quantity must never be counted twice.
    found.dedup_by(|later, earlier| later.start < earlier.end);
    found
}

/// The value starts at the qualifier before the number, if there is one.
fn value_start(number_start: usize, before: Option<&str>) -> usize {
    number_start - before.map_or(0, str::len)
}

fn arabic_quantity(text: &str, num: regex::Match<'_>) -> Option<Quantity> {
    let before = qualifier_before(text, num.start());
    let start = value_start(num.start(), before);
    if char_before(text, start).is_some_and(identifies_before) {
        return None;
    }
    let suffix = read_suffix(text, num.end(), UNITS, |unit, unit_end| {
        !(unit == "年" && year_is_date(text, num.as_str(), unit_end))
    });
    if suffix.unit.is_none() && !suffix.has_scale {
        return None;
    }
    if suffix.unit.is_none() && char_after(text, suffix.end).is_some_and(identifies_after) {
        return None;
    }
    Some(Quantity {
        start,
        end: suffix.end,
        number: parse_arabic(num.as_str(), suffix.exponent)?,
        unit: suffix.unit.unwrap_or_default().to_owned(),
        qualifier: before.or(suffix.qualifier).map(str::to_owned),
    })
}

fn chinese_quantity(text: &str, num: regex::Match<'_>) -> Option<Quantity> {
    // "二次诈骗" is "secondary", not "twice"; counts say 两.
    if num.as_str() == "二" {
        return None;
    }
    let before = qualifier_before(text, num.start()).filter(|q| *q != "多达" && *q != "大约");
    let start = value_start(num.start(), before);
    if char_before(text, start).is_some_and(chinese_determiner) {
        return None;
    }
    let suffix = read_suffix(text, num.end(), CHINESE_UNITS, |_, _| true);
    let unit = suffix.unit?;
    let number = parse_chinese(num.as_str())? * 10f64.powi(suffix.exponent as i32);
    // "一次", "一个" are articles more often than counts.
    if number < 2.0 {
        return None;
    }
    Some(Quantity {
        start,
        end: suffix.end,
        number,
        unit: unit.to_owned(),
        qualifier: before.or(suffix.qualifier).map(str::to_owned),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn values(text: &str) -> Vec<String> {
        scan(text, &[])
            .into_iter()
            .map(|q| text[q.start..q.end].to_owned())
            .collect()
    }

    fn only(text: &str) -> Quantity {
        let found = scan(text, &[]);
        assert_eq!(found.len(), 1, "{text}: {found:?}");
        found.into_iter().next().unwrap()
    }

    #[test]
    fn scales_qualifiers_and_units_are_read() {
        let q = only("拦截涉诈电话19.5亿次");
        assert_eq!(
            (q.number, q.unit.as_str(), q.qualifier),
            (1.95e9, "次", None)
        );
        let q = only("排查处置涉诈高风险电话卡9700多万张");
        assert_eq!((q.number, q.unit.as_str()), (9.7e7, "张"));
        assert_eq!(q.qualifier.as_deref(), Some("多"));
        let q = only("清理关联互联网账号5700万余个");
        assert_eq!((q.number, q.qualifier.as_deref()), (5.7e7, Some("余")));
        let q = only("共起诉近4万人");
        assert_eq!(
            (q.number, q.unit.as_str(), q.qualifier.as_deref()),
            (4e4, "人", Some("近"))
        );
        let q = only("降幅92%");
        assert_eq!((q.number, q.unit.as_str()), (92.0, "%"));
        let q = only("连续9个月同比下降");
        assert_eq!((q.number, q.unit.as_str()), (9.0, "个月"));
        let q = only("紧急止付群众被骗款3291亿元");
        assert_eq!((q.number, q.unit.as_str()), (3.291e11, "元"));
    }

    #[test]
    fn values_are_taken_as_written() {
        assert_eq!(
            values("处置涉诈码号4.5万个、域名网址104万个，拦截涉诈电话19.5亿次、涉诈短信21.4亿条"),
            ["4.5万个", "104万个", "19.5亿次", "21.4亿条"]
        );
        assert_eq!(
            values("累计拦截102万个资金账户148亿元"),
            ["102万个", "148亿元"]
        );
        assert_eq!(values("同比分别上升28.5%和76.6%"), ["28.5%", "76.6%"]);
        assert_eq!(values("涉案金额超过1,200万元以上"), ["超过1,200万元以上"]);
    }

    #[test]
    fn dates_identifiers_and_ordinals_are_not_quantities() {
        for text in [
            "2021年4月，习近平总书记作出重要指示",
            "4月14日，国新办举办新闻发布会",
            "工信部升级启动‘断卡行动2.0’",
            "“5·10”等专项行动",
            "工信部推出“一证通查”、12381劝阻短信",
            "拨打96110或010-12345678咨询",
            "第4次会议",
            "成立10周年",
            "折合4万人民币", // 4万 stays, 人 does not
            "近10年来",
            "三大运营商和第四检察厅、刑三庭，一审，两卡，一大批，一方面",
            "二次诈骗",
        ] {
            let found = values(text);
            assert!(
                found.is_empty() || found == ["4万"],
                "{text}: unexpected quantities {found:?}"
            );
        }
        assert_eq!(values("折合4万人民币"), ["4万"]);
    }

    #[test]
    fn chinese_numerals_count_only_with_a_count_unit() {
        let q = only("去年至今又两次下发");
        assert_eq!((q.number, q.unit.as_str()), (2.0, "次"));
        assert_eq!(only("抓获二十三名嫌疑人").number, 23.0);
        assert_eq!(only("一百零五起").number, 105.0);
        assert!(values("这两个方面，一次性，第三次").is_empty());
    }

    #[test]
    fn decimals_times_scales_are_exact() {
        assert_eq!(only("涉诈短信21.4亿条").number, 2_140_000_000.0);
        assert_eq!(only("242.8万条").number, 2_428_000.0);
        assert_eq!(only("1.23456万个").number, 12_345.6);
        assert_eq!(only("3291亿元").number, 329_100_000_000.0);
    }

    #[test]
    fn full_width_digits_are_read() {
        assert_eq!(only("拦截１２万次").number, 1.2e5);
    }

    #[test]
    fn skipped_ranges_hide_quantities() {
        let text = "《关于3万元以上案件的意见》和5万元";
        let title_end = text.find('》').unwrap() + '》'.len_utf8();
        assert_eq!(scan(text, &[(0, title_end)]).len(), 1);
    }
}
