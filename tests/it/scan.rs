//! The scam scanner on the labelled set (`tests/fixtures/scam-messages.jsonl`) and the `scan`
//! command run as a real binary.
//!
//! "Detected" means risk high or medium (risk != low): both tell a person to stop and check.
//! The set must keep recall ≥ 0.9 on scams and at most one false alarm among the ordinary
//! messages (everyday talk and messages that warn about scams).

use std::io::Write;
use std::process::{Child, Command, Output, Stdio};
use std::sync::LazyLock;

use fanzha_bot::scam::{Risk, Scanner};
use proptest::prelude::*;

use crate::support::repo;

static SCANNER: LazyLock<Scanner> =
    LazyLock::new(|| Scanner::builtin().expect("built-in patterns load"));

#[derive(serde::Deserialize)]
struct Labelled {
    text: String,
    scam: bool,
    #[serde(rename = "type")]
    kind: String,
    /// `disguised` (pinyin, homophones, symbols between characters), `traditional` (script).
    #[serde(default)]
    tags: Vec<String>,
}

/// The dev half of the labelled set (odd lines, 1-based), on which the case library's threshold
/// is calibrated, and the test half (even lines), on which its effect is reported.
fn split(set: &[Labelled]) -> (Vec<&Labelled>, Vec<&Labelled>) {
    let dev = set.iter().step_by(2).collect();
    let test = set.iter().skip(1).step_by(2).collect();
    (dev, test)
}

/// (scams, ordinary messages) of `part` whose closest known case reaches `threshold`.
fn similar_at(part: &[&Labelled], threshold: f32) -> (usize, usize) {
    let mut caught = (0, 0);
    for message in part {
        let close = SCANNER
            .closest_case(&message.text)
            .is_some_and(|case| case.similarity >= threshold);
        if close && message.scam {
            caught.0 += 1;
        } else if close {
            caught.1 += 1;
        }
    }
    caught
}

fn labelled_set() -> Vec<Labelled> {
    let text = std::fs::read_to_string(repo().join("tests/fixtures/scam-messages.jsonl"))
        .expect("labelled set is readable");
    text.lines()
        .filter(|line| !line.trim().is_empty())
        .enumerate()
        .map(|(i, line)| {
            serde_json::from_str(line)
                .unwrap_or_else(|err| panic!("scam-messages.jsonl:{}: {err}", i + 1))
        })
        .collect()
}

#[test]
fn labelled_set_meets_recall_and_false_alarm_targets() {
    let set = labelled_set();
    let scams: Vec<&Labelled> = set.iter().filter(|m| m.scam).collect();
    let ordinary: Vec<&Labelled> = set.iter().filter(|m| !m.scam).collect();
    let tagged = |tag: &str| {
        scams
            .iter()
            .filter(|m| m.tags.iter().any(|t| t == tag))
            .count()
    };
    assert!(
        scams.len() >= 120 && ordinary.len() >= 150,
        "the set is too small: {} scams, {} ordinary messages",
        scams.len(),
        ordinary.len()
    );
    assert!(
        tagged("disguised") >= 20 && tagged("traditional") >= 15,
        "too few disguised ({}) or traditional-script ({}) scams",
        tagged("disguised"),
        tagged("traditional")
    );

    let mut misses = Vec::new();
    let mut wrong_type = Vec::new();
    for message in &scams {
        let verdict = SCANNER.scan(&message.text);
        if verdict.risk == Risk::Low {
            misses.push(format!("  MISS [{}] {}", message.kind, message.text));
        } else if !verdict.types.contains(&message.kind) {
            wrong_type.push(format!(
                "  TYPE [{}] got {:?}: {}",
                message.kind, verdict.types, message.text
            ));
        }
    }
    let mut false_alarms = Vec::new();
    for message in &ordinary {
        let verdict = SCANNER.scan(&message.text);
        if verdict.risk != Risk::Low {
            let flags: Vec<&str> = verdict.flags.iter().map(|f| f.kind.as_str()).collect();
            false_alarms.push(format!(
                "  FALSE ALARM [{:?}] {flags:?}: {}",
                verdict.risk, message.text
            ));
        }
    }
    let recall = 1.0 - misses.len() as f64 / scams.len() as f64;
    println!(
        "recall {recall:.3} ({} of {} scams detected), {} false alarm(s) in {} ordinary messages, {} scam(s) with the expected type missing",
        scams.len() - misses.len(),
        scams.len(),
        false_alarms.len(),
        ordinary.len(),
        wrong_type.len()
    );
    for line in misses.iter().chain(&false_alarms).chain(&wrong_type) {
        println!("{line}");
    }
    assert!(
        recall >= 0.9,
        "recall {recall:.3} < 0.9:\n{}",
        misses.join("\n")
    );
    let false_alarm_rate = false_alarms.len() as f64 / ordinary.len() as f64;
    assert!(
        false_alarm_rate <= 0.01,
        "false alarms {false_alarm_rate:.3} > 0.01:\n{}",
        false_alarms.join("\n")
    );
}

/// The case library's threshold, calibrated on the dev half: prints what each threshold would
/// flag by similarity alone (scams caught, ordinary messages flagged) on the dev half and the
/// test half, and checks that the shipped threshold flags at most 1% of the ordinary messages.
#[test]
fn case_threshold_is_calibrated_on_the_dev_half() {
    let set = labelled_set();
    let (dev, test) = split(&set);
    let count = |part: &[&Labelled], scam: bool| part.iter().filter(|m| m.scam == scam).count();
    println!(
        "similarity alone: threshold → dev scams caught/{} ordinary flagged/{} | test scams/{} ordinary/{}",
        count(&dev, true),
        count(&dev, false),
        count(&test, true),
        count(&test, false)
    );
    for step in 6..=18 {
        let threshold = step as f32 / 20.0;
        let (dev_scams, dev_ordinary) = similar_at(&dev, threshold);
        let (test_scams, test_ordinary) = similar_at(&test, threshold);
        println!("  {threshold:.2} → {dev_scams} {dev_ordinary} | {test_scams} {test_ordinary}");
    }
    let threshold = SCANNER.cases().threshold();
    let (_, dev_ordinary) = similar_at(&dev, threshold);
    let (test_scams, test_ordinary) = similar_at(&test, threshold);
    println!(
        "shipped threshold {threshold}: on the test half {test_scams} of {} scams resemble a known case, {test_ordinary} of {} ordinary messages do",
        count(&test, true),
        count(&test, false)
    );
    assert!(
        dev_ordinary as f64 <= 0.01 * count(&dev, false) as f64,
        "threshold {threshold} flags {dev_ordinary} ordinary messages of the dev half"
    );
    assert!(SCANNER.cases().len() >= 3 * SCANNER.tips().len());
}

#[test]
fn every_fraud_type_is_in_the_labelled_set() {
    let set = labelled_set();
    for card in SCANNER.tips() {
        let count = set
            .iter()
            .filter(|m| m.scam && m.kind == card.title)
            .count();
        assert!(count >= 3, "{} has only {count} labelled scams", card.title);
    }
}

proptest! {
    #[test]
    fn scan_never_panics(text in any::<String>()) {
        let verdict = SCANNER.scan(&text);
        prop_assert!(!verdict.advice.is_empty());
        prop_assert!(verdict.risk != Risk::Low || verdict.types.is_empty());
    }

    #[test]
    fn scan_never_panics_on_chinese_like_text(text in "[验证码安全账户公检法不要别是诈骗，。！ 　a-z0-9.:/\u{200b}]{0,80}") {
        let verdict = SCANNER.scan(&text);
        for flag in &verdict.flags {
            prop_assert!(!flag.quote.is_empty());
        }
    }
}

fn fanzha_bot() -> Command {
    let mut command = Command::new(env!("CARGO_BIN_EXE_fanzha-bot"));
    command.arg("--knowledge").arg(repo().join("knowledge"));
    command
}

/// The binary started with stdin, stdout and stderr piped.
fn spawn_piped(args: &[&str]) -> Child {
    fanzha_bot()
        .args(args)
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("binary starts")
}

fn run_with_stdin(args: &[&str], stdin: &[u8]) -> Output {
    let mut child = spawn_piped(args);
    let mut input = child.stdin.take().expect("stdin is piped");
    let stdin = stdin.to_vec();
    let writer = std::thread::spawn(move || {
        let _ = input.write_all(&stdin);
    });
    let output = child.wait_with_output().expect("binary finishes");
    writer.join().expect("stdin writer finishes");
    output
}

#[test]
fn scan_text_mode_prints_the_reply() {
    let output = fanzha_bot()
        .args(["scan", "您好，我是淘宝客服，给您退款需要您开启屏幕共享"])
        .output()
        .unwrap();
    assert!(output.status.success());
    let reply = String::from_utf8(output.stdout).unwrap();
    assert!(reply.starts_with("🚨 风险：高"), "{reply}");
    assert!(reply.contains("冒充电商物流客服"), "{reply}");
    assert!(reply.contains("「"), "{reply}");
    assert!(reply.contains("建议："), "{reply}");
}

#[test]
fn scan_json_mode_prints_one_object() {
    let output = fanzha_bot()
        .args(["scan", "--json", "公检法不会电话办案，遇到直接挂断"])
        .output()
        .unwrap();
    assert!(output.status.success());
    let stdout = String::from_utf8(output.stdout).unwrap();
    assert_eq!(stdout.lines().count(), 1);
    let json: serde_json::Value = serde_json::from_str(&stdout).unwrap();
    assert_eq!(json["risk"], "low");
    assert_eq!(json["types"], serde_json::json!([]));
    assert!(json["advice"].as_str().is_some_and(|a| !a.is_empty()));
    assert!(json["reply"].as_str().is_some_and(|r| r.contains("风险")));
}

#[test]
fn scan_batch_mode_answers_every_line_even_junk() {
    let mut input = Vec::new();
    input.extend_from_slice("恭喜您中奖了，领奖前需先缴纳个人所得税\n".as_bytes());
    input.extend_from_slice(b"\n");
    input.extend_from_slice(b"\xff\xfe\x00binary\x80\n");
    input.extend_from_slice("😀🎉🧧\r\n".as_bytes());
    input.extend_from_slice("验证码".repeat(3_400).as_bytes());
    input.extend_from_slice(b"\n");
    input.extend_from_slice("明天还你钱".as_bytes()); // last line without a newline
    let output = run_with_stdin(&["scan"], &input);
    assert!(
        output.status.success(),
        "{}",
        String::from_utf8_lossy(&output.stderr)
    );
    let stdout = String::from_utf8(output.stdout).unwrap();
    let risks: Vec<String> = stdout
        .lines()
        .map(|line| {
            let json: serde_json::Value = serde_json::from_str(line).unwrap();
            for key in ["risk", "types", "flags", "advice", "reply"] {
                assert!(json.get(key).is_some(), "{key} missing in {line}");
            }
            json["risk"].as_str().unwrap().to_string()
        })
        .collect();
    assert_eq!(risks, ["high", "low", "low", "low", "low", "low"]);
}

/// A program that writes one message and waits for its verdict before sending the next (a
/// co-process) must get each answer while stdin stays open: batch output is buffered, but never
/// held back while the binary waits for input.
#[test]
fn scan_batch_mode_answers_each_line_before_the_next_arrives() {
    use std::io::BufRead;
    use std::sync::mpsc;
    use std::time::Duration;

    let mut child = spawn_piped(&["scan"]);
    let mut input = child.stdin.take().expect("stdin is piped");
    let output = child.stdout.take().expect("stdout is piped");
    let (lines, answers) = mpsc::channel();
    let reader = std::thread::spawn(move || {
        for line in std::io::BufReader::new(output).lines() {
            if lines.send(line.expect("stdout is UTF-8")).is_err() {
                break;
            }
        }
    });
    // Generous: only a binary that never answers (held back until EOF) takes this long.
    let wait = Duration::from_secs(60);
    for (message, risk) in [
        ("我是市公安局的，你涉嫌洗钱，把钱转到安全账户", "high"),
        ("明天还你钱", "low"),
    ] {
        writeln!(input, "{message}").expect("binary reads stdin");
        input.flush().expect("binary reads stdin");
        let answer = answers
            .recv_timeout(wait)
            .unwrap_or_else(|_| panic!("no answer to {message:?} while stdin stayed open"));
        let json: serde_json::Value = serde_json::from_str(&answer).unwrap();
        assert_eq!(json["risk"], risk, "{answer}");
    }
    drop(input);
    assert!(child.wait().expect("binary exits").success());
    reader.join().expect("reader finishes");
    assert!(answers.try_recv().is_err(), "one answer per line, no more");
}
