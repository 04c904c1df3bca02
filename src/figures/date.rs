//! Dates as answers: "反电信网络诈骗法什么时候施行" is answered by the date in the sentence that
//! says so ("2022年12月1日起……正式施行"), shown like a figure.

use std::sync::LazyLock;

use regex::Regex;

use super::Figure;

/// A calendar date, day or month precise: "2022年12月1日", "2024年5月". Half-width digits only:
/// passages are searched in key form (see `corpus::search_key`), and the sentence is quoted as
/// written.
static DATE: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new("[0-9]{4}年[0-9]{1,2}月(?:[0-9]{1,2}日)?").expect("date pattern is valid")
});

/// The first date in `sentence` as a figure: the date as its value, the rest of the sentence
/// (what happened then) as its label. `None` when the sentence names no date.
pub fn date_figure(sentence: &str) -> Option<Figure> {
    let found = DATE.find(sentence)?;
    let digits = |text: &str| -> Vec<u32> {
        text.split(|c: char| !c.is_ascii_digit())
            .filter_map(|part| part.parse().ok())
            .collect()
    };
    let parts = digits(found.as_str());
    let (year, month, day) = (parts[0], parts[1], parts.get(2).copied().unwrap_or(0));
    Some(Figure {
        value: found.as_str().to_owned(),
        number: f64::from(year * 10_000 + month * 100 + day),
        unit: String::new(),
        qualifier: None,
        label: event_of(sentence, found.start(), found.end()),
        period: None,
        sentence: sentence.to_owned(),
    })
}

/// What happened on the date at `start..end` of `sentence`: its clause without the date
/// ("自2024年12月1日起施行" → "施行"), with the clause before or after it when that alone says too
/// little ("2022年12月1日起，《中华人民共和国反电信网络诈骗法》正式施行" → the law's clause).
fn event_of(sentence: &str, start: usize, end: usize) -> String {
    let is_break = |c: char| matches!(c, '，' | ',' | '；' | ';' | '。' | '：' | ':');
    let clause_start = sentence[..start].rfind(is_break).map_or(0, |i| {
        i + sentence[i..].chars().next().map_or(1, char::len_utf8)
    });
    let clause_end = sentence[end..]
        .find(is_break)
        .map_or(sentence.len(), |i| end + i);
    let trim = |text: &str| {
        text.trim_matches(|c: char| is_break(c) || c.is_whitespace())
            .to_owned()
    };
    let own = trim(&format!(
        "{}{}",
        sentence[clause_start..start].trim_end_matches(['自', '于', '从', '在']),
        sentence[end..clause_end].trim_start_matches(['起', '日']),
    ));
    if own.chars().count() >= 4 {
        return own;
    }
    let next = trim(
        sentence[clause_end..]
            .split(is_break)
            .find(|c| !c.trim().is_empty())
            .unwrap_or(""),
    );
    let previous = trim(
        sentence[..clause_start]
            .trim_end_matches(is_break)
            .rsplit(is_break)
            .next()
            .unwrap_or(""),
    );
    let context = if own.is_empty() { next } else { previous };
    if context.is_empty() {
        own
    } else if own.is_empty() {
        context
    } else {
        format!("{context}{own}")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_date_is_the_value_and_the_event_the_label() {
        let figure = date_figure("2022年12月1日起，《中华人民共和国反电信网络诈骗法》正式施行。")
            .expect("a date");
        assert_eq!(figure.value, "2022年12月1日");
        assert_eq!(figure.number, 20_221_201.0);
        assert_eq!(figure.label, "《中华人民共和国反电信网络诈骗法》正式施行");
    }

    #[test]
    fn a_date_clause_that_says_too_little_takes_its_neighbour() {
        let label = |s: &str| date_figure(s).expect("a date").label;
        assert_eq!(
            label("联合制定的《联合惩戒办法》（下称《办法》），自2024年12月1日起施行。"),
            "联合制定的《联合惩戒办法》（下称《办法》）施行"
        );
        assert_eq!(
            label(
                "2022年9月2日，十三届全国人大常委会第三十六次会议表决通过了《反电信网络诈骗法》。"
            ),
            "十三届全国人大常委会第三十六次会议表决通过了《反电信网络诈骗法》"
        );
    }

    #[test]
    fn a_sentence_without_a_date_has_none() {
        assert!(date_figure("拦截诈骗电话19.5亿次。").is_none());
        assert!(date_figure("").is_none());
    }
}
