//! The two events that invoke the Lambda, typed: an S3 `ObjectCreated` notification (DLT v1.0) and
//! the Step Functions "Parse result" state (DLT v1.1 … v4).
//!
//! The S3 types are our own rather than `aws_lambda_events::s3::S3Event`: that type requires
//! `eventTime`, `userIdentity` and `requestParameters` in every record, which moto's notifications
//! leave out, and the handler reads only the bucket and the key.

use percent_encoding::percent_decode_str;
use serde::Deserialize;
use serde_json::Value;

use crate::error::HandlerError;

/// One invocation's event.
#[derive(Clone, Debug, PartialEq)]
pub enum Event {
    S3(S3Event),
    StepFunctions(SfnEvent),
}

impl Event {
    /// Tells the two shapes apart by their top-level keys, then reads the one found; anything else
    /// is a [`HandlerError::BadEvent`] naming what was wrong.
    pub fn from_json(event: Value) -> Result<Event, HandlerError> {
        let bad = |what: &str, e: serde_json::Error| HandlerError::BadEvent(format!("{what}: {e}"));
        if event.get("Records").is_some() {
            serde_json::from_value(event)
                .map(Event::S3)
                .map_err(|e| bad("S3 event", e))
        } else if event.get("testId").is_some() || event.pointer("/scenario/testId").is_some() {
            serde_json::from_value::<SfnJson>(event)
                .map_err(|e| bad("Step Functions event", e))?
                .try_into()
                .map(Event::StepFunctions)
        } else {
            let keys: Vec<&String> = event
                .as_object()
                .map(|m| m.keys().collect())
                .unwrap_or_default();
            Err(HandlerError::BadEvent(format!("top-level keys {keys:?}")))
        }
    }
}

/// An S3 notification: one record per created object.
#[derive(Clone, Debug, PartialEq, Deserialize)]
pub struct S3Event {
    #[serde(rename = "Records")]
    pub records: Vec<S3Record>,
}

#[derive(Clone, Debug, PartialEq, Deserialize)]
pub struct S3Record {
    pub s3: S3Entity,
}

#[derive(Clone, Debug, PartialEq, Deserialize)]
pub struct S3Entity {
    pub bucket: S3Bucket,
    pub object: S3Object,
}

#[derive(Clone, Debug, PartialEq, Deserialize)]
pub struct S3Bucket {
    pub name: String,
}

#[derive(Clone, Debug, PartialEq, Deserialize)]
pub struct S3Object {
    /// Form-encoded, as S3 sends it; see [`S3Record::key`].
    pub key: String,
}

impl S3Record {
    pub fn bucket(&self) -> &str {
        &self.s3.bucket.name
    }

    /// The object key, decoded: S3 event keys are form-encoded, `+` is a space and `%XX` a byte
    /// (moto even encodes `/`).
    pub fn key(&self) -> String {
        decode_key(&self.s3.object.key)
    }
}

fn decode_key(raw: &str) -> String {
    let spaced = raw.replace('+', " ");
    percent_decode_str(&spaced).decode_utf8_lossy().into_owned()
}

/// The fields of the Step Functions state that the parser uses.
#[derive(Clone, Debug, PartialEq)]
pub struct SfnEvent {
    pub test_id: String,
    /// The run's key prefix under `results/<testId>/`.
    pub prefix: String,
    /// `testTaskConfig[].region` (v3+); `None` for the v1.1–v2 events that have no task config.
    pub regions: Option<Vec<String>>,
    /// v4 only.
    pub test_run_id: Option<String>,
}

/// The state as DLT spells it; v1.1–v2 put `testId` inside `scenario`.
#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct SfnJson {
    test_id: Option<String>,
    scenario: Option<ScenarioRef>,
    prefix: String,
    test_task_config: Option<Vec<TaskConfig>>,
    test_run_id: Option<String>,
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct ScenarioRef {
    test_id: Option<String>,
}

#[derive(Deserialize)]
struct TaskConfig {
    region: String,
}

impl TryFrom<SfnJson> for SfnEvent {
    type Error = HandlerError;
    fn try_from(j: SfnJson) -> Result<SfnEvent, HandlerError> {
        let test_id = j
            .test_id
            .or_else(|| j.scenario.and_then(|s| s.test_id))
            .ok_or_else(|| HandlerError::BadEvent("testId is missing".into()))?;
        Ok(SfnEvent {
            test_id,
            prefix: j.prefix,
            regions: j
                .test_task_config
                .map(|cfgs| cfgs.into_iter().map(|c| c.region).collect()),
            test_run_id: j.test_run_id,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn s3(object: Value) -> Value {
        json!({"Records": [{"eventName": "ObjectCreated:Put",
            "s3": {"bucket": {"name": "b"}, "object": object}}]})
    }

    #[test]
    fn s3_keys_are_url_decoded() {
        let Event::S3(ev) =
            Event::from_json(s3(json!({"key": "results%2Ftest+1%2Frun-1.xml"}))).unwrap()
        else {
            panic!("an S3 event");
        };
        assert_eq!(ev.records[0].bucket(), "b");
        assert_eq!(ev.records[0].key(), "results/test 1/run-1.xml");
        assert_eq!(
            decode_key("results/Ar_wFhrqx/1e80.xml"),
            "results/Ar_wFhrqx/1e80.xml"
        );
        assert_eq!(decode_key("a%2Bb"), "a+b");
    }

    #[test]
    fn step_functions_events_of_every_era() {
        let v4 = json!({"testId": "t", "prefix": "p", "testRunId": "r",
            "testTaskConfig": [{"region": "us-east-1", "taskCount": 2}], "other": 1});
        let v11 = json!({"scenario": {"testId": "t", "taskCount": 1}, "prefix": "p",
            "testTaskConfig": null});
        let got: Vec<Event> = [v4, v11]
            .into_iter()
            .map(|e| Event::from_json(e).unwrap())
            .collect();
        let want = |regions: Option<Vec<String>>, run: Option<&str>| {
            Event::StepFunctions(SfnEvent {
                test_id: "t".into(),
                prefix: "p".into(),
                regions,
                test_run_id: run.map(Into::into),
            })
        };
        assert_eq!(got[0], want(Some(vec!["us-east-1".into()]), Some("r")));
        assert_eq!(got[1], want(None, None));
    }

    #[test]
    fn malformed_events_are_bad_events_that_say_what_is_wrong() {
        let cases = [
            (json!({"Records": {}}), "S3 event"),
            (s3(json!({"size": 1})), "key"),
            (json!({"testId": 5, "prefix": "p"}), "Step Functions event"),
            (json!({"testId": "t"}), "prefix"),
            (
                json!({"testId": "t", "prefix": "p", "testTaskConfig": [{"name": 1}]}),
                "region",
            ),
            (json!([1, 2]), "top-level keys"),
        ];
        for (event, says) in cases {
            let err = Event::from_json(event.clone()).unwrap_err();
            assert_eq!(err.kind(), "BadEvent", "{event}");
            assert!(err.to_string().contains(says), "{event}: {err}");
        }
    }
}
