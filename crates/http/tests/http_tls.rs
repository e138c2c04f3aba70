//! TLS and HTTP/2 against a real TLS server on 127.0.0.1:0 with a self-signed certificate.

use http::Method;
use stampede_http::{Client, ClientConfig, ErrorKind, RequestParts, Response, TransportError};
use std::time::Duration;
use testkit::tls::TlsTestServer;

async fn get(c: &mut Client, url: &str) -> Result<Response, TransportError> {
    c.send(&RequestParts {
        method: &Method::GET,
        url,
        headers: &[],
        body: b"",
        timeout: Duration::from_secs(5),
        follow_redirects: true,
        want_body: true,
        want_headers: true,
    })
    .await
}

#[tokio::test]
async fn h2_by_alpn_with_connection_reuse() {
    let srv = TlsTestServer::start(&["h2", "http/1.1"]).await;
    let mut c = Client::new(ClientConfig::default());
    let first = get(&mut c, &srv.url("/")).await.unwrap();
    assert_eq!(first.version, http::Version::HTTP_2);
    assert_eq!(first.status, 200);
    assert_eq!(first.body.len(), 100);
    assert!(
        first.timing.connect > Duration::ZERO,
        "TLS handshake is in connect time"
    );
    for _ in 0..3 {
        let r = get(&mut c, &srv.url("/echo")).await.unwrap();
        assert_eq!(r.version, http::Version::HTTP_2);
        assert!(r.timing.connect.is_zero());
    }
    // Redirects and cookies work the same over HTTP/2.
    let r = get(&mut c, &srv.url("/redirect/2")).await.unwrap();
    assert_eq!(r.status, 200);
    get(&mut c, &srv.url("/set-cookie/a/b")).await.unwrap();
    assert_eq!(
        &get(&mut c, &srv.url("/cookies")).await.unwrap().body[..],
        b"a=b"
    );
    assert_eq!(srv.connections(), 1);
}

#[tokio::test]
async fn http1_over_tls_when_the_server_offers_only_http1() {
    let srv = TlsTestServer::start(&["http/1.1"]).await;
    let mut c = Client::new(ClientConfig::default());
    for _ in 0..3 {
        let r = get(&mut c, &srv.url("/")).await.unwrap();
        assert_eq!(r.version, http::Version::HTTP_11);
        assert_eq!(r.status, 200);
    }
    assert_eq!(srv.connections(), 1);
}

#[tokio::test]
async fn certificate_checking_is_off_by_default_and_can_be_turned_on() {
    let srv = TlsTestServer::start(&["h2", "http/1.1"]).await;
    let cfg = ClientConfig {
        verify_tls: true,
        ..ClientConfig::default()
    };
    let mut c = Client::new(cfg);
    let e = get(&mut c, &srv.url("/")).await.unwrap_err();
    assert_eq!(e.kind, ErrorKind::Tls);
    assert_eq!(e.kind.rc_name(), "SSLHandshakeException");
    assert!(
        e.message()
            .to_string()
            .starts_with("Non HTTP response message: "),
        "{}",
        e.message()
    );
}

#[tokio::test]
async fn a_tls_body_until_close_ends_at_a_close_without_close_notify() {
    use tokio::io::{AsyncReadExt, AsyncWriteExt};
    let acceptor = testkit::tls::acceptor(&["http/1.1"]);
    let l = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = l.local_addr().unwrap();
    tokio::spawn(async move {
        let (tcp, _) = l.accept().await.unwrap();
        let mut tls = acceptor.accept(tcp).await.unwrap();
        let mut buf = [0u8; 1024];
        let _ = tls.read(&mut buf).await.unwrap();
        tls.write_all(b"HTTP/1.1 200 OK\r\n\r\nuntil close")
            .await
            .unwrap();
        tls.flush().await.unwrap();
        // Dropped without shutdown: the TCP connection closes with no TLS close_notify, as many
        // servers do after a body delimited by the close.
    });
    let mut c = Client::new(ClientConfig::default());
    let r = get(&mut c, &format!("https://{addr}/")).await.unwrap();
    assert_eq!((r.status, &r.body[..]), (200, &b"until close"[..]));
}
