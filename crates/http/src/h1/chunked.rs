//! The chunked transfer coding, decoded incrementally from whatever bytes have arrived.

use crate::Detail;

/// Where the decoder is between reads.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Chunked {
    /// Expecting a `size[;ext]\r\n` line.
    Size,
    /// Inside a chunk's data: the chunk's size and the bytes still to come.
    Data {
        size: u64,
        left: u64,
    },
    /// Expecting the `\r\n` after a chunk's data.
    DataEnd,
    /// After the last chunk: trailer fields until an empty line.
    Trailer,
    Done,
}

/// Longest size or trailer line accepted before the message is called malformed.
const MAX_LINE: usize = 8192;

impl Chunked {
    /// Decodes from `input`, handing data to `data`; returns how many input bytes were consumed.
    /// Stops when it needs more input or the message is complete (`self == Done`).
    pub fn decode(&mut self, input: &[u8], data: &mut impl FnMut(&[u8])) -> Result<usize, String> {
        let mut at = 0;
        while *self != Chunked::Done {
            let rest = &input[at..];
            match *self {
                Chunked::Size => match httparse::parse_chunk_size(rest) {
                    Ok(httparse::Status::Complete((n, size))) => {
                        at += n;
                        *self = if size == 0 {
                            Chunked::Trailer
                        } else {
                            Chunked::Data { size, left: size }
                        };
                    }
                    Ok(httparse::Status::Partial) if rest.len() < MAX_LINE => break,
                    _ => return Err(bad_header(rest)),
                },
                Chunked::Data { size, left } => {
                    if rest.is_empty() {
                        break;
                    }
                    let take = rest.len().min(usize::try_from(left).unwrap_or(usize::MAX));
                    data(&rest[..take]);
                    at += take;
                    let left = left - take as u64;
                    *self = if left == 0 {
                        Chunked::DataEnd
                    } else {
                        Chunked::Data { size, left }
                    };
                }
                Chunked::DataEnd => match rest {
                    [b'\r', b'\n', ..] => {
                        at += 2;
                        *self = Chunked::Size;
                    }
                    [] | [b'\r'] => break,
                    _ => return Err("CRLF expected at end of chunk".into()),
                },
                Chunked::Trailer => match rest.iter().position(|b| *b == b'\n') {
                    Some(nl) => {
                        at += nl + 1;
                        if rest[..nl].trim_ascii().is_empty() {
                            *self = Chunked::Done;
                        }
                    }
                    None if rest.len() < MAX_LINE => break,
                    None => return Err("Chunk trailer line too long".into()),
                },
                Chunked::Done => {}
            }
        }
        Ok(at)
    }
}

impl Chunked {
    /// Apache HttpClient's message when the stream ends in this state (JMeter shows it as the
    /// sample's response message, and Taurus groups errors by it).
    pub fn eof_message(self) -> Detail {
        match self {
            Chunked::Data { size, left } => format!(
                "Truncated chunk (expected size: {size}; actual size: {})",
                size - left
            )
            .into(),
            Chunked::DataEnd => "CRLF expected at end of chunk".into(),
            _ => "Premature end of chunk coded message body: closing chunk expected".into(),
        }
    }
}

/// HttpClient's `Bad chunk header: <line>`, the line cut short and made printable.
fn bad_header(rest: &[u8]) -> String {
    let line = rest.split(|b| *b == b'\n').next().unwrap_or_default();
    let line = String::from_utf8_lossy(&line[..line.len().min(64)]);
    format!("Bad chunk header: {}", line.trim_end())
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Feeds `wire` in pieces of `step` bytes, as reads would deliver it.
    fn feed(wire: &[u8], step: usize) -> Result<(Vec<u8>, Chunked, usize), String> {
        let (mut c, mut out, mut buf, mut used) = (Chunked::Size, Vec::new(), Vec::new(), 0);
        for piece in wire.chunks(step) {
            buf.extend_from_slice(piece);
            let n = c.decode(&buf, &mut |d| out.extend_from_slice(d))?;
            used += n;
            buf.drain(..n);
            if c == Chunked::Done {
                break;
            }
        }
        Ok((out, c, used))
    }

    #[test]
    fn decodes_in_any_split() {
        let wire =
            b"5;ext=1\r\nhello\r\n1A\r\nabcdefghijklmnopqrstuvwxyz\r\n0\r\nX-T: 1\r\n\r\nNEXT";
        for step in 1..wire.len() {
            let (out, state, used) = feed(wire, step).unwrap();
            assert_eq!(out, b"helloabcdefghijklmnopqrstuvwxyz", "step {step}");
            assert_eq!(state, Chunked::Done);
            assert_eq!(
                used,
                wire.len() - 4,
                "bytes after the message are not consumed"
            );
        }
    }

    #[test]
    fn incomplete_and_malformed() {
        let (_, state, _) = feed(b"5\r\nhel", 100).unwrap();
        assert_eq!(state, Chunked::Data { size: 5, left: 2 });
        assert_eq!(
            &*state.eof_message(),
            "Truncated chunk (expected size: 5; actual size: 3)"
        );
        assert_eq!(feed(b"zz\r\n", 100).unwrap_err(), "Bad chunk header: zz");
        assert!(feed(b"zz\r\n", 100).is_err());
        assert!(feed(b"3\r\nabcXY", 100).is_err());
        assert!(feed(&vec![b'1'; MAX_LINE + 10], 100).is_err());
    }

    /// Random bytes and cut points: the decoder errs or waits, and never consumes past its input.
    #[test]
    fn random_input_never_panics() {
        use rand::{Rng, SeedableRng};
        let mut rng = rand::rngs::StdRng::seed_from_u64(0x2545_f491_4f6c_dd1du64);
        let mut rnd = move || rng.random::<u64>();
        let alphabet = b"0123456789abcdefABCDEF;=\r\n xz";
        for _ in 0..20_000 {
            let len = (rnd() % 64) as usize;
            let wire: Vec<u8> = (0..len)
                .map(|_| alphabet[(rnd() as usize) % alphabet.len()])
                .collect();
            if let Ok((_, _, used)) = feed(&wire, 1 + (rnd() % 7) as usize) {
                assert!(used <= wire.len());
            }
        }
    }
}
