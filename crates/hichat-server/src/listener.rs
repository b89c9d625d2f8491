//! Listening sockets: binding them with clear errors, and accept loops.

use crate::server::Server;
use crate::transport::tls::TlsAcceptor;
use std::io;
use std::net::SocketAddr;
use std::path::PathBuf;
use std::sync::Arc;
use tokio::net::{TcpListener, TcpSocket, UnixListener};

/// A bound listening socket.
#[derive(Debug)]
pub enum Listener {
    Tcp(TcpListener),
    Unix(UnixListener, PathBuf),
    /// IRC over TLS.
    Tls(TcpListener, TlsAcceptor),
}

/// Why an address could not be listened on. The text is meant for users.
#[derive(Debug, thiserror::Error)]
pub enum BindError {
    #[error("{0} is already in use; is another hichat running? choose another with --listen")]
    InUse(String),
    #[error("cannot listen on {0}: {1}")]
    Other(String, io::Error),
    #[error("{0} is not an address to listen on (expected e.g. 127.0.0.1:6666, [::1]:6666 or unix:/path/hichat.sock)")]
    BadAddress(String),
}

impl Listener {
    /// Binds `addr`: `host:port`, `[v6]:port` or `unix:/path`. TCP sockets
    /// get SO_REUSEADDR so a restarted server can bind at once.
    pub fn bind(addr: &str) -> Result<Listener, BindError> {
        if let Some(path) = addr.strip_prefix("unix:") {
            let path = PathBuf::from(path);
            // A socket file left by a previous run would make bind fail.
            if std::fs::metadata(&path).is_ok_and(|m| is_socket(&m))
                && std::os::unix::net::UnixStream::connect(&path).is_err()
            {
                let _ = std::fs::remove_file(&path);
            }
            return match UnixListener::bind(&path) {
                Ok(l) => Ok(Listener::Unix(l, path)),
                Err(e) if e.kind() == io::ErrorKind::AddrInUse => Err(BindError::InUse(addr.to_owned())),
                Err(e) => Err(BindError::Other(addr.to_owned(), e)),
            };
        }
        let sock_addr: SocketAddr = addr.parse().map_err(|_| BindError::BadAddress(addr.to_owned()))?;
        let map = |e: io::Error| match e.kind() {
            io::ErrorKind::AddrInUse => BindError::InUse(addr.to_owned()),
            _ => BindError::Other(addr.to_owned(), e),
        };
        let socket = if sock_addr.is_ipv4() { TcpSocket::new_v4() } else { TcpSocket::new_v6() }.map_err(map)?;
        socket.set_reuseaddr(true).map_err(map)?;
        socket.bind(sock_addr).map_err(map)?;
        socket.listen(1024).map(Listener::Tcp).map_err(map)
    }

    /// Binds `addr` (`host:port`) for IRC over TLS.
    pub fn bind_tls(addr: &str, acceptor: TlsAcceptor) -> Result<Listener, BindError> {
        match Listener::bind(addr)? {
            Listener::Tcp(l) => Ok(Listener::Tls(l, acceptor)),
            _ => Err(BindError::BadAddress(addr.to_owned())),
        }
    }

    /// The port of a TLS listener.
    pub fn tls_port(&self) -> Option<u16> {
        match self {
            Listener::Tls(l, _) => l.local_addr().ok().map(|a| a.port()),
            _ => None,
        }
    }

    /// The address as a user would write it (with the real port when 0 was
    /// asked for).
    pub fn local_addr(&self) -> String {
        match self {
            Listener::Tcp(l) | Listener::Tls(l, _) => l.local_addr().map(|a| a.to_string()).unwrap_or_default(),
            Listener::Unix(_, path) => format!("unix:{}", path.display()),
        }
    }
}

#[cfg(unix)]
fn is_socket(m: &std::fs::Metadata) -> bool {
    use std::os::unix::fs::FileTypeExt;
    m.file_type().is_socket()
}

/// Accepts connections until the server shuts down, spawning one task per
/// connection.
pub async fn accept_loop(server: Arc<Server>, listener: Listener) {
    let mut shutdown = server.shutdown_signal();
    loop {
        tokio::select! {
            _ = shutdown.changed() => break,
            accepted = accept(&listener) => match accepted {
                Ok(conn) => server.clone().spawn_connection(conn),
                Err(e) => {
                    // Out of file descriptors and similar: wait instead of
                    // spinning on the error.
                    tracing::warn!(error = %e, "accept failed");
                    tokio::time::sleep(std::time::Duration::from_millis(100)).await;
                }
            },
        }
    }
    if let Listener::Unix(_, path) = &listener {
        let _ = std::fs::remove_file(path);
    }
}

/// An accepted connection, before it has a task.
pub enum Accepted {
    Tcp(tokio::net::TcpStream, SocketAddr),
    Unix(tokio::net::UnixStream),
    /// A TCP connection whose TLS handshake is still to be done.
    Tls(tokio::net::TcpStream, SocketAddr, TlsAcceptor),
}

async fn accept(listener: &Listener) -> io::Result<Accepted> {
    match listener {
        Listener::Tcp(l) => {
            let (stream, addr) = l.accept().await?;
            let _ = stream.set_nodelay(true);
            Ok(Accepted::Tcp(stream, addr))
        }
        Listener::Unix(l, _) => Ok(Accepted::Unix(l.accept().await?.0)),
        Listener::Tls(l, acceptor) => {
            let (stream, addr) = l.accept().await?;
            let _ = stream.set_nodelay(true);
            Ok(Accepted::Tls(stream, addr, acceptor.clone()))
        }
    }
}
