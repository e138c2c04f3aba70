//! The Duration and Size assertions, with JMeter's failure messages.

use crate::extract::Exchange;

/// How a Size Assertion compares (JMeter's operators 1 to 6).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SizeCmp {
    Equal,
    NotEqual,
    Greater,
    Less,
    GreaterOrEqual,
    LessOrEqual,
}

impl SizeCmp {
    /// JMeter's operator number (`SizeAssertion.operator`).
    pub fn from_jmeter(n: u8) -> Option<SizeCmp> {
        Some(match n {
            1 => SizeCmp::Equal,
            2 => SizeCmp::NotEqual,
            3 => SizeCmp::Greater,
            4 => SizeCmp::Less,
            5 => SizeCmp::GreaterOrEqual,
            6 => SizeCmp::LessOrEqual,
            _ => return None,
        })
    }

    fn holds(self, found: u64, want: u64) -> bool {
        match self {
            SizeCmp::Equal => found == want,
            SizeCmp::NotEqual => found != want,
            SizeCmp::Greater => found > want,
            SizeCmp::Less => found < want,
            SizeCmp::GreaterOrEqual => found >= want,
            SizeCmp::LessOrEqual => found <= want,
        }
    }

    /// JMeter's words in the failure message.
    fn words(self) -> &'static str {
        match self {
            SizeCmp::Equal => "equal to",
            SizeCmp::NotEqual => "not equal to",
            SizeCmp::Greater => "greater than",
            SizeCmp::Less => "less than",
            SizeCmp::GreaterOrEqual => "greater than or equal to",
            SizeCmp::LessOrEqual => "less than or equal to",
        }
    }
}

/// What a Size Assertion measures (JMeter's `Assertion.test_field`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SizeField {
    /// Headers and body as received (the default).
    Full,
    Headers,
    Body,
    /// The length of the response code text.
    Code,
    /// The length of the response message.
    Message,
}

/// JMeter's Duration Assertion: a limit of 0 means none.
pub(super) fn check_duration(max_ms: u64, ex: &Exchange<'_>) -> Result<(), String> {
    let took = ex.elapsed.as_millis() as u64;
    if max_ms > 0 && took > max_ms {
        return Err(format!(
            "The operation lasted too long: It took {} milliseconds, but should not have lasted longer than {} milliseconds.",
            grouped(took),
            grouped(max_ms)
        ));
    }
    Ok(())
}

/// JMeter's Size Assertion on the part `field` of the response.
pub(super) fn check_size(
    size: u64,
    cmp: SizeCmp,
    field: SizeField,
    ex: &Exchange<'_>,
) -> Result<(), String> {
    let body = ex.body.len() as u64;
    let found = match field {
        SizeField::Full => ex.bytes,
        SizeField::Headers => ex.bytes.saturating_sub(body),
        SizeField::Body => body,
        SizeField::Code => ex.status.to_string().len() as u64,
        SizeField::Message => ex.message().len() as u64,
    };
    if cmp.holds(found, size) {
        return Ok(());
    }
    Err(format!(
        "The result was the wrong size: It was {} bytes, but should have been {} {} bytes.",
        grouped(found),
        cmp.words(),
        grouped(size)
    ))
}

/// A number as Java's `MessageFormat` prints it in JMeter's messages (`12,345`).
fn grouped(n: u64) -> String {
    let digits = n.to_string();
    let mut out = String::with_capacity(digits.len() + digits.len() / 3);
    for (i, c) in digits.chars().enumerate() {
        if i > 0 && (digits.len() - i).is_multiple_of(3) {
            out.push(',');
        }
        out.push(c);
    }
    out
}
