//! Telegram rendering: an answer → HTML messages (every piece of text escaped, never over
//! Telegram's 4096-character limit) and the inline keyboard under them, whose buttons carry
//! [`ButtonAction`]s encoded in at most 64 bytes of callback data.

use std::fmt;
use std::str::FromStr;

use teloxide::types::{InlineKeyboardButton, InlineKeyboardMarkup};

use crate::answer::{Answer, FigureHit, ParagraphContext, ParagraphRef, PassageHit, Source};
use crate::render::{QUOTE_CHARS, figure_line, plain, quote, source_line};

/// Telegram's limit for one message text, in characters.
pub const MESSAGE_LIMIT: usize = 4096;
/// Telegram's limit for callback data, in bytes.
pub const CALLBACK_DATA_LIMIT: usize = 64;

/// Escapes text for Telegram's HTML parse mode: `&`, `<`, `>` and `"` become entities.
pub fn escape_html(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            c => out.push(c),
        }
    }
    out
}

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
        escape_html(&figure.label),
        escape_html(&figure.value)
    );
    if let Some(period) = &figure.period {
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
            escape_html(&quote(&figure.passage, QUOTE_CHARS)),
            source_html(&figure.source)
        ),
        AnswerItem::Passage(passage) => format!(
            "📄 <blockquote>{}</blockquote>\n{}",
            escape_html(&quote(&passage.text, QUOTE_CHARS * 2)),
            source_html(&passage.source)
        ),
    }
}

/// A rendered answer page: the HTML text (within [`MESSAGE_LIMIT`]) and which buttons apply.
#[derive(Debug, Clone, PartialEq)]
pub struct AnswerPage {
    pub html: String,
    /// The paragraph the "📄 原文" button opens; `None` when nothing was found.
    pub paragraph: Option<ParagraphRef>,
    /// The page "🔎 更多" leads to, if there are more results.
    pub next_page: Option<u8>,
}

/// Renders page `page` (0 = best result) of an answer. Past the last page, the last one is shown.
pub fn answer_page(answer: &Answer, page: u8) -> AnswerPage {
    let items = answer_items(answer);
    let Some(last) = items.len().checked_sub(1) else {
        return AnswerPage {
            html: truncate_html(&escape_html(&plain(answer))),
            paragraph: None,
            next_page: None,
        };
    };
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
    }
}

/// The "📄 原文" view: the section, the paragraph whole (in a blockquote) between its
/// neighbours, and the source. May be longer than one message: send it through [`split_html`].
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

/// What a button under an answer does, as carried in its callback data.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ButtonAction {
    /// "📄 原文": show the whole paragraph with its neighbours.
    Paragraph(ParagraphRef),
    /// "🔎 更多": show page `page` of the answer to question `question`.
    More { question: u64, page: u8 },
    /// "👍" / "👎" on the answer to question `question`.
    Vote { question: u64, helpful: bool },
}

impl fmt::Display for ButtonAction {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            ButtonAction::Paragraph(paragraph) => write!(f, "p:{paragraph}"),
            ButtonAction::More { question, page } => write!(f, "m:{question:x}:{page}"),
            ButtonAction::Vote { question, helpful } => {
                write!(f, "v:{question:x}:{}", if *helpful { "u" } else { "d" })
            }
        }
    }
}

/// Callback data that is not a [`ButtonAction`] (from an old version, or forged).
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("unknown button data {0:?}")]
pub struct UnknownButton(pub String);

impl FromStr for ButtonAction {
    type Err = UnknownButton;

    fn from_str(data: &str) -> Result<Self, UnknownButton> {
        let unknown = || UnknownButton(data.chars().take(CALLBACK_DATA_LIMIT).collect());
        let (kind, rest) = data.split_once(':').ok_or_else(unknown)?;
        let question_and = |rest: &str| -> Option<(u64, String)> {
            let (question, tail) = rest.split_once(':')?;
            Some((u64::from_str_radix(question, 16).ok()?, tail.to_string()))
        };
        let action = match kind {
            "p" => rest.parse().ok().map(ButtonAction::Paragraph),
            "m" => question_and(rest).and_then(|(question, page)| {
                Some(ButtonAction::More {
                    question,
                    page: page.parse().ok()?,
                })
            }),
            "v" => question_and(rest).and_then(|(question, verdict)| match verdict.as_str() {
                "u" => Some(ButtonAction::Vote {
                    question,
                    helpful: true,
                }),
                "d" => Some(ButtonAction::Vote {
                    question,
                    helpful: false,
                }),
                _ => None,
            }),
            _ => None,
        };
        action.ok_or_else(unknown)
    }
}

/// The keyboard under an answer page: "📄 原文" and "🔎 更多" when they apply, then 👍 / 👎.
pub fn answer_keyboard(question: u64, page: &AnswerPage) -> InlineKeyboardMarkup {
    let button = |text: &str, action: ButtonAction| {
        InlineKeyboardButton::callback(text.to_string(), action.to_string())
    };
    let mut first_row = Vec::new();
    if let Some(paragraph) = page.paragraph {
        first_row.push(button("📄 原文", ButtonAction::Paragraph(paragraph)));
    }
    if let Some(next) = page.next_page {
        first_row.push(button(
            "🔎 更多",
            ButtonAction::More {
                question,
                page: next,
            },
        ));
    }
    let votes = vec![
        button(
            "👍",
            ButtonAction::Vote {
                question,
                helpful: true,
            },
        ),
        button(
            "👎",
            ButtonAction::Vote {
                question,
                helpful: false,
            },
        ),
    ];
    let rows = if first_row.is_empty() {
        vec![votes]
    } else {
        vec![first_row, votes]
    };
    InlineKeyboardMarkup::new(rows)
}

/// A piece of HTML that must not be cut: a tag, an entity, or one character.
#[derive(Debug, Clone, Copy, PartialEq)]
enum Atom<'a> {
    Open { name: &'a str, raw: &'a str },
    Close { name: &'a str, raw: &'a str },
    Text(&'a str),
}

impl<'a> Atom<'a> {
    fn raw(&self) -> &'a str {
        match self {
            Atom::Open { raw, .. } | Atom::Close { raw, .. } | Atom::Text(raw) => raw,
        }
    }
}

/// Cuts HTML (as this module writes it) into atoms. A stray `<` or `&` is taken as text.
fn atoms(html: &str) -> Vec<Atom<'_>> {
    let mut out = Vec::new();
    let mut rest = html;
    while let Some(c) = rest.chars().next() {
        let atom_len = match c {
            '<' => rest.find('>').map(|end| end + 1),
            '&' => rest
                .find(';')
                .filter(|&end| end <= 8 && !rest[1..end].contains(['<', '&', ' '])),
            _ => None,
        }
        .map(|end| end + usize::from(c == '&'))
        .unwrap_or(c.len_utf8());
        let raw = &rest[..atom_len];
        let atom = if c == '<' && atom_len > 1 {
            let inner = raw[1..raw.len() - 1].trim();
            if let Some(name) = inner.strip_prefix('/') {
                Atom::Close {
                    name: name.trim(),
                    raw,
                }
            } else {
                let name = inner.split_whitespace().next().unwrap_or(inner);
                Atom::Open { name, raw }
            }
        } else {
            Atom::Text(raw)
        };
        out.push(atom);
        rest = &rest[atom_len..];
    }
    out
}

/// Splits HTML into messages of at most `limit` characters each, cutting only between
/// characters and outside tags and entities. A tag open at a cut is closed at the end of one
/// part and reopened at the start of the next, so every part is well-formed on its own.
/// Prefers to cut after a line break in the last quarter of a part.
pub fn split_html(html: &str, limit: usize) -> Vec<String> {
    // The longest reopened prefix and closing suffix must leave room for text.
    let limit = limit.max(64);
    let mut parts = Vec::new();
    let mut current: Vec<Atom<'_>> = Vec::new();
    let mut open: Vec<Atom<'_>> = Vec::new();
    let chars =
        |atoms: &[Atom<'_>]| -> usize { atoms.iter().map(|a| a.raw().chars().count()).sum() };
    let closing = |open: &[Atom<'_>]| -> String {
        open.iter()
            .rev()
            .map(|a| match a {
                Atom::Open { name, .. } => format!("</{name}>"),
                _ => String::new(),
            })
            .collect()
    };
    for atom in atoms(html) {
        let mut open_after = open.clone();
        match atom {
            Atom::Open { .. } => open_after.push(atom),
            Atom::Close { name, .. } => {
                if let Some(at) = open_after
                    .iter()
                    .rposition(|a| matches!(a, Atom::Open { name: n, .. } if *n == name))
                {
                    open_after.truncate(at);
                }
            }
            Atom::Text(_) => {}
        }
        // Cut before this atom if it does not fit; a second cut (after a carry-over that still
        // does not fit) keeps nothing back, so the loop always ends.
        let mut may_carry = true;
        while chars(&current) + atom.raw().chars().count() + closing(&open_after).chars().count()
            > limit
            && current.iter().any(|a| matches!(a, Atom::Text(_)))
        {
            let keep = if may_carry {
                cut_point(&current)
            } else {
                current.len()
            };
            may_carry = false;
            let carried: Vec<Atom<'_>> = current.drain(keep..).collect();
            let open_at_cut = open_at(&open, &carried);
            let mut part: String = current.iter().map(Atom::raw).collect();
            part.push_str(&closing(&open_at_cut));
            parts.push(part);
            current = open_at_cut;
            current.extend(carried);
        }
        current.push(atom);
        open = open_after;
    }
    parts.push(current.iter().map(Atom::raw).collect());
    // A part of tags and blanks only would be an empty message, which Telegram refuses.
    parts.retain(|part| {
        atoms(part)
            .iter()
            .any(|a| matches!(a, Atom::Text(t) if !t.trim().is_empty()))
    });
    parts
}

/// Where to cut a full part: after its last line break if that is in the last quarter, else at
/// the end. Returns the number of atoms kept.
fn cut_point(current: &[Atom<'_>]) -> usize {
    let last_quarter = current.len() - current.len() / 4;
    match current.iter().rposition(|a| *a == Atom::Text("\n")) {
        Some(at) if at + 1 >= last_quarter => at + 1,
        _ => current.len(),
    }
}

/// The tags open at a cut, given the tags open after the atoms carried past it: the carried
/// atoms' own opens and closes are undone.
fn open_at<'a>(open_now: &[Atom<'a>], carried: &[Atom<'a>]) -> Vec<Atom<'a>> {
    let mut open = open_now.to_vec();
    for atom in carried.iter().rev() {
        match atom {
            Atom::Open { .. } => {
                open.pop();
            }
            Atom::Close { name, .. } => open.push(Atom::Open {
                name,
                raw: reopen_raw(name),
            }),
            Atom::Text(_) => {}
        }
    }
    open
}

/// The opening tag for a closing tag met while undoing a cut (only tags this module writes).
fn reopen_raw(name: &str) -> &'static str {
    match name {
        "b" => "<b>",
        "i" => "<i>",
        "code" => "<code>",
        "pre" => "<pre>",
        _ => "<blockquote>",
    }
}

/// The first part of [`split_html`]: for messages that must stay one message (edited pages).
pub fn truncate_html(html: &str) -> String {
    split_html(html, MESSAGE_LIMIT)
        .into_iter()
        .next()
        .unwrap_or_default()
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
        AnswerItem::Figure(figure) => &figure.passage,
        AnswerItem::Passage(passage) => &passage.text,
    };
    format!("{} ——{}", quote(text, 60), source_line(item.source()))
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    fn source() -> Source {
        Source {
            title: "打击<治理>电信网络诈骗".into(),
            author: Some("新华社".into()),
            path: "a.md".into(),
            date: chrono::NaiveDate::from_ymd_opt(2022, 4, 15),
        }
    }

    fn paragraph(n: u32) -> ParagraphRef {
        ParagraphRef {
            doc_key: 0xa1b2_c3d4,
            paragraph: n,
        }
    }

    fn figure(value: &str, n: u32) -> FigureHit {
        FigureHit {
            value: value.into(),
            number: 19.5,
            unit: "亿次".into(),
            qualifier: None,
            label: "拦截涉诈电话".into(),
            period: Some("2021年".into()),
            passage: "拦截涉诈电话19.5亿次 & <更多>。".into(),
            source: source(),
            paragraph: paragraph(n),
            score: 1.0,
        }
    }

    fn passage(text: &str, n: u32) -> PassageHit {
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

    fn answer(figures: Vec<FigureHit>, passages: Vec<PassageHit>) -> Answer {
        Answer {
            question: "拦截了多少涉诈电话".into(),
            answered: true,
            wants_figure: true,
            confidence: 1.0,
            figures,
            passages,
            suggestions: Vec::new(),
        }
    }

    #[test]
    fn escape_html_escapes_markup_and_keeps_the_rest() {
        assert_eq!(
            escape_html(r#"<b>"x" & y</b> 反诈 🚨"#),
            "&lt;b&gt;&quot;x&quot; &amp; y&lt;/b&gt; 反诈 🚨"
        );
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

    #[test]
    fn unanswered_page_has_no_buttons_but_votes() {
        let mut answer = answer(Vec::new(), Vec::new());
        answer.answered = false;
        answer.suggestions = vec!["拦截<涉诈>电话有多少？".into()];
        let page = answer_page(&answer, 0);
        assert!(page.html.contains("拦截&lt;涉诈&gt;电话有多少？"));
        assert_eq!(page.paragraph, None);
        let keyboard = answer_keyboard(7, &page);
        assert_eq!(keyboard.inline_keyboard.len(), 1);
    }

    #[test]
    fn button_actions_round_trip_within_64_bytes() {
        let actions = [
            ButtonAction::Paragraph(ParagraphRef {
                doc_key: u32::MAX,
                paragraph: u32::MAX,
            }),
            ButtonAction::More {
                question: u64::MAX,
                page: u8::MAX,
            },
            ButtonAction::Vote {
                question: u64::MAX,
                helpful: false,
            },
            ButtonAction::Vote {
                question: 0,
                helpful: true,
            },
        ];
        for action in actions {
            let data = action.to_string();
            assert!(data.len() <= CALLBACK_DATA_LIMIT, "{data}");
            assert_eq!(data.parse::<ButtonAction>(), Ok(action));
        }
        for bad in [
            "",
            "x",
            "p:zz",
            "m:1",
            "m:1:x",
            "v:1:x",
            "q:1:1",
            "m:ffffffffffffffffff:1",
        ] {
            assert!(bad.parse::<ButtonAction>().is_err(), "{bad}");
        }
    }

    #[test]
    fn split_reopens_tags_across_parts() {
        let html = format!(
            "<b>x</b>\n<blockquote>{}</blockquote>\n尾",
            "诈".repeat(300)
        );
        let parts = split_html(&html, 100);
        assert!(parts.len() > 3);
        for part in &parts {
            assert!(part.chars().count() <= 100, "{part}");
            assert_eq!(
                part.matches("<blockquote>").count(),
                part.matches("</blockquote>").count()
            );
        }
        let text: String = parts
            .concat()
            .replace("<blockquote>", "")
            .replace("</blockquote>", "");
        assert_eq!(text, format!("<b>x</b>\n{}\n尾", "诈".repeat(300)));
    }

    #[test]
    fn split_never_cuts_an_entity() {
        let html = "&amp;".repeat(100);
        for part in split_html(&html, 64) {
            assert!(part.chars().count() <= 64);
            assert_eq!(part.len() % 5, 0, "{part}");
        }
    }

    proptest! {
        #[test]
        fn escaped_text_has_no_markup(text in any::<String>()) {
            let escaped = escape_html(&text);
            prop_assert!(!escaped.contains(['<', '>', '"']));
            let unescaped = escaped
                .replace("&lt;", "<")
                .replace("&gt;", ">")
                .replace("&quot;", "\"")
                .replace("&amp;", "&");
            prop_assert_eq!(unescaped, text);
        }

        #[test]
        fn split_parts_fit_and_keep_all_text(text in any::<String>(), limit in 64usize..400) {
            let html = format!("📊 <b>{}</b>\n<blockquote>{}</blockquote>", escape_html(&text), escape_html(&text));
            let parts = split_html(&html, limit);
            for part in &parts {
                prop_assert!(part.chars().count() <= limit);
                prop_assert_eq!(part.matches("<b>").count(), part.matches("</b>").count());
                prop_assert_eq!(
                    part.matches("<blockquote>").count(),
                    part.matches("</blockquote>").count()
                );
            }
            // Parts of blanks only are dropped, so compare without blanks.
            let strip = |s: &str| -> String {
                s.replace("<b>", "")
                    .replace("</b>", "")
                    .replace("<blockquote>", "")
                    .replace("</blockquote>", "")
                    .split_whitespace()
                    .collect()
            };
            prop_assert_eq!(strip(&parts.concat()), strip(&html));
        }
    }
}
