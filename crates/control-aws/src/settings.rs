//! Which AWS resources the back ends use, read from the environment variables DLT's own Lambdas
//! read (v1.0 names, plus v3's `HISTORY_TABLE`). See `docs/aws.md` for who needs which.

/// A variable that is needed and missing (or empty).
#[derive(Debug, thiserror::Error)]
#[error("environment variable {name} is not set: {what} (see docs/aws.md)")]
pub struct MissingVar {
    pub name: &'static str,
    pub what: &'static str,
}

/// Resources of the control plane: tables, bucket, queue, cluster.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Resources {
    /// `SCENARIOS_BUCKET`: scenarios and results, DLT's key layout.
    pub bucket: String,
    /// `SCENARIOS_TABLE`: one item per test (hash key `testId`).
    pub scenarios_table: String,
    /// `HISTORY_TABLE`: one item per run (hash `testId`, range `testRunId`).
    pub history_table: String,
    /// `SQS_URL`: where a run is handed to the task runner (`None`: the API cannot start runs).
    pub queue_url: Option<String>,
    /// `TASK_CLUSTER`: the ECS cluster cancel stops tasks in (`None`: cancel only settles).
    pub cluster: Option<String>,
    /// The region the stack runs tasks in (`AWS_REGION`).
    pub region: String,
}

/// What the task runner needs to call `ecs:RunTask`, DLT v1.0's variables.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct TaskSettings {
    /// `TASK_CLUSTER`.
    pub cluster: String,
    /// `TASK_DEFINITION`: family, `family:revision` or ARN.
    pub task_definition: String,
    /// `TASK_IMAGE`: the container's name in the task definition (DLT names it after the image).
    pub container: String,
    /// `SUBNET_A`, `SUBNET_B`.
    pub subnets: Vec<String>,
    /// `TASK_SECURITY_GROUP`.
    pub security_group: String,
    /// `SCENARIOS_BUCKET`, handed to the containers as `S3_BUCKET`.
    pub bucket: String,
    /// `SCENARIOS_TABLE`: where launch progress is recorded.
    pub scenarios_table: String,
}

type Lookup<'a> = &'a dyn Fn(&str) -> Option<String>;

fn var(env: Lookup<'_>, name: &str) -> Option<String> {
    env(name).filter(|v| !v.trim().is_empty())
}

fn need(env: Lookup<'_>, name: &'static str, what: &'static str) -> Result<String, MissingVar> {
    var(env, name).ok_or(MissingVar { name, what })
}

impl Resources {
    /// From the process environment.
    pub fn from_env() -> Result<Resources, MissingVar> {
        Resources::from_lookup(&|k| std::env::var(k).ok())
    }

    pub fn from_lookup(env: Lookup<'_>) -> Result<Resources, MissingVar> {
        Ok(Resources {
            bucket: need(
                env,
                "SCENARIOS_BUCKET",
                "the bucket scenarios and results go to",
            )?,
            scenarios_table: need(env, "SCENARIOS_TABLE", "DLT's Scenarios table")?,
            history_table: need(env, "HISTORY_TABLE", "the table runs are kept in")?,
            queue_url: var(env, "SQS_URL"),
            cluster: var(env, "TASK_CLUSTER"),
            region: need(env, "AWS_REGION", "the region tasks run in")?,
        })
    }
}

impl TaskSettings {
    pub fn from_env() -> Result<TaskSettings, MissingVar> {
        TaskSettings::from_lookup(&|k| std::env::var(k).ok())
    }

    pub fn from_lookup(env: Lookup<'_>) -> Result<TaskSettings, MissingVar> {
        let subnet_a = need(env, "SUBNET_A", "a subnet the tasks run in")?;
        let mut subnets = vec![subnet_a];
        subnets.extend(var(env, "SUBNET_B"));
        Ok(TaskSettings {
            cluster: need(env, "TASK_CLUSTER", "the ECS cluster tasks run in")?,
            task_definition: need(env, "TASK_DEFINITION", "the load tester's task definition")?,
            container: need(
                env,
                "TASK_IMAGE",
                "the container name in the task definition",
            )?,
            subnets,
            security_group: need(env, "TASK_SECURITY_GROUP", "the tasks' security group")?,
            bucket: need(
                env,
                "SCENARIOS_BUCKET",
                "the bucket the containers read and write",
            )?,
            scenarios_table: need(env, "SCENARIOS_TABLE", "DLT's Scenarios table")?,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn missing_variables_are_named() {
        let env = |k: &str| match k {
            "SCENARIOS_BUCKET" => Some("b".to_owned()),
            "SCENARIOS_TABLE" => Some(" ".to_owned()),
            _ => None,
        };
        let e = Resources::from_lookup(&env).unwrap_err();
        assert_eq!(e.name, "SCENARIOS_TABLE", "blank counts as missing");
        let e = TaskSettings::from_lookup(&env).unwrap_err();
        assert_eq!(e.name, "SUBNET_A");
    }

    #[test]
    fn subnet_b_is_optional() {
        let env = |k: &str| Some(format!("{k}-v")).filter(|_| k != "SUBNET_B");
        let t = TaskSettings::from_lookup(&env).unwrap();
        assert_eq!(t.subnets, vec!["SUBNET_A-v".to_owned()]);
        assert_eq!(t.container, "TASK_IMAGE-v");
    }
}
