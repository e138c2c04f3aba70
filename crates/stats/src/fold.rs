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
    /// Known strings by shape (digit runs collapsed): the common case of IDs in URLs folds in O(1)
    /// instead of a similarity scan over every known string.
    shapes: HashMap<String, Arc<str>>,
    cache: HashMap<Arc<str>, Arc<str>>,
}

/// `/item/123/x?id=9` → `/item/#/x?id=#`.
fn shape(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    let mut in_digits = false;
    for c in s.chars() {
        if c.is_ascii_digit() {
            if !in_digits {
                out.push('#');
            }
            in_digits = true;
        } else {
            out.push(c);
            in_digits = false;
        }
    }
    out
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
        let key = shape(s);
        if used * 4 > self.limit {
            if let Some(k) = self.shapes.get(&key) {
                return k.clone();
            }
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
        self.shapes.entry(key).or_insert_with(|| s.clone());
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
