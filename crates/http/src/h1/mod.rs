//! Our own HTTP/1.1 client codec for the keep-alive hot path.
//!
//! Why not hyper here: hyper's client connection costs every virtual user a dispatch channel and two
//! 8 KiB buffers (~29 KB resident per user, measured with massif) and a dozen allocations per request
//! (`Request`, `HeaderMap`, channel envelopes). A load generator's request is always the same shape:
//! write the bytes, read one response head, count the body. So each user's task writes the request from
//! one reusable buffer and parses the head in place from one small read buffer, with no task, channel
//! or header map in between. hyper is still used for HTTP/2 (see `super::h2`).

mod chunked;
mod head;
mod request;

// Public for the fuzz target (`fuzz/fuzz_targets/http_response.rs`).
pub use crate::outgoing::{Outgoing, carries_body};
pub use chunked::Chunked;
pub use head::{Framing, Head, Sink, parse as parse_head};
pub use request::encode;

use super::error::io_kind;
use crate::stream::Stream;
use crate::timing::{Failed, deadline, wait_until};
use crate::{Detail, ErrorKind};
use bytes::BytesMut;
use std::future::poll_fn;
use std::pin::Pin;
use std::task::Poll;
use std::time::{Duration, Instant};
use tokio::io::{AsyncRead, AsyncReadExt, AsyncWriteExt, ReadBuf};

/// The read buffer starts small (a typical response head fits) and doubles while reads fill it,
/// up to [`MAX_READ_BUF`], so large bodies are read in large pieces.
const INITIAL_READ_BUF: usize = 4096;
const MAX_READ_BUF: usize = 64 * 1024;
/// After a response that grew the buffer past this, the connection goes back to a small one.
const SHRINK_ABOVE: usize = 16 * 1024;
/// A response head larger than this is refused (hyper's limit is ~400 KB; JMeter's is unlimited).
const MAX_HEAD: usize = 256 * 1024;
/// Apache HttpClient (JMeter's `httpclient4.validate_after_inactivity`, 1.7 s) re-checks a pooled
/// connection before reuse only after it sat idle this long; so do we. A connection that was closed
/// sooner fails without a response byte and the request is retried once on a fresh one.
const VALIDATE_AFTER_IDLE: Duration = Duration::from_millis(1700);

/// One HTTP/1.1 connection: the socket and its read buffer (`buf[pos..]` is not consumed yet).
pub struct H1Conn {
    io: Stream,
    buf: Vec<u8>,
    pos: usize,
    last_used: Instant,
    /// An exchange started and did not finish (its future was dropped): the stream is mid-message.
    busy: bool,
}

/// What one exchange produced.
pub struct Exchanged {
    pub head: Head,
    /// Time from the sample's start to the complete response head.
    pub latency: Duration,
    /// Head bytes (including any 1xx heads) + body bytes as received.
    pub bytes: u64,
}

/// How to read the response.
pub struct Reading<'a> {
    pub head_request: bool,
    pub timeout: Duration,
    pub started: Instant,
    pub authority: &'a str,
    /// Keeps the body here when the scenario needs it.
    pub keep_body: Option<&'a mut BytesMut>,
}

impl H1Conn {
    pub fn new(io: Stream) -> Self {
        H1Conn {
            io,
            buf: Vec::with_capacity(INITIAL_READ_BUF),
            pos: 0,
            last_used: Instant::now(),
            busy: false,
        }
    }

    /// Whether the connection can take the next request. Only a connection idle for a while is
    /// probed (one non-blocking read), as HttpClient does: a close by the server shows as EOF.
    pub async fn usable(&mut self) -> bool {
        if self.busy || self.pos != self.buf.len() {
            return false;
        }
        if self.last_used.elapsed() < VALIDATE_AFTER_IDLE {
            return true;
        }
        let mut probe = [0u8; 1];
        poll_fn(|cx| {
            let mut rb = ReadBuf::new(&mut probe);
            match Pin::new(&mut self.io).poll_read(cx, &mut rb) {
                Poll::Pending => Poll::Ready(true),
                // EOF, unexpected bytes or an error: the connection is not usable.
                Poll::Ready(_) => Poll::Ready(false),
            }
        })
        .await
    }

    /// Writes `request` and reads the response: the head (skipping 1xx), then the body as framed.
    /// On `Ok`, the caller keeps the connection unless `head.close`.
    pub(super) async fn exchange(
        &mut self,
        request: &[u8],
        timer: &mut Pin<Box<tokio::time::Sleep>>,
        r: Reading<'_>,
        sink: &mut Sink<'_>,
    ) -> Result<Exchanged, Failed> {
        let fail = Failed::new;
        self.busy = true;
        let deadline = deadline(r.timeout);
        let written = tokio::select! {
            biased;
            w = write_all(&mut self.io, request) => w,
            _ = wait_until(timer, deadline) => {
                return Err(fail(ErrorKind::ResponseTimeout, "Read timed out".into(), false));
            }
        };
        written.map_err(|e| {
            let (kind, message) = io_kind(&e);
            Failed {
                unsent: true,
                ..fail(kind, message, false)
            }
        })?;
        let mut bytes = 0u64;
        let head = loop {
            match head::parse(&self.buf[self.pos..], r.head_request, sink) {
                Ok(Some(h)) => {
                    self.pos += h.len;
                    bytes += h.len as u64;
                    if (100..200).contains(&h.status) && h.status != 101 {
                        continue;
                    }
                    break h;
                }
                Ok(None) if self.buf.len() - self.pos > MAX_HEAD => {
                    return Err(fail(
                        ErrorKind::Other,
                        "Response head too large".into(),
                        true,
                    ));
                }
                Ok(None) => {}
                Err(m) => return Err(fail(ErrorKind::Other, m.into(), true)),
            }
            let got = self.buf.len() - self.pos;
            match self.fill(timer, r.timeout).await {
                Ok(0) => {
                    let m = format!("{} failed to respond", r.authority);
                    return Err(fail(
                        ErrorKind::NoHttpResponse,
                        m.into(),
                        got + bytes as usize > 0,
                    ));
                }
                Ok(_) => {}
                Err((kind, m)) => return Err(fail(kind, m, got + bytes as usize > 0)),
            }
        };
        let latency = r.started.elapsed();
        let mut keep = r.keep_body;
        let mut store = |d: &[u8]| {
            if let Some(b) = keep.as_deref_mut() {
                b.extend_from_slice(d);
            }
        };
        let (body, eof) = self
            .body(head.framing, timer, r.timeout, &mut store)
            .await
            .map_err(|(kind, m)| fail(kind, m, true))?;
        let mut head = head;
        // Bytes after a complete response that nobody asked for: do not trust the connection.
        head.close |= eof || self.pos != self.buf.len();
        if self.buf.capacity() > SHRINK_ABOVE && self.pos == self.buf.len() {
            // A large body grew the buffer: give the memory back between requests.
            self.buf = Vec::with_capacity(INITIAL_READ_BUF);
            self.pos = 0;
        }
        self.busy = false;
        self.last_used = Instant::now();
        Ok(Exchanged {
            head,
            latency,
            bytes: bytes + body,
        })
    }

    /// Reads the body as framed; returns its length as received (chunk framing included, as
    /// JMeter counts the connection's bytes) and whether the server closed the connection.
    async fn body(
        &mut self,
        framing: Framing,
        timer: &mut Pin<Box<tokio::time::Sleep>>,
        timeout: Duration,
        data: &mut impl FnMut(&[u8]),
    ) -> Result<(u64, bool), (ErrorKind, Detail)> {
        let mut n = 0u64;
        match framing {
            Framing::None => {}
            Framing::Length(len) => loop {
                let avail = &self.buf[self.pos..];
                let take = avail
                    .len()
                    .min(usize::try_from(len - n).unwrap_or(usize::MAX));
                data(&avail[..take]);
                self.pos += take;
                n += take as u64;
                if n == len {
                    break;
                }
                if self.fill(timer, timeout).await? == 0 {
                    let m = format!(
                        "Premature end of Content-Length delimited message body (expected: {len}; received: {n})"
                    );
                    return Err((ErrorKind::Other, m.into()));
                }
            },
            Framing::Chunked => {
                let mut state = Chunked::Size;
                loop {
                    let used = state
                        .decode(&self.buf[self.pos..], data)
                        .map_err(|m| (ErrorKind::Other, m.into()))?;
                    self.pos += used;
                    n += used as u64;
                    if state == Chunked::Done {
                        break;
                    }
                    if self.fill(timer, timeout).await? == 0 {
                        // The last chunk arrived; HttpClient does not insist on the trailer's end.
                        if state == Chunked::Trailer {
                            return Ok((n, true));
                        }
                        return Err((ErrorKind::Other, state.eof_message()));
                    }
                }
            }
            Framing::Close => loop {
                let avail = &self.buf[self.pos..];
                data(avail);
                n += avail.len() as u64;
                self.pos = self.buf.len();
                if self.fill(timer, timeout).await? == 0 {
                    return Ok((n, true));
                }
            },
        }
        Ok((n, false))
    }

    /// One read into the buffer, with the response timeout restarted (a socket timeout, as JMeter's).
    /// Returns the bytes read; 0 is end of stream.
    async fn fill(
        &mut self,
        timer: &mut Pin<Box<tokio::time::Sleep>>,
        timeout: Duration,
    ) -> Result<usize, (ErrorKind, Detail)> {
        if self.pos == self.buf.len() {
            self.buf.clear();
            self.pos = 0;
        } else if self.pos > 0 && self.buf.capacity() - self.buf.len() < 1024 {
            self.buf.drain(..self.pos);
            self.pos = 0;
        }
        let spare = self.buf.capacity() - self.buf.len();
        if spare < 1024 {
            self.buf.reserve(self.buf.capacity().max(INITIAL_READ_BUF));
        }
        let spare = self.buf.capacity() - self.buf.len();
        let deadline = deadline(timeout);
        let n = tokio::select! {
            biased;
            r = self.io.read_buf(&mut self.buf) => match r {
                Ok(n) => n,
                // A TLS peer that closes without close_notify: the end of the stream, as for HttpClient.
                Err(e) if e.kind() == std::io::ErrorKind::UnexpectedEof => 0,
                Err(e) if e.kind() == std::io::ErrorKind::TimedOut => {
                    return Err((ErrorKind::Other, "Connection timed out (Read failed)".into()));
                }
                Err(e) => return Err(io_kind(&e)),
            },
            _ = wait_until(timer, deadline) => {
                return Err((ErrorKind::ResponseTimeout, "Read timed out".into()));
            }
        };
        // A read that filled the buffer: more is coming fast, read it in bigger pieces.
        if n == spare && self.buf.capacity() < MAX_READ_BUF {
            self.buf.reserve(self.buf.capacity());
        }
        Ok(n)
    }
}

async fn write_all(io: &mut Stream, bytes: &[u8]) -> std::io::Result<()> {
    io.write_all(bytes).await?;
    io.flush().await
}
