//! Time in the scenario language: `__time` formats (Java `SimpleDateFormat` subset → chrono), Taurus
//! durations (`dehumanize_time`) and think-time timers.

use crate::error::Problem;
use crate::template::TemplateProblem;
use rand::Rng;
use std::fmt::Write as _;
use std::time::Duration;

/// A `${__time(format)}` format, translated once.
#[derive(Debug, Clone, PartialEq)]
pub enum TimeFormat {
    /// Epoch milliseconds divided by this (`/1000` = epoch seconds; no format = 1).
    Epoch(u64),
    /// A chrono `strftime` string, local time as JMeter.
    Chrono(String),
}

impl TimeFormat {
    pub fn parse(format: &str) -> Result<TimeFormat, TemplateProblem> {
        let f = format.trim();
        let bad = |reason: String| TemplateProblem::TimeFormat {
            format: format.to_string(),
            reason,
        };
        if f.is_empty() {
            return Ok(TimeFormat::Epoch(1));
        }
        if let Some(div) = f.strip_prefix('/') {
            return div
                .parse::<u64>()
                .ok()
                .filter(|d| *d > 0)
                .map(TimeFormat::Epoch)
                .ok_or_else(|| bad("a divisor must be /N with N > 0".into()));
        }
        // JMeter's named shortcuts.
        let java = match f {
            "YMD" => "yyyyMMdd",
            "HMS" => "HHmmss",
            "YMDHMS" => "yyyyMMdd-HHmmss",
            other => other,
        };
        java_to_chrono(java).map(TimeFormat::Chrono).map_err(bad)
    }

    pub fn write_now(&self, out: &mut String) {
        match self {
            TimeFormat::Epoch(div) => {
                let ms = chrono::Utc::now().timestamp_millis().max(0) as u64;
                let _ = write!(out, "{}", ms / div);
            }
            TimeFormat::Chrono(f) => {
                let _ = write!(out, "{}", chrono::Local::now().format(f));
            }
        }
    }
}

/// Translates the `SimpleDateFormat` letters real configs use; anything else is an error naming it
/// (the error is the reason only: the caller names the format).
fn java_to_chrono(java: &str) -> Result<String, String> {
    let chars: Vec<char> = java.chars().collect();
    let mut out = String::new();
    let mut i = 0;
    while i < chars.len() {
        let c = chars[i];
        let mut n = 1;
        while i + n < chars.len() && chars[i + n] == c {
            n += 1;
        }
        if c == '\'' {
            // Quoted literal; '' is a single quote, inside or outside quotes.
            if chars.get(i + 1) == Some(&'\'') {
                out.push('\'');
                i += 2;
                continue;
            }
            let mut j = i + 1;
            loop {
                match chars.get(j) {
                    None => return Err("unclosed quote".into()),
                    Some('\'') if chars.get(j + 1) == Some(&'\'') => {
                        out.push('\'');
                        j += 2;
                    }
                    Some('\'') => break,
                    Some(&x) => {
                        push_literal(&mut out, x);
                        j += 1;
                    }
                }
            }
            i = j + 1;
            continue;
        }
        if !c.is_ascii_alphabetic() {
            push_literal(&mut out, c);
            i += 1;
            continue;
        }
        let spec = match (c, n) {
            ('y', 2) => "%y",
            ('y', _) => "%Y",
            ('M', 1) => "%-m",
            ('M', 2) => "%m",
            ('M', 3) => "%b",
            ('M', _) => "%B",
            ('d', 1) => "%-d",
            ('d', _) => "%d",
            ('H', 1) => "%-H",
            ('H', _) => "%H",
            ('h', 1) => "%-I",
            ('h', _) => "%I",
            ('m', 1) => "%-M",
            ('m', _) => "%M",
            ('s', 1) => "%-S",
            ('s', _) => "%S",
            ('S', _) => "%3f",
            ('E', 1..=3) => "%a",
            ('E', _) => "%A",
            ('a', _) => "%p",
            ('Z', _) => "%z",
            ('X', _) => "%:z",
            ('z', _) => "%Z",
            ('D', _) => "%j",
            _ => {
                return Err(format!(
                    "pattern letter {:?} is not supported",
                    c.to_string().repeat(n)
                ));
            }
        };
        out.push_str(spec);
        i += n;
    }
    Ok(out)
}

fn push_literal(out: &mut String, c: char) {
    if c == '%' {
        out.push_str("%%");
    } else {
        out.push(c);
    }
}

/// Taurus `dehumanize_time`: `1m30s`, `500ms`, `2.5` (seconds), `1d 2h` (the config's parser).
pub fn dehumanize(value: &str) -> Result<Duration, Problem> {
    stampede_config::dehumanize(value).map_err(|e| Problem::Invalid {
        what: "time".into(),
        value: value.to_string(),
        reason: format!("is not a time ({e})"),
        fix: "use a number of seconds or units ms, s, m, h, d: 30s, 1m30s, 500ms".into(),
    })
}

/// A timer applied before each sampler it belongs to (JMeter's timer semantics).
#[derive(Debug, Clone, PartialEq)]
pub enum ThinkTime {
    Constant(Duration),
    /// JMeter Uniform Random Timer: `mean - dev` plus uniform `[0, 2·dev]`.
    Uniform {
        mean: Duration,
        dev: Duration,
    },
    /// JMeter Gaussian Random Timer: offset `mean`, deviation `dev`.
    Gaussian {
        mean: Duration,
        dev: Duration,
    },
    /// JMeter Poisson Random Timer: lambda `mean - dev`, offset `dev`.
    Poisson {
        mean: Duration,
        dev: Duration,
    },
}

impl ThinkTime {
    pub fn parse(text: &str) -> Result<ThinkTime, Problem> {
        let t = text.trim();
        let bad = |reason: &str| Problem::Invalid {
            what: "think-time".into(),
            value: text.to_string(),
            reason: reason.to_string(),
            fix: "write a time (2s) or uniform(mean, dev), gaussian(mean, dev), poisson(mean, dev)"
                .into(),
        };
        if let Some(open) = t.find('(') {
            let name = t[..open].trim().to_ascii_lowercase();
            let inner = t[open + 1..]
                .strip_suffix(')')
                .ok_or_else(|| bad("is missing `)`"))?;
            let (a, b) = inner
                .split_once(',')
                .ok_or_else(|| bad("needs two arguments (mean, deviation)"))?;
            let (mean, dev) = (dehumanize(a)?, dehumanize(b)?);
            return match name.as_str() {
                "uniform" => Ok(ThinkTime::Uniform { mean, dev }),
                "gaussian" => Ok(ThinkTime::Gaussian { mean, dev }),
                "poisson" => Ok(ThinkTime::Poisson { mean, dev }),
                _ => Err(bad("names an unknown timer")),
            };
        }
        dehumanize(t).map(ThinkTime::Constant)
    }

    pub fn sample(&self, rng: &mut impl Rng) -> Duration {
        let ms = |d: &Duration| d.as_secs_f64() * 1000.0;
        let out = match self {
            ThinkTime::Constant(d) => return *d,
            ThinkTime::Uniform { mean, dev } => {
                let range = 2.0 * ms(dev);
                (ms(mean) - ms(dev)) + rng.random::<f64>() * range
            }
            ThinkTime::Gaussian { mean, dev } => ms(mean) + normal(rng) * ms(dev),
            ThinkTime::Poisson { mean, dev } => {
                let lambda = (ms(mean) - ms(dev)).max(0.0);
                ms(dev) + poisson(lambda, rng)
            }
        };
        Duration::from_secs_f64(out.max(0.0) / 1000.0)
    }
}

fn normal(rng: &mut impl Rng) -> f64 {
    // Box–Muller.
    let u1: f64 = rng.random::<f64>().max(f64::MIN_POSITIVE);
    let u2: f64 = rng.random();
    (-2.0 * u1.ln()).sqrt() * (2.0 * std::f64::consts::PI * u2).cos()
}

fn poisson(lambda: f64, rng: &mut impl Rng) -> f64 {
    if lambda > 30.0 {
        // Normal approximation; Knuth's method underflows for millisecond-scale lambdas.
        return (lambda + lambda.sqrt() * normal(rng)).round().max(0.0);
    }
    let l = (-lambda).exp();
    let (mut k, mut p) = (0.0, 1.0);
    loop {
        p *= rng.random::<f64>();
        if p <= l {
            return k;
        }
        k += 1.0;
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use rand::SeedableRng;

    #[test]
    fn dehumanize_table() {
        for (s, secs) in [
            ("1m30s", 90.0),
            ("500ms", 0.5),
            ("10", 10.0),
            ("2.5", 2.5),
            ("0.1m", 6.0),
            ("1d 2h 3m 4s", 93784.0),
            ("1s200ms", 1.2),
            ("", 0.0),
        ] {
            assert!(
                (dehumanize(s).unwrap().as_secs_f64() - secs).abs() < 1e-9,
                "{s}"
            );
        }
        assert!(dehumanize("5x").is_err());
        assert!(dehumanize("abc").is_err());
    }

    #[test]
    fn java_formats_translate() {
        assert_eq!(
            java_to_chrono("yyyy-MM-dd HH:mm:ss.SSS").unwrap(),
            "%Y-%m-%d %H:%M:%S.%3f"
        );
        assert_eq!(
            java_to_chrono("dd/MMM/yy'T'h a").unwrap(),
            "%d/%b/%yT%-I %p"
        );
        assert_eq!(java_to_chrono("'it''s' 100%").unwrap(), "it's 100%%");
        assert!(java_to_chrono("yyyy-QQ").is_err());
        assert_eq!(
            TimeFormat::parse("YMD").unwrap(),
            TimeFormat::Chrono("%Y%m%d".into())
        );
        assert_eq!(TimeFormat::parse("/1000").unwrap(), TimeFormat::Epoch(1000));
        assert!(TimeFormat::parse("/0").is_err());
    }

    #[test]
    fn think_times_stay_in_their_ranges() {
        let mut rng = rand::rngs::StdRng::seed_from_u64(1);
        assert_eq!(
            ThinkTime::parse("2s").unwrap().sample(&mut rng),
            Duration::from_secs(2)
        );
        let u = ThinkTime::parse("uniform(5s, 1s)").unwrap();
        for _ in 0..200 {
            let d = u.sample(&mut rng).as_secs_f64();
            assert!((4.0..=6.0).contains(&d), "{d}");
        }
        let g = ThinkTime::parse("gaussian(1s, 100ms)").unwrap();
        let mean: f64 = (0..2000)
            .map(|_| g.sample(&mut rng).as_secs_f64())
            .sum::<f64>()
            / 2000.0;
        assert!((mean - 1.0).abs() < 0.02, "{mean}");
        let p = ThinkTime::parse("poisson(10s, 3s)").unwrap();
        let mean: f64 = (0..2000)
            .map(|_| p.sample(&mut rng).as_secs_f64())
            .sum::<f64>()
            / 2000.0;
        assert!((mean - 10.0).abs() < 0.1, "{mean}");
        assert!(ThinkTime::parse("weird(1s, 2s)").is_err());
        assert!(ThinkTime::parse("uniform(1s)").is_err());
    }
}
