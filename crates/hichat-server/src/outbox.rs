//! A client's bounded send queue.
//!
//! Handlers and fan-out push encoded lines here without waiting: a push is a
//! short critical section on a std mutex plus a wake-up of the connection
//! task, which drains everything queued in one go and writes it with as few
//! system calls as it can (writes are coalesced). The queue counts bytes; a
//! push that would pass the limit closes the queue instead ("SendQ
//! exceeded"), so one client that stops reading never holds up a channel.
//!
//! A line is encoded once for all its recipients; each push copies those
//! bytes onto the end of the client's queue buffer. Measured on a channel
//! fan-out, copying a ~100-byte line costs less than sharing it by reference
//! count (an atomic increment per recipient on one cache line that both
//! cores fight over, a vector slot, and an atomic decrement and a copy when
//! the writer drains it), and draining becomes taking the buffer whole.

use bytes::{Bytes, BytesMut};
use std::sync::Mutex;
use tokio::sync::Notify;

/// The outgoing side of one connection.
#[derive(Debug)]
pub struct Outbox {
    inner: Mutex<Inner>,
    notify: Notify,
    limit: usize,
}

#[derive(Debug, Default)]
struct Inner {
    /// Encoded lines, one after another.
    queue: BytesMut,
    /// Why the connection is closing; nothing more is queued once set.
    closed: Option<String>,
    /// Set once the send queue overflowed, for the owner to clean up.
    overflowed: bool,
}

/// What a push did.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Push {
    Queued,
    /// The queue is closing; the line was dropped.
    Closed,
    /// This push passed the limit: the queue is now closed.
    Overflowed,
}

impl Outbox {
    pub fn new(limit: usize) -> Self {
        Self { inner: Mutex::new(Inner::default()), notify: Notify::new(), limit }
    }

    /// The most bytes the queue holds before it overflows.
    pub fn limit(&self) -> usize {
        self.limit
    }

    /// Queues one encoded line (or several, already concatenated).
    pub fn push(&self, line: impl AsRef<[u8]>) -> Push {
        let line = line.as_ref();
        let mut inner = self.inner.lock().unwrap_or_else(|e| e.into_inner());
        if inner.closed.is_some() {
            return Push::Closed;
        }
        if inner.queue.len() + line.len() > self.limit {
            inner.queue = BytesMut::new();
            inner.closed = Some("SendQ exceeded".into());
            inner.overflowed = true;
            drop(inner);
            self.notify.notify_one();
            return Push::Overflowed;
        }
        let was_empty = inner.queue.is_empty();
        if was_empty {
            // Room for a burst, so a busy queue is not regrown line by line.
            inner.queue.reserve(line.len().max(4096));
        }
        inner.queue.extend_from_slice(line);
        drop(inner);
        if was_empty {
            self.notify.notify_one();
        }
        Push::Queued
    }

    /// Closes the queue: `last` (e.g. an ERROR line) is the final thing sent
    /// after what is already queued. Later pushes are dropped.
    pub fn close(&self, reason: &str, last: Option<Bytes>) {
        let mut inner = self.inner.lock().unwrap_or_else(|e| e.into_inner());
        if inner.closed.is_some() {
            return;
        }
        inner.closed = Some(reason.to_owned());
        if let Some(last) = last {
            inner.queue.extend_from_slice(&last);
        }
        drop(inner);
        self.notify.notify_one();
    }

    /// Moves everything queued into `out`. Returns the close reason once the
    /// queue is closed (what was queued before closing is still moved).
    pub fn drain_into(&self, out: &mut BytesMut) -> Option<String> {
        let mut inner = self.inner.lock().unwrap_or_else(|e| e.into_inner());
        if out.is_empty() {
            // Take the queue's buffer whole; the next push starts a new one.
            // (Not `split()`: that would leave the queue holding a share of
            // the same allocation, kept alive for as long as the client idles.)
            *out = std::mem::take(&mut inner.queue);
        } else {
            out.extend_from_slice(&inner.queue);
            inner.queue.clear();
        }
        inner.closed.clone()
    }

    /// Whether the queue was closed because it overflowed.
    pub fn overflowed(&self) -> bool {
        self.inner.lock().unwrap_or_else(|e| e.into_inner()).overflowed
    }

    /// Why the queue was closed, if it is.
    pub fn closed_reason(&self) -> Option<String> {
        self.inner.lock().unwrap_or_else(|e| e.into_inner()).closed.clone()
    }

    /// Waits until something is pushed or the queue is closed.
    pub async fn notified(&self) {
        self.notify.notified().await
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn overflow_closes_and_drops() {
        let o = Outbox::new(10);
        assert_eq!(o.push(Bytes::from_static(b"12345")), Push::Queued);
        assert_eq!(o.push(Bytes::from_static(b"123456")), Push::Overflowed);
        assert_eq!(o.push(Bytes::from_static(b"1")), Push::Closed);
        let mut out = BytesMut::new();
        assert_eq!(o.drain_into(&mut out).as_deref(), Some("SendQ exceeded"));
        assert!(out.is_empty());
        assert!(o.overflowed());
    }

    #[test]
    fn close_sends_last_line_after_queue() {
        let o = Outbox::new(100);
        o.push(Bytes::from_static(b"a\r\n"));
        o.close("Quit", Some(Bytes::from_static(b"ERROR :bye\r\n")));
        o.push(Bytes::from_static(b"late\r\n"));
        let mut out = BytesMut::new();
        assert_eq!(o.drain_into(&mut out).as_deref(), Some("Quit"));
        assert_eq!(&out[..], b"a\r\nERROR :bye\r\n");
    }
}
