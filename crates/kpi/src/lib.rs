//! What crosses from the load (the engine, or a replayed JTL) into the statistics: one small
//! [`Sample`] per request, with its error kind as an enum, and the mergeable KPI types that the
//! aggregator, the histogram sidecar and the results Lambda share: [`Kpi`] (counts, exact sums and
//! a [`Histogram`] in Taurus's layout), merged with `+=`.
//!
//! No async runtime, no AWS, no HTTP: the results parser and its Lambda depend on this crate.

pub mod hist;
mod kpi;
mod sample;

pub use hist::Histogram;
pub use kpi::Kpi;
pub use sample::*;
