//! A mock Telegram Bot API on 127.0.0.1: serves `getMe` and long-polled `getUpdates` from a
//! queue the test pushes into, records every other call (`setWebhook` and `deleteWebhook` too) and answers it with plausible JSON
//! (well-formed `Message` objects where teloxide expects them). Tests await recorded calls —
//! never sleep — through [`MockApi::wait_for`].

use std::collections::{HashMap, VecDeque};
use std::sync::atomic::{AtomicI64, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use axum::Router;
use axum::body::Bytes;
use axum::extract::{Path, State};
use axum::http::{HeaderMap, StatusCode, header};
use axum::response::{IntoResponse, Response};
use axum::routing::any;
use serde_json::{Value, json};
use tokio::sync::{Notify, watch};

/// The mock bot's user id and username.
pub const BOT_ID: i64 = 4242;
pub const BOT_USERNAME: &str = "fanzha_test_bot";
/// How long `getUpdates` holds a request when no update is queued.
const LONG_POLL: Duration = Duration::from_millis(300);

/// One recorded Bot API call.
#[derive(Debug, Clone)]
pub struct Call {
    pub method: String,
    pub body: Value,
    pub at: Instant,
    /// The files uploaded with a multipart call (`sendPhoto`'s `photo`), by field name.
    pub files: Vec<UploadedFile>,
}

/// A file part of a multipart call.
#[derive(Debug, Clone)]
pub struct UploadedFile {
    pub field: String,
    pub file_name: String,
    pub bytes: Vec<u8>,
}

impl Call {
    pub fn chat_id(&self) -> Option<i64> {
        // Multipart calls (`sendPhoto`) carry every field as a string.
        let chat = self.body.get("chat_id")?;
        chat.as_i64().or_else(|| chat.as_str()?.parse().ok())
    }

    pub fn text(&self) -> &str {
        self.body.get("text").and_then(Value::as_str).unwrap_or("")
    }

    /// The file uploaded for field `field`, if any: a part of that name, or the part its value
    /// names (`"photo": "attach://<part>"`, as teloxide sends it).
    pub fn file(&self, field: &str) -> Option<&UploadedFile> {
        let part = self
            .body
            .get(field)
            .and_then(Value::as_str)
            .and_then(|value| value.strip_prefix("attach://"))
            .unwrap_or(field);
        self.files.iter().find(|file| file.field == part)
    }
}

#[derive(Default)]
struct Queue {
    /// Updates not yet confirmed by a later `offset`.
    pending: VecDeque<Value>,
    /// When each update was first handed to the bot.
    delivered: HashMap<i64, Instant>,
}

struct MockState {
    queue: Mutex<Queue>,
    update_queued: Notify,
    next_update_id: AtomicI64,
    next_message_id: AtomicI64,
    calls: Mutex<Vec<Call>>,
    calls_changed: watch::Sender<usize>,
    /// Error responses to give, by method, before answering normally again.
    failures: Mutex<HashMap<String, VecDeque<(StatusCode, Value)>>>,
}

/// The running mock. Dropping it stops the server.
pub struct MockApi {
    pub url: String,
    state: Arc<MockState>,
    server: tokio::task::JoinHandle<()>,
}

impl Drop for MockApi {
    fn drop(&mut self) {
        self.server.abort();
    }
}

impl MockApi {
    pub async fn start() -> MockApi {
        let (calls_changed, _) = watch::channel(0);
        let state = Arc::new(MockState {
            queue: Mutex::new(Queue::default()),
            update_queued: Notify::new(),
            next_update_id: AtomicI64::new(1),
            next_message_id: AtomicI64::new(1000),
            calls: Mutex::new(Vec::new()),
            calls_changed,
            failures: Mutex::new(HashMap::new()),
        });
        let app = Router::new()
            .route("/{token}/{method}", any(handle))
            .with_state(state.clone());
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let url = format!("http://{}/", listener.local_addr().unwrap());
        let server = tokio::spawn(async move {
            axum::serve(listener, app).await.unwrap();
        });
        MockApi { url, state, server }
    }

    /// Queues an update (`{"message": {...}}` etc.); its `update_id` is assigned here.
    pub fn push(&self, mut update: Value) -> i64 {
        let id = self.state.next_update_id.fetch_add(1, Ordering::SeqCst);
        update["update_id"] = json!(id);
        self.state.queue.lock().unwrap().pending.push_back(update);
        self.state.update_queued.notify_waiters();
        id
    }

    /// Queues many updates at once, so the bot receives them in one `getUpdates` burst.
    pub fn push_all(&self, updates: Vec<Value>) -> Vec<i64> {
        let mut queue = self.state.queue.lock().unwrap();
        let ids = updates
            .into_iter()
            .map(|mut update| {
                let id = self.state.next_update_id.fetch_add(1, Ordering::SeqCst);
                update["update_id"] = json!(id);
                queue.pending.push_back(update);
                id
            })
            .collect();
        drop(queue);
        self.state.update_queued.notify_waiters();
        ids
    }

    /// When update `id` was handed to the bot.
    pub fn delivered_at(&self, id: i64) -> Option<Instant> {
        self.state.queue.lock().unwrap().delivered.get(&id).copied()
    }

    /// The next call to `method` answers with this error instead.
    pub fn fail_next(&self, method: &str, status: StatusCode, body: Value) {
        self.state
            .failures
            .lock()
            .unwrap()
            .entry(method.to_string())
            .or_default()
            .push_back((status, body));
    }

    pub fn calls(&self) -> Vec<Call> {
        self.state.calls.lock().unwrap().clone()
    }

    /// Calls to `method`, in order.
    pub fn calls_to(&self, method: &str) -> Vec<Call> {
        self.calls()
            .into_iter()
            .filter(|c| c.method == method)
            .collect()
    }

    /// Waits until `done` holds for the recorded calls; panics after `timeout`.
    pub async fn wait_for<T>(
        &self,
        what: &str,
        timeout: Duration,
        mut done: impl FnMut(&[Call]) -> Option<T>,
    ) -> T {
        let mut changed = self.state.calls_changed.subscribe();
        let deadline = tokio::time::Instant::now() + timeout;
        loop {
            if let Some(found) = done(&self.state.calls.lock().unwrap()) {
                return found;
            }
            match tokio::time::timeout_at(deadline, changed.changed()).await {
                Ok(Ok(())) => {}
                _ => panic!(
                    "timed out waiting for {what}; calls: {:#?}",
                    self.calls()
                        .iter()
                        .map(|c| format!("{} {}", c.method, c.body))
                        .collect::<Vec<_>>()
                ),
            }
        }
    }

    /// Waits for the `n`-th (1-based) call to `method` in `chat`.
    pub async fn wait_for_nth(&self, method: &str, chat: i64, n: usize) -> Call {
        let what = format!("{method} #{n} to chat {chat}");
        self.wait_nth(&what, n, |c| {
            c.method == method && c.chat_id() == Some(chat)
        })
        .await
    }

    /// Waits for the first message sent to `chat`.
    pub async fn wait_sent(&self, chat: i64) -> Call {
        self.wait_for_nth("sendMessage", chat, 1).await
    }

    /// Waits for the first call to `method`.
    pub async fn wait_method(&self, method: &str) -> Call {
        self.wait_method_nth(method, 1).await
    }

    /// Waits for the `n`-th (1-based) call to `method`, in any chat.
    pub async fn wait_method_nth(&self, method: &str, n: usize) -> Call {
        self.wait_nth(&format!("{method} #{n}"), n, |c| c.method == method)
            .await
    }

    /// Waits for the `n`-th (1-based) call that `matches`.
    async fn wait_nth(&self, what: &str, n: usize, matches: impl Fn(&Call) -> bool) -> Call {
        self.wait_for(what, Duration::from_secs(10), |calls| {
            calls.iter().filter(|c| matches(c)).nth(n - 1).cloned()
        })
        .await
    }
}

async fn handle(
    State(state): State<Arc<MockState>>,
    Path((_token, method)): Path<(String, String)>,
    headers: HeaderMap,
    body: Bytes,
) -> Response {
    let content_type = headers
        .get(header::CONTENT_TYPE)
        .and_then(|value| value.to_str().ok())
        .unwrap_or("");
    let (body, files) = match multipart_boundary(content_type) {
        Some(boundary) => multipart_parts(&body, boundary),
        None => (
            serde_json::from_slice(&body).unwrap_or(Value::Null),
            Vec::new(),
        ),
    };
    // Method names are case-insensitive; teloxide writes them capitalised (`SendMessage`).
    let method = lower_first(&method);
    if method == "getUpdates" {
        return ok(get_updates(&state, &body).await);
    }
    {
        let mut calls = state.calls.lock().unwrap();
        calls.push(Call {
            method: method.clone(),
            body: body.clone(),
            at: Instant::now(),
            files,
        });
        state.calls_changed.send_replace(calls.len());
    }
    let failure = state
        .failures
        .lock()
        .unwrap()
        .get_mut(&method)
        .and_then(VecDeque::pop_front);
    if let Some((status, error)) = failure {
        return (status, axum::Json(error)).into_response();
    }
    let result = match method.as_str() {
        "getMe" => bot_user(),
        "getWebhookInfo" => {
            json!({ "url": "", "has_custom_certificate": false, "pending_update_count": 0 })
        }
        "sendMessage" => {
            let id = state.next_message_id.fetch_add(1, Ordering::SeqCst);
            sent_message(id, &body)
        }
        "sendPhoto" => {
            let id = state.next_message_id.fetch_add(1, Ordering::SeqCst);
            sent_photo(id, &body)
        }
        "getChatMember" => chat_member(&body),
        "editMessageText" => {
            let id = body.get("message_id").and_then(Value::as_i64).unwrap_or(0);
            sent_message(id, &body)
        }
        _ => json!(true),
    };
    ok(result)
}

/// The boundary of a `multipart/form-data` body (teloxide sends methods that may upload a file,
/// such as `setWebhook`, that way).
fn multipart_boundary(content_type: &str) -> Option<&str> {
    let parameters = content_type.strip_prefix("multipart/form-data;")?;
    parameters
        .split(';')
        .find_map(|parameter| parameter.trim().strip_prefix("boundary="))
        .map(|boundary| boundary.trim_matches('"'))
}

/// A multipart body's text fields as a JSON object of strings (text fields holding JSON, such
/// as `reply_markup`, stay strings), and its file parts, bytes as sent.
fn multipart_parts(body: &[u8], boundary: &str) -> (Value, Vec<UploadedFile>) {
    let delimiter = format!("--{boundary}");
    let mut fields = serde_json::Map::new();
    let mut files = Vec::new();
    for part in split_bytes(body, delimiter.as_bytes()) {
        let Some(head_end) = find_bytes(part, b"\r\n\r\n") else {
            continue;
        };
        let head = String::from_utf8_lossy(&part[..head_end]);
        let value = &part[head_end + 4..];
        let value = value.strip_suffix(b"\r\n").unwrap_or(value);
        let quoted = |key: &str| {
            head.split(&format!("{key}=\""))
                .nth(1)
                .and_then(|rest| rest.split('"').next())
                .map(str::to_string)
        };
        let Some(name) = quoted("name") else { continue };
        match quoted("filename") {
            Some(file_name) => files.push(UploadedFile {
                field: name,
                file_name,
                bytes: value.to_vec(),
            }),
            None => {
                fields.insert(name, json!(String::from_utf8_lossy(value)));
            }
        }
    }
    (Value::Object(fields), files)
}

/// `haystack` cut at every `delimiter`.
fn split_bytes<'a>(haystack: &'a [u8], delimiter: &[u8]) -> Vec<&'a [u8]> {
    let mut parts = Vec::new();
    let mut rest = haystack;
    while let Some(at) = find_bytes(rest, delimiter) {
        parts.push(&rest[..at]);
        rest = &rest[at + delimiter.len()..];
    }
    parts.push(rest);
    parts
}

fn find_bytes(haystack: &[u8], needle: &[u8]) -> Option<usize> {
    haystack
        .windows(needle.len())
        .position(|window| window == needle)
}

fn lower_first(method: &str) -> String {
    let mut chars = method.chars();
    chars
        .next()
        .map(|first| first.to_lowercase().chain(chars).collect())
        .unwrap_or_default()
}

fn ok(result: Value) -> Response {
    axum::Json(json!({ "ok": true, "result": result })).into_response()
}

async fn get_updates(state: &MockState, body: &Value) -> Value {
    let offset = body.get("offset").and_then(Value::as_i64).unwrap_or(0);
    let take = |state: &MockState| {
        let mut queue = state.queue.lock().unwrap();
        queue
            .pending
            .retain(|u| u["update_id"].as_i64().unwrap_or(0) >= offset);
        let now = Instant::now();
        let updates: Vec<Value> = queue.pending.iter().cloned().collect();
        for update in &updates {
            let id = update["update_id"].as_i64().unwrap_or(0);
            queue.delivered.entry(id).or_insert(now);
        }
        updates
    };
    let queued = state.update_queued.notified();
    let updates = take(state);
    if !updates.is_empty() {
        return Value::Array(updates);
    }
    let _ = tokio::time::timeout(LONG_POLL, queued).await;
    Value::Array(take(state))
}

fn bot_user() -> Value {
    json!({
        "id": BOT_ID,
        "is_bot": true,
        "first_name": "反诈 bot",
        "username": BOT_USERNAME,
        "can_join_groups": true,
        "can_read_all_group_messages": false,
        "supports_inline_queries": true,
        "can_connect_to_business": false,
        "has_main_web_app": false
    })
}

/// Chat JSON for an id: positive ids are private chats, `-100…` supergroups, other negatives
/// groups.
pub fn chat(id: i64) -> Value {
    if id > 0 {
        json!({ "id": id, "type": "private", "first_name": "用户" })
    } else if id < -1_000_000_000_000 {
        json!({ "id": id, "type": "supergroup", "title": "反诈群", "is_forum": true })
    } else {
        json!({ "id": id, "type": "group", "title": "反诈群" })
    }
}

fn sent_message(id: i64, body: &Value) -> Value {
    let chat_id = body.get("chat_id").and_then(Value::as_i64).unwrap_or(1);
    let mut message = json!({
        "message_id": id,
        "date": 1_700_000_000,
        "chat": chat(chat_id),
        "from": bot_user_plain(),
        "text": body.get("text").cloned().unwrap_or(json!("")),
    });
    if let Some(thread) = body.get("message_thread_id") {
        message["message_thread_id"] = thread.clone();
        message["is_topic_message"] = json!(true);
    }
    message
}

/// A photo message, as `sendPhoto` answers: one size of the uploaded picture, and the caption.
fn sent_photo(id: i64, body: &Value) -> Value {
    let mut message = sent_message(id, body);
    if let Some(object) = message.as_object_mut() {
        object.remove("text");
    }
    message["photo"] = json!([{
        "file_id": format!("photo-{id}"),
        "file_unique_id": format!("unique-{id}"),
        "width": 1280,
        "height": 720,
        "file_size": 1
    }]);
    if let Some(caption) = body.get("caption") {
        message["caption"] = caption.clone();
    }
    message
}

/// The user id the mock reports as an administrator of every group; everyone else is a member.
pub const GROUP_ADMIN: i64 = 888;

/// A `ChatMember` for `getChatMember`: [`GROUP_ADMIN`] is an administrator, others members.
fn chat_member(body: &Value) -> Value {
    let user_id = body.get("user_id").and_then(Value::as_i64).unwrap_or(0);
    let user = json!({ "id": user_id, "is_bot": false, "first_name": "群友" });
    if user_id == GROUP_ADMIN {
        json!({
            "status": "administrator",
            "user": user,
            "can_be_edited": false,
            "is_anonymous": false,
            "can_manage_chat": true,
            "can_delete_messages": true,
            "can_manage_video_chats": true,
            "can_restrict_members": true,
            "can_promote_members": false,
            "can_change_info": true,
            "can_invite_users": true,
            "can_post_stories": false,
            "can_edit_stories": false,
            "can_delete_stories": false
        })
    } else {
        json!({ "status": "member", "user": user })
    }
}

/// The bot as a message sender (a plain `User`).
pub fn bot_user_plain() -> Value {
    json!({ "id": BOT_ID, "is_bot": true, "first_name": "反诈 bot", "username": BOT_USERNAME })
}
