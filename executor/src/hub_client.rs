//! The HTTP calls made to a hub, by `stampede submit` and by the workers' live frames: plain
//! HTTP/1.1, one request per connection, JSON in and out. The hub serves loopback or a trusted
//! network (a token guards anything else), so a dependency-free client is enough.

use std::io::{BufRead, BufReader, Read, Write};
use std::net::{TcpStream, ToSocketAddrs};
use std::time::Duration;

#[derive(Clone, Debug)]
pub struct HubClient {
    /// `host:port`.
    host: String,
    token: Option<String>,
    /// For connecting, and for each read or write.
    timeout: Duration,
}

#[derive(Debug, thiserror::Error)]
pub enum ClientError {
    #[error("hub URL {0:?} is not http://host:port (the hub speaks plain HTTP)")]
    Url(String),
    #[error("cannot reach the hub at {host}: {reason}; is `stampede hub` running there?")]
    Unreachable { host: String, reason: String },
    #[error("the hub's reply to {what} is not HTTP/1.1 with a JSON body: {reason}")]
    Reply { what: String, reason: String },
}

impl HubClient {
    pub fn new(url: &str, token: Option<String>) -> Result<Self, ClientError> {
        let host = url
            .strip_prefix("http://")
            .map(|h| h.trim_end_matches('/'))
            .filter(|h| !h.is_empty() && !h.contains('/'))
            .ok_or_else(|| ClientError::Url(url.to_string()))?;
        Ok(HubClient {
            host: host.to_string(),
            token,
            timeout: Duration::from_secs(30),
        })
    }

    pub fn with_timeout(mut self, timeout: Duration) -> Self {
        self.timeout = timeout;
        self
    }

    /// One request; the status and the body (JSON when it parses, else a string).
    pub fn call(
        &self,
        method: &str,
        path: &str,
        body: Option<&serde_json::Value>,
    ) -> Result<(u16, serde_json::Value), ClientError> {
        let (code, bytes) = self.raw(method, path, body)?;
        let text = String::from_utf8_lossy(&bytes);
        let value = serde_json::from_str(&text)
            .unwrap_or_else(|_| serde_json::Value::String(text.into_owned()));
        Ok((code, value))
    }

    /// One request; the status and the raw body.
    pub fn raw(
        &self,
        method: &str,
        path: &str,
        body: Option<&serde_json::Value>,
    ) -> Result<(u16, Vec<u8>), ClientError> {
        let payload = body.map(|b| b.to_string()).unwrap_or_default();
        self.send(method, path, &payload)
    }

    /// One request with a JSON text body; the status and the raw body.
    pub fn send(
        &self,
        method: &str,
        path: &str,
        payload: &str,
    ) -> Result<(u16, Vec<u8>), ClientError> {
        let unreachable = |reason: String| ClientError::Unreachable {
            host: self.host.clone(),
            reason,
        };
        let addr = self
            .host
            .to_socket_addrs()
            .map_err(|e| unreachable(e.to_string()))?
            .next()
            .ok_or_else(|| unreachable("the host has no address".into()))?;
        let mut conn = TcpStream::connect_timeout(&addr, self.timeout)
            .map_err(|e| unreachable(e.to_string()))?;
        let _ = conn.set_read_timeout(Some(self.timeout));
        let _ = conn.set_write_timeout(Some(self.timeout));
        let auth = self
            .token
            .as_ref()
            .map(|t| format!("Authorization: Bearer {t}\r\n"))
            .unwrap_or_default();
        let head = format!(
            "{method} {path} HTTP/1.1\r\nHost: {}\r\nAccept: application/json\r\n\
             Content-Type: application/json\r\nContent-Length: {}\r\nConnection: close\r\n{auth}\r\n",
            self.host,
            payload.len()
        );
        conn.write_all(head.as_bytes())
            .and_then(|()| conn.write_all(payload.as_bytes()))
            .map_err(|e| unreachable(e.to_string()))?;
        read_reply(conn).map_err(|reason| ClientError::Reply {
            what: format!("{method} {path}"),
            reason,
        })
    }
}

/// Status and body of a `Connection: close` reply, with or without chunked encoding.
fn read_reply(conn: TcpStream) -> Result<(u16, Vec<u8>), String> {
    let mut r = BufReader::new(conn);
    let mut line = String::new();
    r.read_line(&mut line).map_err(|e| e.to_string())?;
    let code = line
        .split_whitespace()
        .nth(1)
        .and_then(|c| c.parse().ok())
        .ok_or_else(|| format!("status line {line:?}"))?;
    let mut chunked = false;
    loop {
        line.clear();
        r.read_line(&mut line).map_err(|e| e.to_string())?;
        let h = line.trim_end();
        if h.is_empty() {
            break;
        }
        if let Some((name, value)) = h.split_once(':')
            && name.eq_ignore_ascii_case("transfer-encoding")
            && value.trim().eq_ignore_ascii_case("chunked")
        {
            chunked = true;
        }
    }
    let mut body = Vec::new();
    if !chunked {
        r.read_to_end(&mut body).map_err(|e| e.to_string())?;
        return Ok((code, body));
    }
    loop {
        line.clear();
        r.read_line(&mut line).map_err(|e| e.to_string())?;
        let size = usize::from_str_radix(line.trim().split(';').next().unwrap_or(""), 16)
            .map_err(|_| format!("chunk size {line:?}"))?;
        if size == 0 {
            return Ok((code, body));
        }
        let start = body.len();
        body.resize(start + size, 0);
        r.read_exact(&mut body[start..])
            .map_err(|e| e.to_string())?;
        line.clear();
        r.read_line(&mut line).map_err(|e| e.to_string())?;
    }
}
