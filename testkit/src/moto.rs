//! A local AWS endpoint (moto server) for tests of AWS code, shared by every test in a process.
//!
//! `AWS_ENDPOINT_URL` wins when set (CI starts one moto for the whole run); otherwise the first caller
//! starts `moto_server` on a free loopback port and it lives until the test process exits. No moto and
//! no endpoint is a test failure with the install command, never a silent skip.

use std::net::TcpListener;
use std::process::{Command, Stdio};
use std::sync::OnceLock;
use std::time::{Duration, Instant};

static ENDPOINT: OnceLock<String> = OnceLock::new();

/// Runs moto in the background and kills it once the test process (`$1`) is gone. Test binaries
/// end with `exit`, which never drops statics or kills children, and a process-group kill does not
/// happen either under `cargo test`; polling the parent needs no `unsafe` (`prctl`) and no libc.
/// A TERM, INT or HUP sent to the watchdog stops moto too.
const WATCHDOG: &str = r#"
parent=$1; port=$2
moto_server -H 127.0.0.1 -p "$port" </dev/null >/dev/null 2>&1 &
moto=$!
trap 'kill $moto 2>/dev/null; exit 0' TERM INT HUP
while kill -0 "$parent" 2>/dev/null && kill -0 "$moto" 2>/dev/null; do sleep 0.2; done
kill "$moto" 2>/dev/null
wait "$moto" 2>/dev/null
"#;

/// The endpoint URL, e.g. `http://127.0.0.1:5000`. Also sets dummy credentials and a region in this
/// process's environment if they are missing (the SDK needs them; moto ignores them).
pub fn endpoint() -> String {
    ENDPOINT
        .get_or_init(|| {
            // SAFETY-free: tests call this before building clients; values are fixed dummies.
            for (k, v) in [
                ("AWS_ACCESS_KEY_ID", "test"),
                ("AWS_SECRET_ACCESS_KEY", "test"),
                ("AWS_REGION", "us-east-1"),
            ] {
                if std::env::var_os(k).is_none() {
                    set_env(k, v);
                }
            }
            if let Ok(url) = std::env::var("AWS_ENDPOINT_URL") {
                return url;
            }
            let port = TcpListener::bind("127.0.0.1:0")
                .and_then(|l| l.local_addr())
                .expect("free port")
                .port();
            let child = Command::new("sh")
                .args(["-c", WATCHDOG, "moto-watchdog"])
                .arg(std::process::id().to_string())
                .arg(port.to_string())
                .stdin(Stdio::null())
                .stdout(Stdio::null())
                .stderr(Stdio::null())
                .spawn();
            let child = match child {
                Ok(c) => c,
                Err(e) => panic!(
                    "these tests need a local AWS endpoint: set AWS_ENDPOINT_URL or install moto \
                     (pip install 'moto[server]==5.2.5'); starting moto_server failed: {e}"
                ),
            };
            // The child must outlive every test of the process; its watchdog ends it with the process.
            std::mem::forget(child);
            let deadline = Instant::now() + Duration::from_secs(30);
            while std::net::TcpStream::connect(("127.0.0.1", port)).is_err() {
                assert!(
                    Instant::now() < deadline,
                    "moto_server did not start on port {port} in 30 s"
                );
                std::thread::sleep(Duration::from_millis(100));
            }
            let url = format!("http://127.0.0.1:{port}");
            set_env("AWS_ENDPOINT_URL", &url);
            url
        })
        .clone()
}

fn set_env(k: &str, v: &str) {
    // Edition 2024 makes set_var unsafe; tests call `endpoint()` before spawning threads that read env.
    #[allow(unsafe_code)]
    unsafe {
        std::env::set_var(k, v)
    };
}
