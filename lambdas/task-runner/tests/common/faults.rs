//! A fault-injecting HTTP proxy in front of moto. moto always places every task RunTask asks for
//! and never throttles, so the runner's retry path needs ECS's failure answers from somewhere:
//! this proxy forwards every request to moto unchanged, except ECS `RunTask` calls (JSON protocol,
//! `X-Amz-Target: AmazonEC2ContainerServiceV20141113.RunTask`), which follow a script. The runner
//! reaches it through a real SDK client whose endpoint is the proxy, so requests, signatures and
//! error parsing are the SDK's own.

use std::collections::VecDeque;
use std::convert::Infallible;
use std::sync::{Arc, Mutex};
use std::time::Instant;

use bytes::Bytes;
use http_body_util::{BodyExt, Full};
use hyper::body::Incoming;
use hyper::header::{CONNECTION, CONTENT_LENGTH, HOST, TRANSFER_ENCODING};
use hyper::{Request, Response, StatusCode};
use hyper_util::rt::TokioIo;
use serde_json::{Value, json};
use tokio::net::{TcpListener, TcpStream};

const RUN_TASK: &str = "AmazonEC2ContainerServiceV20141113.RunTask";

/// What the proxy does with one RunTask call.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Fault {
    /// Pass the call to moto untouched.
    Forward,
    /// Answer 400 `ThrottlingException` (ECS's "Rate exceeded") without asking moto.
    Throttle,
    /// Ask moto for at most `placed` tasks and list the rest in `failures` with
    /// `RESOURCE:MEMORY`, as ECS does when it cannot place every task (`placed: 0` asks moto for
    /// nothing).
    Capacity { placed: u32 },
}

/// One RunTask call as the proxy saw it.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Call {
    /// The request's `count`.
    pub count: u32,
    pub fault: Fault,
    /// When the proxy received it.
    pub at: Instant,
}

struct Script {
    next: VecDeque<Fault>,
    then: Fault,
    calls: Vec<Call>,
}

pub struct FaultyEcs {
    /// `http://127.0.0.1:<port>`, for the ECS client's `endpoint_url`.
    pub endpoint: String,
    script: Arc<Mutex<Script>>,
    server: tokio::task::JoinHandle<()>,
}

impl Drop for FaultyEcs {
    fn drop(&mut self) {
        self.server.abort();
    }
}

impl FaultyEcs {
    /// Starts the proxy in front of `moto` (`host:port`): RunTask calls take the faults of
    /// `script` in order, then `then` for good.
    pub async fn start(moto: &str, script: &[Fault], then: Fault) -> FaultyEcs {
        let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
        let endpoint = format!("http://{}", listener.local_addr().unwrap());
        let script = Arc::new(Mutex::new(Script {
            next: script.iter().copied().collect(),
            then,
            calls: Vec::new(),
        }));
        let moto = moto.trim_start_matches("http://").to_owned();
        let shared = script.clone();
        let server = tokio::spawn(async move {
            while let Ok((conn, _)) = listener.accept().await {
                let (script, moto) = (shared.clone(), moto.clone());
                tokio::spawn(async move {
                    let service = hyper::service::service_fn(move |req| {
                        let (script, moto) = (script.clone(), moto.clone());
                        async move { Ok::<_, Infallible>(answer(req, &script, &moto).await) }
                    });
                    let _ = hyper::server::conn::http1::Builder::new()
                        .serve_connection(TokioIo::new(conn), service)
                        .await;
                });
            }
        });
        FaultyEcs {
            endpoint,
            script,
            server,
        }
    }

    /// Every RunTask call so far, in order.
    pub fn calls(&self) -> Vec<Call> {
        self.script.lock().unwrap().calls.clone()
    }
}

fn reply(status: StatusCode, body: &Value) -> Response<Full<Bytes>> {
    Response::builder()
        .status(status)
        .header("content-type", "application/x-amz-json-1.1")
        .body(Full::new(Bytes::from(body.to_string())))
        .unwrap()
}

async fn answer(
    req: Request<Incoming>,
    script: &Mutex<Script>,
    moto: &str,
) -> Response<Full<Bytes>> {
    let (parts, body) = req.into_parts();
    let body = body.collect().await.unwrap().to_bytes();
    let is_run_task = parts
        .headers
        .get("x-amz-target")
        .is_some_and(|t| t.as_bytes() == RUN_TASK.as_bytes());
    if !is_run_task {
        return forward(parts, body, moto).await;
    }
    let mut request: Value = serde_json::from_slice(&body).unwrap();
    let count = request["count"].as_u64().unwrap_or(1) as u32;
    let fault = {
        let mut s = script.lock().unwrap();
        let fault = s.next.pop_front().unwrap_or(s.then);
        s.calls.push(Call {
            count,
            fault,
            at: Instant::now(),
        });
        fault
    };
    match fault {
        Fault::Forward => forward(parts, body, moto).await,
        Fault::Throttle => reply(
            StatusCode::BAD_REQUEST,
            &json!({"__type": "ThrottlingException", "message": "Rate exceeded"}),
        ),
        Fault::Capacity { placed } => {
            let placed = placed.min(count);
            let mut out = if placed == 0 {
                json!({"tasks": [], "failures": []})
            } else {
                request["count"] = json!(placed);
                let moto_reply = forward(parts, Bytes::from(request.to_string()), moto).await;
                let bytes = moto_reply.into_body().collect().await.unwrap().to_bytes();
                serde_json::from_slice(&bytes).unwrap()
            };
            let failures = out["failures"].as_array_mut().unwrap();
            for i in placed..count {
                failures.push(json!({
                    "arn": format!("arn:aws:ecs:us-east-1:123456789012:container-instance/fault-{i}"),
                    "reason": "RESOURCE:MEMORY",
                }));
            }
            reply(StatusCode::OK, &out)
        }
    }
}

/// The request as it came, to moto; moto's answer as it came (its length recomputed).
async fn forward(
    mut parts: hyper::http::request::Parts,
    body: Bytes,
    moto: &str,
) -> Response<Full<Bytes>> {
    let stream = TcpStream::connect(moto).await.expect("moto answers");
    let (mut sender, conn) = hyper::client::conn::http1::handshake(TokioIo::new(stream))
        .await
        .unwrap();
    tokio::spawn(conn);
    for h in [CONTENT_LENGTH, CONNECTION, TRANSFER_ENCODING] {
        parts.headers.remove(h);
    }
    parts.headers.insert(HOST, moto.parse().unwrap());
    parts
        .headers
        .insert(CONTENT_LENGTH, body.len().to_string().parse().unwrap());
    let res = sender
        .send_request(Request::from_parts(parts, Full::new(body)))
        .await
        .unwrap();
    let (mut parts, body) = res.into_parts();
    let body = body.collect().await.unwrap().to_bytes();
    for h in [CONTENT_LENGTH, CONNECTION, TRANSFER_ENCODING] {
        parts.headers.remove(h);
    }
    Response::from_parts(parts, Full::new(body))
}
