//! `GET …/testruns` query parameters, validated like bodies: every bad one named.

use crate::model::RunQuery;
use crate::validate::FieldError;

/// `GET …/testruns` query parameters: `limit` (1..100, default 20), `start_timestamp`,
/// `end_timestamp` (bounds on `startTime`; ISO `T`/`Z` forms are accepted), `latest` (only the
/// newest run) and `next_token` (from the previous page).
pub fn run_query(params: &[(String, String)]) -> Result<RunQuery, Vec<FieldError>> {
    let mut errs = Vec::new();
    let mut add = |field: &str, message: &str| {
        errs.push(FieldError {
            field: field.into(),
            message: message.into(),
        })
    };
    let mut q = RunQuery {
        limit: 20,
        ..Default::default()
    };
    let mut latest = false;
    for (key, value) in params {
        match key.as_str() {
            "limit" => match value.parse::<u32>() {
                Ok(n) if (1..=100).contains(&n) => q.limit = n,
                _ => add("limit", "must be an integer in 1..100"),
            },
            "start_timestamp" | "end_timestamp" => match timestamp(value) {
                Some(t) if key == "start_timestamp" => q.start = Some(t),
                Some(t) => q.end = Some(t),
                None => add(
                    key.as_str(),
                    "must be a time such as 2026-01-31 12:00:00 or 2026-01-31T12:00:00Z",
                ),
            },
            "latest" => match value.as_str() {
                "true" => latest = true,
                "false" => {}
                _ => add("latest", "must be true or false"),
            },
            "next_token" => match value.parse::<u64>() {
                Ok(n) => q.offset = n,
                Err(_) => add(
                    "next_token",
                    "must be a next_token returned by a previous page",
                ),
            },
            _ => {}
        }
    }
    if latest {
        q.limit = 1;
        q.offset = 0;
    }
    if errs.is_empty() { Ok(q) } else { Err(errs) }
}

/// A `startTime`-comparable `YYYY-MM-DD HH:mm:ss` from that form, its ISO variants or a date.
fn timestamp(s: &str) -> Option<String> {
    let t = s.trim().trim_end_matches('Z').replace('T', " ");
    let t = t.split('.').next().unwrap_or_default().to_owned();
    let formats = ["%Y-%m-%d %H:%M:%S", "%Y-%m-%d %H:%M"];
    if formats
        .iter()
        .any(|f| chrono::NaiveDateTime::parse_from_str(&t, f).is_ok())
    {
        return Some(if t.len() == 16 { format!("{t}:00") } else { t });
    }
    chrono::NaiveDate::parse_from_str(&t, "%Y-%m-%d")
        .ok()
        .map(|_| format!("{t} 00:00:00"))
}
