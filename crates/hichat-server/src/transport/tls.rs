//! TLS with rustls: the certificate store (reloadable while connections
//! stay up), acceptors for IRC and HTTPS, and the bridge that runs a
//! connection over a TLS stream.
//!
//! The certificate is not baked into the rustls `ServerConfig`: the config
//! asks [`CertStore`] for it on every handshake, so [`CertStore::reload`]
//! (on SIGHUP) swaps it for new handshakes while existing connections keep
//! the session they negotiated.

use super::client_cert;
use crate::conn::{self, Peer, Security};
use crate::server::Server;
use rustls::crypto::CryptoProvider;
use rustls::pki_types::pem::PemObject;
use rustls::pki_types::{CertificateDer, PrivateKeyDer};
use rustls::server::{ClientHello, ResolvesServerCert};
use rustls::sign::CertifiedKey;
use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::sync::{Arc, RwLock};
use std::time::Duration;
use tokio::io::{AsyncRead, AsyncReadExt, AsyncWrite, AsyncWriteExt};
use tokio::net::{TcpStream, UnixStream};

/// Accepts TLS connections with a [`CertStore`]'s certificate.
#[derive(Clone)]
pub struct TlsAcceptor(tokio_rustls::TlsAcceptor);

impl std::fmt::Debug for TlsAcceptor {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("TlsAcceptor")
    }
}

impl TlsAcceptor {
    /// Starts the server side of a handshake on `io`.
    pub fn accept<IO: AsyncRead + AsyncWrite + Unpin>(&self, io: IO) -> tokio_rustls::Accept<IO> {
        self.0.accept(io)
    }
}

/// How long a client may take to finish the TLS handshake.
const HANDSHAKE_TIMEOUT: Duration = Duration::from_secs(10);

/// Why a certificate could not be used. The text is meant for users.
#[derive(Debug, thiserror::Error)]
pub enum TlsError {
    #[error("cannot read TLS certificate {0}: {1}")]
    Cert(PathBuf, String),
    #[error("no certificate found in {0} (expected PEM \"BEGIN CERTIFICATE\")")]
    NoCert(PathBuf),
    #[error("cannot read TLS key {0}: {1}")]
    Key(PathBuf, String),
    #[error("TLS key {0} does not match certificate {1}")]
    Mismatch(PathBuf, PathBuf),
}

/// The server's certificate and key, read from PEM files and reloadable.
#[derive(Debug)]
pub struct CertStore {
    /// The certificate and key files, which a REHASH may change.
    paths: RwLock<(PathBuf, PathBuf)>,
    current: RwLock<Arc<CertifiedKey>>,
}

/// A certificate read by [`CertStore::load_new`], not in use yet.
#[derive(Debug)]
pub struct LoadedCert {
    paths: (PathBuf, PathBuf),
    key: CertifiedKey,
}

impl CertStore {
    /// Reads the certificate chain and private key.
    pub fn load(cert_path: &Path, key_path: &Path) -> Result<Arc<CertStore>, TlsError> {
        let key = read_pair(cert_path, key_path)?;
        Ok(Arc::new(CertStore {
            paths: RwLock::new((cert_path.to_owned(), key_path.to_owned())),
            current: RwLock::new(Arc::new(key)),
        }))
    }

    /// Reads the files again. New handshakes use the new certificate;
    /// connections already up are not touched. On error the old one stays.
    pub fn reload(&self) -> Result<(), TlsError> {
        let (cert, key) = self.paths.read().unwrap_or_else(|e| e.into_inner()).clone();
        let loaded = self.load_new(&cert, &key)?;
        self.install(loaded);
        Ok(())
    }

    /// Reads a certificate and key (perhaps from other files than now)
    /// without using them yet, so a REHASH can check everything before it
    /// changes anything.
    pub fn load_new(&self, cert_path: &Path, key_path: &Path) -> Result<LoadedCert, TlsError> {
        let key = read_pair(cert_path, key_path)?;
        Ok(LoadedCert { paths: (cert_path.to_owned(), key_path.to_owned()), key })
    }

    /// Serves `loaded` to new handshakes from now on, and reloads from its
    /// files next time.
    pub fn install(&self, loaded: LoadedCert) {
        *self.paths.write().unwrap_or_else(|e| e.into_inner()) = loaded.paths;
        *self.current.write().unwrap_or_else(|e| e.into_inner()) = Arc::new(loaded.key);
    }

    /// An acceptor for IRC over TLS. It asks for a client certificate
    /// (any, from any issuer; see [`client_cert`]) without requiring one.
    pub fn irc_acceptor(self: &Arc<Self>) -> TlsAcceptor {
        self.acceptor(Vec::new(), true)
    }

    /// An acceptor for HTTPS, offering HTTP/2 and HTTP/1.1 by ALPN. It asks
    /// for no client certificate (a browser would prompt for one).
    pub fn https_acceptor(self: &Arc<Self>) -> TlsAcceptor {
        self.acceptor(vec![b"h2".to_vec(), b"http/1.1".to_vec()], false)
    }

    fn acceptor(self: &Arc<Self>, alpn: Vec<Vec<u8>>, client_certs: bool) -> TlsAcceptor {
        let provider = Arc::new(rustls::crypto::ring::default_provider());
        let builder = rustls::ServerConfig::builder_with_provider(provider.clone())
            .with_safe_default_protocol_versions()
            .expect("ring supports the default TLS versions");
        let builder = if client_certs {
            builder.with_client_cert_verifier(Arc::new(client_cert::AnyClientCert::new(&provider)))
        } else {
            builder.with_no_client_auth()
        };
        let mut config = builder.with_cert_resolver(self.clone());
        config.alpn_protocols = alpn;
        TlsAcceptor(tokio_rustls::TlsAcceptor::from(Arc::new(config)))
    }
}

impl ResolvesServerCert for CertStore {
    fn resolve(&self, _hello: ClientHello<'_>) -> Option<Arc<CertifiedKey>> {
        Some(self.current.read().unwrap_or_else(|e| e.into_inner()).clone())
    }
}

fn read_pair(cert_path: &Path, key_path: &Path) -> Result<CertifiedKey, TlsError> {
    let certs = CertificateDer::pem_file_iter(cert_path)
        .and_then(|iter| iter.collect::<Result<Vec<_>, _>>())
        .map_err(|e| TlsError::Cert(cert_path.to_owned(), e.to_string()))?;
    if certs.is_empty() {
        return Err(TlsError::NoCert(cert_path.to_owned()));
    }
    let key = PrivateKeyDer::from_pem_file(key_path).map_err(|e| TlsError::Key(key_path.to_owned(), e.to_string()))?;
    let provider =
        CryptoProvider::get_default().cloned().unwrap_or_else(|| Arc::new(rustls::crypto::ring::default_provider()));
    let certified = CertifiedKey::from_der(certs, key, &provider).map_err(|e| match e {
        rustls::Error::InconsistentKeys(_) => TlsError::Mismatch(key_path.to_owned(), cert_path.to_owned()),
        e => TlsError::Key(key_path.to_owned(), e.to_string()),
    })?;
    Ok(certified)
}

/// Runs one IRC-over-TLS connection: the handshake, then the connection
/// task on one end of a socket pair and the bridge on the other.
pub async fn serve(server: Arc<Server>, tcp: TcpStream, addr: SocketAddr, acceptor: TlsAcceptor) {
    let tls = match tokio::time::timeout(HANDSHAKE_TIMEOUT, acceptor.accept(tcp)).await {
        Ok(Ok(tls)) => tls,
        Ok(Err(e)) => {
            tracing::info!(addr = %addr.ip(), error = %e, "TLS handshake failed");
            return;
        }
        Err(_) => {
            tracing::info!(addr = %addr.ip(), "TLS handshake timed out");
            return;
        }
    };
    let (inner, outer) = match UnixStream::pair() {
        Ok(pair) => pair,
        Err(e) => {
            tracing::warn!(error = %e, "cannot create a socket pair for a TLS connection");
            return;
        }
    };
    let certfp =
        tls.get_ref().1.peer_certificates().and_then(|chain| chain.first()).map(|c| client_cert::fingerprint(c));
    let security = Security { tls: true, certfp };
    let write_timeout = Duration::from_secs(server.info.config.limits.ping_timeout_secs);
    let mut tls = tls;
    let conn = conn::run_with(server, inner, Peer::Ip(addr), security);
    if super::run_bridged(conn, bridge(&mut tls, outer, write_timeout)).await {
        // The client takes nothing: reset the connection rather than leave
        // the kernel holding what was queued for it.
        let _ = tls.get_ref().0.set_zero_linger();
    }
}

/// Copies bytes both ways between `stream` and the connection task's end
/// of the pair until either side closes, then closes the other. A write to
/// the client that takes longer than `write_timeout` ends it too.
pub async fn bridge<S: AsyncRead + AsyncWrite + Unpin>(stream: S, pair: UnixStream, write_timeout: Duration) {
    let (mut from_client, mut to_client) = tokio::io::split(stream);
    let (from_server, mut to_server) = pair.into_split();
    let upstream = async {
        // Client input is short lines (and flood-limited): a small buffer
        // is enough, and it is held for as long as the client is idle.
        let mut buf = vec![0u8; 2048];
        loop {
            match from_client.read(&mut buf).await {
                Ok(0) | Err(_) => break,
                Ok(n) => {
                    if to_server.write_all(&buf[..n]).await.is_err() {
                        break;
                    }
                }
            }
        }
    };
    let downstream = async {
        loop {
            if from_server.readable().await.is_err() {
                break;
            }
            // Nothing is buffered here while the connection is idle: the
            // bytes are copied out only once they are there.
            let data = {
                let mut chunk = [0u8; 8192];
                match from_server.try_read(&mut chunk) {
                    Ok(0) => break,
                    Ok(n) => chunk[..n].to_vec(),
                    Err(e) if e.kind() == std::io::ErrorKind::WouldBlock => continue,
                    Err(_) => break,
                }
            };
            let write = async { to_client.write_all(&data).await.and(to_client.flush().await) };
            if !matches!(tokio::time::timeout(write_timeout, write).await, Ok(Ok(()))) {
                return;
            }
        }
        // Sends close_notify after everything the server wrote (its ERROR
        // line) has gone out.
        let _ = tokio::time::timeout(Duration::from_secs(1), to_client.shutdown()).await;
    };
    tokio::select! {
        _ = upstream => {}
        _ = downstream => {}
    }
}
