//! The lines held back for a labeled command's response, bounded by the
//! client's send queue like the lines it is sent directly.

use super::client::ClientId;
use bytes::Bytes;

/// What a labeled command of one client has been sent so far.
#[derive(Debug)]
pub struct Capture {
    pub id: ClientId,
    lines: Vec<Bytes>,
    bytes: usize,
    /// The client's send queue size: a response that passes it could never
    /// be queued, so it is not gathered either.
    limit: usize,
    overflowed: bool,
}

/// What [`Capture::push`] did.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Held {
    Kept,
    /// This line passed the send queue size: the response is dropped, and
    /// the client must go as it would for any other send ("SendQ exceeded").
    Overflowed,
    /// The response overflowed already; the line is dropped.
    Dropped,
}

impl Capture {
    pub fn new(id: ClientId, limit: usize) -> Self {
        Capture { id, lines: Vec::new(), bytes: 0, limit, overflowed: false }
    }

    pub fn push(&mut self, line: Bytes) -> Held {
        if self.overflowed {
            return Held::Dropped;
        }
        self.bytes += line.len();
        if self.bytes > self.limit {
            self.overflowed = true;
            self.lines = Vec::new();
            return Held::Overflowed;
        }
        self.lines.push(line);
        Held::Kept
    }

    /// The lines held, or None when the response overflowed.
    pub fn finish(self) -> Option<Vec<Bytes>> {
        (!self.overflowed).then_some(self.lines)
    }
}

#[cfg(test)]
mod tests {
    use crate::outbox::Outbox;
    use crate::state::client::Client;
    use crate::state::State;
    use bytes::Bytes;
    use std::sync::Arc;

    #[test]
    fn a_capture_holds_no_more_than_the_send_queue() {
        let mut state = State::new(0);
        state.clients.insert(1, Client::new(1, "h".into(), None, Arc::new(Outbox::new(1000)), 0));
        state.begin_capture(1);
        let line = Bytes::from(vec![b'x'; 100]);
        for _ in 0..9 {
            state.send_bytes(1, line.clone());
        }
        assert!(!state.overflowed(1));
        state.send_bytes(1, line.clone());
        state.send_bytes(1, line.clone());
        assert!(state.overflowed(1), "the 11th line passes 1000 bytes");
        let held = state.capture.as_ref().map(|c| c.lines.len());
        assert_eq!(held, Some(0), "what was gathered is let go at once");
        assert!(state.end_capture().is_empty());
    }
}
