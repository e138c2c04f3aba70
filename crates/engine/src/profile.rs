//! Every Taurus load shape as one profile (`docs/taurus-config.md#derived-load`): when each user starts, how many users run
//! at a time, when the execution stops, and the open-loop request schedule of `throughput`.
//!
//! Pacing is pure: [`Profile::pace`] maps (elapsed, requests already sent) to a [`Step`], so it is tested
//! with tables and no clock. The engine hands out request tickets from one counter per execution and
//! paces each ticket with it, waiting until [`Profile::send_time`] (a global limiter, like JMeter's Throughput Shaping
//! Timer, but a schedule rather than a cap: a ticket whose time has passed is sent at once, so the
//! achieved rate catches up after a stall as long as users are free).

use stampede_config::LoadSpec;
use std::time::Duration;

/// What a user should do before its next request.
#[derive(Clone, Copy, Debug, PartialEq)]
pub enum Step {
    /// Send now; the request was due `late` ago (its sample is measured from then: coordinated
    /// omission).
    Go {
        late: Duration,
    },
    Wait(Duration),
    Stop,
}

/// One row of the Throughput Shaping Timer schedule: rate from `start_rps` to `end_rps` over `secs`.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Row {
    pub start_rps: f64,
    pub end_rps: f64,
    pub secs: f64,
}

#[derive(Clone, Debug, PartialEq)]
pub struct Profile {
    pub concurrency: u32,
    pub ramp_up: Duration,
    pub steps: Option<u32>,
    /// Per user; `None` = until the duration ends.
    pub iterations: Option<u64>,
    /// `ramp-up + hold-for`; `None` when only iterations limit the test.
    pub duration: Option<Duration>,
    /// Open-loop schedule (`throughput`); empty = closed loop.
    pub schedule: Vec<Row>,
}

impl Profile {
    /// The schedule of a derived load; Taurus's rules (defaults, ignored keys) were applied by
    /// [`stampede_config::LoadKeys::derive`].
    pub fn from_load(l: &LoadSpec) -> Profile {
        let (ramp, hold) = (
            l.ramp_up.unwrap_or_default(),
            l.hold_for.unwrap_or_default(),
        );
        let duration = Some(l.duration()).filter(|d| !d.is_zero());
        let schedule = match l.throughput {
            Some(thr) if duration.is_some() => shaper_rows(thr, ramp, hold, l.steps),
            _ => Vec::new(),
        };
        Profile {
            concurrency: l.concurrency,
            ramp_up: ramp,
            steps: l.steps,
            iterations: l.iterations,
            duration,
            schedule,
        }
    }

    /// When user `i` (0-based) starts, relative to the execution's start.
    pub fn user_start(&self, i: u32) -> Duration {
        let c = self.concurrency.max(1);
        match self.steps {
            None => self.ramp_up.mul_f64(f64::from(i) / f64::from(c)),
            Some(s) => {
                // Step k runs round(C·(k+1)/S) users from the start of its interval.
                let k = (0..s).find(|&k| step_target(c, s, k) > i).unwrap_or(s - 1);
                self.ramp_up.mul_f64(f64::from(k) / f64::from(s))
            }
        }
    }

    /// Users that should be running `elapsed` after the start (0 after the end).
    pub fn concurrency_at(&self, elapsed: Duration) -> u32 {
        if self.duration.is_some_and(|d| elapsed >= d) {
            return 0;
        }
        let c = self.concurrency;
        // user_start is monotonic in i: binary search for the first user not yet started.
        let (mut lo, mut hi) = (0u32, c);
        while lo < hi {
            let mid = lo + (hi - lo) / 2;
            if self.user_start(mid) <= elapsed {
                lo = mid + 1;
            } else {
                hi = mid;
            }
        }
        lo
    }

    /// Whether a user that completed `iterations` must stop at `elapsed`.
    pub fn user_done(&self, elapsed: Duration, iterations: u64) -> bool {
        self.duration.is_some_and(|d| elapsed >= d)
            || self.iterations.is_some_and(|n| iterations >= n)
    }

    pub fn is_open_loop(&self) -> bool {
        !self.schedule.is_empty()
    }

    /// Scheduled send time of request number `n` (0-based) of the execution; `None` if it falls after
    /// the end of the schedule. Closed loop: always `Some(0)`.
    pub fn send_time(&self, n: u64) -> Option<Duration> {
        if self.schedule.is_empty() {
            return Some(Duration::ZERO);
        }
        let mut left = n as f64;
        let mut t0 = 0.0;
        for r in &self.schedule {
            let in_row = (r.start_rps + r.end_rps) / 2.0 * r.secs;
            if left < in_row {
                return Some(Duration::from_secs_f64(t0 + row_time(r, left)));
            }
            left -= in_row;
            t0 += r.secs;
        }
        None
    }

    /// The pacing rule for request number `sent` (0-based) of the execution, `elapsed` after its
    /// start: go (and how late), wait, or stop (schedule exhausted or the duration is over).
    pub fn pace(&self, elapsed: Duration, sent: u64) -> Step {
        if self.duration.is_some_and(|d| elapsed >= d) {
            return Step::Stop;
        }
        if !self.is_open_loop() {
            // No schedule to be late for.
            return Step::Go {
                late: Duration::ZERO,
            };
        }
        match self.send_time(sent) {
            None => Step::Stop,
            Some(t) if t <= elapsed => Step::Go { late: elapsed - t },
            Some(t) => Step::Wait(t - elapsed),
        }
    }
}

/// Users running during step `k` of `s` (Taurus's `floor(x + 0.5)` rounding).
fn step_target(c: u32, s: u32, k: u32) -> u32 {
    (f64::from(c) * f64::from(k + 1) / f64::from(s) + 0.5).floor() as u32
}

/// Time into row `r` at which `m` requests of the row have been scheduled (inverse of the integral of
/// the linearly changing rate).
fn row_time(r: &Row, m: f64) -> f64 {
    let (a, b, len) = (r.start_rps, r.end_rps, r.secs);
    if (b - a).abs() < 1e-12 {
        return m / a;
    }
    let k = (b - a) / (2.0 * len);
    // k·t² + a·t − m = 0, the root inside the row.
    (-a + (a * a + 4.0 * k * m).max(0.0).sqrt()) / (2.0 * k)
}

/// The schedule Taurus writes for JMeter's Throughput Shaping Timer (bzt/jmx/tools.py `_add_shaper`).
fn shaper_rows(thr: f64, ramp: Duration, hold: Duration, steps: Option<u32>) -> Vec<Row> {
    let mut rows = Vec::new();
    let (ramp_s, hold_s) = (ramp.as_secs_f64(), hold.as_secs_f64());
    if ramp_s > 0.0 {
        match steps {
            None => rows.push(Row {
                start_rps: (thr / (ramp_s + hold_s)).max(1.0),
                end_rps: thr,
                secs: ramp_s,
            }),
            Some(s) => {
                // Row durations are integer seconds, rounded cumulatively.
                let mut prev = 0.0;
                for k in 1..=s {
                    let end = (ramp_s * f64::from(k) / f64::from(s)).round();
                    let rate = thr / f64::from(s) * f64::from(k);
                    rows.push(Row {
                        start_rps: rate,
                        end_rps: rate,
                        secs: end - prev,
                    });
                    prev = end;
                }
            }
        }
    }
    if hold_s > 0.0 {
        rows.push(Row {
            start_rps: thr,
            end_rps: thr,
            secs: hold_s,
        });
    }
    rows.retain(|r| r.secs > 0.0 && r.start_rps + r.end_rps > 0.0);
    rows
}

#[cfg(test)]
mod tests {
    use super::*;

    use stampede_config::{LoadKeys, LoadWarning};

    fn load(c: u32, ramp: u64, hold: u64) -> LoadKeys {
        LoadKeys {
            concurrency: Some(c),
            ramp_up: (ramp > 0).then(|| Duration::from_secs(ramp)),
            hold_for: (hold > 0).then(|| Duration::from_secs(hold)),
            ..LoadKeys::default()
        }
    }

    /// The keys as written, through config's rules, as a run builds its profile.
    fn profile(k: &LoadKeys) -> (Profile, Vec<LoadWarning>) {
        let (l, w) = k.derive();
        (Profile::from_load(&l), w)
    }

    const S: fn(f64) -> Duration = Duration::from_secs_f64;

    #[test]
    fn defaults_follow_taurus() {
        let (p, _) = profile(&load(3, 0, 0));
        assert_eq!((p.iterations, p.duration), (Some(1), None));
        let (p, _) = profile(&load(3, 2, 5));
        assert_eq!((p.iterations, p.duration), (None, Some(S(7.0))));
        let mut l = load(3, 0, 5);
        l.iterations = Some(4);
        let (p, _) = profile(&l);
        assert_eq!((p.iterations, p.duration), (Some(4), Some(S(5.0))));
        let mut l = load(3, 0, 0);
        l.throughput = Some(10.0);
        l.steps = Some(2);
        let (p, w) = profile(&l);
        assert!(p.schedule.is_empty() && p.steps.is_none());
        assert_eq!(w.len(), 2);
    }

    #[test]
    fn linear_ramp_up() {
        let (p, _) = profile(&load(4, 4, 10));
        let starts: Vec<_> = (0..4).map(|i| p.user_start(i)).collect();
        assert_eq!(starts, [S(0.0), S(1.0), S(2.0), S(3.0)]);
        let table = [
            (0.0, 1),
            (0.99, 1),
            (1.0, 2),
            (2.5, 3),
            (3.0, 4),
            (13.9, 4),
            (14.0, 0),
        ];
        for (t, c) in table {
            assert_eq!(p.concurrency_at(S(t)), c, "at {t}s");
        }
    }

    #[test]
    fn stepping_ramp_up() {
        let mut l = load(10, 6, 4);
        l.steps = Some(3);
        let (p, _) = profile(&l);
        // Targets round(10·k/3) = 3, 7, 10 users at 0, 2, 4 s.
        let table = [(0.0, 3), (1.9, 3), (2.0, 7), (3.9, 7), (4.0, 10), (9.0, 10)];
        for (t, c) in table {
            assert_eq!(p.concurrency_at(S(t)), c, "at {t}s");
        }
    }

    #[test]
    fn shaper_rows_as_taurus() {
        let mut l = load(10, 10, 30);
        l.throughput = Some(100.0);
        let (p, _) = profile(&l);
        assert_eq!(
            p.schedule,
            [
                Row {
                    start_rps: 2.5,
                    end_rps: 100.0,
                    secs: 10.0
                },
                Row {
                    start_rps: 100.0,
                    end_rps: 100.0,
                    secs: 30.0
                }
            ]
        );
        l.steps = Some(3);
        let (p, _) = profile(&l);
        let secs: Vec<f64> = p.schedule.iter().map(|r| r.secs).collect();
        assert_eq!(secs, [3.0, 4.0, 3.0, 30.0]); // round(3.33), round(6.67)-3, 10-7
        assert!((p.schedule[1].start_rps - 66.666_666).abs() < 1e-3);
    }

    #[test]
    fn pace_constant_rate() {
        let mut l = load(5, 0, 10);
        l.throughput = Some(100.0);
        let (p, _) = profile(&l);
        let go = |late| Step::Go { late: S(late) };
        let table = [
            (0.0, 0, go(0.0)),
            (0.0, 1, Step::Wait(S(0.01))),
            (0.005, 1, Step::Wait(S(0.005))),
            (0.5, 50, go(0.0)),
            (0.5, 40, go(0.1)),
            (9.99, 999, go(0.0)),
            (9.99, 1000, Step::Stop),
            (10.0, 5, Step::Stop),
        ];
        for (t, sent, want) in table {
            match (p.pace(S(t), sent), want) {
                (Step::Wait(a), Step::Wait(b)) | (Step::Go { late: a }, Step::Go { late: b }) => {
                    assert!(
                        (a.as_secs_f64() - b.as_secs_f64()).abs() < 1e-9,
                        "{t} {sent}: {a:?} {b:?}"
                    )
                }
                (got, want) => assert_eq!(got, want, "at {t}s after {sent}"),
            }
        }
    }

    #[test]
    fn pace_linear_ramp_integral() {
        // 0 → 10 s ramp from 1 rps (max(1, 20/20)) to 20 rps: 105 requests in the ramp, then 20/s.
        let mut l = load(5, 10, 10);
        l.throughput = Some(20.0);
        let (p, _) = profile(&l);
        let t = |n| p.send_time(n).unwrap().as_secs_f64();
        assert!((t(105) - 10.0).abs() < 1e-9);
        assert!((t(125) - 11.0).abs() < 1e-9);
        // First second of the ramp: rate 1 → 2.9, integral 1.95 requests.
        assert!(t(1) < 1.0 && t(2) > 1.0);
        assert_eq!(p.send_time(305), None);
        assert!((t(304) - 19.95).abs() < 1e-9);
    }

    #[test]
    fn closed_loop_always_goes_until_the_end() {
        let (p, _) = profile(&load(1, 0, 2));
        assert_eq!(p.pace(S(1.0), 1_000_000), Step::Go { late: S(0.0) });
        assert_eq!(p.pace(S(2.0), 0), Step::Stop);
        assert!(p.user_done(S(2.0), 0));
        assert!(!p.user_done(S(1.0), 100));
    }
}
