//! Figure extraction: every quantity in a paragraph — its value as written, number, unit,
//! qualifier, a label saying what it counts, and the period it refers to.

use chrono::NaiveDate;

/// One quantity found in the text.
#[derive(Debug, Clone, PartialEq, serde::Serialize)]
pub struct Figure {
    /// The value as written, qualifier and unit included: "19.5亿次", "9700多万张", "近4万人", "92%".
    pub value: String,
    /// The number it stands for: 1.95e9 for "19.5亿次".
    pub number: f64,
    /// The unit after the number ("次", "元", "%"), empty when there is none.
    pub unit: String,
    /// 多 / 余 / 近 / 约 / 超 …, when the value is approximate.
    pub qualifier: Option<String>,
    /// What it counts, e.g. "拦截涉诈电话".
    pub label: String,
    /// The period it refers to, e.g. "2021年", with relative periods resolved against the article date.
    pub period: Option<String>,
    /// The sentence the figure stands in.
    pub sentence: String,
}

/// Extracts every figure from one paragraph. `article_date` resolves relative periods
/// ("去年", "一年来").
pub fn extract_figures(_paragraph: &str, _article_date: Option<NaiveDate>) -> Vec<Figure> {
    Vec::new()
}
