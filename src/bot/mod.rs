//! The Telegram bot: the handler tree for private chats, groups, buttons and inline mode, the
//! shared state the handlers read, and start-up (`fanzha-bot run`: long polling or a webhook).
//!
//! [`handler_tree`] and [`dispatcher`] are what tests drive, against a mock Bot API, so the
//! tests run the very same code as production. Handlers are generic over the Bot API client
//! ([`TelegramApi`]): production wraps it in teloxide's `Throttle` (rate limits, `RetryAfter`
//! honoured), tests may use the bare client to measure the handlers' own latency.

pub mod admin;
pub mod buttons;
pub mod commands;
pub mod config;
pub mod deep_link;
pub mod flood;
pub mod handlers;
pub mod inline;
pub mod send;
pub mod text;
pub mod tips;
pub mod warnings;

use std::path::PathBuf;
use std::sync::{Arc, Mutex, MutexGuard};
use std::time::{Duration, Instant};

use arc_swap::ArcSwap;
use teloxide::adaptors::Throttle;
use teloxide::adaptors::throttle::Limits;
use teloxide::dispatching::{DefaultKey, UpdateHandler};
use teloxide::error_handlers::LoggingErrorHandler;
use teloxide::prelude::*;
use teloxide::update_listeners::{self, UpdateListener, webhooks};
use teloxide::{RequestError, requests::RequesterExt};

use crate::answer::Engine;
use crate::bot::config::{BotConfig, ConfigError, Webhook};
use crate::bot::flood::FloodGuard;
use crate::bot::inline::InlineCache;
use crate::bot::send::{ReplyTarget, send_text};
use crate::reload::{KnowledgeWatcher, LiveKnowledge, ReloadError};
use crate::scam::Scanner;
use crate::store::{Store, StoreError};

/// A Bot API client the handlers can use: teloxide's `Bot`, or `Bot` behind adaptors. The
/// requests the handlers await must be `Send`, as handlers run on any worker thread (and so must
/// `getUpdates`, for long polling).
pub trait TelegramApi:
    Requester<
        Err = RequestError,
        SendMessage: Send,
        EditMessageText: Send,
        AnswerCallbackQuery: Send,
        AnswerInlineQuery: Send,
        GetUpdates: Send,
        GetChatMember: Send,
    > + Clone
    + Send
    + Sync
    + 'static
{
}

impl<T> TelegramApi for T where
    T: Requester<
            Err = RequestError,
            SendMessage: Send,
            EditMessageText: Send,
            AnswerCallbackQuery: Send,
            AnswerInlineQuery: Send,
            GetUpdates: Send,
            GetChatMember: Send,
        > + Clone
        + Send
        + Sync
        + 'static
{
}

/// At most one unprompted auto-warn reply per group within this time.
pub const AUTOWARN_COOLDOWN: Duration = Duration::from_secs(5 * 60);

/// What every handler shares.
pub struct AppState {
    /// The answer engine; swapped whole when the knowledge is reloaded, read once per update.
    pub engine: Arc<ArcSwap<Engine>>,
    /// When the engine in `engine` was built (for `/stats`); set by [`AppState::replace_engine`].
    engine_built_at: Mutex<Instant>,
    /// The scam scanner; swapped with the engine on `/reload` (its patterns live beside the
    /// articles).
    pub scanner: ArcSwap<Scanner>,
    /// The knowledge folder `/reload` and the admin `/check` read.
    pub knowledge_dir: PathBuf,
    pub store: Store,
    pub flood: FloodGuard,
    pub inline_cache: InlineCache,
    /// Telegram user ids allowed to use admin commands.
    pub admin_ids: Vec<u64>,
    /// The live knowledge `engine` is the handle of, when the bot serves one (`fanzha-bot run`):
    /// `/reload` and `/stats` then go through it, so the watcher's swaps are what is served and
    /// reported. Without it (tests on a fixed engine) `/reload` rebuilds the engine directly.
    pub live: Option<LiveKnowledge>,
}

impl AppState {
    /// The state for an engine (just built) and scanner loaded from `knowledge_dir`.
    pub fn new(
        engine: Arc<ArcSwap<Engine>>,
        scanner: Scanner,
        knowledge_dir: PathBuf,
        store: Store,
        admin_ids: Vec<u64>,
    ) -> AppState {
        AppState {
            engine,
            engine_built_at: Mutex::new(Instant::now()),
            scanner: ArcSwap::from_pointee(scanner),
            knowledge_dir,
            store,
            flood: FloodGuard::default(),
            inline_cache: InlineCache::default(),
            admin_ids,
            live: None,
        }
    }

    /// The state for live knowledge: answers come from `live`'s engine handle, so every engine
    /// its watcher or `/reload` swaps in is served at once.
    pub fn with_live(
        live: LiveKnowledge,
        scanner: Scanner,
        store: Store,
        admin_ids: Vec<u64>,
    ) -> AppState {
        let mut state = AppState::new(
            live.engine_handle(),
            scanner,
            live.knowledge_dir().to_path_buf(),
            store,
            admin_ids,
        );
        state.live = Some(live);
        state
    }

    /// Serves `engine` from now on and restarts the index age.
    pub fn replace_engine(&self, engine: Engine) {
        self.engine.store(Arc::new(engine));
        *unpoisoned(&self.engine_built_at) = Instant::now();
    }

    /// How long ago the engine being served was built.
    pub fn index_age(&self) -> Duration {
        if let Some(live) = &self.live {
            return live.index_age();
        }
        unpoisoned(&self.engine_built_at).elapsed()
    }

    /// Whether `user` is one of the maintainers (`ADMIN_IDS`).
    pub fn is_admin(&self, user: Option<&teloxide::types::User>) -> bool {
        user.is_some_and(|user| self.admin_ids.contains(&user.id.0))
    }
}

/// Locks `mutex` even if a handler panicked while holding it: the bot's locks guard small state
/// (the flood counters, the inline cache, the index time) that stays usable, and one failed
/// update must not make every later one fail too.
pub(crate) fn unpoisoned<T>(mutex: &Mutex<T>) -> MutexGuard<'_, T> {
    mutex
        .lock()
        .unwrap_or_else(std::sync::PoisonError::into_inner)
}

/// Why a handler could not finish.
#[derive(Debug, thiserror::Error)]
pub enum BotError {
    #[error("telegram request failed: {0}")]
    Telegram(#[from] RequestError),
    #[error(transparent)]
    Store(#[from] StoreError),
}

/// A handler failure, with what the handler was doing.
#[derive(Debug, thiserror::Error)]
#[error("{context}: {source}")]
pub struct HandlerError {
    pub context: String,
    #[source]
    pub source: BotError,
}

/// Tells the user something went wrong (best effort) and passes the failure on, with context,
/// to the dispatcher's error handler. `context` is only asked for on a failure.
pub async fn apologise_on_error<R: TelegramApi>(
    bot: &R,
    target: ReplyTarget,
    context: impl FnOnce() -> String,
    result: Result<(), BotError>,
) -> Result<(), HandlerError> {
    let Err(source) = result else {
        return Ok(());
    };
    let context = context();
    if let Err(apology_failed) = send_text(bot, target, text::APOLOGY).await {
        tracing::debug!("{context}: apology not delivered: {apology_failed}");
    }
    Err(HandlerError { context, source })
}

/// The whole handler tree. Update kinds not listed fall through to the dispatcher's default
/// handler, which ignores them.
pub fn handler_tree<R: TelegramApi>() -> UpdateHandler<HandlerError> {
    dptree::entry()
        .branch(Update::filter_message().endpoint(handlers::on_message::<R>))
        .branch(Update::filter_callback_query().endpoint(buttons::on_button::<R>))
        .branch(Update::filter_inline_query().endpoint(inline::on_inline_query::<R>))
        .branch(Update::filter_my_chat_member().endpoint(handlers::on_my_chat_member::<R>))
}

/// The dispatcher: the handler tree with the shared state, a default handler that ignores
/// unknown updates and an error handler that logs.
pub fn dispatcher<R: TelegramApi>(
    bot: R,
    state: Arc<AppState>,
) -> Dispatcher<R, HandlerError, DefaultKey> {
    Dispatcher::builder(bot, handler_tree::<R>())
        .dependencies(dptree::deps![state])
        .default_handler(|update| async move {
            tracing::trace!(update = update.id.0, "update ignored");
        })
        .error_handler(Arc::new(|error: HandlerError| async move {
            tracing::error!("handler failed: {error}");
        }))
        .build()
}

/// Why the bot could not start.
#[derive(Debug, thiserror::Error)]
pub enum RunError {
    #[error(transparent)]
    Knowledge(#[from] ReloadError),
    #[error("cannot watch the knowledge folder: {0}")]
    Watch(#[from] notify::Error),
    #[error(transparent)]
    Patterns(#[from] crate::scam::PatternError),
    #[error(transparent)]
    Store(#[from] StoreError),
    #[error(transparent)]
    Config(#[from] ConfigError),
    // Not `source`: the fix should end the one-line message, not the OS's words.
    #[error(
        "PORT: cannot listen on port {port} for the webhook ({problem}): stop what uses it or choose another port"
    )]
    Listen { port: u16, problem: std::io::Error },
    #[error("webhook server failed: {0}")]
    WebhookServer(std::io::Error),
    #[error("{name}: not a valid URL: {problem}")]
    Url { name: &'static str, problem: String },
    #[error("telegram refused the bot (check TELOXIDE_TOKEN with @BotFather): {0}")]
    Unauthorized(RequestError),
    #[error("cannot reach the Bot API: {0}")]
    Telegram(RequestError),
}

/// The Bot API client for `config`: `Bot` on the configured server, behind `Throttle`.
pub fn telegram_client(config: &BotConfig) -> Result<Throttle<Bot>, RunError> {
    let mut bot = Bot::new(config.token.expose());
    if let Some(url) = &config.api_url {
        bot = bot.set_api_url(parse_url("TELOXIDE_API_URL", url)?);
    }
    Ok(bot.throttle(Limits::default()))
}

/// Parses a URL into whichever URL type teloxide asks for (reqwest's, not named here).
fn parse_url<U>(name: &'static str, text: &str) -> Result<U, RunError>
where
    U: std::str::FromStr,
    U::Err: std::fmt::Display,
{
    text.trim().parse().map_err(|err: U::Err| RunError::Url {
        name,
        problem: err.to_string(),
    })
}

/// Runs the bot until Ctrl-C: loads the knowledge and the database, checks the token,
/// registers the commands, then serves updates by long polling or, with `WEBHOOK_URL`, a webhook.
pub async fn run(config: BotConfig) -> Result<(), RunError> {
    // The client and the webhook port first: a mistake in either is reported at once, not after
    // the knowledge has loaded.
    let bot = telegram_client(&config)?;
    let webhook = match &config.webhook {
        Some(webhook) => Some(WebhookServer::bind(webhook).await?),
        None => None,
    };
    let knowledge_dir = config.knowledge_dir.clone();
    let data_dir = config.data_dir.clone();
    // Opening may build the whole index: keep it off the async workers.
    let (live, report) =
        tokio::task::spawn_blocking(move || LiveKnowledge::open(&knowledge_dir, &data_dir))
            .await
            .map_err(|err| ReloadError::Interrupted(err.to_string()))??;
    for problem in &report.problems {
        tracing::warn!("{problem}");
    }
    let stats = live.engine().stats();
    tracing::info!(
        documents = stats.documents,
        figures = stats.figures,
        opened_saved_index = report.opened_saved_index,
        "knowledge loaded from {}",
        config.knowledge_dir.display()
    );
    let scanner = Scanner::for_knowledge(&config.knowledge_dir)?;
    let store = Store::open(&config.data_dir, config.database_url.as_deref()).await?;
    let me = bot.get_me().await.map_err(|err| match err {
        RequestError::Api(teloxide::ApiError::InvalidToken) => RunError::Unauthorized(err),
        err => RunError::Telegram(err),
    })?;
    tracing::info!("running as @{}", me.username());
    if let Err(err) = bot.set_my_commands(commands::menu()).await {
        // Only the command menu is missing; answering works without it.
        tracing::warn!("cannot register the command menu: {err}");
    }
    // Kept until the bot stops: dropping it stops watching and forwarding.
    let _watching = watch_knowledge(&live, bot.clone(), config.admin_ids.clone())?;
    tracing::info!("watching {} for changes", config.knowledge_dir.display());
    let state = Arc::new(AppState::with_live(
        live,
        scanner,
        store.clone(),
        config.admin_ids.clone(),
    ));
    let daily_tips = tokio::spawn(tips::deliver_daily(bot.clone(), state.clone()));
    let mut dispatcher = dispatcher(bot.clone(), state);
    // Heard from now on; one that comes before the updates flow stops them as soon as they do.
    let signalled = tokio::spawn(shutdown_signal());
    let received = match webhook {
        None => {
            // What `Dispatcher::dispatch` does, with the listener's stop token in hand.
            let polling = update_listeners::polling_default(bot).await;
            tracing::info!("receiving updates by long polling");
            let error_text = "An error from the update listener";
            dispatch_until_signal(&mut dispatcher, polling, signalled, error_text).await;
            Ok(())
        }
        Some(webhook) => webhook.receive(bot, &mut dispatcher, signalled).await,
    };
    daily_tips.abort();
    store.close().await;
    received
}

/// Webhook mode: the local port, bound, and the options the webhook is registered with.
struct WebhookServer {
    listener: tokio::net::TcpListener,
    options: webhooks::Options,
}

impl WebhookServer {
    /// Binds the webhook's port. Done before the webhook is registered, so Telegram is never
    /// pointed at a bot that cannot listen. The address bound is logged: with `PORT=0` that is
    /// where to find the port the system picked.
    async fn bind(webhook: &Webhook) -> Result<WebhookServer, RunError> {
        let mut options = webhook.options()?;
        let listen_error = |problem| RunError::Listen {
            port: webhook.port,
            problem,
        };
        let listener = tokio::net::TcpListener::bind(options.address)
            .await
            .map_err(listen_error)?;
        options.address = listener.local_addr().map_err(listen_error)?;
        tracing::info!("listening for webhook updates on {}", options.address);
        Ok(WebhookServer { listener, options })
    }

    /// Registers the webhook with Telegram (`setWebhook`, with the secret Telegram must send
    /// back), serves it to `dispatcher` until `signalled`, then deregisters it (`deleteWebhook`)
    /// and lets the server finish the requests it has.
    async fn receive(
        self,
        bot: Throttle<Bot>,
        dispatcher: &mut Dispatcher<Throttle<Bot>, HandlerError, DefaultKey>,
        signalled: tokio::task::JoinHandle<()>,
    ) -> Result<(), RunError> {
        let port = self.options.address.port();
        let (updates, stopped, router) = webhooks::axum_to_router(bot, self.options)
            .await
            .map_err(RunError::Telegram)?;
        // The server owns the route that feeds `updates`: the dispatcher's stream ends, and
        // `dispatch_with_listener` returns, once the server has shut down after `stopped`.
        let server = tokio::spawn(
            axum::serve(self.listener, router)
                .with_graceful_shutdown(stopped)
                .into_future(),
        );
        tracing::info!("receiving updates by webhook on port {port}");
        dispatch_until_signal(dispatcher, updates, signalled, "webhook listener failed").await;
        match server.await {
            Ok(served) => served.map_err(RunError::WebhookServer),
            Err(stopped) => Err(RunError::WebhookServer(std::io::Error::other(stopped))),
        }
    }
}

/// Live reload for a running bot: the knowledge folder watched, and each batch of new problems
/// sent to the maintainers. Dropping it stops both.
pub struct KnowledgeWatching {
    _watcher: KnowledgeWatcher,
    forwarder: tokio::task::JoinHandle<()>,
}

impl Drop for KnowledgeWatching {
    fn drop(&mut self) {
        self.forwarder.abort();
    }
}

/// Starts watching `live`'s folder and forwarding its problem batches to `admin_ids`, one
/// message per batch per admin. Call inside the Tokio runtime.
pub fn watch_knowledge<R: TelegramApi>(
    live: &LiveKnowledge,
    bot: R,
    admin_ids: Vec<u64>,
) -> Result<KnowledgeWatching, notify::Error> {
    // Subscribed before watching, so no batch from the first change is missed.
    let problems = live.subscribe_problems();
    let watcher = live.watch()?;
    let forwarder = tokio::spawn(admin::forward_problems(bot, admin_ids, problems));
    Ok(KnowledgeWatching {
        _watcher: watcher,
        forwarder,
    })
}

/// Hands `listener`'s updates to `dispatcher` until `signalled` has finished; the dispatcher
/// then handles what it has and returns. The listener is stopped through its own stop token, a
/// flag it checks at every poll: the dispatcher's `ShutdownToken` is refused before the
/// dispatcher runs, and lost when it comes while the dispatcher is handing out an update (it
/// then never stops).
async fn dispatch_until_signal<L>(
    dispatcher: &mut Dispatcher<Throttle<Bot>, HandlerError, DefaultKey>,
    mut listener: L,
    signalled: tokio::task::JoinHandle<()>,
    listener_error_text: &str,
) where
    L: UpdateListener + Send,
    L::Err: std::fmt::Debug,
{
    let stop = listener.stop_token();
    tokio::spawn(async move {
        if signalled.await.is_ok() {
            tracing::info!("shutting down");
            stop.stop();
        }
    });
    dispatcher
        .dispatch_with_listener(
            listener,
            LoggingErrorHandler::with_custom_text(listener_error_text),
        )
        .await;
}

/// Ctrl-C, or SIGTERM (how containers and systemd stop a service).
async fn shutdown_signal() {
    #[cfg(unix)]
    {
        use tokio::signal::unix::{SignalKind, signal};
        if let Ok(mut terminate) = signal(SignalKind::terminate()) {
            tokio::select! {
                _ = tokio::signal::ctrl_c() => {}
                _ = terminate.recv() => {}
            }
            return;
        }
    }
    let _ = tokio::signal::ctrl_c().await;
}
