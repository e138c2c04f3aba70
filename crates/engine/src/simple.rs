//! A minimal [`Script`]: a fixed list of requests, no templates. The engine's tests and the benchmark
//! use it; real configs run the compiled Taurus scenario.

use stampede_http::{Client, ClientConfig, RequestParts, Response, TransportError};
use stampede_kpi::{Failure, FailureKind, Message, Rc, Sample};
use stampede_scenario::{Hooks, IterationEnd, Script};
use std::sync::Arc;
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

#[derive(Clone, Debug)]
pub struct SimpleRequest {
    pub label: Arc<str>,
    pub method: http::Method,
    pub url: String,
    pub headers: Vec<(http::HeaderName, http::HeaderValue)>,
    pub body: Vec<u8>,
    pub think_time: Option<Duration>,
}

impl SimpleRequest {
    pub fn get(url: &str) -> Self {
        SimpleRequest {
            label: url.into(),
            method: http::Method::GET,
            url: url.to_string(),
            headers: Vec::new(),
            body: Vec::new(),
            think_time: None,
        }
    }
}

#[derive(Clone, Debug)]
pub struct SimpleScript {
    pub requests: Vec<SimpleRequest>,
    pub client: ClientConfig,
    pub timeout: Duration,
}

impl SimpleScript {
    pub fn new(requests: Vec<SimpleRequest>) -> Self {
        SimpleScript {
            requests,
            client: ClientConfig::default(),
            timeout: Duration::from_secs(30),
        }
    }
}

/// Epoch milliseconds now.
pub fn epoch_ms() -> u64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map_or(0, |d| d.as_millis() as u64)
}

/// Turns a client result into a sample, JMeter's way: HTTP >= 400 and transport errors fail. The
/// failure is recorded as data (no text is formatted here). `queued` is how long the request waited
/// after its scheduled send time: in open-loop runs it counts (coordinated omission), and `start_ms`
/// is the scheduled time.
pub fn to_sample(
    label: &Arc<str>,
    start_ms: u64,
    queued: Duration,
    r: &Result<Response, TransportError>,
) -> Sample {
    let (rc, failure, t, bytes, sent) = match r {
        Ok(resp) => {
            let failure = (resp.status >= 400).then(|| Failure {
                kind: FailureKind::Error,
                message: match &resp.custom_reason {
                    Some(reason) => Message::Text(reason.clone()),
                    None => Message::Reason(resp.status),
                },
            });
            let rc = Some(Rc::Http(resp.status));
            (rc, failure, resp.timing, resp.bytes, resp.sent_bytes)
        }
        Err(e) => {
            let failure = Some(Failure {
                kind: FailureKind::Error,
                message: e.message(),
            });
            (Some(Rc::Transport(e.kind)), failure, e.timing, 0, 0)
        }
    };
    Sample {
        start_ms,
        label: label.clone(),
        elapsed_us: (t.elapsed + queued).as_micros() as u64,
        latency_us: (t.latency + queued).as_micros() as u64,
        connect_us: t.connect.as_micros() as u64,
        rc,
        failure,
        bytes,
        sent_bytes: sent,
        concurrency: 0,
        source: 0,
        thread: 0,
    }
}

impl Script for SimpleScript {
    type User = ();

    fn client_config(&self) -> ClientConfig {
        self.client.clone()
    }

    fn new_user(&self, _user: u32) -> Self::User {}

    async fn run_iteration<H: Hooks>(
        &self,
        _user: &mut (),
        client: &mut Client,
        hooks: &mut H,
    ) -> IterationEnd {
        for r in &self.requests {
            if let Some(t) = r.think_time
                && !hooks.sleep(t).await
            {
                return IterationEnd::Stopped;
            }
            let Some(scheduled) = hooks.gate().await else {
                return IterationEnd::Stopped;
            };
            let queued = Instant::now().saturating_duration_since(scheduled);
            let start_ms = epoch_ms().saturating_sub(queued.as_millis() as u64);
            let parts = RequestParts {
                method: &r.method,
                url: &r.url,
                headers: &r.headers,
                body: &r.body,
                timeout: self.timeout,
                follow_redirects: self.client.follow_redirects,
                want_body: false,
                want_headers: false,
            };
            let res = client.send(&parts).await;
            hooks.record(to_sample(&r.label, start_ms, queued, &res));
        }
        IterationEnd::Completed
    }
}
