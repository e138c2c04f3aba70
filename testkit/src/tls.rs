//! A TLS server on `127.0.0.1:0` with the same routes as [`crate::TestServer`], speaking HTTP/2 or
//! HTTP/1.1 as the client's ALPN asks (`h2_only: false`), or HTTP/1.1 only.
//!
//! The certificate (`src/tls/cert.pem`, `key.pem`) is self-signed for `localhost`, `127.0.0.1` and
//! `::1`, valid 100 years, made once with
//! `openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:prime256v1 -nodes -days 36500
//!  -subj /CN=localhost -addext subjectAltName=DNS:localhost,IP:127.0.0.1,IP:::1`.
//! It is a test fixture: the private key protects nothing.

use crate::{Counters, handle};
use hyper::service::service_fn;
use hyper_util::rt::{TokioExecutor, TokioIo};
use hyper_util::server::conn::auto;
use rustls::pki_types::pem::PemObject;
use rustls::pki_types::{CertificateDer, PrivateKeyDer};
use std::net::SocketAddr;
use std::sync::Arc;
use std::sync::atomic::Ordering;
use tokio::net::TcpListener;

pub const CERT_PEM: &str = include_str!("tls/cert.pem");
const KEY_PEM: &str = include_str!("tls/key.pem");

/// A TLS acceptor with the test certificate, offering `alpn` (for tests that script raw bytes).
pub fn acceptor(alpn: &[&str]) -> tokio_rustls::TlsAcceptor {
    let cert = CertificateDer::from_pem_slice(CERT_PEM.as_bytes()).expect("test cert");
    let key = PrivateKeyDer::from_pem_slice(KEY_PEM.as_bytes()).expect("test key");
    let provider = Arc::new(rustls::crypto::aws_lc_rs::default_provider());
    let mut cfg = rustls::ServerConfig::builder_with_provider(provider)
        .with_safe_default_protocol_versions()
        .expect("tls versions")
        .with_no_client_auth()
        .with_single_cert(vec![cert], key)
        .expect("server cert");
    cfg.alpn_protocols = alpn.iter().map(|p| p.as_bytes().to_vec()).collect();
    tokio_rustls::TlsAcceptor::from(Arc::new(cfg))
}

pub struct TlsTestServer {
    pub addr: SocketAddr,
    pub counters: Arc<Counters>,
    task: tokio::task::JoinHandle<()>,
}

impl TlsTestServer {
    /// Starts the server; `alpn` lists the protocols it offers (e.g. `["h2", "http/1.1"]`).
    pub async fn start(alpn: &[&str]) -> TlsTestServer {
        let acceptor = acceptor(alpn);
        let listener = TcpListener::bind("127.0.0.1:0").await.expect("bind");
        let addr = listener.local_addr().expect("addr");
        let counters = Arc::new(Counters::default());
        let c = counters.clone();
        let task = tokio::spawn(async move {
            loop {
                let Ok((stream, _)) = listener.accept().await else {
                    continue;
                };
                c.connections.fetch_add(1, Ordering::Relaxed);
                let (c, acceptor) = (c.clone(), acceptor.clone());
                tokio::spawn(async move {
                    let Ok(tls) = acceptor.accept(stream).await else {
                        return;
                    };
                    let svc = service_fn(move |req| handle(req, c.clone()));
                    let _ = auto::Builder::new(TokioExecutor::new())
                        .serve_connection(TokioIo::new(tls), svc)
                        .await;
                });
            }
        });
        TlsTestServer {
            addr,
            counters,
            task,
        }
    }

    /// `https://127.0.0.1:PORT` + path.
    pub fn url(&self, path: &str) -> String {
        format!("https://{}{}", self.addr, path)
    }

    pub fn connections(&self) -> u64 {
        self.counters.connections.load(Ordering::Relaxed)
    }
}

impl Drop for TlsTestServer {
    fn drop(&mut self) {
        self.task.abort();
    }
}
