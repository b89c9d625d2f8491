//! Output held back until the store has committed the change that caused
//! it: a TOPIC or MODE in a registered channel is applied at once, but its
//! relay to the channel and its reply go out only after the commit, so no
//! client is told of a change that a `kill -9` could still lose.
//!
//! While a command runs between [`State::begin_hold`] and
//! [`State::end_hold`], every line it sends (to anyone) is collected instead
//! of queued. The lines wait under a ticket, and [`State::release`] delivers
//! them in ticket order: the store commits changes in the order they were
//! submitted, and two changes to one channel must reach its members in that
//! order too, whichever connection task wakes first.

use super::client::ClientId;
use super::State;
use crate::outbox::Push;
use bytes::Bytes;
use std::collections::VecDeque;

/// Held output: what the running command has sent so far, and what waits
/// for a commit.
#[derive(Debug, Default)]
pub struct Held {
    /// While a command's output is held: the lines it has sent so far.
    pub(super) collecting: Option<Vec<(ClientId, Bytes)>>,
    next_ticket: u64,
    /// Held output waiting for its commit, oldest first.
    waiting: VecDeque<Waiting>,
}

#[derive(Debug)]
struct Waiting {
    ticket: u64,
    /// The commit has finished; deliver once everything before it has.
    done: bool,
    lines: Vec<(ClientId, Bytes)>,
}

/// Identifies one command's held output.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Ticket(u64);

impl State {
    /// From now until [`State::end_hold`], lines sent to any client are held.
    pub fn begin_hold(&mut self) {
        self.held.collecting = Some(Vec::new());
    }

    /// Stops holding; what was held waits under the returned ticket.
    pub fn end_hold(&mut self) -> Ticket {
        let lines = self.held.collecting.take().unwrap_or_default();
        self.held.next_ticket += 1;
        let ticket = self.held.next_ticket;
        self.held.waiting.push_back(Waiting { ticket, done: false, lines });
        Ticket(ticket)
    }

    /// Marks a ticket's commit finished, dropping its lines unless
    /// `deliver`, and delivers every finished ticket not waiting behind an
    /// unfinished one. Call [`State::reap`] afterwards.
    pub fn release(&mut self, ticket: Ticket, deliver: bool) {
        if let Some(w) = self.held.waiting.iter_mut().find(|w| w.ticket == ticket.0) {
            w.done = true;
            if !deliver {
                w.lines.clear();
            }
        }
        while self.held.waiting.front().is_some_and(|w| w.done) {
            let w = self.held.waiting.pop_front().expect("checked above");
            for (id, bytes) in w.lines {
                if let Some(c) = self.clients.get(&id) {
                    if c.outbox.push(&bytes) == Push::Overflowed {
                        self.dead.push(id);
                    }
                }
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::outbox::Outbox;
    use crate::state::client::Client;
    use bytes::BytesMut;
    use hichat_proto::Message;
    use std::sync::Arc;

    fn drained(outbox: &Outbox) -> String {
        let mut buf = BytesMut::new();
        outbox.drain_into(&mut buf);
        String::from_utf8(buf.to_vec()).unwrap()
    }

    #[test]
    fn held_output_goes_out_in_ticket_order() {
        let mut state = State::default();
        let outbox = Arc::new(Outbox::new(1 << 20));
        state.clients.insert(1, Client::new(1, "h".into(), None, outbox.clone(), 0));
        let hold = |state: &mut State, text: &str| {
            state.begin_hold();
            state.send(1, &Message::new("NOTICE", ["x", text]));
            state.end_hold()
        };
        let first = hold(&mut state, "first");
        let second = hold(&mut state, "second");
        let dropped = hold(&mut state, "dropped");
        // The second commit finishing first delivers nothing yet.
        state.release(second, true);
        assert_eq!(drained(&outbox), "");
        state.release(first, true);
        assert_eq!(drained(&outbox), "NOTICE x first\r\nNOTICE x second\r\n");
        state.release(dropped, false);
        assert_eq!(drained(&outbox), "");
        // Not holding: sent at once.
        state.send(1, &Message::new("NOTICE", ["x", "now"]));
        assert_eq!(drained(&outbox), "NOTICE x now\r\n");
    }
}
