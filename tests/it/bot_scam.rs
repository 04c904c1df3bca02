//! Scam warnings and maintainers' commands in Telegram, end to end: the real handler tree against
//! the mock Bot API (tests/support), the daily-card scheduler called with fixed times.

use std::time::Duration;

use chrono::{DateTime, Utc};
use fanzha_bot::bot::{replies, tips};
use serde_json::{Value, json};
use teloxide::Bot;

use crate::support::mock_api::GROUP_ADMIN;
use crate::support::*;

/// Rated high by the shipped patterns: an authority, a crime accusation and a "safe account".
const SCAM: &str = "我是市公安局的，你涉嫌洗钱，把钱转到安全账户，别告诉家人";
/// Another high-risk message, for the cooldown.
const SCAM_2: &str = "您好，我是公安局民警，你的账户涉嫌洗钱，马上把钱转到安全账户配合调查";
/// A message that warns about scams: rated low.
const WARNING: &str = "公检法不会电话办案，没有什么安全账户，遇到直接挂断";
const CHATTER: &str = "今天晚上一起吃饭吗？我订了七点的位子";

fn forwarded(chat: i64, from: i64, text: &str) -> Value {
    let mut message = text_message(chat, from, text);
    message["forward_origin"] = json!({
        "type": "hidden_user",
        "sender_user_name": "陌生人",
        "date": 1_699_990_000,
    });
    message
}

fn replying_to(
    mut message: Value,
    replied_id: i64,
    replied_from: i64,
    replied_text: &str,
) -> Value {
    let chat = message["chat"]["id"].as_i64().unwrap();
    message["reply_to_message"] = json!({
        "message_id": replied_id,
        "date": 1_699_999_999,
        "chat": mock_api::chat(chat),
        "from": user(replied_from),
        "text": replied_text,
    });
    message
}

fn client(api: &MockApi) -> Bot {
    Bot::new("123:TEST").set_api_url(api.url.parse().unwrap())
}

fn at(time: &str) -> DateTime<Utc> {
    time.parse().unwrap()
}

/// Sends `update`, then a `/help` marker in the same chat, and waits for the marker's reply:
/// updates of one chat are handled in order, so whatever `update` caused has been sent by then.
async fn settle(bot: &Harness, chat: i64, from: i64) -> Vec<Call> {
    let before = bot
        .api
        .calls_to("sendMessage")
        .iter()
        .filter(|c| c.chat_id() == Some(chat))
        .count();
    bot.api
        .push(message_update(command_message(chat, from, "/help")));
    bot.api
        .wait_for("the /help marker", Duration::from_secs(10), |calls| {
            calls
                .iter()
                .filter(|c| c.method == "sendMessage" && c.chat_id() == Some(chat))
                .skip(before)
                .any(|c| c.text().starts_with(replies::HELP_INTRO))
                .then_some(())
        })
        .await;
    bot.api
        .calls_to("sendMessage")
        .into_iter()
        .filter(|c| c.chat_id() == Some(chat))
        .skip(before)
        .filter(|c| !c.text().starts_with(replies::HELP_INTRO))
        .collect()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn forwarded_scam_in_private_gets_a_warning_with_a_quoted_flag() {
    within_limit(async {
        let bot = Harness::start().await;
        bot.api.push(message_update(forwarded(501, 501, SCAM)));
        let reply = bot.api.wait_sent(501).await;
        assert_eq!(reply.body["parse_mode"], "HTML");
        assert!(reply.text().contains("<b>风险：高</b>"), "{}", reply.text());
        assert!(reply.text().contains("冒充公检法"), "{}", reply.text());
        assert!(reply.text().contains("「"), "quoted flag: {}", reply.text());
        assert!(reply.text().contains("安全账户"), "{}", reply.text());
        assert!(reply.text().contains("建议："), "{}", reply.text());
        assert!(
            reply.text().chars().count() < 800,
            "short enough to forward"
        );
        bot.stop().await;
    })
    .await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn link_message_in_private_is_checked_not_answered() {
    within_limit(async {
        let bot = Harness::start().await;
        let text = "恭喜中奖，点击 https://example.cn/prize 领取";
        let mut message = text_message(502, 502, text);
        message["entities"] = json!([{ "type": "url", "offset": 8, "length": 25 }]);
        bot.api.push(message_update(message));
        let reply = bot.api.wait_sent(502).await;
        assert!(reply.text().contains("风险："), "{}", reply.text());
        assert!(
            reply.body.get("reply_markup").is_none(),
            "a check has no answer buttons"
        );
        bot.stop().await;
    })
    .await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_message_that_matches_nothing_is_never_called_safe() {
    within_limit(async {
        let bot = Harness::start().await;
        bot.api.push(message_update(command_message(
            505,
            505,
            &format!("/check {CHATTER}"),
        )));
        let reply = bot.api.wait_sent(505).await;
        assert!(reply.text().contains("<b>风险：低</b>"), "{}", reply.text());
        assert!(!reply.text().contains('✅'), "{}", reply.text());
        assert!(reply.text().contains("不代表安全"), "{}", reply.text());
        assert!(reply.text().contains("验证码"), "{}", reply.text());
        bot.stop().await;
    })
    .await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_warning_about_scams_is_rated_low() {
    within_limit(async {
        let bot = Harness::start().await;
        bot.api.push(message_update(forwarded(503, 503, WARNING)));
        let reply = bot.api.wait_sent(503).await;
        assert!(reply.text().contains("<b>风险：低</b>"), "{}", reply.text());
        assert!(reply.text().contains("防骗提醒"), "{}", reply.text());
        assert!(!reply.text().contains('✅'), "{}", reply.text());
        bot.api.push(message_update(command_message(
            504,
            504,
            &format!("/check {WARNING}"),
        )));
        assert!(
            bot.api
                .wait_sent(504)
                .await
                .text()
                .contains("<b>风险：低</b>")
        );
        bot.stop().await;
    })
    .await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn check_as_a_reply_in_a_group_checks_the_replied_message() {
    within_limit(async {
        let bot = Harness::start().await;
        let chat = -510;
        let check = replying_to(command_message(chat, 5, "/check"), 77, 6, SCAM);
        bot.api.push(message_update(check));
        let reply = bot.api.wait_sent(chat).await;
        assert!(reply.text().contains("<b>风险：高</b>"), "{}", reply.text());
        assert_eq!(
            reply.body["reply_parameters"]["message_id"], 77,
            "answers the checked message"
        );
        // A bare /check (no text, not a reply) gets the usage hint, admins in groups included.
        bot.api.push(message_update(command_message(
            chat,
            ADMIN as i64,
            "/check",
        )));
        assert_eq!(
            bot.api.wait_for_nth("sendMessage", chat, 2).await.text(),
            replies::CHECK_USAGE
        );
        bot.stop().await;
    })
    .await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn autowarn_is_for_group_admins_and_warns_once_per_cooldown() {
    within_limit(async {
        let bot = Harness::start().await;
        let chat = -520;
        // Off by default: a scam in the group is not answered.
        bot.api.push(message_update(text_message(chat, 5, SCAM)));
        assert!(settle(&bot, chat, 5).await.is_empty(), "off by default");

        bot.api
            .push(message_update(command_message(chat, 5, "/autowarn on")));
        let refused = bot.api.wait_for_nth("sendMessage", chat, 2).await;
        assert_eq!(refused.text(), replies::GROUP_ADMINS_ONLY);
        let asked = bot.api.wait_method("getChatMember").await;
        assert_eq!(asked.body["user_id"], 5);
        assert!(!bot.state.database.autowarn_enabled(chat).await.unwrap());

        bot.api.push(message_update(command_message(
            chat,
            GROUP_ADMIN,
            "/autowarn on",
        )));
        let enabled = bot.api.wait_for_nth("sendMessage", chat, 3).await;
        assert_eq!(enabled.text(), replies::AUTOWARN_ON);
        assert!(bot.state.database.autowarn_enabled(chat).await.unwrap());

        let mut scam = text_message(chat, 6, SCAM);
        scam["message_id"] = json!(91);
        bot.api.push(message_update(scam));
        bot.api.push(message_update(text_message(chat, 7, SCAM_2)));
        bot.api.push(message_update(text_message(chat, 8, CHATTER)));
        bot.api.push(message_update(text_message(chat, 8, WARNING)));
        let sent = settle(&bot, chat, 5).await;
        assert_eq!(sent.len(), 1, "one warning within the cooldown: {sent:#?}");
        assert!(
            sent[0].text().starts_with(replies::AUTOWARN_HEADING),
            "{}",
            sent[0].text()
        );
        assert_eq!(sent[0].body["reply_parameters"]["message_id"], 91);

        // Chatter in another group with auto-warn on is silent too.
        let other = -521;
        bot.state.database.set_autowarn(other, true).await.unwrap();
        bot.api
            .push(message_update(text_message(other, 8, CHATTER)));
        assert!(settle(&bot, other, 8).await.is_empty());

        bot.api.push(message_update(command_message(
            chat,
            GROUP_ADMIN,
            "/autowarn off",
        )));
        bot.api
            .wait_for("autowarn off", Duration::from_secs(10), |calls| {
                calls
                    .iter()
                    .find(|c| c.text() == replies::AUTOWARN_OFF)
                    .cloned()
            })
            .await;
        assert!(!bot.state.database.autowarn_enabled(chat).await.unwrap());
        bot.stop().await;
    })
    .await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn tip_by_topic_sends_its_card() {
    within_limit(async {
        let bot = Harness::start().await;
        bot.api
            .push(message_update(command_message(530, 530, "/tip 刷单")));
        let card = bot.api.wait_sent(530).await;
        assert!(
            card.text().contains("防骗提示：刷单返利"),
            "{}",
            card.text()
        );
        assert!(card.text().contains("怎么办："), "{}", card.text());
        bot.api
            .push(message_update(command_message(531, 531, "/tip")));
        assert!(bot.api.wait_sent(531).await.text().contains("防骗提示："));
        bot.api
            .push(message_update(command_message(532, 532, "/tip 天气")));
        assert!(
            bot.api
                .wait_sent(532)
                .await
                .text()
                .starts_with(replies::TIP_UNKNOWN_TOPIC)
        );
        bot.stop().await;
    })
    .await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn daily_card_is_delivered_once_a_day_and_survives_a_restart() {
    within_limit(async {
        let bot = Harness::start_in(SEED_DIR.path(), tempfile::tempdir().unwrap()).await;
        let chat = 540;
        bot.api.push(message_update(command_message(
            chat,
            chat,
            "/subscribe 09:00",
        )));
        let confirmed = bot.api.wait_sent(chat).await;
        assert!(confirmed.text().contains("09:00"), "{}", confirmed.text());
        assert!(confirmed.text().contains("UTC+8"), "{}", confirmed.text());
        let api = client(&bot.api);

        // 09:00 China time is 01:00 UTC.
        let delivered = |now| tips::deliver_due(&api, &bot.state, at(now));
        assert_eq!(
            delivered("2030-01-01T00:59:00Z").await.unwrap(),
            0,
            "not yet"
        );
        assert_eq!(delivered("2030-01-01T01:00:00Z").await.unwrap(), 1);
        let card = bot.api.wait_for_nth("sendMessage", chat, 2).await;
        assert!(
            card.text().starts_with(replies::DAILY_TIP_HEADING),
            "{}",
            card.text()
        );
        assert_eq!(
            delivered("2030-01-01T01:01:00Z").await.unwrap(),
            0,
            "once a day"
        );
        assert_eq!(
            delivered("2030-01-01T15:59:00Z").await.unwrap(),
            0,
            "23:59 same day"
        );

        // A restart keeps the subscription and what was delivered.
        let data = bot.stop_keeping_data().await;
        let bot = Harness::start_in(SEED_DIR.path(), data).await;
        let api = client(&bot.api);
        let delivered = |now| tips::deliver_due(&api, &bot.state, at(now));
        assert_eq!(
            delivered("2030-01-01T12:00:00Z").await.unwrap(),
            0,
            "no double send"
        );
        assert_eq!(
            delivered("2030-01-02T02:00:00Z").await.unwrap(),
            1,
            "next day"
        );

        bot.api
            .push(message_update(command_message(chat, chat, "/unsubscribe")));
        let stopped = bot
            .api
            .wait_for("unsubscribed", Duration::from_secs(10), |calls| {
                calls
                    .iter()
                    .find(|c| c.text() == replies::UNSUBSCRIBED)
                    .cloned()
            })
            .await;
        assert_eq!(stopped.chat_id(), Some(chat));
        assert_eq!(
            delivered("2030-01-03T02:00:00Z").await.unwrap(),
            0,
            "unsubscribed"
        );
        bot.stop().await;
    })
    .await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn group_subscription_is_for_group_admins() {
    within_limit(async {
        let bot = Harness::start().await;
        let chat = -550;
        bot.api
            .push(message_update(command_message(chat, 5, "/subscribe")));
        assert_eq!(
            bot.api.wait_sent(chat).await.text(),
            replies::GROUP_ADMINS_ONLY
        );
        assert!(
            bot.state
                .database
                .subscription(chat)
                .await
                .unwrap()
                .is_none()
        );
        bot.api.push(message_update(command_message(
            chat,
            GROUP_ADMIN,
            "/subscribe",
        )));
        let confirmed = bot.api.wait_for_nth("sendMessage", chat, 2).await;
        assert!(
            confirmed.text().contains("09:00"),
            "default time: {}",
            confirmed.text()
        );
        assert_eq!(
            bot.state
                .database
                .subscription(chat)
                .await
                .unwrap()
                .unwrap()
                .minute_of_day,
            tips::DEFAULT_MINUTE_OF_DAY
        );
        bot.stop().await;
    })
    .await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn admin_commands_refuse_others_and_work_for_admins() {
    within_limit(async {
        let bot = Harness::start().await;
        for (chat, command) in [(561, "/stats"), (562, "/reload")] {
            bot.api
                .push(message_update(command_message(chat, chat, command)));
            assert_eq!(bot.api.wait_sent(chat).await.text(), replies::ADMIN_ONLY);
        }
        // A bare /check from a non-admin is the usage hint, not the knowledge report.
        bot.api
            .push(message_update(command_message(563, 563, "/check")));
        assert_eq!(bot.api.wait_sent(563).await.text(), replies::CHECK_USAGE);

        let admin = ADMIN as i64;
        bot.api
            .push(message_update(command_message(admin, admin, "/stats")));
        let stats = bot.api.wait_sent(admin).await;
        assert!(stats.text().contains("文章 2 篇"), "{}", stats.text());
        assert!(
            stats.text().contains("今天已回答 0 个问题"),
            "{}",
            stats.text()
        );
        assert!(stats.text().contains("索引建于"), "{}", stats.text());
        bot.api
            .push(message_update(command_message(admin, admin, "/check")));
        let report = bot.api.wait_for_nth("sendMessage", admin, 2).await;
        assert!(report.text().contains("知识库检查"), "{}", report.text());
        bot.stop().await;
    })
    .await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn reload_sees_a_new_article() {
    within_limit(async {
        let knowledge = tempfile::tempdir().unwrap();
        let seed = "2022-04-15-anti-fraud-peoples-war.md";
        std::fs::copy(
            repo().join("knowledge").join(seed),
            knowledge.path().join(seed),
        )
        .unwrap();
        let bot = Harness::start_in(knowledge.path(), tempfile::tempdir().unwrap()).await;
        let admin = ADMIN as i64;
        std::fs::write(
            knowledge.path().join("2026-11-01-village-pilot.md"),
            "---\ntitle: 反诈宣传进村试点\ndate: 2026-11-01\n---\n\n\
             今年反诈宣传进村试点覆盖了1234个行政村，村民主动报告可疑电话3.2万次。\n",
        )
        .unwrap();
        bot.api
            .push(message_update(command_message(admin, admin, "/reload")));
        let reloaded = bot.api.wait_sent(admin).await;
        assert!(reloaded.text().contains("文章 2 篇"), "{}", reloaded.text());
        bot.api.push(message_update(text_message(
            admin,
            admin,
            "反诈宣传进村试点覆盖了多少个行政村",
        )));
        let answer = bot.api.wait_for_nth("sendMessage", admin, 2).await;
        assert!(answer.text().contains("1234"), "{}", answer.text());

        // A broken file is reported as path:line and the rest keeps being served.
        std::fs::write(knowledge.path().join("broken.md"), "---\ntitle: 未闭合\n").unwrap();
        bot.api
            .push(message_update(command_message(admin, admin, "/reload")));
        let with_problem = bot.api.wait_for_nth("sendMessage", admin, 3).await;
        assert!(
            with_problem.text().contains("broken.md:"),
            "{}",
            with_problem.text()
        );
        assert!(
            with_problem.text().contains("文章 2 篇"),
            "{}",
            with_problem.text()
        );
        bot.stop().await;
    })
    .await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_dead_database_costs_no_answer_and_no_apology_to_a_group() {
    within_limit(async {
        let bot = Harness::start_with(client).await;
        let group = -1_301;
        bot.state.database.set_autowarn(group, true).await.unwrap();
        bot.state.database.close().await;
        // Group talk auto-warn would claim a warning for (the claim fails), then a question.
        bot.api.push_all(vec![
            message_update(text_message(group, 5, SCAM)),
            message_update(command_message(group, 6, "/ask 拦截了多少涉诈电话")),
        ]);
        let answer = bot.api.wait_sent(group).await;
        assert!(answer.text().contains("19.5亿次"), "{}", answer.text());
        bot.api
            .push(message_update(command_message(group, 6, "/help")));
        bot.api.wait_for_nth("sendMessage", group, 2).await;
        let texts: Vec<String> = bot
            .api
            .calls_to("sendMessage")
            .iter()
            .map(|c| c.text().to_string())
            .collect();
        assert!(!texts.iter().any(|t| t == replies::APOLOGY), "{texts:?}");
        bot.stop().await;
    })
    .await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn daily_cards_unsubscribe_blocked_chats_and_retry_after_a_transient_failure() {
    within_limit(async {
        use axum::http::StatusCode;
        let bot = Harness::start_with(client).await;
        let (blocked, flaky) = (551, 552);
        for chat in [blocked, flaky] {
            subscribe_at_nine(&bot, chat).await;
        }
        let api = client(&bot.api);
        // Due in the order they subscribed: the blocked chat first, then a server error.
        bot.api.fail_next(
            "sendMessage",
            StatusCode::FORBIDDEN,
            json!({ "ok": false, "error_code": 403, "description": "Forbidden: bot was blocked by the user" }),
        );
        bot.api.fail_next(
            "sendMessage",
            StatusCode::BAD_REQUEST,
            json!({ "ok": false, "error_code": 400, "description": "Bad Request: something broke" }),
        );
        let due = at("2030-01-01T01:00:00Z");
        assert_eq!(tips::deliver_due(&api, &bot.state, due).await.unwrap(), 0);
        assert!(bot.state.database.subscription(blocked).await.unwrap().is_none());
        // The failed card is tried again the next minute, and sent.
        let next = at("2030-01-01T01:01:00Z");
        assert_eq!(tips::deliver_due(&api, &bot.state, next).await.unwrap(), 1);
        assert_eq!(
            bot.api.calls_to("sendMessage").last().unwrap().chat_id(),
            Some(flaky)
        );
        bot.stop().await;
    })
    .await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_big_daily_batch_is_paced_and_answers_pass_it() {
    within_limit(async {
        let bot = Harness::start_in(SEED_DIR.path(), tempfile::tempdir().unwrap()).await;
        let chats: Vec<i64> = (7_000..7_006).collect();
        for &chat in &chats {
            subscribe_at_nine(&bot, chat).await;
        }
        let api = client(&bot.api);
        // Well above what one card costs here (claim + send, a few tens of ms in a debug build).
        let pace = Duration::from_millis(200);
        let batch = tips::deliver_due_paced(&api, &bot.state, at("2030-01-01T01:00:00Z"), pace);
        let asker = 7_100;
        // A question asked once the batch has begun.
        let question = async {
            bot.api
                .wait_for("the first card", Duration::from_secs(10), |calls| {
                    calls
                        .iter()
                        .find(|c| c.chat_id() == Some(chats[0]))
                        .cloned()
                })
                .await;
            bot.api.push(message_update(text_message(
                asker,
                asker,
                "拦截了多少涉诈电话",
            )));
            bot.api.wait_sent(asker).await
        };
        let (sent, answer) = tokio::join!(batch, question);
        assert_eq!(sent.unwrap(), chats.len());
        let cards: Vec<Call> = bot
            .api
            .calls_to("sendMessage")
            .into_iter()
            .filter(|c| c.chat_id().is_some_and(|chat| chats.contains(&chat)))
            .collect();
        assert_eq!(cards.len(), chats.len());
        let last = cards[cards.len() - 1].at;
        // Sent `pace` apart (the pace is kept between sends, so a slow database claim cannot
        // shorten a gap). They are received an HTTP request's delay later, and that delay varies
        // under load, so one gap may shrink by as much as the one before grew: each gap is at
        // least half the pace, and the batch as a whole spans the pace times the gaps, less one
        // request's delay at most.
        for pair in cards.windows(2) {
            let gap = pair[1].at - pair[0].at;
            assert!(gap >= pace / 2, "cards {gap:?} apart");
        }
        let span = last - cards[0].at;
        let gaps = u32::try_from(cards.len() - 1).unwrap();
        assert!(
            span >= pace * gaps - pace / 2,
            "{} cards over {span:?}",
            cards.len()
        );
        assert!(answer.at < last, "the answer did not wait for the batch");
        bot.stop().await;
    })
    .await;
}

/// Subscribes `chat` to the daily card at 09:00 China time, never delivered yet.
async fn subscribe_at_nine(bot: &Harness, chat: i64) {
    let subscription = fanzha_bot::db::chat_settings::TipSubscription {
        chat,
        thread: None,
        minute_of_day: 9 * 60,
        last_delivered: None,
    };
    bot.state.database.subscribe(&subscription).await.unwrap();
}
