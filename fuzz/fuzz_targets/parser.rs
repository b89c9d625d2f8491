//! Arbitrary bytes as one line: parsing, the typed command and the name
//! checks must never panic, whatever the input.

#![no_main]

use hichat_proto::{casemap, ChannelName, Command, Message, Nickname, CHANNELLEN, NICKLEN};
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let Ok(msg) = Message::parse_bytes(data) else { return };
    let _ = Command::from_message(&msg);
    for p in &msg.params {
        let _ = Nickname::parse(p, NICKLEN);
        let _ = ChannelName::parse(p, CHANNELLEN);
        let _ = casemap::fold(p);
    }
    if let [mask, text, ..] = msg.params.as_slice() {
        let _ = casemap::wildcard_match(mask, text);
    }
});
