//! Series and charts: the multi-year fixture's measure as a series (whole years only, oldest
//! first), its PNG chart read back pixel by pixel, and the bot answering a trend question with a
//! photo and any other answer with a series with a working 📈 button.

use std::sync::LazyLock;
use std::time::Duration;

use fanzha_bot::live::LiveKnowledge;
use fanzha_bot::render::chart::{BAR_COLOUR, CHART_HEIGHT, CHART_WIDTH, series_chart};
use serde_json::Value;
use tiny_skia::Pixmap;

use crate::support::{
    Call, Harness, button_press, message_update, repo, text_message, within_limit,
};

/// The multi-year fixture (whole years 2021–2023), plus figures of the same measure that must
/// never join a yearly series: a 17-month span reported later, and two running totals.
static FOLDER: LazyLock<tempfile::TempDir> = LazyLock::new(|| {
    let dir = tempfile::tempdir().expect("a temporary folder");
    let fixtures = repo().join("tests/fixtures/multi-year");
    for entry in std::fs::read_dir(&fixtures).unwrap().flatten() {
        std::fs::copy(entry.path(), dir.path().join(entry.file_name())).unwrap();
    }
    let article = |name: &str, title: &str, date: &str, body: &str| {
        let text =
            format!("---\ntitle: {title}\ndate: {date}\nauthor: 测试编辑部\n---\n\n{body}\n");
        std::fs::write(dir.path().join(name), text).unwrap();
    };
    article(
        "d-2024-span.md",
        "十七个月反诈成效",
        "2024-06-10",
        "2023年1月至2024年5月，各地拦截涉诈电话30.2亿次。\n\n截至2023年底，各地累计拦截涉诈电话64.3亿次。",
    );
    article(
        "e-2023-total.md",
        "反诈累计成效",
        "2023-02-01",
        "截至2022年底，各地累计拦截涉诈电话41.2亿次。",
    );
    dir
});

static KNOWLEDGE: LazyLock<LiveKnowledge> = LazyLock::new(|| {
    let (live, report) = LiveKnowledge::load(FOLDER.path()).expect("knowledge loads");
    assert!(report.problems.is_empty(), "{:?}", report.problems);
    live
});

const TREND_QUESTION: &str = "历年拦截涉诈电话";

#[test]
fn the_series_of_a_multi_year_measure_is_its_whole_years_oldest_first() {
    let answer = KNOWLEDGE.engine().answer(TREND_QUESTION);
    assert!(answer.answered && answer.trend, "{answer:#?}");
    let series: Vec<(&str, &str, &str, &str)> = answer
        .series
        .iter()
        .map(|p| {
            (
                p.period.as_str(),
                p.value.as_str(),
                p.unit.as_str(),
                p.source.path.as_str(),
            )
        })
        .collect();
    assert_eq!(
        series,
        [
            ("2021年", "19.5亿次", "次", "a-2022-review.md"),
            ("2022年", "21.7亿次", "次", "b-2023-review.md"),
            ("2023年", "23.1亿次", "次", "c-2024-review.md"),
        ],
        "{:#?}",
        answer.series
    );
    assert!(answer.series.windows(2).all(|w| w[0].number < w[1].number));

    // The text reply lists every year, newest last, and the change.
    let reply = fanzha_bot::render::plain(&answer);
    let years: Vec<usize> = ["2021年：19.5亿次", "2022年：21.7亿次", "2023年：23.1亿次"]
        .iter()
        .map(|line| {
            reply
                .find(line)
                .unwrap_or_else(|| panic!("{line} in {reply}"))
        })
        .collect();
    assert!(years.windows(2).all(|w| w[0] < w[1]), "{reply}");
    assert!(reply.contains("+18%"), "{reply}");

    // `ask --json`'s series: every point with its source.
    let json: Value = serde_json::from_str(&fanzha_bot::render::json(&answer)).unwrap();
    let first = &json["series"][0];
    assert_eq!(first["period"], "2021年");
    assert_eq!(first["value"], "19.5亿次");
    assert_eq!(first["number"], 1.95e9);
    assert_eq!(first["unit"], "次");
    assert_eq!(first["source"]["path"], "a-2022-review.md");
    assert_eq!(first["source"]["date"], "2022-01-20");
}

#[test]
fn running_totals_make_their_own_series_and_a_one_period_figure_none() {
    let engine = KNOWLEDGE.engine();
    let totals = engine.answer("累计拦截涉诈电话的变化");
    assert!(
        totals.series.iter().all(|p| p.period.starts_with("截至")),
        "{:#?}",
        totals.series
    );
    // A question about a measure reported for one period only has no series.
    let single = engine.answer("拦截涉诈短信有多少");
    assert!(
        single
            .series
            .iter()
            .all(|p| !p.period.contains('至') && !p.period.starts_with("截至")),
        "{:#?}",
        single.series
    );
    let json: Value =
        serde_json::from_str(&fanzha_bot::render::json(&engine.answer("反诈宣传进社区"))).unwrap();
    assert_eq!(json["series"], serde_json::json!([]));
}

/// The bars of a chart, left to right: their colour's runs along a row just above the axis, and
/// each bar's height (its colour's pixels up the middle column).
fn bar_heights(chart: &Pixmap) -> Vec<u32> {
    let is_bar = |x: u32, y: u32| {
        chart.pixel(x, y).is_some_and(|p| {
            [p.red(), p.green(), p.blue()]
                .iter()
                .zip(BAR_COLOUR)
                .all(|(a, b)| a.abs_diff(b) <= 2)
        })
    };
    // The row of the chart with the most bar pixels is just above the axis, where every bar is.
    let row = (0..chart.height())
        .max_by_key(|&y| (0..chart.width()).filter(|&x| is_bar(x, y)).count())
        .unwrap();
    let mut runs: Vec<(u32, u32)> = Vec::new();
    for x in 0..chart.width() {
        if is_bar(x, row) {
            match runs.last_mut() {
                Some((_, end)) if *end + 1 == x => *end = x,
                _ => runs.push((x, x)),
            }
        }
    }
    runs.iter()
        .map(|&(start, end)| {
            let middle = (start + end) / 2;
            (0..=row).rev().take_while(|&y| is_bar(middle, y)).count() as u32
        })
        .collect()
}

#[test]
fn the_chart_is_a_png_of_the_agreed_size_whose_bars_follow_the_values() {
    let answer = KNOWLEDGE.engine().answer(TREND_QUESTION);
    let png = series_chart(&answer.series).unwrap();
    let chart = Pixmap::decode_png(&png).unwrap();
    assert_eq!((chart.width(), chart.height()), (CHART_WIDTH, CHART_HEIGHT));
    let heights = bar_heights(&chart);
    assert_eq!(heights.len(), answer.series.len(), "{heights:?}");
    assert!(heights.windows(2).all(|w| w[0] < w[1]), "{heights:?}");

    // Values that fall and rise: the bars' order follows the numbers', whatever it is.
    let mut shuffled = answer.series.clone();
    shuffled.swap(0, 2);
    let heights = bar_heights(&Pixmap::decode_png(&series_chart(&shuffled).unwrap()).unwrap());
    assert!(
        heights[0] > heights[1] && heights[1] > heights[2],
        "{heights:?}"
    );
}

/// The buttons of a multipart call (`sendPhoto`), whose `reply_markup` is a JSON string.
fn photo_buttons(call: &Call) -> Vec<String> {
    let markup: Value = call.body["reply_markup"]
        .as_str()
        .and_then(|text| serde_json::from_str(text).ok())
        .unwrap_or(Value::Null);
    markup["inline_keyboard"]
        .as_array()
        .into_iter()
        .flatten()
        .flat_map(|row| row.as_array().cloned().unwrap_or_default())
        .filter_map(|button| button["text"].as_str().map(str::to_string))
        .collect()
}

fn assert_png(call: &Call) {
    let photo = call.file("photo").unwrap_or_else(|| {
        let fields: Vec<&str> = call.files.iter().map(|f| f.field.as_str()).collect();
        panic!("no photo upload: files {fields:?}, body {}", call.body)
    });
    assert!(photo.file_name.ends_with(".png"), "{}", photo.file_name);
    let chart = Pixmap::decode_png(&photo.bytes).expect("the photo is a PNG");
    assert_eq!((chart.width(), chart.height()), (CHART_WIDTH, CHART_HEIGHT));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_trend_question_is_answered_with_a_chart_and_its_caption() {
    within_limit(async {
        let bot = Harness::start_in(FOLDER.path(), tempfile::tempdir().unwrap()).await;
        let chat = 2_101;
        bot.api.push(message_update(text_message(
            chat,
            chat,
            "这几年拦截了多少涉诈电话？",
        )));
        let photo = bot.api.wait_for_nth("sendPhoto", chat, 1).await;
        assert_png(&photo);
        let caption = photo.body["caption"].as_str().unwrap_or("");
        assert!(caption.contains("2021年：19.5亿次"), "{caption}");
        assert!(caption.contains("2023年：23.1亿次"), "{caption}");
        assert!(caption.contains("+18%"), "{caption}");
        assert_eq!(photo.body["parse_mode"], "HTML");
        assert!(
            photo_buttons(&photo).contains(&"👍".to_string()),
            "{:?}",
            photo.body
        );
        assert!(
            bot.api.calls_to("sendMessage").is_empty(),
            "one reply: the photo"
        );
        bot.stop().await;
    })
    .await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_chart_button_sends_the_chart_of_the_answer() {
    within_limit(async {
        let bot = Harness::start_in(FOLDER.path(), tempfile::tempdir().unwrap()).await;
        let chat = 2_102;
        bot.api.push(message_update(text_message(
            chat,
            chat,
            "拦截了多少涉诈电话",
        )));
        let answer = bot.api.wait_sent(chat).await;
        let data = crate::support::button(&answer, "📈 图表");
        bot.api.push(button_press(chat, &answer, 1_000, &data));
        let photo = bot.api.wait_for_nth("sendPhoto", chat, 1).await;
        assert_png(&photo);
        assert_eq!(
            photo.body["reply_parameters"]
                .as_str()
                .map(|r| r.contains("1000")),
            Some(true)
        );
        let caption = photo.body["caption"].as_str().unwrap_or("");
        assert!(caption.contains("2022年：21.7亿次"), "{caption}");
        bot.api
            .wait_for("the button answered", Duration::from_secs(10), |calls| {
                calls
                    .iter()
                    .find(|c| c.method == "answerCallbackQuery")
                    .cloned()
            })
            .await;
        bot.stop().await;
    })
    .await;
}
