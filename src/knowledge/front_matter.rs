//! Front matter: the optional YAML block between `---` lines at the top of an article.

use chrono::{DateTime, NaiveDate, NaiveDateTime};
use serde_yaml_ng::Value;

use super::FileProblem;

/// The metadata an article may declare. Every field is optional.
#[derive(Debug, Default, Clone)]
pub struct Meta {
    pub title: Option<String>,
    pub author: Option<String>,
    pub date: Option<NaiveDate>,
    pub categories: Vec<String>,
    pub source_url: Option<String>,
    pub image: Option<String>,
    /// Problems that do not make the article unusable (an unreadable date, say).
    pub warnings: Vec<FileProblem>,
}

/// Splits `text` into its front matter and body.
///
/// Returns the metadata, the body and the 1-based line the body starts on. A file without front
/// matter is all body. Front matter that is opened but never closed, or that is not valid YAML,
/// makes the file unusable: serving it would index the YAML as article text.
pub fn split(text: &str) -> Result<(Meta, &str, usize), FileProblem> {
    // Blank lines before the opening `---` are tolerated (the seed article starts with one).
    let mut skipped = 0;
    let mut blank_lines = 0;
    for line in text.split_inclusive('\n') {
        if !line.trim().is_empty() {
            break;
        }
        skipped += line.len();
        blank_lines += 1;
    }
    let mut lines = text[skipped..].split_inclusive('\n');
    let Some(first) = lines.next() else {
        return Ok((Meta::default(), text, 1));
    };
    if first.trim_end() != "---" {
        return Ok((Meta::default(), text, 1));
    }
    let yaml_start = skipped + first.len();
    let mut offset = yaml_start;
    let mut line_no = blank_lines + 1;
    for line in lines {
        line_no += 1;
        if line.trim_end() == "---" || line.trim_end() == "..." {
            let yaml = &text[yaml_start..offset];
            let body = &text[offset + line.len()..];
            let meta = parse_yaml(yaml, blank_lines + 1)?;
            return Ok((meta, body, line_no + 1));
        }
        offset += line.len();
    }
    Err(FileProblem::new(
        blank_lines + 1,
        "front matter is not closed: add a line with only `---` after the metadata",
    ))
}

/// Parses the YAML block; `opening_line` is the line of the opening `---`.
fn parse_yaml(yaml: &str, opening_line: usize) -> Result<Meta, FileProblem> {
    if yaml.trim().is_empty() {
        return Ok(Meta::default());
    }
    let value: Value = serde_yaml_ng::from_str(yaml).map_err(|err| {
        // The YAML starts on the line after the opening `---`. An error found at the end of the
        // block (an unclosed bracket) is reported on the block's last line.
        let last_line = opening_line + yaml.lines().count().max(1);
        let line = err.location().map_or(opening_line + 1, |l| {
            (l.line() + opening_line).min(last_line)
        });
        FileProblem::new(
            line,
            format!("front matter is not valid YAML: {}", yaml_message(&err)),
        )
    })?;
    let Value::Mapping(map) = value else {
        return Err(FileProblem::new(
            opening_line + 1,
            "front matter must be `key: value` lines (title, date, author, categories, source, image)",
        ));
    };
    let mut meta = Meta::default();
    let line_of = |key: &str| {
        yaml.lines()
            .position(|l| l.trim_start().starts_with(&format!("{key}:")))
            .map_or(opening_line + 1, |i| i + opening_line + 1)
    };
    for (key, value) in &map {
        let Some(key) = key.as_str() else { continue };
        match key.to_ascii_lowercase().as_str() {
            "title" => meta.title = scalar(value),
            "author" | "authors" => meta.author = scalar(value).or_else(|| list(value).first().cloned()),
            "date" | "published" | "pubdate" => match scalar(value) {
                Some(text) => match parse_date(&text) {
                    Some(date) => meta.date = Some(date),
                    None => meta.warnings.push(FileProblem::new(
                        line_of(key),
                        format!(
                            "cannot read the date {text:?}; write it like 2022-04-15 or Fri, 15 Apr 2022 09:03:00 GMT"
                        ),
                    )),
                },
                None => meta.warnings.push(FileProblem::new(line_of(key), "date must be a single value")),
            },
            "categories" | "category" | "tags" => meta.categories.extend(list(value)),
            "source" | "source_url" | "url" | "link" => meta.source_url = scalar(value),
            "image" | "headimg" | "thumbnail" | "cover" if meta.image.is_none() => {
                meta.image = scalar(value);
            }
            _ => {}
        }
    }
    meta.title = meta.title.filter(|t| !t.trim().is_empty());
    Ok(meta)
}

/// serde_yaml's message without its trailing " at line X column Y" (we print the line ourselves).
fn yaml_message(err: &serde_yaml_ng::Error) -> String {
    let message = err.to_string();
    match message.find(" at line ") {
        Some(i) => message[..i].to_string(),
        None => message,
    }
}

fn scalar(value: &Value) -> Option<String> {
    let text = match value {
        Value::String(s) => s.trim().to_string(),
        Value::Number(n) => n.to_string(),
        Value::Bool(b) => b.to_string(),
        _ => return None,
    };
    (!text.is_empty()).then_some(text)
}

fn list(value: &Value) -> Vec<String> {
    match value {
        Value::Sequence(items) => items.iter().filter_map(scalar).collect(),
        Value::String(s) => s
            .split([',', '，', '、'])
            .map(|s| s.trim().to_string())
            .filter(|s| !s.is_empty())
            .collect(),
        _ => Vec::new(),
    }
}

/// Reads a date in any of the common formats articles use: RFC 2822 (`Fri, 15 Apr 2022 09:03:00
/// GMT`), RFC 3339, `2022-04-15`, `2022/4/15`, `2022.04.15`, `2022-04-15 09:03[:00]`, `2022年4月15日`.
pub fn parse_date(text: &str) -> Option<NaiveDate> {
    let text = text.trim();
    if let Ok(dt) = DateTime::parse_from_rfc2822(text) {
        return Some(dt.date_naive());
    }
    // chrono's RFC 2822 parser rejects some zone names ("UTC"); try again without the zone.
    if let Some((head, _zone)) = text.rsplit_once(' ') {
        for format in ["%a, %d %b %Y %H:%M:%S", "%d %b %Y %H:%M:%S"] {
            if let Ok(dt) = NaiveDateTime::parse_from_str(head, format) {
                return Some(dt.date());
            }
        }
    }
    if let Ok(dt) = DateTime::parse_from_rfc3339(text) {
        return Some(dt.date_naive());
    }
    for format in [
        "%Y-%m-%d %H:%M:%S",
        "%Y-%m-%d %H:%M",
        "%Y-%m-%dT%H:%M:%S",
        "%Y/%m/%d %H:%M:%S",
    ] {
        if let Ok(dt) = NaiveDateTime::parse_from_str(text, format) {
            return Some(dt.date());
        }
    }
    let date_part = text.split([' ', 'T']).next().unwrap_or(text);
    for format in ["%Y-%m-%d", "%Y/%m/%d", "%Y.%m.%d", "%Y年%m月%d日"] {
        if let Ok(date) = NaiveDate::parse_from_str(date_part, format) {
            return Some(date);
        }
    }
    None
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_common_date_formats() {
        let expected = NaiveDate::from_ymd_opt(2022, 4, 15);
        for text in [
            "Fri, 15 Apr 2022 09:03:00 GMT",
            "Fri, 15 Apr 2022 09:03:00 +0800",
            "Fri, 15 Apr 2022 09:03:00 UTC",
            "2022-04-15",
            "2022-04-15 09:03",
            "2022-04-15T09:03:00+08:00",
            "2022/4/15",
            "2022.04.15",
            "2022年4月15日",
        ] {
            assert_eq!(parse_date(text), expected, "{text}");
        }
        assert_eq!(parse_date("next tuesday"), None);
    }

    #[test]
    fn splits_front_matter_and_reports_body_line() {
        let text = "---\ntitle: 标题\ndate: 2022-04-15\n---\n正文\n";
        let (meta, body, line) = split(text).unwrap();
        assert_eq!(meta.title.as_deref(), Some("标题"));
        assert_eq!(body, "正文\n");
        assert_eq!(line, 5);
    }

    #[test]
    fn blank_lines_before_front_matter_are_fine() {
        let (meta, body, line) = split("\n---\ntitle: '标题'\n---\n正文").unwrap();
        assert_eq!(meta.title.as_deref(), Some("标题"));
        assert_eq!(body, "正文");
        assert_eq!(line, 5);
    }

    #[test]
    fn unclosed_front_matter_is_a_problem() {
        let err = split("---\ntitle: x\n正文\n").unwrap_err();
        assert!(err.message.contains("not closed"), "{}", err.message);
    }

    #[test]
    fn invalid_yaml_reports_its_line() {
        let err = split("---\ntitle: ok\ndate: [unclosed\n---\nbody\n").unwrap_err();
        assert!(err.message.contains("not valid YAML"), "{}", err.message);
        assert!(err.line >= 3, "line {}", err.line);
    }

    #[test]
    fn categories_may_be_a_list_or_a_string() {
        let (meta, _, _) = split("---\ncategories:\n - 金融\n - 要闻\n---\nx").unwrap();
        assert_eq!(meta.categories, ["金融", "要闻"]);
        let (meta, _, _) = split("---\ncategories: 金融, 要闻\n---\nx").unwrap();
        assert_eq!(meta.categories, ["金融", "要闻"]);
    }

    #[test]
    fn no_front_matter_is_all_body() {
        let (meta, body, line) = split("# 标题\n正文").unwrap();
        assert!(meta.title.is_none());
        assert_eq!(body, "# 标题\n正文");
        assert_eq!(line, 1);
    }
}
