//! The HTTP client against a real server on 127.0.0.1:0: keep-alive, timings, errors, redirects,
//! cookies, bodies.

use http::{HeaderName, HeaderValue, Method};
use stampede_http::{Client, ClientConfig, ErrorKind, RequestParts, Response, TransportError};
use std::time::Duration;
use testkit::TestServer;

async fn send(
    c: &mut Client,
    method: &Method,
    url: &str,
    headers: &[(HeaderName, HeaderValue)],
    body: &[u8],
    timeout: Duration,
) -> Result<Response, TransportError> {
    let follow = c.config().follow_redirects;
    c.send(&RequestParts {
        method,
        url,
        headers,
        body,
        timeout,
        follow_redirects: follow,
        want_body: true,
        want_headers: true,
    })
    .await
}

async fn get(c: &mut Client, url: &str) -> Result<Response, TransportError> {
    send(c, &Method::GET, url, &[], b"", Duration::from_secs(5)).await
}

#[tokio::test]
async fn keepalive_reuses_one_connection_and_connect_is_zero_after_first() {
    let srv = TestServer::start().await;
    let mut c = Client::new(ClientConfig::default());
    let mut connects = Vec::new();
    for _ in 0..5 {
        let r = get(&mut c, &srv.url("/")).await.unwrap();
        assert_eq!(r.status, 200);
        assert_eq!(r.body.len(), 100);
        assert!(r.timing.latency <= r.timing.elapsed);
        assert!(r.timing.connect <= r.timing.latency);
        connects.push(r.timing.connect);
    }
    assert_eq!(srv.connections(), 1);
    assert!(connects[0] > Duration::ZERO);
    assert!(connects[1..].iter().all(|c| c.is_zero()), "{connects:?}");
}

#[tokio::test]
async fn keepalive_off_opens_a_connection_per_request() {
    let srv = TestServer::start().await;
    let cfg = ClientConfig {
        keepalive: false,
        ..ClientConfig::default()
    };
    let mut c = Client::new(cfg);
    for _ in 0..3 {
        let r = get(&mut c, &srv.url("/")).await.unwrap();
        assert!(r.timing.connect > Duration::ZERO);
    }
    assert_eq!(srv.connections(), 3);
}

#[tokio::test]
async fn bytes_count_headers_and_body() {
    let srv = TestServer::start().await;
    let mut c = Client::new(ClientConfig::default());
    let r = get(&mut c, &srv.url("/bytes/1000")).await.unwrap();
    assert_eq!(r.body.len(), 1000);
    // "HTTP/1.1 200 OK\r\n" + content-length + date + "\r\n" + body
    let head: u64 = 17
        + r.headers
            .iter()
            .map(|(n, v)| (n.as_str().len() + v.len() + 4) as u64)
            .sum::<u64>()
        + 2;
    assert_eq!(r.bytes, head + 1000);
    assert!(r.sent_bytes > 20);
    // Discarded bodies are still counted.
    let parts = RequestParts {
        method: &Method::GET,
        url: &srv.url("/bytes/500"),
        headers: &[],
        body: b"",
        timeout: Duration::from_secs(5),
        follow_redirects: true,
        want_body: false,
        want_headers: false,
    };
    let r = c.send(&parts).await.unwrap();
    assert!(r.body.is_empty());
    assert!(r.bytes > 500);
}

#[tokio::test]
async fn statuses_are_responses_not_errors() {
    let srv = TestServer::start().await;
    let mut c = Client::new(ClientConfig::default());
    for code in [404u16, 500, 503] {
        let r = get(&mut c, &srv.url(&format!("/status/{code}")))
            .await
            .unwrap();
        assert_eq!(r.status, code);
    }
}

#[tokio::test]
async fn refused_connection_is_jmeters_connect_exception() {
    let port = {
        let l = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
        l.local_addr().unwrap().port()
    };
    let mut c = Client::new(ClientConfig::default());
    let e = get(&mut c, &format!("http://127.0.0.1:{port}/x"))
        .await
        .unwrap_err();
    assert_eq!(e.kind, ErrorKind::ConnectRefused);
    assert_eq!(e.kind.rc_name(), "ConnectException");
    assert_eq!(
        e.message().to_string(),
        "Non HTTP response message: Connection refused"
    );
    assert_eq!(
        e.kind.response_code(),
        "Non HTTP response code: java.net.ConnectException"
    );
}

#[tokio::test]
async fn unknown_host() {
    let mut c = Client::new(ClientConfig::default());
    let e = get(&mut c, "http://no-such-host.invalid/")
        .await
        .unwrap_err();
    assert_eq!(e.kind, ErrorKind::UnknownHost);
    assert_eq!(e.kind.rc_name(), "UnknownHostException");
    assert_eq!(
        e.message().to_string(),
        "Non HTTP response message: no-such-host.invalid: Name or service not known"
    );
}

#[tokio::test]
async fn response_timeout_is_socket_timeout() {
    let srv = TestServer::start().await;
    let mut c = Client::new(ClientConfig::default());
    // A request with a long timeout first: the shorter deadline after it must still apply.
    assert_eq!(get(&mut c, &srv.url("/")).await.unwrap().status, 200);
    let t0 = std::time::Instant::now();
    let e = send(
        &mut c,
        &Method::GET,
        &srv.url("/delay/2000"),
        &[],
        b"",
        Duration::from_millis(150),
    )
    .await
    .unwrap_err();
    assert_eq!(e.kind, ErrorKind::ResponseTimeout);
    assert_eq!(e.kind.rc_name(), "SocketTimeoutException");
    assert_eq!(
        e.message().to_string(),
        "Non HTTP response message: Read timed out"
    );
    assert!(t0.elapsed() < Duration::from_millis(1000));
    assert!(e.timing.elapsed >= Duration::from_millis(150));
    // The client recovers on a new connection.
    assert_eq!(get(&mut c, &srv.url("/")).await.unwrap().status, 200);
}

#[tokio::test]
async fn no_response_is_no_http_response_exception() {
    let srv = TestServer::start().await;
    let mut c = Client::new(ClientConfig::default());
    let e = get(&mut c, &srv.url("/drop")).await.unwrap_err();
    assert_eq!(e.kind, ErrorKind::NoHttpResponse, "{e:?}");
    assert_eq!(e.kind.rc_name(), "NoHttpResponseException");
    assert_eq!(
        e.message().to_string(),
        format!("Non HTTP response message: {} failed to respond", srv.addr)
    );
}

#[tokio::test]
async fn redirects_followed_or_not() {
    let srv = TestServer::start().await;
    let mut c = Client::new(ClientConfig::default());
    let r = get(&mut c, &srv.url("/redirect/3")).await.unwrap();
    assert_eq!(r.status, 200);
    assert_eq!(r.body.len(), 100);
    assert_eq!(srv.requests(), 5);
    let e = get(&mut c, &srv.url("/redirect/25")).await.unwrap_err();
    assert_eq!(e.kind, ErrorKind::TooManyRedirects);
    assert_eq!(e.kind.rc_name(), "IOException");
    let cfg = ClientConfig {
        follow_redirects: false,
        ..ClientConfig::default()
    };
    let mut c = Client::new(cfg);
    let r = get(&mut c, &srv.url("/redirect/3")).await.unwrap();
    assert_eq!(r.status, 302);
    assert_eq!(r.headers["location"], "/redirect/2");
}

#[tokio::test]
async fn cookies_are_kept_per_user() {
    let srv = TestServer::start().await;
    let mut a = Client::new(ClientConfig::default());
    let mut b = Client::new(ClientConfig::default());
    get(&mut a, &srv.url("/set-cookie/sid/abc")).await.unwrap();
    get(&mut a, &srv.url("/set-cookie/k/v")).await.unwrap();
    let r = get(&mut a, &srv.url("/cookies")).await.unwrap();
    assert_eq!(&r.body[..], b"sid=abc; k=v");
    let r = get(&mut b, &srv.url("/cookies")).await.unwrap();
    assert_eq!(&r.body[..], b"");
    let cfg = ClientConfig {
        store_cookies: false,
        ..ClientConfig::default()
    };
    let mut off = Client::new(cfg);
    get(&mut off, &srv.url("/set-cookie/sid/abc"))
        .await
        .unwrap();
    assert_eq!(
        &get(&mut off, &srv.url("/cookies")).await.unwrap().body[..],
        b""
    );
}

#[tokio::test]
async fn method_headers_and_body_are_sent() {
    let srv = TestServer::start().await;
    let mut c = Client::new(ClientConfig::default());
    let headers = [(
        HeaderName::from_static("x-test"),
        HeaderValue::from_static("yes"),
    )];
    let r = send(
        &mut c,
        &Method::POST,
        &srv.url("/echo?q=1"),
        &headers,
        br#"{"a":1}"#,
        Duration::from_secs(5),
    )
    .await
    .unwrap();
    let doc: serde_json::Value = serde_json::from_slice(&r.body).unwrap();
    assert_eq!(doc["method"], "POST");
    assert_eq!(doc["query"], "q=1");
    assert_eq!(doc["body"], r#"{"a":1}"#);
    assert_eq!(doc["headers"]["x-test"], "yes");
    assert_eq!(doc["headers"]["content-length"], "7");
    assert_eq!(doc["headers"]["host"], srv.addr.to_string());
}

#[tokio::test]
async fn ipv6_loopback() {
    let Ok(l) = tokio::net::TcpListener::bind("[::1]:0").await else {
        panic!("this machine has no IPv6 loopback; the test needs ::1");
    };
    let addr = l.local_addr().unwrap();
    tokio::spawn(async move {
        let (mut s, _) = l.accept().await.unwrap();
        use tokio::io::{AsyncReadExt, AsyncWriteExt};
        let mut buf = [0u8; 1024];
        let _ = s.read(&mut buf).await.unwrap();
        s.write_all(b"HTTP/1.1 204 No Content\r\n\r\n")
            .await
            .unwrap();
    });
    let mut c = Client::new(ClientConfig::default());
    let r = get(&mut c, &format!("http://[::1]:{}/", addr.port()))
        .await
        .unwrap();
    assert_eq!(r.status, 204);
}

#[tokio::test]
async fn refused_connection_matches_the_taurus_reference() {
    let path = concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/../../fixtures/engine/err-closed-port.kpi.jtl"
    );
    let text = std::fs::read_to_string(path).unwrap();
    let mut lines = text.lines();
    let header: Vec<&str> = lines.next().unwrap().split(',').collect();
    let row: Vec<&str> = lines.next().unwrap().split(',').collect();
    let col = |name: &str| row[header.iter().position(|h| *h == name).unwrap()];
    let port = {
        let l = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
        l.local_addr().unwrap().port()
    };
    let mut c = Client::new(ClientConfig::default());
    let e = get(&mut c, &format!("http://127.0.0.1:{port}/index.html"))
        .await
        .unwrap_err();
    assert_eq!(e.kind.response_code(), col("responseCode"));
    assert_eq!(e.message().to_string(), col("responseMessage"));
    assert_eq!(col("success"), "false");
    // Taurus's JTL reader keeps the last dotted segment of an rc ending in "Exception".
    let short = col("responseCode").rsplit('.').next().unwrap();
    assert_eq!(e.kind.rc_name(), short);
}

#[tokio::test]
async fn server_reason_phrase_is_kept() {
    let l = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = l.local_addr().unwrap();
    tokio::spawn(async move {
        let (mut s, _) = l.accept().await.unwrap();
        use tokio::io::{AsyncReadExt, AsyncWriteExt};
        let mut buf = [0u8; 1024];
        let _ = s.read(&mut buf).await.unwrap();
        let resp = b"HTTP/1.1 404 File not found\r\nContent-Length: 3\r\n\r\nabc";
        s.write_all(resp).await.unwrap();
    });
    let mut c = Client::new(ClientConfig::default());
    let r = get(&mut c, &format!("http://{addr}/missing.html"))
        .await
        .unwrap();
    assert_eq!(r.status, 404);
    assert_eq!(r.reason(), "File not found");
    assert_eq!(
        r.bytes,
        29 + 19 + 2 + 3,
        "status line, header, blank line, body"
    );
}
