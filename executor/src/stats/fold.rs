//! Bounds on label and error-message variety (`generalize-labels`, `max-error-variety`): once a
//! quarter of the limit is used, a new string is folded into the most similar known one when their
//! similarity reaches `1 − (used/limit)²`, so that a test hitting millions of distinct URLs keeps a
//! bounded number of labels. Taurus uses a FuzzySet for this; normalized Levenshtein similarity is
//! our stand-in, so which strings fold together can differ from Taurus, but the bound is the same.

use std::collections::HashMap;
use std::sync::Arc;

/// Remembered lookups, so that a repeated string costs one hash probe. Cleared when it grows past
/// this size, which keeps memory bounded however many distinct strings arrive.
const CACHE_LIMIT: usize = 20_000;

#[derive(Debug, Default)]
pub struct Folder {
    /// 0 disables folding.
    limit: usize,
    known: Vec<Arc<str>>,
    cache: HashMap<Arc<str>, Arc<str>>,
}

impl Folder {
    pub fn new(limit: usize) -> Self {
        Self {
            limit,
            ..Self::default()
        }
    }

    /// The string to account `s` under.
    pub fn fold(&mut self, s: &Arc<str>) -> Arc<str> {
        if self.limit == 0 {
            return s.clone();
        }
        if let Some(hit) = self.cache.get(s) {
            return hit.clone();
        }
        let folded = self.resolve(s);
        if self.cache.len() >= CACHE_LIMIT {
            self.cache.clear();
        }
        self.cache.insert(s.clone(), folded.clone());
        folded
    }

    fn resolve(&mut self, s: &Arc<str>) -> Arc<str> {
        if let Some(k) = self.known.iter().find(|k| **k == *s) {
            return k.clone();
        }
        let used = self.known.len();
        if used * 4 > self.limit {
            let ratio = used as f64 / self.limit as f64;
            let threshold = 1.0 - ratio * ratio;
            let best = self
                .known
                .iter()
                .map(|k| (strsim::normalized_levenshtein(k, s), k))
                .max_by(|a, b| a.0.total_cmp(&b.0));
            if let Some((sim, k)) = best
                && (sim >= threshold || used >= self.limit)
            {
                return k.clone();
            }
        }
        self.known.push(s.clone());
        s.clone()
    }

    pub fn len(&self) -> usize {
        self.known.len()
    }

    pub fn is_empty(&self) -> bool {
        self.known.is_empty()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn distinct_urls_stay_bounded() {
        let mut f = Folder::new(40);
        for i in 0..5000 {
            let url: Arc<str> = Arc::from(format!("http://host/items/{i}?q={}", i * 7919));
            f.fold(&url);
        }
        assert!(f.len() <= 40, "{} labels kept", f.len());
        let mut off = Folder::new(0);
        for i in 0..100 {
            off.fold(&Arc::from(format!("/p/{i}")));
        }
        assert_eq!(off.len(), 0);
    }

    #[test]
    fn below_a_quarter_nothing_folds() {
        let mut f = Folder::new(500);
        let a: Arc<str> = Arc::from("/api/a");
        let b: Arc<str> = Arc::from("/api/b");
        assert_eq!(&*f.fold(&a), "/api/a");
        assert_eq!(&*f.fold(&b), "/api/b");
        assert_eq!(&*f.fold(&a), "/api/a");
    }
}
