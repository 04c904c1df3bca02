//! Test support for the bot: a mock Bot API, update builders, and a harness that runs the real
//! dispatcher (the same handler tree as `fanzha-bot run`) against the mock.

pub mod mock_api;
pub mod process;

use std::future::Future;
use std::path::PathBuf;
use std::sync::{Arc, LazyLock};
use std::time::Duration;

use fanzha_bot::answer::engine::Engine;
use fanzha_bot::bot::api::HandlerError;
use fanzha_bot::bot::api::TelegramApi;
use fanzha_bot::bot::run::{KnowledgeWatching, watch_knowledge};
use fanzha_bot::bot::state::AppState;
use fanzha_bot::bot::{dispatcher, dispatcher_for};
use fanzha_bot::db::Database;
use fanzha_bot::live::LiveKnowledge;
use fanzha_bot::scam::Scanner;
use serde_json::{Value, json};
use teloxide::Bot;
use teloxide::dispatching::{DefaultKey, Dispatcher, UpdateHandler};
use teloxide::error_handlers::LoggingErrorHandler;
use teloxide::stop::StopToken;
use teloxide::update_listeners::{self, UpdateListener};

pub use mock_api::{BOT_USERNAME, Call, MockApi};

/// How long one bot test may run before it fails as hung.
pub const TEST_LIMIT: Duration = Duration::from_secs(60);

/// Runs a test's body, failing the test if it has not finished within [`TEST_LIMIT`]: a hang
/// fails fast, with a message, instead of holding up the whole run. The limit is checked while
/// the body awaits, so the body must await (never block on) whatever may not come.
pub async fn within_limit<T>(test: impl Future<Output = T>) -> T {
    tokio::time::timeout(TEST_LIMIT, test)
        .await
        .unwrap_or_else(|_| panic!("the test did not finish within {TEST_LIMIT:?}: it hangs"))
}

/// How long a harness's dispatcher may take to stop once asked.
const STOP_LIMIT: Duration = Duration::from_secs(10);

pub fn repo() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

/// The files of the seed knowledge: the first article exactly as the user gave it, the
/// fraud-types article, and the lexicon and scam-pattern files.
const SEED_FILES: &[&str] = &[
    "2022-04-15-anti-fraud-peoples-war.md",
    "2026-11-27-common-fraud-types.md",
    "dictionary.txt",
    "synonyms.txt",
    "scam-patterns.yaml",
];

/// The seed knowledge in a folder of its own, made once per test binary. The bot tests and the
/// seed questions run on it: the seed alone must keep answering as it always has, however much
/// the shipped knowledge grows.
pub static SEED_DIR: LazyLock<tempfile::TempDir> = LazyLock::new(|| {
    let dir = tempfile::tempdir().expect("a temporary folder");
    for name in SEED_FILES {
        std::fs::copy(repo().join("knowledge").join(name), dir.path().join(name))
            .unwrap_or_else(|err| panic!("copying knowledge/{name}: {err}"));
    }
    dir
});

/// The seed knowledge, loaded once per test binary (in memory) and served by every harness on
/// it, as `fanzha-bot run` serves its knowledge.
pub static SEED: LazyLock<LiveKnowledge> = LazyLock::new(|| {
    let (live, _report) = LiveKnowledge::load(SEED_DIR.path()).expect("seed knowledge loads");
    live
});

/// The engine on the seed knowledge.
pub static ENGINE: LazyLock<Arc<Engine>> = LazyLock::new(|| SEED.engine());

/// Everything in `knowledge/`, as shipped, loaded once per test binary.
pub static SHIPPED: LazyLock<LiveKnowledge> = LazyLock::new(|| {
    let (live, _report) = LiveKnowledge::load(&repo().join("knowledge")).expect("knowledge loads");
    live
});

/// The scanner on the shipped patterns, loaded once per test binary.
pub static SCANNER: LazyLock<Scanner> =
    LazyLock::new(|| Scanner::for_knowledge(&repo().join("knowledge")).expect("patterns load"));

/// A running dispatcher against a mock API, with its own database.
pub struct Harness {
    pub api: MockApi,
    pub state: Arc<AppState>,
    /// Stops the update listener, which stops the dispatcher.
    stop: StopToken,
    dispatcher: tokio::task::JoinHandle<()>,
    data: tempfile::TempDir,
    /// The watcher and admin notifier of a live harness, kept alive as long as the bot.
    watching: Option<KnowledgeWatching>,
    /// The scratch PostgreSQL database of a PostgreSQL harness, dropped with the harness.
    postgres: Option<fanzha_bot::db::testing::ScratchDatabase>,
}

impl Harness {
    /// A harness on the seed knowledge with the plain client (no throttling).
    pub async fn start() -> Harness {
        Harness::start_with(|api| Bot::new("123:TEST").set_api_url(api.url.parse().unwrap())).await
    }

    /// A harness on the seed knowledge with the client `client` makes for the mock API.
    pub async fn start_with<R: TelegramApi>(client: impl FnOnce(&MockApi) -> R) -> Harness {
        let data = tempfile::tempdir().unwrap();
        let database = Database::open(data.path(), None).await.unwrap();
        Harness::start_on(client, SEED.clone(), database, data).await
    }

    /// A harness on its own knowledge folder (loaded now, in memory, not watched) and database
    /// folder (opened now, so a test can reopen the same database later).
    pub async fn start_in(knowledge: &std::path::Path, data: tempfile::TempDir) -> Harness {
        let (live, _report) = LiveKnowledge::load(knowledge).expect("knowledge loads");
        let database = Database::open(data.path(), None).await.unwrap();
        Harness::start_on(
            |api: &MockApi| Bot::new("123:TEST").set_api_url(api.url.parse().unwrap()),
            live,
            database,
            data,
        )
        .await
    }

    /// A harness serving live knowledge from `knowledge` (index persisted under `data`), watched
    /// and with problems forwarded to [`ADMIN`]: wired as `fanzha-bot run` wires it.
    pub async fn start_live(knowledge: &std::path::Path, data: tempfile::TempDir) -> Harness {
        let (live, _report) = LiveKnowledge::open(knowledge, data.path()).expect("knowledge loads");
        let database = Database::open(data.path(), None).await.unwrap();
        let api = MockApi::start().await;
        let client = Bot::new("123:TEST").set_api_url(api.url.parse().unwrap());
        let watching = watch_knowledge(&live, client.clone(), vec![ADMIN]).expect("watching");
        let state = Arc::new(AppState::new(live, SCANNER.clone(), database, vec![ADMIN]));
        let mut harness = Harness::serve(api, client, state, data).await;
        harness.watching = Some(watching);
        harness
    }

    async fn start_on<R: TelegramApi>(
        client: impl FnOnce(&MockApi) -> R,
        live: LiveKnowledge,
        database: Database,
        data: tempfile::TempDir,
    ) -> Harness {
        let api = MockApi::start().await;
        let state = Arc::new(AppState::new(live, SCANNER.clone(), database, vec![ADMIN]));
        let client = client(&api);
        Harness::serve(api, client, state, data).await
    }

    /// A harness on the seed knowledge with its database on a scratch PostgreSQL database,
    /// or `None` (said on stderr) when `DATABASE_URL` names no server.
    pub async fn start_on_postgres(test: &str) -> Option<Harness> {
        let postgres = fanzha_bot::db::testing::scratch_postgres(test).await?;
        let database = Database::open_url(postgres.url()).await.unwrap();
        let client = |api: &MockApi| Bot::new("123:TEST").set_api_url(api.url.parse().unwrap());
        let data = tempfile::tempdir().unwrap();
        let mut harness = Harness::start_on(client, SEED.clone(), database, data).await;
        harness.postgres = Some(postgres);
        Some(harness)
    }

    /// The harness's data folder (the SQLite database is in it).
    pub fn data_dir(&self) -> &std::path::Path {
        self.data.path()
    }

    /// A harness on the seed knowledge whose dispatcher runs `tree` (the real tree with a
    /// misbehaving handler in front, say) instead of the real handler tree.
    pub async fn start_with_tree(tree: UpdateHandler<HandlerError>) -> Harness {
        let data = tempfile::tempdir().unwrap();
        let database = Database::open(data.path(), None).await.unwrap();
        let api = MockApi::start().await;
        let client = Bot::new("123:TEST").set_api_url(api.url.parse().unwrap());
        let state = Arc::new(AppState::new(
            SEED.clone(),
            SCANNER.clone(),
            database,
            vec![ADMIN],
        ));
        let dispatcher = dispatcher_for(client.clone(), state.clone(), tree);
        Harness::serve_with(api, client, state, data, dispatcher).await
    }

    async fn serve<R: TelegramApi>(
        api: MockApi,
        client: R,
        state: Arc<AppState>,
        data: tempfile::TempDir,
    ) -> Harness {
        let dispatcher = dispatcher(client.clone(), state.clone());
        Harness::serve_with(api, client, state, data, dispatcher).await
    }

    async fn serve_with<R: TelegramApi>(
        api: MockApi,
        client: R,
        state: Arc<AppState>,
        data: tempfile::TempDir,
        mut dispatcher: Dispatcher<R, HandlerError, DefaultKey>,
    ) -> Harness {
        // Long polling as `Dispatcher::dispatch` sets it up, but with the listener's stop token
        // in hand: the dispatcher's `ShutdownToken` is not heard by a dispatcher busy handing
        // out an update, which then never stops.
        let mut listener = update_listeners::polling_default(client).await;
        let stop = listener.stop_token();
        let dispatcher = tokio::spawn(async move {
            dispatcher
                .dispatch_with_listener(listener, LoggingErrorHandler::new())
                .await;
        });
        Harness {
            api,
            state,
            stop,
            dispatcher,
            data,
            watching: None,
            postgres: None,
        }
    }

    /// Stops the dispatcher and checks it was still running (no handler took it down).
    pub async fn stop(self) {
        self.stop_keeping_data().await;
    }

    /// Stops the dispatcher, closes the database and hands back its folder, for a restart.
    pub async fn stop_keeping_data(self) -> tempfile::TempDir {
        assert!(
            !self.dispatcher.is_finished(),
            "the dispatcher stopped on its own"
        );
        self.stop.stop();
        tokio::time::timeout(STOP_LIMIT, self.dispatcher)
            .await
            .unwrap_or_else(|_| panic!("the dispatcher did not stop within {STOP_LIMIT:?}"))
            .unwrap();
        drop(self.watching);
        self.state.database.close().await;
        self.data
    }
}

/// The admin user id given to harness bots.
pub const ADMIN: u64 = 777;

/// A user JSON.
pub fn user(id: i64) -> Value {
    json!({ "id": id, "is_bot": false, "first_name": "小王", "language_code": "zh-hans" })
}

/// A text message from `from` in chat `chat` (positive: private; negative: group).
pub fn text_message(chat: i64, from: i64, text: &str) -> Value {
    json!({
        "message_id": 1,
        "date": 1_700_000_000,
        "chat": mock_api::chat(chat),
        "from": user(from),
        "text": text,
    })
}

/// A text message with its `/command` entity, as Telegram sends it.
pub fn command_message(chat: i64, from: i64, text: &str) -> Value {
    let mut message = text_message(chat, from, text);
    let command_len = text
        .split_whitespace()
        .next()
        .unwrap_or("")
        .encode_utf16()
        .count();
    message["entities"] = json!([{ "type": "bot_command", "offset": 0, "length": command_len }]);
    message
}

/// A text message that mentions the bot: `before @bot after`, with its mention entity.
pub fn mention_message(chat: i64, from: i64, before: &str, after: &str) -> Value {
    let mention = format!("@{BOT_USERNAME}");
    let text = format!("{before}{mention}{after}");
    let mut message = text_message(chat, from, &text);
    message["entities"] = json!([{
        "type": "mention",
        "offset": before.encode_utf16().count(),
        "length": mention.encode_utf16().count(),
    }]);
    message
}

/// A message replying to one of the bot's messages.
pub fn reply_to_bot(chat: i64, from: i64, text: &str) -> Value {
    let mut message = text_message(chat, from, text);
    message["reply_to_message"] = json!({
        "message_id": 900,
        "date": 1_699_999_999,
        "chat": mock_api::chat(chat),
        "from": mock_api::bot_user_plain(),
        "text": "📊 之前的回答",
    });
    message
}

pub fn message_update(message: Value) -> Value {
    json!({ "message": message })
}

/// A port on 127.0.0.1 that refuses connections: bound but not listening, and held (so nothing
/// else can take it) until the socket is dropped.
pub fn refusing_port() -> (tokio::net::TcpSocket, u16) {
    let socket = tokio::net::TcpSocket::new_v4().unwrap();
    socket.bind(([127, 0, 0, 1], 0).into()).unwrap();
    let port = socket.local_addr().unwrap().port();
    (socket, port)
}

/// POSTs `update` to a webhook as Telegram does, with `secret` (if any) in
/// `X-Telegram-Bot-Api-Secret-Token`; returns the HTTP status.
pub async fn post_to_webhook(url: &str, secret: Option<&str>, update: &Value) -> u16 {
    let mut request = teloxide::net::client_from_env()
        .post(url)
        .header("content-type", "application/json")
        .body(update.to_string());
    if let Some(secret) = secret {
        request = request.header("x-telegram-bot-api-secret-token", secret);
    }
    request.send().await.unwrap().status().as_u16()
}

/// A press of a button under `message` (a message the bot sent).
pub fn button_press(from: i64, message: &Call, message_id: i64, data: &str) -> Value {
    json!({
        "callback_query": {
            "id": format!("cb-{from}-{message_id}-{data}"),
            "from": user(from),
            "chat_instance": "1",
            "data": data,
            "message": {
                "message_id": message_id,
                "date": 1_700_000_000,
                "chat": mock_api::chat(message.chat_id().unwrap()),
                "from": mock_api::bot_user_plain(),
                "text": message.text(),
            }
        }
    })
}

pub fn inline_query(from: i64, query: &str) -> Value {
    json!({
        "inline_query": {
            "id": format!("iq-{from}-{}", query.len()),
            "from": user(from),
            "query": query,
            "offset": "",
        }
    })
}

/// The callback data of every button under a sent message, by button text.
pub fn buttons(call: &Call) -> Vec<(String, String)> {
    call.body["reply_markup"]["inline_keyboard"]
        .as_array()
        .into_iter()
        .flatten()
        .flat_map(|row| row.as_array().cloned().unwrap_or_default())
        .map(|button| {
            (
                button["text"].as_str().unwrap_or("").to_string(),
                button["callback_data"].as_str().unwrap_or("").to_string(),
            )
        })
        .collect()
}

/// The callback data of the button labelled `label`.
pub fn button(call: &Call, label: &str) -> String {
    buttons(call)
        .into_iter()
        .find(|(text, _)| text == label)
        .map(|(_, data)| data)
        .unwrap_or_else(|| panic!("no {label} button under {}", call.body))
}
