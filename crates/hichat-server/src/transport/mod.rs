//! The byte transports a connection runs over.
//!
//! A connection task needs only readiness and non-blocking reads and writes,
//! which lets it hold no read buffer while a client is idle (a read goes
//! into a buffer only when bytes are actually there). TCP and Unix sockets
//! provide this directly.

use std::future::Future;
use std::io;

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
