//! A warning card (`/tip`, the daily card) as Telegram HTML.

use super::html::escape_html;
use crate::scam::TipCard;

/// A card as Telegram HTML.
pub fn card_html(card: &TipCard) -> String {
    let mut html = format!(
        "🛡️ <b>防骗提示：{}</b>\n{}",
        escape_html(&card.title),
        escape_html(&card.script)
    );
    if !card.red_flags.is_empty() {
        html.push_str("\n<b>识别要点：</b>");
        for flag in &card.red_flags {
            html.push_str(&format!("\n• {}", escape_html(flag)));
        }
    }
    html.push_str(&format!(
        "\n<b>怎么办：</b>{}",
        escape_html(&card.what_to_do)
    ));
    html
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_card_has_its_title_red_flags_and_advice_escaped() {
        let card = TipCard {
            title: "刷单<返利>".into(),
            aliases: Vec::new(),
            script: "先给小甜头 & 再要大钱".into(),
            red_flags: vec!["要你先垫钱".into()],
            what_to_do: "立即报警".into(),
        };
        let html = card_html(&card);
        assert!(
            html.starts_with("🛡️ <b>防骗提示：刷单&lt;返利&gt;</b>"),
            "{html}"
        );
        assert!(html.contains("先给小甜头 &amp; 再要大钱"), "{html}");
        assert!(html.contains("\n• 要你先垫钱"), "{html}");
        assert!(html.contains("<b>怎么办：</b>立即报警"), "{html}");
    }
}
