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
    async fn connect(addr: SocketAddr, der: &[u8]) -> TlsClient {
        let stream = tls_connect(addr, der).await.expect("TLS handshake");
        let cert = stream.get_ref().1.peer_certificates().unwrap()[0].to_vec();
        let (r, w) = tokio::io::split(stream);
        TlsClient { reader: BufReader::new(r), writer: w, cert }
    }

    async fn register(addr: SocketAddr, der: &[u8], nick: &str) -> TlsClient {
        let mut c = TlsClient::connect(addr, der).await;
        c.send(&format!("NICK {nick}")).await;
        c.send(&format!("USER {nick} 0 * :{nick}")).await;
        c.wait_for(" 001 ").await;
        c
    }

    async fn send(&mut self, line: &str) {
        self.writer.write_all(format!("{line}\r\n").as_bytes()).await.unwrap();
    }

    /// Sends CAP LS 302 and returns the whole list, however many lines
    /// it comes in.
    async fn cap_ls(&mut self) -> String {
        self.send("CAP LS 302").await;
        let mut caps = String::new();
        loop {
            let line = hichat_proto::Message::parse(&self.wait_for(" LS ").await).unwrap();
            caps.push_str(line.params.last().unwrap());
            caps.push(' ');
            if line.params[2] != "*" {
                return caps;
            }
        }
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

/// CAP LS 302 over plain text: the whole list, however many lines.
async fn line_cap_ls(c: &mut LineClient) -> String {
    c.send("CAP LS 302").await;
    let mut caps = String::new();
    loop {
        let line = hichat_proto::Message::parse(&c.wait_for(" LS ").await).unwrap();
        caps.push_str(line.params.last().unwrap());
        caps.push(' ');
        if line.params[2] != "*" {
            return caps;
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
    let (s, _store, _dir, der) = tls_server("tls-sts").await;
    let mut c = LineClient::connect(&s.irc).await;
    let ls = line_cap_ls(&mut c).await;
    let port = s.tls.unwrap().port();
    // Plain text: where to upgrade to; the duration is for secure clients.
    assert!(ls.contains(&format!(" sts=port={port} ")) && !ls.contains("duration"), "{ls}");
    // Not requestable.
    c.send("CAP REQ sts").await;
    assert!(c.wait_for("CAP").await.contains(" NAK "));
    // A pre-302 client is not sent values.
    let mut old = LineClient::connect(&s.irc).await;
    old.send("CAP LS").await;
    assert!(!old.wait_for("CAP * LS").await.contains("sts"));
    // Over TLS: the policy's duration.
    let mut secure = TlsClient::connect(s.tls.unwrap(), &der).await;
    let ls = secure.cap_ls().await;
    assert!(ls.contains(" sts=duration=0 ") && !ls.contains("port="), "{ls}");
    s.stop().await;

    let plain = WebServer::start(test_config(), None).await;
    let mut c = LineClient::connect(&plain.irc).await;
    assert!(!line_cap_ls(&mut c).await.contains("sts"));
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

/// REHASH reads the configuration file again: a certificate at new paths
/// is served to new handshakes while connections stay up, and a file
/// naming a certificate that cannot be read changes nothing.
#[tokio::test]
async fn rehash_switches_certificate_files_without_disconnects() {
    let dir = temp_dir("tls-rehash");
    let (old_cert, old_key, old_der) = write_cert(&dir);
    let config_file = dir.join("hichat.toml");
    let hash = {
        use argon2::password_hash::{PasswordHasher, SaltString};
        let params = argon2::Params::new(1024, 1, 1, None).unwrap();
        let argon = argon2::Argon2::new(argon2::Algorithm::Argon2id, argon2::Version::V0x13, params);
        argon.hash_password(b"password", &SaltString::encode_b64(b"hichat-test-salt").unwrap()).unwrap().to_string()
    };
    let write_config = |cert: &std::path::Path, key: &std::path::Path| {
        let text = format!(
            "[tls]\ncert = {cert:?}\nkey = {key:?}\n[flood]\nenabled = false\n\
             [[operator]]\nname = \"root\"\npassword_hash = \"{hash}\"\n"
        );
        std::fs::write(&config_file, text).unwrap();
    };
    write_config(&old_cert, &old_key);
    let config = hichat_server::Config::load(&config_file).unwrap();
    let s = WebServer::start(config, Some(CertStore::load(&old_cert, &old_key).unwrap())).await;
    s.server.set_config_source(hichat_server::rehash::ConfigSource::file(&config_file));
    let tls = s.tls.unwrap();
    // A renewed certificate in other files, which the config file now names.
    let (cert, key, new_der) = write_cert(&dir.join("renewed"));
    write_config(&cert, &key);

    let mut ann = TlsClient::register(tls, &old_der, "ann").await;
    ann.send("JOIN #hello").await;
    ann.wait_for(" 366 ").await;
    ann.send("OPER root password").await;
    ann.wait_for(" 381 ").await;
    ann.send("REHASH").await;
    assert!(ann.wait_for(" 382 ").await.ends_with("Rehashing"));

    assert!(tls_connect(tls, &old_der).await.is_err(), "old certificate still served");
    let mut bob = TlsClient::register(tls, &new_der, "bob").await;
    assert_eq!(bob.cert, new_der);
    bob.send("JOIN #hello").await;
    bob.wait_for(" 366 ").await;
    ann.send("PRIVMSG #hello :connected before the rehash").await;
    assert!(bob.wait_for("PRIVMSG").await.ends_with(":connected before the rehash"));

    write_config(&dir.join("missing.pem"), &key);
    ann.send("REHASH").await;
    let fail = ann.wait_for("FAIL").await;
    assert!(fail.contains("FAIL REHASH CANNOT_REHASH") && fail.contains("missing.pem"), "{fail}");
    let mut cyd = TlsClient::register(tls, &new_der, "cyd").await;
    assert_eq!(cyd.cert, new_der);
    cyd.send("QUIT").await;
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
