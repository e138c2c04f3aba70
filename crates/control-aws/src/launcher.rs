//! [`QueueLauncher`]: the API's side of a launch, as in DLT v1.0. Starting a run writes the
//! scenario where v1.0 containers read it (`test-scenarios/<testId>.json`) and sends
//! `{"testId","taskCount"}` (plus the run id and region) to the task runner's queue; the task
//! runner calls ECS. The run is then handed off: no task events come back to this process, the
//! results parser records the end, and cancel stops the test's tasks (`startedBy` = test id).

use std::sync::Arc;

use serde_json::json;
use stampede_control::ports::{Blobs, EventSink, LaunchError, LaunchSpec, Launcher};
use tokio::runtime::Handle;

use crate::sdk::{Clients, describe};

/// The message the task runner reads: the seed's two fields and Stampede's additions.
pub fn launch_message(spec: &LaunchSpec) -> serde_json::Value {
    json!({
        "testId": spec.test_id,
        "taskCount": spec.task_count,
        "testRunId": spec.run_id,
        "region": spec.region,
    })
}

/// DLT v1.0's scenario key, which v1.0 containers read first.
pub fn seed_scenario_key(test_id: &str) -> String {
    format!("test-scenarios/{test_id}.json")
}

pub struct QueueLauncher {
    clients: Clients,
    blobs: Arc<dyn Blobs>,
    queue_url: Option<String>,
    cluster: Option<String>,
    region: String,
    rt: Handle,
}

impl QueueLauncher {
    /// `region` is the one region this stack runs tasks in; `queue_url` and `cluster` may be
    /// missing, and then starting (or stopping) runs fails with the variable to set.
    pub fn new(
        clients: Clients,
        blobs: Arc<dyn Blobs>,
        queue_url: Option<String>,
        cluster: Option<String>,
        region: &str,
        rt: Handle,
    ) -> Self {
        QueueLauncher {
            clients,
            blobs,
            queue_url,
            cluster,
            region: region.into(),
            rt,
        }
    }

    fn start_error(spec: &LaunchSpec, reason: String) -> LaunchError {
        LaunchError::Start {
            run_id: spec.run_id.clone(),
            task: spec.first_task,
            reason,
        }
    }
}

impl Launcher for QueueLauncher {
    /// This stack's region, or `local` (the region the seed's `taskCount` body gets).
    fn check_region(&self, region: &str) -> Result<(), LaunchError> {
        if region == self.region || region == "local" {
            return Ok(());
        }
        Err(LaunchError::Region {
            region: region.into(),
            hint: format!(
                "this stack runs tasks in {} only: use that region (or the v1 body's taskCount)",
                self.region
            ),
        })
    }

    fn start(&self, spec: &LaunchSpec, _events: EventSink) -> Result<(), LaunchError> {
        let Some(queue) = &self.queue_url else {
            return Err(Self::start_error(
                spec,
                "SQS_URL is not set, so this API cannot hand runs to the task runner".into(),
            ));
        };
        let config = self
            .blobs
            .get(&spec.scenario_key)
            .map_err(|e| Self::start_error(spec, e.to_string()))?
            .ok_or_else(|| {
                Self::start_error(spec, format!("{} was not written", spec.scenario_key))
            })?;
        self.blobs
            .put(&seed_scenario_key(&spec.test_id), &config)
            .map_err(|e| Self::start_error(spec, e.to_string()))?;
        let send = self
            .clients
            .sqs
            .send_message()
            .queue_url(queue)
            .message_body(launch_message(spec).to_string());
        self.rt
            .block_on(send.send())
            .map_err(|e| Self::start_error(spec, format!("SQS SendMessage: {}", describe(&e))))?;
        Ok(())
    }

    /// Nothing runs here to signal: the domain only calls this when a start failed, before any
    /// message was sent.
    fn cancel(&self, run_id: &str) {
        tracing::debug!(run_id, "cancel of a handed-off run: nothing local to stop");
    }

    fn reports_exits(&self) -> bool {
        false
    }

    fn stop_test(&self, test_id: &str, run_id: &str) -> Result<(), String> {
        let Some(cluster) = &self.cluster else {
            return Err("TASK_CLUSTER is not set, so this API cannot stop tasks".into());
        };
        let reason = format!("Stampede: test {test_id} run {run_id} cancelled");
        let stopped = self.rt.block_on(crate::ecs::stop_test_tasks(
            &self.clients.ecs,
            cluster,
            test_id,
            &reason,
        ))?;
        tracing::info!(test_id, run_id, stopped, "cancel stopped the test's tasks");
        Ok(())
    }
}
