//! The DLT ECS container entrypoint (issue 7). Filled by the container work.
