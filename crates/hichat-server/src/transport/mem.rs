//! An in-memory transport, for simulating many more clients than a process
//! has file descriptors (see `hichat-bench sim`).
//!
//! [`pair`] gives the server's end ([`MemTransport`], run by the ordinary
//! connection task, so the session code is the same as over TCP) and the
//! simulated client's end ([`MemClient`]). Bytes the client sends wait in
//! one buffer until the connection task reads them. Bytes the server writes
//! are handed straight to a [`Sink`]: a write never blocks, as if the client
//! read everything the moment it was sent. Nothing is buffered for an idle
//! connection, so the memory a simulated client costs is the server's own
//! plus one small shared record.

use super::Transport;
use bytes::{Buf, BytesMut};
use std::future::Future;
use std::io;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};
use tokio::sync::Notify;

/// Receives what the server writes to in-memory connections.
pub trait Sink: Send + Sync + 'static {
    /// Takes the bytes the server wrote to connection `conn` (the number
    /// given to [`pair`]). Every byte is taken; this must not block.
    fn deliver(&self, conn: u64, bytes: &[u8]);
}

/// What both ends share.
struct Shared {
    conn: u64,
    sink: Arc<dyn Sink>,
    /// Sent by the client, not yet read by the server.
    inbound: Mutex<BytesMut>,
    /// Woken when `inbound` gains bytes or the client hangs up.
    readable: Notify,
    /// Set when the client's end is dropped.
    closed: AtomicBool,
}

/// The server's end of an in-memory connection.
pub struct MemTransport {
    shared: Arc<Shared>,
}

/// The simulated client's end. Dropping it is a hang-up: the server reads
/// end of stream once it has read what was sent.
pub struct MemClient {
    shared: Arc<Shared>,
}

/// A connection numbered `conn`, whose server writes go to `sink`.
pub fn pair(conn: u64, sink: Arc<dyn Sink>) -> (MemTransport, MemClient) {
    let shared = Arc::new(Shared {
        conn,
        sink,
        inbound: Mutex::new(BytesMut::new()),
        readable: Notify::new(),
        closed: AtomicBool::new(false),
    });
    (MemTransport { shared: shared.clone() }, MemClient { shared })
}

/// Bytes of heap one connection's shared record takes (before any bytes
/// are in flight), for subtracting the simulation's own share.
pub fn shared_bytes() -> usize {
    // The Arc's two counters, then the record.
    2 * std::mem::size_of::<usize>() + std::mem::size_of::<Shared>()
}

impl MemClient {
    /// Sends bytes to the server.
    pub fn send(&self, bytes: &[u8]) {
        self.shared.inbound.lock().unwrap_or_else(|e| e.into_inner()).extend_from_slice(bytes);
        // A stored permit covers a task that is not waiting yet.
        self.shared.readable.notify_one();
    }
}

impl Drop for MemClient {
    fn drop(&mut self) {
        self.shared.closed.store(true, Ordering::Release);
        self.shared.readable.notify_one();
    }
}

impl MemTransport {
    fn ready_to_read(&self) -> bool {
        self.shared.closed.load(Ordering::Acquire)
            || !self.shared.inbound.lock().unwrap_or_else(|e| e.into_inner()).is_empty()
    }
}

impl Transport for MemTransport {
    async fn readable(&self) -> io::Result<()> {
        while !self.ready_to_read() {
            self.shared.readable.notified().await;
        }
        Ok(())
    }

    fn writable(&self) -> impl Future<Output = io::Result<()>> + Send {
        std::future::ready(Ok(()))
    }

    fn try_read(&self, buf: &mut [u8]) -> io::Result<usize> {
        let mut inbound = self.shared.inbound.lock().unwrap_or_else(|e| e.into_inner());
        if inbound.is_empty() {
            return if self.shared.closed.load(Ordering::Acquire) {
                Ok(0)
            } else {
                Err(io::ErrorKind::WouldBlock.into())
            };
        }
        let n = inbound.len().min(buf.len());
        buf[..n].copy_from_slice(&inbound[..n]);
        inbound.advance(n);
        if inbound.is_empty() {
            // Keep nothing for an idle client.
            *inbound = BytesMut::new();
        }
        Ok(n)
    }

    fn try_write(&self, buf: &[u8]) -> io::Result<usize> {
        if self.shared.closed.load(Ordering::Acquire) {
            return Err(io::ErrorKind::BrokenPipe.into());
        }
        self.shared.sink.deliver(self.shared.conn, buf);
        Ok(buf.len())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[derive(Default)]
    struct Collect(Mutex<Vec<(u64, Vec<u8>)>>);

    impl Sink for Collect {
        fn deliver(&self, conn: u64, bytes: &[u8]) {
            self.0.lock().unwrap().push((conn, bytes.to_vec()));
        }
    }

    #[tokio::test]
    async fn bytes_flow_both_ways_and_drop_is_end_of_stream() {
        let sink = Arc::new(Collect::default());
        let (server, client) = pair(7, sink.clone());
        let mut buf = [0u8; 4];
        assert_eq!(server.try_read(&mut buf).unwrap_err().kind(), io::ErrorKind::WouldBlock);
        client.send(b"hello");
        server.readable().await.unwrap();
        assert_eq!(server.try_read(&mut buf).unwrap(), 4);
        assert_eq!(&buf, b"hell");
        assert_eq!(server.try_read(&mut buf).unwrap(), 1);
        server.writable().await.unwrap();
        assert_eq!(server.try_write(b"PING x\r\n").unwrap(), 8);
        assert_eq!(sink.0.lock().unwrap().as_slice(), &[(7, b"PING x\r\n".to_vec())]);
        drop(client);
        server.readable().await.unwrap();
        assert_eq!(server.try_read(&mut buf).unwrap(), 0);
        assert_eq!(server.try_write(b"x").unwrap_err().kind(), io::ErrorKind::BrokenPipe);
    }

    #[tokio::test]
    async fn a_waiting_reader_wakes_when_bytes_arrive() {
        let (server, client) = pair(1, Arc::new(Collect::default()));
        let reader = tokio::spawn(async move {
            server.readable().await.unwrap();
            let mut buf = [0u8; 8];
            server.try_read(&mut buf).unwrap()
        });
        tokio::task::yield_now().await;
        client.send(b"abc");
        assert_eq!(reader.await.unwrap(), 3);
    }

    #[tokio::test]
    async fn a_session_registers_and_quits_over_the_pair() {
        let server = crate::Server::new(crate::Config::default());
        let sink = Arc::new(Collect::default());
        let (transport, client) = pair(0, sink.clone());
        let peer = crate::conn::Peer::Ip("10.0.0.1:4000".parse().unwrap());
        let task = tokio::spawn(crate::conn::run(server.clone(), transport, peer));
        client.send(b"NICK sim\r\nUSER sim 0 * :simulated\r\nQUIT :done\r\n");
        tokio::time::timeout(std::time::Duration::from_secs(10), task).await.unwrap().unwrap();
        let text: Vec<u8> = sink.0.lock().unwrap().iter().flat_map(|(_, b)| b.clone()).collect();
        let text = String::from_utf8(text).unwrap();
        assert!(text.contains(" 001 sim :"), "{text}");
        assert!(text.contains("ERROR :Closing Link"), "{text}");
        assert!(server.state().find_nick("sim").is_none());
    }
}
