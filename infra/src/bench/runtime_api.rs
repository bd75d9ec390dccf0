//! A Lambda Runtime API on loopback for one function process: what Lambda's service serves to a
//! runtime (`/next`, `/response`, `/error`, `/init/error`), enough to time a cold start and each
//! invocation as Lambda counts them.

use anyhow::{Context, bail};
use http::{Method, Request, Response, StatusCode};
use http_body_util::{BodyExt, Full};
use hyper::body::{Bytes, Incoming};
use std::collections::HashMap;
use std::net::SocketAddr;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};
use tokio::sync::{Notify, mpsc, oneshot};
use tokio::task::JoinSet;

const PREFIX: &str = "/2018-06-01/runtime";

/// What the function answered: its response, or the error it reported.
#[derive(Debug)]
pub enum Outcome {
    Response(Bytes),
    Error(Bytes),
}

/// An answer, and how long the invocation took as Lambda counts it: from `/next` handing out
/// the event to the answer's arrival.
pub struct Answer {
    pub outcome: Outcome,
    pub duration: Duration,
}

struct Invocation {
    id: String,
    payload: Bytes,
    reply: oneshot::Sender<Answer>,
}

struct State {
    function_arn: String,
    /// The function's timeout, for the deadline each event carries.
    timeout: Duration,
    /// When the runtime first asked for work: the end of init.
    first_next: Mutex<Option<Instant>>,
    polled: Notify,
    init_error: Mutex<Option<Bytes>>,
    queue: tokio::sync::Mutex<mpsc::Receiver<Invocation>>,
    in_flight: Mutex<HashMap<String, (Instant, oneshot::Sender<Answer>)>>,
}

/// One process's Runtime API. Dropping it stops the server and every request it holds.
pub struct RuntimeApi {
    pub address: SocketAddr,
    state: Arc<State>,
    queue: mpsc::Sender<Invocation>,
    _server: JoinSet<()>,
}

impl RuntimeApi {
    pub async fn start(function_arn: String, timeout: Duration) -> anyhow::Result<Self> {
        let listener = tokio::net::TcpListener::bind(("127.0.0.1", 0)).await?;
        let address = listener.local_addr()?;
        let (queue, receiver) = mpsc::channel(1);
        let state = Arc::new(State {
            function_arn,
            timeout,
            first_next: Mutex::new(None),
            polled: Notify::new(),
            init_error: Mutex::new(None),
            queue: tokio::sync::Mutex::new(receiver),
            in_flight: Mutex::new(HashMap::new()),
        });
        let mut server = JoinSet::new();
        let accepting = state.clone();
        server.spawn(async move {
            let mut connections = JoinSet::new();
            while let Ok((stream, _)) = listener.accept().await {
                let state = accepting.clone();
                let service = hyper::service::service_fn(move |request| {
                    let state = state.clone();
                    async move { Ok::<_, std::convert::Infallible>(serve(&state, request).await) }
                });
                connections.spawn(async move {
                    let io = hyper_util::rt::TokioIo::new(stream);
                    if let Err(error) = hyper::server::conn::http1::Builder::new()
                        .serve_connection(io, service)
                        .await
                    {
                        tracing::debug!(%error, "runtime API connection closed");
                    }
                });
            }
        });
        Ok(Self {
            address,
            state,
            queue,
            _server: server,
        })
    }

    /// Waits until the runtime asks for its first invocation, and says when that was; an init
    /// error it reported is an error here.
    pub async fn first_next(&self) -> anyhow::Result<Instant> {
        loop {
            let polled = self.state.polled.notified();
            if let Some(error) = lock(&self.state.init_error).take() {
                bail!("init error: {}", String::from_utf8_lossy(&error));
            }
            if let Some(at) = *lock(&self.state.first_next) {
                return Ok(at);
            }
            polled.await;
        }
    }

    /// Hands the runtime one event and waits for what it answers.
    pub async fn invoke(&self, payload: Bytes) -> anyhow::Result<Answer> {
        let (reply, outcome) = oneshot::channel();
        let id = ulid::Ulid::new().to_string();
        self.queue
            .send(Invocation { id, payload, reply })
            .await
            .context("the runtime API stopped")?;
        outcome.await.context("the invocation was dropped")
    }
}

fn lock<T>(mutex: &Mutex<T>) -> std::sync::MutexGuard<'_, T> {
    mutex
        .lock()
        .unwrap_or_else(std::sync::PoisonError::into_inner)
}

async fn serve(state: &State, request: Request<Incoming>) -> Response<Full<Bytes>> {
    let path = request.uri().path().to_owned();
    let Some(route) = path.strip_prefix(PREFIX) else {
        return answer(StatusCode::NOT_FOUND, Bytes::new());
    };
    let method = request.method().clone();
    let body = match request.into_body().collect().await {
        Ok(body) => body.to_bytes(),
        Err(_) => return answer(StatusCode::BAD_REQUEST, Bytes::new()),
    };
    let segments: Vec<&str> = route.trim_start_matches('/').split('/').collect();
    match (method, segments.as_slice()) {
        (Method::GET, ["invocation", "next"]) => next(state).await,
        (Method::POST, ["invocation", id, "response"]) => {
            finish(state, id, Outcome::Response(body))
        }
        (Method::POST, ["invocation", id, "error"]) => finish(state, id, Outcome::Error(body)),
        (Method::POST, ["init", "error"]) => {
            *lock(&state.init_error) = Some(body);
            state.polled.notify_waiters();
            answer(StatusCode::ACCEPTED, Bytes::new())
        }
        _ => answer(StatusCode::NOT_FOUND, Bytes::new()),
    }
}

/// Long-polls for the next event, as Lambda's `/next` does.
async fn next(state: &State) -> Response<Full<Bytes>> {
    lock(&state.first_next).get_or_insert_with(Instant::now);
    state.polled.notify_waiters();
    let Some(invocation) = state.queue.lock().await.recv().await else {
        return answer(StatusCode::GONE, Bytes::new());
    };
    let deadline = SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map(|now| (now + state.timeout).as_millis())
        .unwrap_or_default();
    let response = Response::builder()
        .header("content-type", "application/json")
        .header("lambda-runtime-aws-request-id", &invocation.id)
        .header("lambda-runtime-deadline-ms", deadline.to_string())
        .header("lambda-runtime-invoked-function-arn", &state.function_arn)
        .header(
            "lambda-runtime-trace-id",
            format!("Root=1-00000000-{}", invocation.id),
        )
        .body(Full::new(invocation.payload));
    lock(&state.in_flight).insert(invocation.id, (Instant::now(), invocation.reply));
    response.unwrap_or_else(|_| answer(StatusCode::INTERNAL_SERVER_ERROR, Bytes::new()))
}

fn finish(state: &State, id: &str, outcome: Outcome) -> Response<Full<Bytes>> {
    match lock(&state.in_flight).remove(id) {
        Some((handed_out, reply)) => {
            let duration = handed_out.elapsed();
            // The bench may have given up on this invocation; nothing waits for it then.
            drop(reply.send(Answer { outcome, duration }));
            answer(StatusCode::ACCEPTED, Bytes::new())
        }
        None => answer(StatusCode::NOT_FOUND, Bytes::new()),
    }
}

fn answer(status: StatusCode, body: Bytes) -> Response<Full<Bytes>> {
    let mut response = Response::new(Full::new(body));
    *response.status_mut() = status;
    response
}
