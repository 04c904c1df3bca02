//! Message handlers: what a message is (a question, a command, a message to check for scams,
//! chatter, a photo…) and the reply.
//! Private chats: a forwarded message, or one with a link, is checked for scams; every other text
//! is a question. Groups: messages addressed to the bot — a command, a mention, or a reply to one
//! of its messages — are answered; other messages are only looked at for the opt-in auto-warn.

use std::sync::Arc;
use std::time::Instant;

use chrono::Utc;
use teloxide::types::{ChatMemberUpdated, Me, Message, MessageEntityKind, MessageKind};
use teloxide::utils::command::{BotCommands, ParseError};

use crate::answer::Answer;
use crate::answer::engine::Engine;
use crate::bot::api::{BotError, HandlerError, TelegramApi};
use crate::bot::commands::Command;
use crate::bot::flood::{FloodVerdict, Sender};
use crate::bot::permissions::is_maintainer;
use crate::bot::send::{ReplyTarget, apologise_on_error, send_chart, send_html, send_text};
use crate::bot::state::AppState;
use crate::bot::{admin, deep_link, replies, scam_check, tips};
use crate::db::feedback::{AskedQuestion, new_question_id};
use crate::normalize::clip_question;
use crate::render::leads_with_series;
use crate::render::telegram::answer::answer_page;
use crate::render::telegram::html::{CAPTION_LIMIT, escape_html, visible_chars};

/// What an incoming message asks of the bot.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Incoming {
    Question(String),
    Command(Command),
    /// A message to check for scams: forwarded, or with a link, in a private chat.
    Scan(String),
    /// Group talk not addressed to the bot (only auto-warn looks at it).
    GroupChatter(String),
    /// `/ask` without a question.
    AskUsage,
    /// A photo, sticker, voice… in a private chat.
    NonText,
    /// An unknown `/command` in a private chat.
    UnknownCommand,
    /// Not for the bot.
    Ignore,
}

impl Incoming {
    /// Whether the bot replies to it (so it counts against the flood guard's budgets). Group
    /// chatter is answered only by auto-warn, which has its own cooldown.
    pub fn is_for_the_bot(&self) -> bool {
        !matches!(self, Incoming::Ignore | Incoming::GroupChatter(_))
    }
}

/// Classifies a message. Pure: no I/O, so every rule is cheap to test.
pub fn classify(message: &Message, me: &Me) -> Incoming {
    let from_bot = message.from.as_ref().is_some_and(|user| user.is_bot);
    let via_me = message
        .via_bot
        .as_ref()
        .is_some_and(|bot| bot.id == me.user.id);
    if via_me || message.is_automatic_forward() || (from_bot && message.chat.is_private()) {
        return Incoming::Ignore;
    }
    let private = message.chat.is_private();
    let group = message.chat.is_group() || message.chat.is_supergroup();
    if !private && !group {
        return Incoming::Ignore;
    }
    let Some(text) = message.text() else {
        let user_content = matches!(message.kind, MessageKind::Common(_));
        // A forwarded photo or file with a caption is as worth checking as forwarded text.
        return match scam_check::message_words(message) {
            Some(caption) if private && message.forward_origin().is_some() => {
                Incoming::Scan(caption.trim().to_string())
            }
            Some(caption) if group && user_content => Incoming::GroupChatter(caption.to_string()),
            _ if private && user_content => Incoming::NonText,
            _ => Incoming::Ignore,
        };
    };
    if private && (message.forward_origin().is_some() || has_link(message, text)) {
        return Incoming::Scan(text.trim().to_string());
    }
    if text.starts_with('/') {
        return match Command::parse(text, me.username()) {
            Ok(Command::Ask(question)) if question.trim().is_empty() => Incoming::AskUsage,
            Ok(Command::Ask(question)) => Incoming::Question(question.trim().to_string()),
            Ok(command) => Incoming::Command(command),
            Err(ParseError::WrongBotName(_)) => Incoming::Ignore,
            Err(_) if private => Incoming::UnknownCommand,
            Err(_) => Incoming::Ignore,
        };
    }
    if private {
        return Incoming::Question(text.trim().to_string());
    }
    if let Some(question) = without_mention_of(message, me) {
        return if question.is_empty() {
            Incoming::AskUsage
        } else {
            Incoming::Question(question)
        };
    }
    let replies_to_me = message
        .reply_to_message()
        .and_then(|replied| replied.from.as_ref())
        .is_some_and(|user| user.id == me.user.id);
    if replies_to_me {
        Incoming::Question(text.trim().to_string())
    } else {
        Incoming::GroupChatter(text.to_string())
    }
}

/// Whether a message holds a link: a URL Telegram marked, a hidden link, or a bare `http(s)://`.
fn has_link(message: &Message, text: &str) -> bool {
    let marked = message.entities().unwrap_or_default().iter().any(|entity| {
        matches!(
            entity.kind,
            MessageEntityKind::Url | MessageEntityKind::TextLink { .. }
        )
    });
    marked || {
        let lower = text.to_ascii_lowercase();
        lower.contains("http://") || lower.contains("https://")
    }
}

/// The text with the bot's mentions taken out, if the message mentions the bot.
fn without_mention_of(message: &Message, me: &Me) -> Option<String> {
    let entities = message.parse_entities()?;
    let mut question = message.text()?.to_string();
    let mut mentioned = false;
    // Right to left, so earlier byte ranges stay valid while cutting.
    for entity in entities.iter().rev() {
        let is_me = match entity.kind() {
            MessageEntityKind::Mention => entity
                .text()
                .trim_start_matches('@')
                .eq_ignore_ascii_case(me.username()),
            MessageEntityKind::TextMention { user } => user.id == me.user.id,
            _ => false,
        };
        if is_me {
            mentioned = true;
            question.replace_range(entity.range(), " ");
        }
    }
    mentioned.then(|| question.split_whitespace().collect::<Vec<_>>().join(" "))
}

/// The endpoint for every message update.
pub async fn on_message<R: TelegramApi>(
    bot: R,
    message: Message,
    me: Me,
    state: Arc<AppState>,
) -> Result<(), HandlerError> {
    let incoming = classify(&message, &me);
    let for_the_bot = incoming.is_for_the_bot();
    let result = handle_message(&bot, &message, incoming, &state).await;
    let context = || format!("message {} in chat {}", message.id, message.chat.id);
    if !for_the_bot {
        // Auto-warn looking at group talk: no one asked, so no one hears an apology.
        return result.map_err(|source| HandlerError {
            context: context(),
            source,
        });
    }
    let target = ReplyTarget::answering(&message);
    apologise_on_error(&bot, target, context, result).await
}

async fn handle_message<R: TelegramApi>(
    bot: &R,
    message: &Message,
    incoming: Incoming,
    state: &AppState,
) -> Result<(), BotError> {
    let target = ReplyTarget::answering(message);
    if incoming.is_for_the_bot() {
        match state
            .flood
            .check(message.chat.id, Sender::of(message), Instant::now())
        {
            FloodVerdict::Answer => {}
            FloodVerdict::Notify => return send_text(bot, target, replies::FLOOD_NOTICE).await,
            FloodVerdict::Ignore => return Ok(()),
        }
    }
    match incoming {
        Incoming::Ignore => Ok(()),
        Incoming::Question(question) => answer_question(bot, message, state, &question).await,
        Incoming::Command(command) => run_command(bot, message, state, command).await,
        Incoming::Scan(words) => scam_check::send_check(bot, target, state, &words).await,
        Incoming::GroupChatter(words) => {
            scam_check::on_group_chatter(bot, message, state, &words).await
        }
        Incoming::AskUsage => send_text(bot, target, replies::ASK_USAGE).await,
        Incoming::NonText => send_text(bot, target, replies::NON_TEXT_HINT).await,
        Incoming::UnknownCommand => send_text(bot, target, replies::UNKNOWN_COMMAND).await,
    }
}

/// Answers a question: the best result with its keyboard.
async fn answer_question<R: TelegramApi>(
    bot: &R,
    message: &Message,
    state: &AppState,
    question: &str,
) -> Result<(), BotError> {
    let target = ReplyTarget::answering(message);
    let question = clip_question(question).to_string();
    let engine = state.engine.load_full();
    let answer = engine.answer(&question);
    let page = answer_page(&answer, 0);
    let asked = AskedQuestion {
        id: new_question_id(),
        text: question,
        chat_type: chat_type(message),
        answered: answer.answered,
        asked_at: Utc::now(),
    };
    let keyboard = state.answer_keyboard(asked.id, &page);
    if leads_with_series(&answer) {
        send_with_chart(
            bot,
            state,
            &engine,
            &answer,
            target,
            &page.html,
            Some(keyboard),
        )
        .await?;
    } else {
        send_html(bot, target, &page.html, Some(keyboard)).await?;
    }
    // Answered first: a slow or dead database costs the report a line, never the asker the
    // answer. Awaited (briefly) so a press of the answer's buttons, handled after this in the
    // chat's order, finds the question.
    match tokio::time::timeout(RECORD_LIMIT, state.database.record_question(&asked)).await {
        Ok(Ok(())) => {}
        Ok(Err(err)) => tracing::warn!("question not stored: {err}"),
        Err(_) => tracing::warn!("question not stored: the database took over {RECORD_LIMIT:?}"),
    }
    Ok(())
}

/// Sends an answer with its series' chart: the photo with `html` as its caption when that fits
/// Telegram's caption limit, else the photo and then `html`; `keyboard` under the last message.
/// A chart that cannot be drawn costs the reply its picture, never its text.
pub async fn send_with_chart<R: TelegramApi>(
    bot: &R,
    state: &AppState,
    engine: &Arc<Engine>,
    answer: &Answer,
    target: ReplyTarget,
    html: &str,
    keyboard: Option<teloxide::types::InlineKeyboardMarkup>,
) -> Result<(), BotError> {
    let png = match state.charts.chart(engine, answer).await {
        Ok(png) => png,
        Err(err) => {
            // The question is the asker's text: above debug, logs carry none.
            tracing::warn!("chart not drawn: {err}");
            tracing::debug!("chart for {:?} not drawn", answer.question);
            return send_html(bot, target, html, keyboard).await.map(drop);
        }
    };
    if visible_chars(html) <= CAPTION_LIMIT {
        send_chart(bot, target, &png, Some(html), keyboard).await?;
    } else {
        send_chart(bot, target, &png, None, None).await?;
        let text_target = ReplyTarget {
            reply_to: None,
            ..target
        };
        send_html(bot, text_target, html, keyboard).await?;
    }
    Ok(())
}

/// How long an answered question may take to be stored before it is given up on.
pub const RECORD_LIMIT: std::time::Duration = std::time::Duration::from_secs(2);

fn chat_type(message: &Message) -> &'static str {
    if message.chat.is_private() {
        "private"
    } else if message.chat.is_supergroup() {
        "supergroup"
    } else if message.chat.is_group() {
        "group"
    } else {
        "channel"
    }
}

async fn run_command<R: TelegramApi>(
    bot: &R,
    message: &Message,
    state: &AppState,
    command: Command,
) -> Result<(), BotError> {
    let target = ReplyTarget::answering(message);
    if command.is_admin_only() && !is_maintainer(state, message.from.as_ref()) {
        return send_text(bot, target, replies::ADMIN_ONLY).await;
    }
    let html = match command {
        // From a "🔎 问 bot" button under a shared card: the card's question, asked here.
        Command::Start(payload)
            if let Some(question) = deep_link::question_from_payload(&payload) =>
        {
            return answer_question(bot, message, state, &question).await;
        }
        Command::Start(_) | Command::Help => help_html(state),
        Command::About => about_html(state),
        // The report quotes what people asked: not for a group's eyes.
        Command::Report if !message.chat.is_private() => {
            return send_text(bot, target, replies::REPORT_PRIVATE_ONLY).await;
        }
        Command::Report => {
            let report = state.database.report(10).await?;
            format!("<pre>{}</pre>", escape_html(&report.to_string()))
        }
        Command::Stats => admin::stats_html(state).await,
        Command::Reload => admin::reload_html(state).await,
        // Classified as a question or a usage hint before it gets here.
        Command::Ask(question) => return answer_question(bot, message, state, &question).await,
        Command::Check(text) => return scam_check::check_command(bot, message, state, &text).await,
        Command::Autowarn(setting) => {
            return scam_check::autowarn_command(bot, message, state, &setting).await;
        }
        Command::Tip(topic) => return tips::tip_command(bot, message, state, &topic).await,
        Command::Subscribe(time) => {
            return tips::subscribe_command(bot, message, state, &time).await;
        }
        Command::Unsubscribe => return tips::unsubscribe_command(bot, message, state).await,
    };
    send_html(bot, target, &html, None).await.map(drop)
}

/// `/start` and `/help`: what the bot does, example questions from the knowledge, the commands.
pub fn help_html(state: &AppState) -> String {
    let mut html = format!("{}\n\n{}", replies::HELP_INTRO, replies::HELP_EXAMPLES);
    for example in state.engine.load().suggestions(3) {
        html.push_str(&format!("\n· {}", escape_html(&example)));
    }
    html.push_str(&format!("\n\n{}\n", replies::HELP_COMMANDS));
    html.push_str(&escape_html(&Command::descriptions().to_string()));
    html
}

/// How many articles `/about` lists: the newest (the total follows them).
pub const ABOUT_ARTICLES: usize = 10;

/// `/about`: the newest articles the answers come from, with their dates, and the totals. One
/// short message however large the knowledge (it is anyone's to repeat).
pub fn about_html(state: &AppState) -> String {
    let engine = state.engine.load();
    let mut articles: Vec<_> = engine.articles().collect();
    // Newest first; undated last.
    articles.sort_by_key(|article| std::cmp::Reverse(article.date));
    let mut html = String::from(replies::ABOUT_HEADING);
    for document in articles.iter().take(ABOUT_ARTICLES) {
        html.push_str(&format!("\n· 《{}》", escape_html(&document.title)));
        if let Some(date) = document.date {
            html.push_str(&format!(" {}", date.format("%Y-%m-%d")));
        }
    }
    if articles.len() > ABOUT_ARTICLES {
        html.push_str("\n· …");
    }
    let stats = engine.stats();
    html.push_str(&format!(
        "\n\n{}",
        replies::about_totals(stats.documents, stats.figures)
    ));
    html
}

/// Introduces the bot once when it is added to a group.
pub async fn on_my_chat_member<R: TelegramApi>(
    bot: R,
    update: ChatMemberUpdated,
    state: Arc<AppState>,
) -> Result<(), HandlerError> {
    let joined = !update.old_chat_member.is_present() && update.new_chat_member.is_present();
    let group = update.chat.is_group() || update.chat.is_supergroup();
    let sender = Sender::User(update.from.id.0);
    // Added and removed over and over, the bot introduces itself within the chat's budget only.
    if !(joined && group)
        || state.flood.check(update.chat.id, sender, Instant::now()) != FloodVerdict::Answer
    {
        return Ok(());
    }
    let target = ReplyTarget {
        chat: update.chat.id,
        thread: None,
        reply_to: None,
    };
    send_text(&bot, target, replies::GROUP_INTRO)
        .await
        .map_err(|source| HandlerError {
            context: format!("introduction in chat {}", update.chat.id),
            source,
        })
}
