//! AWS back ends for Stampede's control plane, DLT v1.0's architecture on the same domain as the
//! hub (`docs/aws.md`):
//!
//! * [`dynamo::DynamoStore`]: tests on DLT's Scenarios table, runs on a History table
//!   ([`items`] has the attribute names and types);
//! * [`s3::S3Blobs`]: the scenarios bucket, DLT's keys;
//! * [`launcher::QueueLauncher`]: a run is handed to the task runner through SQS, cancel stops the
//!   test's ECS tasks;
//! * [`runner::Runner`]: the task runner's work, a queue message → `ecs:RunTask` batches of ≤ 10;
//! * [`fargate::LocalFargate`]: runs the tasks an ECS endpoint (moto) recorded as local
//!   processes, so the whole stack runs on one machine.
//!
//! The back ends implement the domain's blocking traits by blocking on the Tokio runtime they were
//! built in: call the domain from `spawn_blocking`, as the hub and the API Lambda do.
//!
//! ```no_run
//! # async fn f() -> Result<(), Box<dyn std::error::Error>> {
//! let clients = stampede_control_aws::sdk::Clients::from_env().await;
//! let resources = stampede_control_aws::settings::Resources::from_env()?;
//! let cp = stampede_control_aws::control_plane(&clients, &resources, None);
//! let tests = tokio::task::spawn_blocking(move || cp.list_tests()).await??;
//! # Ok(()) }
//! ```

pub mod dynamo;
pub mod ecs;
pub mod fargate;
pub mod items;
pub mod launcher;
pub mod message;
pub mod runner;
pub mod s3;
pub mod sdk;
pub mod settings;
pub mod shell;

use std::sync::Arc;

use stampede_control::clock::{RandomIds, SystemClock};
use stampede_control::ports::ConfigValidator;
use stampede_control::service::{ControlPlane, Deps};

/// The domain over the AWS back ends named by `resources`. Must be called inside a Tokio runtime;
/// the back ends block on it.
pub fn control_plane(
    clients: &sdk::Clients,
    resources: &settings::Resources,
    validator: Option<ConfigValidator>,
) -> Arc<ControlPlane> {
    let rt = tokio::runtime::Handle::current();
    let blobs: Arc<s3::S3Blobs> = Arc::new(s3::S3Blobs::new(
        clients.s3.clone(),
        &resources.bucket,
        rt.clone(),
    ));
    let launcher = launcher::QueueLauncher::new(
        clients.clone(),
        blobs.clone(),
        resources.queue_url.clone(),
        resources.cluster.clone(),
        &resources.region,
        rt.clone(),
    );
    ControlPlane::new(Deps {
        store: Arc::new(dynamo::DynamoStore::new(
            clients.ddb.clone(),
            &resources.scenarios_table,
            &resources.history_table,
            rt,
        )),
        blobs,
        launcher: Arc::new(launcher),
        clock: Arc::new(SystemClock),
        ids: Arc::new(RandomIds),
        validator,
        grace_ms: stampede_control::deadline::DEFAULT_GRACE_MS,
    })
}
