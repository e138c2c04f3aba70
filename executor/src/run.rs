//! Wires config → scenario → engine → stats → reporters for one test. Filled by the engine work.
