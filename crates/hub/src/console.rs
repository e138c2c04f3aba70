//! The web console: one page and its assets, embedded in the binary (no build step), plus the
//! per-task downloads it offers. The page only calls the API; it holds no data of its own, so it
//! is served without the token (the API calls it makes still need it).

use axum::Router;
use axum::extract::{Path, State};
use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use stampede_control::TaskFile;

use crate::error::ApiError;
use crate::routes::{AppState, blocking};

const INDEX: &str = include_str!("../assets/index.html");
const APP_JS: &str = include_str!("../assets/app.js");
const APP_CSS: &str = include_str!("../assets/app.css");
// uPlot is vendored once for the console and the standalone HTML report (vendor/uplot/README.md).
const UPLOT_JS: &str = include_str!("../../../vendor/uplot/uPlot.iife.min.js");
const UPLOT_CSS: &str = include_str!("../../../vendor/uplot/uPlot.min.css");

/// Scripts and styles come from the hub only; nothing user-supplied can add one.
const CSP: &str = "default-src 'self'; img-src 'self' data:; style-src 'self' 'unsafe-inline'; \
                   object-src 'none'; base-uri 'none'; frame-ancestors 'none'";

/// The console's routes (no token needed: static files).
pub(crate) fn routes() -> Router {
    Router::new()
        .route(
            "/",
            get(|| async { asset("text/html; charset=utf-8", INDEX) }),
        )
        .route(
            "/assets/app.js",
            get(|| async { asset("text/javascript; charset=utf-8", APP_JS) }),
        )
        .route(
            "/assets/app.css",
            get(|| async { asset("text/css; charset=utf-8", APP_CSS) }),
        )
        .route(
            "/assets/vendor/uPlot.iife.min.js",
            get(|| async { asset("text/javascript; charset=utf-8", UPLOT_JS) }),
        )
        .route(
            "/assets/vendor/uPlot.min.css",
            get(|| async { asset("text/css; charset=utf-8", UPLOT_CSS) }),
        )
}

fn asset(content_type: &'static str, body: &'static str) -> Response {
    (
        [
            (header::CONTENT_TYPE, content_type),
            (header::CONTENT_SECURITY_POLICY, CSP),
            (header::X_CONTENT_TYPE_OPTIONS, "nosniff"),
            (header::CACHE_CONTROL, "no-cache"),
        ],
        body,
    )
        .into_response()
}

/// `GET …/testruns/{runId}/results.xml`: the run's results merged exactly from all its tasks.
pub(crate) async fn merged_results(
    State(s): State<AppState>,
    Path((test_id, run_id)): Path<(String, String)>,
) -> Result<Response, ApiError> {
    let (t, r) = (test_id.clone(), run_id.clone());
    let merged = blocking(&s.cp, move |cp| cp.merged_results(&t, &r)).await?;
    let Some(merged) = merged else {
        return Ok((StatusCode::NOT_FOUND, "no task of this run left results").into_response());
    };
    Ok(download(
        parser::write::to_string(&merged.status).into_bytes(),
        "application/xml",
        &format!("{run_id}-results.xml"),
    ))
}

/// `GET …/testruns/{runId}/report.html`: the standalone HTML report of the whole run, from its
/// merged results and merged seconds (the same page a single `stampede run` writes).
pub(crate) async fn merged_report(
    State(s): State<AppState>,
    Path((test_id, run_id)): Path<(String, String)>,
) -> Result<Response, ApiError> {
    let (t, r) = (test_id.clone(), run_id.clone());
    let html = blocking(&s.cp, move |cp| {
        let Some(merged) = cp.merged_results(&t, &r)? else {
            return Ok(None);
        };
        let seconds = cp.merged_seconds(&t, &r)?;
        Ok(Some(render_report(&merged, &seconds)))
    })
    .await?;
    let Some(html) = html else {
        return Ok((StatusCode::NOT_FOUND, "no task of this run left results").into_response());
    };
    Ok(download(
        html.into_bytes(),
        "text/html; charset=utf-8",
        &format!("{run_id}-report.html"),
    ))
}

fn render_report(
    merged: &stampede_control::MergedRun,
    seconds: &[(i64, stampede_control::live::Second)],
) -> String {
    let mut summary = stampede_stats::merged::summary(&merged.status, Some(&merged.histograms));
    if let (Some((first, _)), Some((last, _))) = (seconds.first(), seconds.last()) {
        // The report's clock: the run's first and last merged seconds.
        summary.first_ts = u64::try_from(*first).ok();
        summary.last_ts = u64::try_from(*last).ok();
        summary.started = *first as f64;
        summary.ended = (*last + 1) as f64;
    }
    let points: Vec<_> = seconds
        .iter()
        .map(|(second, s)| {
            let users = s.vu.values().map(|v| u64::from(*v)).sum();
            let second = u64::try_from(*second).unwrap_or(0);
            stampede_stats::merged::datapoint(second, users, &s.labels, &summary.percentiles)
        })
        .collect();
    stampede_report::html::render(&summary, &points)
}

fn download(bytes: Vec<u8>, content_type: &'static str, filename: &str) -> Response {
    let mut resp = bytes.into_response();
    let h = resp.headers_mut();
    h.insert(header::CONTENT_TYPE, HeaderValue::from_static(content_type));
    h.insert(
        header::X_CONTENT_TYPE_OPTIONS,
        HeaderValue::from_static("nosniff"),
    );
    if let Ok(v) = HeaderValue::from_str(&format!("attachment; filename=\"{filename}\"")) {
        h.insert(header::CONTENT_DISPOSITION, v);
    }
    resp
}

/// `GET …/testruns/{run}/tasks/{task}/{results.xml|report.html}`: always an attachment, so a
/// report never runs as a page of the hub's origin.
pub(crate) async fn task_file(
    State(s): State<AppState>,
    Path((test_id, run_id, task, name)): Path<(String, String, u32, String)>,
) -> Result<Response, ApiError> {
    let (file, content_type) = match name.as_str() {
        "results.xml" => (TaskFile::Results, "application/xml"),
        "report.html" => (TaskFile::Report, "text/html; charset=utf-8"),
        _ => return Err(ApiError::NoRoute),
    };
    let (t, r) = (test_id.clone(), run_id.clone());
    let bytes = blocking(&s.cp, move |cp| cp.task_file(&t, &r, task, file)).await?;
    let Some(bytes) = bytes else {
        return Ok((StatusCode::NOT_FOUND, "this task left no such file").into_response());
    };
    Ok(download(
        bytes,
        content_type,
        &format!("{run_id}-task{task}-{name}"),
    ))
}
