//! The task runner's queue message: DLT v1.0's `{"testId","taskCount"}`, plus the optional
//! `testRunId` and `region` the API adds. Every problem names its field.

use serde_json::Value;

/// A message that can never be launched; retrying it would not help.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{field}: {message}")]
pub struct BadMessage {
    pub field: &'static str,
    pub message: String,
}

fn bad(field: &'static str, message: impl Into<String>) -> BadMessage {
    BadMessage {
        field,
        message: message.into(),
    }
}

/// What to launch.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LaunchRequest {
    pub test_id: String,
    pub task_count: u32,
    /// The run the message was sent for; `None` for DLT's own two-field message.
    pub run_id: Option<String>,
}

/// RunTask's per-test ceiling in DLT v1.3+ (and the API's `taskCount` bound).
pub const MAX_TASKS: u32 = 1000;

impl LaunchRequest {
    pub fn from_body(body: &str) -> Result<LaunchRequest, BadMessage> {
        let v: Value = serde_json::from_str(body).map_err(|e| {
            bad(
                "body",
                format!("is not JSON ({e}); expected {{\"testId\",\"taskCount\"}}"),
            )
        })?;
        let Some(obj) = v.as_object() else {
            return Err(bad(
                "body",
                "must be a JSON object {\"testId\",\"taskCount\"}",
            ));
        };
        let test_id = match obj.get("testId") {
            Some(Value::String(s)) if valid_id(s) => s.clone(),
            Some(_) => return Err(bad("testId", "must be 1..128 letters, digits, '-' or '_'")),
            None => return Err(bad("testId", "is required")),
        };
        // DLT v1.0's console sent the count as a string ("10"), so both forms are read.
        let count = match obj.get("taskCount") {
            Some(Value::Number(n)) => n.as_u64(),
            Some(Value::String(s)) => s.trim().parse::<u64>().ok(),
            Some(_) => None,
            None => return Err(bad("taskCount", "is required")),
        };
        let task_count = match count {
            Some(n) if (1..=u64::from(MAX_TASKS)).contains(&n) => n as u32,
            _ => {
                return Err(bad(
                    "taskCount",
                    format!("must be a whole number in 1..{MAX_TASKS}"),
                ));
            }
        };
        let run_id = match obj.get("testRunId") {
            None | Some(Value::Null) => None,
            Some(Value::String(s)) if valid_id(s) => Some(s.clone()),
            Some(_) => {
                return Err(bad(
                    "testRunId",
                    "must be 1..128 letters, digits, '-' or '_'",
                ));
            }
        };
        Ok(LaunchRequest {
            test_id,
            task_count,
            run_id,
        })
    }
}

fn valid_id(s: &str) -> bool {
    (1..=128).contains(&s.len())
        && s.bytes()
            .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_')
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_the_seed_message_and_the_extended_one() {
        let r = LaunchRequest::from_body(r#"{"testId":"abc","taskCount":"23"}"#).unwrap();
        assert_eq!(
            (r.test_id.as_str(), r.task_count, r.run_id),
            ("abc", 23, None)
        );
        let r = LaunchRequest::from_body(
            r#"{"testId":"abc","taskCount":3,"testRunId":"r-1","region":"x"}"#,
        )
        .unwrap();
        assert_eq!(r.run_id.as_deref(), Some("r-1"));
    }

    #[test]
    fn bad_messages_name_the_field() {
        let field = |b: &str| LaunchRequest::from_body(b).unwrap_err().field;
        assert_eq!(field("not json"), "body");
        assert_eq!(field("[1]"), "body");
        assert_eq!(field(r#"{"taskCount":1}"#), "testId");
        assert_eq!(field(r#"{"testId":"../x","taskCount":1}"#), "testId");
        assert_eq!(field(r#"{"testId":"a"}"#), "taskCount");
        assert_eq!(field(r#"{"testId":"a","taskCount":0}"#), "taskCount");
        assert_eq!(field(r#"{"testId":"a","taskCount":1.5}"#), "taskCount");
        assert_eq!(field(r#"{"testId":"a","taskCount":1001}"#), "taskCount");
        assert_eq!(
            field(r#"{"testId":"a","taskCount":1,"testRunId":7}"#),
            "testRunId"
        );
    }
}
