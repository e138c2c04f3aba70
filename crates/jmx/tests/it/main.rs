//! The crate's one integration-test binary: real plans in `fixtures/jmx`, and Taurus's rewrites.

mod elements;
mod fixtures;
mod mutate;
mod overrides;
