//! Figure extraction: every quantity in a paragraph — its value as written, number, unit,
//! qualifier, a label saying what it counts, and the period it refers to.
//!
//! The work is split by question: `quantity` finds the numbers that are quantities (and not
//! dates or identifiers), `label` says what each one counts, `period` says when. This module
//! cuts the paragraph into sentences and puts the answers together. Everything here is linear in
//! the paragraph's length and compiles its patterns once, because the engine runs it over every
//! paragraph of the knowledge folder at index time.

mod date;
mod label;
mod period;
mod quantity;

pub use date::date_figure;
pub use label::{is_change_word, reads_as_measure, same_measure};
pub use period::{
    PeriodFit, PeriodSpan, YearSet, asked_period, campaign_year, period_span, without_periods,
};

use chrono::NaiveDate;

use crate::normalize::to_simplified;

/// One quantity found in the text.
#[derive(Debug, Clone, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct Figure {
    /// The value as written, qualifier and unit included: "19.5亿次", "9700多万张", "近4万人", "92%".
    pub value: String,
    /// The number it stands for: 1.95e9 for "19.5亿次", 92 for "92%".
    pub number: f64,
    /// The unit after the number and its scale ("次", "元", "%"), empty when there is none.
    pub unit: String,
    /// 多 / 余 / 近 / 约 / 超 …, when the value is approximate.
    pub qualifier: Option<String>,
    /// What it counts, e.g. "拦截涉诈电话".
    pub label: String,
    /// The period it refers to, e.g. "2021年", with relative periods resolved against the article date.
    pub period: Option<String>,
    /// The sentence the figure stands in (in answers: the passage it is quoted from).
    #[serde(rename = "passage")]
    pub sentence: String,
}

impl Figure {
    /// The months the figure holds for: its period's span, except that a running total compared
    /// with the year before ("截至2022年11月底，共破获案件39.1万起，同比上升5.7%") is a count
    /// since January of that year — a total since records began has no "same period last year".
    pub fn span(&self) -> Option<PeriodSpan> {
        let span = period_span(self.period.as_deref()?)?;
        if span.start.is_none() && self.sentence.contains("同比") {
            return Some(PeriodSpan {
                start: Some(span.end / 12 * 12),
                end: span.end,
            });
        }
        Some(span)
    }
}

/// Extracts every figure from one paragraph. `article_date` resolves relative periods
/// ("去年", "一年来"). A period stated earlier in the paragraph holds for the figures after it.
pub fn extract_figures(paragraph: &str, article_date: Option<NaiveDate>) -> Vec<Figure> {
    extract_figures_under(paragraph, article_date, None)
}

/// [`extract_figures`] for a paragraph that continues a lead-in: `carried` is the period the
/// lead-in stated ("2024年以来，……取得以下成果：" before a list of figures), in force until the
/// paragraph states its own.
fn extract_figures_under(
    paragraph: &str,
    article_date: Option<NaiveDate>,
    carried: Option<&str>,
) -> Vec<Figure> {
    // Most paragraphs hold no number at all; they cost one pass over their characters.
    if !paragraph.chars().any(may_start_number) {
        return Vec::new();
    }
    // Units, scales and labels are recognised in simplified script ("37億次" is read as "37亿次"),
    // while values and sentences are quoted as written.
    let view = SimplifiedView::of(paragraph);
    extract_from_view(&view, article_date, carried)
}

/// The period a lead-in paragraph hands to the paragraphs that follow it: the last period it
/// states, when it ends with a colon ("2024年以来，国家反诈中心……取得以下累计成果：") — the list
/// after it counts for that period. `None` for any other paragraph.
fn lead_in_period(paragraph: &str, article_date: Option<NaiveDate>) -> Option<String> {
    let trimmed = paragraph.trim_end();
    if !trimmed.ends_with(['：', ':']) {
        return None;
    }
    let view = SimplifiedView::of(trimmed);
    let text = view.text();
    if !text.contains('年') {
        return None;
    }
    period::markers(text, article_date, &book_titles(text))
        .pop()
        .map(|marker| marker.period)
}

/// Carries a lead-in's period through the list that follows it, paragraph by paragraph: the
/// items of "2024年以来……取得以下成果：" each hold one figure of that period, and rarely repeat it.
/// The list ends at a new section, or at a paragraph too long to be one of its items.
///
/// A section heading that states a period ("各部门的2022年成绩单") leads in its whole section
/// the same way: a figure there whose own paragraph names no period before it is of that period.
#[derive(Debug, Default)]
pub struct LeadInPeriods {
    /// The lead-in's period and the section it was stated in.
    carried: Option<(String, Option<String>)>,
    /// The section last seen, and the period its heading states.
    heading: Option<(String, Option<String>)>,
}

/// The longest paragraph, in characters, still read as an item of the list a lead-in opens.
const LIST_ITEM_CHARS: usize = 150;

impl LeadInPeriods {
    /// The figures of the next paragraph of an article, in order, under the period a lead-in
    /// before it stated.
    pub fn extract(
        &mut self,
        paragraph: &str,
        section: Option<&str>,
        article_date: Option<NaiveDate>,
    ) -> Vec<Figure> {
        let carried = self
            .carried
            .as_ref()
            .filter(|(_, opened_in)| opened_in.as_deref() == section)
            .map(|(period, _)| period.clone())
            .or_else(|| self.heading_period(section, article_date));
        let figures = extract_figures_under(paragraph, article_date, carried.as_deref());
        self.carried = match lead_in_period(paragraph, article_date) {
            Some(period) => Some((period, section.map(str::to_owned))),
            None if carried.is_some() && paragraph.chars().count() <= LIST_ITEM_CHARS => {
                self.carried.take()
            }
            None => None,
        };
        figures
    }
}

impl LeadInPeriods {
    /// The period `section`'s heading states (its last period phrase), read once per section.
    fn heading_period(
        &mut self,
        section: Option<&str>,
        article_date: Option<NaiveDate>,
    ) -> Option<String> {
        let section = section?;
        let stale = self
            .heading
            .as_ref()
            .is_none_or(|(heading, _)| heading != section);
        if stale {
            let view = SimplifiedView::of(section);
            let text = view.text();
            let period = text
                .contains('年')
                .then(|| period::markers(text, article_date, &book_titles(text)).pop())
                .flatten()
                .map(|marker| marker.period);
            self.heading = Some((section.to_owned(), period));
        }
        self.heading.as_ref().and_then(|(_, period)| period.clone())
    }
}

/// [`extract_figures`] on a paragraph already seen in simplified script.
fn extract_from_view(
    view: &SimplifiedView<'_>,
    article_date: Option<NaiveDate>,
    carried: Option<&str>,
) -> Vec<Figure> {
    let paragraph = view.text();
    let titles = book_titles(paragraph);
    // Every period phrase, explicit or relative, is written with 年.
    let mut periods = if paragraph.contains('年') {
        period::markers(paragraph, article_date, &titles)
    } else {
        Vec::new()
    };
    let campaigns = period::campaign_markers(paragraph, article_date, &periods);
    if !campaigns.is_empty() {
        periods.extend(campaigns);
        periods.sort_by_key(|marker| marker.start);
    }
    let mut figures = Vec::new();
    // Figures come in text order, so the period in force only ever moves forward.
    let mut period: Option<&str> = carried;
    let mut next_marker = periods.iter().peekable();
    for (offset, sentence) in sentences(paragraph) {
        if !sentence.chars().any(may_start_number) {
            continue;
        }
        let skip: Vec<(usize, usize)> = titles
            .iter()
            .filter(|&&(start, end)| start < offset + sentence.len() && offset < end)
            .map(|&(start, end)| {
                (
                    start.saturating_sub(offset),
                    (end - offset).min(sentence.len()),
                )
            })
            .collect();
        let quantities = quantity::scan(sentence, &skip);
        if quantities.is_empty() {
            continue;
        }
        let labels = label::label_sentence(sentence, &quantities);
        let listed = listed_periods(sentence, offset, &periods, &quantities);
        let first_of_sentence = figures.len();
        for (quantity, label) in quantities.into_iter().zip(labels) {
            let at = offset + quantity.start;
            while let Some(marker) = next_marker.next_if(|marker| marker.start < at) {
                period = Some(&marker.period);
            }
            figures.push(Figure {
                value: view
                    .original(offset + quantity.start, offset + quantity.end)
                    .to_owned(),
                number: quantity.number,
                unit: quantity.unit,
                qualifier: quantity.qualifier,
                label,
                period: period.map(str::to_owned),
                sentence: view.original(offset, offset + sentence.len()).to_owned(),
            });
        }
        for (figure, period) in figures[first_of_sentence..].iter_mut().zip(listed) {
            if let Some(period) = period {
                figure.period = Some(period.to_owned());
            }
        }
    }
    figures
}

/// Periods listed before "分别" and handed to the figures after it one by one: "2019年、2020年、
/// 2021年三年的起诉人数分别为3.9万人、5万人、4万人" gives 3.9万人 to 2019年, not to the last
/// year named. One entry per quantity of the sentence (`None`: the period in force applies),
/// or none when the sentence lists no periods that way or fewer figures follow than periods.
fn listed_periods<'p>(
    sentence: &str,
    offset: usize,
    periods: &'p [period::PeriodMarker],
    quantities: &[quantity::Quantity],
) -> Vec<Option<&'p str>> {
    let Some(respectively) = sentence.find("分别") else {
        return Vec::new();
    };
    // The run of periods that ends last before 分别, joined by list words only.
    let in_sentence: Vec<&period::PeriodMarker> = periods
        .iter()
        .filter(|m| m.start >= offset && m.end <= offset + respectively)
        .collect();
    let mut run: Vec<&period::PeriodMarker> = Vec::new();
    for marker in in_sentence {
        let joined = run.last().is_some_and(|last| {
            let between = &sentence[last.end - offset..marker.start - offset];
            !between.is_empty()
                && between
                    .chars()
                    .all(|c| matches!(c, '、' | '，' | ',' | '和' | '及' | '与' | ' '))
        });
        if !joined {
            run.clear();
        }
        run.push(marker);
    }
    let after: Vec<usize> = quantities
        .iter()
        .enumerate()
        .filter(|(_, q)| q.start > respectively)
        .map(|(i, _)| i)
        .collect();
    if run.len() < 2 || after.len() < run.len() {
        return Vec::new();
    }
    let mut listed = vec![None; quantities.len()];
    for (&index, marker) in after.iter().zip(&run) {
        listed[index] = Some(marker.period.as_str());
    }
    listed
}

/// A paragraph in simplified script, with the way back to the text as written. Traditional
/// script converts character for character, so a position in the simplified text is a position
/// in the original one.
struct SimplifiedView<'a> {
    original: &'a str,
    /// The simplified text, when it differs from the original.
    simplified: Option<Simplified>,
}

struct Simplified {
    text: String,
    /// The byte offset of every character of `text`, and of its end.
    starts: Vec<usize>,
    /// The byte offset of the same character in the original, and of its end.
    original_starts: Vec<usize>,
}

impl<'a> SimplifiedView<'a> {
    fn of(original: &'a str) -> Self {
        let converted = to_simplified(original);
        if converted == original {
            return Self {
                original,
                simplified: None,
            };
        }
        // Phrase conversions may change the length; then convert character by character.
        let text = if converted.chars().count() == original.chars().count() {
            converted
        } else {
            original
                .chars()
                .map(|c| {
                    let one = to_simplified(c.encode_utf8(&mut [0; 4]));
                    let mut chars = one.chars();
                    match (chars.next(), chars.next()) {
                        (Some(simple), None) => simple,
                        _ => c,
                    }
                })
                .collect()
        };
        let offsets = |s: &str| -> Vec<usize> {
            s.char_indices()
                .map(|(at, _)| at)
                .chain(std::iter::once(s.len()))
                .collect()
        };
        Self {
            original,
            simplified: Some(Simplified {
                starts: offsets(&text),
                original_starts: offsets(original),
                text,
            }),
        }
    }

    /// The text to read figures from.
    fn text(&self) -> &str {
        self.simplified.as_ref().map_or(self.original, |s| &s.text)
    }

    /// The original text of the byte range `start..end` of [`Self::text`].
    fn original(&self, start: usize, end: usize) -> &'a str {
        let Some(simplified) = &self.simplified else {
            return &self.original[start..end];
        };
        let at = |offset: usize| {
            let index = simplified
                .starts
                .binary_search(&offset)
                .unwrap_or_else(|insert| insert);
            simplified.original_starts[index.min(simplified.original_starts.len() - 1)]
        };
        &self.original[at(start)..at(end)]
    }
}

/// Whether a character can begin a quantity: a digit or a Chinese numeral.
fn may_start_number(c: char) -> bool {
    matches!(
        c,
        '0'..='9' | '０'..='９' | '一' | '二' | '两' | '三' | '四' | '五' | '六' | '七' | '八' | '九' | '十'
    )
}

/// Characters that end a sentence.
fn ends_sentence(c: char) -> bool {
    matches!(c, '。' | '！' | '？' | '!' | '?' | '…' | '\n')
}

/// Closing quotes and brackets that belong to the sentence they close: `…4.1万个。”`.
fn closes_quote(c: char) -> bool {
    matches!(c, '”' | '’' | '」' | '』' | '）' | ')' | '"')
}

/// Sentences longer than this (in bytes, about 400 Chinese characters) are not read as one:
/// they are cut at clause breaks, so a figure quotes a readable stretch of text and the work per
/// figure stays bounded on text without sentence ends.
const LONGEST_SENTENCE: usize = 1200;

/// Characters a too long sentence may be cut after.
fn breaks_clause(c: char) -> bool {
    matches!(c, '，' | ',' | '；' | ';' | '：' | ':' | '、')
}

/// Cuts `paragraph[start..end]` into pieces of at most [`LONGEST_SENTENCE`] bytes, each ending at
/// a clause break where there is one.
fn cut_long_sentence(paragraph: &str, start: usize, end: usize) -> Vec<(usize, usize)> {
    let mut pieces = Vec::new();
    let mut piece_start = start;
    while end - piece_start > LONGEST_SENTENCE {
        let mut limit = piece_start + LONGEST_SENTENCE;
        while !paragraph.is_char_boundary(limit) {
            limit -= 1;
        }
        let cut = paragraph[piece_start..limit]
            .char_indices()
            .rev()
            .find(|&(_, c)| breaks_clause(c))
            .map(|(at, c)| piece_start + at + c.len_utf8())
            .filter(|&cut| cut > piece_start)
            .unwrap_or(limit);
        // A single character wider than the limit cannot happen (chars are at most 4 bytes),
        // but never loop without progress.
        let cut = if cut > piece_start { cut } else { end };
        pieces.push((piece_start, cut));
        piece_start = cut;
    }
    pieces.push((piece_start, end));
    pieces
}

/// The paragraph's sentences with their byte offsets, trimmed, empty ones left out.
fn sentences(paragraph: &str) -> Vec<(usize, &str)> {
    let mut found = Vec::new();
    let mut push_trimmed = |start: usize, end: usize| {
        let raw = &paragraph[start..end];
        let trimmed = raw.trim_start();
        let offset = start + (raw.len() - trimmed.len());
        let trimmed = trimmed.trim_end();
        if !trimmed.is_empty() {
            found.push((offset, trimmed));
        }
    };
    let mut push = |start: usize, end: usize| {
        for (piece_start, piece_end) in cut_long_sentence(paragraph, start, end) {
            push_trimmed(piece_start, piece_end);
        }
    };
    let mut start = 0;
    let mut chars = paragraph.char_indices().peekable();
    while let Some((at, c)) = chars.next() {
        if !ends_sentence(c) {
            continue;
        }
        let mut end = at + c.len_utf8();
        while let Some(&(next_at, next)) = chars.peek() {
            if !(ends_sentence(next) || closes_quote(next)) {
                break;
            }
            end = next_at + next.len_utf8();
            chars.next();
        }
        push(start, end);
        start = end;
    }
    push(start, paragraph.len());
    found
}

/// Byte ranges of 《book titles》: numbers in them name documents, they count nothing.
fn book_titles(paragraph: &str) -> Vec<(usize, usize)> {
    let mut titles = Vec::new();
    let mut open: Option<usize> = None;
    for (at, c) in paragraph.char_indices() {
        match c {
            '《' if open.is_none() => open = Some(at),
            '》' => {
                if let Some(start) = open.take() {
                    titles.push((start, at + c.len_utf8()));
                }
            }
            _ => {}
        }
    }
    titles
}

#[cfg(test)]
mod tests {
    use super::*;

    fn seed_date() -> Option<NaiveDate> {
        NaiveDate::from_ymd_opt(2022, 4, 15)
    }

    #[test]
    fn traditional_script_figures_are_read_like_simplified_and_quoted_as_written() {
        let paragraph = "2025年，大陸公安機關攔截詐騙電話37億次、詐騙簡訊33億條，\
                         緊急止付涉案資金2,170.7萬元，偵破案件25.8萬起，7,600餘名嫌犯被押解回國。";
        let figures = extract_figures(paragraph, NaiveDate::from_ymd_opt(2026, 1, 8));
        let found: Vec<(&str, f64)> = figures
            .iter()
            .map(|f| (f.value.as_str(), f.number))
            .collect();
        assert_eq!(
            found,
            [
                ("37億次", 3.7e9),
                ("33億條", 3.3e9),
                ("2,170.7萬元", 2.1707e7),
                ("25.8萬起", 2.58e5),
                ("7,600餘名", 7600.0),
            ]
        );
        assert!(
            figures[0].label.contains("拦截诈骗电话"),
            "{:?}",
            figures[0]
        );
        assert_eq!(figures[0].period.as_deref(), Some("2025年"));
        assert!(figures[0].sentence.starts_with("2025年，大陸公安機關攔截"));
        assert_eq!(figures[4].qualifier.as_deref(), Some("余"));
    }

    #[test]
    fn periods_listed_before_respectively_go_to_the_figures_one_by_one() {
        let figures = extract_figures(
            "2021年全国检察机关起诉电信网络诈骗犯罪4万人；2019年、2020年、2021年三年的起诉人数\
             分别为3.9万人、5万人、4万人。",
            NaiveDate::from_ymd_opt(2022, 4, 14),
        );
        let periods: Vec<(&str, Option<&str>)> = figures
            .iter()
            .map(|f| (f.value.as_str(), f.period.as_deref()))
            .collect();
        assert_eq!(
            periods,
            [
                ("4万人", Some("2021年")),
                ("3.9万人", Some("2019年")),
                ("5万人", Some("2020年")),
                ("4万人", Some("2021年")),
            ]
        );
    }

    #[test]
    fn figures_in_a_campaign_count_for_the_campaign_not_the_year() {
        let paragraph = "2022年公安部开展的夏季治安打击整治“百日行动”中，反诈也是重点。\
                         负责人介绍，行动开展以来拦截诈骗电话2.8亿次、诈骗短信4亿条。";
        let figures = extract_figures(paragraph, NaiveDate::from_ymd_opt(2022, 12, 30));
        let periods: Vec<Option<&str>> = figures.iter().map(|f| f.period.as_deref()).collect();
        assert_eq!(periods, [Some("2022年“百日行动”期间"); 2]);
    }

    #[test]
    fn a_running_total_compared_with_last_year_counts_from_january() {
        let figures = extract_figures(
            "截至2022年11月底，全国共破获电信网络诈骗案件39.1万起，同比上升5.7%。\
             截至2023年12月底，累计拦截诈骗电话27.5亿次。",
            NaiveDate::from_ymd_opt(2022, 12, 30),
        );
        let january = Some(2022 * 12);
        assert_eq!(figures[0].span().unwrap().start, january);
        assert_eq!(figures[1].span().unwrap().start, january);
        assert_eq!(figures[0].span().unwrap().end, 2022 * 12 + 10);
        assert!(figures[2].span().unwrap().is_cumulative());
    }

    #[test]
    fn sentences_keep_their_closing_quotes() {
        let paragraph = "“打掉团伙1.2万个。”杜航伟说。 紧急止付3291亿元……“全国公安机关";
        let found: Vec<&str> = sentences(paragraph).into_iter().map(|(_, s)| s).collect();
        assert_eq!(
            found,
            [
                "“打掉团伙1.2万个。”",
                "杜航伟说。",
                "紧急止付3291亿元……",
                "“全国公安机关"
            ]
        );
        for (offset, sentence) in sentences(paragraph) {
            assert_eq!(&paragraph[offset..offset + sentence.len()], sentence);
        }
    }

    #[test]
    fn long_sentences_are_cut_at_clause_breaks() {
        let paragraph = "拦截涉诈电话19.5亿次、".repeat(200);
        let pieces = sentences(&paragraph);
        assert!(pieces.len() > 1);
        for (offset, piece) in &pieces {
            assert!(piece.len() <= LONGEST_SENTENCE);
            assert!(piece.ends_with('、'));
            assert_eq!(&paragraph[*offset..offset + piece.len()], *piece);
        }
        assert_eq!(extract_figures(&paragraph, None).len(), 200);
        let unbroken = "字".repeat(1000);
        let pieces = sentences(&unbroken);
        assert_eq!(
            pieces.iter().map(|(_, p)| p.len()).sum::<usize>(),
            unbroken.len()
        );
    }

    #[test]
    fn a_lead_in_period_holds_for_the_list_after_it_until_a_new_section() {
        let date = NaiveDate::from_ymd_opt(2025, 6, 16);
        let mut lead_ins = LeadInPeriods::default();
        let section = Some("防范");
        let lead_in = "公安部介绍，2024年以来，国家反诈中心取得以下累计成果：";
        assert!(lead_ins.extract(lead_in, section, date).is_empty());
        let items = [
            "拦截诈骗电话46.9亿次、诈骗短信33.7亿条；",
            "处置涉案域名网址1181万个；",
        ];
        for item in items {
            for figure in lead_ins.extract(item, section, date) {
                assert_eq!(
                    figure.period.as_deref(),
                    Some("2024年以来（截至2025年6月）"),
                    "{item}"
                );
            }
        }
        let elsewhere = lead_ins.extract("宣传月期间开展了3项活动。", Some("宣传月"), date);
        assert_eq!(elsewhere[0].period, None);
    }

    #[test]
    fn a_heading_that_states_a_period_leads_in_its_section() {
        let date = NaiveDate::from_ymd_opt(2023, 5, 31);
        let mut lead_ins = LeadInPeriods::default();
        let section = Some("各部门的2022年成绩单");
        let item = "工业和信息化部：累计拦截诈骗电话21亿次。";
        let figures = lead_ins.extract(item, section, date);
        assert_eq!(figures[0].period.as_deref(), Some("2022年"));
        // A period the paragraph states itself wins; another section has its own.
        let own = lead_ins.extract("2021年共破获案件44.1万起。", section, date);
        assert_eq!(own[0].period.as_deref(), Some("2021年"));
        let other = lead_ins.extract(item, Some("全链条打击"), date);
        assert_eq!(other[0].period, None);
    }

    #[test]
    fn a_long_paragraph_ends_the_list_a_lead_in_opened() {
        let date = NaiveDate::from_ymd_opt(2025, 6, 16);
        let mut lead_ins = LeadInPeriods::default();
        lead_ins.extract("2024年以来取得以下成果：", None, date);
        let long = "其他部门也在堵漏洞、压空间，".repeat(12) + "共开展检查5次。";
        assert!(lead_ins.extract(&long, None, date)[0].period.is_some());
        let after = lead_ins.extract("另有3名嫌疑人落网。", None, date);
        assert_eq!(after[0].period, None);
    }

    #[test]
    fn a_period_carries_over_to_later_sentences() {
        let figures = extract_figures(
            "2021年，金融系统拦截资金3291亿元。商业银行推送预警信息242.8万条。",
            seed_date(),
        );
        let periods: Vec<Option<&str>> = figures.iter().map(|f| f.period.as_deref()).collect();
        assert_eq!(periods, [Some("2021年"), Some("2021年")]);
        assert_eq!(figures[1].sentence, "商业银行推送预警信息242.8万条。");
    }

    #[test]
    fn a_figure_before_any_period_has_none() {
        let figures = extract_figures(
            "先后组织开展150次全国集群战役。一年来，共破获电信网络诈骗案件39.4万起。",
            seed_date(),
        );
        assert_eq!(figures[0].period, None);
        assert_eq!(figures[1].period.as_deref(), Some("2021年4月至2022年4月"));
    }

    #[test]
    fn numbers_in_book_titles_are_not_figures() {
        let figures = extract_figures("出台了《关于3万元以上案件的意见》，追缴5万元。", None);
        let values: Vec<&str> = figures.iter().map(|f| f.value.as_str()).collect();
        assert_eq!(values, ["5万元"]);
    }

    #[test]
    fn every_field_is_filled() {
        let figures = extract_figures("去年，全国检察机关共起诉近4万人。", seed_date());
        assert_eq!(
            figures,
            [Figure {
                value: "近4万人".into(),
                number: 4e4,
                unit: "人".into(),
                qualifier: Some("近".into()),
                label: "全国检察机关起诉".into(),
                period: Some("2021年".into()),
                sentence: "去年，全国检察机关共起诉近4万人。".into(),
            }]
        );
    }

    mod never_panics {
        use super::super::extract_figures;
        use proptest::prelude::*;

        proptest! {
            #[test]
            fn on_any_text(paragraph in any::<String>()) {
                for figure in extract_figures(&paragraph, None) {
                    prop_assert!(figure.sentence.contains(&figure.value));
                    prop_assert!(paragraph.contains(&figure.sentence));
                }
            }

            #[test]
            fn on_text_made_of_the_pieces_figures_are_made_of(
                paragraph in "[0-9０-９.．,·、，。；：“”‘’《》（）两三十百千万亿多余近约超个次元%年月日共分别同比上升连续拦截涉诈电话去年一年来和与 ]{0,80}"
            ) {
                for figure in extract_figures(&paragraph, chrono::NaiveDate::from_ymd_opt(2022, 4, 15)) {
                    prop_assert!(figure.sentence.contains(&figure.value));
                    prop_assert!(paragraph.contains(&figure.sentence));
                    prop_assert!(figure.number.is_finite());
                }
            }
        }
    }
}
