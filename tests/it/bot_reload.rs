//! Live knowledge in Telegram, end to end: the bot wired to a watched knowledge folder (as
//! `fanzha-bot run` wires it) against the mock Bot API. A new article becomes answerable without
//! a restart; a broken file reaches the admins as one message naming `path:line`.

use std::path::Path;
use std::time::Duration;

use fanzha_bot::bot::replies;

use crate::support::*;

/// The issue promises changes within 2 s; a debug build on a busy machine gets more.
const DEADLINE: Duration = Duration::from_secs(5);
const NEW_QUESTION: &str = "白鹭守护计划走访了多少户独居老人";
const NEW_FIGURE: &str = "386";
const PROBLEM_HEADER: &str = "知识库有新问题";

fn article(title: &str, body: &str) -> String {
    format!("---\ntitle: {title}\ndate: 2023-05-01\nauthor: 测试\n---\n\n{body}\n")
}

/// Writes beside and renames, as editors do, so the watcher never reads half a file.
fn write(dir: &Path, name: &str, text: &str) {
    let temporary = dir.join(format!(".{name}.tmp"));
    std::fs::write(&temporary, text).unwrap();
    std::fs::rename(&temporary, dir.join(name)).unwrap();
}

/// Asks `question` from a fresh user (so the flood guard never steps in) until the reply
/// contains `expected`, or panics at the deadline.
async fn ask_until_answered(bot: &Harness, question: &str, expected: &str) -> Call {
    let started = tokio::time::Instant::now();
    let mut poll = tokio::time::interval(Duration::from_millis(100));
    for asker in 20_000_i64.. {
        poll.tick().await;
        bot.api
            .push(message_update(text_message(asker, asker, question)));
        let reply = bot.api.wait_sent(asker).await;
        if reply.text().contains(expected) {
            return reply;
        }
        assert!(
            started.elapsed() < DEADLINE,
            "not answered within {DEADLINE:?}; last reply: {}",
            reply.text()
        );
    }
    unreachable!("the askers ran out")
}

/// The admins' problem messages among `calls`.
fn problem_messages(calls: &[Call]) -> Vec<Call> {
    calls
        .iter()
        .filter(|c| {
            c.method == "sendMessage"
                && c.chat_id() == Some(ADMIN as i64)
                && c.text().contains(PROBLEM_HEADER)
        })
        .cloned()
        .collect()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn new_articles_are_answered_and_broken_files_reach_the_admins() {
    within_limit(async {
        let knowledge = tempfile::tempdir().unwrap();
        write(
            knowledge.path(),
            "steady.md",
            &article(
                "蓝鲸护航行动",
                "蓝鲸护航行动是一项面向老年人的反诈宣传活动，志愿者上门讲解防骗知识。",
            ),
        );
        let bot = Harness::start_live(knowledge.path(), tempfile::tempdir().unwrap()).await;
        let admin = ADMIN as i64;

        write(
            knowledge.path(),
            "new.md",
            &article(
                "白鹭守护计划",
                "白鹭守护计划今年共走访了 386 户独居老人，发放防骗手册。",
            ),
        );
        let reply = ask_until_answered(&bot, NEW_QUESTION, NEW_FIGURE).await;
        assert_eq!(reply.body["parse_mode"], "HTML");

        // /stats counts what the watcher swapped in.
        bot.api
            .push(message_update(command_message(admin, admin, "/stats")));
        let stats = bot.api.wait_sent(admin).await;
        assert!(stats.text().contains("文章 2 篇"), "{}", stats.text());

        write(
            knowledge.path(),
            "broken.md",
            "---\ntitle: 没有结束的前言\n",
        );
        let notice = bot
            .api
            .wait_for("the admin's problem message", DEADLINE, |calls| {
                problem_messages(calls).into_iter().next()
            })
            .await;
        let text = notice.text();
        assert_eq!(notice.body["parse_mode"], "HTML");
        let after_path = text
            .split_once("broken.md:")
            .unwrap_or_else(|| panic!("names the file: {text}"))
            .1;
        assert!(
            after_path.starts_with(|c: char| c.is_ascii_digit()),
            "names the line: {text}"
        );

        // An admin /reload goes through the same live knowledge: the problem is listed in the reply,
        // the new article is still served, and the admins are not told about the problem again.
        bot.api
            .push(message_update(command_message(admin, admin, "/reload")));
        let reload = bot
            .api
            .wait_for("the /reload reply", DEADLINE, |calls| {
                calls
                    .iter()
                    .find(|c| c.chat_id() == Some(admin) && c.text().contains("已重新加载"))
                    .cloned()
            })
            .await;
        assert!(reload.text().contains("broken.md:"), "{}", reload.text());
        assert_eq!(
            problem_messages(&bot.api.calls()).len(),
            1,
            "one message per new problem"
        );
        ask_until_answered(&bot, NEW_QUESTION, NEW_FIGURE).await;
        bot.stop().await;
    })
    .await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_source_button_of_an_edited_article_says_it_changed() {
    within_limit(async {
        let knowledge = tempfile::tempdir().unwrap();
        let version = |households: u32| {
            article(
                "白鹭守护计划",
                &format!("白鹭守护计划今年共走访了 {households} 户独居老人，发放防骗手册。"),
            )
        };
        write(knowledge.path(), "egret.md", &version(386));
        let bot = Harness::start_live(knowledge.path(), tempfile::tempdir().unwrap()).await;
        let asker = 30_001_i64;
        bot.api
            .push(message_update(text_message(asker, asker, NEW_QUESTION)));
        let answer = bot.api.wait_sent(asker).await;
        let source_button = button(&answer, "📄 原文");

        // The same paragraph, another text: the old button must not show it as the source.
        write(knowledge.path(), "egret.md", &version(412));
        ask_until_answered(&bot, NEW_QUESTION, "412").await;
        bot.api
            .push(button_press(asker, &answer, 1000, &source_button));
        let toast = bot
            .api
            .wait_for("the button's toast", DEADLINE, |calls| {
                calls
                    .iter()
                    .find(|c| c.method == "answerCallbackQuery")
                    .cloned()
            })
            .await;
        assert_eq!(toast.body["text"], replies::PARAGRAPH_CHANGED);
        let shown = bot.api.calls_to("sendMessage");
        assert!(
            shown
                .iter()
                .all(|c| c.chat_id() != Some(asker) || !c.text().contains("<blockquote>412")),
            "the new paragraph is not shown as the old answer's source"
        );
        bot.stop().await;
    })
    .await;
}
