//! Article bodies: HTML (decoded with a real parser) or Markdown → paragraphs with section headings.

use pulldown_cmark::{Event, HeadingLevel, Parser, Tag, TagEnd};
use scraper::{ElementRef, Html, Node};

use super::boilerplate::{is_boilerplate, opens_link_list};
use super::{DroppedBlock, FileProblem, Paragraph};

/// A decoded body.
#[derive(Debug, Default)]
pub struct Body {
    pub paragraphs: Vec<Paragraph>,
    pub captions: Vec<String>,
    /// The first top-level heading, a title candidate for articles without front matter.
    pub first_heading: Option<String>,
    pub warnings: Vec<FileProblem>,
    /// Site boilerplate left out (see [`super::boilerplate`]).
    pub dropped: Vec<DroppedBlock>,
}

/// Decodes a body. `first_line` is the 1-based line of the file the body starts on.
pub fn parse(body: &str, first_line: usize) -> Body {
    let (blocks, too_deep) = if looks_like_html(body) {
        html_blocks(body)
    } else {
        (markdown_blocks(body), false)
    };
    let mut decoded = assemble(blocks, body, first_line);
    if too_deep {
        decoded.warnings.push(FileProblem::new(
            first_line,
            format!(
                "HTML nested deeper than {MAX_HTML_DEPTH} elements: the deeper part is left out; flatten the page"
            ),
        ));
    }
    decoded
}

/// What one block of the body is, before headings and captions are resolved.
#[derive(Debug, Clone, PartialEq)]
enum Block {
    Heading {
        text: String,
        top_level: bool,
    },
    /// A paragraph whose whole text is bold: a heading in disguise, common in news HTML.
    BoldParagraph(String),
    Paragraph {
        text: String,
        centered: bool,
    },
    Image,
    Caption(String),
}

fn looks_like_html(body: &str) -> bool {
    let lower = body.trim_start().to_ascii_lowercase();
    lower.starts_with('<')
        && [
            "<p", "<div", "<section", "<article", "<h1", "<h2", "<h3", "<br", "<ul", "<table",
        ]
        .iter()
        .any(|tag| lower.contains(tag))
}

const BLOCK_TAGS: &[&str] = &[
    "p",
    "div",
    "section",
    "article",
    "li",
    "blockquote",
    "h1",
    "h2",
    "h3",
    "h4",
    "h5",
    "h6",
    "td",
    "th",
    "tr",
    "table",
    "ul",
    "ol",
    "figure",
    "figcaption",
    "header",
    "footer",
    "main",
    "pre",
];
const SKIPPED_TAGS: &[&str] = &[
    "script", "style", "noscript", "template", "head", "iframe", "svg",
];

/// How deep HTML elements are followed; deeper ones are skipped, with a warning. Real pages nest
/// a few dozen deep.
pub const MAX_HTML_DEPTH: usize = 512;

fn html_blocks(body: &str) -> (Vec<Block>, bool) {
    // The parser's time grows with the square of the nesting: a page nested beyond the cap is
    // parsed only up to where it goes too deep.
    let (parsed, cut) = match too_deep_at(body) {
        Some(at) => (&body[..at], true),
        None => (body, false),
    };
    let document = Html::parse_fragment(parsed);
    let mut walker = HtmlWalker::default();
    walker.walk(document.root_element());
    walker.flush();
    (walker.blocks, cut || walker.too_deep)
}

/// Elements that never hold others, or whose end tag may be left out: not counted as nesting.
const UNCOUNTED_TAGS: &[&str] = &[
    "area", "base", "br", "col", "embed", "hr", "img", "input", "link", "meta", "source", "track",
    "wbr", "param", "p", "li", "dt", "dd", "tr", "td", "th", "option", "optgroup", "thead",
    "tbody", "tfoot", "colgroup", "rb", "rt", "rp",
];

/// Where `html`'s elements first nest deeper than [`MAX_HTML_DEPTH`] (counting start and end
/// tags in one pass), if they do.
fn too_deep_at(html: &str) -> Option<usize> {
    let bytes = html.as_bytes();
    let mut depth = 0usize;
    for at in memchr::memchr_iter(b'<', bytes) {
        let rest = &bytes[at + 1..];
        let (closing, name_start) = match rest.first() {
            Some(b'/') => (true, &rest[1..]),
            Some(c) if c.is_ascii_alphabetic() => (false, rest),
            _ => continue,
        };
        let name_len = name_start
            .iter()
            .take_while(|c| c.is_ascii_alphanumeric())
            .count();
        let name = std::str::from_utf8(&name_start[..name_len])
            .unwrap_or("")
            .to_ascii_lowercase();
        if name.is_empty() || UNCOUNTED_TAGS.contains(&name.as_str()) {
            continue;
        }
        if closing {
            depth = depth.saturating_sub(1);
            continue;
        }
        let tag_end = memchr::memchr(b'>', rest).unwrap_or(rest.len());
        if rest[..tag_end].ends_with(b"/") {
            continue;
        }
        depth += 1;
        if depth > MAX_HTML_DEPTH {
            return Some(at);
        }
    }
    None
}

#[derive(Default)]
struct HtmlWalker {
    blocks: Vec<Block>,
    text: String,
    /// Whether the pending text came only from `<strong>`/`<b>` (ignoring whitespace).
    bold_only: Option<bool>,
    centered: bool,
    saw_image: bool,
    /// Whether elements deeper than [`MAX_HTML_DEPTH`] were skipped.
    too_deep: bool,
}

/// One step of the walk: a node to visit (at its depth), or the end of a block element.
enum Step<N> {
    Visit(N, usize),
    EndBlock,
}

impl HtmlWalker {
    /// Walks `root`'s children in document order, with a stack of its own (a page nested
    /// 100,000 deep must not overflow the thread's).
    fn walk(&mut self, root: ElementRef<'_>) {
        let mut steps: Vec<Step<_>> = root.children().rev().map(|c| Step::Visit(c, 1)).collect();
        while let Some(step) = steps.pop() {
            let (child, depth) = match step {
                Step::Visit(child, depth) => (child, depth),
                Step::EndBlock => {
                    self.flush();
                    self.centered = false;
                    continue;
                }
            };
            match child.value() {
                Node::Text(text) => self.push_text(text, false),
                Node::Element(el) => {
                    let Some(child_el) = ElementRef::wrap(child) else {
                        continue;
                    };
                    let name = el.name();
                    if SKIPPED_TAGS.contains(&name) {
                        continue;
                    }
                    if depth > MAX_HTML_DEPTH {
                        self.too_deep = true;
                        continue;
                    }
                    let children = child.children().rev().map(|c| Step::Visit(c, depth + 1));
                    match name {
                        "br" => self.flush(),
                        "img" => {
                            self.saw_image = true;
                            if let Some(alt) =
                                el.attr("alt").map(str::trim).filter(|a| !a.is_empty())
                            {
                                self.blocks.push(Block::Caption(clean(alt)));
                            }
                        }
                        "strong" | "b" => {
                            let text: String = child_el.text().collect();
                            self.push_text(&text, true);
                        }
                        "figcaption" => {
                            self.flush();
                            let text = clean(&child_el.text().collect::<String>());
                            if !text.is_empty() {
                                self.blocks.push(Block::Caption(text));
                            }
                        }
                        _ if BLOCK_TAGS.contains(&name) => {
                            self.flush();
                            let style = el.attr("style").unwrap_or("").replace(' ', "");
                            self.centered = style.contains("text-align:center")
                                || el.attr("align") == Some("center");
                            if let Some(level) =
                                name.strip_prefix('h').and_then(|l| l.parse::<u8>().ok())
                            {
                                let text = clean(&child_el.text().collect::<String>());
                                if !text.is_empty() {
                                    self.blocks.push(Block::Heading {
                                        text,
                                        top_level: level == 1,
                                    });
                                }
                                self.centered = false;
                            } else {
                                steps.push(Step::EndBlock);
                                steps.extend(children);
                            }
                        }
                        _ => steps.extend(children),
                    }
                }
                _ => {}
            }
        }
    }

    fn push_text(&mut self, text: &str, bold: bool) {
        if text.trim().is_empty() {
            self.text.push_str(text);
            return;
        }
        self.bold_only = Some(self.bold_only.unwrap_or(true) && bold);
        self.text.push_str(text);
    }

    fn flush(&mut self) {
        let text = clean(&self.text);
        if !text.is_empty() {
            let block = if self.bold_only == Some(true) {
                Block::BoldParagraph(text)
            } else {
                Block::Paragraph {
                    text,
                    centered: self.centered,
                }
            };
            self.blocks.push(block);
        } else if self.saw_image {
            self.blocks.push(Block::Image);
        }
        self.text.clear();
        self.bold_only = None;
        self.saw_image = false;
    }
}

fn markdown_blocks(body: &str) -> Vec<Block> {
    let mut blocks = Vec::new();
    let mut text = String::new();
    let mut in_heading: Option<HeadingLevel> = None;
    let mut bold_only: Option<bool> = None;
    let mut strong_depth = 0usize;
    let mut image_alt: Option<String> = None;
    for event in Parser::new(body) {
        match event {
            Event::Start(Tag::Heading { level, .. }) => {
                text.clear();
                in_heading = Some(level);
            }
            Event::End(TagEnd::Heading(_)) => {
                let heading = clean(&text);
                if !heading.is_empty() {
                    let top_level = in_heading == Some(HeadingLevel::H1);
                    blocks.push(Block::Heading {
                        text: heading,
                        top_level,
                    });
                }
                text.clear();
                in_heading = None;
            }
            Event::Start(Tag::Paragraph | Tag::Item | Tag::TableCell) => {
                flush_markdown(&mut blocks, &mut text, &mut bold_only);
            }
            Event::End(TagEnd::Paragraph | TagEnd::Item | TagEnd::TableCell) => {
                flush_markdown(&mut blocks, &mut text, &mut bold_only);
            }
            Event::Start(Tag::Strong) => strong_depth += 1,
            Event::End(TagEnd::Strong) => strong_depth = strong_depth.saturating_sub(1),
            Event::Start(Tag::Image { .. }) => image_alt = Some(String::new()),
            Event::End(TagEnd::Image) => {
                if let Some(alt) = image_alt.take() {
                    let alt = clean(&alt);
                    blocks.push(if alt.is_empty() {
                        Block::Image
                    } else {
                        Block::Caption(alt)
                    });
                }
            }
            Event::Text(t) | Event::Code(t) => {
                if let Some(alt) = image_alt.as_mut() {
                    alt.push_str(&t);
                } else {
                    if in_heading.is_none() && !t.trim().is_empty() {
                        bold_only = Some(bold_only.unwrap_or(true) && strong_depth > 0);
                    }
                    text.push_str(&t);
                }
            }
            Event::Html(html) | Event::InlineHtml(html) => {
                // Inline HTML inside Markdown: keep its text, drop its tags.
                let fragment = Html::parse_fragment(&html);
                let inner: String = fragment.root_element().text().collect();
                text.push_str(&inner);
            }
            Event::SoftBreak => text.push('\n'),
            Event::HardBreak => flush_markdown(&mut blocks, &mut text, &mut bold_only),
            _ => {}
        }
    }
    flush_markdown(&mut blocks, &mut text, &mut bold_only);
    blocks
}

fn flush_markdown(blocks: &mut Vec<Block>, text: &mut String, bold_only: &mut Option<bool>) {
    let cleaned = clean(text);
    if !cleaned.is_empty() {
        blocks.push(if *bold_only == Some(true) {
            Block::BoldParagraph(cleaned)
        } else {
            Block::Paragraph {
                text: cleaned,
                centered: false,
            }
        });
    }
    text.clear();
    *bold_only = None;
}

/// Turns blocks into paragraphs: headings set the section, captions become metadata.
fn assemble(blocks: Vec<Block>, body: &str, first_line: usize) -> Body {
    let mut out = Body::default();
    let mut section: Option<String> = None;
    let mut locator = LineLocator::new(body, first_line);
    let mut previous_was_image = false;
    // Inside a "相关阅读" list: everything up to the next heading is links to other pages.
    let mut in_link_list = false;
    for (i, block) in blocks.iter().enumerate() {
        let (text, opens_section) = match block {
            Block::Heading { text, .. } => (Some(text), true),
            Block::BoldParagraph(text) => (Some(text), text.chars().count() <= 40),
            Block::Paragraph { text, .. } | Block::Caption(text) => (Some(text), false),
            Block::Image => (None, false),
        };
        if let Some(text) = text {
            if opens_section {
                in_link_list = opens_link_list(text);
            }
            if in_link_list || is_boilerplate(text) {
                let line = locator.advance(text);
                out.dropped.push(DroppedBlock {
                    line,
                    text: text.clone(),
                });
                continue;
            }
        }
        match block {
            Block::Heading { text, top_level } => {
                if *top_level
                    && out.first_heading.is_none()
                    && out.paragraphs.is_empty()
                    && i == first_content(&blocks)
                {
                    out.first_heading = Some(text.clone());
                } else {
                    section = Some(text.clone());
                }
                locator.advance(text);
            }
            Block::BoldParagraph(text) if text.chars().count() <= 40 => {
                section = Some(text.trim_end_matches(['：', ':']).to_string());
                locator.advance(text);
            }
            Block::Caption(text) => out.captions.push(text.clone()),
            Block::Paragraph { text, centered }
                if previous_was_image || (*centered && is_caption_like(text)) =>
            {
                if is_caption_like(text) {
                    out.captions.push(text.clone());
                } else {
                    let line = locator.advance(text);
                    out.paragraphs.push(Paragraph {
                        text: text.clone(),
                        section: section.clone(),
                        line,
                    });
                }
            }
            Block::Paragraph { text, .. } | Block::BoldParagraph(text) => {
                let line = locator.advance(text);
                out.paragraphs.push(Paragraph {
                    text: text.clone(),
                    section: section.clone(),
                    line,
                });
            }
            Block::Image => {}
        }
        previous_was_image = matches!(block, Block::Image);
    }
    out
}

fn first_content(blocks: &[Block]) -> usize {
    blocks
        .iter()
        .position(|b| !matches!(b, Block::Image | Block::Caption(_)))
        .unwrap_or(0)
}

/// A short line under an image, or one naming a photo or data source, is a caption.
fn is_caption_like(text: &str) -> bool {
    let short = text.chars().count() <= 60;
    let no_sentence_end = !text.contains('。');
    short && no_sentence_end
}

/// Finds the line a paragraph starts on by looking for its opening characters in the raw body.
/// Linear in the body: lines are counted only over the stretch just passed, and an opening is
/// looked for only within [`LOCATOR_WINDOW`] bytes of the previous one.
struct LineLocator<'a> {
    body: &'a str,
    offset: usize,
    /// The line `offset` is on.
    line: usize,
}

/// How far ahead of the previous paragraph the next one's opening is looked for.
const LOCATOR_WINDOW: usize = 64 * 1024;

impl<'a> LineLocator<'a> {
    fn new(body: &'a str, first_line: usize) -> Self {
        Self {
            body,
            offset: 0,
            line: first_line,
        }
    }

    fn advance(&mut self, text: &str) -> usize {
        let mut window_end = (self.offset + LOCATOR_WINDOW).min(self.body.len());
        while !self.body.is_char_boundary(window_end) {
            window_end += 1;
        }
        let window = &self.body[self.offset..window_end];
        // The cleaned text may differ from the source (entities, line breaks), so try shorter
        // openings until one is found.
        for length in [6, 3, 1] {
            let probe: String = text.chars().take(length).collect();
            if let Some(found) = window.find(&probe) {
                self.line += memchr::memchr_iter(b'\n', &window.as_bytes()[..found]).count();
                // Past the opening found, so the next paragraph is not found in this one.
                self.offset += found + probe.len();
                return self.line;
            }
        }
        self.line
    }
}

/// Collapses whitespace: runs become one space, and none is kept between two CJK characters
/// (line breaks inside Chinese text are not word breaks).
pub fn clean(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    let mut pending_space = false;
    for c in text.chars() {
        if c.is_whitespace() && c != '\u{3000}' || c == '\u{a0}' {
            pending_space = !out.is_empty();
            continue;
        }
        if c.is_control() {
            continue;
        }
        if pending_space {
            let prev_cjk = out.chars().next_back().is_some_and(is_cjk);
            if !(prev_cjk && is_cjk(c)) {
                out.push(' ');
            }
            pending_space = false;
        }
        out.push(c);
    }
    out.trim_matches(|c: char| c.is_whitespace()).to_string()
}

fn is_cjk(c: char) -> bool {
    matches!(c, '\u{4e00}'..='\u{9fff}' | '\u{3400}'..='\u{4dbf}' | '\u{3000}'..='\u{303f}' | '\u{ff00}'..='\u{ffef}')
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn bold_paragraph_becomes_section_and_caption_is_metadata() {
        let html = r#"<div><p style="text-align:center"><img src="a.jpg"></p><p style="text-align: center;">数据来源：公安部　　制图：张丹峰</p><p>第一段。</p><p><strong>依法打击治理</strong></p><p>第二段&amp;实体&ldquo;引号&rdquo;。</p></div>"#;
        let body = parse(html, 10);
        assert_eq!(body.captions, ["数据来源：公安部　　制图：张丹峰"]);
        assert_eq!(body.paragraphs.len(), 2);
        assert_eq!(body.paragraphs[0].section, None);
        assert_eq!(body.paragraphs[1].text, "第二段&实体\u{201c}引号\u{201d}。");
        assert_eq!(body.paragraphs[1].section.as_deref(), Some("依法打击治理"));
    }

    #[test]
    fn markdown_headings_and_paragraphs() {
        let md = "# 标题\n\n第一段，\n接着写。\n\n## 小节\n\n- 列表项一\n- 列表项二\n\n**加粗小标题**\n\n正文。\n";
        let body = parse(md, 1);
        assert_eq!(body.first_heading.as_deref(), Some("标题"));
        let texts: Vec<_> = body.paragraphs.iter().map(|p| p.text.as_str()).collect();
        assert_eq!(
            texts,
            ["第一段，接着写。", "列表项一", "列表项二", "正文。"]
        );
        assert_eq!(body.paragraphs[1].section.as_deref(), Some("小节"));
        assert_eq!(body.paragraphs[3].section.as_deref(), Some("加粗小标题"));
        assert_eq!(body.paragraphs[0].line, 3);
    }

    #[test]
    fn scripts_are_not_text() {
        let body = parse("<div><script>alert(1)</script><p>正文。</p></div>", 1);
        assert_eq!(body.paragraphs.len(), 1);
        assert_eq!(body.paragraphs[0].text, "正文。");
    }

    #[test]
    fn nested_inline_tags_keep_their_text() {
        let body = parse("<p>拦截<a href=x>涉诈<em>电话</em></a>19.5亿次。</p>", 1);
        assert_eq!(body.paragraphs[0].text, "拦截涉诈电话19.5亿次。");
    }

    #[test]
    fn html_nested_100000_deep_is_walked_without_overflowing_the_stack() {
        let depth = 100_000;
        let html = format!(
            "<div><p>浅处的正文。</p>{}<p>深处的正文。</p>{}</div>",
            "<div>".repeat(depth),
            "</div>".repeat(depth)
        );
        // A thread with a small stack, as the bot's reload runs on.
        let body = std::thread::Builder::new()
            .stack_size(256 * 1024)
            .spawn(move || parse(&html, 1))
            .unwrap()
            .join()
            .unwrap();
        let texts: Vec<_> = body.paragraphs.iter().map(|p| p.text.as_str()).collect();
        assert_eq!(texts, ["浅处的正文。"]);
        assert!(body.warnings[0].message.contains("nested deeper than"));
    }

    #[test]
    fn line_numbers_of_200000_paragraphs_are_found_in_linear_time() {
        // Ten times the paragraphs must take about ten times as long, not a hundred: a ratio,
        // not a wall-clock limit, so a busy machine does not fail the test.
        let timed = |count: usize| {
            let markdown: String = (0..count).map(|i| format!("第{i}段。\n\n")).collect();
            let started = std::time::Instant::now();
            let body = parse(&markdown, 1);
            let took = started.elapsed();
            assert_eq!(body.paragraphs.len(), count);
            assert_eq!(body.paragraphs[count - 1].line, 2 * count - 1);
            took
        };
        let small = timed(20_000);
        let large = timed(200_000);
        assert!(large < small * 40, "20,000: {small:?}, 200,000: {large:?}");
    }
}
