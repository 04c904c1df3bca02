//! The bot's commands. The `///` docs are the descriptions Telegram shows in the command menu
//! (registered with `set_my_commands` at start-up) and the list in `/help`.

use teloxide::utils::command::BotCommands;

/// 反诈 bot 能做的事：
#[derive(BotCommands, Clone, Debug, PartialEq, Eq)]
#[command(rename_rule = "lowercase")]
pub enum Command {
    /// 开始使用：我能回答什么
    Start(String),
    /// 使用说明和示例问题
    Help,
    /// 提问，例如 /ask 拦截了多少涉诈电话
    Ask(String),
    /// 我的知识来源（文章标题和日期）
    About,
    /// 检查可疑消息：/check 文本，或回复一条消息发 /check
    Check(String),
    /// 防骗提示卡片，例如 /tip 刷单
    Tip(String),
    /// 每天推送一张防骗提示，例如 /subscribe 09:00（北京时间）
    Subscribe(String),
    /// 停止每日防骗提示
    Unsubscribe,
    /// 群管理员：自动提醒高风险消息 /autowarn on 或 off
    Autowarn(String),
    /// 维护者：提问与反馈报告
    #[command(hide)]
    Report,
    /// 维护者：知识库与提问统计
    #[command(hide)]
    Stats,
    /// 维护者：重新加载知识库
    #[command(hide)]
    Reload,
}

impl Command {
    /// Whether only admins (`ADMIN_IDS`) may use the command. (A bare `/check` from an admin is
    /// the knowledge report, but `/check` itself is for everyone.)
    pub fn is_admin_only(&self) -> bool {
        matches!(self, Command::Report | Command::Stats | Command::Reload)
    }
}

/// The commands shown in Telegram's menu: all but the `#[command(hide)]` ones, the admin
/// commands, which `bot_commands` (like the `/help` list) leaves out.
pub fn menu() -> Vec<teloxide::types::BotCommand> {
    Command::bot_commands()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn commands_parse_with_and_without_the_bot_name() {
        assert_eq!(
            Command::parse("/ask 拦截了多少涉诈电话", "fanzha_bot").unwrap(),
            Command::Ask("拦截了多少涉诈电话".into())
        );
        assert_eq!(
            Command::parse("/ask@fanzha_bot 问题", "fanzha_bot").unwrap(),
            Command::Ask("问题".into())
        );
        assert_eq!(
            Command::parse("/ask", "fanzha_bot").unwrap(),
            Command::Ask(String::new())
        );
        assert!(Command::parse("/ask@other_bot 问题", "fanzha_bot").is_err());
        assert_eq!(
            Command::parse("/start deep-link", "fanzha_bot").unwrap(),
            Command::Start("deep-link".into())
        );
    }

    #[test]
    fn menu_has_chinese_descriptions_and_no_admin_commands() {
        let menu = menu();
        // 12 commands, less the 3 admin ones.
        assert_eq!(menu.len(), 9, "{menu:?}");
        for entry in &menu {
            assert!(!entry.description.is_empty(), "{entry:?}");
            let command = Command::parse(&entry.command, "fanzha_bot").unwrap();
            assert!(!command.is_admin_only(), "{entry:?} is in the menu");
        }
        assert!(menu.iter().any(|c| c.command.ends_with("check")));
        assert!(menu.iter().any(|c| c.description.contains("提问")));
    }
}
