//! What crosses from the load (the engine, or a replayed JTL) into the statistics: one small
//! [`Sample`] per request, with its error kind as an enum, and the mergeable KPI types that the
//! aggregator, the histogram sidecar and the results Lambda share.

mod sample;

pub use sample::*;
