//! Unit tests for the scanner on the built-in patterns: each flag kind, warning context, the risk
//! rule, rendering and the warning cards. The labelled set is judged in `tests/scan.rs`.

use std::path::Path;
use std::sync::LazyLock;

use super::*;

static SCANNER: LazyLock<Scanner> =
    LazyLock::new(|| Scanner::builtin().expect("built-in patterns load"));

/// Asserts that every message is judged low risk, naming the first that is not.
fn assert_each_is_low(messages: &[&str]) {
    for message in messages {
        let verdict = SCANNER.scan(message);
        assert_eq!(verdict.risk, Risk::Low, "{message}: {verdict:?}");
    }
}

fn kinds(verdict: &Verdict) -> Vec<&str> {
    verdict.flags.iter().map(|f| f.kind.as_str()).collect()
}

#[test]
fn safe_account_with_police_is_high_and_quoted() {
    let verdict = SCANNER.scan("我是市公安局的警官，你涉嫌洗钱，请马上把钱转到安全账户。");
    assert_eq!(verdict.risk, Risk::High);
    assert_eq!(
        verdict.types.first().map(String::as_str),
        Some("冒充公检法")
    );
    let safe = verdict
        .flags
        .iter()
        .find(|f| f.kind == "safe_account")
        .unwrap();
    assert_eq!(safe.quote, "请马上把钱转到安全账户");
    assert!(kinds(&verdict).contains(&"authority"));
    assert!(kinds(&verdict).contains(&"urgency"));
    assert!(verdict.advice.contains("公检法不会通过电话办案"));
}

#[test]
fn asking_for_a_code_is_flagged_but_warning_about_it_is_not() {
    let asks = SCANNER.scan("验证码收到了吗我帮你登一下");
    assert_eq!(asks.risk, Risk::Medium);
    assert_eq!(kinds(&asks), ["verification_code"]);

    let warns = SCANNER.scan("不要把验证码告诉任何人");
    assert_eq!(warns.risk, Risk::Low);
    assert!(warns.flags.is_empty());
    assert!(warns.warns_about_scams);
}

#[test]
fn warning_context_cancels_flags_in_general() {
    assert_each_is_low(&[
        "公检法不会电话办案，遇到直接挂断",
        "凡是让你刷单的都是诈骗",
        "警方提醒：凡是要求转入安全账户的都是诈骗。",
        "骗子会冒充客服让你共享屏幕，大家注意",
        "千万不要下载陌生的会议软件，也不要开启屏幕共享",
        "切勿轻信稳赚不赔的投资",
        "谨防冒充领导借钱，一定要打电话核实",
    ]);
}

#[test]
fn a_negation_does_not_reach_into_the_next_clause() {
    let verdict = SCANNER.scan("不要犹豫，你涉嫌洗钱，马上把钱转到安全账户");
    assert_eq!(verdict.risk, Risk::High);
}

#[test]
fn ordinary_talk_of_money_links_and_codes_stays_low() {
    for message in [
        "明天还你钱",
        "这是会议链接 https://meeting.example.com/j/123",
        "快递到了，放在门口了",
        "我马上到，等我五分钟",
        "妈，这个月的生活费收到了",
    ] {
        let verdict = SCANNER.scan(message);
        assert_eq!(verdict.risk, Risk::Low, "{message}: {verdict:?}");
        assert!(verdict.types.is_empty());
    }
}

#[test]
fn bare_domains_and_contact_requests_are_flagged() {
    let verdict = SCANNER.scan("点赞关注就返佣金，加我微信abc12345，详情见 fanli-job.top");
    assert_eq!(verdict.risk, Risk::High);
    assert!(kinds(&verdict).contains(&"link"));
    assert!(kinds(&verdict).contains(&"add_contact"));
    assert!(kinds(&verdict).contains(&"task_rebate"));
    assert_eq!(verdict.types.first().map(String::as_str), Some("刷单返利"));
}

#[test]
fn traditional_full_width_and_spaced_out_text_is_recognised() {
    let verdict =
        SCANNER.scan("您好，我是京東客服，請下載會議軟件並開啟屏幕共享，把驗 證 碼發給我");
    assert_eq!(verdict.risk, Risk::High);
    let code = verdict
        .flags
        .iter()
        .find(|f| f.kind == "verification_code")
        .unwrap();
    assert!(code.quote.contains("驗 證 碼"), "{code:?}");
}

#[test]
fn a_combination_is_high_on_its_own() {
    let verdict = SCANNER.scan("爸，我换号了，急需用钱");
    assert_eq!(verdict.risk, Risk::High);
    assert_eq!(verdict.types.first().map(String::as_str), Some("冒充亲友"));
}

#[test]
fn junk_is_low_and_never_panics() {
    for junk in [
        "",
        " ",
        "\u{0}",
        "😀😀😀",
        "\u{fffd}\u{fffd}",
        "ａ",
        &"骗".repeat(30_000),
    ] {
        let verdict = SCANNER.scan(junk);
        assert!(!plain_reply(&verdict).is_empty());
    }
    assert_eq!(SCANNER.scan("").risk, Risk::Low);
}

#[test]
fn plain_reply_and_json_carry_level_flags_and_advice() {
    let verdict = SCANNER.scan("恭喜您中奖了，领奖前需先缴纳个人所得税");
    let reply = plain_reply(&verdict);
    assert!(reply.starts_with("🚨 风险：高"), "{reply}");
    assert!(reply.contains("虚假中奖"));
    assert!(reply.contains("「"));
    let json: serde_json::Value = serde_json::from_str(&json_line(&verdict)).unwrap();
    assert_eq!(json["risk"], "high");
    assert_eq!(json["types"][0], "虚假中奖");
    assert!(
        json["flags"][0]["quote"]
            .as_str()
            .is_some_and(|q| !q.is_empty())
    );
    assert_eq!(json["reply"], reply);
    let parts = verdict.parts();
    assert_eq!(parts.risk_label, "高");
    assert_eq!(parts.flags.len(), verdict.flags.len());
}

#[test]
fn every_fraud_type_has_a_card_found_by_topic() {
    let cards = SCANNER.tips();
    assert_eq!(cards.len(), 16);
    for card in cards {
        assert!(
            !card.script.is_empty() && !card.red_flags.is_empty() && !card.what_to_do.is_empty()
        );
        assert_eq!(SCANNER.tip_for(&card.title), Some(card));
    }
    assert_eq!(SCANNER.tip_for("刷单").unwrap().title, "刷单返利");
    assert_eq!(
        SCANNER.tip_for(" 杀猪盘！").unwrap().title,
        "网络婚恋交友（杀猪盘）"
    );
    assert_eq!(SCANNER.tip_for("公檢法").unwrap().title, "冒充公检法");
    assert_eq!(SCANNER.tip_for("裸聊").unwrap().title, "裸聊敲诈");
    assert_eq!(SCANNER.tip_for("退改签").unwrap().title, "机票退改签");
    assert_eq!(SCANNER.tip_for("").map(|c| &c.title), None);
    assert_eq!(SCANNER.tip_for("天气").map(|c| &c.title), None);
    assert!(SCANNER.tip_for("刷单").unwrap().plain().contains("怎么办"));
}

#[test]
fn a_cue_word_in_two_context_lists_is_reported_not_resolved_silently() {
    let path = Path::new("knowledge/scam-patterns.yaml");
    let text = include_str!("../../knowledge/scam-patterns.yaml").replacen(
        "requests: [请,",
        "requests: [骗局, 请,",
        1,
    );
    let line = text
        .lines()
        .position(|l| l.contains("requests: [骗局"))
        .map(|i| i + 1)
        .unwrap();
    let err = Scanner::from_yaml(&text, path).unwrap_err().to_string();
    assert!(
        err.starts_with(&format!(
            "knowledge/scam-patterns.yaml:{line}: context: `骗局`"
        )),
        "{err}"
    );
    assert!(
        err.contains("`warnings`") && err.contains("`requests`"),
        "{err}"
    );
}

#[test]
fn bad_pattern_files_report_path_and_line() {
    let path = Path::new("knowledge/scam-patterns.yaml");
    let base = "advice: {high: h, medium: m, low: l, warning: w}\ntypes:\n  - name: 刷单返利\n    script: s\n    red_flags: [r]\n    what_to_do: w\npatterns:\n";
    let unknown_type = format!(
        "{base}  - kind: a\n    label: A\n    weight: 3\n    types: [不存在]\n    phrases: [刷单]\n"
    );
    let err = Scanner::from_yaml(&unknown_type, path)
        .unwrap_err()
        .to_string();
    assert!(err.starts_with("knowledge/scam-patterns.yaml:8: "), "{err}");
    assert!(err.contains("不存在"), "{err}");

    let bad_regex =
        format!("{base}  - kind: b\n    label: B\n    weight: 3\n    regexes: ['(unclosed']\n");
    let err = Scanner::from_yaml(&bad_regex, path)
        .unwrap_err()
        .to_string();
    assert!(
        err.starts_with("knowledge/scam-patterns.yaml:8: pattern `b` has a bad regex"),
        "{err}"
    );

    let not_yaml = "patterns: [\n";
    let err = Scanner::from_yaml(not_yaml, path).unwrap_err().to_string();
    assert!(err.starts_with("knowledge/scam-patterns.yaml:"), "{err}");

    let err = Scanner::from_file(Path::new("/nonexistent/scam-patterns.yaml")).unwrap_err();
    assert!(
        err.to_string()
            .starts_with("/nonexistent/scam-patterns.yaml: cannot read")
    );

    let good = format!(
        "{base}  - kind: c\n    label: C\n    weight: 3\n    types: [刷单返利]\n    phrases: [刷單]\n"
    );
    let scanner = Scanner::from_yaml(&good, path).unwrap();
    assert_eq!(scanner.scan("来刷单吧").risk, Risk::Medium);
}

#[test]
fn a_request_to_the_reader_survives_warning_words_that_name_the_sender() {
    for message in [
        // The sender's tag, a self-introduction, and the name of the app asked for.
        "【国家反诈中心】您的账户涉嫌违规操作，请点击链接 http://gjfz-app.top 下载安全防护软件进行认证",
        "这里是反诈中心，您名下的银行卡涉嫌洗钱，请配合调查，把资金转到我们指定的账户进行核查",
        "【国家反诈中心】您的银行卡存在涉诈风险，即将被冻结，请立即下载反诈保护APP完成解冻",
    ] {
        let verdict = SCANNER.scan(message);
        assert_ne!(verdict.risk, Risk::Low, "{message}: {verdict:?}");
    }
    let verdict = SCANNER.scan(
        "【国家反诈中心】您的账户涉嫌违规操作，请点击链接 http://gjfz-app.top 下载安全防护软件",
    );
    assert!(kinds(&verdict).contains(&"download_app"), "{verdict:?}");
    assert!(kinds(&verdict).contains(&"crime_accusation"), "{verdict:?}");
}

#[test]
fn a_request_reported_or_quoted_in_a_warning_stays_cancelled() {
    assert_each_is_low(&[
        "请注意，骗子会让你下载会议软件并开启屏幕共享",
        "骗子常说“请点击链接领取退款”，千万别点",
        "如果有人让你点击链接下载APP，请立即挂断",
        "请大家提高警惕：凡是自称国家反诈中心要你下载APP转账的，都是诈骗",
        "【反诈提醒】冒充客服退款是常见诈骗，请勿点击链接",
    ]);
    // Asking people to install the real app is advice, not a scam: low on its own.
    let advice = SCANNER.scan("国家反诈中心提醒：请下载国家反诈中心APP，开启来电预警");
    assert_eq!(advice.risk, Risk::Low, "{advice:?}");
}

#[test]
fn several_different_lures_weigh_more_than_one() {
    let one = SCANNER.scan("工地招小工，日结工资300元，包吃住");
    assert_eq!(one.risk, Risk::Low, "{one:?}");
    let lure = |v: &Verdict| {
        v.flags
            .iter()
            .find(|f| f.kind == "easy_money")
            .map(|f| f.weight)
    };
    assert_eq!(lure(&one), Some(2));
    // "工资日结" holds "日结": one lure, however the phrases overlap; a repeated word is one too.
    assert_eq!(lure(&SCANNER.scan("饭店招服务员，工资日结，日结")), Some(2));

    let two = SCANNER.scan("日结工资，每天在家动动手指");
    assert_eq!(lure(&two), Some(3));
    assert_eq!(two.risk, Risk::Medium, "{two:?}");
    let many = SCANNER.scan("宝妈学生党看过来，手机就能做，日结200+，时间自由，零基础");
    assert_eq!(lure(&many), Some(4), "capped at max_weight");
}

#[test]
fn a_max_weight_below_the_weight_is_reported() {
    let yaml = "advice: {high: h, medium: m, low: l, warning: w}\ntypes: []\npatterns:\n  - kind: a\n    label: A\n    weight: 3\n    max_weight: 2\n    phrases: [刷单]\n";
    let err = Scanner::from_yaml(yaml, Path::new("p.yaml"))
        .unwrap_err()
        .to_string();
    assert!(
        err.starts_with("p.yaml:4: pattern `a` has a max_weight"),
        "{err}"
    );
}

#[test]
fn low_never_reassures_a_message_that_matched_nothing() {
    // A scam script no pattern names must not get a tick or "safe" wording.
    let verdict = SCANNER.scan("今天晚上一起吃饭吗？我订了七点的位子");
    assert_eq!(verdict.risk, Risk::Low);
    let reply = plain_reply(&verdict);
    assert!(!reply.contains('✅'), "{reply}");
    assert!(reply.contains("不代表安全"), "{reply}");
    for rule in ["官方电话", "验证码", "转账"] {
        assert!(reply.contains(rule), "the rules that always hold: {reply}");
    }
}

#[test]
fn only_a_recognised_warning_is_called_harmless_and_says_why() {
    let verdict = SCANNER.scan("不要把验证码告诉任何人");
    let reply = plain_reply(&verdict);
    assert!(!reply.contains('✅'), "{reply}");
    assert!(reply.contains("防骗提醒"), "{reply}");
    assert!(reply.contains("提醒里"), "why: {reply}");
}

#[test]
fn a_broken_case_library_is_reported_as_path_line_never_a_panic() {
    let path = Path::new("knowledge/scam-cases.yaml");
    let scanner = || Scanner::builtin().unwrap();
    let case = |kind: &str, extra: &str| {
        format!(
            "threshold: 0.5\ncases:\n  - type: {kind}\n    summary: 测试案例\n{extra}    script: 这是一段足够长的测试话术用来检查错误报告里的行号\n"
        )
    };
    let source = "    source: https://example.org/report\n";
    let err = scanner()
        .with_cases(&case("不存在", source), path)
        .unwrap_err();
    assert!(
        err.to_string().starts_with("knowledge/scam-cases.yaml:4: "),
        "{err}"
    );
    // Every case names the public report it is retold from.
    let err = scanner()
        .with_cases(&case("冒充公检法", ""), path)
        .unwrap_err();
    assert!(
        err.to_string().starts_with("knowledge/scam-cases.yaml:3: ")
            && err.to_string().contains("source"),
        "{err}"
    );
    let err = scanner()
        .with_cases(&case("冒充公检法", "    source: 民警说的\n"), path)
        .unwrap_err();
    assert!(
        err.to_string().starts_with("knowledge/scam-cases.yaml:5: ")
            && err.to_string().contains("source"),
        "{err}"
    );
    let extra = format!("{source}    sauce: 多余\n");
    let err = scanner()
        .with_cases(&case("冒充公检法", &extra), path)
        .unwrap_err();
    assert!(
        err.to_string().starts_with("knowledge/scam-cases.yaml:")
            && err.to_string().contains("sauce"),
        "{err}"
    );
    assert!(
        scanner()
            .with_cases(&case("冒充公检法", source), path)
            .is_ok()
    );
    for junk in [
        "",
        "threshold: [",
        "threshold: 2\ncases: []\n",
        "\u{0}\u{ff}😀",
        "threshold: 0.5\ncases:\n  - type: 冒充公检法\n    summary: 短\n    script: 太短\n",
    ] {
        let err = scanner().with_cases(junk, path).unwrap_err();
        assert!(
            err.to_string().starts_with("knowledge/scam-cases.yaml:"),
            "{err}"
        );
    }
}

#[test]
fn a_message_close_to_a_known_case_is_flagged_with_its_summary() {
    // A script no pattern names in full, retold differently from the library's case (the
    // "武警中队 orders wedding gifts" report).
    let message = "老板好，我们武警中队要办集体婚礼，在你店里订两百份礼品，再加几份高档的给领导，还要矿泉水和自热饭，到时候一起结账";
    let verdict = SCANNER.scan(message);
    assert_ne!(verdict.risk, Risk::Low, "{verdict:?}");
    let reply = plain_reply(&verdict);
    assert!(reply.contains("冒充军警购物"), "{reply}");
    assert!(SCANNER.cases().len() >= 48);
    assert!(SCANNER.closest_case("今天晚上吃什么").is_none());
}

#[test]
fn disguised_words_are_flagged_and_quoted_as_written() {
    let verdict = SCANNER.scan("你的yzm发我一下");
    assert_ne!(verdict.risk, Risk::Low, "{verdict:?}");
    assert!(
        verdict.flags.iter().any(|f| f.quote.contains("yzm")),
        "{verdict:?}"
    );
}

#[test]
fn a_scammers_line_reported_in_a_warning_is_not_a_request() {
    assert_each_is_low(&[
        "社区民警说，骗子开口就是“你涉嫌洗钱，把钱转到安全账户”，听到直接挂",
        "我妈接到电话，对方说她的医保卡涉嫌违法要转接公安局，幸好她没信",
        "短信上说我的包裹丢了要三倍理赔，我打官方客服问了，根本没有这回事",
    ]);
    // Quotation marks alone do not make a warning.
    let verdict = SCANNER.scan("请立即把资金转入“安全账户”，配合调查");
    assert_eq!(verdict.risk, Risk::High, "{verdict:?}");
}
