//! Every fixed sentence the bot says, in one place (tests assert against these constants).
//! All are plain text or already-valid Telegram HTML; nothing here holds user input.

/// `/start` and `/help`, before the example questions.
pub const HELP_INTRO: &str = "👮 我是反诈 bot：问我反诈骗的措施和成效，我给出准确的数字和出处。\n\n\
私聊直接发问题即可；在群里用 /ask 问题、@我，或回复我的消息。\n\
在任何聊天里输入 @我 和问题，可以把答案卡片分享出去。";

/// Heading of the example questions in `/help`.
pub const HELP_EXAMPLES: &str = "可以这样问：";

/// The commands list heading in `/help`.
pub const HELP_COMMANDS: &str = "命令：";

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

/// A non-admin used an admin command.
pub const ADMIN_ONLY: &str = "这个命令只对维护者开放。";

/// Toast after 👍 / 👎.
pub const THANKS_FOR_FEEDBACK: &str = "谢谢反馈！";

/// Toast when a button refers to something that no longer exists.
pub const BUTTON_EXPIRED: &str = "这个按钮已过期，请重新提问。";

/// Toast when the source paragraph is gone (the knowledge changed).
pub const PARAGRAPH_GONE: &str = "原文已更新，请重新提问。";
