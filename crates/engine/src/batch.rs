//! Samples travel to the aggregator in batches whose buffers come back: the receiver hands each
//! drained batch to its user's return channel, so in steady state a user reuses the same few
//! buffers and the hot loop allocates nothing per batch.

use stampede_kpi::Sample;
use std::ops::Deref;
use tokio::sync::mpsc::{UnboundedReceiver, UnboundedSender, unbounded_channel};

/// Samples per batch: one channel operation per `BATCH` samples (or per [`crate::hooks::BATCH_AGE`])
/// instead of one per request. Small, because every user holds one batch (1,000 users × 16 samples
/// × ~120 B ≈ 2 MB).
pub const BATCH: usize = 16;

/// One user's samples on their way to the aggregator.
#[derive(Debug)]
pub struct SampleBatch {
    samples: Vec<Sample>,
    back: UnboundedSender<Vec<Sample>>,
}

impl SampleBatch {
    /// Returns the emptied buffer to the user that filled it (a no-op once it has ended).
    pub fn recycle(mut self) {
        self.samples.clear();
        let _ = self.back.send(self.samples);
    }
}

impl Deref for SampleBatch {
    type Target = [Sample];
    fn deref(&self) -> &[Sample] {
        &self.samples
    }
}

/// A user's side: the batch being filled and the buffers coming back.
#[derive(Debug)]
pub struct Batcher {
    current: Vec<Sample>,
    back_tx: UnboundedSender<Vec<Sample>>,
    back_rx: UnboundedReceiver<Vec<Sample>>,
}

impl Default for Batcher {
    fn default() -> Self {
        let (back_tx, back_rx) = unbounded_channel();
        Batcher {
            current: Vec::with_capacity(BATCH),
            back_tx,
            back_rx,
        }
    }
}

impl Batcher {
    pub fn push(&mut self, s: Sample) {
        self.current.push(s);
    }

    pub fn len(&self) -> usize {
        self.current.len()
    }

    pub fn is_empty(&self) -> bool {
        self.current.is_empty()
    }

    /// The filled batch, replaced by a returned buffer (a new one only while none has come back).
    pub fn take(&mut self) -> SampleBatch {
        let next = self
            .back_rx
            .try_recv()
            .unwrap_or_else(|_| Vec::with_capacity(BATCH));
        SampleBatch {
            samples: std::mem::replace(&mut self.current, next),
            back: self.back_tx.clone(),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn sample() -> Sample {
        Sample {
            start_ms: 0,
            label: "a".into(),
            elapsed_us: 1,
            latency_us: 1,
            connect_us: 0,
            rc: None,
            failure: None,
            bytes: 0,
            sent_bytes: 0,
            concurrency: 1,
            source: 0,
            thread: 1,
        }
    }

    #[test]
    fn buffers_come_back_and_are_reused() {
        let mut b = Batcher::default();
        b.push(sample());
        let first = b.take();
        assert_eq!(first.len(), 1);
        let ptr = first.as_ptr();
        first.recycle();
        b.push(sample());
        let second = b.take();
        // The buffer taken now is the one handed out before it (the first came back meanwhile).
        b.push(sample());
        let third = b.take();
        assert_eq!(third.as_ptr(), ptr, "the recycled buffer is reused");
        assert_eq!((second.len(), third.len()), (1, 1));
    }
}
