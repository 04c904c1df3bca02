//! Inline mode — how warnings travel between chats: `@bot 问题` in any chat offers up to five
//! answer cards; an empty query offers headline figures. Results are cached per query. A card
//! of a measure the knowledge has over several years says so ("📈 历年数据") and carries the
//! series in its message.

use std::sync::Arc;

use teloxide::payloads::setters::*;
use teloxide::types::{
    InlineKeyboardMarkup, InlineQuery, InlineQueryResult, InlineQueryResultArticle,
    InputMessageContent, InputMessageContentText, Me, ParseMode,
};

use crate::answer::AnswerLimits;
use crate::answer::engine::Engine;
use crate::bot::api::{HandlerError, TelegramApi};
use crate::bot::deep_link;
use crate::bot::inline_cache::CACHE_SECONDS;
use crate::bot::send::no_link_preview;
use crate::bot::state::AppState;
use crate::figures::same_measure;
use crate::normalize::clip_question;
use crate::render::telegram::answer::{
    AnswerItem, answer_items, card_description, card_html, card_title, series_html,
};
use crate::render::telegram::html::truncate_html;

/// The start of a card's description when its answer has a series.
pub const SERIES_MARK: &str = "📈 历年数据";

/// Most cards offered for one query.
pub const MAX_CARDS: usize = 5;
/// The cards for a query: the answer's best results, or headline figures for an empty query.
/// Each card carries a "🔎 问 bot" button into `bot_username`'s private chat, asking `query`
/// there (or just opening the chat, for headlines and long queries).
pub fn inline_cards(engine: &Engine, bot_username: &str, query: &str) -> Vec<InlineQueryResult> {
    let keyboard = deep_link::ask_keyboard(bot_username, query);
    if query.is_empty() {
        let figures = engine.headline_figures(MAX_CARDS);
        return figures
            .iter()
            .enumerate()
            .map(|(index, figure)| card(index, AnswerItem::Figure(figure), keyboard.as_ref(), None))
            .collect();
    }
    let answer = engine.answer_with(
        query,
        AnswerLimits {
            figures: MAX_CARDS,
            passages: MAX_CARDS,
        },
    );
    let series = (!answer.series.is_empty()).then(|| series_html(&answer));
    let series_measure = answer.figures.first().map(|lead| lead.measure.as_str());
    answer_items(&answer)
        .into_iter()
        .take(MAX_CARDS)
        .enumerate()
        .map(|(index, item)| {
            // The series goes with the cards of its own measure.
            let of_series = match (item, series_measure) {
                (AnswerItem::Figure(figure), Some(measure)) => {
                    same_measure(&figure.measure, measure)
                }
                _ => false,
            };
            let series = series.as_deref().filter(|_| of_series);
            card(index, item, keyboard.as_ref(), series)
        })
        .collect()
}

/// One card; `series` (HTML) follows the item in the card's message, and the description says
/// the card has it.
fn card(
    index: usize,
    item: AnswerItem<'_>,
    keyboard: Option<&InlineKeyboardMarkup>,
    series: Option<&str>,
) -> InlineQueryResult {
    let mut html = card_html(item);
    let mut description = card_description(item);
    if let Some(series) = series {
        html = truncate_html(&format!("{html}\n\n{series}"));
        description = format!("{SERIES_MARK} · {description}");
    }
    let content = InputMessageContentText::new(html)
        .parse_mode(ParseMode::Html)
        .link_preview_options(no_link_preview());
    let mut article = InlineQueryResultArticle::new(
        format!("{index}-{}", item.paragraph()),
        card_title(item),
        InputMessageContent::Text(content),
    )
    .description(description);
    if let Some(keyboard) = keyboard {
        article = article.reply_markup(keyboard.clone());
    }
    InlineQueryResult::Article(article)
}

/// The endpoint for inline queries.
pub async fn on_inline_query<R: TelegramApi>(
    bot: R,
    query: InlineQuery,
    me: Me,
    state: Arc<AppState>,
) -> Result<(), HandlerError> {
    let engine = state.engine.load_full();
    let text = clip_question(query.query.trim());
    let cards = state
        .inline_cache
        .get_or_build(&engine, text, || inline_cards(&engine, me.username(), text));
    bot.answer_inline_query(query.id.clone(), cards)
        .cache_time(CACHE_SECONDS)
        .await
        .map(drop)
        .map_err(|err| HandlerError {
            context: format!("inline query {:?} from user {}", query.query, query.from.id),
            source: err.into(),
        })
}
