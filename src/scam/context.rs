//! Warning context: tells a message that *asks* for something ("把验证码发给我") from one that
//! *warns* about it ("不要把验证码告诉任何人", "凡是让你刷单的都是诈骗").
//!
//! The cue words come from the data file. All of them are found in one pass; look-alikes (特别 is
//! not 别, "不用担心" is how a scammer calms you) are matched too and simply ignored, because the
//! longest match at a position wins.

use std::ops::Range;

use aho_corasick::{AhoCorasick, MatchKind};

use super::text::ScanText;

/// How far after a match a negation still reaches, in bytes (two Chinese characters):
/// "公检法不会…", "安全账户不存在".
const NEGATION_AFTER_BYTES: usize = 6;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum CueKind {
    /// Cancels a match later in the same clause, or right before it.
    Negation,
    /// Cancels every match in the same sentence.
    Warning,
    /// A look-alike of a cue that means nothing.
    Decoy,
}

/// The compiled cue words.
#[derive(Debug, Clone)]
pub struct Cues {
    automaton: AhoCorasick,
    kinds: Vec<CueKind>,
}

/// The cues found in one message.
#[derive(Debug, Default)]
pub struct FoundCues {
    negations: Vec<Range<usize>>,
    warnings: Vec<Range<usize>>,
}

impl Cues {
    /// Builds the cue matcher. Phrases must already be normalised and non-empty.
    pub fn new(
        negations: &[String],
        warnings: &[String],
        decoys: &[String],
    ) -> Result<Self, aho_corasick::BuildError> {
        let mut phrases = Vec::new();
        let mut kinds = Vec::new();
        for (list, kind) in [
            (negations, CueKind::Negation),
            (warnings, CueKind::Warning),
            (decoys, CueKind::Decoy),
        ] {
            for phrase in list {
                phrases.push(phrase.as_str());
                kinds.push(kind);
            }
        }
        let automaton = AhoCorasick::builder()
            .match_kind(MatchKind::LeftmostLongest)
            .build(&phrases)?;
        Ok(Cues { automaton, kinds })
    }

    /// Finds every cue in a message.
    pub fn find(&self, text: &ScanText<'_>) -> FoundCues {
        let mut found = FoundCues::default();
        for m in self.automaton.find_iter(&text.normalized) {
            match self.kinds[m.pattern().as_usize()] {
                CueKind::Negation => found.negations.push(m.range()),
                CueKind::Warning => found.warnings.push(m.range()),
                CueKind::Decoy => {}
            }
        }
        found
    }
}

impl FoundCues {
    /// Whether the match at `matched` is cancelled by its context: it is negated in its clause or
    /// sits in a sentence that warns about scams.
    pub fn cancels(&self, text: &ScanText<'_>, matched: &Range<usize>) -> bool {
        if self.warnings.is_empty() && self.negations.is_empty() {
            return false;
        }
        let sentence = text.clause_start(matched.start, true)..text.clause_end(matched.end, true);
        if self
            .warnings
            .iter()
            .any(|w| w.start >= sentence.start && w.end <= sentence.end)
        {
            return true;
        }
        let clause_start = text.clause_start(matched.start, false);
        let clause_end = text.clause_end(matched.end, false);
        self.negations.iter().any(|n| {
            let before = n.start >= clause_start && n.end <= matched.start;
            let right_after = n.start >= matched.end
                && n.start <= matched.end + NEGATION_AFTER_BYTES
                && n.end <= clause_end;
            before || right_after
        })
    }
}
