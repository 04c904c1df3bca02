//! A question's words and finding them in texts: each [`QueryTerm`] with the words that mean the
//! same, compiled once per question into [`TermFinders`], and the [`TermSet`] of terms a text holds
//! that ranking scores coverage with.

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
pub struct TermFinders {
    per_term: Vec<Vec<FormFinder>>,
}

/// One form of a question word, compiled for substring search.
struct FormFinder {
    finder: memchr::memmem::Finder<'static>,
    /// Bytes in the form's first character: the step from one overlapping occurrence to the next.
    first_char_len: usize,
}

impl TermFinders {
    pub fn new(terms: &[QueryTerm]) -> Self {
        let per_term = terms
            .iter()
            .map(|term| {
                term.forms()
                    .map(|form| FormFinder {
                        finder: memchr::memmem::Finder::new(form).into_owned(),
                        first_char_len: form.chars().next().map_or(1, char::len_utf8),
                    })
                    .collect()
            })
            .collect();
        Self { per_term }
    }

    /// How many terms there are.
    pub fn term_count(&self) -> usize {
        self.per_term.len()
    }

    /// Whether `text` contains term number `term` itself or one of its alternatives.
    pub fn found(&self, term: usize, text: &str) -> bool {
        self.per_term.get(term).is_some_and(|forms| {
            forms
                .iter()
                .any(|form| form.finder.find(text.as_bytes()).is_some())
        })
    }

    /// The terms `text` contains (itself or an alternative). A text checked for several things
    /// (coverage, context, label precision) is searched once this way.
    pub fn found_in(&self, text: &str) -> TermSet {
        let mut found = TermSet::default();
        for term in 0..self.term_count().min(TermSet::CAPACITY) {
            if self.found(term, text) {
                found.insert(term);
            }
        }
        found
    }

    /// Every occurrence in `text` of every form, overlapping ones included: the term it is a
    /// form of, and the byte range it covers.
    pub fn occurrences<'t>(
        &'t self,
        text: &'t str,
    ) -> impl Iterator<Item = (usize, std::ops::Range<usize>)> + 't {
        let bytes = text.as_bytes();
        self.per_term
            .iter()
            .enumerate()
            .flat_map(|(term, forms)| forms.iter().map(move |form| (term, form)))
            .filter(|(_, form)| !form.finder.needle().is_empty())
            .flat_map(move |(term, form)| {
                let length = form.finder.needle().len();
                let mut from = 0;
                std::iter::from_fn(move || {
                    let start = from + form.finder.find(&bytes[from..])?;
                    from = start + form.first_char_len;
                    Some((term, start..start + length))
                })
            })
    }
}

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
        let occurrences: Vec<(usize, std::ops::Range<usize>)> =
            finders.occurrences("电话电话").collect();
        assert_eq!(occurrences, [(1, 0..6), (1, 6..12)]);
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
