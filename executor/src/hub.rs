//! `stampede hub`: DLT's API and the web console on one machine. Each task of a run is this same
//! binary's hidden `worker` command (see [`crate::worker`]), one process per task; state lives under
//! the data directory (`hub.db`, `blobs/`).
//!
//! Submitted configs are checked with the loader `stampede validate` uses, so the API answers with
//! the same messages, and a config that would run shell commands on this machine (`shellexec`) is
//! refused unless the hub was started with `--allow-shell`.

use std::net::{Ipv4Addr, SocketAddr};
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::Duration;

use serde_json::Value;
use stampede_config::LoadOptions;
use stampede_control::launcher::ProcessLauncher;
use stampede_control::ports::ConfigValidator;
use stampede_hub::{DEFAULT_GRACE, HubConfig, TOKEN_ENV};

/// The hub's URL, as its workers reach it (for live frames).
pub const HUB_URL_ENV: &str = "STAMPEDE_HUB_URL";
/// Set to `1` for workers of a hub started with `--allow-shell`.
pub const ALLOW_SHELL_ENV: &str = "STAMPEDE_HUB_ALLOW_SHELL";

/// `stampede hub`'s settings, after parsing.
#[derive(Clone, Debug, PartialEq)]
pub struct HubOptions {
    pub listen: SocketAddr,
    /// `None`: the default data directory ([`default_data_dir`]).
    pub data: Option<PathBuf>,
    pub token: Option<String>,
    pub allow_shell: bool,
    /// Serve a deployed AWS stack (`stampede hub --aws`) instead of local state and workers.
    pub aws: bool,
}

/// `$XDG_DATA_HOME/stampede/hub`, else `~/.local/share/stampede/hub`, else `./stampede-hub`.
pub fn default_data_dir() -> PathBuf {
    let base = std::env::var_os("XDG_DATA_HOME")
        .filter(|v| !v.is_empty())
        .map(PathBuf::from)
        .or_else(|| std::env::var_os("HOME").map(|h| PathBuf::from(h).join(".local/share")));
    match base {
        Some(b) => b.join("stampede").join("hub"),
        None => PathBuf::from("stampede-hub"),
    }
}

/// Runs the hub until Ctrl-C or SIGTERM. Returns the process exit code.
pub fn main(opts: HubOptions) -> u8 {
    let _ = tracing_subscriber::fmt()
        .with_writer(std::io::stderr)
        .with_env_filter(
            tracing_subscriber::EnvFilter::try_from_default_env()
                .unwrap_or_else(|_| tracing_subscriber::EnvFilter::new("warn")),
        )
        .try_init();
    let runtime = match tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
    {
        Ok(rt) => rt,
        Err(e) => {
            eprintln!("Error: cannot start the async runtime: {e}");
            return 1;
        }
    };
    match runtime.block_on(serve(opts)) {
        Ok(()) => 0,
        Err(e) => {
            eprintln!("Error: {e}");
            1
        }
    }
}

async fn serve(opts: HubOptions) -> Result<(), String> {
    let config = HubConfig::new(opts.listen, opts.token.clone());
    let listener = stampede_hub::bind(&config)
        .await
        .map_err(|e| e.to_string())?;
    let addr = listener.local_addr().map_err(|e| e.to_string())?;
    let url = format!("http://{}", reachable(addr));
    if opts.aws {
        return serve_aws(listener, &config, &url).await;
    }
    let data = opts.data.clone().unwrap_or_else(default_data_dir);
    let exe = std::env::current_exe()
        .map_err(|e| format!("cannot find this program's path to run workers: {e}"))?;
    let mut launcher = ProcessLauncher::new(data.join("blobs"), exe, vec!["worker".into()])
        .with_env(HUB_URL_ENV, &url)
        .with_env(ALLOW_SHELL_ENV, if opts.allow_shell { "1" } else { "0" });
    if let Some(token) = &config.token {
        launcher = launcher.with_env(TOKEN_ENV, token);
    }
    let validator = validator(opts.allow_shell);
    let cp = stampede_hub::local_control_plane(
        &data,
        Arc::new(launcher),
        Some(validator),
        DEFAULT_GRACE,
    )
    .map_err(|e| e.to_string())?;
    let mut banner = format!(
        "Stampede hub on {url}/ (console) and {url}/api (DLT's API)\nData: {}\n",
        data.display()
    );
    if config.token.is_some() {
        banner.push_str("API calls need 'Authorization: Bearer <token>'\n");
    }
    // A closed stdout (`stampede hub | head -1`) must not stop the hub.
    let _ = std::io::Write::write_all(&mut std::io::stdout(), banner.as_bytes());
    let ticker = stampede_hub::spawn_ticker(Arc::clone(&cp), Duration::from_secs(1));
    let app = stampede_hub::router(Arc::clone(&cp), &config);
    let served = stampede_hub::serve(listener, app, shutdown_signal()).await;
    ticker.abort();
    stop_active_runs(&cp).await;
    served.map_err(|e| e.to_string())
}

/// `stampede hub --aws`: the same API and console over a deployed stack's tables, bucket, queue
/// and cluster. Runs are handed to the stack's task runner and finished by its results parser, so
/// stopping this hub stops no test.
async fn serve_aws(
    listener: tokio::net::TcpListener,
    config: &HubConfig,
    url: &str,
) -> Result<(), String> {
    let resources =
        stampede_control_aws::settings::Resources::from_env().map_err(|e| e.to_string())?;
    let clients = stampede_control_aws::sdk::Clients::from_env().await;
    let cp = stampede_control_aws::control_plane(&clients, &resources, Some(validator(false)));
    let banner = format!(
        "Stampede hub on {url}/ (console) and {url}/api (DLT's API)\nAWS: table {}, bucket {}, \
         region {}\n",
        resources.scenarios_table, resources.bucket, resources.region
    );
    let _ = std::io::Write::write_all(&mut std::io::stdout(), banner.as_bytes());
    let app = stampede_hub::router(cp, config);
    stampede_hub::serve(listener, app, shutdown_signal())
        .await
        .map_err(|e| e.to_string())
}

/// The address workers and browsers use: a wildcard bind is reached on loopback.
fn reachable(addr: SocketAddr) -> SocketAddr {
    if addr.ip().is_unspecified() {
        SocketAddr::from((Ipv4Addr::LOCALHOST, addr.port()))
    } else {
        addr
    }
}

async fn shutdown_signal() {
    let term = async {
        match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
            Ok(mut s) => {
                s.recv().await;
            }
            Err(_) => std::future::pending().await,
        }
    };
    tokio::select! {
        _ = tokio::signal::ctrl_c() => {}
        () = term => {}
    }
}

/// How long a stopping hub waits for cancelled runs to finalise.
const SHUTDOWN_WAIT: Duration = Duration::from_secs(10);

/// Cancels every active run (SIGTERM to its tasks, which write partial results) and waits up to
/// [`SHUTDOWN_WAIT`] for them to end as `cancelled`; runs still active after that are marked
/// failed by the next start.
async fn stop_active_runs(cp: &Arc<stampede_control::ControlPlane>) {
    let cp = Arc::clone(cp);
    let _ = tokio::task::spawn_blocking(move || {
        let active = |cp: &stampede_control::ControlPlane| -> Vec<String> {
            let Ok(list) = cp.list_tests() else {
                return Vec::new();
            };
            let items = list["Items"].as_array().cloned().unwrap_or_default();
            items
                .iter()
                .filter(|t| t["status"] == "running" || t["status"] == "cancelling")
                .filter_map(|t| t["testId"].as_str().map(String::from))
                .collect()
        };
        for id in active(&cp) {
            let _ = cp.cancel(&id);
        }
        let began = std::time::Instant::now();
        while !active(&cp).is_empty() && began.elapsed() < SHUTDOWN_WAIT {
            std::thread::sleep(Duration::from_millis(100));
        }
    })
    .await;
}

/// The executor's own check of a submitted Taurus config, plus the shell rule.
pub fn validator(allow_shell: bool) -> ConfigValidator {
    Arc::new(move |scenario: &Value| check_scenario(scenario, allow_shell))
}

/// Every problem `stampede validate` would report for `scenario`, and its shell commands unless
/// they are allowed. Relative paths resolve against the hub's working directory.
pub fn check_scenario(scenario: &Value, allow_shell: bool) -> Result<(), Vec<String>> {
    let text = serde_json::to_string(scenario).expect("a JSON value serialises");
    let loaded = stampede_config::load_text(
        Path::new("testScenario.json"),
        &text,
        &LoadOptions::new(&[]),
    );
    let mut problems = Vec::new();
    // The effective config includes `included-configs`, which could bring shell commands in.
    let effective = match &loaded {
        Ok(plan) => &plan.effective,
        Err(_) => scenario,
    };
    if !allow_shell {
        problems.extend(shell_uses(effective));
    }
    match loaded {
        Ok(plan) => problems.extend(crate::plan::validate_plan(&plan).0),
        Err(e) => problems.push(e.to_string()),
    }
    if problems.is_empty() {
        Ok(())
    } else {
        Err(problems)
    }
}

/// The places in a config that would run commands on this machine.
pub fn shell_uses(config: &Value) -> Vec<String> {
    let services = config["services"].as_array().into_iter().flatten();
    services
        .enumerate()
        .filter(|(_, s)| *s == "shellexec" || s["module"] == "shellexec")
        .map(|(i, _)| {
            format!(
                "services[{i}].module: shellexec runs shell commands on the hub's machine; \
                 remove it, or start the hub with --allow-shell to allow it"
            )
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn config(extra: Value) -> Value {
        let mut c = json!({"execution": [{"hold-for": "1s", "scenario": "s"}],
                           "scenarios": {"s": {"requests": ["http://127.0.0.1:9/"]}}});
        for (k, v) in extra.as_object().unwrap() {
            c[k] = v.clone();
        }
        c
    }

    #[test]
    fn shellexec_is_refused_unless_allowed() {
        let c = config(json!({"services": [{"module": "shellexec",
                              "prepare": [{"command": "touch /tmp/x"}]}]}));
        let problems = check_scenario(&c, false).unwrap_err();
        assert_eq!(problems.len(), 1, "{problems:?}");
        assert!(problems[0].starts_with("services[0].module: shellexec"));
        assert!(problems[0].contains("--allow-shell"));
        assert_eq!(check_scenario(&c, true), Ok(()));
        assert_eq!(check_scenario(&config(json!({})), false), Ok(()));
    }

    #[test]
    fn loader_messages_come_back() {
        let c = json!({"execution": [{"hold-for": "soon", "scenario": "s"}],
                       "scenarios": {"s": {"requests": ["http://127.0.0.1:9/"]}}});
        let problems = check_scenario(&c, false).unwrap_err();
        assert!(problems[0].contains("hold-for"), "{problems:?}");
    }

    #[test]
    fn wildcard_binds_are_reached_on_loopback() {
        let a: SocketAddr = "0.0.0.0:8080".parse().unwrap();
        assert_eq!(reachable(a).to_string(), "127.0.0.1:8080");
        let b: SocketAddr = "127.0.0.1:9".parse().unwrap();
        assert_eq!(reachable(b), b);
    }
}
