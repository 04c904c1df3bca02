//! Evaluation: runs a file of questions with expected answers against the engine and says which
//! ones it gets wrong. The format is one JSON object per line:
//! `{"id": "d01", "kind": "figure"|"passage"|"none", "q": "拦截了多少涉诈电话", "expect": "19.5亿"}`.
//!
//! - `figure`: the first figure's value must contain `expect`;
//! - `passage`: one of the first three passages must contain `expect`;
//! - `none`: the engine must say it does not know.

use serde::Deserialize;

use crate::answer::Answer;
use crate::answer::engine::Engine;

/// What kind of answer a question expects.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum ExpectedKind {
    Figure,
    Passage,
    None,
}

/// One line of an evaluation file.
#[derive(Debug, Clone, Deserialize)]
pub struct EvalQuestion {
    #[serde(default)]
    pub id: String,
    pub kind: ExpectedKind,
    pub q: String,
    #[serde(default)]
    pub expect: String,
}

/// A question the engine got wrong.
#[derive(Debug, Clone)]
pub struct EvalFailure {
    pub question: EvalQuestion,
    /// What the engine answered, in a few words.
    pub got: String,
}

/// The result of an evaluation run.
#[derive(Debug, Default)]
pub struct EvalReport {
    pub total: usize,
    pub failures: Vec<EvalFailure>,
}

impl EvalReport {
    pub fn passed(&self) -> usize {
        self.total - self.failures.len()
    }
}

/// A line of the file that is not a valid question.
#[derive(Debug, thiserror::Error)]
#[error("line {line}: {message}")]
pub struct EvalParseError {
    pub line: usize,
    pub message: String,
}

/// Parses an evaluation file; blank lines and `#` comments are skipped.
pub fn parse_questions(text: &str) -> Result<Vec<EvalQuestion>, EvalParseError> {
    let mut questions = Vec::new();
    for (i, line) in text.lines().enumerate() {
        let line = line.trim();
        if line.is_empty() || line.starts_with('#') {
            continue;
        }
        let question: EvalQuestion = serde_json::from_str(line).map_err(|err| EvalParseError {
            line: i + 1,
            message: format!("not a question object ({err}); expected {{\"kind\": \"figure\"|\"passage\"|\"none\", \"q\": \"…\", \"expect\": \"…\"}}"),
        })?;
        if question.kind != ExpectedKind::None && question.expect.is_empty() {
            return Err(EvalParseError {
                line: i + 1,
                message: "\"expect\" is missing or empty".into(),
            });
        }
        questions.push(question);
    }
    Ok(questions)
}

/// Whether an answer is right for the question; `Err` says what was got instead.
pub fn judge(question: &EvalQuestion, answer: &Answer) -> Result<(), String> {
    let expect = question.expect.as_str();
    match question.kind {
        ExpectedKind::Figure => match answer.figures.first() {
            Some(figure) if answer.answered && figure.figure.value.contains(expect) => Ok(()),
            Some(figure) if answer.answered => Err(format!(
                "figure {} ({})",
                figure.figure.value, figure.figure.label
            )),
            _ if answer.answered => Err("no figure".into()),
            _ => Err("not answered".into()),
        },
        ExpectedKind::Passage => {
            if !answer.answered {
                return Err("not answered".into());
            }
            if answer
                .passages
                .iter()
                .take(3)
                .any(|p| p.text.contains(expect))
            {
                Ok(())
            } else {
                Err(answer.passages.first().map_or("no passage".into(), |p| {
                    format!("passage {}", crate::render::quote(&p.text, 40))
                }))
            }
        }
        ExpectedKind::None => {
            if answer.answered {
                let got = answer
                    .figures
                    .first()
                    .map(|f| format!("figure {}", f.figure.value))
                    .or_else(|| {
                        answer
                            .passages
                            .first()
                            .map(|p| format!("passage {}", crate::render::quote(&p.text, 40)))
                    })
                    .unwrap_or_default();
                Err(format!("answered: {got}"))
            } else {
                Ok(())
            }
        }
    }
}

/// Runs every question against the engine.
pub fn evaluate(engine: &Engine, questions: &[EvalQuestion]) -> EvalReport {
    let mut report = EvalReport {
        total: questions.len(),
        failures: Vec::new(),
    };
    for question in questions {
        let answer = engine.answer(&question.q);
        if let Err(got) = judge(question, &answer) {
            report.failures.push(EvalFailure {
                question: question.clone(),
                got,
            });
        }
    }
    report
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_questions_and_reports_bad_lines() {
        let text = "{\"id\":\"a\",\"kind\":\"figure\",\"q\":\"x\",\"expect\":\"1\"}\n\n{\"kind\":\"none\",\"q\":\"y\"}\n";
        assert_eq!(parse_questions(text).unwrap().len(), 2);
        let err = parse_questions("{\"kind\":\"figure\",\"q\":\"x\"}\nnot json").unwrap_err();
        assert_eq!(err.line, 1);
        let err = parse_questions("{\"kind\":\"none\",\"q\":\"x\"}\nnot json").unwrap_err();
        assert_eq!(err.line, 2);
    }
}
