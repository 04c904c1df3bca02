//! Warning context: tells a message that *asks* for something ("把验证码发给我") from one that
//! *warns* about it ("不要把验证码告诉任何人", "凡是让你刷单的都是诈骗").
//!
//! The cue words come from the data file. All of them are found in one pass; look-alikes (特别 is
//! not 别, "不用担心" is how a scammer calms you) are matched too and simply ignored, because the
//! longest match at a position wins.
//!
//! Warning words that name the sender do not count — inside a 【…】 tag or in a clause that
//! introduces the sender ("这里是…", "我们是…"): scammers claim to be 【国家反诈中心】 too.
//!
//! A scammer's lines quoted in a message that talks about scams ("骗子会说“把钱转到安全账户”",
//! "公安局的民警讲课说“安全账户”根本不存在") are the message's content, not a request: a match
//! inside quotation marks is dropped when a warning, negation or report word (套路, 被骗 …) stands
//! outside every quotation.
//!
//! A *request addressed to the reader* ("请点击链接…下载…", "立即输入验证码") is judged by its own
//! clause only: a warning word elsewhere in the sentence does not cancel it. Scammers put 反诈 or
//! 防骗 in their own names ("【国家反诈中心】您的账户涉嫌…请点击链接下载…"), and a message that
//! asks you to act is not a warning about someone else asking.

use std::ops::Range;

use aho_corasick::{AhoCorasick, MatchKind};

use super::message::ScanText;

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
    /// Opens a request to the reader when it starts a clause: 请, 立即, 务必.
    Request,
    /// Opens a self-introduction when it starts a clause: 我是, 这里是.
    Sender,
    /// Marks talk about a scam (套路, 被骗, 骗子说): words quoted in such a message are reported.
    Report,
    /// Introduces someone else's words without quotation marks (短信说, 对方说): the rest of its
    /// clause is treated like a quotation.
    Speech,
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
    requests: Vec<Range<usize>>,
    /// Spans inside quotation marks (“…”, 「…」, "…").
    quotes: Vec<Range<usize>>,
    /// Whether a warning, negation or report cue stands outside every quotation: then the
    /// quotations are a scammer's lines reported, not a request to the reader.
    talks_about_scams: bool,
}

/// The cue words of the data file, by what they do.
#[derive(Debug, Clone, Copy)]
pub struct CueWords<'a> {
    pub negations: &'a [String],
    pub warnings: &'a [String],
    pub decoys: &'a [String],
    pub requests: &'a [String],
    pub senders: &'a [String],
    pub reports: &'a [String],
    pub speech: &'a [String],
}

/// Why the cue words cannot be used.
#[derive(Debug, thiserror::Error)]
pub enum CueError {
    /// One phrase in two lists: which job it does would depend on the order of the lists.
    #[error(
        "`{phrase}` is listed under both `{first}` and `{second}`: a cue word does one job, keep it in one list"
    )]
    InTwoLists {
        phrase: String,
        first: &'static str,
        second: &'static str,
    },
    #[error("the cue words could not be compiled: {0}")]
    Build(#[from] aho_corasick::BuildError),
}

impl Cues {
    /// Builds the cue matcher. Phrases must already be normalised and non-empty; a phrase may
    /// stand in one list only.
    pub fn new(words: CueWords<'_>) -> Result<Self, CueError> {
        let mut phrases = Vec::new();
        let mut kinds = Vec::new();
        let mut lists: std::collections::HashMap<&str, &'static str> = Default::default();
        for (list, kind, name) in [
            (words.negations, CueKind::Negation, "negations"),
            (words.warnings, CueKind::Warning, "warnings"),
            (words.decoys, CueKind::Decoy, "decoys"),
            (words.requests, CueKind::Request, "requests"),
            (words.senders, CueKind::Sender, "senders"),
            (words.reports, CueKind::Report, "reports"),
            (words.speech, CueKind::Speech, "speech"),
        ] {
            for phrase in list {
                match lists.insert(phrase.as_str(), name) {
                    Some(first) if first != name => {
                        return Err(CueError::InTwoLists {
                            phrase: phrase.clone(),
                            first,
                            second: name,
                        });
                    }
                    // Said twice in one list: harmless.
                    Some(_) => continue,
                    None => {}
                }
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
        let mut introductions = Vec::new();
        found.quotes = quotations(&text.normalized);
        // Warning, negation and report words that are the message's own, not the sender's name.
        let mut own_cues = Vec::new();
        for m in self.automaton.find_iter(&text.normalized) {
            let kind = self.kinds[m.pattern().as_usize()];
            if matches!(kind, CueKind::Warning | CueKind::Negation | CueKind::Report)
                && !text.inside_tag(&m.range())
                && !introductions.contains(&text.clause_start(m.start(), false))
            {
                own_cues.push(m.range());
            }
            match kind {
                CueKind::Sender => {
                    if text.clause_start(m.start(), false) == m.start() {
                        introductions.push(m.start());
                    }
                }
                CueKind::Negation => found.negations.push(m.range()),
                // A sender's tag names who sends the message (a scammer may call himself
                // 【国家反诈中心】); the body has to do the warning.
                CueKind::Warning if text.inside_tag(&m.range()) => {}
                CueKind::Warning => found.warnings.push(m.range()),
                CueKind::Request => found.requests.push(m.range()),
                CueKind::Speech => {
                    let end = text.clause_end(m.end(), false);
                    if end > m.end() {
                        found.quotes.push(m.end()..end);
                    }
                }
                CueKind::Decoy | CueKind::Report => {}
            }
        }
        let quotes = &found.quotes;
        found.talks_about_scams = !quotes.is_empty()
            && own_cues
                .iter()
                .any(|r| !quotes.iter().any(|q| q.start <= r.start && r.end <= q.end));
        // A self-introduction names the sender ("这里是反诈中心"), like a tag.
        if !introductions.is_empty() {
            found
                .warnings
                .retain(|w| !introductions.contains(&text.clause_start(w.start, false)));
        }
        found
    }
}

/// The spans inside quotation marks, each from its opening mark to its closing one (an unclosed
/// quotation runs to the end of its sentence, at most).
fn quotations(normalized: &str) -> Vec<Range<usize>> {
    let mut quotes = Vec::new();
    let mut open: Option<(usize, char)> = None;
    for (at, c) in normalized.char_indices() {
        match (open, c) {
            (None, '“' | '「' | '『' | '"') => open = Some((at + c.len_utf8(), c)),
            (Some((start, opener)), _)
                if matches!(
                    (opener, c),
                    ('“', '”') | ('「', '」') | ('『', '』') | ('"', '"')
                ) =>
            {
                quotes.push(start..at);
                open = None;
            }
            _ => {}
        }
    }
    quotes
}

impl FoundCues {
    /// Whether the match at `matched` is cancelled by its context: it is negated in its clause or
    /// sits in a sentence that warns about scams. A `request` (a pattern that asks the reader to
    /// act) addressed to the reader is only cancelled by a negation.
    pub fn cancels(&self, text: &ScanText<'_>, matched: &Range<usize>, request: bool) -> bool {
        if self.talks_about_scams
            && self
                .quotes
                .iter()
                .any(|q| q.start <= matched.start && matched.start < q.end)
        {
            return true;
        }
        if self.warnings.is_empty() && self.negations.is_empty() {
            return false;
        }
        let addressed = request && self.addressed_to_reader(text, matched);
        let sentence = text.clause_start(matched.start, true)..text.clause_end(matched.end, true);
        if !addressed
            && self
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

    /// Forgets the warning words that lie inside the words of a request addressed to the reader:
    /// they name what is asked for ("请立即下载反诈保护APP"), they do not warn about it.
    pub fn ignore_warnings_inside(&mut self, requests: &[Range<usize>]) {
        self.warnings.retain(|w| {
            !requests
                .iter()
                .any(|r| r.start <= w.start && w.end <= r.end)
        });
    }

    /// Whether a request is addressed to the reader: earlier in its sentence a clause opens with
    /// a request word (请, 立即 …), not inside quotation marks (a scammer's words quoted in a
    /// warning), and no warning or negation stands between that word and the request
    /// ("请注意，骗子会让你下载…" reports a request; "请点击链接下载…" makes one).
    pub fn addressed_to_reader(&self, text: &ScanText<'_>, matched: &Range<usize>) -> bool {
        let sentence_start = text.clause_start(matched.start, true);
        let Some(opener) = self
            .requests
            .iter()
            .rev()
            .filter(|r| r.start >= sentence_start && r.end <= matched.start)
            .find(|r| text.clause_start(r.start, false) == r.start)
        else {
            return false;
        };
        let between = opener.end..matched.start;
        let interrupted = self
            .warnings
            .iter()
            .chain(&self.negations)
            .any(|cue| cue.start >= between.start && cue.start < between.end);
        !interrupted && !text.opens_quote_before(opener.start)
    }
}
