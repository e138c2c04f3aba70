//! What a script can see of the JMeter thread running it: variables, properties, the random
//! source and the clock. [`Env`] is a complete one; an engine can implement [`Host`] over its own
//! per-thread state instead.

use std::collections::HashMap;
use std::time::{SystemTime, UNIX_EPOCH};

use rand::rngs::SmallRng;
use rand::{Rng, SeedableRng};

/// The thread's view that `vars`, `props`, `threadName`, `Math.random` and `Date` read.
pub trait Host {
    /// `vars.get(name)`: a JMeter variable of this thread.
    fn var(&self, name: &str) -> Option<&str>;
    /// `vars.put(name, value)`.
    fn put_var(&mut self, name: &str, value: String);
    /// `props.get(name)`: a JMeter property (shared by all threads).
    fn property(&self, name: &str) -> Option<&str>;
    /// A `${reference}` in the script text (the text between `${` and `}`), which JMeter
    /// substitutes before Rhino reads the script. `None` leaves `${reference}` as written, as JMeter
    /// does for an unknown variable. The default resolves variables only.
    fn substitute(&mut self, reference: &str) -> Option<String> {
        self.var(reference).map(str::to_owned)
    }
    /// `Math.random()`: uniform in [0, 1).
    fn random(&mut self) -> f64;
    /// `Date.now()` and `new Date()`: milliseconds since the Unix epoch.
    fn now_millis(&mut self) -> f64;
    /// `vars.getIteration()`: the thread's 1-based iteration.
    fn iteration(&self) -> u64;
    /// `threadName`, e.g. `js 1-1` (thread group name, group number, thread number).
    fn thread_name(&self) -> &str;
}

/// Where `Date.now()` and `new Date()` get the time.
#[derive(Clone, Copy, Debug, PartialEq)]
pub enum Clock {
    System,
    /// A fixed time in milliseconds since the epoch (tests, replays).
    Fixed(f64),
}

/// A complete [`Host`]: maps for variables and properties, a seedable random source and a clock.
#[derive(Clone, Debug)]
pub struct Env {
    pub vars: HashMap<String, String>,
    pub props: HashMap<String, String>,
    pub clock: Clock,
    pub iteration: u64,
    pub thread_name: String,
    rng: SmallRng,
}

impl Env {
    /// An empty thread `Thread Group 1-1` at iteration 1, on the system clock, with a random seed.
    pub fn new() -> Env {
        Env::seeded(rand::rng().random())
    }

    /// As [`Env::new`], with `Math.random()` drawn from a fixed seed.
    pub fn seeded(seed: u64) -> Env {
        Env {
            vars: HashMap::new(),
            props: HashMap::new(),
            clock: Clock::System,
            iteration: 1,
            thread_name: "Thread Group 1-1".into(),
            rng: SmallRng::seed_from_u64(seed),
        }
    }

    /// Sets a variable (builder style).
    pub fn with_var(mut self, name: &str, value: &str) -> Env {
        self.vars.insert(name.into(), value.into());
        self
    }

    /// Fixes the clock (builder style).
    pub fn at_millis(mut self, ms: f64) -> Env {
        self.clock = Clock::Fixed(ms);
        self
    }
}

impl Default for Env {
    fn default() -> Env {
        Env::new()
    }
}

impl Host for Env {
    fn var(&self, name: &str) -> Option<&str> {
        self.vars.get(name).map(String::as_str)
    }

    fn put_var(&mut self, name: &str, value: String) {
        self.vars.insert(name.to_owned(), value);
    }

    fn property(&self, name: &str) -> Option<&str> {
        self.props.get(name).map(String::as_str)
    }

    fn random(&mut self) -> f64 {
        self.rng.random::<f64>()
    }

    fn now_millis(&mut self) -> f64 {
        match self.clock {
            Clock::Fixed(ms) => ms,
            Clock::System => SystemTime::now()
                .duration_since(UNIX_EPOCH)
                .map_or(0.0, |d| d.as_millis() as f64),
        }
    }

    fn iteration(&self) -> u64 {
        self.iteration
    }

    fn thread_name(&self) -> &str {
        &self.thread_name
    }
}
