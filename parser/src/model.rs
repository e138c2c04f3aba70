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

impl Num {
    /// The text Taurus writes for this value: ints `%d`, floats `%.5f`.
    pub fn to_taurus_string(&self) -> String {
        match self {
            Num::Int(i) => i.to_string(),
            Num::Float(f) => format!("{f:.5}"),
        }
    }

    /// The value as a float, whichever way it was written.
    pub fn as_f64(&self) -> f64 {
        match *self {
            Num::Int(i) => i as f64,
            Num::Float(f) => f,
        }
    }
}

impl std::fmt::Display for Num {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.to_taurus_string())
    }
}

/// The scalar KPI element names of a Group, in the order Taurus writes them.
pub const SCALAR_KPIS: [&str; 9] = [
    "throughput",
    "concurrency",
    "succ",
    "fail",
    "avg_rt",
    "stdev_rt",
    "avg_lt",
    "avg_ct",
    "bytes",
];

/// The percentile levels Taurus tracks by default, and the only ones DLT's parser accepts.
pub const DEFAULT_PERCENTILES: [&str; 7] = ["0.0", "50.0", "90.0", "95.0", "99.0", "99.9", "100.0"];

impl Group {
    /// The scalar KPIs as (element name, value), in Taurus's order.
    pub fn scalars(&self) -> [(&'static str, Num); 9] {
        let values = [
            self.throughput,
            self.concurrency,
            self.succ,
            self.fail,
            self.avg_rt,
            self.stdev_rt,
            self.avg_lt,
            self.avg_ct,
            self.bytes,
        ];
        std::array::from_fn(|i| (SCALAR_KPIS[i], values[i]))
    }

    /// A mutable slot for a scalar KPI by element name.
    pub fn scalar_mut(&mut self, name: &str) -> Option<&mut Num> {
        Some(match name {
            "throughput" => &mut self.throughput,
            "concurrency" => &mut self.concurrency,
            "succ" => &mut self.succ,
            "fail" => &mut self.fail,
            "avg_rt" => &mut self.avg_rt,
            "stdev_rt" => &mut self.stdev_rt,
            "avg_lt" => &mut self.avg_lt,
            "avg_ct" => &mut self.avg_ct,
            "bytes" => &mut self.bytes,
            _ => return None,
        })
    }

    /// An empty group (every scalar int 0) with this label.
    pub fn empty(label: &str) -> Self {
        let z = Num::Int(0);
        Group {
            label: label.to_string(),
            throughput: z,
            concurrency: z,
            succ: z,
            fail: z,
            avg_rt: z,
            stdev_rt: z,
            avg_lt: z,
            avg_ct: z,
            bytes: z,
            rc: Vec::new(),
            perc: Vec::new(),
        }
    }
}

impl FinalStatus {
    /// The overall (`label=""`) group, if present.
    pub fn overall(&self) -> Option<&Group> {
        self.groups.iter().find(|g| g.label.is_empty())
    }
}
