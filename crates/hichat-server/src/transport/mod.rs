//! The byte transports a connection runs over.
//!
//! A connection task needs only readiness and non-blocking reads and writes,
//! which lets it hold no read buffer while a client is idle (a read goes
//! into a buffer only when bytes are actually there). TCP and Unix sockets
//! provide this directly.
//!
//! TLS ([`tls`]) and WebSocket ([`ws`]) connections are bridged rather than
//! given their own implementation of [`Transport`]: the connection task runs
//! on one end of a Unix socket pair, with the client's real address as its
//! peer, and a small bridge task moves bytes (or frames) between the other
//! end and the TLS stream or WebSocket. Both are driven through `&mut self`
//! futures that own their buffers, which does not fit the `&self` readiness
//! interface without a lock around every read and write; the pair costs one
//! copy per direction and keeps the session code exactly the same for every
//! transport, including its flood control, send queue and timeouts.
//!
//! A bridge must not outlive its connection: a client that stops reading
//! would otherwise keep its socket, and whatever the kernel queued for it,
//! after the connection task dropped it for SendQ ([`run_bridged`]).
//!
//! [`mem`] is an in-memory pair for simulations with more clients than a
//! process may have sockets.

pub mod client_cert;
pub mod mem;
pub mod tls;
pub mod ws;

use std::future::Future;
use std::io;
use std::time::Duration;

/// How long a bridge may take to deliver what its connection left (the
/// `ERROR` line) once the connection task has ended.
pub const BRIDGE_GRACE: Duration = Duration::from_secs(1);

/// Runs a connection task and its bridge together until both are done.
/// When the connection ends first, the bridge gets [`BRIDGE_GRACE`] to
/// flush and is then dropped, which closes the client's socket; returns
/// whether it was cut short (the client was not reading). When the bridge
/// ends first, its end of the pair closes and the connection task sees the
/// end of the stream.
pub async fn run_bridged(conn: impl Future<Output = ()>, bridge: impl Future<Output = ()>) -> bool {
    tokio::pin!(conn, bridge);
    tokio::select! {
        _ = &mut conn => tokio::time::timeout(BRIDGE_GRACE, bridge).await.is_err(),
        _ = &mut bridge => {
            conn.await;
            false
        }
    }
}

/// A full-duplex byte stream with readiness.
pub trait Transport: Send + Sync + 'static {
    /// Waits until a read may make progress.
    fn readable(&self) -> impl Future<Output = io::Result<()>> + Send;
    /// Waits until a write may make progress.
    fn writable(&self) -> impl Future<Output = io::Result<()>> + Send;
    /// Reads what is available without waiting (`WouldBlock` if nothing).
    fn try_read(&self, buf: &mut [u8]) -> io::Result<usize>;
    /// Writes what fits without waiting (`WouldBlock` if nothing does).
    fn try_write(&self, buf: &[u8]) -> io::Result<usize>;
}

macro_rules! socket_transport {
    ($ty:ty) => {
        impl Transport for $ty {
            fn readable(&self) -> impl Future<Output = io::Result<()>> + Send {
                <$ty>::readable(self)
            }
            fn writable(&self) -> impl Future<Output = io::Result<()>> + Send {
                <$ty>::writable(self)
            }
            fn try_read(&self, buf: &mut [u8]) -> io::Result<usize> {
                <$ty>::try_read(self, buf)
            }
            fn try_write(&self, buf: &[u8]) -> io::Result<usize> {
                <$ty>::try_write(self, buf)
            }
        }
    };
}

socket_transport!(tokio::net::TcpStream);
socket_transport!(tokio::net::UnixStream);

/// The kinds of transport, as metrics label them.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Kind {
    Tcp,
    Unix,
    Tls,
    WebSocket,
    /// A simulated client ([`mem`]).
    Memory,
}

impl Kind {
    pub const ALL: [Kind; 5] = [Kind::Tcp, Kind::Unix, Kind::Tls, Kind::WebSocket, Kind::Memory];

    pub fn name(self) -> &'static str {
        match self {
            Kind::Tcp => "tcp",
            Kind::Unix => "unix",
            Kind::Tls => "tls",
            Kind::WebSocket => "websocket",
            Kind::Memory => "memory",
        }
    }

    /// The position in [`Kind::ALL`].
    pub fn index(self) -> usize {
        self as usize
    }
}
