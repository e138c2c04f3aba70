//! `stampede hub`'s HTTP shell: DLT's API under `/api` over [`stampede_control::ControlPlane`], with
//! live updates as server-sent events, and the web console at `/` (assets embedded, see
//! `assets/`). The domain does the work; this crate maps requests to calls
//! and errors to statuses ([`error`]), checks the token ([`auth`]) and enforces the bind rule.
//!
//! ```no_run
//! # async fn run() -> Result<(), stampede_hub::HubError> {
//! use std::sync::Arc;
//! use stampede_control::launcher::ProcessLauncher;
//! let data = std::path::Path::new("/var/lib/stampede");
//! let launcher = Arc::new(ProcessLauncher::new(data.join("blobs"), "stampede", vec!["run".into()]));
//! let cp = stampede_hub::local_control_plane(data, launcher, None, stampede_hub::DEFAULT_GRACE)?;
//! let config = stampede_hub::HubConfig::new("127.0.0.1:8080".parse().unwrap(), None);
//! stampede_hub::run(&config, cp, async { tokio::signal::ctrl_c().await.unwrap_or(()) }).await
//! # }
//! ```

pub mod auth;
mod console;
pub mod error;
mod live;
mod routes;

use std::future::Future;
use std::net::SocketAddr;
use std::path::Path;
use std::sync::Arc;

use stampede_control::blobs::DirBlobs;
use stampede_control::clock::{RandomIds, SystemClock};
use stampede_control::ports::{ConfigValidator, Launcher};
use stampede_control::service::{ControlPlane, Deps};
use stampede_control::sqlite::SqliteStore;
use tokio::net::TcpListener;

pub use routes::router;

/// The environment variable holding the API token when no flag gives one.
pub const TOKEN_ENV: &str = "STAMPEDE_HUB_TOKEN";

/// Time a run may go past its planned duration before its tasks are stopped.
pub const DEFAULT_GRACE: std::time::Duration =
    std::time::Duration::from_millis(stampede_control::deadline::DEFAULT_GRACE_MS as u64);

/// Request bodies larger than this get 413: a Taurus config with 100 requests of 64 KiB fits.
pub const DEFAULT_BODY_LIMIT: usize = 8 * 1024 * 1024;

/// How the server listens and who may call it.
#[derive(Clone, Debug)]
pub struct HubConfig {
    pub addr: SocketAddr,
    /// Required on every `/api` call as `Authorization: Bearer <token>` when set.
    pub token: Option<String>,
    pub body_limit: usize,
}

impl HubConfig {
    /// `token` from the flag, else from [`TOKEN_ENV`]; an empty token counts as none.
    pub fn new(addr: SocketAddr, token: Option<String>) -> Self {
        let token = token
            .or_else(|| std::env::var(TOKEN_ENV).ok())
            .filter(|t| !t.is_empty());
        HubConfig {
            addr,
            token,
            body_limit: DEFAULT_BODY_LIMIT,
        }
    }
}

#[derive(Debug, thiserror::Error)]
pub enum HubError {
    #[error(
        "refusing to listen on {addr} without a token: anyone who can reach it could run load \
         tests from this machine. Bind to 127.0.0.1 (or ::1), or give a token with --token or {TOKEN_ENV}"
    )]
    NonLoopbackWithoutToken { addr: SocketAddr },
    #[error("cannot listen on {addr}: {source}")]
    Bind {
        addr: SocketAddr,
        source: std::io::Error,
    },
    #[error("cannot open the hub's data directory {dir}: {reason}")]
    Data { dir: String, reason: String },
    #[error("the HTTP server stopped: {0}")]
    Serve(std::io::Error),
}

/// The bind rule: loopback addresses only, unless a token protects the API.
pub fn check_bind(addr: SocketAddr, token: Option<&str>) -> Result<(), HubError> {
    if addr.ip().is_loopback() || token.is_some_and(|t| !t.is_empty()) {
        Ok(())
    } else {
        Err(HubError::NonLoopbackWithoutToken { addr })
    }
}

/// Checks the bind rule and listens.
pub async fn bind(config: &HubConfig) -> Result<TcpListener, HubError> {
    check_bind(config.addr, config.token.as_deref())?;
    TcpListener::bind(config.addr)
        .await
        .map_err(|source| HubError::Bind {
            addr: config.addr,
            source,
        })
}

/// Serves `app` until `shutdown` resolves.
pub async fn serve(
    listener: TcpListener,
    app: axum::Router,
    shutdown: impl Future<Output = ()> + Send + 'static,
) -> Result<(), HubError> {
    axum::serve(listener, app)
        .with_graceful_shutdown(shutdown)
        .await
        .map_err(HubError::Serve)
}

/// Calls [`ControlPlane::tick`] every `every` on a blocking thread, so runs past their deadline
/// are stopped. Ends when the returned handle is aborted or the runtime stops.
pub fn spawn_ticker(
    cp: Arc<ControlPlane>,
    every: std::time::Duration,
) -> tokio::task::JoinHandle<()> {
    tokio::spawn(async move {
        let mut interval = tokio::time::interval(every);
        interval.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
        loop {
            interval.tick().await;
            let cp = Arc::clone(&cp);
            // A panic in one tick is a bug to report, not a reason to stop ticking.
            if tokio::task::spawn_blocking(move || cp.tick())
                .await
                .is_err()
            {
                tracing::error!("control-plane tick panicked");
            }
        }
    })
}

/// Everything `stampede hub` needs after parsing its flags: the bind rule, the listener, the
/// deadline ticker and the server, until `shutdown` resolves.
pub async fn run(
    config: &HubConfig,
    cp: Arc<ControlPlane>,
    shutdown: impl Future<Output = ()> + Send + 'static,
) -> Result<(), HubError> {
    let listener = bind(config).await?;
    tracing::info!(addr = %config.addr, token = config.token.is_some(), "hub listening");
    let ticker = spawn_ticker(Arc::clone(&cp), std::time::Duration::from_secs(1));
    let served = serve(listener, router(cp, config), shutdown).await;
    ticker.abort();
    served
}

/// The default local back ends under `data_dir`: `hub.db` (SQLite) and `blobs/` (DLT's S3 layout).
/// The launcher's tasks must write their results under the same `blobs/` directory. `grace` is
/// how long a run may go past its planned duration ([`DEFAULT_GRACE`] is a good default).
pub fn local_control_plane(
    data_dir: &Path,
    launcher: Arc<dyn Launcher>,
    validator: Option<ConfigValidator>,
    grace: std::time::Duration,
) -> Result<Arc<ControlPlane>, HubError> {
    let err = |reason: String| HubError::Data {
        dir: data_dir.display().to_string(),
        reason,
    };
    std::fs::create_dir_all(data_dir).map_err(|e| err(e.to_string()))?;
    let store = SqliteStore::open(&data_dir.join("hub.db")).map_err(|e| err(e.to_string()))?;
    for (test_id, run_id) in store.recovered() {
        tracing::warn!(
            test_id,
            run_id,
            "run was active when the hub stopped; marked failed"
        );
    }
    let blobs = DirBlobs::open(data_dir.join("blobs")).map_err(|e| err(e.to_string()))?;
    Ok(ControlPlane::new(Deps {
        store: Arc::new(store),
        blobs: Arc::new(blobs),
        launcher,
        clock: Arc::new(SystemClock),
        ids: Arc::new(RandomIds),
        validator,
        grace_ms: i64::try_from(grace.as_millis()).unwrap_or(i64::MAX),
    }))
}
