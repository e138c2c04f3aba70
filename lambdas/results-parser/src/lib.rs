//! The DLT results-parser Lambda: a thin shell over the pure `parser` crate (issue 6).
