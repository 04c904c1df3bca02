//! Property tests: no question, however odd, makes the engine or the renderers panic, and an
//! answer is always consistent (a figure or passage only when answered).

use fanzha_bot::normalize::{MAX_QUESTION_CHARS, normalize_question};
use fanzha_bot::render;
use proptest::prelude::*;

use crate::support::ENGINE;

fn question() -> impl Strategy<Value = String> {
    prop_oneof![
        any::<String>(),
        "[\\p{Han}]{0,40}",
        "[\\p{Han}0-9a-zA-Z%.·、，。？！@/<>&\"' \\t\\n]{0,80}",
        "(/ask(@[a-z_]{1,10})? )?[\\p{Han}]{1,10}(多少|几)[\\p{Han}]{0,6}",
        prop::collection::vec(any::<char>(), 0..300).prop_map(|c| c.into_iter().collect()),
    ]
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(200))]

    #[test]
    fn answering_never_panics_and_is_consistent(q in question()) {
        let answer = ENGINE.answer(&q);
        if !answer.answered {
            prop_assert!(answer.figures.is_empty() && answer.passages.is_empty());
        } else {
            prop_assert!(!answer.figures.is_empty() || !answer.passages.is_empty());
        }
        prop_assert!((0.0..=1.0).contains(&answer.confidence));
        let plain = render::plain(&answer);
        prop_assert!(!plain.is_empty());
        let json: serde_json::Value = serde_json::from_str(&render::json(&answer)).unwrap();
        prop_assert_eq!(json["answered"].as_bool(), Some(answer.answered));
    }

    #[test]
    fn normalised_questions_are_bounded_and_clean(q in question()) {
        let normalized = normalize_question(&q);
        prop_assert!(normalized.chars().count() <= MAX_QUESTION_CHARS);
        prop_assert!(!normalized.chars().any(char::is_control));
        prop_assert_eq!(normalized.trim(), normalized.as_str());
    }
}

/// A huge paste is read only up to the question cap, and still answered (how long it takes is
/// measured in `benches/answer.rs`).
#[test]
fn huge_question_is_answered() {
    let huge = "拦截了多少涉诈电话".repeat(2_000);
    let answer = ENGINE.answer(&huge);
    assert!(answer.answered);
    assert!(answer.figures[0].figure.value.contains("19.5亿"));
}
