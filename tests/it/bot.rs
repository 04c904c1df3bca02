//! The Telegram bot end to end: the real dispatcher and handler tree against a mock Bot API on
//! 127.0.0.1, and the real `fanzha-bot run` binary against the same mock.

use std::process::{Command, Stdio};
use std::time::Duration;

use axum::http::StatusCode;
use fanzha_bot::bot::replies;
use fanzha_bot::render::telegram::keyboard::CALLBACK_DATA_LIMIT;
use serde_json::json;
use teloxide::Bot;
use teloxide::adaptors::throttle::Limits;
use teloxide::requests::RequesterExt;

use crate::support::process::Running;
use crate::support::*;

const QUESTION: &str = "拦截了多少涉诈电话";
const FIGURE: &str = "19.5亿次";

/// Checks a reply is HTML Telegram accepts: only tags we write, balanced, entities well-formed,
/// within 4096 characters.
fn assert_telegram_html(text: &str) {
    assert!(
        text.chars().count() <= 4096,
        "too long: {}",
        text.chars().count()
    );
    let mut open: Vec<String> = Vec::new();
    let mut rest = text;
    while let Some(at) = rest.find(['<', '&']) {
        let tail = &rest[at..];
        if tail.starts_with('<') {
            let end = tail
                .find('>')
                .unwrap_or_else(|| panic!("unclosed tag in {text}"));
            let tag = &tail[1..end];
            let name = tag.trim_start_matches('/');
            assert!(
                ["b", "i", "blockquote", "pre", "code"].contains(&name),
                "unexpected tag <{tag}> in {text}"
            );
            if tag.starts_with('/') {
                assert_eq!(open.pop().as_deref(), Some(name), "unbalanced {text}");
            } else {
                open.push(name.to_string());
            }
            rest = &tail[end + 1..];
        } else {
            let entity_ok = ["&amp;", "&lt;", "&gt;", "&quot;"]
                .iter()
                .any(|e| tail.starts_with(e));
            assert!(entity_ok, "bare & in {text}");
            rest = &tail[1..];
        }
    }
    assert!(open.is_empty(), "unclosed {open:?} in {text}");
}

fn assert_answer_message(call: &Call) {
    assert_eq!(call.body["parse_mode"], "HTML");
    assert_eq!(call.body["link_preview_options"]["is_disabled"], true);
    assert_telegram_html(call.text());
    for (label, data) in buttons(call) {
        assert!(data.len() <= CALLBACK_DATA_LIMIT, "{label}: {data}");
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn private_question_is_answered_with_its_figure() {
    within_limit(async {
        let bot = Harness::start().await;
        bot.api
            .push(message_update(text_message(101, 101, QUESTION)));
        let reply = bot.api.wait_sent(101).await;
        assert!(reply.text().contains(FIGURE), "{}", reply.text());
        assert!(reply.text().contains("《"), "source line: {}", reply.text());
        assert_answer_message(&reply);
        assert!(
            reply.body.get("reply_parameters").is_none(),
            "private answers need no quote"
        );
        let labels: Vec<String> = buttons(&reply)
            .into_iter()
            .map(|(label, _)| label)
            .collect();
        assert!(labels.contains(&"📄 原文".to_string()), "{labels:?}");
        assert!(labels.contains(&"👍".to_string()) && labels.contains(&"👎".to_string()));
        bot.stop().await;
    })
    .await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn group_ask_with_bot_name_is_answered_as_a_reply() {
    within_limit(async {
        let bot = Harness::start().await;
        let ask = format!("/ask@{BOT_USERNAME} {QUESTION}");
        let mut message = command_message(-200, 5, &ask);
        message["message_id"] = json!(55);
        bot.api.push(message_update(message));
        let reply = bot.api.wait_sent(-200).await;
        assert!(reply.text().contains(FIGURE), "{}", reply.text());
        assert_eq!(reply.body["reply_parameters"]["message_id"], 55);
        assert_answer_message(&reply);
        bot.stop().await;
    })
    .await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn group_chatter_and_commands_for_other_bots_are_ignored() {
    within_limit(async {
        let bot = Harness::start().await;
        let chat = -201;
        for ignored in [
            text_message(chat, 5, "今天天气不错"),
            text_message(chat, 5, QUESTION),
            command_message(chat, 5, &format!("/ask@other_bot {QUESTION}")),
            command_message(chat, 5, "/help@other_bot"),
            command_message(chat, 5, "/unknown"),
        ] {
            bot.api.push(message_update(ignored));
        }
        // Updates of one chat are handled in order: once this is answered, the others were seen.
        bot.api.push(message_update(command_message(
            chat,
            6,
            &format!("/ask@{BOT_USERNAME} {QUESTION}"),
        )));
        let reply = bot.api.wait_sent(chat).await;
        assert!(reply.text().contains(FIGURE));
        let sent = bot.api.calls_to("sendMessage");
        assert_eq!(
            sent.len(),
            1,
            "only the addressed question is answered: {sent:?}"
        );
        bot.stop().await;
    })
    .await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn mention_and_reply_to_bot_are_answered() {
    within_limit(async {
        let bot = Harness::start().await;
        bot.api.push(message_update(mention_message(
            -202,
            5,
            "",
            &format!(" {QUESTION}"),
        )));
        let mentioned = bot.api.wait_sent(-202).await;
        assert!(mentioned.text().contains(FIGURE), "{}", mentioned.text());
        bot.api.push(message_update(mention_message(
            -203,
            5,
            &format!("{QUESTION}？"),
            "",
        )));
        assert!(bot.api.wait_sent(-203).await.text().contains(FIGURE));
        bot.api
            .push(message_update(reply_to_bot(-204, 5, QUESTION)));
        let replied = bot.api.wait_sent(-204).await;
        assert!(replied.text().contains(FIGURE), "{}", replied.text());
        bot.stop().await;
    })
    .await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn bare_ask_and_bare_mention_get_the_usage_hint() {
    within_limit(async {
        let bot = Harness::start().await;
        bot.api
            .push(message_update(command_message(-205, 5, "/ask")));
        assert_eq!(bot.api.wait_sent(-205).await.text(), replies::ASK_USAGE);
        bot.api.push(message_update(command_message(
            -206,
            5,
            &format!("/ask@{BOT_USERNAME}   "),
        )));
        assert_eq!(bot.api.wait_sent(-206).await.text(), replies::ASK_USAGE);
        bot.api
            .push(message_update(mention_message(-207, 5, "", "")));
        assert_eq!(bot.api.wait_sent(-207).await.text(), replies::ASK_USAGE);
        bot.stop().await;
    })
    .await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn forum_topic_question_is_answered_in_the_same_topic() {
    within_limit(async {
        let bot = Harness::start().await;
        let chat = -1_001_234_567_890;
        let mut message = command_message(chat, 5, &format!("/ask {QUESTION}"));
        message["message_thread_id"] = json!(7);
        message["is_topic_message"] = json!(true);
        bot.api.push(message_update(message));
        let reply = bot.api.wait_sent(chat).await;
        assert_eq!(reply.body["message_thread_id"], 7);
        assert!(reply.text().contains(FIGURE));
        bot.stop().await;
    })
    .await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn help_start_about_and_admin_report() {
    within_limit(async {
        let bot = Harness::start().await;
        bot.api
            .push(message_update(command_message(301, 301, "/start")));
        let help = bot.api.wait_sent(301).await;
        assert!(
            help.text().starts_with(replies::HELP_INTRO),
            "{}",
            help.text()
        );
        assert!(help.text().contains("/ask"));
        assert_telegram_html(help.text());
        bot.api
            .push(message_update(command_message(302, 302, "/about")));
        let about = bot.api.wait_sent(302).await;
        assert!(about.text().starts_with(replies::ABOUT_HEADING));
        assert!(about.text().contains("2022-04-15"), "{}", about.text());
        bot.api
            .push(message_update(command_message(303, 303, "/report")));
        assert_eq!(bot.api.wait_sent(303).await.text(), replies::ADMIN_ONLY);
        let admin = ADMIN as i64;
        bot.api
            .push(message_update(command_message(admin, admin, "/report")));
        let report = bot.api.wait_sent(admin).await;
        assert!(report.text().starts_with("<pre>"), "{}", report.text());
        assert!(report.text().contains("questions asked"));
        bot.stop().await;
    })
    .await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn inline_query_offers_answer_cards_and_headlines() {
    within_limit(async {
        let bot = Harness::start().await;
        bot.api.push(inline_query(401, QUESTION));
        let answered = bot.api.wait_method("answerInlineQuery").await;
        let results = answered.body["results"].as_array().unwrap().clone();
        assert!((1..=5).contains(&results.len()), "{results:?}");
        assert_eq!(answered.body["cache_time"], 300);
        let first = &results[0]["input_message_content"];
        assert!(
            first["message_text"].as_str().unwrap().contains(FIGURE),
            "{first}"
        );
        assert_eq!(first["parse_mode"], "HTML");
        for result in &results {
            assert_telegram_html(
                result["input_message_content"]["message_text"]
                    .as_str()
                    .unwrap(),
            );
            assert!(result["id"].as_str().unwrap().len() <= 64);
        }

        bot.api.push(inline_query(402, "   "));
        let headlines = bot.api.wait_method_nth("answerInlineQuery", 2).await;
        let results = headlines.body["results"].as_array().unwrap();
        assert!(
            (1..=5).contains(&results.len()),
            "headline figures: {results:?}"
        );
        bot.stop().await;
    })
    .await;
}

/// The "🔎 问 bot" link under an inline result.
fn ask_bot_link(result: &serde_json::Value) -> String {
    let button = &result["reply_markup"]["inline_keyboard"][0][0];
    assert_eq!(button["text"], replies::ASK_BOT_BUTTON, "{result}");
    button["url"].as_str().unwrap_or_default().to_string()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn inline_card_button_asks_its_question_in_the_bots_private_chat() {
    within_limit(async {
        let bot = Harness::start().await;
        bot.api.push(inline_query(403, QUESTION));
        let answered = bot.api.wait_method("answerInlineQuery").await;
        let results = answered.body["results"].as_array().unwrap();
        let link = ask_bot_link(&results[0]);
        assert!(results.iter().all(|result| ask_bot_link(result) == link));
        let payload = link
            .strip_prefix(&format!("https://t.me/{BOT_USERNAME}?start="))
            .unwrap_or_else(|| panic!("not a deep link into the bot's chat: {link}"));
        assert!(payload.len() <= 64, "{payload}");

        // Tapping the link opens the private chat, where Telegram sends `/start <payload>`.
        bot.api.push(message_update(command_message(
            404,
            404,
            &format!("/start {payload}"),
        )));
        let reply = bot.api.wait_sent(404).await;
        assert!(reply.text().contains(FIGURE), "{}", reply.text());
        assert_answer_message(&reply);

        // Headline cards have no question: the button just opens the chat.
        bot.api.push(inline_query(405, ""));
        let headlines = bot.api.wait_method_nth("answerInlineQuery", 2).await;
        let first = &headlines.body["results"][0];
        assert_eq!(ask_bot_link(first), format!("https://t.me/{BOT_USERNAME}"));
        // A payload that carries no question (a link made elsewhere) gets the help, as bare /start.
        bot.api.push(message_update(command_message(
            406,
            406,
            "/start from-a-poster",
        )));
        let help = bot.api.wait_sent(406).await;
        assert!(
            help.text().starts_with(replies::HELP_INTRO),
            "{}",
            help.text()
        );
        bot.stop().await;
    })
    .await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn buttons_show_the_source_page_on_and_store_feedback() {
    within_limit(async {
        let bot = Harness::start().await;
        let chat = 501;
        bot.api
            .push(message_update(text_message(chat, chat, QUESTION)));
        let answer = bot.api.wait_sent(chat).await;
        let answer_id = 1000; // The mock numbers sent messages from 1000.

        // 📄 原文: the whole paragraph, as a reply to the answer.
        bot.api.push(button_press(
            chat,
            &answer,
            answer_id,
            &button(&answer, "📄 原文"),
        ));
        let source = bot.api.wait_for_nth("sendMessage", chat, 2).await;
        assert_eq!(source.body["reply_parameters"]["message_id"], answer_id);
        assert!(source.text().contains("<blockquote>"), "{}", source.text());
        assert!(source.text().contains(FIGURE));
        assert_telegram_html(source.text());
        bot.api.wait_method("answerCallbackQuery").await;

        // 🔎 更多: the next result, by editing the answer in place.
        bot.api.push(button_press(
            chat,
            &answer,
            answer_id,
            &button(&answer, "🔎 更多"),
        ));
        let edited = bot.api.wait_method("editMessageText").await;
        assert_eq!(edited.body["message_id"], answer_id);
        assert!(edited.text().starts_with("🔎 第 2/"), "{}", edited.text());
        assert_ne!(edited.text(), answer.text());
        assert_answer_message(&edited);

        // 👍 then 👎 from another user: both stored, and the report shows the down-vote.
        bot.api.push(button_press(
            chat,
            &answer,
            answer_id,
            &button(&answer, "👍"),
        ));
        bot.api.push(button_press(
            chat + 1,
            &answer,
            answer_id,
            &button(&answer, "👎"),
        ));
        let thanks = bot
            .api
            .wait_for("two vote toasts", Duration::from_secs(10), |calls| {
                let toasts: Vec<&Call> = calls
                    .iter()
                    .filter(|c| {
                        c.method == "answerCallbackQuery"
                            && c.body["text"] == replies::THANKS_FOR_FEEDBACK
                    })
                    .collect();
                (toasts.len() == 2).then_some(toasts.len())
            })
            .await;
        assert_eq!(thanks, 2);
        let report = bot.state.database.report(10).await.unwrap();
        assert_eq!(report.down_voted.len(), 1, "{report}");
        assert_eq!(report.down_voted[0].question, QUESTION);
        assert_eq!((report.down_voted[0].down, report.down_voted[0].up), (1, 1));
        assert_eq!(report.most_asked[0].question, QUESTION);

        // A forged or stale button is answered with a toast, not an error.
        bot.api
            .push(button_press(chat, &answer, answer_id, "m:ffff:1"));
        bot.api
            .wait_for("expired-button toast", Duration::from_secs(10), |calls| {
                calls
                    .iter()
                    .find(|c| c.body["text"] == replies::BUTTON_EXPIRED)
                    .cloned()
            })
            .await;
        bot.stop().await;
    })
    .await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn html_in_a_question_is_escaped() {
    within_limit(async {
        let bot = Harness::start().await;
        let hostile = "<b>拦截</b>了多少涉诈电话 & <script>alert(1)</script> <a href=\"x\">";
        bot.api
            .push(message_update(text_message(601, 601, hostile)));
        bot.api.push(message_update(text_message(
            602,
            602,
            "<i>今天天气</i> & 怎么样",
        )));
        for chat in [601, 602] {
            let reply = bot.api.wait_sent(chat).await;
            assert_telegram_html(reply.text());
            assert!(!reply.text().contains("<script>") && !reply.text().contains("<a "));
        }
        bot.stop().await;
    })
    .await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn burst_of_200_chats_gets_exactly_one_correct_reply_each() {
    within_limit(async {
        let bot = Harness::start().await;
        let chats: Vec<i64> = (0..200).map(|i| 10_000 + i).collect();
        bot.api.push_all(
            chats
                .iter()
                .map(|&chat| message_update(text_message(chat, chat, QUESTION)))
                .collect(),
        );
        let sent = bot
            .api
            .wait_for("200 replies", Duration::from_secs(60), |calls| {
                let sent: Vec<Call> = calls
                    .iter()
                    .filter(|c| c.method == "sendMessage")
                    .cloned()
                    .collect();
                (sent.len() >= chats.len()).then_some(sent)
            })
            .await;
        assert_eq!(sent.len(), chats.len());
        for chat in &chats {
            let replies: Vec<&Call> = sent.iter().filter(|c| c.chat_id() == Some(*chat)).collect();
            assert_eq!(replies.len(), 1, "chat {chat}");
            assert!(replies[0].text().contains(FIGURE));
        }
        bot.stop().await;
    })
    .await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn unexpected_updates_and_odd_input_leave_the_bot_running() {
    within_limit(async {
        let bot = Harness::start().await;
        let group = -700;
        let mut photo = text_message(701, 701, "");
        photo.as_object_mut().unwrap().remove("text");
        photo["photo"] = json!([{ "file_id": "f", "file_unique_id": "u", "width": 1, "height": 1 }]);
        let mut sticker_in_group = photo.clone();
        sticker_in_group["chat"] = mock_api::chat(group);
        let mut migrated = text_message(group, 5, "");
        migrated.as_object_mut().unwrap().remove("text");
        migrated["migrate_to_chat_id"] = json!(-1_009_999_999_999i64);
        let member = |status: &str| json!({ "user": mock_api::bot_user_plain(), "status": status });
        let added = json!({
            "chat": mock_api::chat(group), "from": user(5), "date": 1_700_000_000,
            "old_chat_member": member("left"), "new_chat_member": member("member"),
        });
        let odd_texts = [
            String::new(),
            " \u{0}\u{7}\u{1b}[31m ".to_string(),
            "🚨🚨🚨💰💰".to_string(),
            "诈".repeat(4096),
            "&amp;<<>>\"'".to_string(),
        ];
        let mut updates = vec![
            json!({ "edited_message": text_message(701, 701, QUESTION) }),
            json!({ "channel_post": { "message_id": 1, "date": 1, "chat": { "id": -1_005_555_555_555i64, "type": "channel", "title": "频道" }, "text": QUESTION } }),
            json!({ "chat_member": added.clone() }),
            json!({ "my_chat_member": added }),
            json!({ "poll": { "id": "p", "question": "?", "options": [], "total_voter_count": 0, "is_closed": false, "is_anonymous": true, "type": "regular", "allows_multiple_answers": false } }),
            json!({ "some_future_update_kind": { "x": 1 } }),
            message_update(sticker_in_group),
            message_update(migrated),
            message_update(photo),
        ];
        updates.extend(
            odd_texts
                .iter()
                .enumerate()
                .map(|(i, t)| message_update(text_message(710 + i as i64, 710 + i as i64, t))),
        );
        bot.api.push_all(updates);
        // The photo in a private chat gets the hint; the group gets one introduction.
        assert_eq!(bot.api.wait_sent(701).await.text(), replies::NON_TEXT_HINT);
        assert_eq!(bot.api.wait_sent(group).await.text(), replies::GROUP_INTRO);
        for i in 0..odd_texts.len() as i64 {
            let reply = bot.api.wait_sent(710 + i).await;
            assert_telegram_html(reply.text());
        }
        // Still answering afterwards, and nothing was said to the channel or about the edit.
        bot.api.push(message_update(command_message(
            group,
            6,
            &format!("/ask {QUESTION}"),
        )));
        let answer = bot.api.wait_for_nth("sendMessage", group, 2).await;
        assert!(answer.text().contains(FIGURE));
        assert_eq!(
            bot.api
                .calls_to("sendMessage")
                .iter()
                .filter(|c| c.chat_id() == Some(701))
                .count(),
            1
        );
        bot.stop().await;
    })
    .await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn flood_guard_sends_one_notice_then_stays_silent() {
    within_limit(async {
        let bot = Harness::start().await;
        let chat = -800;
        let ask = format!("/ask {QUESTION}");
        bot.api.push_all(
            (0..13)
                .map(|_| message_update(command_message(chat, 9, &ask)))
                .collect(),
        );
        // Another user in the same chat is still answered, after the flood was handled.
        bot.api
            .push(message_update(command_message(chat, 10, &ask)));
        let last = bot.api.wait_for_nth("sendMessage", chat, 12).await;
        assert!(last.text().contains(FIGURE));
        let texts: Vec<String> = bot
            .api
            .calls_to("sendMessage")
            .iter()
            .map(|c| c.text().to_string())
            .collect();
        assert_eq!(
            texts.len(),
            12,
            "10 answers, 1 notice, 1 answer to the other user"
        );
        assert_eq!(texts.iter().filter(|t| t.contains(FIGURE)).count(), 11);
        assert_eq!(texts[10], replies::FLOOD_NOTICE);
        bot.stop().await;
    })
    .await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn failing_handler_apologises_and_the_bot_keeps_going() {
    within_limit(async {
        let bot = Harness::start().await;
        bot.api.fail_next(
            "sendMessage",
            StatusCode::BAD_REQUEST,
            json!({ "ok": false, "error_code": 400, "description": "Bad Request: something broke" }),
        );
        bot.api
            .push(message_update(text_message(901, 901, QUESTION)));
        let apology = bot.api.wait_for_nth("sendMessage", 901, 2).await;
        assert_eq!(apology.text(), replies::APOLOGY);
        bot.api
            .push(message_update(text_message(901, 901, QUESTION)));
        assert!(
            bot.api
                .wait_for_nth("sendMessage", 901, 3)
                .await
                .text()
                .contains(FIGURE)
        );
        bot.stop().await;
    })
    .await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn throttled_client_honours_retry_after() {
    within_limit(async {
        let bot = Harness::start_with(|api| {
            Bot::new("123:TEST")
                .set_api_url(api.url.parse().unwrap())
                .throttle(Limits::default())
        })
        .await;
        bot.api.fail_next(
            "sendMessage",
            StatusCode::TOO_MANY_REQUESTS,
            json!({ "ok": false, "error_code": 429, "description": "Too Many Requests: retry after 1", "parameters": { "retry_after": 1 } }),
        );
        bot.api
            .push(message_update(text_message(902, 902, QUESTION)));
        let retried = bot.api.wait_for_nth("sendMessage", 902, 2).await;
        assert!(retried.text().contains(FIGURE), "the same answer, retried");
        let first = bot.api.wait_for_nth("sendMessage", 902, 1).await;
        assert!(retried.at.duration_since(first.at) >= Duration::from_millis(900));
        bot.stop().await;
    })
    .await;
}

/// Runs the real binary in an empty folder (so no stray `.env` is read).
fn binary(dir: &std::path::Path) -> Command {
    let mut command = Command::new(env!("CARGO_BIN_EXE_fanzha-bot"));
    command
        .current_dir(dir)
        .env_remove("TELOXIDE_TOKEN")
        .env_remove("TELOXIDE_API_URL")
        .env_remove("WEBHOOK_URL")
        .env_remove("PORT")
        .env_remove("WEBHOOK_SECRET")
        .env_remove("DATABASE_URL")
        .env("KNOWLEDGE_DIR", SEED_DIR.path())
        .env("DATA_DIR", dir.join("data"))
        .env("RUST_LOG", "warn")
        .stdin(Stdio::null());
    command
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn run_binary_answers_through_the_api_url_and_feedback_reports_it() {
    within_limit(async {
        let api = MockApi::start().await;
        let dir = tempfile::tempdir().unwrap();
        let mut bot = Running::spawn(
            binary(dir.path())
                .arg("run")
                .env("TELOXIDE_TOKEN", "123:TEST")
                .env("TELOXIDE_API_URL", &api.url),
        );
        let commands = api.wait_method("setMyCommands").await;
        assert!(commands.body["commands"].as_array().unwrap().len() >= 4);
        api.push(message_update(text_message(1_001, 1_001, QUESTION)));
        assert!(api.wait_sent(1_001).await.text().contains(FIGURE));
        assert!(bot.is_running(), "still running");
        // Stopped as systemd stops it: it finishes what it has and exits 0.
        bot.terminate();
        let exited = bot.finish().await;
        assert!(exited.status.success(), "{exited:?}");

        let report = Running::spawn(binary(dir.path()).arg("feedback"))
            .finish()
            .await;
        assert!(report.status.success(), "{report:?}");
        assert!(
            report.stdout.contains(&format!("   1× {QUESTION}")),
            "{}",
            report.stdout
        );
    })
    .await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn run_without_a_token_explains_botfather_and_exits_2() {
    within_limit(async {
        let dir = tempfile::tempdir().unwrap();
        for token in [None, Some("not-a-token")] {
            let mut command = binary(dir.path());
            command.arg("run");
            if let Some(token) = token {
                command.env("TELOXIDE_TOKEN", token);
            }
            let output = Running::spawn(&mut command).finish().await;
            let stderr = output.stderr;
            assert_eq!(output.status.code(), Some(2), "{stderr}");
            assert_eq!(stderr.trim().lines().count(), 1, "{stderr}");
            assert!(stderr.contains("@BotFather"), "{stderr}");
            assert!(!stderr.contains("not-a-token"), "{stderr}");
        }
    })
    .await;
}

/// The port in the bot's `listening for webhook updates on ADDRESS:PORT` log line.
fn listening_port(line: &str) -> u16 {
    let (_, after) = line
        .rsplit_once(':')
        .unwrap_or_else(|| panic!("no port in {line:?}"));
    let digits: String = after.chars().take_while(char::is_ascii_digit).collect();
    digits
        .parse()
        .unwrap_or_else(|_| panic!("no port in {line:?}"))
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn run_binary_in_webhook_mode_answers_posted_updates_with_the_secret_only() {
    within_limit(async {
        let api = MockApi::start().await;
        let dir = tempfile::tempdir().unwrap();
        // The public address Telegram is told to post to, behind a reverse proxy. The test plays
        // the proxy: it posts to the local port the bot reports, on the URL's path.
        let webhook_url = "https://bot.example.org/telegram/hook";
        let secret = "test-secret_42";
        let mut bot = Running::spawn(
            binary(dir.path())
                .arg("run")
                .env("TELOXIDE_TOKEN", "123:TEST")
                .env("TELOXIDE_API_URL", &api.url)
                .env("WEBHOOK_URL", webhook_url)
                // Any free port, as the bot binds it: a port picked beforehand and released could
                // be taken by someone else before the bot binds it.
                .env("PORT", "0")
                .env("WEBHOOK_SECRET", secret)
                .env("RUST_LOG", "warn,fanzha_bot::bot=info"),
        );
        let listening = bot
            .wait_for_stderr("listening for webhook updates on ")
            .await;
        let port = listening_port(&listening);
        let local_url = format!("http://127.0.0.1:{port}/telegram/hook");

        let registered = api.wait_method("setWebhook").await;
        assert_eq!(registered.body["url"], webhook_url);
        assert_eq!(registered.body["secret_token"], secret);

        let forged = json!({ "update_id": 1, "message": text_message(2_001, 2_001, QUESTION) });
        assert_eq!(
            post_to_webhook(&local_url, Some("wrong"), &forged).await,
            401
        );
        assert_eq!(post_to_webhook(&local_url, None, &forged).await, 401);
        let genuine = json!({ "update_id": 2, "message": text_message(2_002, 2_002, QUESTION) });
        assert_eq!(
            post_to_webhook(&local_url, Some(secret), &genuine).await,
            200
        );
        let reply = api.wait_sent(2_002).await;
        assert!(reply.text().contains(FIGURE), "{}", reply.text());
        assert_answer_message(&reply);
        // The forged posts were refused before the genuine one was sent: had either been taken,
        // it would have been answered by now.
        assert!(
            api.calls_to("sendMessage")
                .iter()
                .all(|call| call.chat_id() != Some(2_001)),
            "a post without the secret was answered"
        );

        bot.terminate();
        let exited = bot.finish().await;
        assert!(exited.status.success(), "{exited:?}");
        // A plain stop leaves the webhook to the other replicas; removing it is a command.
        assert!(api.calls_to("deleteWebhook").is_empty());
        let mut delete = binary(dir.path());
        delete
            .arg("delete-webhook")
            .env("TELOXIDE_TOKEN", "123:TEST")
            .env("TELOXIDE_API_URL", &api.url);
        let deleted = tokio::task::spawn_blocking(move || delete.output().unwrap())
            .await
            .unwrap();
        assert!(deleted.status.success(), "{deleted:?}");
        api.wait_method("deleteWebhook").await;
    })
    .await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn run_binary_webhook_mistakes_are_one_line_and_exit_2() {
    within_limit(async {
        let dir = tempfile::tempdir().unwrap();
        let taken = std::net::TcpListener::bind("0.0.0.0:0").unwrap();
        let taken_port = taken.local_addr().unwrap().port().to_string();
        // Nothing answers here: every case must fail before the Bot API is asked anything.
        let (_refusing, refusing_port) = refusing_port();
        // Each mistake is blamed on the variable that holds it.
        let cases = [
            ("WEBHOOK_URL", "bot.example.org/hook"),
            ("WEBHOOK_URL", "https://"),
            ("WEBHOOK_URL", "https://bot example.org/hook"),
            ("PORT", "eighty"),
            ("WEBHOOK_SECRET", "not secret!"),
            ("PORT", taken_port.as_str()),
        ];
        for (name, value) in cases {
            let mut command = binary(dir.path());
            command
                .arg("run")
                .env("TELOXIDE_TOKEN", "123:TEST")
                .env(
                    "TELOXIDE_API_URL",
                    format!("http://127.0.0.1:{refusing_port}/"),
                )
                .env("WEBHOOK_URL", "https://bot.example.org/hook")
                .env(name, value);
            let output = Running::spawn(&mut command).finish().await;
            let stderr = output.stderr;
            assert_eq!(output.status.code(), Some(2), "{name}={value}: {stderr}");
            assert_eq!(stderr.trim().lines().count(), 1, "{name}={value}: {stderr}");
            assert!(
                stderr.contains(&format!("fanzha-bot: {name}")),
                "{name}={value}: {stderr}"
            );
            assert!(!stderr.contains("panick"), "{stderr}");
        }
        drop(taken);
    })
    .await;
}

/// A photo in a private chat (the bot answers it with a hint).
fn photo_message(chat: i64) -> serde_json::Value {
    let mut photo = text_message(chat, chat, "");
    photo.as_object_mut().unwrap().remove("text");
    photo["photo"] = json!([{ "file_id": "f", "file_unique_id": "u", "width": 1, "height": 1 }]);
    photo
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_flooding_chat_never_delays_other_chats_answers() {
    within_limit(async {
        // Throttled as in production: Telegram's one message a second per chat.
        let bot = Harness::start_with(|api| {
            Bot::new("123:TEST")
                .set_api_url(api.url.parse().unwrap())
                .throttle(Limits::default())
        })
        .await;
        let flooder = 1_001;
        let mut flood: Vec<_> = (0..150)
            .map(|_| message_update(photo_message(flooder)))
            .collect();
        flood.extend((0..150).map(|_| message_update(command_message(flooder, flooder, "/help"))));
        bot.api.push_all(flood);
        bot.api.wait_sent(flooder).await;
        let others = [1_002, 1_003, 1_004];
        let ids = bot.api.push_all(
            others
                .iter()
                .map(|&chat| message_update(text_message(chat, chat, QUESTION)))
                .collect(),
        );
        for (&chat, &id) in others.iter().zip(&ids) {
            let answer = bot.api.wait_sent(chat).await;
            assert!(answer.text().contains(FIGURE));
            let delay = answer.at - bot.api.delivered_at(id).unwrap();
            println!("chat {chat} answered {delay:?} after its update was delivered");
            assert!(delay <= Duration::from_secs(1), "chat {chat}: {delay:?}");
        }
        // The flooder hears ten replies and the notice, and nothing more is queued for it.
        let flooded = |calls: &[Call]| {
            calls
                .iter()
                .filter(|c| c.method == "sendMessage" && c.chat_id() == Some(flooder))
                .count()
        };
        bot.api
            .wait_for("the flood notice", Duration::from_secs(30), |calls| {
                (flooded(calls) >= 11).then_some(())
            })
            .await;
        let sent = bot.api.calls_to("sendMessage");
        let to_flooder: Vec<&Call> = sent
            .iter()
            .filter(|c| c.chat_id() == Some(flooder))
            .collect();
        assert_eq!(to_flooder.len(), 11);
        assert_eq!(to_flooder[10].text(), replies::FLOOD_NOTICE);
        bot.stop().await;
    })
    .await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_panicking_handler_apologises_once_and_the_bot_keeps_going() {
    within_limit(async {
        use fanzha_bot::bot::handler_tree;
        use teloxide::prelude::*;
        let panicking = Update::filter_message()
            .filter(|message: Message| message.text() == Some("panic"))
            .endpoint(|| async { panic!("a bug in a handler") });
        let tree = dptree::entry()
            .branch(panicking)
            .branch(handler_tree::<Bot>());
        let bot = Harness::start_with_tree(tree).await;
        let chat = 1_101;
        bot.api
            .push(message_update(text_message(chat, chat, "panic")));
        assert_eq!(bot.api.wait_sent(chat).await.text(), replies::APOLOGY);
        // The same chat (whose worker panicked) and the group are still answered, and the
        // group hears no apology for its panic.
        bot.api.push_all(vec![
            message_update(text_message(-1_102, 5, "panic")),
            message_update(text_message(chat, chat, QUESTION)),
            message_update(command_message(-1_102, 5, &format!("/ask {QUESTION}"))),
        ]);
        assert!(
            bot.api
                .wait_for_nth("sendMessage", chat, 2)
                .await
                .text()
                .contains(FIGURE)
        );
        assert!(bot.api.wait_sent(-1_102).await.text().contains(FIGURE));
        bot.stop().await;
    })
    .await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn people_posting_as_different_channels_each_have_their_own_flood_budget() {
    within_limit(async {
        let bot = Harness::start().await;
        let group = -1_201;
        let ask = format!("/ask {QUESTION}");
        // Telegram's stand-in sender for everyone posting as a channel is Channel_Bot (and
        // GroupAnonymousBot for anonymous admins); `sender_chat` tells who it is.
        let as_channel = |channel: i64| {
            let mut message = command_message(group, 136_817_688, &ask);
            message["from"]["is_bot"] = json!(true);
            message["sender_chat"] = json!({ "id": channel, "type": "channel", "title": "频道" });
            message_update(message)
        };
        let mut updates = Vec::new();
        for _ in 0..6 {
            updates.push(as_channel(-1_001_111_111_111));
            updates.push(as_channel(-1_002_222_222_222));
        }
        bot.api.push_all(updates);
        bot.api.wait_for_nth("sendMessage", group, 12).await;
        let texts: Vec<String> = bot
            .api
            .calls_to("sendMessage")
            .iter()
            .map(|c| c.text().to_string())
            .collect();
        assert!(texts.iter().all(|t| t.contains(FIGURE)), "{texts:?}");
        bot.stop().await;
    })
    .await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_locked_database_does_not_delay_the_answer() {
    within_limit(async {
        use sqlx::Connection;
        let bot = Harness::start().await;
        // Another process holds the SQLite file's write lock (sqlx would wait 5 s for it).
        let file = bot.data_dir().join(fanzha_bot::db::SQLITE_FILE);
        let options = sqlx::sqlite::SqliteConnectOptions::new().filename(&file);
        let mut holder = sqlx::SqliteConnection::connect_with(&options)
            .await
            .unwrap();
        sqlx::query("BEGIN EXCLUSIVE")
            .execute(&mut holder)
            .await
            .unwrap();
        let id = bot
            .api
            .push(message_update(text_message(1_401, 1_401, QUESTION)));
        let answer = bot.api.wait_sent(1_401).await;
        assert!(answer.text().contains(FIGURE));
        let delay = answer.at - bot.api.delivered_at(id).unwrap();
        assert!(delay < Duration::from_secs(1), "answered after {delay:?}");
        sqlx::query("ROLLBACK").execute(&mut holder).await.unwrap();
        bot.stop().await;
    })
    .await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn on_postgresql_questions_votes_and_the_report_work() {
    within_limit(async {
        let Some(bot) = Harness::start_on_postgres("bot on postgresql").await else {
            return;
        };
        bot.api
            .push(message_update(text_message(1_501, 1_501, QUESTION)));
        let answer = bot.api.wait_sent(1_501).await;
        assert_answer_message(&answer);
        let vote = button(&answer, "👍");
        bot.api.push(button_press(1_501, &answer, 1_000, &vote));
        bot.api.wait_method("answerCallbackQuery").await;
        bot.api.push(message_update(command_message(
            ADMIN as i64,
            ADMIN as i64,
            "/report",
        )));
        let report = bot.api.wait_sent(ADMIN as i64).await;
        assert!(report.text().contains(QUESTION), "{}", report.text());
        bot.stop().await;
    })
    .await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn about_lists_the_newest_articles_and_report_stays_out_of_groups() {
    within_limit(async {
        let knowledge = tempfile::tempdir().unwrap();
        for day in 1..=28 {
            let article = format!(
                "---\ntitle: 第{day}号通报\ndate: 2024-02-{day:02}\n---\n\n第{day}号通报：本周拦截涉诈电话{day}万次。\n"
            );
            std::fs::write(knowledge.path().join(format!("{day}.md")), article).unwrap();
        }
        let bot = Harness::start_in(knowledge.path(), tempfile::tempdir().unwrap()).await;
        bot.api.push(message_update(command_message(1_601, 1_601, "/about")));
        let about = bot.api.wait_sent(1_601).await;
        let listed = about.text().lines().filter(|l| l.starts_with("· 《")).count();
        assert_eq!(listed, fanzha_bot::bot::messages::ABOUT_ARTICLES, "{}", about.text());
        assert!(about.text().contains("2024-02-28") && !about.text().contains("2024-02-01"));
        assert!(about.text().contains("共 28 篇"), "{}", about.text());
        let admin = ADMIN as i64;
        bot.api.push(message_update(command_message(-1_602, admin, "/report")));
        assert_eq!(
            bot.api.wait_sent(-1_602).await.text(),
            replies::REPORT_PRIVATE_ONLY
        );
        bot.stop().await;
    })
    .await;
}
