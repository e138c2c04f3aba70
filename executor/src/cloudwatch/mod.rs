//! Live CloudWatch metrics (issue 7). Filled by the container work.
