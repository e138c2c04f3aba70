//! The task runner: one queue message → `ecs:RunTask` calls of at most 10 tasks (RunTask's cap),
//! with launch progress kept on the Scenarios item so a redelivered message launches only what is
//! still missing.
//!
//! Pacing: DLT v1.0 slept 10 s between batches, so 100 tasks took 90 s to start and 1,000 took
//! 15 minutes, while the first ones were already running load. Here batches go back to back and
//! only ECS's own signals slow them down: a throttling error or a batch ECS did not fully place
//! (`failures`, e.g. capacity) backs off exponentially with jitter (250 ms doubling to 8 s),
//! and the missing tasks are retried. ECS's RunTask rate limits (bursts of 100 tasks, then about
//! 20 a second per account and region) are thus used fully instead of guessed at.
//!
//! Exactly-once per message: `launchedTasks` on the item counts the tasks ECS accepted for the
//! current run; each batch adds to it under the condition that the run is still current and
//! running, so a redelivered message finds the count and launches the rest only, and a cancel
//! between batches stops the launch (and the batch that raced it). A lease attribute keeps two
//! deliveries handled at the same moment from both launching. RunTask's `clientToken` is derived
//! from the run and the count so far, so a retry of a call whose answer was lost is not a second
//! launch either.

use std::collections::HashMap;
use std::time::{Duration, Instant, SystemTime};

use aws_sdk_dynamodb::types::AttributeValue;
use aws_sdk_ecs::config::retry::RetryConfig;
use aws_sdk_ecs::types::{
    AssignPublicIp, AwsVpcConfiguration, ContainerOverride, KeyValuePair, LaunchType,
    NetworkConfiguration, TaskOverride,
};
use results_parser::attr::{from_attrs, to_attr};
use serde_json::{Value, json};

use crate::ecs::{started_by, stop_tasks};
use crate::message::LaunchRequest;
use crate::sdk::{Clients, describe, transient};
use crate::settings::TaskSettings;

/// RunTask's hard cap on `count`.
pub const BATCH: u32 = 10;

/// How failures are retried.
#[derive(Clone, Debug)]
pub struct Pacing {
    pub first_backoff: Duration,
    pub max_backoff: Duration,
    /// Consecutive unsuccessful calls before the runner gives up on the missing tasks.
    pub max_attempts: u32,
}

impl Default for Pacing {
    fn default() -> Self {
        Pacing {
            first_backoff: Duration::from_millis(250),
            max_backoff: Duration::from_secs(8),
            max_attempts: 8,
        }
    }
}

impl Pacing {
    fn backoff(&self, attempt: u32) -> Duration {
        let full = self
            .first_backoff
            .saturating_mul(1 << attempt.min(16))
            .min(self.max_backoff);
        full.mul_f64(rand::random_range(0.5..=1.0))
    }
}

/// Failures the caller should retry (the queue redelivers the message).
#[derive(Debug, thiserror::Error)]
pub enum RunnerError {
    #[error("DynamoDB {op} on {table}: {message}")]
    Store {
        op: &'static str,
        table: String,
        message: String,
    },
    #[error(
        "the invocation is about to time out with {launched} of {wanted} tasks launched; the \
         rest are launched when the message is delivered again"
    )]
    OutOfTime { launched: u32, wanted: u32 },
}

/// What one message did; the Lambda returns it as JSON.
#[derive(Debug, Default, PartialEq)]
pub struct Report {
    pub test_id: String,
    /// `launched`, `already launched`, `partial`, `failed`, or `skipped`.
    pub outcome: &'static str,
    pub reason: Option<String>,
    pub wanted: u32,
    /// Tasks ECS accepted for this run before this message was handled.
    pub before: u32,
    /// Tasks ECS accepted for this run in all, now.
    pub launched: u32,
    /// `count` of every RunTask call made.
    pub calls: Vec<u32>,
    /// Every failure met, retried or not.
    pub failures: Vec<String>,
}

impl Report {
    pub fn to_json(&self) -> Value {
        json!({
            "testId": self.test_id, "outcome": self.outcome, "reason": self.reason,
            "taskCount": self.wanted, "launchedBefore": self.before, "launched": self.launched,
            "runTaskCalls": self.calls, "failures": self.failures,
        })
    }
}

pub struct Runner {
    clients: Clients,
    settings: TaskSettings,
    pacing: Pacing,
}

/// The current run of a test as the Scenarios item has it.
struct Current {
    run_id: String,
    status: String,
    launched: u32,
    /// `taskCount`, which a launch that gave up on some tasks lowered to what runs.
    task_count: Option<u32>,
}

/// RunTask's idempotency token for the batch that starts at `before` tasks: at most 64
/// characters, the end of `<runId>-<before>` (the count is what must not be cut off).
fn client_token(run_id: &str, before: u32) -> String {
    let token = format!("{run_id}-{before}");
    let skip = token.chars().count().saturating_sub(64);
    token.chars().skip(skip).collect()
}

fn now_ms() -> u64 {
    SystemTime::now()
        .duration_since(SystemTime::UNIX_EPOCH)
        .map_or(0, |d| d.as_millis() as u64)
}

impl Runner {
    pub fn new(clients: Clients, settings: TaskSettings, pacing: Pacing) -> Self {
        Runner {
            clients,
            settings,
            pacing,
        }
    }

    fn store_err(&self, op: &'static str, message: String) -> RunnerError {
        RunnerError::Store {
            op,
            table: self.settings.scenarios_table.clone(),
            message,
        }
    }

    fn key(test_id: &str) -> HashMap<String, AttributeValue> {
        HashMap::from([("testId".to_owned(), AttributeValue::S(test_id.into()))])
    }

    async fn current(&self, test_id: &str) -> Result<Option<Current>, RunnerError> {
        let out = self
            .clients
            .ddb
            .get_item()
            .table_name(&self.settings.scenarios_table)
            .set_key(Some(Self::key(test_id)))
            .consistent_read(true)
            .send()
            .await
            .map_err(|e| self.store_err("GetItem", describe(&e)))?;
        let Some(item) = out.item().map(from_attrs) else {
            return Ok(None);
        };
        let text = |k: &str| {
            item.get(k)
                .and_then(Value::as_str)
                .unwrap_or_default()
                .to_owned()
        };
        Ok(Some(Current {
            run_id: text("testRunId"),
            status: text("status"),
            launched: item
                .get("launchedTasks")
                .and_then(Value::as_u64)
                .unwrap_or(0) as u32,
            task_count: item
                .get("taskCount")
                .and_then(Value::as_u64)
                .map(|n| n.min(u64::from(u32::MAX)) as u32),
        }))
    }

    /// One conditional update of the current run's item; `Ok(false)` when the run is no longer
    /// current and running (cancelled, replaced) or the lease is held by someone else.
    async fn update_run(
        &self,
        test_id: &str,
        run_id: &str,
        expr: &str,
        extra_cond: Option<&str>,
        values: Vec<(&str, Value)>,
    ) -> Result<bool, RunnerError> {
        let mut cond = "testRunId = :run AND #status = :running".to_owned();
        if let Some(c) = extra_cond {
            cond.push_str(" AND ");
            cond.push_str(c);
        }
        let mut vals: HashMap<String, AttributeValue> = values
            .into_iter()
            .map(|(k, v)| (k.to_owned(), to_attr(&v)))
            .collect();
        vals.insert(":run".into(), AttributeValue::S(run_id.into()));
        vals.insert(":running".into(), AttributeValue::S("running".into()));
        let res = self
            .clients
            .ddb
            .update_item()
            .table_name(&self.settings.scenarios_table)
            .set_key(Some(Self::key(test_id)))
            .update_expression(expr)
            .condition_expression(cond)
            .expression_attribute_names("#status", "status")
            .set_expression_attribute_values(Some(vals))
            .send()
            .await;
        match res {
            Ok(_) => Ok(true),
            Err(e)
                if e.as_service_error()
                    .is_some_and(|s| s.is_conditional_check_failed_exception()) =>
            {
                Ok(false)
            }
            Err(e) => Err(self.store_err("UpdateItem", describe(&e))),
        }
    }

    /// Handles one message. `deadline` is when the invocation times out.
    pub async fn launch(
        &self,
        req: &LaunchRequest,
        deadline: Option<Instant>,
    ) -> Result<Report, RunnerError> {
        let mut report = Report {
            test_id: req.test_id.clone(),
            wanted: req.task_count,
            ..Report::default()
        };
        let skip = |mut r: Report, reason: String| {
            r.outcome = "skipped";
            r.reason = Some(reason);
            Ok(r)
        };
        let Some(cur) = self.current(&req.test_id).await? else {
            return skip(report, format!("test {} does not exist", req.test_id));
        };
        if req.run_id.as_ref().is_some_and(|r| *r != cur.run_id) {
            return skip(
                report,
                format!("stale message: the test's current run is {}", cur.run_id),
            );
        }
        if cur.status != "running" {
            return skip(report, format!("the test is {}", cur.status));
        }
        (report.before, report.launched) = (cur.launched, cur.launched);
        // A launch that gave up on some tasks lowered `taskCount` to what runs (the results
        // parser completes the run on that many files): a redelivered message must not start
        // the missing tasks behind its back.
        let req = &LaunchRequest {
            task_count: cur
                .task_count
                .map_or(req.task_count, |n| n.min(req.task_count)),
            ..req.clone()
        };
        if cur.launched >= req.task_count {
            report.outcome = "already launched";
            return Ok(report);
        }
        let lease_until = deadline.map_or(now_ms() + 900_000, |d| {
            now_ms() + d.saturating_duration_since(Instant::now()).as_millis() as u64
        });
        let leased = self
            .update_run(
                &req.test_id,
                &cur.run_id,
                "SET launchLease = :until",
                Some("(attribute_not_exists(launchLease) OR launchLease < :now)"),
                vec![(":until", json!(lease_until)), (":now", json!(now_ms()))],
            )
            .await?;
        if !leased {
            return skip(report, "another invocation is launching this run".into());
        }
        let result = self
            .launch_batches(req, &cur.run_id, &mut report, deadline)
            .await;
        // Best effort: an expired lease frees itself.
        let _ = self
            .update_run(
                &req.test_id,
                &cur.run_id,
                "REMOVE launchLease",
                None,
                vec![],
            )
            .await;
        result.map(|()| report)
    }

    async fn launch_batches(
        &self,
        req: &LaunchRequest,
        run_id: &str,
        report: &mut Report,
        deadline: Option<Instant>,
    ) -> Result<(), RunnerError> {
        let mut attempt = 0;
        while report.launched < req.task_count {
            if deadline.is_some_and(|d| {
                d.saturating_duration_since(Instant::now()) < Duration::from_secs(10)
            }) {
                return Err(RunnerError::OutOfTime {
                    launched: report.launched,
                    wanted: req.task_count,
                });
            }
            let count = (req.task_count - report.launched).min(BATCH);
            report.calls.push(count);
            let (arns, failures, retry) = self.run_task(req, run_id, report.launched, count).await;
            report.failures.extend(failures);
            if !arns.is_empty() {
                let k = arns.len() as u32;
                let counted = self
                    .update_run(
                        &req.test_id,
                        run_id,
                        "ADD launchedTasks :k",
                        None,
                        vec![(":k", json!(k))],
                    )
                    .await?;
                if !counted {
                    // Cancelled (or replaced) while this batch started: its tasks must not run.
                    let reason = format!("Stampede: test {} cancelled during launch", req.test_id);
                    if let Err(e) =
                        stop_tasks(&self.clients.ecs, &self.settings.cluster, &arns, &reason).await
                    {
                        report.failures.push(e);
                    }
                    report.outcome = "skipped";
                    report.reason = Some("the run was cancelled during the launch".into());
                    return Ok(());
                }
                report.launched += k;
            }
            if arns.len() as u32 == count {
                attempt = 0;
                continue;
            }
            attempt += 1;
            if !retry || attempt > self.pacing.max_attempts {
                return self.give_up(req, run_id, report).await;
            }
            tokio::time::sleep(self.pacing.backoff(attempt)).await;
        }
        report.outcome = "launched";
        Ok(())
    }

    /// One RunTask call: (started task ARNs, failure texts, whether retrying may help).
    async fn run_task(
        &self,
        req: &LaunchRequest,
        run_id: &str,
        before: u32,
        count: u32,
    ) -> (Vec<String>, Vec<String>, bool) {
        let s = &self.settings;
        let env = [
            ("S3_BUCKET", s.bucket.as_str()),
            ("TEST_ID", req.test_id.as_str()),
            // v1.0 containers sleep up to 30 s before uploading so v1.0's racy parser sees the
            // files one by one; the results parser here is race-free, so that wait is dropped.
            ("STAMPEDE_E1_STAGGER_MAX_S", "0"),
        ];
        let overrides = TaskOverride::builder()
            .container_overrides(
                ContainerOverride::builder()
                    .name(&s.container)
                    .set_environment(Some(
                        env.iter()
                            .map(|(k, v)| KeyValuePair::builder().name(*k).value(*v).build())
                            .collect(),
                    ))
                    .build(),
            )
            .build();
        let network = AwsVpcConfiguration::builder()
            .set_subnets(Some(s.subnets.clone()))
            .security_groups(&s.security_group)
            .assign_public_ip(AssignPublicIp::Enabled)
            .build()
            .expect("subnets are set");
        let token = client_token(run_id, before);
        let res = self
            .clients
            .ecs
            .run_task()
            .cluster(&s.cluster)
            .task_definition(&s.task_definition)
            .count(count as i32)
            .group(&req.test_id)
            .started_by(started_by(&req.test_id))
            .launch_type(LaunchType::Fargate)
            .network_configuration(
                NetworkConfiguration::builder()
                    .awsvpc_configuration(network)
                    .build(),
            )
            .overrides(overrides)
            .client_token(token)
            // The runner is RunTask's only retry layer, so every throttled call is seen, paced
            // and reported as documented; the SDK's own retries would hide throttling and
            // multiply the calls (3 SDK attempts for each of the runner's).
            .customize()
            .config_override(
                aws_sdk_ecs::config::Builder::new().retry_config(RetryConfig::disabled()),
            )
            .send()
            .await;
        match res {
            Ok(out) => {
                let arns = out
                    .tasks()
                    .iter()
                    .filter_map(|t| t.task_arn().map(str::to_owned))
                    .collect();
                let failures = out
                    .failures()
                    .iter()
                    .map(|f| {
                        format!(
                            "RunTask: {} ({})",
                            f.reason().unwrap_or("no reason"),
                            f.detail().unwrap_or("")
                        )
                    })
                    .collect();
                (arns, failures, true)
            }
            Err(e) => (
                Vec::new(),
                vec![format!("RunTask: {}", describe(&e))],
                transient(&e),
            ),
        }
    }

    /// Records that the missing tasks could not be launched. With some running the run goes on
    /// with them (`taskCount` lowered so the results parser completes it); with none it fails.
    async fn give_up(
        &self,
        req: &LaunchRequest,
        run_id: &str,
        report: &mut Report,
    ) -> Result<(), RunnerError> {
        let last = report.failures.last().cloned().unwrap_or_default();
        let reason = format!(
            "{} of {} tasks could not be launched after {} attempts; last error: {last}",
            req.task_count - report.launched,
            req.task_count,
            self.pacing.max_attempts + 1
        );
        let failures = json!(report.failures);
        let (expr, values) = if report.launched == 0 {
            report.outcome = "failed";
            (
                "SET #status = :failed, errorReason = :reason, launchFailures = :f",
                vec![
                    (":failed", json!("failed")),
                    (":reason", json!(reason)),
                    (":f", failures),
                ],
            )
        } else {
            report.outcome = "partial";
            (
                "SET taskCount = :n, launchFailures = :f",
                vec![(":n", json!(report.launched)), (":f", failures)],
            )
        };
        report.reason = Some(reason);
        self.update_run(&req.test_id, run_id, expr, None, values)
            .await?;
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn client_tokens_fit_and_differ_per_batch() {
        assert_eq!(client_token("abc", 10), "abc-10");
        let long = "r".repeat(100);
        let t = client_token(&long, 20);
        assert_eq!(t.len(), 64);
        assert!(t.ends_with("-20"));
        assert_ne!(t, client_token(&long, 30));
    }

    #[test]
    fn backoff_doubles_up_to_the_cap_with_jitter() {
        let p = Pacing::default();
        for attempt in 0..20 {
            let full = p
                .first_backoff
                .saturating_mul(1 << attempt.min(16))
                .min(p.max_backoff);
            let d = p.backoff(attempt);
            assert!(
                d <= full && d >= full.mul_f64(0.49),
                "attempt {attempt}: {d:?} vs {full:?}"
            );
        }
        assert!(p.backoff(30) <= p.max_backoff);
    }
}
