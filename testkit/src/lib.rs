//! A real HTTP/1.1 server on `127.0.0.1:0` for tests, with counters so tests can check connection reuse.
//!
//! Routes (any method unless noted):
//! - `/` → 200 with a 100-byte body
//! - `/status/{code}` → that status, body `status {code}`
//! - `/delay/{ms}` → 200 after `ms` milliseconds
//! - `/redirect/{n}` → 302 to `/redirect/{n-1}`, `/redirect/0` → 302 to `/`
//! - `/set-cookie/{name}/{value}` → 200 with `Set-Cookie: name=value; Path=/`
//! - `/cookies` → 200, body = the request's `Cookie` header (empty if none)
//! - `/echo` → 200, JSON `{"method","path","query","headers":{name:value},"body"}`
//! - `/login` → 200, JSON `{"token":"tok-<n>","user":"<body>"}` where n counts logins
//! - `/private` → 200 `ok <token>` if `Authorization: Bearer tok-...`, else 401
//! - `/json` → 200, a fixed JSON document (for JSONPath tests)
//! - `/xml` → 200, a fixed XML document (for XPath tests)
//! - `/html` → 200, a fixed HTML page (for CSS-selector tests)
//! - `/bytes/{n}` → 200 with an `n`-byte body
//! - `/drop` → the connection is closed without any response (a failing service)
//! - anything else → 404 `Not Found`

pub mod browser;
pub mod moto;
pub mod tls;

use bytes::Bytes;
use http_body_util::{BodyExt, Full};
use hyper::body::Incoming;
use hyper::server::conn::http1;
use hyper::service::service_fn;
use hyper::{Request, Response, StatusCode};
use hyper_util::rt::TokioIo;
use std::net::SocketAddr;
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::Duration;
use tokio::net::TcpListener;

/// Counters the tests read.
#[derive(Debug, Default)]
pub struct Counters {
    pub connections: AtomicU64,
    pub requests: AtomicU64,
    logins: AtomicU64,
}

/// A running server; it stops when dropped (its task is aborted).
pub struct TestServer {
    pub addr: SocketAddr,
    pub counters: Arc<Counters>,
    task: Option<tokio::task::JoinHandle<()>>,
}

impl TestServer {
    /// Starts the server on the current tokio runtime.
    pub async fn start() -> TestServer {
        let listener = TcpListener::bind("127.0.0.1:0")
            .await
            .expect("bind 127.0.0.1:0");
        let addr = listener.local_addr().expect("local addr");
        let counters = Arc::new(Counters::default());
        let c = counters.clone();
        let task = tokio::spawn(async move {
            loop {
                let Ok((stream, _)) = listener.accept().await else {
                    continue;
                };
                c.connections.fetch_add(1, Ordering::Relaxed);
                let c = c.clone();
                tokio::spawn(async move {
                    let svc = service_fn(move |req| handle(req, c.clone()));
                    let _ = http1::Builder::new()
                        .serve_connection(TokioIo::new(stream), svc)
                        .await;
                });
            }
        });
        TestServer {
            addr,
            counters,
            task: Some(task),
        }
    }

    /// Starts the server on a background thread with its own runtime (for tests that are not async).
    pub fn start_background() -> TestServer {
        let (tx, rx) = std::sync::mpsc::channel();
        std::thread::spawn(move || {
            let rt = tokio::runtime::Builder::new_current_thread()
                .enable_all()
                .build()
                .expect("runtime");
            rt.block_on(async move {
                let server = TestServer::start().await;
                let addr = server.addr;
                let counters = server.counters.clone();
                tx.send((addr, counters)).expect("send addr");
                // Keep serving until the process ends.
                let _server = server;
                std::future::pending::<()>().await;
            });
        });
        let (addr, counters) = rx.recv().expect("server started");
        TestServer {
            addr,
            counters,
            task: None,
        }
    }

    /// `http://127.0.0.1:PORT` + path.
    pub fn url(&self, path: &str) -> String {
        format!("http://{}{}", self.addr, path)
    }

    pub fn requests(&self) -> u64 {
        self.counters.requests.load(Ordering::Relaxed)
    }

    pub fn connections(&self) -> u64 {
        self.counters.connections.load(Ordering::Relaxed)
    }
}

impl Drop for TestServer {
    fn drop(&mut self) {
        if let Some(task) = &self.task {
            task.abort();
        }
    }
}

pub(crate) type Body = Full<Bytes>;

fn reply(status: u16, body: impl Into<Bytes>) -> Response<Body> {
    Response::builder()
        .status(StatusCode::from_u16(status).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR))
        .body(Full::new(body.into()))
        .expect("valid response")
}

const HUNDRED: &[u8] = b"0123456789012345678901234567890123456789012345678901234567890123456789012345678901234567890123456789";

pub(crate) type HandlerError = Box<dyn std::error::Error + Send + Sync>;

pub(crate) async fn handle(
    req: Request<Incoming>,
    c: Arc<Counters>,
) -> Result<Response<Body>, HandlerError> {
    c.requests.fetch_add(1, Ordering::Relaxed);
    let path = req.uri().path().to_string();
    let query = req.uri().query().unwrap_or("").to_string();
    let parts: Vec<&str> = path.trim_start_matches('/').split('/').collect();
    let resp = match parts.as_slice() {
        [""] => reply(200, HUNDRED),
        ["status", code] => {
            let code: u16 = code.parse().unwrap_or(500);
            reply(code, format!("status {code}"))
        }
        ["bytes", n] => {
            let n: usize = n.parse().unwrap_or(0);
            reply(200, vec![b'x'; n])
        }
        ["drop"] => return Err("dropped on purpose".into()),
        ["delay", ms] => {
            let ms: u64 = ms.parse().unwrap_or(0);
            tokio::time::sleep(Duration::from_millis(ms)).await;
            reply(200, format!("slept {ms}"))
        }
        ["redirect", n] => {
            let n: u32 = n.parse().unwrap_or(0);
            let to = if n == 0 {
                "/".to_string()
            } else {
                format!("/redirect/{}", n - 1)
            };
            Response::builder()
                .status(302)
                .header("Location", to)
                .body(Full::new(Bytes::new()))
                .expect("valid response")
        }
        ["set-cookie", name, value] => Response::builder()
            .status(200)
            .header("Set-Cookie", format!("{name}={value}; Path=/"))
            .body(Full::new(Bytes::from_static(b"cookie set")))
            .expect("valid response"),
        ["cookies"] => {
            let cookie = header(&req, "cookie");
            reply(200, cookie)
        }
        ["echo"] => {
            let method = req.method().to_string();
            let mut headers = serde_json::Map::new();
            for (k, v) in req.headers() {
                headers.insert(k.to_string(), v.to_str().unwrap_or("").into());
            }
            let body = req.into_body().collect().await?.to_bytes();
            let doc = serde_json::json!({
                "method": method, "path": path, "query": query, "headers": headers,
                "body": String::from_utf8_lossy(&body),
            });
            let mut r = reply(200, doc.to_string());
            r.headers_mut()
                .insert("content-type", "application/json".parse().expect("hv"));
            r
        }
        ["login"] => {
            let n = c.logins.fetch_add(1, Ordering::Relaxed) + 1;
            let body = req.into_body().collect().await?.to_bytes();
            let doc = serde_json::json!({"token": format!("tok-{n}"), "user": String::from_utf8_lossy(&body)});
            let mut r = reply(200, doc.to_string());
            r.headers_mut()
                .insert("content-type", "application/json".parse().expect("hv"));
            r
        }
        ["private"] => {
            let auth = header(&req, "authorization");
            match auth.strip_prefix("Bearer tok-") {
                Some(t) if !t.is_empty() => reply(200, format!("ok tok-{t}")),
                _ => reply(401, "Unauthorized"),
            }
        }
        ["json"] => {
            let doc = r#"{"store":{"book":[{"title":"Sayings","price":8.95,"id":1},{"title":"Sword","price":12.99,"id":2}],"name":"shop"},"ok":true,"count":2,"nothing":null}"#;
            let mut r = reply(200, doc);
            r.headers_mut()
                .insert("content-type", "application/json".parse().expect("hv"));
            r
        }
        ["xml"] => {
            let doc = r#"<?xml version="1.0"?><catalog><book id="1"><title>Sayings</title></book><book id="2"><title>Sword</title></book></catalog>"#;
            let mut r = reply(200, doc);
            r.headers_mut()
                .insert("content-type", "application/xml".parse().expect("hv"));
            r
        }
        ["html"] => {
            let doc = r#"<html><head><title>Shop</title></head><body><form><input name="csrf" value="abc123"/></form><a class="item" href="/item/1">One</a><a class="item" href="/item/2">Two</a></body></html>"#;
            let mut r = reply(200, doc);
            r.headers_mut()
                .insert("content-type", "text/html".parse().expect("hv"));
            r
        }
        _ => reply(404, "Not Found"),
    };
    Ok(resp)
}

fn header(req: &Request<Incoming>, name: &str) -> String {
    req.headers()
        .get(name)
        .and_then(|v| v.to_str().ok())
        .unwrap_or("")
        .to_string()
}
