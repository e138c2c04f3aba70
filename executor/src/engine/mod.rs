//! The load engine (issue 3): one load profile, one loop. Filled by the engine work.
