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
    /// 维护者：提问与反馈报告
    #[command(hide)]
    Report,
}

impl Command {
    /// Whether only admins (`ADMIN_IDS`) may use the command.
    pub fn is_admin_only(&self) -> bool {
        matches!(self, Command::Report)
    }
}

/// The commands shown in Telegram's menu (admin commands are left out).
pub fn menu() -> Vec<teloxide::types::BotCommand> {
    Command::bot_commands()
        .into_iter()
        .filter(|command| command.command != "/report" && command.command != "report")
        .collect()
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
        assert_eq!(menu.len(), 4);
        assert!(
            menu.iter()
                .all(|c| !c.description.is_empty() && !c.command.contains("report"))
        );
        assert!(menu.iter().any(|c| c.description.contains("提问")));
    }
}
