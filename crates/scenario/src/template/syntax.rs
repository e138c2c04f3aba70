//! Where a `${…}` and a function call's arguments end, as JMeter's function parser decides.

/// Index of the `}` closing a `${` whose content starts at `s[0]`, honouring nested `${...}`. A
/// function call ends at its matching `)` as in JMeter, so braces inside a `__javaScript` script
/// (`{}`) do not end it.
pub(super) fn closing_brace(s: &str) -> Option<usize> {
    let name_len = s
        .bytes()
        .take_while(|c| c.is_ascii_alphanumeric() || *c == b'_')
        .count();
    if s.starts_with("__")
        && s.as_bytes().get(name_len) == Some(&b'(')
        && let Some(close) = matching_paren(&s[name_len..])
        && s[name_len + close + 1..].starts_with('}')
    {
        return Some(name_len + close + 1);
    }
    let b = s.as_bytes();
    let mut depth = 1;
    let mut i = 0;
    while i < b.len() {
        match b[i] {
            b'$' if b.get(i + 1) == Some(&b'{') => {
                depth += 1;
                i += 1;
            }
            b'}' => {
                depth -= 1;
                if depth == 0 {
                    return Some(i);
                }
            }
            _ => {}
        }
        i += 1;
    }
    None
}

/// Index of the `)` matching the `(` at `s[0]`; `\x` escapes a character, nested `${…}` are skipped.
fn matching_paren(s: &str) -> Option<usize> {
    let b = s.as_bytes();
    let mut depth = 0usize;
    let mut i = 0;
    while i < b.len() {
        match b[i] {
            b'\\' => i += 1,
            b'$' if b.get(i + 1) == Some(&b'{') => i += 2 + closing_brace(&s[i + 2..])?,
            b'(' => depth += 1,
            b')' => {
                depth -= 1;
                if depth == 0 {
                    return Some(i);
                }
            }
            _ => {}
        }
        i += 1;
    }
    None
}

/// Splits function arguments on top-level commas; `\,` is a literal comma (JMeter).
pub(super) fn split_args(s: &str) -> Vec<String> {
    let mut out = vec![String::new()];
    let mut depth = 0i32;
    let mut chars = s.chars().peekable();
    while let Some(c) = chars.next() {
        let cur = out.last_mut().expect("never empty");
        match c {
            '\\' if chars.peek() == Some(&',') => {
                cur.push(',');
                chars.next();
            }
            '{' | '(' => {
                depth += 1;
                cur.push(c);
            }
            '}' | ')' => {
                depth -= 1;
                cur.push(c);
            }
            ',' if depth == 0 => out.push(String::new()),
            _ => cur.push(c),
        }
    }
    if out.len() == 1 && out[0].is_empty() {
        out.clear();
    }
    out
}
