//! Stampede's command line and run orchestration: the `stampede` binary (and `bzt` when invoked by that
//! name) over the library crates.
//!
//! The flow, one crate each (see `docs/architecture.md`):
//! `stampede-config` (files + `-o` → validated Plan) → `stampede-scenario` (compiled request programs) →
//! `stampede-engine` (load profile, virtual users, the HTTP client in `stampede-http`) → a stream of
//! `stampede_kpi::Sample`s → `stampede-stats` (Taurus-exact aggregation) → `stampede-report` (sinks:
//! final-stats, junit-xml, passfail, ...). `stampede-jtl` reads JMeter result files into the same
//! stream. Here: [`run`] wires them together, [`reporters`] builds the reporting modules, [`cli`] is the
//! command line; `stampede-ecs` is the DLT container entrypoint.

pub mod cli;
pub mod hub;
pub mod hub_client;
pub mod plan;
pub mod reporters;
pub mod run;
pub mod submit;
pub mod worker;
