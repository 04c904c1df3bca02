//! An answer as Telegram HTML: one result per page (figure in bold, passage quoted, source),
//! the "📄 原文" paragraph view, and inline cards' titles and descriptions.

use super::html::{escape_html, truncate_html};
use crate::answer::{Answer, FigureHit, ParagraphContext, ParagraphRef, PassageHit, Source};
use crate::render::{
    QUOTE_CHARS, figure_line, leads_with_series, plain, quote, series_change, series_lines,
    series_sources, series_title, source_line,
};

/// One thing an answer can show on a page: a figure or a passage.
#[derive(Debug, Clone, Copy)]
pub enum AnswerItem<'a> {
    Figure(&'a FigureHit),
    Passage(&'a PassageHit),
}

impl AnswerItem<'_> {
    pub fn paragraph(&self) -> ParagraphRef {
        match self {
            AnswerItem::Figure(figure) => figure.paragraph,
            AnswerItem::Passage(passage) => passage.paragraph,
        }
    }

    pub fn source(&self) -> &Source {
        match self {
            AnswerItem::Figure(figure) => &figure.source,
            AnswerItem::Passage(passage) => &passage.source,
        }
    }
}

/// The results of an answer in the order they are shown, one per page: figures first when the
/// question asks for a quantity, passages first otherwise. A passage is dropped when a figure
/// from the same paragraph is already listed, so paging never shows the same text twice.
pub fn answer_items(answer: &Answer) -> Vec<AnswerItem<'_>> {
    if !answer.answered {
        return Vec::new();
    }
    let figures = answer.figures.iter().map(AnswerItem::Figure);
    let passages = answer.passages.iter().map(AnswerItem::Passage);
    let ordered: Vec<AnswerItem<'_>> = if answer.wants_figure || answer.passages.is_empty() {
        figures.chain(passages).collect()
    } else {
        passages.chain(figures).collect()
    };
    let mut seen_paragraphs = Vec::new();
    let mut items = Vec::new();
    for item in ordered {
        let paragraph = item.paragraph();
        if matches!(item, AnswerItem::Passage(_)) && seen_paragraphs.contains(&paragraph) {
            continue;
        }
        seen_paragraphs.push(paragraph);
        items.push(item);
    }
    items
}

/// `拦截涉诈电话：<b>19.5亿次</b>（2021年）`, escaped.
pub fn figure_html(figure: &FigureHit) -> String {
    let mut line = format!(
        "{}：<b>{}</b>",
        escape_html(&figure.figure.label),
        escape_html(&figure.figure.value)
    );
    if let Some(period) = &figure.figure.period {
        line.push_str(&format!("（{}）", escape_html(period)));
    }
    line
}

/// `——《title》author 2022-04-15`, escaped.
pub fn source_html(source: &Source) -> String {
    format!("——{}", escape_html(&source_line(source)))
}

/// One result as HTML: the figure in bold, the passage as a blockquote, the source line.
pub fn item_html(item: AnswerItem<'_>) -> String {
    match item {
        AnswerItem::Figure(figure) => format!(
            "📊 {}\n<blockquote>{}</blockquote>\n{}",
            figure_html(figure),
            escape_html(&quote(&figure.figure.sentence, QUOTE_CHARS)),
            source_html(&figure.source)
        ),
        AnswerItem::Passage(passage) => format!(
            "📄 <blockquote>{}</blockquote>\n{}",
            escape_html(&quote(&passage.text, QUOTE_CHARS * 2)),
            source_html(&passage.source)
        ),
    }
}

/// One result as an inline card's message: [`item_html`] cut to one message like any other, so
/// a long title or passage never makes Telegram refuse the whole set of cards.
pub fn card_html(item: AnswerItem<'_>) -> String {
    truncate_html(&item_html(item))
}

/// A trend answer: the measure, every period's figure oldest first, the change from first to
/// last, and the sources — `📈 <b>拦截涉诈电话</b>（历年）`, escaped.
pub fn series_html(answer: &Answer) -> String {
    let series = &answer.series;
    let mut html = format!("📈 <b>{}</b>（历年）\n", escape_html(&series_title(series)));
    for line in series_lines(series) {
        html.push_str(&escape_html(&line));
        html.push('\n');
    }
    if let Some(change) = series_change(series) {
        html.push_str(&format!("变化：<b>{}</b>\n", escape_html(&change)));
    }
    for source in series_sources(series) {
        html.push_str(&format!("{}\n", source_html(source)));
    }
    html.trim_end().to_string()
}

/// A rendered answer page: the HTML text (within [`MESSAGE_LIMIT`](super::html::MESSAGE_LIMIT)) and which buttons apply.
#[derive(Debug, Clone, PartialEq)]
pub struct AnswerPage {
    pub html: String,
    /// The paragraph the "📄 原文" button opens; `None` when nothing was found.
    pub paragraph: Option<ParagraphRef>,
    /// The page "🔎 更多" leads to, if there are more results.
    pub next_page: Option<u8>,
    /// Whether the "📈 图表" button applies: the answer has a series and does not lead with its
    /// chart already.
    pub chart: bool,
}

/// Renders page `page` (0 = best result) of an answer. Past the last page, the last one is shown.
pub fn answer_page(answer: &Answer, page: u8) -> AnswerPage {
    let items = answer_items(answer);
    let Some(last) = items.len().checked_sub(1) else {
        return AnswerPage {
            html: truncate_html(&escape_html(&plain(answer))),
            paragraph: None,
            next_page: None,
            chart: false,
        };
    };
    // A trend answer is one page (it may be a photo's caption, which "🔎 更多" cannot edit).
    if leads_with_series(answer) {
        return AnswerPage {
            html: truncate_html(&series_html(answer)),
            paragraph: answer.series.last().map(|point| point.paragraph),
            next_page: None,
            chart: false,
        };
    }
    let index = usize::from(page).min(last);
    let item = items[index];
    let mut html = item_html(item);
    if index > 0 {
        html = format!("🔎 第 {}/{} 条\n{}", index + 1, items.len(), html);
    }
    let next_page = (index < last)
        .then(|| u8::try_from(index + 1).ok())
        .flatten();
    AnswerPage {
        html: truncate_html(&html),
        paragraph: Some(item.paragraph()),
        next_page,
        chart: !answer.series.is_empty(),
    }
}

/// The "📄 原文" view: the section, the paragraph whole (in a blockquote) between its
/// neighbours, and the source. May be longer than one message: send it through [`split_html`](super::html::split_html).
pub fn paragraph_html(context: &ParagraphContext) -> String {
    let mut html = String::new();
    if let Some(section) = &context.section {
        html.push_str(&format!("<b>{}</b>\n", escape_html(section)));
    }
    if let Some(before) = &context.before {
        html.push_str(&format!("{}\n", escape_html(before)));
    }
    html.push_str(&format!(
        "<blockquote>{}</blockquote>\n",
        escape_html(&context.paragraph)
    ));
    if let Some(after) = &context.after {
        html.push_str(&format!("{}\n", escape_html(after)));
    }
    html.push_str(&source_html(&context.source));
    html
}

/// The title of an inline answer card: the figure line, or the start of the passage.
pub fn card_title(item: AnswerItem<'_>) -> String {
    match item {
        AnswerItem::Figure(figure) => figure_line(figure),
        AnswerItem::Passage(passage) => quote(&passage.text, 40),
    }
}

/// The grey line under an inline card's title: the passage and its source, short.
pub fn card_description(item: AnswerItem<'_>) -> String {
    let text = match item {
        AnswerItem::Figure(figure) => &figure.figure.sentence,
        AnswerItem::Passage(passage) => &passage.text,
    };
    format!("{} ——{}", quote(text, 60), source_line(item.source()))
}

#[cfg(test)]
pub(super) mod tests {
    use super::*;
    use crate::figures::Figure;

    pub(crate) fn source() -> Source {
        Source {
            title: "打击<治理>电信网络诈骗".into(),
            author: Some("新华社".into()),
            path: "a.md".into(),
            date: chrono::NaiveDate::from_ymd_opt(2022, 4, 15),
        }
    }

    pub(crate) fn paragraph(n: u32) -> ParagraphRef {
        ParagraphRef {
            doc_key: 0xa1b2_c3d4,
            paragraph: n,
        }
    }

    pub(crate) fn figure(value: &str, n: u32) -> FigureHit {
        FigureHit {
            figure: Figure {
                value: value.into(),
                number: 19.5,
                unit: "亿次".into(),
                qualifier: None,
                label: "拦截涉诈电话".into(),
                period: Some("2021年".into()),
                sentence: "拦截涉诈电话19.5亿次 & <更多>。".into(),
            },
            source: source(),
            paragraph: paragraph(n),
            score: 1.0,
            measure: "拦截涉诈电话".into(),
        }
    }

    pub(crate) fn passage(text: &str, n: u32) -> PassageHit {
        PassageHit {
            text: text.into(),
            score: 1.0,
            title: source().title,
            path: "a.md".into(),
            date: source().date,
            section: None,
            source: source(),
            paragraph: paragraph(n),
        }
    }

    #[test]
    fn a_card_is_cut_to_one_message_with_its_tags_closed() {
        let mut long = figure("19.5亿次", 0);
        long.source.title = "超长标题".repeat(1500);
        long.figure.sentence = "拦截涉诈电话".repeat(100);
        let whole = item_html(AnswerItem::Figure(&long));
        assert!(whole.chars().count() > super::super::html::MESSAGE_LIMIT);
        let card = card_html(AnswerItem::Figure(&long));
        assert!(card.chars().count() <= super::super::html::MESSAGE_LIMIT);
        assert!(
            card.starts_with("📊 拦截涉诈电话：<b>19.5亿次</b>"),
            "{card}"
        );
        for tag in ["b", "blockquote"] {
            assert_eq!(
                card.matches(&format!("<{tag}>")).count(),
                card.matches(&format!("</{tag}>")).count(),
                "{tag}"
            );
        }
        let short = figure("19.5亿次", 0);
        assert_eq!(
            card_html(AnswerItem::Figure(&short)),
            item_html(AnswerItem::Figure(&short))
        );
    }

    pub(crate) fn answer(figures: Vec<FigureHit>, passages: Vec<PassageHit>) -> Answer {
        Answer {
            question: "拦截了多少涉诈电话".into(),
            answered: true,
            wants_figure: true,
            confidence: 1.0,
            figures,
            passages,
            suggestions: Vec::new(),
            missing_period: None,
            trend: false,
            series: Vec::new(),
        }
    }

    #[test]
    fn figure_page_has_bold_figure_blockquote_and_escaped_source() {
        let answer = answer(vec![figure("19.5亿次", 3)], vec![passage("另一段", 4)]);
        let page = answer_page(&answer, 0);
        assert!(
            page.html
                .contains("拦截涉诈电话：<b>19.5亿次</b>（2021年）")
        );
        assert!(
            page.html
                .contains("<blockquote>拦截涉诈电话19.5亿次 &amp; &lt;更多&gt;。</blockquote>")
        );
        assert!(
            page.html
                .contains("——《打击&lt;治理&gt;电信网络诈骗》新华社 2022-04-15")
        );
        assert_eq!(page.paragraph, Some(paragraph(3)));
        assert_eq!(page.next_page, Some(1));
        let second = answer_page(&answer, 1);
        assert!(second.html.starts_with("🔎 第 2/2 条"));
        assert!(second.html.contains("<blockquote>另一段</blockquote>"));
        assert_eq!(second.next_page, None);
    }

    #[test]
    fn passage_from_a_listed_figures_paragraph_is_not_repeated() {
        let answer = answer(vec![figure("19.5亿次", 3)], vec![passage("同一段", 3)]);
        assert_eq!(answer_items(&answer).len(), 1);
    }
}
