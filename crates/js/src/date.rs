//! `Date` on a millisecond time value, in UTC: the zone of DLT's containers, where Rhino prints
//! `Tue Nov 14 2023 22:13:20 GMT-0000 (UTC)`.

use crate::ast::DateGetter;

const MS_PER_DAY: f64 = 86_400_000.0;
const DAYS: [&str; 7] = ["Sun", "Mon", "Tue", "Wed", "Thu", "Fri", "Sat"];
const MONTHS: [&str; 12] = [
    "Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec",
];

/// Broken-down UTC time.
struct Parts {
    year: i64,
    /// 0-based, as JS counts months.
    month: i64,
    day: i64,
    weekday: usize,
    hour: i64,
    minute: i64,
    second: i64,
    ms: i64,
}

/// ECMAScript TimeClip: beyond ±8.64e15 ms a date is invalid.
pub(crate) fn time_clip(ms: f64) -> f64 {
    if !ms.is_finite() || ms.abs() > 8.64e15 {
        f64::NAN
    } else {
        ms.trunc() + 0.0
    }
}

fn parts(ms: f64) -> Parts {
    let ms = ms as i64;
    let days = ms.div_euclid(MS_PER_DAY as i64);
    let in_day = ms.rem_euclid(MS_PER_DAY as i64);
    let (year, month, day) = civil_from_days(days);
    Parts {
        year,
        month: month - 1,
        day,
        weekday: (days + 4).rem_euclid(7) as usize,
        hour: in_day / 3_600_000,
        minute: in_day / 60_000 % 60,
        second: in_day / 1000 % 60,
        ms: in_day % 1000,
    }
}

/// Days since 1970-01-01 to (year, month 1-12, day), proleptic Gregorian (H. Hinnant's algorithm).
fn civil_from_days(z: i64) -> (i64, i64, i64) {
    let z = z + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z.rem_euclid(146_097);
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let day = doy - (153 * mp + 2) / 5 + 1;
    let month = if mp < 10 { mp + 3 } else { mp - 9 };
    let year = yoe + era * 400 + i64::from(month <= 2);
    (year, month, day)
}

/// (year, month 1-12, day) to days since 1970-01-01.
fn days_from_civil(year: i64, month: i64, day: i64) -> i64 {
    let year = if month <= 2 { year - 1 } else { year };
    let era = year.div_euclid(400);
    let yoe = year.rem_euclid(400);
    let mp = (month + 9) % 12;
    let doy = (153 * mp + 2) / 5 + day - 1;
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    era * 146_097 + doe - 719_468
}

/// `new Date(y, m[, d, h, min, s, ms])` in UTC; two-digit years are 19xx, as in JS.
pub(crate) fn make(fields: &[f64]) -> f64 {
    if fields.iter().any(|f| !f.is_finite()) {
        return f64::NAN;
    }
    let get = |i: usize, default: f64| fields.get(i).copied().unwrap_or(default).trunc();
    let mut year = get(0, f64::NAN);
    if (0.0..=99.0).contains(&year) {
        year += 1900.0;
    }
    let month = get(1, 0.0);
    // Whole years carried out of the month keep the civil conversion in range.
    let year = year + (month / 12.0).floor();
    let month = month.rem_euclid(12.0);
    if year.abs() > 400_000.0 {
        return f64::NAN;
    }
    let days = days_from_civil(year as i64, month as i64 + 1, 1) as f64 + get(2, 1.0) - 1.0;
    let time =
        get(3, 0.0) * 3_600_000.0 + get(4, 0.0) * 60_000.0 + get(5, 0.0) * 1000.0 + get(6, 0.0);
    time_clip(days * MS_PER_DAY + time)
}

pub(crate) fn get(ms: f64, getter: DateGetter) -> f64 {
    if ms.is_nan() {
        return f64::NAN;
    }
    let p = parts(ms);
    (match getter {
        DateGetter::Time => return ms,
        DateGetter::FullYear => p.year,
        DateGetter::Month => p.month,
        DateGetter::Date => p.day,
        DateGetter::Day => p.weekday as i64,
        DateGetter::Hours => p.hour,
        DateGetter::Minutes => p.minute,
        DateGetter::Seconds => p.second,
        DateGetter::Milliseconds => p.ms,
        DateGetter::TimezoneOffset => 0,
    }) as f64
}

fn year_text(year: i64) -> String {
    if year < 0 {
        format!("-{:04}", -year)
    } else {
        format!("{year:04}")
    }
}

/// `Date.prototype.toString` as Rhino prints it in a UTC JVM.
pub(crate) fn to_string(ms: f64) -> String {
    if ms.is_nan() {
        return "Invalid Date".into();
    }
    format!("{} {}", to_date_string(ms), to_time_string(ms))
}

pub(crate) fn to_date_string(ms: f64) -> String {
    if ms.is_nan() {
        return "Invalid Date".into();
    }
    let p = parts(ms);
    format!(
        "{} {} {:02} {}",
        DAYS[p.weekday],
        MONTHS[p.month as usize],
        p.day,
        year_text(p.year)
    )
}

pub(crate) fn to_time_string(ms: f64) -> String {
    if ms.is_nan() {
        return "Invalid Date".into();
    }
    let p = parts(ms);
    format!(
        "{:02}:{:02}:{:02} GMT-0000 (UTC)",
        p.hour, p.minute, p.second
    )
}

pub(crate) fn to_utc_string(ms: f64) -> String {
    if ms.is_nan() {
        return "Invalid Date".into();
    }
    let p = parts(ms);
    format!(
        "{}, {:02} {} {} {:02}:{:02}:{:02} GMT",
        DAYS[p.weekday],
        p.day,
        MONTHS[p.month as usize],
        year_text(p.year),
        p.hour,
        p.minute,
        p.second
    )
}

/// `toISOString`; `None` for an invalid date (a RangeError in JS).
pub(crate) fn to_iso_string(ms: f64) -> Option<String> {
    if ms.is_nan() {
        return None;
    }
    let p = parts(ms);
    let year = if (0..=9999).contains(&p.year) {
        format!("{:04}", p.year)
    } else if p.year < 0 {
        format!("-{:06}", -p.year)
    } else {
        format!("+{:06}", p.year)
    };
    Some(format!(
        "{year}-{:02}-{:02}T{:02}:{:02}:{:02}.{:03}Z",
        p.month + 1,
        p.day,
        p.hour,
        p.minute,
        p.second,
        p.ms
    ))
}
