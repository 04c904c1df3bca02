//! Inline mode — how warnings travel between chats: `@bot 问题` in any chat offers up to five
//! answer cards; an empty query offers headline figures. Results are cached per query.

use std::collections::{HashMap, VecDeque};
use std::sync::{Arc, Mutex, Weak};
use std::time::{Duration, Instant};

use teloxide::payloads::setters::*;
use teloxide::types::{
    InlineKeyboardMarkup, InlineQuery, InlineQueryResult, InlineQueryResultArticle,
    InputMessageContent, InputMessageContentText, Me, ParseMode,
};

use crate::answer::{AnswerLimits, Engine};
use crate::bot::deep_link;
use crate::bot::send::no_link_preview;
use crate::bot::{AppState, HandlerError, TelegramApi, unpoisoned};
use crate::render::telegram::{AnswerItem, answer_items, card_description, card_title, item_html};

/// Most cards offered for one query.
pub const MAX_CARDS: usize = 5;
/// How long Telegram (and this cache) may reuse an inline answer, in seconds.
pub const CACHE_SECONDS: u32 = 300;
/// Most queries kept in the cache.
const CACHED_QUERIES: usize = 1024;

/// Inline answers by (engine generation, query), oldest evicted first, each for
/// [`CACHE_SECONDS`]. A new engine (reloaded knowledge) never sees the old one's cards.
#[derive(Debug, Default)]
pub struct InlineCache {
    entries: Mutex<CacheEntries>,
}

#[derive(Debug, Default)]
struct CacheEntries {
    cards: HashMap<(usize, String), CachedCards>,
    order: VecDeque<(usize, String)>,
}

/// The cards of one (engine address, query).
#[derive(Debug)]
struct CachedCards {
    at: Instant,
    /// Keeps the engine's allocation from being reused while the entry lives, so a later engine
    /// can never get the same address (the key) and be served an older engine's cards.
    _engine: Weak<Engine>,
    cards: Vec<InlineQueryResult>,
}

impl InlineCache {
    /// The cached cards of `engine` for `query`, or `build` them and cache them.
    pub fn get_or_build(
        &self,
        engine: &Arc<Engine>,
        query: &str,
        build: impl FnOnce() -> Vec<InlineQueryResult>,
    ) -> Vec<InlineQueryResult> {
        let key = (Arc::as_ptr(engine) as usize, query.to_string());
        let ttl = Duration::from_secs(u64::from(CACHE_SECONDS));
        {
            let entries = unpoisoned(&self.entries);
            if let Some(cached) = entries.cards.get(&key)
                && cached.at.elapsed() < ttl
            {
                return cached.cards.clone();
            }
        }
        // Built outside the lock: other queries need not wait for this search.
        let cards = build();
        let mut entries = unpoisoned(&self.entries);
        if entries
            .cards
            .insert(
                key.clone(),
                CachedCards {
                    at: Instant::now(),
                    _engine: Arc::downgrade(engine),
                    cards: cards.clone(),
                },
            )
            .is_none()
        {
            entries.order.push_back(key);
        }
        while entries.order.len() > CACHED_QUERIES {
            if let Some(oldest) = entries.order.pop_front() {
                entries.cards.remove(&oldest);
            }
        }
        cards
    }
}

/// The cards for a query: the answer's best results, or headline figures for an empty query.
/// Each card carries a "🔎 问 bot" button into `bot_username`'s private chat, asking `query`
/// there (or just opening the chat, for headlines and long queries).
pub fn inline_cards(engine: &Engine, bot_username: &str, query: &str) -> Vec<InlineQueryResult> {
    let keyboard = deep_link::ask_keyboard(bot_username, query);
    let card = |index: usize, item: AnswerItem<'_>| card(index, item, keyboard.as_ref());
    if query.is_empty() {
        let figures = engine.headline_figures(MAX_CARDS);
        return figures
            .iter()
            .enumerate()
            .map(|(index, figure)| card(index, AnswerItem::Figure(figure)))
            .collect();
    }
    let answer = engine.answer_with(
        query,
        AnswerLimits {
            figures: MAX_CARDS,
            passages: MAX_CARDS,
        },
    );
    answer_items(&answer)
        .into_iter()
        .take(MAX_CARDS)
        .enumerate()
        .map(|(index, item)| card(index, item))
        .collect()
}

fn card(
    index: usize,
    item: AnswerItem<'_>,
    keyboard: Option<&InlineKeyboardMarkup>,
) -> InlineQueryResult {
    let content = InputMessageContentText::new(item_html(item))
        .parse_mode(ParseMode::Html)
        .link_preview_options(no_link_preview());
    let mut article = InlineQueryResultArticle::new(
        format!("{index}-{}", item.paragraph()),
        card_title(item),
        InputMessageContent::Text(content),
    )
    .description(card_description(item));
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
    let text: String = query.query.trim().chars().take(256).collect();
    let cards = state.inline_cache.get_or_build(&engine, &text, || {
        inline_cards(&engine, me.username(), &text)
    });
    bot.answer_inline_query(query.id.clone(), cards)
        .cache_time(CACHE_SECONDS)
        .await
        .map(drop)
        .map_err(|err| HandlerError {
            context: format!("inline query {:?} from user {}", query.query, query.from.id),
            source: err.into(),
        })
}
