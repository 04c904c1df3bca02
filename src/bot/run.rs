//! Start-up and shutdown of `fanzha-bot run`: the Bot API client, the knowledge (opened from the
//! saved index and watched), the database, then updates by long polling or a webhook until
//! Ctrl-C or SIGTERM.

use std::sync::Arc;

use teloxide::adaptors::Throttle;
use teloxide::adaptors::throttle::Limits;
use teloxide::dispatching::DefaultKey;
use teloxide::error_handlers::LoggingErrorHandler;
use teloxide::prelude::*;
use teloxide::update_listeners::{self, UpdateListener, webhooks};
use teloxide::{RequestError, requests::RequesterExt};

use crate::bot::api::{HandlerError, TelegramApi};
use crate::bot::config::{BotConfig, ConfigError, Webhook};
use crate::bot::state::AppState;
use crate::bot::webhook::{self, WebhookLimits};
use crate::bot::{admin, commands, dispatcher, tips};
use crate::db::{Database, DatabaseError};
use crate::live::{KnowledgeWatcher, LiveKnowledge, ReloadError};
use crate::scam::Scanner;

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
    Database(#[from] DatabaseError),
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
    let database = Database::open_with_key(
        &config.data_dir,
        config.database_url.as_deref(),
        config.vote_key.clone(),
    )
    .await?;
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
    let state = Arc::new(AppState::new(
        live,
        scanner,
        database.clone(),
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
    database.close().await;
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
    /// back), serves it to `dispatcher` until `signalled`, and lets the server finish the
    /// requests it has. The webhook stays registered: replicas behind one URL (and the old
    /// replica of a rolling deploy) stop one by one without taking the bot offline;
    /// `fanzha-bot delete-webhook` removes it on purpose.
    async fn receive(
        self,
        bot: Throttle<Bot>,
        dispatcher: &mut Dispatcher<Throttle<Bot>, HandlerError, DefaultKey>,
        signalled: tokio::task::JoinHandle<()>,
    ) -> Result<(), RunError> {
        let mut options = self.options;
        let port = options.address.port();
        let secret = options.get_or_gen_secret_token().to_owned();
        let secret_check = secret.clone();
        let mut register = bot
            .set_webhook(options.url.clone())
            .secret_token(secret)
            .drop_pending_updates(options.drop_pending_updates);
        if let Some(max) = options.max_connections {
            register = register.max_connections(max);
        }
        register.await.map_err(RunError::Telegram)?;
        let (updates, stopped, route) = webhooks::axum_no_setup(options);
        let limits = WebhookLimits::default();
        let router = webhook::guarded(route, &secret_check, &limits);
        // The server owns the route that feeds `updates`: the dispatcher's stream ends, and
        // `dispatch_with_listener` returns, once the server has shut down after `stopped`.
        let server =
            tokio::spawn(
                async move { webhook::serve(self.listener, router, &limits, stopped).await },
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

/// `fanzha-bot delete-webhook`: removes the webhook (`deleteWebhook`), for going back to long
/// polling or retiring the bot; a plain stop never does.
pub async fn delete_webhook(config: &BotConfig) -> Result<(), RunError> {
    let bot = telegram_client(config)?;
    bot.delete_webhook().await.map_err(|err| match err {
        RequestError::Api(teloxide::ApiError::InvalidToken) => RunError::Unauthorized(err),
        err => RunError::Telegram(err),
    })?;
    Ok(())
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
