//! Response content codings. JMeter's HttpClient decompresses `gzip` and `deflate` bodies before
//! extractors and assertions see them, while the bytes it reports are the compressed ones received.
//! We do the same, and only when the body is kept (the load itself never pays for it).

use std::io::Read;

/// The `Content-Encoding` of a response, as far as the body's consumers are concerned.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Coding {
    Identity,
    Gzip,
    Deflate,
    /// A coding we cannot decode (e.g. `br`): a kept body would be wrong, so it is an error.
    Unsupported,
}

impl Coding {
    /// From a `Content-Encoding` value: the last coding applied is the one to undo first; more
    /// than one real coding is not something servers send, and is refused.
    pub fn from_header(v: &[u8]) -> Coding {
        let mut codings = v
            .split(|b| *b == b',')
            .map(<[u8]>::trim_ascii)
            .filter(|t| !t.is_empty() && !t.eq_ignore_ascii_case(b"identity"));
        let coding = match codings.next() {
            None => return Coding::Identity,
            Some(t) if t.eq_ignore_ascii_case(b"gzip") || t.eq_ignore_ascii_case(b"x-gzip") => {
                Coding::Gzip
            }
            Some(t) if t.eq_ignore_ascii_case(b"deflate") => Coding::Deflate,
            Some(_) => Coding::Unsupported,
        };
        if codings.next().is_some() {
            return Coding::Unsupported;
        }
        coding
    }

    /// The decoded body; `Err` is the message of the sample's error.
    pub fn decode(self, raw: &[u8]) -> Result<Vec<u8>, String> {
        let mut out = Vec::with_capacity(raw.len() * 4);
        let read = match self {
            Coding::Identity => return Ok(raw.to_vec()),
            Coding::Gzip => flate2::read::MultiGzDecoder::new(raw).read_to_end(&mut out),
            // HttpClient accepts both zlib-wrapped (what the RFC says) and raw deflate.
            Coding::Deflate => match flate2::read::ZlibDecoder::new(raw).read_to_end(&mut out) {
                Ok(n) => Ok(n),
                Err(_) => {
                    out.clear();
                    flate2::read::DeflateDecoder::new(raw).read_to_end(&mut out)
                }
            },
            Coding::Unsupported => {
                return Err(
                    "Unsupported Content-Encoding for a body that assertions or \
                            extractors read (gzip and deflate are decoded)"
                        .into(),
                );
            }
        };
        match read {
            Ok(_) => Ok(out),
            Err(_) if self == Coding::Gzip => Err("Not in GZIP format".into()),
            Err(e) => Err(format!("Invalid deflate data: {e}")),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::io::Write;

    #[test]
    fn header_values() {
        assert_eq!(Coding::from_header(b"gzip"), Coding::Gzip);
        assert_eq!(Coding::from_header(b" X-GZIP "), Coding::Gzip);
        assert_eq!(Coding::from_header(b"identity, deflate"), Coding::Deflate);
        assert_eq!(Coding::from_header(b""), Coding::Identity);
        assert_eq!(Coding::from_header(b"br"), Coding::Unsupported);
        assert_eq!(Coding::from_header(b"gzip, gzip"), Coding::Unsupported);
    }

    #[test]
    fn gzip_and_both_deflates_decode() {
        let text = b"hello hello hello hello";
        let mut gz = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::default());
        gz.write_all(text).unwrap();
        assert_eq!(Coding::Gzip.decode(&gz.finish().unwrap()).unwrap(), text);
        let mut z = flate2::write::ZlibEncoder::new(Vec::new(), flate2::Compression::default());
        z.write_all(text).unwrap();
        assert_eq!(Coding::Deflate.decode(&z.finish().unwrap()).unwrap(), text);
        let mut d = flate2::write::DeflateEncoder::new(Vec::new(), flate2::Compression::default());
        d.write_all(text).unwrap();
        assert_eq!(Coding::Deflate.decode(&d.finish().unwrap()).unwrap(), text);
        assert_eq!(Coding::Gzip.decode(text).unwrap_err(), "Not in GZIP format");
        assert!(Coding::Unsupported.decode(text).is_err());
    }
}
