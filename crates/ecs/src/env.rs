//! The container's environment (`docs/dlt-container.md#env`), the DLT era it implies, and every S3 key the era uses.

use std::fmt;
use std::path::PathBuf;
use std::time::Duration;

/// A DLT release family (`docs/dlt-container.md#eras`). Each one fixes the scenario key, the result keys, the stdout
/// prefix and the start barrier.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub enum Era {
    /// v1.0: `results/<id>/<uuid>.xml`, S3-event parser, no barrier, no prefix.
    E1,
    /// v1.1–v1.2: `results/<id>/<PREFIX>-<uuid>.xml`, Step Functions parser.
    E2,
    /// v1.3–v2.x: E2 keys plus the TCP/50000 barrier and the `TEST_ID ` stdout prefix.
    E3,
    /// v3.x: per-region scenario and `results/<id>/<PREFIX>-<uuid>-<region>.xml`, `live=` prefix.
    E4,
    /// v4.0.x: results under the prefix directory, `results/<id>/<PREFIX>/<uuid>-<region>.xml`.
    E5,
    /// v4.1+: E5 keys, S3 start signal, health file, completion marker, idle until SIGTERM.
    E6,
}

impl Era {
    /// Parses the override (`STAMPEDE_DLT_ERA`): `e1`..`e6`, or a DLT version such as `v3.4.6`.
    pub fn parse(s: &str) -> Option<Era> {
        let s = s.trim().to_ascii_lowercase();
        let by_name = match s.as_str() {
            "e1" => Some(Era::E1),
            "e2" => Some(Era::E2),
            "e3" => Some(Era::E3),
            "e4" => Some(Era::E4),
            "e5" => Some(Era::E5),
            "e6" => Some(Era::E6),
            _ => None,
        };
        by_name.or_else(|| Era::from_version(s.trim_start_matches('v')))
    }

    fn from_version(v: &str) -> Option<Era> {
        let mut it = v.split('.').map(|p| p.parse::<u32>().ok());
        let major = it.next()??;
        let minor = it.next().flatten().unwrap_or(0);
        Some(match (major, minor) {
            (1, 0) => Era::E1,
            (1, 1 | 2) => Era::E2,
            (1, _) | (2, _) => Era::E3,
            (3, _) => Era::E4,
            (4, 0) => Era::E5,
            (4, _) => Era::E6,
            _ => return None,
        })
    }
}

impl fmt::Display for Era {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let (name, versions) = match self {
            Era::E1 => ("E1", "DLT v1.0"),
            Era::E2 => ("E2", "DLT v1.1-v1.2"),
            Era::E3 => ("E3", "DLT v1.3-v2.x"),
            Era::E4 => ("E4", "DLT v3.x"),
            Era::E5 => ("E5", "DLT v4.0.x"),
            Era::E6 => ("E6", "DLT v4.1+"),
        };
        write!(f, "{name} ({versions})")
    }
}

/// The DLT test type; `simple` (HTTP requests in the Taurus config) and `jmeter` run natively.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum TestType {
    Simple,
    /// A JMeter plan (`public/test-scenarios/jmeter/<TEST_ID>.jmx`), run natively.
    Jmeter,
    /// `k6`, `locust` or anything else: rejected with exit code 2.
    Unsupported(String),
}

/// Role in the v1.3–v4.0 TCP start barrier.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum TcpRole {
    /// `SCRIPT=ecslistener.py`: wait for `start` on the barrier port, at most `TIMEOUT`.
    Worker,
    /// `IPNETWORK` set: send `start` to every `IPNETWORK.h`, `h` from `IPHOSTS` or the S3 file.
    Leader {
        network: String,
        hosts: Option<Vec<String>>,
    },
}

#[derive(Debug, thiserror::Error, PartialEq, Eq)]
pub enum EnvError {
    #[error(
        "environment variable {name} is not set: the DLT task runner sets it; set it when running \
         `stampede ecs` by hand"
    )]
    Missing { name: &'static str },
    #[error("environment variable {name}={value:?} is invalid: {expected}")]
    Invalid {
        name: &'static str,
        value: String,
        expected: &'static str,
    },
}

/// Everything the container reads from its environment, validated.
#[derive(Clone, Debug)]
pub struct EcsEnv {
    pub bucket: String,
    pub test_id: String,
    pub test_type: TestType,
    pub file_type: Option<String>,
    pub prefix: Option<String>,
    /// The literal `live=true`/`live=false` DLT prints after the test id.
    pub live_data: Option<String>,
    /// The bucket's region (`MAIN_STACK_REGION`, else `AWS_REGION`).
    pub bucket_region: Option<String>,
    /// The region the task runs in (`AWS_REGION`), part of the v3+ keys.
    pub region: Option<String>,
    pub timeout: Option<Duration>,
    pub tcp_role: Option<TcpRole>,
    pub test_run_id: Option<String>,
    pub metadata_uri: Option<String>,
    pub era: Era,
    /// Whether `era` came from `STAMPEDE_DLT_ERA` rather than detection.
    pub era_overridden: bool,
    pub settings: Settings,
}

/// Stampede's own knobs (not set by DLT); the defaults are the real container's paths.
#[derive(Clone, Debug)]
pub struct Settings {
    /// `STAMPEDE_ARTIFACTS_DIR`, default `/tmp/artifacts`.
    pub artifacts_dir: PathBuf,
    /// `STAMPEDE_HEALTH_FILE`, default `/tmp/health_ready` (the v4 task definition's health check).
    pub health_file: PathBuf,
    /// `STAMPEDE_BARRIER_PORT`, default 50000.
    pub barrier_port: u16,
    /// `STAMPEDE_START_POLL_MS`, default 2000 (DLT polls the start signal every 2 s).
    pub start_poll: Duration,
    /// `STAMPEDE_START_STALE_S`, default 30 (DLT's replacement-task rule).
    pub start_stale: Duration,
    /// `STAMPEDE_UPLOAD_ATTEMPTS`, default 5.
    pub upload_attempts: u32,
    /// `STAMPEDE_E1_STAGGER_MAX_S`, default 30: v1.0 slept a random 1–30 s before uploading to spread
    /// the S3 events its parser counts; 0 turns it off.
    pub e1_stagger_max: Duration,
    /// `STAMPEDE_ENGINE`: the program run as `bzt`; default this binary's `run` command.
    pub engine: Option<Vec<String>>,
    /// `STAMPEDE_SIGTERM_GRACE_MS`, default 3000: how long the engine may take to write partial results.
    pub sigterm_grace: Duration,
}

/// Reads a variable; empty counts as unset (the task runner passes empty strings for unused vars).
fn get(env: &dyn Fn(&str) -> Option<String>, name: &str) -> Option<String> {
    env(name)
        .map(|v| v.trim().to_string())
        .filter(|v| !v.is_empty())
}

fn required(env: &dyn Fn(&str) -> Option<String>, name: &'static str) -> Result<String, EnvError> {
    get(env, name).ok_or(EnvError::Missing { name })
}

fn number<T: std::str::FromStr>(
    env: &dyn Fn(&str) -> Option<String>,
    name: &'static str,
    expected: &'static str,
) -> Result<Option<T>, EnvError> {
    match get(env, name) {
        None => Ok(None),
        Some(v) => v.parse().map(Some).map_err(|_| EnvError::Invalid {
            name,
            value: v,
            expected,
        }),
    }
}

/// The E5/E6 prefix shape `YYYY-MM-DDTHH-MM-SS_<testRunId>`.
fn is_v4_prefix(p: &str) -> bool {
    let b = p.as_bytes();
    let digits =
        |r: std::ops::Range<usize>| r.clone().all(|i| b.get(i).is_some_and(u8::is_ascii_digit));
    b.len() > 20
        && digits(0..4)
        && b[4] == b'-'
        && digits(5..7)
        && b[7] == b'-'
        && digits(8..10)
        && b[10] == b'T'
        && digits(11..13)
        && b[13] == b'-'
        && digits(14..16)
        && b[16] == b'-'
        && digits(17..19)
        && b[19] == b'_'
}

/// Detects the era from which variables the task runner set (first rule that matches wins):
/// `TEST_RUN_ID` → E6; a `YYYY-MM-DDTHH-MM-SS_<id>` `PREFIX` → E5; `LIVE_DATA_ENABLED` → E4;
/// `SCRIPT` or `IPNETWORK` → E3; `PREFIX` → E2; otherwise E1.
pub fn detect_era(env: &dyn Fn(&str) -> Option<String>) -> Era {
    let has = |n: &str| get(env, n).is_some();
    if has("TEST_RUN_ID") {
        Era::E6
    } else if get(env, "PREFIX").is_some_and(|p| is_v4_prefix(&p)) {
        Era::E5
    } else if has("LIVE_DATA_ENABLED") {
        Era::E4
    } else if has("SCRIPT") || has("IPNETWORK") {
        Era::E3
    } else if has("PREFIX") {
        Era::E2
    } else {
        Era::E1
    }
}

impl EcsEnv {
    /// Reads and validates the environment through `env` (`std::env::var(..).ok()` in the container).
    pub fn from_lookup(env: &dyn Fn(&str) -> Option<String>) -> Result<EcsEnv, EnvError> {
        let (era, era_overridden) = match get(env, "STAMPEDE_DLT_ERA") {
            Some(v) => (
                Era::parse(&v).ok_or(EnvError::Invalid {
                    name: "STAMPEDE_DLT_ERA",
                    value: v,
                    expected: "one of e1..e6 or a DLT version such as v3.4.6",
                })?,
                true,
            ),
            None => (detect_era(env), false),
        };
        let region = get(env, "AWS_REGION");
        if era >= Era::E4 && region.is_none() {
            return Err(EnvError::Missing { name: "AWS_REGION" });
        }
        let prefix = get(env, "PREFIX");
        if era >= Era::E2 && prefix.is_none() {
            return Err(EnvError::Missing { name: "PREFIX" });
        }
        let test_id = required(env, "TEST_ID")?;
        let test_type = match get(env, "TEST_TYPE").as_deref() {
            None | Some("simple") => TestType::Simple,
            Some("jmeter") => TestType::Jmeter,
            Some(other) => TestType::Unsupported(other.to_string()),
        };
        let timeout = number::<u64>(env, "TIMEOUT", "whole seconds")?.map(Duration::from_secs);
        Ok(EcsEnv {
            bucket: required(env, "S3_BUCKET")?,
            test_type,
            file_type: get(env, "FILE_TYPE"),
            live_data: get(env, "LIVE_DATA_ENABLED"),
            bucket_region: get(env, "MAIN_STACK_REGION").or_else(|| region.clone()),
            timeout,
            tcp_role: if era == Era::E6 { None } else { tcp_role(env) },
            test_run_id: get(env, "TEST_RUN_ID"),
            metadata_uri: get(env, "ECS_CONTAINER_METADATA_URI_V4"),
            settings: Settings::from_lookup(env)?,
            test_id,
            prefix,
            region,
            era,
            era_overridden,
        })
    }

    /// Scenario keys to try, the era's own first (`docs/dlt-container.md#scenario-keys`).
    pub fn scenario_keys(&self) -> Vec<String> {
        let plain = format!("test-scenarios/{}.json", self.test_id);
        match &self.region {
            Some(r) => {
                let regional = format!("test-scenarios/{}-{r}.json", self.test_id);
                if self.era >= Era::E4 {
                    vec![regional, plain]
                } else {
                    vec![plain, regional]
                }
            }
            None => vec![plain],
        }
    }

    /// The key of an artifact. `kind` is `None` for the results XML, else the DLT name stem
    /// (`bzt` → `bzt-…log`), and `ext` the file extension.
    pub fn result_key(&self, uuid: &str, kind: Option<&str>, ext: &str) -> String {
        let id = &self.test_id;
        let prefix = self.prefix.as_deref().unwrap_or_default();
        let region = self.region.as_deref().unwrap_or_default();
        let kind = kind.map(|k| format!("{k}-")).unwrap_or_default();
        match self.era {
            Era::E1 => format!("results/{id}/{kind}{uuid}.{ext}"),
            Era::E2 | Era::E3 => format!("results/{id}/{kind}{prefix}-{uuid}.{ext}"),
            Era::E4 => format!("results/{id}/{kind}{prefix}-{uuid}-{region}.{ext}"),
            Era::E5 | Era::E6 => format!("results/{id}/{prefix}/{kind}{uuid}-{region}.{ext}"),
        }
    }

    /// `start-signal/<id>/<PREFIX>/<region>/start` (E6).
    pub fn start_signal_key(&self) -> String {
        format!(
            "start-signal/{}/{}/{}/start",
            self.test_id,
            self.prefix.as_deref().unwrap_or_default(),
            self.region.as_deref().unwrap_or_default()
        )
    }

    /// `results/<id>/<PREFIX>/completion/<region>/<taskId>` (E6).
    pub fn completion_key(&self, task_id: &str) -> String {
        format!(
            "results/{}/{}/completion/{}/{task_id}",
            self.test_id,
            self.prefix.as_deref().unwrap_or_default(),
            self.region.as_deref().unwrap_or_default()
        )
    }

    /// `Container_IPs/<id>_IPHOSTS_<region>.txt` (v3.3.4+ leader host list).
    pub fn iphosts_key(&self) -> String {
        format!(
            "Container_IPs/{}_IPHOSTS_{}.txt",
            self.test_id,
            self.region.as_deref().unwrap_or_default()
        )
    }

    /// What DLT's sed put before every stdout line of the test: `TEST_ID ` from v1.3, plus
    /// `LIVE_DATA_ENABLED ` from v3.0; nothing before.
    pub fn line_prefix(&self) -> Option<String> {
        match self.era {
            Era::E1 | Era::E2 => None,
            Era::E3 => Some(format!("{} ", self.test_id)),
            _ => Some(match &self.live_data {
                Some(live) => format!("{} {live} ", self.test_id),
                None => format!("{} ", self.test_id),
            }),
        }
    }
}

fn tcp_role(env: &dyn Fn(&str) -> Option<String>) -> Option<TcpRole> {
    if let Some(network) = get(env, "IPNETWORK") {
        let hosts = get(env, "IPHOSTS").map(|h| split_hosts(&h));
        return Some(TcpRole::Leader { network, hosts });
    }
    get(env, "SCRIPT").map(|_| TcpRole::Worker)
}

/// `"1.23,4.56"` (or one per line, as in the S3 file) → `["1.23", "4.56"]`.
pub fn split_hosts(s: &str) -> Vec<String> {
    s.split([',', '\n', ' '])
        .map(str::trim)
        .filter(|h| !h.is_empty())
        .map(String::from)
        .collect()
}

impl Settings {
    fn from_lookup(env: &dyn Fn(&str) -> Option<String>) -> Result<Settings, EnvError> {
        let path = |n: &str, d: &str| PathBuf::from(get(env, n).unwrap_or_else(|| d.to_string()));
        let ms = |n: &'static str, d: u64| {
            number::<u64>(env, n, "whole milliseconds")
                .map(|v| Duration::from_millis(v.unwrap_or(d)))
        };
        let secs = |n: &'static str, d: u64| {
            number::<u64>(env, n, "whole seconds").map(|v| Duration::from_secs(v.unwrap_or(d)))
        };
        let attempts = number::<u32>(env, "STAMPEDE_UPLOAD_ATTEMPTS", "a count >= 1")?.unwrap_or(5);
        if attempts == 0 {
            return Err(EnvError::Invalid {
                name: "STAMPEDE_UPLOAD_ATTEMPTS",
                value: "0".into(),
                expected: "a count >= 1",
            });
        }
        Ok(Settings {
            artifacts_dir: path("STAMPEDE_ARTIFACTS_DIR", "/tmp/artifacts"),
            health_file: path("STAMPEDE_HEALTH_FILE", "/tmp/health_ready"),
            barrier_port: number(env, "STAMPEDE_BARRIER_PORT", "a TCP port")?.unwrap_or(50000),
            start_poll: ms("STAMPEDE_START_POLL_MS", 2000)?,
            start_stale: secs("STAMPEDE_START_STALE_S", 30)?,
            upload_attempts: attempts,
            e1_stagger_max: secs("STAMPEDE_E1_STAGGER_MAX_S", 30)?,
            engine: get(env, "STAMPEDE_ENGINE")
                .map(|e| e.split_whitespace().map(String::from).collect()),
            sigterm_grace: ms("STAMPEDE_SIGTERM_GRACE_MS", 3000)?,
        })
    }
}
