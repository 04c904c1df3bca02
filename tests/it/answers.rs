//! The answer engine on the shipped knowledge: every dev question and every regression question
//! is answered right, and the `ask` / `check` / `eval` commands behave as documented.

use std::path::Path;
use std::process::{Command, Stdio};

use fanzha_bot::eval::{evaluate, parse_questions};

use fanzha_bot::answer::engine::Engine;

use crate::support::{ENGINE, SEED_DIR, SHIPPED, repo};

#[test]
fn the_shipped_knowledge_has_no_problems() {
    let problems = SHIPPED.problems();
    assert!(
        problems.is_empty(),
        "shipped knowledge has problems: {problems:?}"
    );
}

fn assert_all_right(engine: &Engine, file: &Path) {
    let questions = parse_questions(&std::fs::read_to_string(file).unwrap()).unwrap();
    assert!(!questions.is_empty());
    let report = evaluate(engine, &questions);
    let failures: Vec<String> = report
        .failures
        .iter()
        .map(|f| {
            format!(
                "{} {:?} (expected {:?}): got {}",
                f.question.id, f.question.q, f.question.expect, f.got
            )
        })
        .collect();
    assert!(
        failures.is_empty(),
        "{} of {} wrong:\n{}",
        failures.len(),
        report.total,
        failures.join("\n")
    );
}

/// The seed alone answers as it always has.
#[test]
fn every_dev_question_is_answered_right_from_the_seed() {
    assert_all_right(&ENGINE, &repo().join("tests/fixtures/dev-questions.jsonl"));
}

/// The seed alone answers as it always has: every question it answered before the knowledge
/// grew.
#[test]
fn every_seed_regression_question_is_answered_right_from_the_seed() {
    assert_all_right(
        &ENGINE,
        &repo().join("tests/fixtures/seed-regression.jsonl"),
    );
}

/// The shipped knowledge, five years of reports from many outlets, answers its questions.
#[test]
fn every_regression_question_is_answered_right() {
    assert_all_right(
        &SHIPPED.engine(),
        &repo().join("knowledge/regression.jsonl"),
    );
}

#[test]
fn figure_answer_names_value_label_period_and_source() {
    let answer = ENGINE.answer("拦截了多少涉诈电话");
    assert!(answer.answered && answer.wants_figure);
    let figure = &answer.figures[0];
    assert_eq!(figure.figure.value, "19.5亿次");
    assert_eq!(figure.figure.number, 1.95e9);
    assert!(
        figure.figure.label.contains("拦截涉诈电话"),
        "{}",
        figure.figure.label
    );
    assert_eq!(figure.figure.period.as_deref(), Some("2021年"));
    assert!(figure.figure.sentence.contains("拦截涉诈电话19.5亿次"));
    assert!(figure.source.title.contains("打好反诈人民战争"));
    assert_eq!(
        figure.source.date.map(|d| d.to_string()).as_deref(),
        Some("2022-04-15")
    );
}

#[test]
fn off_topic_questions_get_no_figure_but_suggestions() {
    for q in [
        "今天天气怎么样",
        "比特币多少钱",
        "",
        "   ",
        "😀😀",
        "<b>hi</b>",
    ] {
        let answer = ENGINE.answer(q);
        assert!(
            !answer.answered,
            "{q:?} was answered: {:?}",
            answer.figures.first().map(|f| &f.figure.value)
        );
        assert!(answer.figures.is_empty() && answer.passages.is_empty());
        assert!(!answer.suggestions.is_empty(), "{q:?} has no suggestions");
    }
}

fn bin() -> Command {
    let mut command = Command::new(env!("CARGO_BIN_EXE_fanzha-bot"));
    command
        .current_dir(repo())
        .env("KNOWLEDGE_DIR", SEED_DIR.path());
    command
}

#[test]
fn ask_prints_the_reply_a_person_sees() {
    let out = bin().args(["ask", "拦截了多少涉诈电话"]).output().unwrap();
    assert!(out.status.success());
    let text = String::from_utf8(out.stdout).unwrap();
    assert!(
        text.starts_with("📊 拦截涉诈电话：19.5亿次（2021年）"),
        "{text}"
    );
    assert!(
        text.contains("——《打好反诈人民战争 维护群众财产安全（权威发布）》证券时报网 2022-04-15"),
        "{text}"
    );
}

#[test]
fn ask_json_batch_answers_every_line_in_order() {
    let mut child = bin()
        .args(["ask", "--json"])
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .spawn()
        .unwrap();
    {
        use std::io::Write;
        let mut stdin = child.stdin.take().unwrap();
        stdin
            .write_all("拦截了多少涉诈电话\n\n今天中午吃什么\n\u{ff}\u{fe}bad\n".as_bytes())
            .unwrap();
        stdin.write_all(&[0xff, 0xfe, b'\n']).unwrap();
        stdin.write_all("什么是跑分平台".as_bytes()).unwrap();
    }
    let out = child.wait_with_output().unwrap();
    assert!(out.status.success());
    let lines: Vec<serde_json::Value> = String::from_utf8(out.stdout)
        .unwrap()
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect();
    assert_eq!(lines.len(), 6);
    assert_eq!(lines[0]["question"], "拦截了多少涉诈电话");
    assert_eq!(lines[0]["answered"], true);
    assert_eq!(lines[0]["figures"][0]["value"], "19.5亿次");
    assert_eq!(lines[0]["figures"][0]["source"]["date"], "2022-04-15");
    assert!(lines[0]["reply"].as_str().unwrap().contains("19.5亿次"));
    assert_eq!(lines[1]["answered"], false);
    assert_eq!(lines[2]["answered"], false);
    assert_eq!(lines[5]["answered"], true);
    assert!(
        lines[5]["passages"][0]["text"]
            .as_str()
            .unwrap()
            .contains("跑分平台")
    );
}

/// A program that writes a question and waits for its answer gets it before it writes the next:
/// batch mode answers on several threads but never holds an answer back.
#[test]
fn ask_json_answers_each_line_while_stdin_stays_open() {
    use std::io::{BufRead, BufReader, Write};
    let mut child = bin()
        .args(["ask", "--json", "--jobs", "2"])
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .spawn()
        .unwrap();
    let mut stdin = child.stdin.take().unwrap();
    let stdout = child.stdout.take().unwrap();
    let (lines, answers) = std::sync::mpsc::channel();
    std::thread::spawn(move || {
        for line in BufReader::new(stdout).lines() {
            if lines.send(line.unwrap()).is_err() {
                return;
            }
        }
    });
    let wait = std::time::Duration::from_secs(60);
    for (question, expected) in [
        ("拦截了多少涉诈电话", "19.5亿次"),
        ("什么是跑分平台", "跑分"),
    ] {
        writeln!(stdin, "{question}").unwrap();
        stdin.flush().unwrap();
        let answer = answers
            .recv_timeout(wait)
            .expect("an answer while stdin is open");
        assert!(
            answer.contains(question) && answer.contains(expected),
            "{answer}"
        );
    }
    drop(stdin);
    assert!(child.wait().unwrap().success());
    assert!(
        answers.recv_timeout(wait).is_err(),
        "nothing more after the end"
    );
}

#[test]
fn check_reports_counts_and_exit_codes() {
    let out = bin().arg("check").output().unwrap();
    let text = String::from_utf8_lossy(&out.stdout);
    assert_eq!(out.status.code(), Some(0), "{text}");
    assert!(text.contains("documents"), "{text}");

    let dir = tempfile::tempdir().unwrap();
    std::fs::write(
        dir.path().join("good.md"),
        "---\ntitle: 好文章\ndate: 2023-01-02\n---\n拦截涉诈电话10亿次。\n",
    )
    .unwrap();
    std::fs::write(
        dir.path().join("bad.md"),
        "---\ntitle: [unclosed\n---\n正文。\n",
    )
    .unwrap();
    std::fs::write(dir.path().join("open.md"), "---\ntitle: x\n正文。\n").unwrap();
    std::fs::write(dir.path().join("binary.md"), [0u8, 159, 146, 150]).unwrap();
    std::fs::write(dir.path().join("gbk.md"), [0xb7, 0xb4, 0xd5, 0xa9]).unwrap();
    std::fs::write(dir.path().join("empty.md"), "").unwrap();
    let out = bin()
        .arg("--knowledge")
        .arg(dir.path())
        .arg("check")
        .output()
        .unwrap();
    let text = String::from_utf8_lossy(&out.stdout);
    assert_eq!(out.status.code(), Some(1), "{text}");
    assert!(text.contains("1 documents"), "{text}");
    for (file, line) in [
        ("bad.md", 2),
        ("open.md", 1),
        ("binary.md", 1),
        ("gbk.md", 1),
        ("empty.md", 1),
    ] {
        let expected = format!("{}:{line}: ", dir.path().join(file).display());
        assert!(text.contains(&expected), "missing {expected} in\n{text}");
    }

    let out = bin()
        .args(["--knowledge", "/nonexistent/knowledge", "check"])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("knowledge folder not found"));
}

#[test]
fn eval_command_reports_failures_and_exits_1() {
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("q.jsonl");
    std::fs::write(
        &file,
        "{\"id\":\"ok\",\"kind\":\"figure\",\"q\":\"拦截了多少涉诈电话\",\"expect\":\"19.5亿\"}\n{\"id\":\"bad\",\"kind\":\"figure\",\"q\":\"拦截了多少涉诈电话\",\"expect\":\"7亿\"}\n",
    )
    .unwrap();
    let out = bin().arg("eval").arg(&file).output().unwrap();
    let text = String::from_utf8_lossy(&out.stdout);
    assert_eq!(out.status.code(), Some(1), "{text}");
    assert!(text.contains("FAIL bad"), "{text}");
    assert!(text.contains("1 passed, 1 failed"), "{text}");
    // The shipped knowledge answers its own regression file, as a maintainer runs it.
    let out = bin()
        .env_remove("KNOWLEDGE_DIR")
        .args(["eval", "knowledge/regression.jsonl"])
        .output()
        .unwrap();
    assert_eq!(
        out.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&out.stdout)
    );
}

/// On the whole folder, a question without a period leads with the newest figure, with its
/// period, and the seed's 2021 figure stays among the other periods; a year asked gets that
/// year's figure; a year with no figure is said to have none.
#[test]
fn the_newest_period_leads_and_the_others_follow() {
    let engine = SHIPPED.engine();
    let answer = engine.answer("拦截了多少涉诈电话");
    assert!(answer.answered && answer.wants_figure);
    let lead = &answer.figures[0].figure;
    assert_eq!(
        (lead.value.as_str(), lead.period.as_deref()),
        ("36億次", Some("2025年"))
    );
    assert!(
        answer
            .figures
            .iter()
            .any(|f| f.figure.value == "19.5亿次" && f.figure.period.as_deref() == Some("2021年")),
        "{:#?}",
        answer.figures
    );
    let text = fanzha_bot::render::plain(&answer);
    assert!(text.contains("2021年：19.5亿次"), "{text}");
    // Two outlets gave the seed's figure as "2021年" and as "一年来": it is listed once. A
    // campaign's figure names the campaign, and a heading's period ("各部门的2022年成绩单")
    // covers the list under it.
    assert_eq!(text.matches("19.5亿次").count(), 1, "{text}");
    assert!(text.contains("2022年“百日行动”期间：2.8亿次"), "{text}");
    assert!(text.contains("2022年：21亿次"), "{text}");

    let asked = engine.answer("2021年拦截了多少涉诈电话");
    assert_eq!(asked.figures[0].figure.value, "19.5亿次");
    let text = fanzha_bot::render::plain(&asked);
    let others = text.lines().find(|l| l.starts_with("其他时期")).unwrap();
    assert!(!others.contains("19.5亿次"), "{text}");
    // The campaign's figure is not the year's: asked for 2022, the year's count leads.
    let year = engine.answer("2022年拦截了多少诈骗电话");
    assert_eq!(year.figures[0].figure.value, "21亿次");

    let none = engine.answer("2019年破获多少电诈案件");
    assert!(!none.answered && none.figures.is_empty());
    assert_eq!(none.missing_period.as_deref(), Some("2019年"));
    assert!(!none.suggestions.is_empty());
}
