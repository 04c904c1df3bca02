//! What people asked and what they thought of the answers: questions (text, chat type, time,
//! answered or not; never who asked), the 👍/👎 votes (the voter only as a keyed hash, see
//! [`super::vote_key`]), and the maintainers'
//! report built from them (`fanzha-bot feedback`, `/report`).

use std::fmt;

use chrono::{DateTime, Utc};
use sqlx::Row;

use super::{Database, DatabaseError};

/// A question as the bot received it.
#[derive(Debug, Clone)]
pub struct AskedQuestion {
    /// The id the answer's buttons refer to.
    pub id: u64,
    pub text: String,
    /// `private`, `group`, `supergroup`, `channel` or `inline`.
    pub chat_type: &'static str,
    pub answered: bool,
    pub asked_at: DateTime<Utc>,
}

/// A new question id: random, positive as a signed 64-bit number (how it is stored).
pub fn new_question_id() -> u64 {
    rand::random::<u64>() >> 1
}

impl Database {
    /// Stores a question.
    pub async fn record_question(&self, question: &AskedQuestion) -> Result<(), DatabaseError> {
        sqlx::query(
            "INSERT INTO questions (id, asked_at, chat_type, user_hash, question, question_key, answered)
             VALUES ($1, $2, $3, $4, $5, $6, $7)",
        )
        .bind(question.id as i64)
        .bind(question.asked_at.timestamp())
        .bind(question.chat_type)
        // Who asked is never stored: the report needs what was asked, not by whom.
        .bind(None::<String>)
        .bind(&question.text)
        .bind(question_key(&question.text))
        .bind(i64::from(question.answered))
        .execute(&self.pool)
        .await?;
        Ok(())
    }

    /// The text of a stored question, if it exists.
    pub async fn question_text(&self, id: u64) -> Result<Option<String>, DatabaseError> {
        let row = sqlx::query("SELECT question FROM questions WHERE id = $1")
            .bind(id as i64)
            .fetch_optional(&self.pool)
            .await?;
        Ok(row.map(|row| row.try_get::<String, _>(0)).transpose()?)
    }

    /// Stores a user's verdict on an answer; a second vote by the same user replaces the first.
    pub async fn record_vote(
        &self,
        question: u64,
        user: u64,
        helpful: bool,
    ) -> Result<(), DatabaseError> {
        sqlx::query(
            "INSERT INTO feedback (question_id, user_hash, verdict, given_at) VALUES ($1, $2, $3, $4)
             ON CONFLICT (question_id, user_hash)
             DO UPDATE SET verdict = excluded.verdict, given_at = excluded.given_at",
        )
        .bind(question as i64)
        .bind(self.user_hash(user))
        .bind(if helpful { 1_i64 } else { -1_i64 })
        .bind(Utc::now().timestamp())
        .execute(&self.pool)
        .await?;
        Ok(())
    }

    /// The maintainers' report: the `limit` most asked, unanswered and down-voted questions.
    pub async fn report(&self, limit: usize) -> Result<FeedbackReport, DatabaseError> {
        let limit = i64::try_from(limit).unwrap_or(i64::MAX);
        let counted = |sql: &'static str| {
            let pool = self.pool.clone();
            async move {
                let rows = sqlx::query(sql).bind(limit).fetch_all(&pool).await?;
                rows.iter()
                    .map(|row| {
                        Ok(QuestionCount {
                            question: row.try_get(0)?,
                            count: row.try_get(1)?,
                        })
                    })
                    .collect::<Result<Vec<_>, sqlx::Error>>()
            }
        };
        let most_asked = counted(
            "SELECT MIN(question), COUNT(*) AS asked FROM questions
             GROUP BY question_key ORDER BY asked DESC, MIN(question) LIMIT $1",
        )
        .await?;
        let unanswered = counted(
            "SELECT MIN(question), COUNT(*) AS asked FROM questions WHERE answered = 0
             GROUP BY question_key ORDER BY asked DESC, MIN(question) LIMIT $1",
        )
        .await?;
        let rows = sqlx::query(
            "SELECT MIN(q.question),
                    COUNT(CASE WHEN f.verdict < 0 THEN 1 END) AS down,
                    COUNT(CASE WHEN f.verdict > 0 THEN 1 END) AS up
             FROM feedback f JOIN questions q ON q.id = f.question_id
             GROUP BY q.question_key
             HAVING COUNT(CASE WHEN f.verdict < 0 THEN 1 END) > 0
             ORDER BY down DESC, MIN(q.question) LIMIT $1",
        )
        .bind(limit)
        .fetch_all(&self.pool)
        .await?;
        let down_voted = rows
            .iter()
            .map(|row| {
                Ok(VotedQuestion {
                    question: row.try_get(0)?,
                    down: row.try_get(1)?,
                    up: row.try_get(2)?,
                })
            })
            .collect::<Result<Vec<_>, sqlx::Error>>()?;
        let totals =
            sqlx::query("SELECT COUNT(*), COUNT(CASE WHEN answered = 0 THEN 1 END) FROM questions")
                .fetch_one(&self.pool)
                .await?;
        Ok(FeedbackReport {
            questions: totals.try_get(0)?,
            unanswered_questions: totals.try_get(1)?,
            most_asked,
            unanswered,
            down_voted,
        })
    }

    /// Questions asked since `since`: (answered, unanswered).
    pub async fn questions_since(&self, since: DateTime<Utc>) -> Result<(i64, i64), DatabaseError> {
        let row = sqlx::query(
            "SELECT COUNT(CASE WHEN answered <> 0 THEN 1 END), COUNT(CASE WHEN answered = 0 THEN 1 END)
             FROM questions WHERE asked_at >= $1",
        )
        .bind(since.timestamp())
        .fetch_one(&self.pool)
        .await?;
        Ok((row.try_get(0)?, row.try_get(1)?))
    }
}

/// How questions are grouped in the report: case, width and spacing ignored.
fn question_key(text: &str) -> String {
    crate::normalize::to_half_width(text)
        .to_lowercase()
        .split_whitespace()
        .collect::<Vec<_>>()
        .join(" ")
}

/// A question and how often it was asked.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct QuestionCount {
    pub question: String,
    pub count: i64,
}

/// A question and the verdicts on its answers.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct VotedQuestion {
    pub question: String,
    pub down: i64,
    pub up: i64,
}

/// What `fanzha-bot feedback` prints.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FeedbackReport {
    pub questions: i64,
    pub unanswered_questions: i64,
    pub most_asked: Vec<QuestionCount>,
    pub unanswered: Vec<QuestionCount>,
    pub down_voted: Vec<VotedQuestion>,
}

impl fmt::Display for FeedbackReport {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        writeln!(
            f,
            "{} questions asked, {} unanswered",
            self.questions, self.unanswered_questions
        )?;
        let section = |f: &mut fmt::Formatter<'_>, title: &str, lines: Vec<String>| {
            writeln!(f, "\n{title}:")?;
            if lines.is_empty() {
                writeln!(f, "  (none)")?;
            }
            for line in lines {
                writeln!(f, "  {line}")?;
            }
            Ok(())
        };
        let counts = |list: &[QuestionCount]| {
            list.iter()
                .map(|q| format!("{:>4}× {}", q.count, one_line(&q.question)))
                .collect()
        };
        section(f, "most asked", counts(&self.most_asked))?;
        section(f, "unanswered", counts(&self.unanswered))?;
        section(
            f,
            "down-voted",
            self.down_voted
                .iter()
                .map(|q| format!("{:>4}👎 {:>3}👍 {}", q.down, q.up, one_line(&q.question)))
                .collect(),
        )
    }
}

/// A question on one line, control characters shown as spaces, at most 80 characters.
fn one_line(text: &str) -> String {
    let clean: String = text
        .chars()
        .map(|c| if c.is_control() { ' ' } else { c })
        .collect();
    crate::render::quote(clean.trim(), 80)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::db::tests::{TestStore, count, test_stores};

    fn asked(text: &str, answered: bool, _asker: u64) -> AskedQuestion {
        AskedQuestion {
            id: new_question_id(),
            text: text.into(),
            chat_type: "private",
            answered,
            asked_at: Utc::now(),
        }
    }

    #[tokio::test]
    async fn report_counts_asked_unanswered_and_down_voted() {
        for backend in test_stores("report_counts_asked_unanswered_and_down_voted").await {
            report_counts_asked_unanswered_and_down_voted_on(backend).await;
        }
    }

    async fn report_counts_asked_unanswered_and_down_voted_on(backend: TestStore) {
        let store = backend.open().await;
        let first = asked("拦截了多少涉诈电话", true, 1);
        store.record_question(&first).await.unwrap();
        store
            .record_question(&asked("拦截了多少涉诈电话 ", true, 2))
            .await
            .unwrap();
        store
            .record_question(&asked("天气怎么样", false, 3))
            .await
            .unwrap();
        store.record_vote(first.id, 1, true).await.unwrap();
        store.record_vote(first.id, 1, false).await.unwrap(); // changes the vote
        store.record_vote(first.id, 2, false).await.unwrap();

        let report = store.report(10).await.unwrap();
        assert_eq!((report.questions, report.unanswered_questions), (3, 1));
        let hour = chrono::TimeDelta::hours(1);
        assert_eq!(
            store.questions_since(Utc::now() - hour).await.unwrap(),
            (2, 1)
        );
        assert_eq!(
            store.questions_since(Utc::now() + hour).await.unwrap(),
            (0, 0)
        );
        assert_eq!(report.most_asked[0].count, 2);
        assert_eq!(report.unanswered[0].question, "天气怎么样");
        assert_eq!(report.down_voted[0].down, 2);
        assert_eq!(report.down_voted[0].up, 0);
        let printed = report.to_string();
        assert!(printed.contains("   2× 拦截了多少涉诈电话"), "{printed}");
        assert!(printed.contains("   1× 天气怎么样"), "{printed}");
        assert_eq!(
            store.question_text(first.id).await.unwrap().as_deref(),
            Some("拦截了多少涉诈电话")
        );
        assert_eq!(store.question_text(1).await.unwrap(), None);
        let with_asker = count(
            &store,
            "SELECT COUNT(*) FROM questions WHERE user_hash IS NOT NULL",
        )
        .await;
        assert_eq!(with_asker, 0, "who asked is never stored");
    }
}
