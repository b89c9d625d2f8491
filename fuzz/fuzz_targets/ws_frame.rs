//! Arbitrary bytes as one WebSocket message from a client, through
//! `transport::ws::frame_to_line` and the connection's line decoder, as the
//! server reads it. Checked: one message is at most one IRC line (the
//! IRCv3 WebSocket spec: a CR or LF inside a message must not start a
//! second command), and that line is the payload without its line ending.

#![no_main]

use bytes::BytesMut;
use hichat_proto::{Command, LineDecoder, Message};
use hichat_server::transport::ws::frame_to_line;
use libfuzzer_sys::fuzz_target;

fuzz_target!(|payload: &[u8]| {
    let Some(bytes) = frame_to_line(payload) else { return };
    let mut decoder = LineDecoder::new();
    let mut buf = BytesMut::from(&bytes[..]);
    let mut lines = Vec::new();
    while let Ok(Some(line)) = decoder.decode(&mut buf) {
        lines.push(line);
    }
    assert!(lines.len() <= 1, "one message gave {} lines: {:?}", lines.len(), String::from_utf8_lossy(payload));
    if let Some(line) = lines.first() {
        let body = payload.strip_suffix(b"\n").unwrap_or(payload);
        let body = body.strip_suffix(b"\r").unwrap_or(body);
        assert_eq!(&line[..], body, "the line is not the message's payload");
        if let Ok(msg) = Message::parse_bytes(line) {
            let _ = Command::from_message(&msg);
        }
    }
});
