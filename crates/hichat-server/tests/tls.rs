//! IRC and HTTPS over TLS against a real server, with tokio-rustls as the
//! client: chatting with a plain TCP client, the `sts` capability, and a
//! certificate reload that new connections see while old ones stay up.

mod web_common;

use hichat_server::transport::tls::{CertStore, TlsError};
use rustls::pki_types::{CertificateDer, ServerName};
use std::net::SocketAddr;
use std::sync::Arc;
use tokio::io::{AsyncBufReadExt, AsyncWriteExt, BufReader, ReadHalf, WriteHalf};
use tokio::net::TcpStream;
use tokio_rustls::client::TlsStream;
use tokio_rustls::TlsConnector;
use web_common::*;

/// A client config that trusts exactly `der`.
fn trusting(der: &[u8]) -> TlsConnector {
    let mut roots = rustls::RootCertStore::empty();
    roots.add(CertificateDer::from(der.to_vec())).unwrap();
    let provider = Arc::new(rustls::crypto::ring::default_provider());
    let config = rustls::ClientConfig::builder_with_provider(provider)
        .with_safe_default_protocol_versions()
        .unwrap()
        .with_root_certificates(roots)
        .with_no_client_auth();
    TlsConnector::from(Arc::new(config))
}

async fn tls_connect(addr: SocketAddr, der: &[u8]) -> std::io::Result<TlsStream<TcpStream>> {
    let tcp = TcpStream::connect(addr).await?;
    trusting(der).connect(ServerName::try_from("localhost").unwrap(), tcp).await
}

struct TlsClient {
    reader: BufReader<ReadHalf<TlsStream<TcpStream>>>,
    writer: WriteHalf<TlsStream<TcpStream>>,
    /// The certificate the server presented.
    cert: Vec<u8>,
}

impl TlsClient {
    async fn register(addr: SocketAddr, der: &[u8], nick: &str) -> TlsClient {
        let stream = tls_connect(addr, der).await.expect("TLS handshake");
        let cert = stream.get_ref().1.peer_certificates().unwrap()[0].to_vec();
        let (r, w) = tokio::io::split(stream);
        let mut c = TlsClient { reader: BufReader::new(r), writer: w, cert };
        c.send(&format!("NICK {nick}")).await;
        c.send(&format!("USER {nick} 0 * :{nick}")).await;
        c.wait_for(" 001 ").await;
        c
    }

    async fn send(&mut self, line: &str) {
        self.writer.write_all(format!("{line}\r\n").as_bytes()).await.unwrap();
    }

    async fn wait_for(&mut self, needle: &str) -> String {
        loop {
            let mut s = String::new();
            let n = tokio::time::timeout(WAIT, self.reader.read_line(&mut s)).await.expect("in time").unwrap();
            assert!(n > 0, "closed while waiting for {needle}");
            if s.contains(needle) {
                return s.trim_end().to_owned();
            }
        }
    }
}

async fn tls_server(name: &str) -> (WebServer, Arc<CertStore>, std::path::PathBuf, Vec<u8>) {
    let dir = temp_dir(name);
    let (cert, key, der) = write_cert(&dir);
    let store = CertStore::load(&cert, &key).unwrap();
    let s = WebServer::start(test_config(), Some(store.clone())).await;
    (s, store, dir, der)
}

#[tokio::test]
async fn tls_client_chats_with_a_tcp_client() {
    let (s, _store, _dir, der) = tls_server("tls-chat").await;
    let mut ann = TlsClient::register(s.tls.unwrap(), &der, "ann").await;
    ann.send("JOIN #hello").await;
    ann.wait_for(" 366 ").await;
    let mut bob = LineClient::register(&s.irc, "bob").await;
    bob.send("JOIN #hello").await;
    bob.wait_for(" 366 ").await;
    ann.send("PRIVMSG #hello :安全 🔒").await;
    assert_eq!(bob.wait_for("PRIVMSG").await, ":ann!ann@127.0.0.1 PRIVMSG #hello :安全 🔒");
    bob.send("PRIVMSG #hello :好的 👍").await;
    assert_eq!(ann.wait_for("PRIVMSG").await, ":bob!bob@127.0.0.1 PRIVMSG #hello :好的 👍");
    ann.send("QUIT :bye").await;
    assert!(bob.wait_for("QUIT").await.ends_with("QUIT :Quit: bye"));
    s.stop().await;
}

#[tokio::test]
async fn sts_is_advertised_only_with_a_tls_listener() {
    let (s, _store, _dir, _der) = tls_server("tls-sts").await;
    let mut c = LineClient::connect(&s.irc).await;
    c.send("CAP LS 302").await;
    let ls = c.wait_for("CAP * LS").await;
    let port = s.tls.unwrap().port();
    assert!(ls.contains(&format!(" sts=port={port},duration=0")), "{ls}");
    // Not requestable.
    c.send("CAP REQ sts").await;
    assert!(c.wait_for("CAP").await.contains(" NAK "));
    // A pre-302 client is not sent values.
    let mut old = LineClient::connect(&s.irc).await;
    old.send("CAP LS").await;
    assert!(!old.wait_for("CAP * LS").await.contains("sts"));
    s.stop().await;

    let plain = WebServer::start(test_config(), None).await;
    let mut c = LineClient::connect(&plain.irc).await;
    c.send("CAP LS 302").await;
    assert!(!c.wait_for("CAP * LS").await.contains("sts"));
    plain.stop().await;
}

#[tokio::test]
async fn certificate_reload_keeps_connections() {
    let (s, store, dir, old_der) = tls_server("tls-reload").await;
    let tls = s.tls.unwrap();
    let mut ann = TlsClient::register(tls, &old_der, "ann").await;
    assert_eq!(ann.cert, old_der);
    ann.send("JOIN #hello").await;
    ann.wait_for(" 366 ").await;

    // A new certificate in the same files, then a reload (what SIGHUP does).
    let (_, _, new_der) = write_cert(&dir);
    assert_ne!(new_der, old_der);
    store.reload().unwrap();

    // New connections get the new certificate: trusting only the old one fails.
    assert!(tls_connect(tls, &old_der).await.is_err(), "old certificate still served");
    let mut bob = TlsClient::register(tls, &new_der, "bob").await;
    assert_eq!(bob.cert, new_der);
    bob.send("JOIN #hello").await;
    bob.wait_for(" 366 ").await;

    // The connection made before the reload is still up and chatting.
    ann.send("PRIVMSG #hello :still here after the reload").await;
    assert!(bob.wait_for("PRIVMSG").await.ends_with(":still here after the reload"));
    bob.send("PRIVMSG #hello :welcome back").await;
    assert!(ann.wait_for("PRIVMSG").await.ends_with(":welcome back"));

    // HTTPS on the web listener uses the new certificate too.
    let https = tls_connect(s.web, &new_der).await.expect("HTTPS handshake");
    let (status, _, body) = http_get(https, "/healthz").await;
    assert_eq!((status, body.as_str()), (200, "ok\n"));
    s.stop().await;
}

#[test]
fn a_key_that_does_not_match_is_refused() {
    let a = temp_dir("tls-mismatch-a");
    let b = temp_dir("tls-mismatch-b");
    let (cert, _, _) = write_cert(&a);
    let (_, key, _) = write_cert(&b);
    let err = CertStore::load(&cert, &key).unwrap_err();
    assert!(matches!(err, TlsError::Mismatch(..)), "{err}");
    let err = CertStore::load(&a.join("missing.pem"), &key).unwrap_err();
    assert!(err.to_string().contains("missing.pem"), "{err}");
}
