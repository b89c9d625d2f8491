//! IRCv3 labeled-response: a command sent with a `label` tag gets its whole
//! response marked with that label.
//!
//! The dispatcher captures every line the command sends its client (see
//! [`crate::state::State::begin_capture`]), then [`respond`] sends them
//! wrapped: no line becomes a labeled `ACK`, one line gets the `label` tag,
//! several go in a `labeled-response` batch whose start carries the label.

use crate::batch::{self, Batch};
use crate::caps::Cap;
use crate::state::client::{Client, ClientId};
use crate::state::State;
use bytes::Bytes;
use hichat_proto::Message;

/// Longest label a client may use (labeled-response: 64 bytes).
const MAX_LABEL: usize = 64;

/// The label to answer with: the message's `label` tag, when the client has
/// negotiated labeled-response and batch (which the spec requires with it).
pub fn label_of(client: &Client, msg: &Message) -> Option<String> {
    if !client.caps.has(Cap::LabeledResponse) || !client.caps.has(Cap::Batch) {
        return None;
    }
    msg.tag("label").flatten().filter(|l| !l.is_empty() && l.len() <= MAX_LABEL).map(str::to_owned)
}

/// Sends the captured response of a labeled command to client `id`.
pub fn respond(state: &mut State, id: ClientId, server: &str, label: &str, captured: Vec<Bytes>) {
    let lines: Vec<&[u8]> = captured.iter().flat_map(|b| batch::lines(b)).collect();
    match lines.as_slice() {
        [] => {
            let ack =
                Message::new("ACK", Vec::<String>::new()).with_source(server).with_tag("label", Some(label.into()));
            state.send(id, &ack);
        }
        [one] => state.send_bytes(id, batch::add_tag(one, "label", Some(label))),
        many => {
            let b = Batch::new(server);
            let start = b.start("labeled-response", &[]).with_tag("label", Some(label.into()));
            state.send(id, &start);
            for line in many {
                state.send_bytes(id, b.tag_line(line));
            }
            state.send(id, &b.end());
        }
    }
}
