//! Every figure of the seed article, extracted exactly: each value with its number, unit, the
//! words its label must hold and its period — and nothing else (no dates, names or identifiers).

use std::collections::BTreeMap;
use std::path::PathBuf;

use fanzha_bot::figures::{Figure, extract_figures};
use fanzha_bot::knowledge::load_folder;

/// The seed article, as its path inside the knowledge folder.
const SEED: &str = "2022-04-15-anti-fraud-peoples-war.md";

const ONE_YEAR: Option<&str> = Some("2021年4月至2022年4月");
const Y2021: Option<&str> = Some("2021年");

/// One expected figure: value as written, number, unit, words the label must contain, period.
struct Row {
    value: &'static str,
    number: f64,
    unit: &'static str,
    label_words: &'static [&'static str],
    period: Option<&'static str>,
}

const fn row(
    value: &'static str,
    number: f64,
    unit: &'static str,
    label_words: &'static [&'static str],
    period: Option<&'static str>,
) -> Row {
    Row {
        value,
        number,
        unit,
        label_words,
        period,
    }
}

/// Every figure of the seed article, in text order. Values that occur twice ("3291亿元") are
/// listed twice.
const TABLE: &[Row] = &[
    // 一年来 comes after this sentence, so 150次 has no period.
    row("150次", 150.0, "次", &["组织开展", "全国集群战役"], None),
    row(
        "39.4万起",
        3.94e5,
        "起",
        &["破获", "电信网络诈骗案件"],
        ONE_YEAR,
    ),
    row("63.4万名", 6.34e5, "名", &["抓获", "犯罪嫌疑人"], ONE_YEAR),
    row(
        "28.5%",
        28.5,
        "%",
        &["破获电信网络诈骗案件", "同比上升"],
        ONE_YEAR,
    ),
    row(
        "76.6%",
        76.6,
        "%",
        &["抓获犯罪嫌疑人", "同比上升"],
        ONE_YEAR,
    ),
    row(
        "9个月",
        9.0,
        "个月",
        &["电信网络诈骗立案数", "同比下降", "连续月数"],
        ONE_YEAR,
    ),
    row("1.2万个", 1.2e4, "个", &["打掉", "非法出境团伙"], None),
    row("5.1万名", 5.1e4, "名", &["抓获", "偷渡犯罪嫌疑人"], None),
    row("4.2万个", 4.2e4, "个", &["打掉", "两卡违法犯罪团伙"], None),
    row("44万名", 4.4e5, "名", &["查处", "犯罪嫌疑人"], None),
    row("20万名", 2e5, "名", &["惩戒", "失信人员"], None),
    row("4.1万个", 4.1e4, "个", &["惩处", "营业网点", "机构"], None),
    row(
        "9700多万张",
        9.7e7,
        "张",
        &["排查处置", "涉诈高风险电话卡"],
        None,
    ),
    row("5700万余个", 5.7e7, "个", &["清理", "关联互联网账号"], None),
    row("4.5万个", 4.5e4, "个", &["处置涉诈码号"], Y2021),
    row("104万个", 1.04e6, "个", &["处置域名网址"], Y2021),
    row("19.5亿次", 1.95e9, "次", &["拦截涉诈电话"], Y2021),
    row("21.4亿条", 2.14e9, "条", &["拦截涉诈短信"], Y2021),
    row(
        "2.5万余件",
        2.5e4,
        "件",
        &["全国法院", "一审审结", "电信网络诈骗犯罪案件"],
        Y2021,
    ),
    row("6.1万余名", 6.1e4, "名", &["被告人被判处刑罚"], Y2021),
    row("近4万人", 4e4, "人", &["全国检察机关起诉"], Y2021),
    row(
        "两次",
        2.0,
        "次",
        &["下发", "断卡", "会议纪要"],
        Some("2021年至2022年4月"),
    ),
    row("3291亿元", 3.291e11, "元", &["紧急止付群众被骗款"], None),
    row("102万个", 1.02e6, "个", &["拦截资金账户"], None),
    row("148亿元", 1.48e10, "元", &["拦截资金账户", "金额"], None),
    row("120亿元", 1.2e10, "元", &["追缴返还人民群众被骗资金"], None),
    row("92%", 92.0, "%", &["月均涉诈单位银行账户数量降幅"], Y2021),
    row("21.7%", 21.7, "%", &["个人银行账户户均涉诈金额下降"], Y2021),
    row("1.5亿笔", 1.5e8, "笔", &["处理涉诈资金"], Y2021),
    row("3291亿元", 3.291e11, "元", &["紧急拦截涉诈资金"], Y2021),
    row(
        "242.8万条",
        2.428e6,
        "条",
        &["商业银行向公安机关推送涉诈受骗资金交易预警信息"],
        Y2021,
    ),
    // The period of the paragraph's first sentence carries over.
    row(
        "1768名",
        1768.0,
        "名",
        &["协助锁定跨境资金转移背包客"],
        Y2021,
    ),
];

fn seed_figures() -> Vec<Figure> {
    let folder = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("knowledge");
    let loaded = load_folder(&folder).expect("the knowledge folder loads");
    let document = loaded
        .documents
        .iter()
        .find(|d| d.path == SEED)
        .expect("the seed article is served");
    assert_eq!(
        document.date.map(|d| d.to_string()).as_deref(),
        Some("2022-04-15")
    );
    document
        .paragraphs
        .iter()
        .flat_map(|paragraph| extract_figures(&paragraph.text, document.date))
        .collect()
}

fn count_values<'a>(values: impl Iterator<Item = &'a str>) -> BTreeMap<&'a str, usize> {
    let mut counts = BTreeMap::new();
    for value in values {
        *counts.entry(value).or_insert(0) += 1;
    }
    counts
}

#[test]
fn exactly_the_seed_figures_are_extracted() {
    let figures = seed_figures();
    let extracted = count_values(figures.iter().map(|f| f.value.as_str()));
    let expected = count_values(TABLE.iter().map(|r| r.value));
    assert_eq!(extracted, expected);
}

#[test]
fn every_seed_figure_has_its_number_unit_label_and_period() {
    let figures = seed_figures();
    assert_eq!(figures.len(), TABLE.len());
    let mut wrong = Vec::new();
    for (figure, row) in figures.iter().zip(TABLE) {
        let label_ok = row.label_words.iter().all(|w| figure.label.contains(w));
        let ok = figure.value == row.value
            && figure.number == row.number
            && figure.unit == row.unit
            && label_ok
            && figure.period.as_deref() == row.period;
        if !ok {
            wrong.push(format!(
                "{} {} {:?} label {:?} (needs {:?}) period {:?} (expected {} {} {:?})",
                figure.value,
                figure.number,
                figure.unit,
                figure.label,
                row.label_words,
                figure.period,
                row.number,
                row.unit,
                row.period
            ));
        }
    }
    assert!(wrong.is_empty(), "wrong figures:\n{}", wrong.join("\n"));
}

#[test]
fn seed_qualifiers_are_read() {
    let figures = seed_figures();
    let qualified: Vec<(&str, Option<&str>)> = figures
        .iter()
        .filter(|f| f.qualifier.is_some())
        .map(|f| (f.value.as_str(), f.qualifier.as_deref()))
        .collect();
    assert_eq!(
        qualified,
        [
            ("9700多万张", Some("多")),
            ("5700万余个", Some("余")),
            ("2.5万余件", Some("余")),
            ("6.1万余名", Some("余")),
            ("近4万人", Some("近")),
        ]
    );
}

#[test]
fn seed_labels_are_short() {
    for figure in seed_figures() {
        let length = figure.label.chars().count();
        assert!(
            (2..=24).contains(&length),
            "{}: label {:?} is {length} characters",
            figure.value,
            figure.label
        );
    }
}

#[test]
fn every_seed_figure_quotes_one_whole_sentence() {
    for figure in seed_figures() {
        assert!(figure.sentence.contains(&figure.value), "{figure:?}");
        let inside = figure
            .sentence
            .trim_end_matches(['。', '…', '”', '！', '？']);
        assert!(
            !inside.contains(['。', '！', '？']),
            "{:?} is more than one sentence",
            figure.sentence
        );
    }
}
