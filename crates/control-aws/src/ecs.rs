//! ECS calls shared by the API (cancel) and the task runner: how a test's tasks are tagged when
//! they are started and found again to stop them.

use aws_sdk_ecs::Client;
use aws_sdk_ecs::types::DesiredStatus;

use crate::sdk::describe;

/// RunTask's `startedBy` for a test: its id, cut to the 36 characters ECS allows (DLT's ids have 10).
pub fn started_by(test_id: &str) -> String {
    test_id.chars().take(36).collect()
}

/// Stops every task of `test_id` that ECS still wants running (pending ones included); returns how
/// many were stopped. A task that stopped on its own in the meantime is not an error.
pub async fn stop_test_tasks(
    ecs: &Client,
    cluster: &str,
    test_id: &str,
    reason: &str,
) -> Result<u32, String> {
    let mut arns = Vec::new();
    let mut pages = ecs
        .list_tasks()
        .cluster(cluster)
        .started_by(started_by(test_id))
        .desired_status(DesiredStatus::Running)
        .into_paginator()
        .send();
    while let Some(page) = pages.next().await {
        let page = page.map_err(|e| format!("ListTasks in cluster {cluster}: {}", describe(&e)))?;
        arns.extend(page.task_arns().iter().cloned());
    }
    stop_tasks(ecs, cluster, &arns, reason).await
}

/// Stops the named tasks; the first failure (other than "already stopped") is the error.
pub async fn stop_tasks(
    ecs: &Client,
    cluster: &str,
    arns: &[String],
    reason: &str,
) -> Result<u32, String> {
    let mut stopped = 0;
    let mut first_error = None;
    for arn in arns {
        match ecs
            .stop_task()
            .cluster(cluster)
            .task(arn)
            .reason(reason)
            .send()
            .await
        {
            Ok(_) => stopped += 1,
            Err(e) => {
                let text = describe(&e);
                if !text.contains("not found") && first_error.is_none() {
                    first_error = Some(format!("StopTask {arn}: {text}"));
                }
            }
        }
    }
    match first_error {
        Some(e) => Err(e),
        None => Ok(stopped),
    }
}
