//! How much of a question a text covers: the IDF-weighted share of its terms a passage, sentence
//! or label holds (terms found only around it count half), and how precisely a figure's label
//! states what was asked.

use smallvec::SmallVec;

use crate::search::terms::{TermFinders, TermSet, TextSignature};

/// The IDF-weighted share of the question's terms in `found` (see [`TermFinders::found_in`]).
pub(super) fn coverage(weights: &[f32], found: TermSet) -> f32 {
    coverage_in_context(weights, found, TermSet::default())
}

/// [`coverage`] of the terms `found` in a text, where a term found only in its context (the
/// terms `around` it: the paragraph and the article's title around a sentence) counts half.
pub(super) fn coverage_in_context(weights: &[f32], found: TermSet, around: TermSet) -> f32 {
    let total: f32 = weights.iter().sum();
    if total <= 0.0 {
        return 0.0;
    }
    let covered: f32 = weights
        .iter()
        .enumerate()
        .map(|(term, &weight)| {
            if found.contains(term) {
                weight
            } else if around.contains(term) {
                weight * 0.5
            } else {
                0.0
            }
        })
        .sum();
    (covered / total).max(0.0)
}

/// The terms a label holds, and the share of its characters that the question's words account
/// for (its precision): "拦截涉诈电话" is fully covered by "拦截 涉诈 电话", "拦截涉诈短信" only
/// two-thirds.
///
/// Who did it ("工信部拦截涉诈电话") does not make a label less precise: it is counted from the
/// first character a word of the question's subject accounts for. Change words (`changes`:
/// 同比, 上升 …) do not mark that start: every change figure has them, so "抓获犯罪嫌疑人同比上升"
/// is not a precise answer to "破案数同比上升了多少" — its subject is left out, not its actor.
pub(super) fn label_fit(
    finders: &TermFinders,
    label: &str,
    signature: &TextSignature,
    changes: TermSet,
) -> (TermSet, f32) {
    let mut found = TermSet::default();
    // Covered bytes; a character counts as covered when its first byte is. Labels are short:
    // the buffer lives on the stack unless a label is unusually long (this runs for every
    // candidate figure of every question).
    let mut on_stack = [false; 192];
    let mut on_heap = Vec::new();
    let covered: &mut [bool] = if label.len() <= on_stack.len() {
        &mut on_stack[..label.len()]
    } else {
        on_heap.resize(label.len(), false);
        &mut on_heap
    };
    // Labels are short and hold few of the question's words: on the stack as a rule.
    let mut occurrences: SmallVec<[(usize, std::ops::Range<usize>); 16]> = SmallVec::new();
    finders.for_each_occurrence(label, signature, |term, range| {
        occurrences.push((term, range));
    });
    let change_from = occurrences
        .iter()
        .filter(|(term, _)| changes.contains(*term))
        .map(|(_, range)| range.start)
        .min();
    // A subject word inside a change word ("上" of "发布会上" in "上升") is not the subject.
    let inside_change = |range: &std::ops::Range<usize>| {
        occurrences.iter().any(|(term, change)| {
            changes.contains(*term) && change.start <= range.start && range.end <= change.end
        })
    };
    // Nor is a single character ("数" of "破案数" in "人数"): the subject is a word.
    let subject_from = occurrences
        .iter()
        .filter(|(term, range)| {
            !changes.contains(*term)
                && !inside_change(range)
                && label[range.clone()].chars().nth(1).is_some()
        })
        .map(|(_, range)| range.start)
        .min();
    for (term, range) in occurrences.iter().cloned() {
        found.insert(term);
        covered[range].fill(true);
    }
    // A question of change words alone has no subject: then they mark the start.
    let from = if (0..finders.term_count()).all(|term| changes.contains(term)) {
        change_from
    } else {
        subject_from
    };
    let precision = from.map_or(0.0, |from| {
        label_precision(&label[from..], &covered[from..])
    });
    (found, precision)
}

/// The share of `label`'s characters `covered` (by byte), counted from its first character.
fn label_precision(label: &str, covered: &[bool]) -> f32 {
    let (hits, total) = label.char_indices().fold((0, 0), |(hits, total), (i, _)| {
        (hits + usize::from(covered[i]), total + 1)
    });
    if total == 0 {
        return 0.0;
    }
    hits as f32 / total as f32
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::search::terms::QueryTerm;

    /// [`label_fit`] of a label, with its signature worked out here.
    fn fit(finders: &TermFinders, label: &str, changes: TermSet) -> (TermSet, f32) {
        label_fit(finders, label, &TextSignature::of(label), changes)
    }

    fn finders(words: &[(&str, &[&str])]) -> TermFinders {
        let terms: Vec<QueryTerm> = words
            .iter()
            .map(|(text, alternatives)| QueryTerm {
                text: (*text).to_string(),
                alternatives: alternatives.iter().map(|a| (*a).to_string()).collect(),
                weight: 1.0,
            })
            .collect();
        TermFinders::new(&terms)
    }

    #[test]
    fn a_label_is_precise_from_its_subject_not_from_change_words_or_single_characters() {
        // "破案数同比上升了多少": 破案 (~破获), 数, 同比, 上升.
        let finders = finders(&[
            ("破案", &["破获"]),
            ("数", &[]),
            ("同比", &[]),
            ("上升", &[]),
        ]);
        let mut changes = TermSet::default();
        changes.insert(2);
        changes.insert(3);
        let (_, subject) = fit(&finders, "破获电信网络诈骗案件同比上升", changes);
        let (found, other) = fit(&finders, "抓获的犯罪嫌疑人数同比上升", changes);
        assert!(found.contains(1) && found.contains(3));
        assert_eq!(
            other, 0.0,
            "no word of the subject, only 数 and change words"
        );
        assert!(subject > 0.4, "{subject}");
        // The actor before the subject does not count against it.
        let (_, with_actor) = fit(&finders, "公安机关破获案件同比上升", changes);
        let (_, without) = fit(&finders, "破获案件同比上升", changes);
        assert_eq!(with_actor, without);
        // A question of change words alone is measured from them.
        let only = {
            let mut all = TermSet::default();
            all.insert(0);
            all
        };
        let finders = self::finders(&[("同比", &[])]);
        assert_eq!(fit(&finders, "同比", only).1, 1.0);
    }
}
