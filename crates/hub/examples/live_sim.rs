//! Simulated workers for `bench/hub-live.sh`: WORKERS tasks each POST one live frame per second
//! (LABELS labels plus the overall entry, response times with a realistic long-tailed spread) to a
//! running hub, through the endpoint and in the format the real workers use (a fresh connection
//! kept open between frames, as `executor/src/worker/live.rs` does; `CONNECTION_PER_FRAME=1` opens
//! one per frame instead, for comparison). Prints how many frames the hub took.
//!
//! `cargo run --release -p stampede-hub --example live_sim -- HUB_URL TEST_ID RUN_ID WORKERS LABELS SECONDS`
//! (`STAMPEDE_HUB_TOKEN` is sent as the bearer token when set). With `-` as HUB_URL the same frames
//! are decoded and merged in this process, without HTTP, and the µs per frame of each step printed.

use std::io::{Read, Write};
use std::net::TcpStream;
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

use parser::sidecar::LabelHist;
use stampede_control::live::{LiveFrame, Timeline};
use stampede_kpi::Kpi;

/// Distinct label sets each worker cycles through, so the bodies vary without the simulator
/// spending its CPU (which competes with the hub's on a small machine) on encoding.
const VARIANTS: u64 = 8;
/// Samples per label per second in one worker: 10 labels make 1,000 requests per second.
const RATE: u64 = 100;

struct Args {
    host: String,
    path: String,
    workers: u32,
    labels: u32,
    seconds: u64,
}

fn args() -> Result<Args, String> {
    let a: Vec<String> = std::env::args().skip(1).collect();
    let [url, test, run, workers, labels, seconds] = a.as_slice() else {
        return Err("usage: live_sim HUB_URL TEST_ID RUN_ID WORKERS LABELS SECONDS".into());
    };
    let num = |v: &str, what: &str| v.parse::<u64>().map_err(|e| format!("{what} {v:?}: {e}"));
    Ok(Args {
        host: if url == "-" {
            url.clone()
        } else {
            url.strip_prefix("http://")
                .ok_or("HUB_URL must be http://host:port or -")?
                .trim_end_matches('/')
                .into()
        },
        path: format!("/api/scenarios/{test}/testruns/{run}/live"),
        workers: num(workers, "WORKERS")? as u32,
        labels: num(labels, "LABELS")? as u32,
        seconds: num(seconds, "SECONDS")?,
    })
}

/// xorshift: deterministic and cheap.
struct Rng(u64);

impl Rng {
    fn unit(&mut self) -> f64 {
        self.0 ^= self.0 << 13;
        self.0 ^= self.0 >> 7;
        self.0 ^= self.0 << 17;
        (self.0 >> 11) as f64 / (1u64 << 53) as f64
    }
}

/// One second of one worker: each label around its own base time with an exponential tail
/// (a few samples ten times slower), 1 % failures; the overall entry is their sum.
fn labels(rng: &mut Rng, count: u32) -> Vec<LabelHist> {
    let mut all = Kpi::default();
    let mut out = Vec::new();
    for l in 0..count {
        let base_us = 5_000.0 + 40_000.0 * f64::from(l);
        let mut k = Kpi::default();
        for _ in 0..RATE {
            let us = (base_us * (0.5 - 0.6 * rng.unit().max(1e-9).ln())) as u64;
            k.throughput += 1;
            if rng.unit() < 0.01 {
                k.fail += 1;
            } else {
                k.succ += 1;
            }
            k.bytes += 2_048;
            k.sum_rt_us += us;
            k.sum_lt_us += us / 2;
            k.hist.record_us(us);
        }
        all += &k;
        out.push(LabelHist {
            label: format!("GET /api/resource-{l}?page={{n}}"),
            kpi: k,
            concurrency: 10,
        });
    }
    out.push(LabelHist {
        label: String::new(),
        kpi: all,
        concurrency: 10,
    });
    out
}

fn post(host: &str, path: &str, token: Option<&str>, body: &str) -> Result<u16, String> {
    let mut conn = TcpStream::connect(host).map_err(|e| e.to_string())?;
    conn.set_read_timeout(Some(Duration::from_secs(5)))
        .map_err(|e| e.to_string())?;
    let auth = token.map_or(String::new(), |t| format!("Authorization: Bearer {t}\r\n"));
    let head = format!(
        "POST {path} HTTP/1.1\r\nHost: {host}\r\nContent-Type: application/json\r\n\
         Content-Length: {}\r\nConnection: close\r\n{auth}\r\n",
        body.len()
    );
    conn.write_all(head.as_bytes())
        .and_then(|()| conn.write_all(body.as_bytes()))
        .map_err(|e| e.to_string())?;
    let mut reply = Vec::new();
    let _ = conn.take(4096).read_to_end(&mut reply);
    String::from_utf8_lossy(&reply)
        .split_whitespace()
        .nth(1)
        .and_then(|c| c.parse().ok())
        .ok_or_else(|| "no HTTP status in the reply".into())
}

/// One worker's connection kept open across frames: the request has no `Connection: close` and
/// the reply is read to its end (a 204 has no body).
struct Conn {
    stream: Option<TcpStream>,
}

impl Conn {
    fn post(
        &mut self,
        host: &str,
        path: &str,
        token: Option<&str>,
        body: &str,
    ) -> Result<u16, String> {
        let result = self.try_post(host, path, token, body);
        if result.is_err() {
            self.stream = None;
        }
        result
    }

    fn try_post(
        &mut self,
        host: &str,
        path: &str,
        token: Option<&str>,
        body: &str,
    ) -> Result<u16, String> {
        if self.stream.is_none() {
            self.stream = Some(TcpStream::connect(host).map_err(|e| e.to_string())?);
        }
        let conn = self.stream.as_mut().expect("connected above");
        let auth = token.map_or(String::new(), |t| format!("Authorization: Bearer {t}\r\n"));
        let request = format!(
            "POST {path} HTTP/1.1\r\nHost: {host}\r\nContent-Type: application/json\r\n\
             Content-Length: {}\r\n{auth}\r\n{body}",
            body.len()
        );
        conn.write_all(request.as_bytes())
            .map_err(|e| e.to_string())?;
        let mut reply = Vec::new();
        let mut buf = [0u8; 4096];
        loop {
            let n = conn.read(&mut buf).map_err(|e| e.to_string())?;
            if n == 0 {
                return Err("the hub closed the connection".into());
            }
            reply.extend_from_slice(&buf[..n]);
            let text = String::from_utf8_lossy(&reply);
            if let Some(end) = text.find("\r\n\r\n") {
                let length: usize = text[..end]
                    .lines()
                    .find_map(|l| {
                        l.to_ascii_lowercase()
                            .strip_prefix("content-length:")
                            .map(|v| v.trim().parse().unwrap_or(0))
                    })
                    .unwrap_or(0);
                if reply.len() >= end + 4 + length {
                    return text
                        .split_whitespace()
                        .nth(1)
                        .and_then(|c| c.parse().ok())
                        .ok_or_else(|| "no HTTP status in the reply".into());
                }
            }
        }
    }
}

fn main() {
    let a = match args() {
        Ok(a) => a,
        Err(e) => {
            eprintln!("{e}");
            std::process::exit(2);
        }
    };
    let token = std::env::var("STAMPEDE_HUB_TOKEN").ok();
    // Each worker's frames, the `second` filled in when sent (a frame is one JSON line).
    let frames: Vec<Vec<String>> = (0..a.workers)
        .map(|task| {
            let mut rng = Rng(0x9e37_79b9_7f4a_7c15 ^ u64::from(task + 1));
            (0..VARIANTS)
                .map(|_| {
                    let frame = LiveFrame {
                        task,
                        second: 0,
                        vu: 10,
                        cpu: Some(20.0),
                        labels: labels(&mut rng, a.labels),
                    };
                    frame.to_json().expect("simulated counts are small")
                })
                .collect()
        })
        .collect();
    if a.host == "-" {
        in_process(&frames, a.seconds);
        return;
    }
    let keep_alive = !std::env::var("CONNECTION_PER_FRAME").is_ok_and(|v| v == "1");
    let mut conns: Vec<Conn> = frames.iter().map(|_| Conn { stream: None }).collect();
    let start = Instant::now();
    let (mut ok, mut other, mut failed) = (0u64, 0u64, 0u64);
    let spacing = Duration::from_secs(1) / a.workers.max(1);
    for tick in 0..a.seconds {
        let second = SystemTime::now()
            .duration_since(UNIX_EPOCH)
            .expect("the clock is after 1970")
            .as_secs();
        // Workers are not in step: their frames are spread over the second.
        for (task, variants) in frames.iter().enumerate() {
            let due = Duration::from_secs(tick) + spacing * task as u32;
            std::thread::sleep(due.saturating_sub(start.elapsed()));
            let body = variants[(tick % VARIANTS) as usize].replacen(
                "\"second\":0",
                &format!("\"second\":{second}"),
                1,
            );
            let sent = if keep_alive {
                conns[task].post(&a.host, &a.path, token.as_deref(), &body)
            } else {
                post(&a.host, &a.path, token.as_deref(), &body)
            };
            match sent {
                Ok(204) => ok += 1,
                Ok(_) => other += 1,
                Err(_) => failed += 1,
            }
        }
    }
    let bytes: usize = frames.iter().map(|f| f[0].len()).sum::<usize>() / frames.len().max(1);
    println!(
        "frames accepted {ok}, refused {other}, failed {failed}; {} workers x {} labels, ~{bytes} bytes a frame, {:.1} s",
        a.workers,
        a.labels,
        start.elapsed().as_secs_f64()
    );
}

/// The hub's work per frame without HTTP: decoding (JSON and the label codec), then merging.
fn in_process(frames: &[Vec<String>], seconds: u64) {
    let (mut decode, mut merge) = (Duration::ZERO, Duration::ZERO);
    let mut timeline = Timeline::default();
    let mut n = 0u32;
    for second in 0..seconds {
        for variants in frames {
            let body = variants[(second % VARIANTS) as usize].replacen(
                "\"second\":0",
                &format!("\"second\":{second}"),
                1,
            );
            let t = Instant::now();
            let frame = LiveFrame::from_json(body.as_bytes()).expect("frames decode");
            decode += t.elapsed();
            let t = Instant::now();
            timeline.add(&frame).expect("frames merge");
            merge += t.elapsed();
            n += 1;
        }
    }
    println!(
        "in process, {n} frames: decode {:.1} µs, merge {:.1} µs per frame",
        decode.as_secs_f64() * 1e6 / f64::from(n),
        merge.as_secs_f64() * 1e6 / f64::from(n)
    );
}
