//! TLS client certificates: the fingerprint in WHOIS (276, to the user and
//! operators only), NickServ CERT ADD/DEL/LIST, SASL EXTERNAL and NickServ
//! IDENTIFY without a password. The clients are tokio-rustls presenting
//! certificates made with rcgen; fingerprints are checked with `sha256sum`.

mod web_common;

use hichat_server::config::Operator;
use hichat_server::transport::tls::CertStore;
use rustls::pki_types::{CertificateDer, PrivateKeyDer, PrivatePkcs8KeyDer, ServerName};
use std::net::SocketAddr;
use std::sync::Arc;
use tokio::io::{AsyncBufReadExt, AsyncWriteExt, BufReader, ReadHalf, WriteHalf};
use tokio::net::TcpStream;
use tokio_rustls::client::TlsStream;
use tokio_rustls::TlsConnector;
use web_common::*;

/// A client certificate and its key, made here (not by the server).
struct ClientCert {
    der: Vec<u8>,
    key: Vec<u8>,
}

fn client_cert(name: &str) -> ClientCert {
    let g = rcgen::generate_simple_self_signed(vec![name.to_owned()]).unwrap();
    ClientCert { der: g.cert.der().to_vec(), key: g.key_pair.serialize_der() }
}

/// The SHA-256 of `der` as `sha256sum` prints it.
fn sha256sum(der: &[u8]) -> String {
    static N: std::sync::atomic::AtomicUsize = std::sync::atomic::AtomicUsize::new(0);
    let n = N.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
    let file = std::env::temp_dir().join(format!("hichat-certfp-{}-{n}.der", std::process::id()));
    std::fs::write(&file, der).unwrap();
    let out = std::process::Command::new("sha256sum").arg(&file).output().expect("sha256sum runs");
    let _ = std::fs::remove_file(&file);
    let text = String::from_utf8(out.stdout).unwrap();
    text.split_whitespace().next().unwrap().to_owned()
}

struct TlsIrc {
    reader: BufReader<ReadHalf<TlsStream<TcpStream>>>,
    writer: WriteHalf<TlsStream<TcpStream>>,
}

impl TlsIrc {
    /// Connects trusting `server_der`, presenting `cert` if given.
    async fn connect(addr: SocketAddr, server_der: &[u8], cert: Option<&ClientCert>) -> TlsIrc {
        let mut roots = rustls::RootCertStore::empty();
        roots.add(CertificateDer::from(server_der.to_vec())).unwrap();
        let provider = Arc::new(rustls::crypto::ring::default_provider());
        let builder = rustls::ClientConfig::builder_with_provider(provider)
            .with_safe_default_protocol_versions()
            .unwrap()
            .with_root_certificates(roots);
        let config = match cert {
            Some(c) => {
                let key = PrivateKeyDer::Pkcs8(PrivatePkcs8KeyDer::from(c.key.clone()));
                builder.with_client_auth_cert(vec![CertificateDer::from(c.der.clone())], key).unwrap()
            }
            None => builder.with_no_client_auth(),
        };
        let tcp = TcpStream::connect(addr).await.unwrap();
        let name = ServerName::try_from("localhost").unwrap();
        let stream = TlsConnector::from(Arc::new(config)).connect(name, tcp).await.expect("TLS handshake");
        let (r, w) = tokio::io::split(stream);
        TlsIrc { reader: BufReader::new(r), writer: w }
    }

    async fn register(addr: SocketAddr, server_der: &[u8], cert: Option<&ClientCert>, nick: &str) -> TlsIrc {
        let mut c = TlsIrc::connect(addr, server_der, cert).await;
        c.send(&format!("NICK {nick}")).await;
        c.send(&format!("USER {nick} 0 * :{nick}")).await;
        c.wait_for(" 001 ").await;
        c
    }

    async fn send(&mut self, line: &str) {
        self.writer.write_all(format!("{line}\r\n").as_bytes()).await.unwrap();
    }

    async fn line(&mut self) -> String {
        let mut s = String::new();
        let n = tokio::time::timeout(WAIT, self.reader.read_line(&mut s)).await.expect("a line in time").unwrap();
        assert!(n > 0, "connection closed");
        s.trim_end().to_owned()
    }

    async fn wait_for(&mut self, needle: &str) -> String {
        loop {
            let l = self.line().await;
            if l.contains(needle) {
                return l;
            }
        }
    }

    /// Sends CAP LS 302 and returns the whole list, however many lines it
    /// comes in.
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

    /// The lines of a WHOIS reply, up to 318.
    async fn whois(&mut self, nick: &str) -> Vec<String> {
        self.send(&format!("WHOIS {nick}")).await;
        let mut lines = Vec::new();
        loop {
            let l = self.line().await;
            let end = l.contains(" 318 ");
            lines.push(l);
            if end {
                return lines;
            }
        }
    }
}

async fn line_whois(c: &mut LineClient, nick: &str) -> Vec<String> {
    c.send(&format!("WHOIS {nick}")).await;
    let mut lines = Vec::new();
    loop {
        let l = c.line().await;
        let end = l.contains(" 318 ");
        lines.push(l);
        if end {
            return lines;
        }
    }
}

fn has(lines: &[String], needle: &str) -> bool {
    lines.iter().any(|l| l.contains(needle))
}

/// A cheap argon2id hash for an operator block.
fn oper_hash(password: &str) -> String {
    use argon2::password_hash::{PasswordHasher, SaltString};
    let params = argon2::Params::new(1024, 1, 1, None).unwrap();
    let argon = argon2::Argon2::new(argon2::Algorithm::Argon2id, argon2::Version::V0x13, params);
    argon.hash_password(password.as_bytes(), &SaltString::encode_b64(b"hichat-test-salt").unwrap()).unwrap().to_string()
}

async fn tls_server(name: &str) -> (WebServer, Vec<u8>) {
    let dir = temp_dir(name);
    let (cert, key, der) = write_cert(&dir);
    let mut config = test_config();
    config.operators = vec![Operator { name: "root".into(), password_hash: oper_hash("pw"), hosts: Vec::new() }];
    // Nick enforcement would only add notices here.
    config.accounts.enforce_nicks = false;
    let s = WebServer::start(config, Some(CertStore::load(&cert, &key).unwrap())).await;
    (s, der)
}

#[tokio::test]
async fn whois_shows_the_fingerprint_to_the_user_and_operators() {
    let (s, der) = tls_server("certfp-whois").await;
    let tls = s.tls.unwrap();
    let cert = client_cert("ann");
    let fp = sha256sum(&cert.der);
    let mut ann = TlsIrc::register(tls, &der, Some(&cert), "ann").await;

    let own = ann.whois("ann").await;
    assert!(has(&own, &format!(" 276 ann ann :has client certificate fingerprint {fp}")), "{own:?}");
    assert!(has(&own, " 671 ann ann :is using a secure connection"), "{own:?}");

    // Another user sees that the connection is secure, not the fingerprint.
    let mut bob = LineClient::register(&s.irc, "bob").await;
    let seen = line_whois(&mut bob, "ann").await;
    assert!(has(&seen, " 671 bob ann "), "{seen:?}");
    assert!(!has(&seen, " 276 ") && !has(&seen, &fp), "{seen:?}");
    // A plain-text connection is not secure.
    assert!(!has(&line_whois(&mut bob, "bob").await, " 671 "));

    // An operator sees it.
    bob.send("OPER root pw").await;
    bob.wait_for(" 381 ").await;
    assert!(has(&line_whois(&mut bob, "ann").await, &format!(" 276 bob ann :has client certificate fingerprint {fp}")));

    // No certificate, no fingerprint: the certificate is asked for, not required.
    let mut cyd = TlsIrc::register(tls, &der, None, "cyd").await;
    let own = cyd.whois("cyd").await;
    assert!(has(&own, " 671 ") && !has(&own, " 276 "), "{own:?}");
    s.stop().await;
}

/// Registers `nick` as an account over TLS with `cert` and adds the
/// certificate's fingerprint with `CERT ADD`.
async fn account_with_cert(tls: SocketAddr, der: &[u8], cert: &ClientCert, nick: &str) -> TlsIrc {
    let mut c = TlsIrc::register(tls, der, Some(cert), nick).await;
    c.send("PRIVMSG NickServ :REGISTER sesame123").await;
    c.wait_for("registered").await;
    c.send("PRIVMSG NickServ :CERT ADD").await;
    let added = c.wait_for("NickServ").await;
    assert!(added.ends_with(&format!(":Added certificate fingerprint {}", sha256sum(&cert.der))), "{added}");
    c
}

#[tokio::test]
async fn sasl_external_logs_in_with_a_registered_certificate() {
    let (s, der) = tls_server("certfp-sasl").await;
    let tls = s.tls.unwrap();
    let cert = client_cert("ann");
    let mut ann = account_with_cert(tls, &der, &cert, "ann").await;
    ann.send("QUIT").await;

    // EXTERNAL is offered on TLS only.
    let mut c = TlsIrc::connect(tls, &der, Some(&cert)).await;
    let ls = c.cap_ls().await;
    assert!(ls.contains(" sasl=PLAIN,SCRAM-SHA-256,EXTERNAL "), "{ls}");
    c.send("CAP REQ sasl").await;
    c.wait_for(" ACK ").await;
    c.send("NICK ann2").await;
    c.send("USER ann 0 * :ann").await;
    c.send("AUTHENTICATE EXTERNAL").await;
    assert_eq!(c.line().await, "AUTHENTICATE +");
    c.send("AUTHENTICATE +").await;
    let logged_in = c.wait_for(" 900 ").await;
    assert!(logged_in.contains(" ann :You are now logged in as ann"), "{logged_in}");
    c.wait_for(" 903 ").await;
    c.send("CAP END").await;
    c.wait_for(" 001 ").await;

    // An authorization identity naming the same account works; another does not.
    let mut c = TlsIrc::connect(tls, &der, Some(&cert)).await;
    c.send("AUTHENTICATE EXTERNAL").await;
    c.wait_for("AUTHENTICATE +").await;
    c.send("AUTHENTICATE Ym9i").await; // "bob"
    c.wait_for(" 904 ").await;
    c.send("AUTHENTICATE EXTERNAL").await;
    c.wait_for("AUTHENTICATE +").await;
    c.send("AUTHENTICATE QW5u").await; // "Ann"
    c.wait_for(" 903 ").await;

    // A certificate nobody registered, and no certificate: 904.
    for other in [Some(client_cert("mallory")), None] {
        let mut c = TlsIrc::connect(tls, &der, other.as_ref()).await;
        c.send("AUTHENTICATE EXTERNAL").await;
        c.wait_for("AUTHENTICATE +").await;
        c.send("AUTHENTICATE +").await;
        c.wait_for(" 904 ").await;
    }

    // Plain text: not offered, and refused with the list of what is.
    let mut p = LineClient::connect(&s.irc).await;
    p.send("CAP LS 302").await;
    let mut ls = String::new();
    loop {
        let line = hichat_proto::Message::parse(&p.wait_for(" LS ").await).unwrap();
        ls.push_str(&format!("{} ", line.params.last().unwrap()));
        if line.params[2] != "*" {
            break;
        }
    }
    assert!(ls.contains(" sasl=PLAIN,SCRAM-SHA-256 ") && !ls.contains("EXTERNAL"), "{ls}");
    p.send("AUTHENTICATE EXTERNAL").await;
    assert!(p.wait_for(" 908 ").await.contains(" PLAIN,SCRAM-SHA-256 "));
    p.wait_for(" 904 ").await;
    s.stop().await;
}

#[tokio::test]
async fn nickserv_cert_list_del_and_identify_without_password() {
    let (s, der) = tls_server("certfp-nickserv").await;
    let tls = s.tls.unwrap();
    let cert = client_cert("ann");
    let fp = sha256sum(&cert.der);
    let mut ann = account_with_cert(tls, &der, &cert, "ann").await;

    // A second fingerprint, from a connection with that certificate logged
    // in by password, typed as `openssl x509 -fingerprint` prints it.
    let spare = client_cert("spare");
    let spare_fp = sha256sum(&spare.der);
    let typed: Vec<String> =
        spare_fp.to_uppercase().as_bytes().chunks(2).map(|p| String::from_utf8(p.to_vec()).unwrap()).collect();
    let mut with_spare = TlsIrc::register(tls, &der, Some(&spare), "annspare").await;
    with_spare.send("PRIVMSG NickServ :IDENTIFY ann sesame123").await;
    with_spare.wait_for("identified for ann").await;
    with_spare.send(&format!("PRIVMSG NickServ :CERT ADD {}", typed.join(":"))).await;
    assert!(with_spare.wait_for("NickServ").await.ends_with(&format!(":Added certificate fingerprint {spare_fp}")));
    // A fingerprint other than the one in use cannot be added.
    ann.send(&format!("PRIVMSG NickServ :CERT ADD {}", sha256sum(&client_cert("other").der))).await;
    assert!(ann.wait_for("NickServ").await.contains("only add the certificate you are connected with"));
    ann.send("PRIVMSG NickServ :CERT ADD nothex").await;
    assert!(ann.wait_for("NickServ").await.contains("not a SHA-256 fingerprint"));
    ann.send("PRIVMSG NickServ :CERT LIST").await;
    ann.wait_for("fingerprints of your account").await;
    let mut listed = vec![ann.wait_for("NickServ").await, ann.wait_for("NickServ").await];
    listed.sort();
    let mut expected = [fp.clone(), spare_fp.clone()];
    expected.sort();
    assert!(listed[0].ends_with(&expected[0]) && listed[1].ends_with(&expected[1]), "{listed:?}");

    // Someone else cannot take a fingerprint that is in use.
    let mut bob = TlsIrc::register(tls, &der, Some(&spare), "bob").await;
    bob.send("PRIVMSG NickServ :REGISTER sesame456").await;
    bob.wait_for("registered").await;
    bob.send(&format!("PRIVMSG NickServ :CERT ADD {spare_fp}")).await;
    assert!(bob.wait_for("NickServ").await.contains("belongs to another account"));

    // IDENTIFY with the certificate: no password, or naming the account.
    let mut again = TlsIrc::register(tls, &der, Some(&spare), "someone").await;
    again.send("PRIVMSG NickServ :IDENTIFY").await;
    assert!(again.wait_for("NickServ").await.contains("identified for ann by your TLS client certificate"));
    let mut named = TlsIrc::register(tls, &der, Some(&cert), "other").await;
    named.send("NS IDENTIFY ANN").await;
    named.wait_for(" 900 ").await;

    // Deleted, the fingerprint no longer logs in.
    ann.send(&format!("PRIVMSG NickServ :CERT DEL {spare_fp}")).await;
    assert!(ann.wait_for("NickServ").await.ends_with(&format!(":Deleted certificate fingerprint {spare_fp}")));
    ann.send(&format!("PRIVMSG NickServ :CERT DEL {spare_fp}")).await;
    assert!(ann.wait_for("NickServ").await.contains("not on your account"));
    let mut gone = TlsIrc::connect(tls, &der, Some(&spare)).await;
    gone.send("AUTHENTICATE EXTERNAL").await;
    gone.wait_for("AUTHENTICATE +").await;
    gone.send("AUTHENTICATE +").await;
    gone.wait_for(" 904 ").await;
    let mut no_cert = TlsIrc::register(tls, &der, Some(&spare), "nocert").await;
    no_cert.send("PRIVMSG NickServ :IDENTIFY").await;
    assert!(no_cert.wait_for("NickServ").await.contains("Usage: IDENTIFY"));
    s.stop().await;
}
