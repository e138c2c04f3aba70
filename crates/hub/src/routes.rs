//! Every route in one place. Handlers parse the request, call the domain on a blocking thread
//! (SQLite and process spawning block) and return its JSON.

use std::sync::Arc;

use axum::Router;
use axum::body::Bytes;
use axum::extract::rejection::BytesRejection;
use axum::extract::{DefaultBodyLimit, Path, Query, State};
use axum::middleware;
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use serde_json::Value;
use stampede_control::ControlPlane;
use stampede_control::query::run_query;

use crate::HubConfig;
use crate::error::ApiError;

/// What handlers share.
#[derive(Clone)]
pub(crate) struct AppState {
    pub cp: Arc<ControlPlane>,
    pub body_limit: usize,
}

type Reply = Result<axum::Json<Value>, ApiError>;

/// The hub's router: DLT's routes under `/api`, Stampede's additions next to them, the console
/// at `/`.
pub fn router(cp: Arc<ControlPlane>, config: &HubConfig) -> Router {
    let state = AppState {
        cp,
        body_limit: config.body_limit,
    };
    let runs = "/api/scenarios/{test_id}/testruns";
    let mut api = Router::new()
        .route("/api/scenarios", get(list_tests).post(create))
        .route(
            "/api/scenarios/{test_id}",
            get(get_test).post(cancel).delete(delete_test),
        )
        .route(runs, get(list_runs).delete(delete_runs))
        .route(&format!("{runs}/{{run_id}}"), get(get_run))
        .route(
            &format!("{runs}/{{run_id}}/live"),
            get(crate::live::events).post(live_frame),
        )
        .route(&format!("{runs}/{{run_id}}/timeline"), get(timeline))
        .route(&format!("{runs}/{{run_id}}/compare"), get(compare))
        .route(
            &format!("{runs}/{{run_id}}/results.xml"),
            get(crate::console::merged_results),
        )
        .route(
            &format!("{runs}/{{run_id}}/report.html"),
            get(crate::console::merged_report),
        )
        .route(
            &format!("{runs}/{{run_id}}/tasks/{{task}}/{{file}}"),
            get(crate::console::task_file),
        )
        .route(
            "/api/scenarios/{test_id}/baseline",
            get(get_baseline).put(put_baseline).delete(delete_baseline),
        )
        .fallback(|| async { ApiError::NoRoute })
        .layer(DefaultBodyLimit::max(config.body_limit))
        .with_state(state);
    if let Some(token) = &config.token {
        let token: Arc<str> = Arc::from(token.as_str());
        api = api.layer(middleware::from_fn_with_state(
            token,
            crate::auth::require_token,
        ));
    }
    crate::console::routes().merge(api)
}

/// Runs a domain call off the async threads.
pub(crate) async fn blocking<T: Send + 'static>(
    cp: &Arc<ControlPlane>,
    f: impl FnOnce(&ControlPlane) -> Result<T, stampede_control::ControlError> + Send + 'static,
) -> Result<T, ApiError> {
    let cp = Arc::clone(cp);
    tokio::task::spawn_blocking(move || f(&cp))
        .await
        .map_err(|_| ApiError::Internal)?
        .map_err(ApiError::from)
}

fn bytes_body(body: Result<Bytes, BytesRejection>, limit: usize) -> Result<Bytes, ApiError> {
    body.map_err(|r| match r {
        BytesRejection::FailedToBufferBody(_) => ApiError::TooLarge { limit },
        other => ApiError::BadBody(other.body_text()),
    })
}

fn json_body(body: Result<Bytes, BytesRejection>, limit: usize) -> Result<Value, ApiError> {
    let bytes = bytes_body(body, limit)?;
    serde_json::from_slice(&bytes).map_err(|e| ApiError::BadBody(format!("body is not JSON: {e}")))
}

async fn list_tests(State(s): State<AppState>) -> Reply {
    blocking(&s.cp, |cp| cp.list_tests()).await.map(axum::Json)
}

async fn create(State(s): State<AppState>, body: Result<Bytes, BytesRejection>) -> Reply {
    let body = json_body(body, s.body_limit)?;
    blocking(&s.cp, move |cp| cp.create_and_run(&body))
        .await
        .map(axum::Json)
}

#[derive(serde::Deserialize)]
struct TestQuery {
    /// `false` leaves out `history[]` (Stampede's addition; DLT's shape is the default).
    history: Option<bool>,
}

async fn get_test(
    State(s): State<AppState>,
    Path(test_id): Path<String>,
    Query(q): Query<TestQuery>,
) -> Reply {
    let history = q.history.unwrap_or(true);
    blocking(&s.cp, move |cp| cp.get_test_with(&test_id, history))
        .await
        .map(axum::Json)
}

async fn cancel(State(s): State<AppState>, Path(test_id): Path<String>) -> Reply {
    blocking(&s.cp, move |cp| cp.cancel(&test_id))
        .await
        .map(axum::Json)
}

async fn delete_test(State(s): State<AppState>, Path(test_id): Path<String>) -> Reply {
    blocking(&s.cp, move |cp| cp.delete_test(&test_id))
        .await
        .map(axum::Json)
}

async fn list_runs(
    State(s): State<AppState>,
    Path(test_id): Path<String>,
    Query(params): Query<Vec<(String, String)>>,
) -> Reply {
    let query = run_query(&params).map_err(stampede_control::ControlError::Invalid)?;
    blocking(&s.cp, move |cp| cp.list_runs(&test_id, &query))
        .await
        .map(axum::Json)
}

async fn delete_runs(
    State(s): State<AppState>,
    Path(test_id): Path<String>,
    body: Result<Bytes, BytesRejection>,
) -> Reply {
    let body = json_body(body, s.body_limit)?;
    let ids: Vec<String> = serde_json::from_value(body)
        .map_err(|_| ApiError::BadBody("body must be an array of testRunIds".into()))?;
    blocking(&s.cp, move |cp| cp.delete_runs(&test_id, &ids))
        .await
        .map(axum::Json)
}

async fn get_run(
    State(s): State<AppState>,
    Path((test_id, run_id)): Path<(String, String)>,
) -> Reply {
    blocking(&s.cp, move |cp| cp.get_run(&test_id, &run_id))
        .await
        .map(axum::Json)
}

async fn live_frame(
    State(s): State<AppState>,
    Path((test_id, run_id)): Path<(String, String)>,
    body: Result<Bytes, BytesRejection>,
) -> Result<Response, ApiError> {
    let bytes = bytes_body(body, s.body_limit)?;
    // Merging a frame is a fraction of a millisecond of CPU and no I/O: done here, a hand-over to
    // the blocking pool would cost more than the merge (docs/control-plane.md, "Live data").
    s.cp.live_frame(&test_id, &run_id, &bytes)?;
    Ok(axum::http::StatusCode::NO_CONTENT.into_response())
}

#[derive(serde::Deserialize)]
struct TimelineQuery {
    /// `labels`: every label's exact KPIs per second (finished runs), not the console's summary.
    detail: Option<String>,
}

async fn timeline(
    State(s): State<AppState>,
    Path((test_id, run_id)): Path<(String, String)>,
    Query(q): Query<TimelineQuery>,
) -> Reply {
    let labels = q.detail.as_deref() == Some("labels");
    blocking(&s.cp, move |cp| {
        if labels {
            cp.timeline_detail(&test_id, &run_id)
        } else {
            cp.timeline(&test_id, &run_id)
        }
    })
    .await
    .map(axum::Json)
}

#[derive(serde::Deserialize)]
struct CompareQuery {
    /// Another run of the same test; the baseline when absent.
    with: Option<String>,
}

async fn compare(
    State(s): State<AppState>,
    Path((test_id, run_id)): Path<(String, String)>,
    Query(q): Query<CompareQuery>,
) -> Reply {
    blocking(&s.cp, move |cp| {
        cp.compare(&test_id, &run_id, q.with.as_deref())
    })
    .await
    .map(axum::Json)
}

async fn get_baseline(State(s): State<AppState>, Path(test_id): Path<String>) -> Reply {
    blocking(&s.cp, move |cp| cp.get_baseline(&test_id))
        .await
        .map(axum::Json)
}

async fn put_baseline(
    State(s): State<AppState>,
    Path(test_id): Path<String>,
    body: Result<Bytes, BytesRejection>,
) -> Reply {
    let body = json_body(body, s.body_limit)?;
    blocking(&s.cp, move |cp| cp.put_baseline(&test_id, &body))
        .await
        .map(axum::Json)
}

async fn delete_baseline(State(s): State<AppState>, Path(test_id): Path<String>) -> Reply {
    blocking(&s.cp, move |cp| cp.delete_baseline(&test_id))
        .await
        .map(axum::Json)
}
