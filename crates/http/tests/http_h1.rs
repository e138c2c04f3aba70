//! Our HTTP/1.1 codec against scripted servers on 127.0.0.1:0 that answer with exact bytes: body
//! framings (length, chunked, until close, none), 1xx heads, HEAD, reuse and retry, bad responses.

use http::Method;
use stampede_http::{Client, ClientConfig, ErrorKind, RequestParts, Response, TransportError};
use std::net::SocketAddr;
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::Duration;
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::{TcpListener, TcpStream};

/// What the server does with one request.
#[derive(Clone)]
enum Step {
    /// Write these pieces (with a short pause between them), keep the connection.
    Reply(Vec<&'static [u8]>),
    /// Write this and close the connection.
    ReplyClose(&'static [u8]),
}

struct Scripted {
    addr: SocketAddr,
    connections: Arc<AtomicUsize>,
}

/// Answers the n-th request (over all connections) with `steps[n]`.
async fn scripted(steps: Vec<Step>) -> Scripted {
    let l = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = l.local_addr().unwrap();
    let connections = Arc::new(AtomicUsize::new(0));
    let conns = connections.clone();
    let steps = Arc::new(steps);
    let next = Arc::new(AtomicUsize::new(0));
    tokio::spawn(async move {
        while let Ok((s, _)) = l.accept().await {
            conns.fetch_add(1, Ordering::SeqCst);
            tokio::spawn(serve(s, steps.clone(), next.clone()));
        }
    });
    Scripted { addr, connections }
}

async fn serve(mut s: TcpStream, steps: Arc<Vec<Step>>, next: Arc<AtomicUsize>) {
    let mut buf = Vec::new();
    loop {
        // One request: the head, then a content-length body if any.
        let end = loop {
            if let Some(i) = buf.windows(4).position(|w| w == b"\r\n\r\n") {
                break i + 4;
            }
            let mut chunk = [0u8; 4096];
            match s.read(&mut chunk).await {
                Ok(0) | Err(_) => return,
                Ok(n) => buf.extend_from_slice(&chunk[..n]),
            }
        };
        let head = String::from_utf8_lossy(&buf[..end]).to_ascii_lowercase();
        let len: usize = head
            .lines()
            .find_map(|l| l.strip_prefix("content-length: "))
            .map_or(0, |v| v.trim().parse().unwrap());
        while buf.len() < end + len {
            let mut chunk = [0u8; 4096];
            match s.read(&mut chunk).await {
                Ok(0) | Err(_) => return,
                Ok(n) => buf.extend_from_slice(&chunk[..n]),
            }
        }
        buf.drain(..end + len);
        let Some(step) = steps.get(next.fetch_add(1, Ordering::SeqCst)) else {
            return;
        };
        match step {
            Step::Reply(pieces) => {
                for p in pieces {
                    s.write_all(p).await.unwrap();
                    tokio::time::sleep(Duration::from_millis(5)).await;
                }
            }
            Step::ReplyClose(bytes) => {
                let _ = s.write_all(bytes).await;
                return;
            }
        }
    }
}

async fn request(
    c: &mut Client,
    method: Method,
    url: &str,
    want_headers: bool,
) -> Result<Response, TransportError> {
    let timeout = Duration::from_secs(5);
    request_with(c, method, url, &[], timeout, want_headers).await
}

fn url(s: &Scripted) -> String {
    format!("http://{}/", s.addr)
}

#[tokio::test]
async fn chunked_bodies_split_across_reads_are_decoded_and_the_connection_kept() {
    let head: &[u8] = b"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n";
    let body: [&[u8]; 4] = [
        b"5;x=1\r\nhel",
        b"lo\r\n1",
        b"A\r\nabcdefghijklmnopqrstuvwxyz\r\n",
        b"0\r\nX-T: 1\r\n\r\n",
    ];
    let srv = scripted(vec![
        Step::Reply([&[head][..], &body[..]].concat()),
        Step::Reply(vec![b"HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok"]),
    ])
    .await;
    let mut c = Client::new(ClientConfig::default());
    let r = request(&mut c, Method::GET, &url(&srv), false)
        .await
        .unwrap();
    assert_eq!(&r.body[..], b"helloabcdefghijklmnopqrstuvwxyz");
    let wire: usize = body.iter().map(|p| p.len()).sum();
    assert_eq!(
        r.bytes,
        (head.len() + wire) as u64,
        "JMeter counts the body as received, chunk framing included"
    );
    let r = request(&mut c, Method::GET, &url(&srv), false)
        .await
        .unwrap();
    assert_eq!(&r.body[..], b"ok");
    assert_eq!(srv.connections.load(Ordering::SeqCst), 1);
    assert!(r.timing.connect.is_zero());
}

#[tokio::test]
async fn head_1xx_204_have_no_body_and_keep_the_connection() {
    let (cont, created): (&[u8], &[u8]) = (
        b"HTTP/1.1 100 Continue\r\n\r\n",
        b"HTTP/1.1 201 Created\r\nContent-Length: 1\r\n\r\n",
    );
    let srv = scripted(vec![
        Step::Reply(vec![b"HTTP/1.1 200 OK\r\nContent-Length: 100\r\n\r\n"]),
        Step::Reply(vec![cont, created, b"x"]),
        Step::Reply(vec![b"HTTP/1.1 204 No Content\r\n\r\n"]),
        Step::Reply(vec![b"HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok"]),
    ])
    .await;
    let mut c = Client::new(ClientConfig::default());
    let r = request(&mut c, Method::HEAD, &url(&srv), false)
        .await
        .unwrap();
    assert_eq!((r.status, r.body.len()), (200, 0));
    let r = request(&mut c, Method::GET, &url(&srv), false)
        .await
        .unwrap();
    assert_eq!((r.status, &r.body[..]), (201, &b"x"[..]));
    assert_eq!(
        r.bytes,
        (cont.len() + created.len() + 1) as u64,
        "the 1xx head counts too"
    );
    let r = request(&mut c, Method::GET, &url(&srv), false)
        .await
        .unwrap();
    assert_eq!(r.status, 204);
    let r = request(&mut c, Method::GET, &url(&srv), false)
        .await
        .unwrap();
    assert_eq!(&r.body[..], b"ok");
    assert_eq!(srv.connections.load(Ordering::SeqCst), 1);
}

#[tokio::test]
async fn a_body_without_length_is_read_until_close() {
    let srv = scripted(vec![
        Step::ReplyClose(b"HTTP/1.1 200 OK\r\nContent-Type: text/plain\r\n\r\nall of it"),
        Step::ReplyClose(b"HTTP/1.0 200 OK\r\nContent-Length: 3\r\n\r\nold"),
        Step::Reply(vec![b"HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok"]),
    ])
    .await;
    let mut c = Client::new(ClientConfig::default());
    let r = request(&mut c, Method::GET, &url(&srv), false)
        .await
        .unwrap();
    assert_eq!(&r.body[..], b"all of it");
    let r = request(&mut c, Method::GET, &url(&srv), false)
        .await
        .unwrap();
    assert_eq!(
        (&r.body[..], r.version),
        (&b"old"[..], http::Version::HTTP_10)
    );
    let r = request(&mut c, Method::GET, &url(&srv), false)
        .await
        .unwrap();
    assert!(
        r.timing.connect > Duration::ZERO,
        "HTTP/1.0 without keep-alive is not reused"
    );
    assert_eq!(srv.connections.load(Ordering::SeqCst), 3);
}

#[tokio::test]
async fn a_kept_connection_closed_by_the_server_is_retried_once_on_a_new_one() {
    let srv = scripted(vec![
        Step::ReplyClose(b"HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok"),
        Step::Reply(vec![b"HTTP/1.1 200 OK\r\nContent-Length: 3\r\n\r\nnew"]),
    ])
    .await;
    let mut c = Client::new(ClientConfig::default());
    request(&mut c, Method::GET, &url(&srv), false)
        .await
        .unwrap();
    // The server's FIN may or may not have arrived: either way the request must succeed.
    tokio::time::sleep(Duration::from_millis(20)).await;
    let r = request(&mut c, Method::GET, &url(&srv), false)
        .await
        .unwrap();
    assert_eq!(&r.body[..], b"new");
    assert!(r.timing.connect > Duration::ZERO);
    assert_eq!(srv.connections.load(Ordering::SeqCst), 2);
}

#[tokio::test]
async fn truncated_and_malformed_responses_are_errors_with_httpclients_messages() {
    let srv = scripted(vec![
        Step::ReplyClose(b"HTTP/1.1 200 OK\r\nContent-Length: 10\r\n\r\nabc"),
        Step::ReplyClose(b"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n5\r\nab"),
        Step::ReplyClose(b"SMTP ready\r\n\r\n"),
        Step::ReplyClose(b"HTTP/1.1 200 OK\r\nContent-Length: x\r\n\r\n"),
    ])
    .await;
    let mut c = Client::new(ClientConfig::default());
    let expect = [
        "Premature end of Content-Length delimited message body (expected: 10; received: 3)",
        "Truncated chunk (expected size: 5; actual size: 2)",
        "Invalid HTTP response head: invalid HTTP version",
        "Invalid Content-Length header",
    ];
    for want in expect {
        let e = request(&mut c, Method::GET, &url(&srv), false)
            .await
            .unwrap_err();
        assert_eq!(e.kind, ErrorKind::Other);
        assert_eq!(
            e.message().to_string(),
            format!("Non HTTP response message: {want}")
        );
    }
}

#[tokio::test]
async fn headers_are_kept_only_when_asked_but_cookies_and_redirects_always_work() {
    let srv = scripted(vec![
        Step::Reply(vec![b"HTTP/1.1 302 Found\r\nLocation: /next\r\nSet-Cookie: sid=1\r\nContent-Length: 0\r\n\r\n"]),
        Step::Reply(vec![b"HTTP/1.1 200 OK\r\nX-A: 1\r\nContent-Length: 2\r\n\r\nok"]),
        Step::Reply(vec![b"HTTP/1.1 200 OK\r\nX-A: 2\r\nContent-Length: 2\r\n\r\nok"]),
    ])
    .await;
    let mut c = Client::new(ClientConfig::default());
    let r = request(&mut c, Method::GET, &url(&srv), false)
        .await
        .unwrap();
    assert_eq!(r.status, 200, "the redirect was followed");
    assert!(r.headers.is_empty(), "{:?}", r.headers);
    assert!(
        !c.cookies_mut().is_empty(),
        "Set-Cookie stored without a header map"
    );
    let r = request(&mut c, Method::GET, &url(&srv), true)
        .await
        .unwrap();
    assert_eq!(r.headers["x-a"], "2");
    assert_eq!(r.headers["content-length"], "2");
}

#[tokio::test]
async fn a_large_body_is_read_whole() {
    static BODY: std::sync::OnceLock<Vec<u8>> = std::sync::OnceLock::new();
    let body = BODY.get_or_init(|| {
        let mut v = format!("HTTP/1.1 200 OK\r\nContent-Length: {}\r\n\r\n", 1 << 20).into_bytes();
        v.extend((0..1u32 << 20).map(|i| (i % 251) as u8));
        v
    });
    let srv = scripted(vec![
        Step::Reply(vec![&body[..]]),
        Step::Reply(vec![&body[..]]),
    ])
    .await;
    let mut c = Client::new(ClientConfig::default());
    for _ in 0..2 {
        let r = request(&mut c, Method::GET, &url(&srv), false)
            .await
            .unwrap();
        assert_eq!(r.body.len(), 1 << 20);
        assert!(
            r.body
                .iter()
                .enumerate()
                .all(|(i, b)| *b == (i % 251) as u8)
        );
    }
    assert_eq!(srv.connections.load(Ordering::SeqCst), 1);
}

/// One request with the body kept, as a scenario with extractors sends it.
async fn request_with(
    c: &mut Client,
    method: Method,
    url: &str,
    headers: &[(http::HeaderName, http::HeaderValue)],
    timeout: Duration,
    want_headers: bool,
) -> Result<Response, TransportError> {
    c.send(&RequestParts {
        method: &method,
        url,
        headers,
        body: b"",
        timeout,
        follow_redirects: true,
        want_body: true,
        want_headers,
    })
    .await
}

#[tokio::test]
async fn a_post_that_got_no_answer_is_not_sent_again() {
    let srv = scripted(vec![
        Step::ReplyClose(b"HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok"),
        Step::Reply(vec![b"HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok"]),
    ])
    .await;
    let mut c = Client::new(ClientConfig::default());
    request(&mut c, Method::GET, &url(&srv), false)
        .await
        .unwrap();
    tokio::time::sleep(Duration::from_millis(20)).await;
    // The server closed the kept connection: a GET would be retried, a POST is not (it may have
    // been acted on), as HttpClient does.
    let e = request(&mut c, Method::POST, &url(&srv), false)
        .await
        .unwrap_err();
    assert_eq!(e.kind, ErrorKind::NoHttpResponse, "{e:?}");
    assert_eq!(srv.connections.load(Ordering::SeqCst), 1);
    let r = request(&mut c, Method::POST, &url(&srv), false)
        .await
        .unwrap();
    assert_eq!(&r.body[..], b"ok");
}

#[tokio::test]
async fn timeout_zero_means_no_timeout_as_in_jmeter() {
    let srv = scripted(vec![Step::Reply(vec![
        b"HTTP/1.1 200 OK\r\n",
        b"Content-Length: 2\r\n\r\n",
        b"ok",
    ])])
    .await;
    let mut c = Client::new(ClientConfig {
        connect_timeout: Duration::ZERO,
        ..ClientConfig::default()
    });
    let r = request_with(&mut c, Method::GET, &url(&srv), &[], Duration::ZERO, true)
        .await
        .unwrap();
    assert_eq!(&r.body[..], b"ok");
    assert!(
        r.timing.elapsed >= Duration::from_millis(10),
        "the reply came in pieces"
    );
}

#[tokio::test]
async fn early_hints_fields_are_not_the_responses_and_many_fields_are_fine() {
    static MANY: std::sync::OnceLock<Vec<u8>> = std::sync::OnceLock::new();
    let many = MANY.get_or_init(|| {
        let mut v = b"HTTP/1.1 200 OK\r\n".to_vec();
        for i in 0..150 {
            v.extend(format!("Set-Cookie: c{i}=v{i}\r\n").bytes());
        }
        v.extend(b"Content-Length: 2\r\n\r\nok");
        v
    });
    let srv = scripted(vec![
        Step::Reply(vec![
            b"HTTP/1.1 103 Early Hints\r\nLink: </a.css>\r\nSet-Cookie: early=1\r\n\r\n",
            b"HTTP/1.1 200 OK\r\nX-Final: 1\r\nContent-Length: 0\r\n\r\n",
        ]),
        Step::Reply(vec![&many[..]]),
        Step::Reply(vec![b"HTTP/1.1 200 OK\r\nContent-Length: 0\r\n\r\n"]),
    ])
    .await;
    let mut c = Client::new(ClientConfig::default());
    let r = request(&mut c, Method::GET, &url(&srv), true)
        .await
        .unwrap();
    assert_eq!(r.headers["x-final"], "1");
    assert!(r.headers.get("link").is_none());
    assert!(
        c.cookies_mut().is_empty(),
        "a 1xx head's Set-Cookie is dropped"
    );
    let r = request(&mut c, Method::GET, &url(&srv), true)
        .await
        .unwrap();
    assert_eq!(r.headers.get_all("set-cookie").iter().count(), 150);
    assert!(!c.cookies_mut().is_empty());
    request(&mut c, Method::GET, &url(&srv), false)
        .await
        .unwrap();
    assert_eq!(
        srv.connections.load(Ordering::SeqCst),
        1,
        "kept after a 150-field head"
    );
}

#[tokio::test]
async fn a_scenarios_connection_close_is_honoured_and_a_trailer_cut_short_is_fine() {
    let srv = scripted(vec![
        Step::Reply(vec![b"HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok"]),
        Step::ReplyClose(b"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n2\r\nok\r\n0\r\n"),
        Step::Reply(vec![b"HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok"]),
    ])
    .await;
    let mut c = Client::new(ClientConfig::default());
    let close = [(
        http::header::CONNECTION,
        http::HeaderValue::from_static("close"),
    )];
    request_with(
        &mut c,
        Method::GET,
        &url(&srv),
        &close,
        Duration::from_secs(5),
        true,
    )
    .await
    .unwrap();
    let r = request(&mut c, Method::GET, &url(&srv), false)
        .await
        .unwrap();
    assert!(
        r.timing.connect > Duration::ZERO,
        "a new connection after Connection: close"
    );
    assert_eq!(
        &r.body[..],
        b"ok",
        "the closing chunk arrived; the trailer's end need not"
    );
    let r = request(&mut c, Method::GET, &url(&srv), false)
        .await
        .unwrap();
    assert!(r.timing.connect > Duration::ZERO);
    assert_eq!(srv.connections.load(Ordering::SeqCst), 3);
}

#[tokio::test]
async fn a_gzip_body_is_read_decoded_and_counted_as_received() {
    use std::io::Write;
    static RESP: std::sync::OnceLock<(Vec<u8>, usize)> = std::sync::OnceLock::new();
    let (resp, gz_len) = RESP.get_or_init(|| {
        let mut gz = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::default());
        gz.write_all(b"{\"token\": \"abc\"} {\"token\": \"abc\"}")
            .unwrap();
        let gz = gz.finish().unwrap();
        let head = format!(
            "HTTP/1.1 200 OK\r\nContent-Encoding: gzip\r\nContent-Length: {}\r\n\r\n",
            gz.len()
        );
        let mut v = head.into_bytes();
        let head_len = v.len();
        v.extend_from_slice(&gz);
        (v, head_len + gz.len())
    });
    let srv = scripted(vec![
        Step::Reply(vec![&resp[..]]),
        Step::Reply(vec![
            b"HTTP/1.1 200 OK\r\nContent-Encoding: gzip\r\nContent-Length: 3\r\n\r\nabc",
        ]),
        Step::Reply(vec![
            b"HTTP/1.1 204 No Content\r\nContent-Encoding: gzip\r\n\r\n",
        ]),
    ])
    .await;
    let mut c = Client::new(ClientConfig::default());
    let r = request(&mut c, Method::GET, &url(&srv), false)
        .await
        .unwrap();
    assert_eq!(&r.body[..], br#"{"token": "abc"} {"token": "abc"}"#);
    assert_eq!(
        r.bytes, *gz_len as u64,
        "JMeter reports the compressed bytes"
    );
    let e = request(&mut c, Method::GET, &url(&srv), false)
        .await
        .unwrap_err();
    assert_eq!(
        e.message().to_string(),
        "Non HTTP response message: Not in GZIP format"
    );
    let r = request(&mut c, Method::GET, &url(&srv), false)
        .await
        .unwrap();
    assert_eq!(r.status, 204, "an empty body needs no decoding");
}
