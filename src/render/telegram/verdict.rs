//! A scam-check verdict as Telegram HTML: the risk level and likely type, the quoted red flags,
//! and what to do. Judging is [`crate::scam`]'s; this only lays the verdict out.

use super::html::escape_html;
use crate::scam::{Risk, Verdict};

/// At most this many red flags are listed, so the reply stays short enough to forward.
const MAX_FLAGS_SHOWN: usize = 4;

/// A verdict as Telegram HTML: level and likely type, the quoted red flags, what to do.
pub fn verdict_html(verdict: &Verdict) -> String {
    let parts = verdict.parts();
    let mut html = format!(
        "{} <b>风险：{}</b> · {}",
        parts.risk_emoji,
        parts.risk_label,
        escape_html(&parts.headline)
    );
    if !parts.flags.is_empty() || parts.similar.is_some() {
        html.push_str(if parts.risk == Risk::Low {
            "\n需要留意："
        } else {
            "\n可疑之处："
        });
        if let Some((label, summary)) = &parts.similar {
            html.push_str(&format!(
                "\n• {}：{}",
                escape_html(label),
                escape_html(summary)
            ));
        }
        for (label, quote) in parts.flags.iter().take(MAX_FLAGS_SHOWN) {
            html.push_str(&format!(
                "\n• {}：「{}」",
                escape_html(label),
                escape_html(quote)
            ));
        }
    }
    html.push_str(&format!("\n<b>建议：</b>{}", escape_html(parts.advice)));
    html
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn verdict_html_quotes_flags_and_escapes_them() {
        let scanner = crate::scam::Scanner::builtin().unwrap();
        let verdict =
            scanner.scan("我是<b>公安局</b>的，你涉嫌洗钱，把钱转到安全账户 & 别告诉家人");
        let html = verdict_html(&verdict);
        assert!(html.contains("<b>风险：高</b>"), "{html}");
        assert!(html.contains("安全账户"), "{html}");
        assert!(!html.contains("<b>公安局"), "user text is escaped: {html}");
        assert!(html.contains("建议："), "{html}");
    }
}
