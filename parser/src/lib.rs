//! The Taurus `final-stats` results XML (`dump-xml`) as one model that both writes and reads the format,
//! plus DLT's per-file statistics and cross-task aggregation, and the histogram sidecar that carries
//! a task's exact [`stampede_kpi::Kpi`]s. Pure: no async runtime, no AWS SDK.
//!
//! ```
//! let xml = "<?xml version='1.0' encoding='UTF-8'?>\n<FinalStatus>\n  <TestDuration>1.0</TestDuration>\n</FinalStatus>\n";
//! let status = parser::read::from_str(xml).unwrap();
//! assert_eq!(parser::write::to_string(&status), xml);
//! ```

pub mod dlt;
pub mod merge;
pub mod model;
pub mod read;
pub mod sidecar;
pub mod write;

pub use model::{FinalStatus, Group, Kpi, Num};
