//! A question's words and finding them in texts: each [`QueryTerm`] with the words that mean the
//! same, compiled once per question into [`TermFinders`], and the [`TermSet`] of terms a text holds
//! that ranking scores coverage with. A [`TextSignature`], worked out once per text at index time,
//! rules out most words a text cannot hold before they are searched for.

use serde::{Deserialize, Serialize};

/// One word of the question to look for, and the other words that mean the same.
#[derive(Debug, Clone, PartialEq)]
pub struct QueryTerm {
    pub text: String,
    pub alternatives: Vec<String>,
    /// 1.0 for content words; lower for generic ones ("数量", single characters).
    pub weight: f32,
}

impl QueryTerm {
    /// Every form of the word: itself first, then its alternatives.
    pub fn forms(&self) -> impl Iterator<Item = &str> {
        std::iter::once(self.text.as_str()).chain(self.alternatives.iter().map(String::as_str))
    }
}

/// A question's words ready to be looked for in many texts. Ranking checks every form of every
/// word against every candidate passage and figure; each form's substring searcher is built
/// once per question instead of once per check. (One Aho-Corasick automaton over all the forms
/// reads each text once, but was measured slower here: memchr's searchers skip through a text.)
///
/// The forms are kept side by side in flat lists, their signatures apart from their searchers:
/// most checks end at a signature (32 bytes), and a searcher is ten times that size.
pub struct TermFinders {
    /// Term number `t`'s forms are `forms[t].clone()` in the lists below.
    forms: Vec<std::ops::Range<usize>>,
    /// The term each form is a form of.
    form_terms: Vec<usize>,
    signatures: Vec<TextSignature>,
    finders: Vec<FormFinder>,
}

/// One form of a question word, compiled for substring search.
struct FormFinder {
    finder: memchr::memmem::Finder<'static>,
    /// Bytes in the form's first character: the step from one overlapping occurrence to the next.
    first_char_len: usize,
}

impl TermFinders {
    pub fn new(terms: &[QueryTerm]) -> Self {
        let mut finders = Self {
            forms: Vec::with_capacity(terms.len()),
            form_terms: Vec::new(),
            signatures: Vec::new(),
            finders: Vec::new(),
        };
        for (number, term) in terms.iter().enumerate() {
            let start = finders.finders.len();
            for form in term.forms() {
                finders.form_terms.push(number);
                finders.signatures.push(TextSignature::of(form));
                finders.finders.push(FormFinder {
                    finder: memchr::memmem::Finder::new(form).into_owned(),
                    first_char_len: form.chars().next().map_or(1, char::len_utf8),
                });
            }
            finders.forms.push(start..finders.finders.len());
        }
        finders
    }

    /// How many terms there are.
    pub fn term_count(&self) -> usize {
        self.forms.len()
    }

    /// Whether `text` contains term number `term` itself or one of its alternatives.
    pub fn found(&self, term: usize, text: &str) -> bool {
        self.forms.get(term).is_some_and(|forms| {
            self.finders[forms.clone()]
                .iter()
                .any(|form| form.finder.find(text.as_bytes()).is_some())
        })
    }

    /// The terms `text` contains (itself or an alternative). A text checked for several things
    /// (coverage, context, label precision) is searched once this way.
    pub fn found_in(&self, text: &str) -> TermSet {
        if text.is_empty() {
            return TermSet::default();
        }
        self.found_in_signed(text, &TextSignature::of(text))
    }

    /// [`TermFinders::found_in`] for a text whose signature was worked out at index time: only
    /// the forms the signature allows are searched for.
    pub fn found_in_signed(&self, text: &str, signature: &TextSignature) -> TermSet {
        let mut found = TermSet::default();
        // One flat pass over the forms: the signature test first (a few instructions), the
        // substring search only where it passes and the term is not found yet.
        for (form, (form_signature, &term)) in
            self.signatures.iter().zip(&self.form_terms).enumerate()
        {
            if signature.may_hold(form_signature)
                && !found.contains(term)
                && self.finders[form].finder.find(text.as_bytes()).is_some()
            {
                found.insert(term);
            }
        }
        found
    }

    /// Calls `visit` with every occurrence in `text` of every form, overlapping ones included:
    /// the term it is a form of, and the byte range it covers, term by term.
    /// `signature` is the text's, from index time.
    pub fn for_each_occurrence(
        &self,
        text: &str,
        signature: &TextSignature,
        mut visit: impl FnMut(usize, std::ops::Range<usize>),
    ) {
        let bytes = text.as_bytes();
        for (form, (form_signature, &term)) in
            self.signatures.iter().zip(&self.form_terms).enumerate()
        {
            let form = &self.finders[form];
            let length = form.finder.needle().len();
            if length == 0 || !signature.may_hold(form_signature) {
                continue;
            }
            let mut from = 0;
            while let Some(at) = form.finder.find(&bytes[from..]) {
                let start = from + at;
                visit(term, start..start + length);
                from = start + form.first_char_len;
            }
        }
    }
}

/// The characters and the pairs of neighbouring characters a text holds, each hashed to one of
/// 256 bits. A text holds a word only if its signature has every bit of the word's: checking
/// that takes a few instructions, a substring search a hundred, and most words of a question
/// are not in most texts ranking looks at. (A bit set by another character or pair only lets a
/// search through; it never hides a word.)
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct TextSignature([u64; 4]);

impl TextSignature {
    /// The signature of `text` (a search key, as the words are).
    pub fn of(text: &str) -> Self {
        let mut signature = Self::default();
        let mut previous = None;
        for c in text.chars() {
            signature.set(Self::bit(u64::from(c)));
            if let Some(previous) = previous {
                signature.set(Self::bit(
                    (u64::from(previous) << 21 | u64::from(c)) ^ PAIR_SALT,
                ));
            }
            previous = Some(c);
        }
        signature
    }

    /// Whether a text with this signature may hold a word with signature `word`.
    pub fn may_hold(&self, word: &Self) -> bool {
        // Without early exits: four AND-NOTs and one test, in a couple of vector instructions.
        let missing = self
            .0
            .iter()
            .zip(&word.0)
            .fold(0, |missing, (text, word)| missing | (word & !text));
        missing == 0
    }

    /// Fibonacci hashing: the top 8 bits of the product pick the bit.
    fn bit(key: u64) -> u32 {
        (key.wrapping_mul(0x9E37_79B9_7F4A_7C15) >> 56) as u32
    }

    fn set(&mut self, bit: u32) {
        self.0[bit as usize / 64] |= 1 << (bit % 64);
    }
}

/// Keeps a pair's key apart from any single character's (a character is below 2^21).
const PAIR_SALT: u64 = 1 << 63;

/// A set of a question's terms, by number. A question holds at most
/// [`MAX_QUESTION_CHARS`](crate::normalize::MAX_QUESTION_CHARS) characters, so it has fewer terms
/// than the set can hold; a term past [`TermSet::CAPACITY`] is never found.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct TermSet([u64; 4]);

const _: () = assert!(crate::normalize::MAX_QUESTION_CHARS < TermSet::CAPACITY);

impl TermSet {
    pub const CAPACITY: usize = 256;

    pub fn insert(&mut self, term: usize) {
        if term < Self::CAPACITY {
            self.0[term / 64] |= 1 << (term % 64);
        }
    }

    pub fn contains(&self, term: usize) -> bool {
        term < Self::CAPACITY && self.0[term / 64] & (1 << (term % 64)) != 0
    }

    pub fn union(self, other: Self) -> Self {
        let mut both = self;
        for (word, other) in both.0.iter_mut().zip(other.0) {
            *word |= other;
        }
        both
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn term(text: &str, alternatives: &[&str]) -> QueryTerm {
        QueryTerm {
            text: text.to_string(),
            alternatives: alternatives.iter().map(|a| (*a).to_string()).collect(),
            weight: 1.0,
        }
    }

    #[test]
    fn a_term_is_found_by_any_of_its_forms_and_every_occurrence_is_listed() {
        let finders = TermFinders::new(&[term("骗子", &["涉诈"]), term("电话", &[])]);
        assert!(finders.found(0, "拦截涉诈电话"));
        assert!(!finders.found(2, "拦截涉诈电话"), "no such term");
        let found = finders.found_in("拦截涉诈电话");
        assert!(found.contains(0) && found.contains(1));
        assert_eq!(finders.found_in("今天天气不错"), TermSet::default());
        let text = "电话电话";
        let mut occurrences = Vec::new();
        finders.for_each_occurrence(text, &TextSignature::of(text), |term, range| {
            occurrences.push((term, range));
        });
        assert_eq!(occurrences, [(1, 0..6), (1, 6..12)]);
    }

    #[test]
    fn a_signature_never_hides_a_word_and_rules_out_most_others() {
        let text = "2021年工信部拦截涉诈电话19.5亿次、短信21.4亿条";
        let signature = TextSignature::of(text);
        for start in text.char_indices().map(|(i, _)| i) {
            for end in text[start..]
                .char_indices()
                .map(|(i, c)| start + i + c.len_utf8())
            {
                assert!(signature.may_hold(&TextSignature::of(&text[start..end])));
            }
        }
        let finders = TermFinders::new(&[term("电话", &[]), term("诈骗", &["骗子"])]);
        let found = finders.found_in_signed(text, &signature);
        assert!(found.contains(0) && !found.contains(1));
        let absent = [
            "公安部",
            "冒充客服",
            "养老",
            "刷单返利",
            "银行卡",
            "反诈中心",
            "预警劝阻",
        ];
        let ruled_out = absent
            .iter()
            .filter(|word| !signature.may_hold(&TextSignature::of(word)))
            .count();
        assert!(ruled_out >= 5, "{ruled_out} of {} ruled out", absent.len());
    }

    #[test]
    fn term_sets_hold_every_term_a_question_can_have() {
        let mut set = TermSet::default();
        for term in [0, 63, 64, 200, TermSet::CAPACITY - 1] {
            set.insert(term);
        }
        assert!(set.contains(63) && set.contains(64) && set.contains(200));
        assert!(!set.contains(1) && !set.contains(TermSet::CAPACITY));
        let other = {
            let mut other = TermSet::default();
            other.insert(1);
            other
        };
        assert!(set.union(other).contains(1) && set.union(other).contains(255));
    }
}
