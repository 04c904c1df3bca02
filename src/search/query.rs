//! Question analysis: a normalised question → the words to search for (with their synonyms), whether
//! it asks for a quantity, and which unit or period it has in mind.

use super::lexicon::Lexicon;
use super::terms::QueryTerm;
use crate::figures::{PeriodSpan, asked_period, is_change_word, without_periods};

/// Words that carry no meaning for the search: question particles, pronouns, fillers.
const STOPWORDS: &[&str] = &[
    "的",
    "了",
    "吗",
    "呢",
    "吧",
    "啊",
    "呀",
    "嘛",
    "哦",
    "么",
    "是",
    "有",
    "在",
    "和",
    "与",
    "及",
    "或",
    "都",
    "也",
    "还",
    "就",
    "又",
    "这",
    "那",
    "这个",
    "那个",
    "这些",
    "那些",
    "一个",
    "请问",
    "问",
    "问一下",
    "一下",
    "我",
    "你",
    "您",
    "他",
    "她",
    "它",
    "我们",
    "你们",
    "他们",
    "大家",
    "想",
    "想知道",
    "真的",
    "是不是",
    "是否",
    "我妈",
    "我爸",
    "老妈",
    "老爸",
    "我家",
    "知道",
    "告诉",
    "告诉我",
    "请",
    "什么",
    "啥",
    "怎么",
    "怎么样",
    "怎样",
    "如何",
    "为什么",
    "为何",
    "哪",
    "哪些",
    "哪个",
    "哪里",
    "谁",
    "到底",
    "究竟",
    "总共",
    "一共",
    "共",
    "总",
    "总计",
    "大概",
    "大约",
    "约",
    "左右",
    "可以",
    "能",
    "会",
    "要",
    "给",
    "对",
    "把",
    "被",
    "让",
    "从",
    "到",
    "去年",
    "今年",
    "最近",
    "最新",
    "目前",
    "现在",
    "时候",
    "年",
    "个",
    "多",
    "些",
    "吗",
    "了解",
    "介绍",
    "说说",
    "讲讲",
    "一些",
    "关于",
    "方面",
    "情况",
    "具体",
    "呢",
    "嗯",
    "哈",
    "啦",
    "the",
    "a",
    "an",
    "of",
    "is",
    "are",
    "what",
    "how",
    "do",
    "does",
    "did",
    "to",
    "in",
    "on",
    "for",
];

/// Words that say where a figure holds when it holds for the whole country ("全国", "大陆",
/// "我国"): the knowledge is about the country unless it says otherwise, and reports name the
/// scope once, in a title or a lead-in, or not at all (a Taiwanese outlet's "大陆" is the
/// ministry's "全国"). They are searched for at a low weight, so that a figure's sentence that
/// leaves them out still answers, and one that says them ranks a little higher.
const SCOPE_WORDS: &[&str] = &[
    "全国",
    "全国各地",
    "各地",
    "我国",
    "中国",
    "国内",
    "境内",
    "大陆",
    "内地",
    "中国大陆",
];

/// Words that ask when something happened ("什么时候施行", "哪天通过"): the answer is the date
/// in the sentence that says so, so they are not searched for.
const DATE_CUES: &[&str] = &[
    "什么时候",
    "啥时候",
    "何时",
    "哪天",
    "哪一天",
    "哪年",
    "哪一年",
    "几月",
    "几号",
    "几日",
    "几月几日",
    "几月几号",
    "什么时间",
    "哪个月",
    "日期",
];

/// Words that ask for advice ("被骗了怎么办"). They say which kind of passage answers ("遇到…怎么办"),
/// so they are searched for, but at half weight: the subject of the question must decide, not
/// its form — else any advice passage would answer any question ending in 怎么办.
pub const ADVICE_CUES: &[&str] = &[
    "怎么办",
    "咋办",
    "怎么做",
    "该怎么办",
    "怎么处理",
    "如何处理",
    "怎么应对",
    "如何应对",
];

/// Words that mark a passage as advice — what to do ("立即拨打110报警") — which is what a question
/// with an advice cue wants among passages that match it about as well.
pub const ADVICE_MARKERS: &[&str] = &[
    "立即",
    "马上",
    "第一时间",
    "及时",
    "应当",
    "应该",
    "拨打",
    "报警",
    "不要",
    "切勿",
    "务必",
    "千万",
];

/// Words that ask for a quantity. They are not searched for themselves.
const QUANTITY_CUES: &[&str] = &[
    "多少",
    "几",
    "多少次",
    "多少个",
    "多少人",
    "多少钱",
    "多大",
    "多高",
    "多久",
    "多长",
    "几成",
    "百分之几",
    "几个",
    "几次",
    "几亿",
    "几万",
    "多少亿",
    "多少万",
    "many",
    "much",
];

/// Words that ask for a quantity and also say what kind (kept as low-weight search words, since
/// articles use them too: "数量降幅92%").
const QUANTITY_NOUNS: &[(&str, Option<UnitClass>)] = &[
    ("数量", None),
    ("数目", None),
    ("次数", Some(UnitClass::Times)),
    ("人数", Some(UnitClass::People)),
    ("金额", Some(UnitClass::Money)),
    ("比例", Some(UnitClass::Percent)),
    ("比率", Some(UnitClass::Percent)),
    ("占比", Some(UnitClass::Percent)),
    ("百分比", Some(UnitClass::Percent)),
    ("降幅", Some(UnitClass::Percent)),
    ("增幅", Some(UnitClass::Percent)),
    ("涨幅", Some(UnitClass::Percent)),
    ("规模", None),
    ("总数", None),
    ("总量", None),
    ("数据", None),
    ("数字", None),
    ("统计", None),
];

/// The kind of quantity a question asks for, from its measure word ("多少人", "几次", "多少钱").
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum UnitClass {
    People,
    Money,
    Percent,
    Times,
    /// Any other measure word: 个, 条, 张, 起, 件, 笔 …
    Items,
    Duration,
}

impl UnitClass {
    /// The class of a figure's unit ("名" → People, "亿元" → Money).
    pub fn of_unit(unit: &str) -> Option<UnitClass> {
        let last = unit.chars().last()?;
        Some(match last {
            '人' | '名' | '位' => UnitClass::People,
            '元' | '钱' => UnitClass::Money,
            '%' | '‰' | '成' => UnitClass::Percent,
            '次' => UnitClass::Times,
            '月' | '天' | '日' | '年' | '周' => UnitClass::Duration,
            _ => UnitClass::Items,
        })
    }

    /// Whether a figure with this unit can answer a question asking for `self`.
    pub fn accepts(self, unit: Option<UnitClass>) -> bool {
        match unit {
            Some(unit) => unit == self || (self == UnitClass::Items && unit == UnitClass::Times),
            None => self == UnitClass::Items,
        }
    }
}

/// What a question asks.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct QuestionAnalysis {
    pub terms: Vec<QueryTerm>,
    pub wants_figure: bool,
    pub unit: Option<UnitClass>,
    /// The period the question names ("2021年前11个月"), or a bare year ("2021").
    pub period: Option<String>,
    /// The period asked as a span ([`asked_period`]): what figures' periods are matched against.
    pub asked: Option<(String, PeriodSpan)>,
    /// Whether it asks when something happened ("什么时候", "哪天", "何时" …).
    pub wants_date: bool,
    /// Whether it asks what to do (see [`ADVICE_CUES`]).
    pub wants_advice: bool,
    /// Whether the question asks how a figure went over the years (历年, 这几年, 趋势 …, see
    /// [`TREND_WORDS`]): then it wants a figure, and the answer leads with the whole series.
    pub trend: bool,
    /// Which way the change asked about goes ("上升了多少", "下降了多少"), when it says.
    pub direction: Option<Direction>,
}

/// Analyses a normalised question (see [`crate::normalize::normalize_question`]).
pub fn analyze(normalized: &str, lexicon: &Lexicon) -> QuestionAnalysis {
    let asked = asked_period(normalized);
    let mut analysis = QuestionAnalysis {
        period: asked.as_ref().map(|(period, _)| period.clone()),
        asked,
        // Cut as words or not ("什么时候" may come out as "什么" + "时候").
        wants_date: DATE_CUES.iter().any(|cue| normalized.contains(cue)),
        wants_advice: ADVICE_CUES.iter().any(|cue| normalized.contains(cue)),
        ..QuestionAnalysis::default()
    };
    // The trend words say how to answer, not what about: taken out before the words are cut,
    // so "这几年" is not read as "几年" (a quantity asked in years).
    let (trend, normalized) = without_trend_words(normalized);
    analysis.trend = trend;
    analysis.direction = Direction::of(&normalized);
    analysis.wants_figure = trend;
    // The period is matched against each figure's period (see `answer::rank`), not searched for.
    let unperiodic = without_periods(&normalized);
    let mut words = lexicon.words(&unperiodic);
    // Whether the unit comes from what is counted ("人数") rather than from a measure word
    // after 多少 ("多少人").
    let mut unit_from_noun = false;
    let mut i = 0;
    while i < words.len() {
        let word = words[i];
        i += 1;
        if let Some(year) = year_of(word) {
            analysis.period.get_or_insert(year);
            continue;
        }
        if DATE_CUES.contains(&word) {
            analysis.wants_date = true;
            continue;
        }
        if word.starts_with("百分之") || word == "百分比" {
            // "百分之几" asks for a percentage, whatever the other words suggest.
            analysis.wants_figure = true;
            analysis.unit = Some(UnitClass::Percent);
            if words.get(i) == Some(&"几") {
                i += 1;
            }
            continue;
        }
        if QUANTITY_CUES.contains(&word)
            || word.starts_with("多少")
            || word.starts_with('几') && word.chars().count() <= 2
        {
            analysis.wants_figure = true;
            let attached = word.trim_start_matches("多少").trim_start_matches('几');
            let measure = if let Some(unit) = measure_word_class(attached) {
                Some(unit)
            } else if let Some(unit) = words.get(i).and_then(|next| measure_word_class(next)) {
                i += 1;
                Some(unit)
            } else if let Some((unit, rest)) =
                words.get(i).and_then(|next| glued_measure(next, lexicon))
            {
                // jieba glued the measure word to the noun after it ("多少张高危电话卡" →
                // "张高危"): the measure word is the unit, the rest is read as a word of its own.
                words[i] = rest;
                Some(unit)
            } else {
                None
            };
            if measure.is_some() {
                analysis.unit = measure;
                unit_from_noun = false;
            }
            continue;
        }
        if SCOPE_WORDS.contains(&word) {
            push_term(&mut analysis, word, 0.3, lexicon);
            continue;
        }
        if let Some((_, unit)) = QUANTITY_NOUNS.iter().find(|(noun, _)| *noun == word) {
            analysis.wants_figure = true;
            if analysis.unit.is_none() {
                analysis.unit = *unit;
                unit_from_noun = unit.is_some();
            }
            push_term(&mut analysis, word, 0.3, lexicon);
            continue;
        }
        // Short bare numbers ("2", "10") say little; longer ones name things (12381, 96110).
        let short_number = word.chars().all(|c| c.is_ascii_digit()) && word.len() < 3;
        if STOPWORDS.contains(&word) || short_number {
            continue;
        }
        // A single character says less than a word; an advice cue, see [`ADVICE_CUES`].
        let weight = if word.chars().count() == 1 || ADVICE_CUES.contains(&word) {
            0.5
        } else {
            1.0
        };
        push_term(&mut analysis, word, weight, lexicon);
    }
    // "同比上升了多少", "涨了多少": a change asked without a measure word wants the percentage,
    // also when it names what is counted ("人数同比上升多少": the count is what changed).
    if (analysis.unit.is_none() || unit_from_noun)
        && analysis.wants_figure
        && words.iter().any(|word| is_change_word(word))
    {
        analysis.unit = Some(UnitClass::Percent);
    }
    if analysis.unit.is_none() && analysis.wants_figure {
        analysis.unit = implied_unit(&analysis.terms);
    }
    analysis
}

/// Words that ask for a figure over the years rather than for one period: the answer lists the
/// series, oldest first, and the bot sends a chart. Longest first where one contains another.
pub const TREND_WORDS: &[&str] = &[
    "的变化趋势",
    "变化趋势",
    "的变化",
    "近几年",
    "这几年",
    "这些年",
    "近年来",
    "历年",
    "每年",
    "逐年",
    "趋势",
    "走势",
];

/// Whether `normalized` asks for a trend (holds one of [`TREND_WORDS`]), and the question with
/// those words taken out.
pub fn without_trend_words(normalized: &str) -> (bool, std::borrow::Cow<'_, str>) {
    if !TREND_WORDS.iter().any(|word| normalized.contains(word)) {
        return (false, std::borrow::Cow::Borrowed(normalized));
    }
    let mut rest = normalized.to_owned();
    for word in TREND_WORDS {
        rest = rest.replace(word, " ");
    }
    (true, std::borrow::Cow::Owned(rest))
}

/// Which way a change goes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Direction {
    Up,
    Down,
}

/// The words of each [`Direction`], up first: one automaton reads a text once for all of them.
static DIRECTION_WORDS: std::sync::LazyLock<(aho_corasick::AhoCorasick, usize)> =
    std::sync::LazyLock::new(|| {
        const UP: &[&str] = &["上升", "增长", "增加", "提高", "上涨", "增幅", "涨"];
        const DOWN: &[&str] = &["下降", "减少", "降低", "下跌", "降幅", "回落", "跌"];
        let automaton =
            aho_corasick::AhoCorasick::new(UP.iter().chain(DOWN)).expect("direction words compile");
        (automaton, UP.len())
    });

impl Direction {
    /// The way `text` says a change goes; `None` when it says neither or both ("涨跌").
    pub fn of(text: &str) -> Option<Direction> {
        let (automaton, ups) = &*DIRECTION_WORDS;
        let (mut up, mut down) = (false, false);
        for found in automaton.find_iter(text) {
            if found.pattern().as_usize() < *ups {
                up = true;
            } else {
                down = true;
            }
        }
        match (up, down) {
            (true, false) => Some(Direction::Up),
            (false, true) => Some(Direction::Down),
            _ => None,
        }
    }
}

/// Aspect particles that jieba sometimes keeps on a verb ("发了", "封掉", "查过").
const ASPECT_PARTICLES: [char; 3] = ['了', '掉', '过'];

/// The verb of "verb + aspect particle" when the whole is not a word of its own: "发了" → "发".
/// Such a form is rare in any dictionary, so searched as it is it would weigh like a word the
/// knowledge has never heard of and make the question look off-topic.
fn aspect_stem<'a>(word: &'a str, lexicon: &Lexicon) -> Option<&'a str> {
    let stem = word.strip_suffix(ASPECT_PARTICLES)?;
    (!stem.is_empty()
        && !stem.ends_with(ASPECT_PARTICLES)
        && !lexicon.synonyms().contains(word)
        && lexicon.rarity(word) >= 0.9)
        .then_some(stem)
}

/// Re-cuts the words jieba made up from characters it could not place (no dictionary word:
/// "最多能" of 一个人最多能办几张) when the articles never use them (`used` says whether they
/// do) but use a word of two characters or more at its start or end: the pieces are searched
/// instead ("最多" + "能"). Made up, such a word weighs as much as a word of another subject and
/// makes the question look off-topic. A made-up word stays whole when the articles use it (a
/// name such as 杜航伟), or no such piece of it ("我订" of 帮我订一张机票: 订 is another subject
/// indeed).
pub fn split_made_up_words(
    analysis: &mut QuestionAnalysis,
    lexicon: &Lexicon,
    used: impl Fn(&str) -> bool,
) {
    let split = |term: &QueryTerm| -> Option<(usize, f32)> {
        let word = term.text.as_str();
        let made_up = word.chars().count() >= 3
            && word.chars().all(super::tokenizer::is_cjk)
            && is_made_up(term, lexicon, &used);
        if !made_up {
            return None;
        }
        // The split whose known piece is longest.
        let known = |piece: &str| piece.chars().count() >= 2 && used(piece);
        word.char_indices()
            .skip(1)
            .map(|(at, _)| at)
            .filter(|&at| known(&word[..at]) || known(&word[at..]))
            .max_by_key(|&at| word[..at].len().max(word[at..].len()))
            .map(|at| (at, term.weight))
    };
    if !analysis.terms.iter().any(|term| split(term).is_some()) {
        return;
    }
    for term in std::mem::take(&mut analysis.terms) {
        let Some((at, weight)) = split(&term) else {
            analysis.terms.push(term);
            continue;
        };
        for piece in [&term.text[..at], &term.text[at..]] {
            if STOPWORDS.contains(&piece) {
                continue;
            }
            let weight = if piece.chars().count() == 1 {
                weight.min(0.5)
            } else {
                weight
            };
            push_term(analysis, piece, weight, lexicon);
        }
    }
}

/// Whether jieba made `term` up: no synonyms, no dictionary word, and the articles never use it
/// (`used` says whether they do). Such a word is re-cut ([`split_made_up_words`]) or read as a
/// slip of the same sound (see [`super::typos`]).
pub fn is_made_up(term: &QueryTerm, lexicon: &Lexicon, used: impl Fn(&str) -> bool) -> bool {
    term.alternatives.is_empty() && !lexicon.is_dictionary_word(&term.text) && !used(&term.text)
}

fn push_term(analysis: &mut QuestionAnalysis, word: &str, weight: f32, lexicon: &Lexicon) {
    if analysis.terms.iter().any(|t| t.text == word) {
        return;
    }
    let mut alternatives: Vec<String> = lexicon
        .synonyms()
        .of(word)
        .into_iter()
        .map(str::to_string)
        .collect();
    if let Some(stem) = aspect_stem(word, lexicon) {
        alternatives.extend(lexicon.synonyms().of(stem).into_iter().map(str::to_string));
        alternatives.push(stem.to_string());
    }
    analysis.terms.push(QueryTerm {
        text: word.to_string(),
        alternatives,
        weight,
    });
}

/// "2021年" or "2021" → "2021".
fn year_of(word: &str) -> Option<String> {
    let digits = word.strip_suffix('年').unwrap_or(word);
    (digits.len() == 4
        && digits.chars().all(|c| c.is_ascii_digit())
        && (digits.starts_with("19") || digits.starts_with("20")))
    .then(|| digits.to_string())
}

/// A measure word jieba glued to the word after it ("张高危" → 张 + "高危"): its unit class and
/// the rest, when the word starts with a one-character measure word, goes on for at least two
/// characters and is no word of the language as a whole (人民币 stays whole). Only read right
/// after 多少 / 几, where a measure word is expected.
fn glued_measure<'a>(word: &'a str, lexicon: &Lexicon) -> Option<(UnitClass, &'a str)> {
    let first = word.chars().next()?;
    let rest = &word[first.len_utf8()..];
    if rest.chars().count() < 2
        || !rest.chars().all(super::tokenizer::is_cjk)
        || lexicon.rarity(word) < 0.9
    {
        return None;
    }
    Some((measure_word_class(&word[..first.len_utf8()])?, rest))
}

/// The unit class of a measure word after 多少 / 几 ("人", "次", "个月"); `None` for other words.
fn measure_word_class(word: &str) -> Option<UnitClass> {
    Some(match word {
        "人" | "名" | "位" | "个人" => UnitClass::People,
        "钱" | "元" | "块" | "块钱" | "亿元" | "万元" => UnitClass::Money,
        "次" | "回" | "遍" => UnitClass::Times,
        "个" | "条" | "张" | "起" | "件" | "笔" | "家" | "户" | "部" | "台" | "万" | "亿"
        | "种" | "项" => UnitClass::Items,
        "天" | "个月" | "月" | "年" | "周" => UnitClass::Duration,
        _ => return None,
    })
}

/// A unit the question's words imply when it names none: 钱/资金/款 → money, 人/嫌疑人 → people.
fn implied_unit(terms: &[QueryTerm]) -> Option<UnitClass> {
    let last = terms.last()?;
    let word = last.text.as_str();
    if ["钱", "资金", "款", "金额", "损失", "被骗款"]
        .iter()
        .any(|w| word.ends_with(w))
    {
        Some(UnitClass::Money)
    } else if ["人", "嫌疑人", "被告人", "人员"]
        .iter()
        .any(|w| word.ends_with(w))
    {
        Some(UnitClass::People)
    } else {
        None
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::search::lexicon::Synonyms;
    use crate::search::terms::{TermFinders, TermSet};

    fn lexicon() -> Lexicon {
        let (synonyms, _) = Synonyms::parse("骗子 诈骗 涉诈\n钱 资金 款");
        Lexicon::new(&[("涉诈".into(), None)], synonyms)
    }

    #[test]
    fn quantity_question_with_measure_word() {
        let a = analyze("拦截了多少涉诈电话", &lexicon());
        assert!(a.wants_figure);
        let words: Vec<_> = a.terms.iter().map(|t| t.text.as_str()).collect();
        assert_eq!(words, ["拦截", "涉诈", "电话"]);
        let a = analyze("抓获犯罪嫌疑人多少名", &lexicon());
        assert_eq!(a.unit, Some(UnitClass::People));
        let a = analyze("银行账户涉诈金额下降了百分之几", &lexicon());
        assert_eq!(a.unit, Some(UnitClass::Percent));
        assert!(a.wants_figure);
        let a = analyze("被骗了多少钱", &lexicon());
        assert_eq!(a.unit, Some(UnitClass::Money));
        let a = analyze("北京有多少人口", &lexicon());
        assert_eq!(a.unit, None);
        assert!(a.terms.iter().any(|t| t.text == "人口"));
    }

    #[test]
    fn trend_words_ask_for_the_series_and_are_not_searched() {
        for question in [
            "历年拦截涉诈电话",
            "这几年拦截了多少涉诈电话",
            "拦截涉诈电话的变化",
            "拦截涉诈电话趋势",
            "每年拦截多少涉诈电话",
            "涉诈电话逐年拦截",
        ] {
            let a = analyze(question, &lexicon());
            assert!(a.trend && a.wants_figure, "{question}");
            assert!(
                a.terms
                    .iter()
                    .all(|t| !["历年", "几年", "变化", "趋势", "每年", "逐年"]
                        .contains(&t.text.as_str())),
                "{question}: {:?}",
                a.terms
            );
            assert!(a.terms.iter().any(|t| t.text == "涉诈"), "{question}");
        }
        assert!(!analyze("拦截了多少涉诈电话", &lexicon()).trend);
    }

    #[test]
    fn a_change_asked_without_a_measure_word_wants_a_percentage() {
        let lexicon = Lexicon::new(&[], Synonyms::default());
        let analysis = analyze("破案数同比上升了多少", &lexicon);
        assert_eq!(analysis.unit, Some(UnitClass::Percent));
        let analysis = analyze("抓获人数增加了多少人", &lexicon);
        assert_eq!(analysis.unit, Some(UnitClass::People));
        // Also when it names what is counted: the count is what changed.
        let analysis = analyze("起诉人数同比上升多少", &lexicon);
        assert_eq!(analysis.unit, Some(UnitClass::Percent));
        let analysis = analyze("起诉人数是多少", &lexicon);
        assert_eq!(analysis.unit, Some(UnitClass::People));
    }

    #[test]
    fn synonyms_and_years() {
        let a = analyze("2021年骗子电话有多少", &lexicon());
        assert_eq!(a.period.as_deref(), Some("2021年"));
        let scam = a.terms.iter().find(|t| t.text == "骗子").unwrap();
        let finders = TermFinders::new(std::slice::from_ref(scam));
        assert!(finders.found(0, "拦截涉诈电话"));
        assert!(!finders.found(0, "今天天气不错"));
        assert!(!finders.found(1, "拦截涉诈电话"), "no such term");
        assert!(finders.found_in("拦截涉诈电话").contains(0));
        assert_eq!(finders.found_in("今天天气不错"), TermSet::default());
    }

    #[test]
    fn a_change_asked_has_a_direction() {
        let lexicon = Lexicon::new(&[], Synonyms::default());
        assert_eq!(
            analyze("破案数同比上升了多少", &lexicon).direction,
            Some(Direction::Up)
        );
        assert_eq!(
            analyze("立案数下降了多少", &lexicon).direction,
            Some(Direction::Down)
        );
        assert_eq!(analyze("拦截了多少涉诈电话", &lexicon).direction, None);
        assert_eq!(Direction::of("涨跌"), None);
    }

    #[test]
    fn advice_cues_weigh_less_than_the_subject_and_fillers_nothing() {
        let a = analyze("我妈被骗了怎么办", &lexicon());
        assert!(a.terms.iter().all(|t| t.text != "我妈"), "{:?}", a.terms);
        let cue = a.terms.iter().find(|t| t.text == "怎么办").unwrap();
        assert_eq!(cue.weight, 0.5);
        let a = analyze("网购退款电话是真的吗", &lexicon());
        assert!(a.terms.iter().all(|t| t.text != "真的"), "{:?}", a.terms);
    }

    #[test]
    fn a_verb_with_an_aspect_particle_is_also_searched_as_the_verb() {
        let a = analyze("断卡会议纪要发了几次", &lexicon());
        let sent = a.terms.iter().find(|t| t.text == "发了").unwrap();
        assert!(sent.alternatives.contains(&"发".to_string()), "{sent:?}");
        let a = analyze(
            "拦了多少电话",
            &Lexicon::new(&[], Synonyms::parse("拦截 拦了").0),
        );
        let intercepted = a.terms.iter().find(|t| t.text == "拦了").unwrap();
        assert_eq!(intercepted.alternatives, ["拦截"], "a synonym as written");
    }

    #[test]
    fn a_measure_word_glued_to_the_next_word_is_the_unit_and_the_rest_a_word() {
        let words = lexicon().words("清理了多少张高危电话卡");
        assert!(words.contains(&"张高危"), "jieba glues them: {words:?}");
        let a = analyze("清理了多少张高危电话卡", &lexicon());
        assert_eq!(a.unit, Some(UnitClass::Items));
        let texts: Vec<&str> = a.terms.iter().map(|t| t.text.as_str()).collect();
        assert!(texts.contains(&"高危"), "{texts:?}");
        assert!(!texts.iter().any(|t| t.starts_with('张')), "{texts:?}");
        // A word of the language keeps its first character.
        let a = analyze("骗走了多少人民币", &lexicon());
        assert!(a.terms.iter().any(|t| t.text == "人民币"), "{:?}", a.terms);
    }

    #[test]
    fn a_made_up_word_the_articles_never_use_is_searched_as_the_word_inside_it() {
        let lexicon = lexicon();
        let mut a = analyze("一个人最多能办几张手机卡", &lexicon);
        assert!(a.terms.iter().any(|t| t.text == "最多能"), "{:?}", a.terms);
        let used = |word: &str| ["最多", "手机卡", "办", "杜航伟"].contains(&word);
        split_made_up_words(&mut a, &lexicon, used);
        let texts: Vec<&str> = a.terms.iter().map(|t| t.text.as_str()).collect();
        assert!(texts.contains(&"最多"), "{texts:?}");
        assert!(!texts.contains(&"最多能"), "{texts:?}");
        assert!(
            !texts.contains(&"能"),
            "a stopword piece is left out: {texts:?}"
        );
        // Kept whole: a made-up word the articles use, or one with no known word inside.
        let mut a = analyze("杜航伟说了什么", &lexicon);
        let before = a.terms.clone();
        split_made_up_words(&mut a, &lexicon, used);
        assert_eq!(a.terms, before);
        let mut a = analyze("帮我订一张机票", &lexicon);
        let before = a.terms.clone();
        split_made_up_words(&mut a, &lexicon, used);
        assert_eq!(a.terms, before);
    }

    #[test]
    fn plain_question_does_not_want_a_figure() {
        let a = analyze("一证通查是什么", &lexicon());
        assert!(!a.wants_figure);
        assert!(
            a.terms
                .iter()
                .any(|t| t.text.contains("一证") || t.text == "通查" || t.text == "一证通查")
        );
    }

    #[test]
    fn unit_classes() {
        assert_eq!(UnitClass::of_unit("亿元"), Some(UnitClass::Money));
        assert_eq!(UnitClass::of_unit("名"), Some(UnitClass::People));
        assert_eq!(UnitClass::of_unit("%"), Some(UnitClass::Percent));
        assert!(UnitClass::Items.accepts(Some(UnitClass::Times)));
        assert!(!UnitClass::People.accepts(Some(UnitClass::Percent)));
    }
}
