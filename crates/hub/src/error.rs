//! One error type for every handler: a status and a JSON body
//! `{"code", "message", "errors"?: [{"field", "message"}]}`.

use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use serde_json::{Value, json};
use stampede_control::ControlError;

#[derive(Debug)]
pub enum ApiError {
    Control(ControlError),
    /// The body is not JSON (or not the JSON this route takes).
    BadBody(String),
    TooLarge {
        limit: usize,
    },
    Unauthorized,
    NoRoute,
    /// A blocking task panicked or was cancelled: a bug, reported without details.
    Internal,
}

impl From<ControlError> for ApiError {
    fn from(e: ControlError) -> Self {
        ApiError::Control(e)
    }
}

impl ApiError {
    fn parts(&self) -> (StatusCode, &'static str, String, Option<Value>) {
        match self {
            ApiError::Control(e) => {
                let status = match e {
                    ControlError::Invalid(_) | ControlError::Frame(_) => StatusCode::BAD_REQUEST,
                    ControlError::TestNotFound { .. }
                    | ControlError::RunNotFound { .. }
                    | ControlError::NoBaseline { .. }
                    | ControlError::NoHistograms { .. } => StatusCode::NOT_FOUND,
                    ControlError::Active { .. } | ControlError::NotRunning { .. } => {
                        StatusCode::CONFLICT
                    }
                    ControlError::Store(_) | ControlError::Blob(_) => {
                        StatusCode::INTERNAL_SERVER_ERROR
                    }
                };
                let errors = match e {
                    ControlError::Invalid(list) => Some(json!(list)),
                    _ => None,
                };
                (status, e.code(), e.to_string(), errors)
            }
            ApiError::BadBody(m) => (
                StatusCode::BAD_REQUEST,
                "INVALID_REQUEST_BODY",
                m.clone(),
                Some(json!([{"field": "body", "message": m}])),
            ),
            ApiError::TooLarge { limit } => (
                StatusCode::PAYLOAD_TOO_LARGE,
                "REQUEST_TOO_LARGE",
                format!("request body is larger than {limit} bytes"),
                None,
            ),
            ApiError::Unauthorized => (
                StatusCode::UNAUTHORIZED,
                "UNAUTHORIZED",
                "this hub needs its token: send Authorization: Bearer <token>".into(),
                None,
            ),
            ApiError::NoRoute => (
                StatusCode::NOT_FOUND,
                "NOT_FOUND",
                "no such API route".into(),
                None,
            ),
            ApiError::Internal => (
                StatusCode::INTERNAL_SERVER_ERROR,
                "INTERNAL_ERROR",
                "internal error; see the hub's log".into(),
                None,
            ),
        }
    }
}

impl IntoResponse for ApiError {
    fn into_response(self) -> Response {
        let (status, code, message, errors) = self.parts();
        if status.is_server_error() {
            tracing::error!(code, message, "API call failed");
        }
        let mut body = json!({"code": code, "message": message});
        if let Some(errors) = errors {
            body["errors"] = errors;
        }
        let mut response = (status, axum::Json(body)).into_response();
        if matches!(self, ApiError::Unauthorized) {
            response
                .headers_mut()
                .insert(header::WWW_AUTHENTICATE, HeaderValue::from_static("Bearer"));
        }
        response
    }
}
