//! Arbitrary bytes as an HTTP/1.1 response: the head parser and the chunked decoder must return a
//! result (complete, need more, or an error) and never panic or consume past their input.
#![no_main]

use stampede_http::h1::{Chunked, Sink, parse_head};
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let mut headers = http::HeaderMap::new();
    let mut store = |_: &http::HeaderValue| {};
    let all = data.first().is_some_and(|b| b & 1 == 1);
    let mut sink = Sink { all, headers: &mut headers, cookie: Some(&mut store) };
    let body = match parse_head(data, false, &mut sink) {
        Ok(Some(h)) => &data[h.len..],
        _ => data,
    };
    // The body as it would arrive over reads of varying size.
    let step = 1 + data.len() % 13;
    let (mut state, mut pending, mut total) = (Chunked::Size, Vec::new(), 0usize);
    for piece in body.chunks(step) {
        pending.extend_from_slice(piece);
        match state.decode(&pending, &mut |d| total += d.len()) {
            Ok(used) => {
                assert!(used <= pending.len());
                pending.drain(..used);
            }
            Err(_) => break,
        }
        if state == Chunked::Done {
            break;
        }
    }
    assert!(total <= body.len());
});
