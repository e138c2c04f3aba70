//! The results model. INTERFACE STUB: the reports work implements `read`/`write` (byte-identical to
//! Taurus), the pipeline work builds DLT's statistics on it. Keep field names stable.

/// A KPI value as Taurus printed it: ints as `%d`, floats as `%.5f`. Kept apart because a KPI that was
/// never computed stays int `0` (`"0"`) where a computed one prints `0.00000`.
#[derive(Clone, Copy, Debug, PartialEq)]
pub enum Num {
    Int(i64),
    Float(f64),
}

/// One `<kpi value= param=>` element, e.g. `rc/404` or `perc/95.0`.
#[derive(Clone, Debug, PartialEq)]
pub struct Kpi {
    pub param: String,
    pub value: Num,
}

/// One `<Group label="...">`: the overall group has `label == ""`.
#[derive(Clone, Debug, PartialEq)]
pub struct Group {
    pub label: String,
    pub throughput: Num,
    pub concurrency: Num,
    pub succ: Num,
    pub fail: Num,
    pub avg_rt: Num,
    pub stdev_rt: Num,
    pub avg_lt: Num,
    pub avg_ct: Num,
    pub bytes: Num,
    /// Response codes in first-seen order.
    pub rc: Vec<Kpi>,
    /// Percentiles in ascending level order (`0.0` … `100.0`).
    pub perc: Vec<Kpi>,
}

/// `<FinalStatus>`.
#[derive(Clone, Debug, PartialEq, Default)]
pub struct FinalStatus {
    /// `<TestDuration>` as written (Python float repr, e.g. `10.0`).
    pub test_duration: Option<String>,
    pub report_url: Option<String>,
    pub groups: Vec<Group>,
    /// Elements DLT's `load-test.sh` appends after the groups (v3.3.3+: `TaskId`, `TaskCPU`, `TaskMemory`,
    /// `ECSDuration`), as (tag, text), kept for round trips.
    pub extra: Vec<(String, String)>,
}
