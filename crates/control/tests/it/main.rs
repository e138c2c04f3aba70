//! The control crate's integration tests: a real SQLite file, a real blob directory and real task
//! processes (`sh -c` scripts that copy prepared results files into place).

mod common;
mod handoff;
mod lifecycle;
mod requests;
mod store;
