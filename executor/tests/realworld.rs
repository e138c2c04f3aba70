//! Real-world configs run by the built `stampede` binary as their projects run them
//! (`fixtures/real-world/`, docs/taurus-behaviour.md): the nameko-devex config from its repository
//! root, with its CSV given relative to that root, against a local server that records each request.

use std::io::{BufRead, BufReader, Read, Write};
use std::net::{TcpListener, TcpStream};
use std::path::{Path, PathBuf};
use std::process::{Command, Output};
use std::sync::{Arc, Mutex};

const BIN: &str = env!("CARGO_BIN_EXE_stampede");

/// Request line and body of every request received.
type Received = Arc<Mutex<Vec<(String, String)>>>;

/// A keep-alive server on 127.0.0.1:0 answering every request with `{"id": "rec-N"}`, as the
/// nameko-devex gateway answers a create (N counts requests).
fn recording_server() -> (String, Received) {
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    let addr = listener.local_addr().unwrap().to_string();
    let received: Received = Arc::default();
    let log = Arc::clone(&received);
    std::thread::spawn(move || {
        for sock in listener.incoming().flatten() {
            let log = Arc::clone(&log);
            std::thread::spawn(move || serve(sock, &log));
        }
    });
    (addr, received)
}

fn serve(sock: TcpStream, log: &Mutex<Vec<(String, String)>>) {
    let mut out = sock.try_clone().unwrap();
    let mut reader = BufReader::new(sock);
    loop {
        let mut line = String::new();
        if reader.read_line(&mut line).unwrap_or(0) == 0 {
            return;
        }
        let mut length = 0usize;
        loop {
            let mut h = String::new();
            if reader.read_line(&mut h).unwrap_or(0) == 0 {
                return;
            }
            if h == "\r\n" {
                break;
            }
            if let Some((k, v)) = h.split_once(':')
                && k.eq_ignore_ascii_case("content-length")
            {
                length = v.trim().parse().unwrap_or(0);
            }
        }
        let mut body = vec![0u8; length];
        if reader.read_exact(&mut body).is_err() {
            return;
        }
        let n = {
            let mut log = log.lock().unwrap();
            log.push((
                line.trim_end().to_string(),
                String::from_utf8_lossy(&body).into(),
            ));
            log.len()
        };
        let doc = format!("{{\"id\": \"rec-{n}\"}}");
        let reply = format!(
            "HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: {}\r\n\r\n{doc}",
            doc.len()
        );
        if out.write_all(reply.as_bytes()).is_err() {
            return;
        }
    }
}

/// A copy of the nameko-devex repository layout: `test/nex-bzt.local.yml`, `test/nex-users.csv`.
fn nameko_root() -> tempfile::TempDir {
    let fixture =
        Path::new(env!("CARGO_MANIFEST_DIR")).join("../fixtures/real-world/nameko-devex/test");
    let root = tempfile::tempdir().unwrap();
    std::fs::create_dir(root.path().join("test")).unwrap();
    for f in ["nex-bzt.local.yml", "nex-users.csv"] {
        std::fs::copy(fixture.join(f), root.path().join("test").join(f)).unwrap();
    }
    root
}

fn run(args: &[&str], cwd: &Path) -> Output {
    Command::new(BIN)
        .args(args)
        .current_dir(cwd)
        .output()
        .expect("the binary runs")
}

/// `nex-bzt.sh`'s command from the repository root: the CSV named `./test/nex-users.csv` is found
/// in the working directory; each product carries the CSV row and a `__javaScript(Math.random())`;
/// the second `body:` is the one sent; the `if:` conditions let the flow go on once ids exist.
#[test]
fn nameko_devex_runs_from_its_repository_root() {
    let (addr, received) = recording_server();
    let root = nameko_root();
    let art: PathBuf = root.path().join("art");
    let out = run(
        &[
            "run",
            "-o",
            &format!("scenarios.nex.default-address=http://{addr}"),
            "-o",
            "scenarios.nex.data-sources.0=./test/nex-users.csv",
            "-o",
            "execution.0.hold-for=0s",
            "-o",
            "execution.0.iterations=3",
            "-o",
            &format!("settings.artifacts-dir={}", art.display()),
            "./test/nex-bzt.local.yml",
        ],
        root.path(),
    );
    let (stdout, stderr) = (
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr),
    );
    assert_eq!(out.status.code(), Some(0), "{stdout}\n{stderr}");
    assert!(!stdout.contains("Guessed location"), "{stdout}");
    let got = received.lock().unwrap().clone();
    let lines: Vec<&str> = got.iter().map(|(l, _)| l.as_str()).collect();
    assert_eq!(
        lines[..4],
        [
            "POST /products HTTP/1.1",
            "GET /products/rec-1 HTTP/1.1",
            "POST /orders HTTP/1.1",
            "GET /orders/rec-3 HTTP/1.1",
        ]
    );
    assert_eq!(got.len(), 12, "{lines:?}");
    let rows = ["the_odyssey", "the_honda", "telsa"];
    for (i, (_, body)) in got.iter().step_by(4).enumerate() {
        let doc: serde_json::Value =
            serde_json::from_str(body).unwrap_or_else(|e| panic!("{e}: {body}"));
        let id = doc["id"].as_str().unwrap();
        let random = id
            .strip_prefix(&format!("{}-", rows[i]))
            .unwrap_or_else(|| panic!("{id}"));
        let r: f64 = random.parse().unwrap();
        assert!((0.0..1.0).contains(&r) && random.starts_with("0."), "{id}");
        assert_eq!(doc["passenger_capacity"], if i == 0 { 101 } else { 201 });
    }
    assert!(
        got[2].1.contains("\"product_id\": \"rec-1\""),
        "{}",
        got[2].1
    );
}

/// Run from inside `test/`, the same override names `test/test/nex-users.csv`, which Taurus does
/// not find either: the error says every place that was tried.
#[test]
fn nameko_devex_from_the_wrong_directory_names_every_place_tried() {
    let root = nameko_root();
    let test_dir = root.path().join("test");
    let out = run(
        &[
            "validate",
            "-o",
            "scenarios.nex.data-sources.0=./test/nex-users.csv",
            "nex-bzt.local.yml",
        ],
        &test_dir,
    );
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(1), "{stderr}");
    assert!(
        stderr.contains(&format!(
            "data-sources \"./test/nex-users.csv\" not found; tried {}",
            test_dir.join("./test/nex-users.csv").display()
        )),
        "{stderr}"
    );
}

/// `default-address: 127.0.0.1:18920` (no scheme): Taurus's JMeter fails every sample; `validate`
/// says that Stampede sends to http and what to write.
#[test]
fn validate_warns_about_a_default_address_without_scheme() {
    let shapes = Path::new(env!("CARGO_MANIFEST_DIR")).join("../fixtures/real-world/shapes");
    let tmp = tempfile::tempdir().unwrap();
    let bare = shapes.join("default-address-bare.yml");
    let out = run(&["validate", bare.to_str().unwrap()], tmp.path());
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(0), "{stderr}");
    assert!(
        stderr.contains("default-address \"127.0.0.1:18920\" has no scheme: Stampede sends to http://127.0.0.1:18920"),
        "{stderr}"
    );
    let slash = shapes.join("default-address-scheme-relative.yml");
    let out = run(&["validate", slash.to_str().unwrap()], tmp.path());
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(0), "{stderr}");
    assert!(!stderr.contains("default-address"), "{stderr}");
}
