//! Taurus's derived load (`docs/taurus-config.md#derived-load`), the one place its rules live: the defaults of `concurrency` and
//! `iterations`, and which keys Taurus ignores (`throughput` without a duration, `steps` without a
//! ramp-up). The engine's `Profile` turns the derived [`LoadSpec`] into a schedule and applies no rule
//! of its own.

use std::time::Duration;

/// The load keys of one execution as written: parsed and typed, no rule applied yet.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct LoadKeys {
    pub concurrency: Option<u32>,
    pub ramp_up: Option<Duration>,
    pub hold_for: Option<Duration>,
    pub iterations: Option<u64>,
    pub throughput: Option<f64>,
    pub steps: Option<u32>,
}

/// Taurus's derived load (`docs/taurus-config.md#derived-load`), built by [`LoadKeys::derive`]: `iterations` is `None` only when
/// a duration is set, `throughput` only comes with a duration and `steps` only with a ramp-up.
#[derive(Debug, Clone, PartialEq)]
pub struct LoadSpec {
    pub concurrency: u32,
    pub ramp_up: Option<Duration>,
    pub hold_for: Option<Duration>,
    /// Per user; `None` = unlimited (a duration is set).
    pub iterations: Option<u64>,
    /// Total requests per second for the execution; `None` = no limit.
    pub throughput: Option<f64>,
    pub steps: Option<u32>,
}

/// A load key that has no effect, as Taurus warns about it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum LoadWarning {
    ThroughputWithoutDuration,
    StepsWithoutRampUp,
    NoUsers,
}

impl std::fmt::Display for LoadWarning {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(match self {
            LoadWarning::ThroughputWithoutDuration => {
                "You must set 'ramp-up' and/or 'hold-for' when using 'throughput' option; throughput is ignored"
            }
            LoadWarning::StepsWithoutRampUp => "'steps' needs 'ramp-up'; steps are ignored",
            LoadWarning::NoUsers => "concurrency is 0, this execution generates no load",
        })
    }
}

impl LoadKeys {
    /// Applies Taurus's rules (`get_raw_load`/`get_load`); returns the keys that had no effect.
    pub fn derive(&self) -> (LoadSpec, Vec<LoadWarning>) {
        let mut warnings = Vec::new();
        let duration = duration(self.ramp_up, self.hold_for);
        let iterations = match self.iterations.filter(|&n| n > 0) {
            Some(n) => Some(n),
            None if !duration.is_zero() => None,
            None => Some(1),
        };
        let mut throughput = self.throughput.filter(|&r| r > 0.0);
        if throughput.is_some() && duration.is_zero() {
            warnings.push(LoadWarning::ThroughputWithoutDuration);
            throughput = None;
        }
        let mut steps = self.steps.filter(|&s| s > 0);
        if steps.is_some() && self.ramp_up.is_none_or(|r| r.is_zero()) {
            warnings.push(LoadWarning::StepsWithoutRampUp);
            steps = None;
        }
        let concurrency = self.concurrency.unwrap_or(1);
        if concurrency == 0 {
            warnings.push(LoadWarning::NoUsers);
        }
        let spec = LoadSpec {
            concurrency,
            ramp_up: self.ramp_up,
            hold_for: self.hold_for,
            iterations,
            throughput,
            steps,
        };
        (spec, warnings)
    }
}

impl LoadSpec {
    /// `ramp-up + hold-for`: when the execution ends (zero = iterations only).
    pub fn duration(&self) -> Duration {
        duration(self.ramp_up, self.hold_for)
    }
}

fn duration(ramp_up: Option<Duration>, hold_for: Option<Duration>) -> Duration {
    ramp_up
        .unwrap_or_default()
        .saturating_add(hold_for.unwrap_or_default())
}

#[cfg(test)]
mod tests {
    use super::*;

    const S: fn(u64) -> Duration = Duration::from_secs;

    fn keys(c: u32, ramp: u64, hold: u64) -> LoadKeys {
        LoadKeys {
            concurrency: Some(c),
            ramp_up: (ramp > 0).then(|| S(ramp)),
            hold_for: (hold > 0).then(|| S(hold)),
            ..LoadKeys::default()
        }
    }

    #[test]
    fn defaults_follow_taurus() {
        let (l, _) = keys(3, 0, 0).derive();
        assert_eq!((l.iterations, l.duration()), (Some(1), S(0)));
        let (l, _) = keys(3, 2, 5).derive();
        assert_eq!((l.iterations, l.duration()), (None, S(7)));
        let mut k = keys(3, 0, 5);
        k.iterations = Some(4);
        let (l, _) = k.derive();
        assert_eq!((l.iterations, l.duration()), (Some(4), S(5)));
        k.iterations = Some(0);
        assert_eq!(k.derive().0.iterations, None);
        let (l, w) = LoadKeys::default().derive();
        assert_eq!((l.concurrency, w), (1, vec![]));
    }

    #[test]
    fn keys_without_effect_are_dropped_with_a_warning() {
        let mut k = keys(3, 0, 0);
        k.throughput = Some(10.0);
        k.steps = Some(2);
        let (l, w) = k.derive();
        assert_eq!((l.throughput, l.steps), (None, None));
        use LoadWarning::*;
        assert_eq!(w, [ThroughputWithoutDuration, StepsWithoutRampUp]);
        let mut k = keys(0, 0, 5);
        k.throughput = Some(10.0);
        k.steps = Some(2);
        let (l, w) = k.derive();
        assert_eq!((l.throughput, l.steps), (Some(10.0), None));
        assert_eq!(w, [StepsWithoutRampUp, NoUsers]);
        k.ramp_up = Some(S(4));
        assert_eq!(k.derive().0.steps, Some(2));
    }
}
