//! Tokens of the script text. `${name}` references that JMeter substitutes before Rhino sees the
//! text are kept as holes: inside a string literal as a part of it, elsewhere as a token.

use crate::error::{ErrorKind, JsError};

#[derive(Clone, Debug, PartialEq)]
pub(crate) enum Tok {
    Num(f64),
    Str(Vec<StrPart>),
    Ident(String),
    Punct(&'static str),
    Regex { pattern: String, flags: String },
    Hole(usize),
    Eof,
}

#[derive(Clone, Debug, PartialEq)]
pub(crate) enum StrPart {
    Lit(String),
    Hole(usize),
}

/// A `${...}` reference: its inner text and the quote of the string literal it sits in, if any.
#[derive(Clone, Debug, PartialEq)]
pub(crate) struct Hole {
    pub reference: String,
    pub quote: Option<char>,
    /// Byte offset of its `$` in the script text.
    pub at: usize,
}

#[derive(Clone, Debug)]
pub(crate) struct Token {
    pub tok: Tok,
    pub at: usize,
}

/// Longest first, so that `>>>=`-style prefixes resolve to the longest operator.
const PUNCTS: [&str; 36] = [
    ">>>", "===", "!==", "<<", ">>", "<=", ">=", "==", "!=", "&&", "||", "++", "--", "+", "-", "*",
    "/", "%", "(", ")", "[", "]", "{", "}", ",", ".", "?", ":", ";", "!", "~", "<", ">", "&", "|",
    "^",
];

pub(crate) struct Lexed {
    pub tokens: Vec<Token>,
    pub holes: Vec<Hole>,
}

/// Splits `src` into tokens. With `holes` false (text already substituted), `${` is plain text.
pub(crate) fn lex(src: &str, holes: bool) -> Result<Lexed, JsError> {
    let mut lx = Lexer {
        src,
        i: 0,
        holes_on: holes,
        out: Lexed {
            tokens: Vec::new(),
            holes: Vec::new(),
        },
    };
    lx.run()?;
    Ok(lx.out)
}

struct Lexer<'a> {
    src: &'a str,
    i: usize,
    holes_on: bool,
    out: Lexed,
}

impl<'a> Lexer<'a> {
    fn err(&self, kind: ErrorKind, at: usize) -> JsError {
        JsError::new(kind, at, self.src)
    }

    fn peek(&self) -> Option<char> {
        self.src[self.i..].chars().next()
    }

    fn rest(&self) -> &'a str {
        &self.src[self.i..]
    }

    fn push(&mut self, tok: Tok, at: usize) {
        self.out.tokens.push(Token { tok, at });
    }

    fn run(&mut self) -> Result<(), JsError> {
        loop {
            self.skip_space_and_comments()?;
            let at = self.i;
            let Some(c) = self.peek() else {
                self.push(Tok::Eof, at);
                return Ok(());
            };
            if self.holes_on && self.rest().starts_with("${") {
                let hole = self.hole(None)?;
                self.push(Tok::Hole(hole), at);
            } else if c.is_ascii_digit()
                || (c == '.' && self.rest()[1..].starts_with(|d: char| d.is_ascii_digit()))
            {
                let n = self.number()?;
                self.push(Tok::Num(n), at);
            } else if c == '"' || c == '\'' {
                let parts = self.string(c)?;
                self.push(Tok::Str(parts), at);
            } else if c == '`' {
                return Err(self.err(ErrorKind::Unsupported("a template literal".into()), at));
            } else if is_ident_start(c) {
                let n = self
                    .rest()
                    .find(|c: char| !is_ident_part(c))
                    .unwrap_or(self.rest().len());
                let name = self.rest()[..n].to_owned();
                self.i += n;
                self.push(Tok::Ident(name), at);
            } else if c == '/' && self.regex_allowed() {
                let tok = self.regex()?;
                self.push(tok, at);
            } else if let Some(p) = PUNCTS.iter().find(|p| self.rest().starts_with(**p)) {
                self.i += p.len();
                self.push(Tok::Punct(p), at);
            } else if c == '=' {
                // Plain assignment: only as `var x = …`, checked by the parser.
                self.i += 1;
                self.push(Tok::Punct("="), at);
            } else {
                return Err(self.err(ErrorKind::Syntax(format!("unexpected character {c:?}")), at));
            }
        }
    }

    fn skip_space_and_comments(&mut self) -> Result<(), JsError> {
        loop {
            let rest = self.rest();
            let trimmed = rest.trim_start_matches(|c: char| c.is_whitespace() || c == '\u{feff}');
            self.i += rest.len() - trimmed.len();
            if self.rest().starts_with("//") {
                self.i += self.rest().find(['\n', '\r']).unwrap_or(self.rest().len());
            } else if self.rest().starts_with("/*") {
                let at = self.i;
                let end = self.rest()[2..].find("*/").ok_or_else(|| {
                    self.err(ErrorKind::Syntax("unterminated comment".into()), at)
                })?;
                self.i += end + 4;
            } else {
                return Ok(());
            }
        }
    }

    /// After an operand a `/` divides; anywhere else it starts a regular expression.
    fn regex_allowed(&self) -> bool {
        match self.out.tokens.last().map(|t| &t.tok) {
            None => true,
            Some(Tok::Num(_) | Tok::Str(_) | Tok::Regex { .. } | Tok::Hole(_)) => false,
            Some(Tok::Ident(name)) => matches!(name.as_str(), "typeof" | "void" | "return" | "in"),
            Some(Tok::Punct(p)) => !matches!(*p, ")" | "]" | "}"),
            Some(Tok::Eof) => false,
        }
    }

    /// `${…}` up to its matching `}`; the reference text is kept as written.
    fn hole(&mut self, quote: Option<char>) -> Result<usize, JsError> {
        let at = self.i;
        let mut depth = 0usize;
        for (k, c) in self.rest().char_indices().skip(1) {
            match c {
                '{' => depth += 1,
                '}' => {
                    depth -= 1;
                    if depth == 0 {
                        let reference = self.rest()[2..k].to_owned();
                        self.i += k + 1;
                        self.out.holes.push(Hole {
                            reference,
                            quote,
                            at,
                        });
                        return Ok(self.out.holes.len() - 1);
                    }
                }
                _ => {}
            }
        }
        Err(self.err(ErrorKind::Syntax("`${` without its `}`".into()), at))
    }

    fn number(&mut self) -> Result<f64, JsError> {
        let at = self.i;
        let rest = self.rest();
        let bad = |lx: &Self| lx.err(ErrorKind::Syntax("malformed number".into()), at);
        if rest.len() > 1 && (rest.starts_with("0x") || rest.starts_with("0X")) {
            let n = rest[2..]
                .find(|c: char| !c.is_ascii_hexdigit())
                .unwrap_or(rest.len() - 2);
            let v = rest[2..2 + n]
                .chars()
                .try_fold(0f64, |acc, d| Some(acc * 16.0 + d.to_digit(16)? as f64));
            self.i += 2 + n;
            return v.filter(|_| n > 0).ok_or_else(|| bad(self));
        }
        let bytes = rest.as_bytes();
        let mut k = 0;
        let digits = |k: &mut usize| {
            while *k < bytes.len() && bytes[*k].is_ascii_digit() {
                *k += 1;
            }
        };
        digits(&mut k);
        // Rhino (language version 0) reads a leading-zero integer as octal when it can.
        let int_part = &rest[..k];
        let octal =
            int_part.len() > 1 && int_part.starts_with('0') && int_part.bytes().all(|b| b < b'8');
        if k < bytes.len() && bytes[k] == b'.' && !octal {
            k += 1;
            digits(&mut k);
        }
        if k < bytes.len() && (bytes[k] == b'e' || bytes[k] == b'E') && !octal {
            let mut e = k + 1;
            if e < bytes.len() && (bytes[e] == b'+' || bytes[e] == b'-') {
                e += 1;
            }
            if e < bytes.len() && bytes[e].is_ascii_digit() {
                k = e;
                digits(&mut k);
            }
        }
        if k < bytes.len() && is_ident_part(bytes[k] as char) {
            return Err(bad(self));
        }
        self.i += k;
        if octal {
            return Ok(int_part
                .bytes()
                .fold(0f64, |acc, d| acc * 8.0 + (d - b'0') as f64));
        }
        rest[..k].parse::<f64>().map_err(|_| bad(self))
    }

    fn string(&mut self, quote: char) -> Result<Vec<StrPart>, JsError> {
        let at = self.i;
        self.i += 1;
        let mut parts = Vec::new();
        let mut lit = String::new();
        loop {
            let unterminated = || {
                JsError::new(
                    ErrorKind::Syntax("unterminated string".into()),
                    at,
                    self.src,
                )
            };
            if self.holes_on && self.rest().starts_with("${") {
                parts.push(StrPart::Lit(std::mem::take(&mut lit)));
                let hole = self.hole(Some(quote))?;
                parts.push(StrPart::Hole(hole));
                continue;
            }
            let c = self.peek().ok_or_else(unterminated)?;
            self.i += c.len_utf8();
            match c {
                c if c == quote => break,
                '\n' | '\r' | '\u{2028}' | '\u{2029}' => return Err(unterminated()),
                '\\' => self.escape(&mut lit)?,
                c => lit.push(c),
            }
        }
        parts.push(StrPart::Lit(lit));
        parts.retain(|p| !matches!(p, StrPart::Lit(s) if s.is_empty()));
        Ok(parts)
    }

    fn escape(&mut self, out: &mut String) -> Result<(), JsError> {
        let at = self.i - 1;
        let c = self
            .peek()
            .ok_or_else(|| self.err(ErrorKind::Syntax("unterminated string".into()), at))?;
        self.i += c.len_utf8();
        let hex = |lx: &mut Self, n: usize| -> Result<u32, JsError> {
            let digits = lx
                .rest()
                .get(..n)
                .filter(|d| d.chars().all(|c| c.is_ascii_hexdigit()));
            let v = digits.and_then(|d| u32::from_str_radix(d, 16).ok());
            let v = v.ok_or_else(|| lx.err(ErrorKind::Syntax("malformed escape".into()), at))?;
            lx.i += n;
            Ok(v)
        };
        match c {
            'n' => out.push('\n'),
            't' => out.push('\t'),
            'r' => out.push('\r'),
            'b' => out.push('\u{8}'),
            'f' => out.push('\u{c}'),
            'v' => out.push('\u{b}'),
            '0' if !self.rest().starts_with(|d: char| d.is_ascii_digit()) => out.push('\0'),
            'x' => {
                let v = hex(self, 2)?;
                out.push(char::from_u32(v).unwrap_or('\u{fffd}'));
            }
            'u' => {
                let v = hex(self, 4)?;
                out.push(char::from_u32(v).unwrap_or('\u{fffd}'));
            }
            '\r' => {
                if self.rest().starts_with('\n') {
                    self.i += 1;
                }
            }
            '\n' | '\u{2028}' | '\u{2029}' => {}
            c if c.is_ascii_digit() => {
                return Err(self.err(ErrorKind::Unsupported("an octal escape".into()), at));
            }
            c => out.push(c),
        }
        Ok(())
    }

    fn regex(&mut self) -> Result<Tok, JsError> {
        let at = self.i;
        self.i += 1;
        let mut pattern = String::new();
        let mut in_class = false;
        loop {
            let c = self
                .peek()
                .filter(|c| *c != '\n' && *c != '\r')
                .ok_or_else(|| {
                    self.err(
                        ErrorKind::Syntax("unterminated regular expression".into()),
                        at,
                    )
                })?;
            self.i += c.len_utf8();
            match c {
                '/' if !in_class => break,
                '[' => in_class = true,
                ']' => in_class = false,
                '\\' => {
                    pattern.push(c);
                    let next = self.peek().ok_or_else(|| {
                        self.err(
                            ErrorKind::Syntax("unterminated regular expression".into()),
                            at,
                        )
                    })?;
                    self.i += next.len_utf8();
                    pattern.push(next);
                    continue;
                }
                _ => {}
            }
            pattern.push(c);
        }
        let n = self
            .rest()
            .find(|c: char| !is_ident_part(c))
            .unwrap_or(self.rest().len());
        let flags = self.rest()[..n].to_owned();
        self.i += n;
        Ok(Tok::Regex { pattern, flags })
    }
}

fn is_ident_start(c: char) -> bool {
    c.is_alphabetic() || c == '_' || c == '$'
}

fn is_ident_part(c: char) -> bool {
    c.is_alphanumeric() || c == '_' || c == '$'
}
