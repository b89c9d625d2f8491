//! IRCv3 labeled-response: a command sent with a `label` tag gets its whole
//! response marked with that label.
//!
//! The dispatcher captures every line the command sends its client (see
//! [`crate::state::State::begin_capture`]), then [`respond`] sends them
//! wrapped: no line becomes a labeled `ACK`, one line gets the `label` tag,
//! a response that is one batch already (a multiline echo) gets the label
//! on its start, and other lines go in a `labeled-response` batch whose
//! start carries the label.

use crate::batch::{self, Batch};
use crate::caps::Cap;
use crate::server::Server;
use crate::state::client::{Client, ClientId};
use crate::state::State;
use bytes::Bytes;
use hichat_proto::Message;
use std::collections::HashMap;

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
        [first, .., _] if is_one_batch(&lines) => {
            state.send_bytes(id, batch::add_tag(first, "label", Some(label)));
            for line in &lines[1..] {
                state.send_bytes(id, Bytes::copy_from_slice(line));
            }
        }
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

/// Whether `lines` are exactly one batch: `BATCH +ref`, lines in it, then
/// `BATCH -ref`.
fn is_one_batch(lines: &[&[u8]]) -> bool {
    let parse = |l: &[u8]| Message::parse_bytes(l).ok().filter(|m| m.command == "BATCH");
    let (Some(first), Some(last)) = (lines.first().and_then(|l| parse(l)), lines.last().and_then(|l| parse(l))) else {
        return false;
    };
    let Some(reference) = first.param(0).strip_prefix('+') else { return false };
    let inner = &lines[1..lines.len() - 1];
    last.param(0).strip_prefix('-') == Some(reference)
        && inner.iter().all(|l| Message::parse_bytes(l).is_ok_and(|m| m.tag("batch") == Some(Some(reference))))
}

/// Labels of commands that run outside the dispatcher (accounts and
/// services, see [`crate::accounts::handle`]): such a command locks the
/// state several times with slow work in between, so what it sends its
/// client is gathered by each lock ([`crate::accounts::with_ctx`]) and
/// answered once it is done, never mixed with what others send meanwhile.
#[derive(Debug, Default)]
pub struct Detached(HashMap<ClientId, (String, Vec<Bytes>)>);

impl Detached {
    /// Whether client `id` has a detached labeled command running.
    pub fn active(&self, id: ClientId) -> bool {
        !self.0.is_empty() && self.0.contains_key(&id)
    }

    /// Adds lines a detached command sent its client.
    pub fn add(&mut self, id: ClientId, lines: Vec<Bytes>) {
        if let Some((_, all)) = self.0.get_mut(&id) {
            all.extend(lines);
        }
    }
}

/// Starts answering `msg`'s label, if it has one, for a command run outside
/// the dispatcher. Returns whether it did; then call [`end_detached`].
pub fn begin_detached(server: &Server, id: ClientId, msg: &Message) -> bool {
    let mut state = server.state();
    let Some(label) = state.client(id).and_then(|c| label_of(c, msg)) else { return false };
    state.detached_labels.0.insert(id, (label, Vec::new()));
    true
}

/// Sends the labeled response of a detached command.
pub fn end_detached(server: &Server, id: ClientId) {
    let mut state = server.state();
    if let Some((label, lines)) = state.detached_labels.0.remove(&id) {
        if state.clients.contains_key(&id) {
            respond(&mut state, id, &server.info.name, &label, lines);
        }
    }
    state.reap(&server.info.name);
}
