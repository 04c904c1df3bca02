//! Rendering a [`Verdict`]: the plain-text reply (short enough to forward back into a family
//! chat), one JSON line for batch use, and the pieces the bot lays out in its own markup.

use std::fmt::Write as _;

use serde::Serialize;

use super::{Flag, Risk, Verdict};

/// The pieces of a verdict the bot needs, unescaped: it escapes them for Telegram HTML itself.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct VerdictParts<'a> {
    pub risk: Risk,
    /// "高" / "中" / "低".
    pub risk_label: &'static str,
    /// 🚨 / ⚠️ / ℹ️ (never a tick: "low" is not "safe").
    pub risk_emoji: &'static str,
    /// One line saying what the level means, e.g. "疑似诈骗" or "未发现已知的诈骗套路，但这不代表安全".
    pub headline: String,
    pub types: &'a [String],
    /// (what the flag means, the words quoted from the message).
    pub flags: Vec<(&'a str, &'a str)>,
    /// ("与已知的冒充公检法案例相似", the case's one-line summary) when the message resembles a
    /// known case.
    pub similar: Option<(String, &'a str)>,
    pub advice: &'a str,
}

impl Verdict {
    /// The pieces of this verdict, for replies laid out elsewhere (the bot).
    pub fn parts(&self) -> VerdictParts<'_> {
        VerdictParts {
            risk: self.risk,
            risk_label: self.risk.label(),
            risk_emoji: self.risk.emoji(),
            headline: headline(self),
            types: &self.types,
            flags: self
                .flags
                .iter()
                .map(|f| (f.label.as_str(), f.quote.as_str()))
                .collect(),
            similar: self.similar_case.as_ref().map(|case| {
                (
                    format!("与已知的{}案例相似", case.kind),
                    case.summary.as_str(),
                )
            }),
            advice: &self.advice,
        }
    }
}

fn headline(verdict: &Verdict) -> String {
    let types = verdict.types.join("、");
    match verdict.risk {
        Risk::High if types.is_empty() => "很可能是诈骗".to_string(),
        Risk::High => format!("很可能是诈骗：{types}"),
        Risk::Medium if types.is_empty() => "有诈骗特征，请先核实".to_string(),
        Risk::Medium => format!("疑似{types}，请先核实"),
        Risk::Low if verdict.warns_about_scams => "这是一条防骗提醒或正常通知".to_string(),
        Risk::Low => "未发现已知的诈骗套路，但这不代表安全".to_string(),
    }
}

/// The reply as plain text: level, likely type, quoted red flags, what to do.
pub fn plain_reply(verdict: &Verdict) -> String {
    let parts = verdict.parts();
    let mut out = String::with_capacity(256 + parts.advice.len());
    // Writing into a String cannot fail.
    let _ = writeln!(
        out,
        "{} 风险：{} · {}",
        parts.risk_emoji, parts.risk_label, parts.headline
    );
    if !parts.flags.is_empty() || parts.similar.is_some() {
        out.push_str(if verdict.risk == Risk::Low {
            "需要留意：\n"
        } else {
            "可疑之处：\n"
        });
        if let Some((label, summary)) = &parts.similar {
            let _ = writeln!(out, "• {label}：{summary}");
        }
        for (label, quote) in &parts.flags {
            let _ = writeln!(out, "• {label}：「{quote}」");
        }
    }
    out.push_str("建议：");
    out.push_str(parts.advice);
    out
}

#[derive(Serialize)]
struct JsonLine<'a> {
    risk: Risk,
    types: &'a [String],
    flags: &'a [Flag],
    #[serde(skip_serializing_if = "Option::is_none")]
    similar_case: Option<&'a super::SimilarCase>,
    advice: &'a str,
    reply: String,
}

impl<'a> JsonLine<'a> {
    fn new(verdict: &'a Verdict) -> Self {
        JsonLine {
            risk: verdict.risk,
            types: &verdict.types,
            flags: &verdict.flags,
            similar_case: verdict.similar_case.as_ref(),
            advice: &verdict.advice,
            reply: plain_reply(verdict),
        }
    }
}

/// One JSON object on one line:
/// `{"risk": "high"|"medium"|"low", "types": [...], "flags": [{kind, label, quote}], "advice": str, "reply": str}`,
/// plus `"similar_case": {type, summary, similarity}` when the message resembles a known case.
pub fn json_line(verdict: &Verdict) -> String {
    // Serialising plain strings and enums cannot fail; fall back to a minimal object anyway.
    serde_json::to_string(&JsonLine::new(verdict))
        .unwrap_or_else(|_| format!(r#"{{"risk":"{:?}"}}"#, verdict.risk).to_lowercase())
}
