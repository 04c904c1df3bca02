//! Quantities in one sentence: where each number stands, what it is worth, its unit and its
//! qualifier — and which numbers are not quantities at all (dates, versions, identifiers, phone
//! numbers, ordinals).
//!
//! A number counts as a quantity only when it carries a unit ("次", "元", "%") or a scale ("万",
//! "亿"). That one rule keeps out "断卡行动2.0", "12381", "96110" and "5·10"; the checks around it
//! keep out "2021年", "4月14日", "第4", "10周年" and the like.

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
const UNITS: &str = "个百分点|百分点|个月|人次|平方米|公里|小时|分钟|美元|港元|欧元|元|个|张|次|条|起|名|人|件|笔|户|家|台|部|批|宗|场|天|周|年|倍|项|所|类|种|套|位|只|辆|份|篇|轮|吨|岁|%|％|‰";

/// Units a Chinese numeral may carry ("两次", "三名"): only counts, so "一年来", "三大运营商",
/// "一审" and "两卡" stay words.
const CHINESE_UNITS: &str = "次|起|名|人|件|个|批|轮|项|家|张|条|笔|倍|种";

static ARABIC: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(&format!(
        "(?P<pre>超过|将近|接近|多达|大约|近|约|超|逾)?\
         (?P<num>[0-9０-９]+(?:,[0-9]{{3}})*(?:[.．][0-9０-９]+)?)\
         (?P<q1>多|余)?(?P<scale>万亿|千万|百万|亿|万)?(?P<q2>多|余)?\
         (?P<unit>{UNITS})?(?P<post>以上|左右|有余)?"
    ))
    .expect("quantity pattern is valid")
});

static CHINESE: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(&format!(
        "(?P<pre>超过|将近|接近|近|约|超|逾)?\
         (?P<num>[一二两三四五六七八九十][一二两三四五六七八九十百千零]*)\
         (?P<q1>多|余)?(?P<scale>万|亿)?(?P<unit>{CHINESE_UNITS})"
    ))
    .expect("chinese quantity pattern is valid")
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

/// The power of ten a scale word stands for.
fn scale_exponent(scale: &str) -> usize {
    match scale {
        "万亿" => 12,
        "千万" => 7,
        "百万" => 6,
        "亿" => 8,
        "万" => 4,
        _ => 0,
    }
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
                total += digit.take().unwrap_or(1) * multiplier;
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
    Some(f64::from(total + digit.unwrap_or(0)))
}

fn char_before(text: &str, at: usize) -> Option<char> {
    text[..at].chars().next_back()
}

fn char_after(text: &str, at: usize) -> Option<char> {
    text[at..].chars().next()
}

/// Where the unit stops being a unit because it starts a longer word ("人民", "周年").
fn unit_is_word_start(text: &str, unit_start: usize) -> bool {
    let rest = &text[unit_start..];
    UNIT_WORD_STARTS.iter().any(|word| rest.starts_with(word))
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

/// Finds every quantity in `text`, in text order, skipping byte ranges in `skip` (book titles).
pub(super) fn scan(text: &str, skip: &[(usize, usize)]) -> Vec<Quantity> {
    let mut found: Vec<Quantity> = ARABIC
        .captures_iter(text)
        .filter_map(|caps| arabic_quantity(text, &caps))
        .chain(
            CHINESE
                .captures_iter(text)
                .filter_map(|caps| chinese_quantity(text, &caps)),
        )
        .filter(|q| !skip.iter().any(|&(s, e)| q.start < e && s < q.end))
        .collect();
    found.sort_by_key(|q| q.start);
    // The two patterns cannot overlap in practice, but a quantity must never be counted twice.
    found.dedup_by(|later, earlier| later.start < earlier.end);
    found
}

fn arabic_quantity(text: &str, caps: &regex::Captures<'_>) -> Option<Quantity> {
    let whole = caps.get(0)?;
    let num = caps.name("num")?;
    if char_before(text, whole.start()).is_some_and(identifies_before) {
        return None;
    }
    let scale = caps.name("scale");
    let mut unit = caps.name("unit");
    let mut post = caps.name("post");
    if let Some(u) = unit {
        let is_date = u.as_str() == "年" && year_is_date(text, num.as_str(), u.end());
        if is_date || unit_is_word_start(text, u.start()) {
            unit = None;
            post = None;
        }
    }
    if unit.is_none() && scale.is_none() {
        return None;
    }
    let end = [
        post,
        unit,
        caps.name("q2"),
        scale,
        caps.name("q1"),
        Some(num),
    ]
    .into_iter()
    .flatten()
    .map(|m| m.end())
    .max()?;
    if unit.is_none() && char_after(text, end).is_some_and(identifies_after) {
        return None;
    }
    let exponent = scale.map_or(0, |s| scale_exponent(s.as_str()));
    let number = parse_arabic(num.as_str(), exponent)?;
    Some(Quantity {
        start: whole.start(),
        end,
        number,
        unit: unit.map(|u| u.as_str().to_owned()).unwrap_or_default(),
        qualifier: qualifier(caps, post),
    })
}

fn chinese_quantity(text: &str, caps: &regex::Captures<'_>) -> Option<Quantity> {
    let whole = caps.get(0)?;
    let num = caps.name("num")?;
    let unit = caps.name("unit")?;
    // "二次诈骗" is "secondary", not "twice"; counts say 两.
    if num.as_str() == "二" || unit_is_word_start(text, unit.start()) {
        return None;
    }
    if char_before(text, whole.start()).is_some_and(chinese_determiner) {
        return None;
    }
    let exponent = caps.name("scale").map_or(0, |s| scale_exponent(s.as_str()));
    let number = parse_chinese(num.as_str())? * 10f64.powi(exponent as i32);
    // "一次", "一个" are articles more often than counts.
    if number < 2.0 {
        return None;
    }
    Some(Quantity {
        start: whole.start(),
        end: whole.end(),
        number,
        unit: unit.as_str().to_owned(),
        qualifier: qualifier(caps, None),
    })
}

/// The approximation word of a match: the one before the number wins, then 多/余, then 以上/左右.
fn qualifier(caps: &regex::Captures<'_>, post: Option<regex::Match<'_>>) -> Option<String> {
    ["pre", "q1", "q2"]
        .into_iter()
        .find_map(|name| caps.name(name))
        .or(post)
        .map(|m| m.as_str().to_owned())
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
