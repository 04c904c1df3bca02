//! The webhook's HTTP server: teloxide's route behind a gate, on connections served with
//! timeouts. What reaches the port is untrusted until it carries the secret, so:
//! - the secret (`X-Telegram-Bot-Api-Secret-Token`) is checked first, in constant time, before
//!   any of the body is read; a post without it gets 401;
//! - a body over [`WebhookLimits::body_bytes`] gets 413 (at once when its length is declared,
//!   else once that much has been read);
//! - at most [`WebhookLimits::concurrent`] requests are handled at a time, the rest get 503 at
//!   once (Telegram retries later) instead of piling up;
//! - a request must arrive whole within [`WebhookLimits::request_timeout`] (else 408), and a
//!   connection must send its headers within [`WebhookLimits::header_timeout`] (else it is
//!   closed), so slow clients cannot hold connections open.

use std::future::Future;
use std::sync::Arc;
use std::time::Duration;

use axum::Router;
use axum::extract::{DefaultBodyLimit, Request, State};
use axum::http::{StatusCode, header};
use axum::middleware::{self, Next};
use axum::response::{IntoResponse, Response};
use hyper_util::rt::{TokioIo, TokioTimer};
use hyper_util::service::TowerToHyperService;
use tokio::net::TcpListener;
use tokio::sync::Semaphore;
use tokio::task::JoinSet;

/// The header Telegram sends the webhook's secret in.
const SECRET_HEADER: &str = "x-telegram-bot-api-secret-token";
/// How long to wait after a failed `accept` (e.g. out of file descriptors) before the next.
const ACCEPT_BACKOFF: Duration = Duration::from_millis(100);

/// What the webhook server accepts.
#[derive(Debug, Clone)]
pub struct WebhookLimits {
    /// Largest request body: an update is a few kilobytes, a long message with entities a few
    /// tens.
    pub body_bytes: usize,
    /// Time for a connection to send a request's headers.
    pub header_timeout: Duration,
    /// Time for a whole request, body included, to be received and handed to the dispatcher.
    pub request_timeout: Duration,
    /// Requests handled at once (Telegram opens at most `max_connections`, 40 by default).
    pub concurrent: usize,
}

impl Default for WebhookLimits {
    fn default() -> Self {
        WebhookLimits {
            body_bytes: 1 << 20,
            header_timeout: Duration::from_secs(10),
            request_timeout: Duration::from_secs(30),
            concurrent: 64,
        }
    }
}

/// What the gate checks every request against.
struct Gate {
    secret: Vec<u8>,
    limits: WebhookLimits,
    permits: Arc<Semaphore>,
}

/// `route` (teloxide's webhook route) behind the gate: secret, body size, concurrency and time.
pub fn guarded(route: Router, secret: &str, limits: &WebhookLimits) -> Router {
    let gate = Arc::new(Gate {
        secret: secret.as_bytes().to_vec(),
        limits: limits.clone(),
        permits: Arc::new(Semaphore::new(limits.concurrent)),
    });
    route
        .layer(DefaultBodyLimit::max(limits.body_bytes))
        .layer(middleware::from_fn_with_state(gate, check))
}

async fn check(State(gate): State<Arc<Gate>>, request: Request, next: Next) -> Response {
    let given = request
        .headers()
        .get(SECRET_HEADER)
        .map_or(&b""[..], |value| value.as_bytes());
    if !same_secret(given, &gate.secret) {
        return StatusCode::UNAUTHORIZED.into_response();
    }
    let declared = request
        .headers()
        .get(header::CONTENT_LENGTH)
        .and_then(|value| value.to_str().ok()?.parse::<u64>().ok());
    if declared.is_some_and(|length| length > gate.limits.body_bytes as u64) {
        return StatusCode::PAYLOAD_TOO_LARGE.into_response();
    }
    let Ok(_permit) = Arc::clone(&gate.permits).try_acquire_owned() else {
        tracing::warn!("webhook: too many requests at once; refusing one (Telegram retries it)");
        return StatusCode::SERVICE_UNAVAILABLE.into_response();
    };
    match tokio::time::timeout(gate.limits.request_timeout, next.run(request)).await {
        Ok(response) => response,
        Err(_) => StatusCode::REQUEST_TIMEOUT.into_response(),
    }
}

/// Whether `given` is `secret`, in time that depends only on the lengths: a forger learns
/// nothing from how fast a wrong guess is refused.
fn same_secret(given: &[u8], secret: &[u8]) -> bool {
    if given.len() != secret.len() {
        return false;
    }
    given
        .iter()
        .zip(secret)
        .fold(0u8, |differ, (a, b)| differ | (a ^ b))
        == 0
}

/// Serves `router` on `listener` until `stopped`, then lets the connections finish the requests
/// they have. Each connection must send its headers within the header timeout.
pub async fn serve(
    listener: TcpListener,
    router: Router,
    limits: &WebhookLimits,
    stopped: impl Future<Output = ()>,
) -> std::io::Result<()> {
    let (stop, stopping) = tokio::sync::watch::channel(false);
    let mut connections = JoinSet::new();
    let mut stopped = std::pin::pin!(stopped);
    loop {
        tokio::select! {
            () = &mut stopped => break,
            Some(_) = connections.join_next(), if !connections.is_empty() => {}
            accepted = listener.accept() => {
                let stream = match accepted {
                    Ok((stream, _)) => stream,
                    Err(err) => {
                        tracing::warn!("webhook: cannot accept a connection: {err}");
                        tokio::time::sleep(ACCEPT_BACKOFF).await;
                        continue;
                    }
                };
                let service = TowerToHyperService::new(router.clone());
                let mut stopping = stopping.clone();
                let header_timeout = limits.header_timeout;
                connections.spawn(async move {
                    let mut builder = hyper::server::conn::http1::Builder::new();
                    builder.timer(TokioTimer::new()).header_read_timeout(header_timeout);
                    let connection = builder.serve_connection(TokioIo::new(stream), service);
                    let mut connection = std::pin::pin!(connection);
                    tokio::select! {
                        _ = connection.as_mut() => return,
                        _ = stopping.wait_for(|stop| *stop) => connection.as_mut().graceful_shutdown(),
                    }
                    // Errors of a client's connection are its own; nothing to report.
                    let _ = connection.await;
                });
            }
        }
    }
    let _ = stop.send(true);
    while connections.join_next().await.is_some() {}
    Ok(())
}

#[cfg(test)]
mod tests {
    use std::net::SocketAddr;

    use axum::routing::post;
    use tokio::io::{AsyncReadExt, AsyncWriteExt};
    use tokio::net::TcpStream;

    use super::*;

    const SECRET: &str = "s3cret_-X";
    const TIME_LIMIT: Duration = Duration::from_secs(20);

    /// A server behind the gate with `limits`: `/hook` reads the whole body (as teloxide's route
    /// does) and answers 200; `/hold` reports on the returned receiver that it was entered, and
    /// never answers.
    async fn server(
        limits: WebhookLimits,
    ) -> (SocketAddr, tokio::sync::mpsc::UnboundedReceiver<()>) {
        let (entered, entries) = tokio::sync::mpsc::unbounded_channel();
        let route = Router::new()
            .route(
                "/hook",
                post(|body: String| async move { body.len().to_string() }),
            )
            .route(
                "/hold",
                post(move || async move {
                    let _ = entered.send(());
                    std::future::pending::<()>().await;
                }),
            );
        let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
        let address = listener.local_addr().unwrap();
        tokio::spawn(async move {
            let router = guarded(route, SECRET, &limits);
            serve(listener, router, &limits, std::future::pending()).await
        });
        (address, entries)
    }

    async fn within_limit(test: impl std::future::Future<Output = ()>) {
        tokio::time::timeout(TIME_LIMIT, test)
            .await
            .expect("in time");
    }

    /// Sends `head` (request line and headers, without the blank line) and `body` on a new
    /// connection, and returns it.
    async fn send(address: SocketAddr, head: &str, body: &[u8]) -> TcpStream {
        let mut stream = TcpStream::connect(address).await.unwrap();
        stream
            .write_all(format!("{head}\r\n\r\n").as_bytes())
            .await
            .unwrap();
        stream.write_all(body).await.unwrap();
        stream
    }

    fn post_head(secret: &str, length: usize) -> String {
        format!(
            "POST /hook HTTP/1.1\r\nhost: x\r\ncontent-length: {length}\r\n{SECRET_HEADER}: {secret}"
        )
    }

    /// The status code of the response to `head` and `body` on a new connection.
    async fn status_of(address: SocketAddr, head: &str, body: &[u8]) -> String {
        status(&mut send(address, head, body).await).await
    }

    /// The status code of the response on `stream` ("" when it was closed without one).
    async fn status(stream: &mut TcpStream) -> String {
        let mut bytes = Vec::new();
        let mut buffer = [0; 512];
        while !bytes.windows(2).any(|w| w == b"\r\n") {
            match stream.read(&mut buffer).await {
                Ok(0) | Err(_) => break,
                Ok(n) => bytes.extend_from_slice(&buffer[..n]),
            }
        }
        let line = String::from_utf8_lossy(&bytes).into_owned();
        line.split(' ').nth(1).unwrap_or_default().to_string()
    }

    #[test]
    fn secrets_compare_whole() {
        assert!(same_secret(b"abc", b"abc"));
        assert!(!same_secret(b"abd", b"abc"));
        assert!(!same_secret(b"ab", b"abc"));
        assert!(!same_secret(b"", b"abc"));
    }

    #[tokio::test]
    async fn a_wrong_secret_is_refused_before_the_body_is_read() {
        within_limit(async {
            let (address, _entries) = server(WebhookLimits::default()).await;
            assert_eq!(
                status_of(address, &post_head(SECRET, 2), b"{}").await,
                "200"
            );
            // The body is announced and never sent: only a refusal before reading it answers.
            assert_eq!(
                status_of(address, &post_head("guess", 1000), b"").await,
                "401"
            );
            let head = "POST /hook HTTP/1.1\r\nhost: x\r\ncontent-length: 1000";
            assert_eq!(status_of(address, head, b"").await, "401");
        })
        .await;
    }

    #[tokio::test]
    async fn an_oversized_body_gets_413() {
        within_limit(async {
            let limits = WebhookLimits {
                body_bytes: 100,
                ..WebhookLimits::default()
            };
            let (address, _entries) = server(limits).await;
            assert_eq!(
                status_of(address, &post_head(SECRET, 1 << 30), b"").await,
                "413"
            );
            let chunked = format!(
                "POST /hook HTTP/1.1\r\nhost: x\r\ntransfer-encoding: chunked\r\n{SECRET_HEADER}: {SECRET}"
            );
            let body = format!("c8\r\n{}\r\n0\r\n\r\n", "x".repeat(200));
            assert_eq!(
                status_of(address, &chunked, body.as_bytes()).await,
                "413"
            );
        })
        .await;
    }

    #[tokio::test]
    async fn requests_over_the_concurrency_limit_get_503_and_slow_ones_time_out() {
        within_limit(async {
            let limits = WebhookLimits {
                concurrent: 2,
                request_timeout: Duration::from_millis(500),
                ..WebhookLimits::default()
            };
            let (address, mut entries) = server(limits).await;
            // Two requests that are never answered hold both permits.
            let hold = post_head(SECRET, 0).replace("/hook", "/hold");
            let mut slow = Vec::new();
            for _ in 0..2 {
                slow.push(send(address, &hold, b"").await);
                entries.recv().await.unwrap();
            }
            let mut third = send(address, &post_head(SECRET, 2), b"{}").await;
            assert_eq!(
                status(&mut third).await,
                "503",
                "refused at once, not queued"
            );
            for mut stream in slow {
                assert_eq!(status(&mut stream).await, "408");
            }
            assert_eq!(
                status_of(address, &post_head(SECRET, 2), b"{}").await,
                "200",
                "permits are given back"
            );
        })
        .await;
    }

    #[tokio::test]
    async fn a_connection_that_sends_no_headers_is_closed() {
        within_limit(async {
            let limits = WebhookLimits {
                header_timeout: Duration::from_millis(300),
                ..WebhookLimits::default()
            };
            let (address, _entries) = server(limits).await;
            let mut stream = TcpStream::connect(address).await.unwrap();
            stream
                .write_all(b"POST /hook HTTP/1.1\r\nhost:")
                .await
                .unwrap();
            let started = std::time::Instant::now();
            let code = status(&mut stream).await;
            assert!(code.is_empty() || code == "408", "{code}");
            assert!(started.elapsed() < Duration::from_secs(5));
        })
        .await;
    }
}
