//! Telegram HTML: escaping every piece of text, and cutting long HTML into messages within
//! Telegram's 4096-character limit without ever cutting a tag or an entity.

/// Telegram's limit for one message text, in characters.
pub const MESSAGE_LIMIT: usize = 4096;

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
    // The characters in `current`, kept as atoms are added (recounting them for every atom
    // made splitting quadratic in the part's length).
    let mut current_chars = 0;
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
        let atom_chars = atom.raw().chars().count();
        while current_chars + atom_chars + closing(&open_after).chars().count() > limit
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
            current_chars = chars(&current);
        }
        current.push(atom);
        current_chars += atom_chars;
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

/// Telegram's limit for a photo caption, in characters as shown (tags not counted).
pub const CAPTION_LIMIT: usize = 1024;

/// How many characters `html` shows once Telegram has parsed it: tags count nothing, an entity
/// one character. What Telegram checks against [`CAPTION_LIMIT`].
pub fn visible_chars(html: &str) -> usize {
    atoms(html)
        .iter()
        .map(|atom| match atom {
            Atom::Open { .. } | Atom::Close { .. } => 0,
            Atom::Text(_) => 1,
        })
        .sum()
}

/// The first part of [`split_html`]: for messages that must stay one message (edited pages).
pub fn truncate_html(html: &str) -> String {
    split_html(html, MESSAGE_LIMIT)
        .into_iter()
        .next()
        .unwrap_or_default()
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn visible_chars_skip_tags_and_count_entities_once() {
        assert_eq!(
            visible_chars("<b>19.5亿次</b> &amp; <blockquote>引</blockquote>"),
            10
        );
    }

    #[test]
    fn escape_html_escapes_markup_and_keeps_the_rest() {
        assert_eq!(
            escape_html(r#"<b>"x" & y</b> 反诈 🚨"#),
            "&lt;b&gt;&quot;x&quot; &amp; y&lt;/b&gt; 反诈 🚨"
        );
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
