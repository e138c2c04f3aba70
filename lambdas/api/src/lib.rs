//! The API Lambda (DLT's api-services): an API Gateway REST proxy event → the hub's own API
//! handlers (`stampede_hub::router`) over the AWS back ends of `stampede-control-aws`, so the
//! routes, bodies, statuses and error shapes are exactly the hub's. [`handle`] takes the event and
//! the router built once in `main`; [`proxy`] converts events and responses.
//!
//! ```no_run
//! # async fn f() -> Result<(), Box<dyn std::error::Error>> {
//! let app = api::App::from_env().await?;
//! let reply = api::handle(serde_json::json!({"httpMethod": "GET", "path": "/scenarios"}), &app).await;
//! assert_eq!(reply["statusCode"], 200);
//! # Ok(()) }
//! ```

pub mod proxy;

use std::sync::Arc;

use serde_json::Value;
use stampede_control::ControlPlane;
use stampede_control_aws::sdk::Clients;
use stampede_control_aws::settings::{MissingVar, Resources};
use stampede_hub::HubConfig;
use tower::ServiceExt;

/// What every invocation borrows: the hub's router over the AWS back ends.
#[derive(Clone)]
pub struct App {
    router: axum::Router,
}

/// Request bodies larger than this get 413; API Gateway's own limit is 10 MB.
pub const BODY_LIMIT: usize = stampede_hub::DEFAULT_BODY_LIMIT;

impl App {
    /// The router over `cp`. Authentication is API Gateway's (Cognito, IAM), not a hub token.
    pub fn new(cp: Arc<ControlPlane>) -> App {
        let config = HubConfig {
            addr: ([127, 0, 0, 1], 0).into(),
            token: None,
            body_limit: BODY_LIMIT,
        };
        App {
            router: stampede_hub::router(cp, &config),
        }
    }

    /// Clients and resources from the environment (`docs/aws.md`). Call inside a multi-threaded
    /// Tokio runtime: the back ends block on it from the handlers' blocking threads.
    pub async fn from_env() -> Result<App, MissingVar> {
        let resources = Resources::from_env()?;
        let clients = Clients::from_env().await;
        Ok(App::new(stampede_control_aws::control_plane(
            &clients, &resources, None,
        )))
    }
}

/// Handles one proxy event and returns the proxy response. A malformed event is a 400 naming the
/// field; nothing here fails the invocation, so API Gateway never retries.
pub async fn handle(event: Value, app: &App) -> Value {
    let request = match proxy::request(&event) {
        Ok(r) => r,
        Err(e) => {
            return proxy::error_response(
                400,
                "INVALID_REQUEST_EVENT",
                &e.to_string(),
                Some(e.field),
            );
        }
    };
    match app.router.clone().oneshot(request).await {
        Ok(response) => proxy::response(response).await,
        Err(never) => match never {},
    }
}

/// Why `api local EVENT.json` could not run the handler.
#[derive(Debug, thiserror::Error)]
pub enum LocalError {
    #[error("usage: api local EVENT.json (an API Gateway REST proxy event)")]
    Usage,
    #[error("{path}: {source}")]
    Read {
        path: String,
        source: std::io::Error,
    },
    #[error("{path} is not JSON: {source}")]
    Json {
        path: String,
        source: serde_json::Error,
    },
    #[error(transparent)]
    Config(#[from] MissingVar),
}

/// `api local EVENT.json`: the handler once on the event, against whatever `AWS_ENDPOINT_URL`
/// names; returns the proxy response.
pub async fn run_local(args: &[String]) -> Result<Value, LocalError> {
    let [path] = args else {
        return Err(LocalError::Usage);
    };
    let text = std::fs::read_to_string(path).map_err(|source| LocalError::Read {
        path: path.clone(),
        source,
    })?;
    let event: Value = serde_json::from_str(&text).map_err(|source| LocalError::Json {
        path: path.clone(),
        source,
    })?;
    let app = App::from_env().await?;
    Ok(handle(event, &app).await)
}
