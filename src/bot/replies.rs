//! Every fixed sentence the bot says, in one place (tests assert against these constants), and
//! the sentences with a number or a time in them, as functions. All are plain text or
//! already-valid Telegram HTML; nothing here holds user input (callers escape what they add).

/// `/start` and `/help`, before the example questions.
pub const HELP_INTRO: &str = "👮 我是反诈 bot：问我反诈骗的措施和成效，我给出准确的数字和出处。\n\n\
私聊直接发问题即可；在群里用 /ask 问题、@我，或回复我的消息。\n\
在任何聊天里输入 @我 和问题，可以把答案卡片分享出去。";

/// Heading of the example questions in `/help`.
pub const HELP_EXAMPLES: &str = "可以这样问：";

/// The commands list heading in `/help`.
pub const HELP_COMMANDS: &str = "命令：";

/// The button under a shared inline card: opens the bot's private chat with the card's question.
pub const ASK_BOT_BUTTON: &str = "🔎 问 bot";

/// A bare `/ask` without a question.
pub const ASK_USAGE: &str = "用法：/ask 问题，例如 /ask 拦截了多少涉诈电话";

/// A photo, sticker, voice message… in a private chat.
pub const NON_TEXT_HINT: &str = "我只看得懂文字 🙂 请用文字提问，例如：拦截了多少涉诈电话？";

/// An unknown `/command` in a private chat.
pub const UNKNOWN_COMMAND: &str = "没有这个命令。发送 /help 查看用法。";

/// When the bot is added to a group.
pub const GROUP_INTRO: &str = "大家好，我是反诈 bot 👮 用 /ask 问题、@我，或回复我的消息来提问，\
我会给出准确的数字和出处。其他聊天我不会打扰。";

/// The flood guard's one notice.
pub const FLOOD_NOTICE: &str = "问得有点快了 🙏 请稍等一会儿再问。";

/// A handler failed.
pub const APOLOGY: &str = "抱歉，出了点问题，请稍后再试。";

/// `/about` heading.
pub const ABOUT_HEADING: &str = "📚 我的知识来源：";

/// `/report` in a group.
pub const REPORT_PRIVATE_ONLY: &str = "/report 只在私聊里发送（报告里有大家问过的问题）。";

/// A non-admin used an admin command.
pub const ADMIN_ONLY: &str = "这个命令只对维护者开放。";

/// Toast after 👍 / 👎.
pub const THANKS_FOR_FEEDBACK: &str = "谢谢反馈！";

/// Toast when a button refers to something that no longer exists.
pub const BUTTON_EXPIRED: &str = "这个按钮已过期，请重新提问。";

/// Toast when "📈 图表" is pressed but the answer has no series any more (the knowledge changed).
pub const CHART_GONE: &str = "这个回答已经没有历年数据可以画图了（知识库已更新），请重新提问。";

/// Toast when the source paragraph is gone (the knowledge changed).
pub const PARAGRAPH_GONE: &str = "原文已更新，请重新提问。";

/// Toast when the paragraph at the button's place is no longer the one the answer quoted.
pub const PARAGRAPH_CHANGED: &str = "这篇文章已更新，这一段已经变了，请重新提问。";

/// A bare `/check` (no text, not a reply).
pub const CHECK_USAGE: &str = "用法：/check 可疑消息的文字；或者回复那条消息，发送 /check。\n\
私聊里直接转发可疑消息给我也可以。";

/// `/check` as a reply to a message without text (a photo without caption, a sticker…).
pub const CHECK_NO_TEXT: &str = "这条消息没有文字，我只能检查文字内容。";

/// Heading of an unprompted warning in a group with auto-warn on.
pub const AUTOWARN_HEADING: &str = "🚨 反诈提醒：这条消息有明显的诈骗特征，请大家不要照做。";

/// `/autowarn` with something other than on/off.
pub const AUTOWARN_USAGE: &str = "用法：/autowarn on 开启，/autowarn off 关闭。\
开启后，我只会回复高风险的消息，其他聊天不打扰。";

/// `/autowarn` in a private chat.
pub const AUTOWARN_GROUPS_ONLY: &str =
    "自动提醒只能在群里开启：把我加进群，由群管理员发送 /autowarn on。";

/// `/autowarn on` done.
pub const AUTOWARN_ON: &str = "✅ 已开启自动提醒：我会回复本群中高风险的诈骗消息（每隔几分钟最多一次），\
其他消息不打扰。需要关闭隐私模式或给我管理员权限，我才能看到群消息。发送 /autowarn off 关闭。";

/// `/autowarn off` done.
pub const AUTOWARN_OFF: &str = "已关闭自动提醒。";

/// A group setting changed by someone who is not a group admin.
pub const GROUP_ADMINS_ONLY: &str = "只有群管理员可以更改这个设置。";

/// `/tip` with a topic that matches no card; the topics follow.
pub const TIP_UNKNOWN_TOPIC: &str = "没有找到这个主题的提示。可选主题：";

/// `/subscribe` with a time that is not HH:MM.
pub const SUBSCRIBE_USAGE: &str = "用法：/subscribe 或 /subscribe 08:30（北京时间，24 小时制）。";

/// `/unsubscribe` done.
pub const UNSUBSCRIBED: &str = "已停止每日防骗提示。";

/// `/unsubscribe` without a subscription.
pub const NOT_SUBSCRIBED: &str = "这个聊天没有订阅每日防骗提示。";

/// Heading of the daily card.
pub const DAILY_TIP_HEADING: &str = "📅 每日防骗提示";

/// `/reload` could not read the knowledge at all; the error follows.
pub const RELOAD_FAILED: &str = "重新加载失败，仍在使用原来的知识库：";

/// `/reload` done; the counts follow.
pub const RELOADED: &str = "🔄 <b>已重新加载</b>：";

/// `/reload` or the admin `/check`: the scam patterns file is broken; the error follows.
pub const PATTERNS_KEPT: &str = "诈骗特征文件有误，仍用原来的：";

/// The message that tells the maintainers about new knowledge problems; the list follows.
pub const NEW_PROBLEMS_HEADING: &str = "⚠️ <b>知识库有新问题</b>（有问题的文件仍用上一个正确版本）";

/// Heading of the admin `/check` knowledge report.
pub const KNOWLEDGE_CHECK_HEADING: &str = "🔎 <b>知识库检查</b>";

/// The admin `/check` found nothing wrong.
pub const NO_PROBLEMS: &str = "没有发现问题。";

/// The admin `/check` could not run at all.
pub const CHECK_FAILED: &str = "检查失败（内部错误）。";

/// Heading of `/stats`.
pub const STATS_HEADING: &str = "📈 <b>统计</b>";

/// `/stats` without today's numbers (the database failed); the error follows.
pub const QUESTIONS_TODAY_UNAVAILABLE: &str = "今天的提问统计不可用：";

/// "文章 3 篇，段落 120 个，数字 45 个": what the knowledge holds.
pub fn knowledge_counts(documents: usize, passages: usize, figures: usize) -> String {
    format!("文章 {documents} 篇，段落 {passages} 个，数字 {figures} 个")
}

/// `/stats`: today's questions.
pub fn questions_today(answered: i64, unanswered: i64) -> String {
    format!("今天已回答 {answered} 个问题，未能回答 {unanswered} 个")
}

/// `/stats`: how old the index is, e.g. "3 天 2 小时".
pub fn index_age(age: &str) -> String {
    format!("索引建于 {age} 前")
}

/// How many problems a report lists.
pub fn problem_count(count: usize) -> String {
    format!("{count} 个问题：")
}

/// The problems a report leaves out.
pub fn more_problems(count: usize) -> String {
    format!("……另有 {count} 个")
}

/// `/about`: what the knowledge holds, after the list of articles.
pub fn about_totals(documents: usize, figures: usize) -> String {
    format!("共 {documents} 篇文章、{figures} 个数字。")
}

/// `/subscribe` done: the daily card's time, China time.
pub fn subscribed(minute_of_day: u16) -> String {
    format!(
        "✅ 已订阅：每天北京时间（UTC+8）{:02}:{:02} 推送一张防骗提示。发送 /unsubscribe 停止。",
        minute_of_day / 60,
        minute_of_day % 60
    )
}
