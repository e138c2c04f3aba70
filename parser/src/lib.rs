//! The Taurus `final-stats` results XML (`dump-xml`) as one model that both writes and reads the format,
//! plus DLT's per-file statistics and cross-task aggregation. Pure: no async runtime, no AWS SDK.

pub mod model;

pub use model::{FinalStatus, Group, Kpi, Num};
