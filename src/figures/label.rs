//! Labels: what each quantity of a sentence counts, in the words a person would ask with —
//! verb + object ("拦截涉诈电话"), with a short subject kept when it says who ("全国检察机关起诉").
//!
//! The sentence is cut into clauses at punctuation. Inside a clause a quantity either follows its
//! object ("抓获犯罪嫌疑人63.4万名") or precedes it ("协助锁定1768名…背包客", "6.1万余名被告人
//! 被判处刑罚"). Quantities in one clause relate to the one before: list items share its verb
//! ("…4.5万个、域名网址104万个"), a bare amount right after a count measures the same thing
//! ("102万个资金账户148亿元"), and "分别" hands a list of rates to the earlier figures one by one.

use std::sync::LazyLock;

use aho_corasick::{AhoCorasick, MatchKind};
use regex::Regex;

use super::quantity::Quantity;

/// Verbs of the domain: they mark where the action of a label starts.
const VERBS: &[&str] = &[
    "破获", "侦破", "侦办", "抓获", "抓捕", "缉捕", "打掉", "捣毁", "摧毁", "查处", "查获", "查办",
    "查扣", "查封", "缴获", "扣押", "冻结", "止付", "惩戒", "惩处", "惩治", "处罚", "处置", "处理",
    "拦截", "清理", "排查", "核查", "关停", "封堵", "封停", "下架", "注销", "关闭", "暂停", "标记",
    "推送", "发送", "发布", "下发", "出台", "制定", "锁定", "协助", "起诉", "审结", "判处", "受理",
    "立案", "办理", "批捕", "逮捕", "移送", "追缴", "返还", "挽回", "挽损", "追回", "劝阻", "劝返",
    "遣返", "识别", "发现", "开展", "组织", "会同", "联合", "运用", "探索", "建成", "建立", "接到",
    "收到", "接收", "举报", "提醒", "避免", "覆盖", "培训", "走访", "发放", "宣传", "约谈", "通报",
    "曝光", "上升", "下降", "增长", "增加", "减少", "降低", "提高", "提升", "涉及", "下载", "安装",
    "注册", "使用", "召开", "举办",
];

/// Adverbs and filler that carry no meaning in a label when they stand before a verb
/// ("共破获", "依法处置", "先后组织开展") or right before the number ("共计", "达").
const ADVERBS: &[&str] = &[
    "一共", "共计", "总计", "合计", "累计", "共", "先后", "已经", "已", "又", "还", "再", "也",
    "均", "都", "依法", "分别", "成功", "有效", "全力", "大力", "积极", "集中",
];

/// Adverbs dropped even when nothing follows them (the number does): "共起诉近4万人" is read
/// "起诉" + 4万人, "去年至今又两次" is read 两次. Kept short: "人均", "首都" end in adverbs too.
const TRAILING_ADVERBS: &[&str] = &[
    "一共", "共计", "总计", "合计", "累计", "共", "又", "已", "分别",
];

/// Words that may stand between the last adverb and the number and mean "amounts to".
const COPULAS: &[&str] = &[
    "达到", "约为", "高达", "多达", "达", "为", "是", "共有", "有",
];

/// Words that end in a copula but are not one: "违法行为", "所有", "具有".
const WORDS_ENDING_IN_COPULA: &[&str] = &[
    "行为", "作为", "成为", "认为", "所有", "拥有", "具有", "没有", "持有", "享有", "占有", "只有",
];

/// "有" before a number says the things counted follow it: "全国共有1.2亿人下载…".
const EXISTENCE: &[&str] = &["共有", "有"];

/// Openings of a clause that say when or by whose account, never what is counted: a report's
/// "并提到…" or "指出" says who said it, and what was counted follows.
static CLAUSE_OPENING: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(
        "^(?:(?:截至|截止)?[0-9]{4}年(?:[0-9]{1,2}月)?(?:[0-9]{1,2}日)?(?:以来|底|末)?|[一二三四五六七八九十两]年(?:来|的|间)|近一年来|一年来|过去一年|去年以来|去年至今|今年以来|近年来|近几年来|去年|今年|前年|全年|同期|此外|另外|同时|其中|目前|截至目前|至今|至[0-9]{1,2}月(?:底|末)?|据介绍|据了解|据统计|根据最新统计|据悉|(?:并|还)?(?:提到|指出|表示|透露|披露)|并称|据称)",
    )
    .expect("clause opening pattern is valid")
});

/// Rate phrases that describe the change of an earlier figure ("同比上升", "环比下降").
static RATE_PHRASE: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new("^(?:同比|环比|较上年|较去年|比上年|比去年|较|比)?(?:上升|下降|增长|增加|减少|降低|提高|提升|下降了|上升了|增长了)?$")
        .expect("rate phrase pattern is valid")
});

static VERB_MATCHER: LazyLock<AhoCorasick> =
    LazyLock::new(|| AhoCorasick::new(VERBS).expect("verb list builds"));

static ADVERB_MATCHER: LazyLock<AhoCorasick> = LazyLock::new(|| {
    AhoCorasick::builder()
        .match_kind(MatchKind::LeftmostLongest)
        .build(ADVERBS)
        .expect("adverb list builds")
});

/// Punctuation that ends a clause.
fn is_clause_break(c: char) -> bool {
    matches!(
        c,
        '，' | ','
            | '；'
            | ';'
            | '：'
            | ':'
            | '。'
            | '！'
            | '？'
            | '!'
            | '?'
            | '…'
            | '—'
            | '\n'
            | '（'
            | '）'
            | '('
            | ')'
    )
}

/// Words that join the items of a list of quantities ("…4.5万个、域名网址…", "28.5%和76.6%").
const LIST_JOINERS: &[&str] = &["、", "以及", "和", "与", "及"];

/// Quote marks are dropped from labels: "打掉‘两卡’违法犯罪团伙" is asked as 打掉两卡违法犯罪团伙.
fn is_quote(c: char) -> bool {
    matches!(
        c,
        '“' | '”' | '‘' | '’' | '「' | '」' | '『' | '』' | '"' | '\'' | '《' | '》'
    )
}

/// Labels longer than this (in characters) lose their opening words.
const LONG_LABEL: usize = 24;
/// A subject before the verb is kept when it is at most this long ("全国检察机关").
const SHORT_SUBJECT: usize = 8;

/// Where the verbs of a text stand, as byte ranges.
struct Verbs(Vec<(usize, usize)>);

impl Verbs {
    fn of(text: &str) -> Verbs {
        Verbs(
            VERB_MATCHER
                .find_overlapping_iter(text)
                .map(|m| (m.start(), m.end()))
                .collect(),
        )
    }

    fn any(&self) -> bool {
        !self.0.is_empty()
    }

    fn starting_at(&self, at: usize) -> Option<usize> {
        self.0.iter().filter(|v| v.0 == at).map(|v| v.1).max()
    }

    fn ending_at(&self, at: usize) -> Option<usize> {
        self.0.iter().filter(|v| v.1 == at).map(|v| v.0).min()
    }

    /// Start of the run of verbs that ends exactly at `end` ("协助锁定" in "…新技术协助锁定").
    fn chain_ending_at(&self, end: usize) -> Option<usize> {
        let mut start = self.ending_at(end)?;
        while let Some(earlier) = self.ending_at(start) {
            start = earlier;
        }
        Some(start)
    }

    /// End of the run of verbs that starts at `start`.
    fn chain_starting_at(&self, start: usize) -> Option<usize> {
        let mut end = self.starting_at(start)?;
        while let Some(later) = self.starting_at(end) {
            end = later;
        }
        Some(end)
    }
}

/// Removes quotes, clause openings ("2021年", "据了解") and adverbs that stand before a verb or
/// before the number, so "据了解，全国检察机关共" → "全国检察机关".
fn clean(text: &str) -> String {
    let mut text: String = text.chars().filter(|&c| !is_quote(c)).collect();
    loop {
        // A list of periods ("2019年、2020年、2021年三年的…") goes one period at a time.
        let trimmed =
            text.trim_start_matches(|c: char| c.is_whitespace() || is_clause_break(c) || c == '、');
        let opening = CLAUSE_OPENING.find(trimmed).map_or(0, |m| m.end());
        let rest = trimmed[opening..].to_owned();
        if rest.len() == text.len() {
            break;
        }
        text = rest;
    }
    let text = strip_adverbs(&text);
    strip_copula(&text).trim().to_owned()
}

/// Drops adverbs that stand right before a verb, another dropped adverb or the end of the text.
fn strip_adverbs(text: &str) -> String {
    let verbs = Verbs::of(text);
    let adverbs: Vec<(usize, usize)> = ADVERB_MATCHER
        .find_iter(text)
        .map(|m| (m.start(), m.end()))
        .collect();
    let mut dropped: Vec<(usize, usize)> = Vec::new();
    for &(start, end) in adverbs.iter().rev() {
        // "还" of "返还" is part of a verb, not an adverb.
        let inside_verb = verbs.0.iter().any(|v| v.0 < end && start < v.1);
        let before_action = (end == text.len() && TRAILING_ADVERBS.contains(&&text[start..end]))
            || verbs.starting_at(end).is_some()
            || dropped.iter().any(|d| d.0 == end);
        if before_action && !inside_verb {
            dropped.push((start, end));
        }
    }
    let mut kept = String::with_capacity(text.len());
    let mut at = 0;
    for &(start, end) in dropped.iter().rev() {
        kept.push_str(&text[at..start]);
        at = end;
    }
    kept.push_str(&text[at..]);
    kept
}

/// Drops a trailing "amounts to" word: "涉案金额达" → "涉案金额", but "违法行为" stays.
fn strip_copula(text: &str) -> &str {
    if WORDS_ENDING_IN_COPULA.iter().any(|w| text.ends_with(w)) {
        return text;
    }
    COPULAS
        .iter()
        .find_map(|c| text.strip_suffix(c))
        .unwrap_or(text)
}

fn char_count(text: &str) -> usize {
    text.chars().count()
}

/// The list joiner a text starts with, if any.
fn list_joiner(text: &str) -> Option<&'static str> {
    LIST_JOINERS.iter().copied().find(|j| text.starts_with(j))
}

/// The part of a label up to and including the verbs that govern its object: "工信部处置" of
/// "工信部处置涉诈码号", "会同相关部门拦截" of "会同相关部门拦截诈骗电话" (the last run of verbs
/// before the object, not "会同").
fn verb_prefix(label: &str) -> &str {
    let verbs = Verbs::of(label);
    let Some(first) = verbs.0.iter().map(|v| v.0).min() else {
        return "";
    };
    let mut end = verbs.chain_starting_at(first).unwrap_or(first);
    // A later run of verbs with words between governs the object instead.
    while let Some(next) = verbs.0.iter().map(|v| v.0).filter(|&s| s > end).min() {
        let next_end = verbs.chain_starting_at(next).unwrap_or(next);
        if next_end >= label.len() {
            break;
        }
        end = next_end;
    }
    &label[..end]
}

/// Shortens a long "subject … verb object" label to the last action in it.
fn shorten(label: String) -> String {
    if char_count(&label) <= LONG_LABEL {
        return label;
    }
    let verbs = Verbs::of(&label);
    let last_action = verbs
        .0
        .iter()
        .filter(|v| v.1 < label.len())
        .filter_map(|v| {
            verbs
                .chain_ending_at(v.1)
                .filter(|_| verbs.starting_at(v.1).is_none())
        })
        .max();
    match last_action {
        Some(start) if start > 0 => label[start..].to_owned(),
        _ => label,
    }
}

/// Joins the words before a number that precedes its object with that object:
/// "全国检察机关" + "起诉" + "" and "…新技术协助锁定" + "跨境资金转移背包客".
fn verb_then_object(before: &str, object: &str) -> String {
    let verbs = Verbs::of(before);
    let chain_start = verbs.chain_ending_at(before.len()).unwrap_or(before.len());
    let subject = &before[..chain_start];
    let keep_subject =
        char_count(subject) <= SHORT_SUBJECT && !verbs.0.iter().any(|v| v.0 < chain_start);
    let start = if keep_subject { 0 } else { chain_start };
    format!("{}{}", &before[start..], object)
}

/// What a "连续 N 个月" counts: "月数" for months, "天数" for days.
fn run_length_noun(unit: &str) -> String {
    match unit {
        "个月" => "月数".to_owned(),
        "天" => "天数".to_owned(),
        "年" => "年数".to_owned(),
        "周" => "周数".to_owned(),
        "次" => "次数".to_owned(),
        other => format!("{other}数"),
    }
}

/// What a second quantity right after a first one measures: "金额" for money.
fn measure_noun(unit: &str) -> &'static str {
    match unit {
        "元" | "美元" | "港元" | "欧元" => "金额",
        "%" | "％" | "‰" => "比例",
        _ => "数量",
    }
}

/// How a quantity relates to the text before it in its clause.
enum Relation<'a> {
    /// First quantity of its clause; the clause text before it.
    Fresh(&'a str),
    /// Joined to the previous quantity by a list word; the text after the joiner.
    ListItem(&'a str),
    /// Directly after the previous quantity with no joiner; the text between them.
    Follows(&'a str),
}

/// Labels every quantity of one sentence, in order.
pub(super) fn label_sentence(sentence: &str, quantities: &[Quantity]) -> Vec<String> {
    let mut labels: Vec<String> = Vec::with_capacity(quantities.len());
    // Whether each quantity's label took the words after it as its object.
    let mut took_object: Vec<bool> = Vec::with_capacity(quantities.len());
    let mut index = 0;
    while index < quantities.len() {
        let quantity = &quantities[index];
        let relation = relation(sentence, quantities, index);
        if let Relation::Fresh(before) = relation
            && before.contains("分别")
        {
            let group = distributed_group(sentence, quantities, index);
            for label in distribute(before, &labels, group) {
                labels.push(label);
                took_object.push(false);
            }
            index += group;
            continue;
        }
        let (label, object) = match relation {
            Relation::Fresh(before) => fresh_label(sentence, quantities, index, before, &labels),
            Relation::ListItem(rest) => {
                let rest_clean = clean(rest);
                let previous = labels.last().map_or("", String::as_str);
                if rest_clean.is_empty() {
                    (previous.to_owned(), false)
                } else if Verbs::of(&rest_clean).any() {
                    fresh_label(sentence, quantities, index, rest, &labels)
                } else {
                    (format!("{}{rest_clean}", verb_prefix(previous)), false)
                }
            }
            Relation::Follows(between) => {
                let previous = labels.last().map_or("", String::as_str);
                if took_object.last().copied().unwrap_or(false) || between.trim().is_empty() {
                    (format!("{previous}{}", measure_noun(&quantity.unit)), false)
                } else {
                    fresh_label(sentence, quantities, index, between, &labels)
                }
            }
        };
        let label = if label.is_empty() {
            fallback_label(sentence, quantity)
        } else {
            resolve_back_reference(label, &sentence[..quantity.start])
        };
        labels.push(label);
        took_object.push(object);
        index += 1;
    }
    labels
}

/// Words in a label that point back to the fraud the sentence named before ("对电信网络诈骗犯罪从严
///打击，全年共侦破相关案件25.8万起").
const BACK_REFERENCES: &[&str] = &["相关", "此类", "这类", "该类", "上述"];
/// Words that end the name of a fraud when read backwards from its 诈骗: verbs and
/// prepositions before it ("对", "打击治理").
const BEFORE_A_FRAUD: &[&str] = &[
    "对", "把", "将", "向", "从", "在", "和", "与", "及", "的", "了", "是", "为", "等", "打击",
    "治理", "整治", "防范", "严打", "遏制",
];

/// `label` with its back reference ("侦破相关案件") replaced by the last fraud named in `before`,
/// the sentence before the figure ("侦破电信网络诈骗案件"): the label then names the measure in
/// the words other reports of it use. Unchanged when it names a fraud itself or `before` names
/// none.
fn resolve_back_reference(label: String, before: &str) -> String {
    let Some((at, reference)) = BACK_REFERENCES
        .iter()
        .find_map(|word| label.find(word).map(|at| (at, *word)))
    else {
        return label;
    };
    if label.contains("诈骗") {
        return label;
    }
    let Some(fraud_end) = before.rfind("诈骗") else {
        return label;
    };
    // The fraud's own name: at most six characters before 诈骗, back to a verb or preposition.
    let mut start = fraud_end;
    for (steps, (i, c)) in before[..fraud_end].char_indices().rev().enumerate() {
        let ends_name = steps == 6
            || !crate::normalize::is_cjk(c)
            || BEFORE_A_FRAUD
                .iter()
                .chain(VERBS)
                .any(|word| before[..i + c.len_utf8()].ends_with(word));
        if ends_name {
            break;
        }
        start = i;
    }
    let fraud = &before[start..fraud_end + "诈骗".len()];
    format!("{}{fraud}{}", &label[..at], &label[at + reference.len()..])
}

/// Start of the clause that holds byte `at`.
fn clause_start(sentence: &str, at: usize) -> usize {
    sentence[..at]
        .char_indices()
        .rev()
        .find(|&(_, c)| is_clause_break(c))
        .map_or(0, |(i, c)| i + c.len_utf8())
}

/// End of the clause that holds byte `at`.
fn clause_end(sentence: &str, at: usize) -> usize {
    sentence[at..]
        .char_indices()
        .find(|&(_, c)| is_clause_break(c))
        .map_or(sentence.len(), |(i, _)| at + i)
}

fn relation<'a>(sentence: &'a str, quantities: &[Quantity], index: usize) -> Relation<'a> {
    let quantity = &quantities[index];
    let start = clause_start(sentence, quantity.start);
    match index.checked_sub(1).map(|i| &quantities[i]) {
        Some(previous) if previous.end >= start => {
            let between = &sentence[previous.end..quantity.start];
            match list_joiner(between) {
                Some(joiner) => Relation::ListItem(&between[joiner.len()..]),
                // "超过100万元的案件有300余起": the earlier quantity describes what is counted.
                None if between.starts_with('的') => {
                    Relation::Fresh(&sentence[start..quantity.start])
                }
                None => Relation::Follows(between),
            }
        }
        _ => Relation::Fresh(&sentence[start..quantity.start]),
    }
}

/// How many quantities from `index` on form one list ("28.5%和76.6%").
fn distributed_group(sentence: &str, quantities: &[Quantity], index: usize) -> usize {
    let mut size = 1;
    while let Some(next) = quantities.get(index + size) {
        let between = &sentence[quantities[index + size - 1].end..next.start];
        match list_joiner(between) {
            Some(joiner) if clean(&between[joiner.len()..]).is_empty() => size += 1,
            _ => break,
        }
    }
    size
}

/// Labels a list introduced by 分别: one quantity for each earlier figure of the sentence
/// ("同比分别上升28.5%和76.6%"), or for each subject listed before 分别 ("电话和短信分别为…").
fn distribute(before: &str, earlier: &[String], group: usize) -> Vec<String> {
    let (subjects, predicate) = before.split_once("分别").unwrap_or((before, ""));
    let predicate = clean(predicate);
    let subjects_clean = clean(subjects);
    if earlier.len() >= group {
        let phrase = format!("{subjects_clean}{predicate}");
        return earlier[earlier.len() - group..]
            .iter()
            .map(|label| format!("{label}{phrase}"))
            .collect();
    }
    let listed: Vec<&str> = subjects_clean
        .split(['、', '和', '与', '及'])
        .filter(|s| !s.is_empty())
        .collect();
    if listed.len() == group {
        return listed
            .iter()
            .map(|subject| format!("{subject}{predicate}"))
            .collect();
    }
    vec![format!("{subjects_clean}{predicate}"); group]
}

/// The label of a quantity that starts its clause (or a list item with its own verb), and
/// whether it took the words after it as its object.
fn fresh_label(
    sentence: &str,
    quantities: &[Quantity],
    index: usize,
    before: &str,
    earlier: &[String],
) -> (String, bool) {
    let quantity = &quantities[index];
    let ends_in_existence = {
        let raw = before.trim_end();
        EXISTENCE.iter().any(|word| raw.ends_with(word))
            && !WORDS_ENDING_IN_COPULA
                .iter()
                .any(|word| raw.ends_with(word))
    };
    let before = clean(before);
    if !before.is_empty()
        && RATE_PHRASE.is_match(&before)
        && let Some(previous) = earlier.last()
    {
        return (format!("{previous}{before}"), false);
    }
    let object = || clean(object_after(sentence, quantities, index));
    if let Some(subject) = before.strip_suffix("连续") {
        let object = object();
        return (
            format!("{subject}{object}连续{}", run_length_noun(&quantity.unit)),
            !object.is_empty(),
        );
    }
    let verbs = Verbs::of(&before);
    if before.is_empty() || ends_in_existence || verbs.ending_at(before.len()).is_some() {
        let object = object();
        if !object.is_empty() {
            return (shorten(verb_then_object(&before, &object)), true);
        }
        // "处理涉诈资金1.5亿笔，共计3.5万亿元": a bare amount measures the figure before it.
        if before.is_empty()
            && let Some(previous) = earlier.last()
        {
            return (format!("{previous}{}", measure_noun(&quantity.unit)), false);
        }
    }
    (shorten(before), false)
}

/// The words after a quantity up to the end of its clause or the next quantity; empty when
/// the next thing is a list joiner.
fn object_after<'a>(sentence: &'a str, quantities: &[Quantity], index: usize) -> &'a str {
    let end = quantities[index].end;
    let mut stop = clause_end(sentence, end);
    if let Some(next) = quantities.get(index + 1) {
        stop = stop.min(next.start);
    }
    let object = &sentence[end..stop];
    if list_joiner(object).is_some() {
        ""
    } else {
        object
    }
}

/// A label for a quantity with no words of its own ("拦截涉诈电话：19.5亿次"): the clause before.
fn fallback_label(sentence: &str, quantity: &Quantity) -> String {
    let start = clause_start(sentence, quantity.start);
    let previous = match sentence[..start].chars().next_back() {
        Some(clause_break) => {
            let previous_end = start - clause_break.len_utf8();
            &sentence[clause_start(sentence, previous_end)..previous_end]
        }
        None => "",
    };
    let label = shorten(clean(previous));
    if label.is_empty() {
        quantity.unit.clone()
    } else {
        label
    }
}

/// Whether a word or label speaks of a change ("同比", "上升了", "增幅").
pub fn is_change_word(word: &str) -> bool {
    // One automaton pass instead of a substring search per change word: every term of every
    // question is tested.
    static CHANGE: LazyLock<AhoCorasick> =
        LazyLock::new(|| AhoCorasick::new(CHANGE_WORDS).expect("change words compile"));
    CHANGE.is_match(word)
}

/// Words that say how much something changed.
const CHANGE_WORDS: &[&str] = &[
    "同比", "环比", "上升", "下降", "增长", "增加", "减少", "增幅", "降幅", "涨", "跌", "提高",
];

/// Whether two figure labels name the same measure: equal, or one is the other with a subject in
/// front ("工信部拦截涉诈电话" and "拦截涉诈电话").
pub fn same_measure(a: &str, b: &str) -> bool {
    !a.is_empty() && !b.is_empty() && (a.ends_with(b) || b.ends_with(a))
}

/// Whether a label reads as the name of a measure, fit to be offered back as a question
/// ("拦截涉诈电话" → "拦截涉诈电话有多少？"). Labels cut from a list or a comparison often do not:
/// they start with a connective or a preposition ("或者涉及对象的", "由2018年的"), end in a
/// particle or a negation ("…最多不"), hold a number, or are too short or long to say what they
/// count.
pub fn reads_as_measure(label: &str) -> bool {
    const LEADING: &[&str] = &[
        "或者", "或", "并且", "并", "且", "以及", "及", "和", "与", "同时", "由", "对", "从", "在",
        "为", "其中", "分别", "数字", "比", "较", "向", "被", "把", "将", "已", "还", "也", "又",
        "均", "都", "其", "该", "此", "这", "那", "同比", "环比", "占",
    ];
    const TRAILING: &[char] = &[
        '的', '对', '了', '和', '与', '及', '等', '或', '为', '是', '在', '中', '不', '以', '到',
        '于', '被', '把', '将', '从', '向', '比', '能', '会', '可', '要', '得',
    ];
    let length = char_count(label);
    (4..=16).contains(&length)
        && !label
            .chars()
            .any(|c| c.is_ascii_alphanumeric() || c.is_ascii_punctuation())
        && !LEADING.iter().any(|word| label.starts_with(word))
        && !label.ends_with(TRAILING)
        // A change ("同比上升") is asked as how much it rose, not as how many there are.
        && !is_change_word(label)
}

#[cfg(test)]
mod tests {
    use super::super::quantity::scan;
    use super::*;

    fn labels(sentence: &str) -> Vec<String> {
        label_sentence(sentence, &scan(sentence, &[]))
    }

    #[test]
    fn periods_listed_before_respectively_are_not_part_of_the_label() {
        assert_eq!(
            labels("2019年、2020年、2021年三年的起诉人数分别为3.9万人、5万人、4万人。"),
            ["起诉人数", "起诉人数", "起诉人数"]
        );
    }

    #[test]
    fn a_back_reference_names_the_fraud_the_sentence_named_before() {
        assert_eq!(
            labels("对电信网络诈骗犯罪从严打击，全年共侦破相关案件25.8万起，犯罪势头已受到遏制。"),
            ["侦破电信网络诈骗案件"]
        );
        assert_eq!(
            labels("严厉打击养老诈骗，共破获此类案件1.7万起。"),
            ["破获养老诈骗案件"]
        );
        // Nothing to point back to, or the label names its fraud itself: unchanged.
        assert_eq!(labels("共侦破相关案件3.2万起。"), ["侦破相关案件"]);
    }

    #[test]
    fn only_labels_that_name_a_measure_are_offered_as_questions() {
        for good in [
            "拦截涉诈电话",
            "破获电信网络诈骗案件",
            "会同相关部门拦截诈骗电话",
            "提起公诉",
        ] {
            assert!(reads_as_measure(good), "{good}");
        }
        for bad in [
            "或者涉及对象的",
            "由2018年的",
            "数字分别比上年增加",
            "每名用户以本人实名办理的手机卡最多不",
            "最高检指导对",
            "数量",
            "增加到2022年",
            "原则上不能",
            "帮信罪同比上升",
        ] {
            assert!(!reads_as_measure(bad), "{bad}");
        }
    }

    #[test]
    fn a_measure_with_a_subject_in_front_is_the_same_measure() {
        assert!(same_measure("工信部拦截涉诈电话", "拦截涉诈电话"));
        assert!(same_measure("拦截涉诈电话", "拦截涉诈电话"));
        assert!(!same_measure("拦截涉诈电话", "拦截涉诈短信"));
        assert!(!same_measure("", "拦截涉诈电话"));
    }

    #[test]
    fn object_before_number_is_the_label() {
        assert_eq!(
            labels("一年来，共破获电信网络诈骗案件39.4万起"),
            ["破获电信网络诈骗案件"]
        );
        assert_eq!(labels("紧急止付群众被骗款3291亿元"), ["紧急止付群众被骗款"]);
        assert_eq!(
            labels("据了解，全国法院一审审结电信网络诈骗犯罪案件2.5万余件"),
            ["全国法院一审审结电信网络诈骗犯罪案件"]
        );
        assert_eq!(
            labels("打掉‘两卡’违法犯罪团伙4.2万个"),
            ["打掉两卡违法犯罪团伙"]
        );
    }

    #[test]
    fn number_before_object_joins_verb_and_object() {
        assert_eq!(
            labels(
                "人民银行会同公安部门探索运用新技术协助锁定1768名跨境资金转移“背包客”，不断织密"
            ),
            ["协助锁定跨境资金转移背包客"]
        );
        assert_eq!(labels("6.1万余名被告人被判处刑罚；"), ["被告人被判处刑罚"]);
        assert_eq!(
            labels("全国检察机关共起诉近4万人，依法惩治"),
            ["全国检察机关起诉"]
        );
        assert_eq!(
            labels("先后组织开展150次全国集群战役。"),
            ["组织开展全国集群战役"]
        );
    }

    #[test]
    fn list_items_share_the_verb() {
        assert_eq!(
            labels(
                "2021年，工信部依法处置涉诈码号4.5万个、域名网址104万个，拦截涉诈电话19.5亿次、涉诈短信21.4亿条"
            ),
            [
                "工信部处置涉诈码号",
                "工信部处置域名网址",
                "拦截涉诈电话",
                "拦截涉诈短信"
            ]
        );
    }

    #[test]
    fn list_items_share_the_verb_nearest_the_object() {
        assert_eq!(
            labels("会同相关部门拦截诈骗电话46.9亿次、诈骗短信33.7亿条；"),
            ["会同相关部门拦截诈骗电话", "会同相关部门拦截诈骗短信"]
        );
    }

    #[test]
    fn an_amount_after_a_count_measures_the_same_thing() {
        assert_eq!(
            labels("累计拦截102万个资金账户148亿元，"),
            ["拦截资金账户", "拦截资金账户金额"]
        );
    }

    #[test]
    fn fenbie_distributes_rates_over_earlier_figures() {
        assert_eq!(
            labels(
                "共破获电信网络诈骗案件39.4万起，抓获犯罪嫌疑人63.4万名，同比分别上升28.5%和76.6%。"
            ),
            [
                "破获电信网络诈骗案件",
                "抓获犯罪嫌疑人",
                "破获电信网络诈骗案件同比上升",
                "抓获犯罪嫌疑人同比上升"
            ]
        );
        assert_eq!(
            labels("涉诈电话和涉诈短信分别为100万次、200万条"),
            ["涉诈电话", "涉诈短信"]
        );
    }

    #[test]
    fn a_rate_after_a_figure_describes_that_figure() {
        assert_eq!(
            labels("抓获犯罪嫌疑人63.4万名，同比上升76.6%"),
            ["抓获犯罪嫌疑人", "抓获犯罪嫌疑人同比上升"]
        );
    }

    #[test]
    fn runs_are_labelled_with_their_length() {
        assert_eq!(
            labels("根据最新统计，电信网络诈骗立案数连续9个月同比下降"),
            ["电信网络诈骗立案数同比下降连续月数"]
        );
    }

    #[test]
    fn copulas_and_quotes_are_dropped() {
        assert_eq!(labels("涉案金额达3000万元"), ["涉案金额"]);
        assert_eq!(
            labels("至10月全国检察机关起诉电信网络诈骗犯罪3.4万余人"),
            ["全国检察机关起诉电信网络诈骗犯罪"]
        );
        assert_eq!(
            labels("并提到“断卡”等专项行动共抓获犯罪嫌疑人8.2万名"),
            ["断卡等专项行动抓获犯罪嫌疑人"]
        );
        assert_eq!(labels("违法行为3000起"), ["违法行为"]);
    }

    #[test]
    fn existence_takes_the_words_after_the_number() {
        assert_eq!(
            labels("截至目前，全国共有1.2亿人下载安装国家反诈中心APP。"),
            ["全国下载安装国家反诈中心APP"]
        );
        assert_eq!(
            labels("涉案金额超过100万元的案件有300余起。"),
            ["涉案金额", "涉案金额超过100万元的案件"]
        );
    }

    #[test]
    fn a_bare_amount_measures_the_figure_before() {
        assert_eq!(
            labels("处理涉诈资金1.5亿笔，共计3.5万亿元。"),
            ["处理涉诈资金", "处理涉诈资金金额"]
        );
    }

    #[test]
    fn a_number_without_words_borrows_the_clause_before() {
        assert_eq!(labels("拦截涉诈电话：19.5亿次"), ["拦截涉诈电话"]);
        assert_eq!(labels("19.5亿次"), ["次"]);
    }
}
