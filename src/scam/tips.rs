//! Warning cards for `/tip`: one card per fraud type from the patterns data file, and finding the
//! card a person means by a short topic ("刷单" → 刷单返利, "杀猪盘" → 网络婚恋交友（杀猪盘）).

use crate::normalize::{to_half_width, to_simplified};

/// One warning card: a fraud type, how it goes, how to spot it and what to do.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct TipCard {
    /// The fraud type's name, e.g. "刷单返利".
    pub title: String,
    /// Other words people use for it ("刷单", "点赞"); used to find the card.
    pub aliases: Vec<String>,
    /// How the scam typically goes.
    pub script: String,
    pub red_flags: Vec<String>,
    pub what_to_do: String,
}

impl TipCard {
    /// The card as plain text (no markup): title, script, red flags, what to do.
    pub fn plain(&self) -> String {
        let mut out = format!("🛡️ 防骗提示：{}\n{}\n", self.title, self.script);
        if !self.red_flags.is_empty() {
            out.push_str("识别要点：\n");
            for flag in &self.red_flags {
                out.push_str(&format!("• {flag}\n"));
            }
        }
        out.push_str(&format!("怎么办：{}", self.what_to_do));
        out
    }
}

/// Normalises a topic the way a person might type it: script, width, case, no punctuation.
fn topic_key(topic: &str) -> String {
    to_simplified(&to_half_width(topic))
        .chars()
        .filter(|c| c.is_alphanumeric())
        .flat_map(char::to_lowercase)
        .collect()
}

/// Finds the card for a topic: an exact title or alias first, then a title or alias that
/// contains the topic (or is contained in it). An empty topic finds nothing.
pub fn find_card<'a>(cards: &'a [TipCard], topic: &str) -> Option<&'a TipCard> {
    let topic = topic_key(topic);
    if topic.is_empty() {
        return None;
    }
    let names = |card: &'a TipCard| {
        std::iter::once(&card.title)
            .chain(card.aliases.iter())
            .map(|name| topic_key(name))
            .filter(|name| !name.is_empty())
    };
    cards
        .iter()
        .find(|card| names(card).any(|name| name == topic))
        .or_else(|| {
            cards
                .iter()
                .find(|card| names(card).any(|name| name.contains(&topic)))
        })
        .or_else(|| {
            cards
                .iter()
                .find(|card| names(card).any(|name| topic.contains(&name)))
        })
}
