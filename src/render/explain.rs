//! `ask --explain`: how the engine read a question — its words with their weights and synonyms,
//! and the best candidate passages and figures with their scores — as terminal text.

use std::fmt::Write as _;

use super::quote;
use crate::answer::Explanation;

/// Characters of a candidate passage shown.
const PASSAGE_CHARS: usize = 40;

/// The explanation as terminal text, one line per word and per candidate.
pub fn explanation_text(explanation: &Explanation) -> String {
    let mut out = format!(
        "normalised: {}\nwants figure: {}  unit: {:?}  period: {:?}\n",
        explanation.normalized, explanation.wants_figure, explanation.unit, explanation.period
    );
    // Writing to a String cannot fail.
    for term in &explanation.terms {
        let _ = writeln!(
            out,
            "  term {} (weight {:.2}) ~ {}",
            term.text,
            term.weight,
            term.alternatives.join(" ")
        );
    }
    for passage in &explanation.passages {
        let _ = writeln!(
            out,
            "  passage {:.2} (coverage {:.2}): {}",
            passage.score,
            passage.coverage,
            quote(&passage.text, PASSAGE_CHARS)
        );
    }
    for figure in &explanation.figures {
        let _ = writeln!(
            out,
            "  figure {:.2} (confidence {:.2}): {} = {} [{}{}]",
            figure.score,
            figure.confidence,
            figure.label,
            figure.value,
            figure.period.as_deref().unwrap_or("no period"),
            figure
                .fit
                .map(|fit| format!(", {fit:?}"))
                .unwrap_or_default()
        );
    }
    out
}
