//! A byte stream through [`LineDecoder`] and [`Message`], as a connection
//! would see it.
//!
//! The first bytes of the input choose the limits and the sizes of the reads;
//! the rest is the stream. Checked:
//! - the lines are the same however the stream is cut into reads;
//! - a returned line holds no LF and fits the decoder's limits, and a partial
//!   line is never buffered past them;
//! - every line that parses writes back out to a line that parses to the
//!   same message, and its typed command does not panic.

#![no_main]

use bytes::BytesMut;
use hichat_proto::{Command, DecodeError, LineDecoder, Message};
use libfuzzer_sys::fuzz_target;

/// Bytes at the start of the input that steer the run.
const CONTROL: usize = 5;

fuzz_target!(|data: &[u8]| {
    if data.len() < CONTROL {
        return;
    }
    let (control, stream) = data.split_at(CONTROL);
    // Half the runs use the standard limits; the rest small ones, so that
    // the limits are crossed often within the fuzzer's input sizes.
    let decoder = if control[0] & 1 == 0 {
        LineDecoder::new()
    } else {
        LineDecoder::with_limits(2 + usize::from(control[0] >> 1), 1 + usize::from(control[1]))
    };
    let sizes: Vec<usize> = control[2..].iter().map(|&b| 1 + usize::from(b)).collect();

    let whole = decode(decoder.clone(), stream, &[stream.len().max(1)]);
    let chunked = decode(decoder, stream, &sizes);
    assert_eq!(whole, chunked, "lines depend on how the stream was split");

    for line in chunked.into_iter().flatten() {
        let Ok(msg) = Message::parse_bytes(&line) else { continue };
        let _ = Command::from_message(&msg);
        let wire = msg.to_bytes();
        assert!(wire.ends_with(b"\r\n"));
        let again = Message::parse_bytes(&wire[..wire.len() - 2]);
        assert_eq!(again.as_ref(), Ok(&msg), "wire: {:?}", String::from_utf8_lossy(&wire));
    }
});

/// Feeds `stream` to `decoder` in reads of the given sizes (cycled), and
/// collects every result.
fn decode(mut decoder: LineDecoder, stream: &[u8], sizes: &[usize]) -> Vec<Result<Vec<u8>, DecodeError>> {
    let mut buf = BytesMut::new();
    let mut out = Vec::new();
    let mut rest = stream;
    for &size in sizes.iter().cycle() {
        if rest.is_empty() {
            break;
        }
        let (chunk, tail) = rest.split_at(size.min(rest.len()));
        rest = tail;
        buf.extend_from_slice(chunk);
        loop {
            match decoder.decode(&mut buf) {
                Ok(Some(line)) => {
                    assert!(!line.contains(&b'\n'));
                    assert!(line.len() <= decoder.max_line());
                    out.push(Ok(line.to_vec()));
                }
                Ok(None) => {
                    assert!(buf.len() <= decoder.max_line(), "partial line of {} bytes kept", buf.len());
                    break;
                }
                Err(e) => out.push(Err(e)),
            }
        }
    }
    out
}
