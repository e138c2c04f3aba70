//! Stampede's executor: reads Taurus (bzt) configs, drives HTTP load and writes Taurus's reports.
//!
//! The flow, one module each:
//! `config` (files + `-o` → validated [`config::Plan`]) → `scenario` (compiled request programs) →
//! `engine` (load profile, virtual users, the HTTP client in `http`) → a stream of [`sample::Sample`]s →
//! `stats` (Taurus-exact aggregation) → `report` (sinks: final-stats, junit-xml, passfail, ...).
//! `jtl` reads JMeter result files (Taurus's `external-results-loader`) into the same stream.
//! `run` wires them together; `cli` is the command line; `ecs` is the DLT container entrypoint.

pub mod cli;
pub mod cloudwatch;
pub mod config;
pub mod ecs;
pub mod engine;
pub mod http;
pub mod jtl;
pub mod log;
pub mod report;
pub mod run;
pub mod sample;
pub mod scenario;
pub mod stats;
