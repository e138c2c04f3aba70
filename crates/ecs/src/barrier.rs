//! Start barriers: the v4.1+ S3 start signal (with the 30 s replacement-task rule) and the
//! v1.3–v4.0 TCP "start" barrier between a leader and its workers.

use super::store::Store;
use std::time::{Duration, SystemTime};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::{TcpListener, TcpStream};

/// What the start signal says about this task.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum StartSignal {
    /// Written at most `stale` ago: start the load now.
    Start,
    /// Older: this task is an ECS replacement that would run out of step with the others.
    Stale { age: Duration },
}

/// DLT's rule: start when the signal's age is ≤ the threshold (whole seconds, as `date +%s` gives).
pub fn classify(now: SystemTime, written: SystemTime, stale: Duration) -> StartSignal {
    let age = now.duration_since(written).unwrap_or(Duration::ZERO);
    if age.as_secs() <= stale.as_secs() {
        StartSignal::Start
    } else {
        StartSignal::Stale {
            age: Duration::from_secs(age.as_secs()),
        }
    }
}

/// Polls `key` every `poll` until it exists, then classifies it. S3 errors other than "not found"
/// are reported and polling goes on, as DLT's loop does.
pub async fn wait_for_start_signal(
    store: &Store,
    key: &str,
    poll: Duration,
    stale: Duration,
) -> StartSignal {
    loop {
        match store.last_modified(key).await {
            Ok(Some(written)) => return classify(SystemTime::now(), written, stale),
            Ok(None) => {}
            Err(e) => super::eline!("WARN: start signal check failed, retrying: {e}"),
        }
        tokio::time::sleep(poll).await;
    }
}

/// How a worker's wait ended.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum WorkerEnd {
    Started,
    /// `TIMEOUT` passed without a `start`: the test starts anyway (ecslistener.py v3+).
    TimedOut,
}

/// Worker side (`ecslistener.py`): accept connections on `listener` until one sends `start`.
/// `timeout` `None` waits forever (v1.3–v2 had none).
pub async fn worker_wait(listener: TcpListener, timeout: Option<Duration>) -> WorkerEnd {
    let wait = async {
        loop {
            let Ok((mut conn, _)) = listener.accept().await else {
                continue;
            };
            if read_start(&mut conn).await {
                return WorkerEnd::Started;
            }
        }
    };
    match timeout {
        Some(t) => tokio::time::timeout(t, wait)
            .await
            .unwrap_or(WorkerEnd::TimedOut),
        None => wait.await,
    }
}

/// Reads at most 6 KiB or until EOF, looking for the word `start` (the leader sends exactly that).
async fn read_start(conn: &mut TcpStream) -> bool {
    let mut buf = Vec::with_capacity(64);
    let mut chunk = [0u8; 1024];
    for _ in 0..6 {
        match tokio::time::timeout(Duration::from_secs(10), conn.read(&mut chunk)).await {
            Ok(Ok(n)) if n > 0 => {
                buf.extend_from_slice(&chunk[..n]);
                if String::from_utf8_lossy(&buf).contains("start") {
                    return true;
                }
            }
            _ => break,
        }
    }
    false
}

/// Leader side (`ecscontroller.py`): sends `start` to `<network>.<h>:<port>` for every host, all at
/// once, retrying each connection for a few seconds. Returns the hosts that could not be reached.
pub async fn leader_send(network: &str, hosts: &[String], port: u16) -> Vec<(String, String)> {
    let mut set = tokio::task::JoinSet::new();
    for h in hosts {
        let addr = format!("{network}.{h}:{port}");
        set.spawn(async move {
            let mut last = String::new();
            for attempt in 0..5 {
                if attempt > 0 {
                    tokio::time::sleep(Duration::from_secs(1)).await;
                }
                let sent = async {
                    let mut s = TcpStream::connect(&addr).await?;
                    s.write_all(b"start").await?;
                    s.shutdown().await
                };
                match tokio::time::timeout(Duration::from_secs(5), sent).await {
                    Ok(Ok(())) => return Ok(()),
                    Ok(Err(e)) => last = e.to_string(),
                    Err(_) => last = "connect timed out".into(),
                }
            }
            Err((addr, last))
        });
    }
    let mut failed = Vec::new();
    while let Some(r) = set.join_next().await {
        if let Ok(Err(f)) = r {
            failed.push(f);
        }
    }
    failed
}
