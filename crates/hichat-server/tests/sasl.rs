//! SASL: the `sasl` capability, AUTHENTICATE PLAIN and SCRAM-SHA-256 (the
//! latter checked against Python's standard library), failures, aborts and
//! the failed-login limit.

mod common;

use common::{params, TestClient, TestServer};
use std::process::Command;

fn b64(s: &str) -> String {
    // A small base64 encoder, independent of the server's.
    const T: &[u8; 64] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
    let b = s.as_bytes();
    let mut out = String::new();
    for chunk in b.chunks(3) {
        let n = chunk.iter().enumerate().fold(0u32, |acc, (i, x)| acc | (*x as u32) << (16 - 8 * i));
        for i in 0..4 {
            if i <= chunk.len() {
                out.push(T[(n >> (18 - 6 * i) & 63) as usize] as char);
            } else {
                out.push('=');
            }
        }
    }
    out
}

/// Registers `account` with `password` through NickServ and disconnects.
async fn make_account(server: &TestServer, account: &str, password: &str) {
    let mut c = server.client(account).await;
    c.send(&format!("PRIVMSG NickServ :REGISTER {password}")).await;
    let n = c.expect_with("NOTICE", |m| m.params[1].contains("registered")).await.0;
    assert!(n.params[1].contains("logged in"), "{n:?}");
    c.send("QUIT").await;
    c.read_to_close().await;
}

/// A client that has sent CAP LS 302, CAP REQ sasl, NICK and USER.
async fn sasl_client(server: &TestServer, nick: &str) -> TestClient {
    let mut c = server.connect().await;
    c.nick = nick.into();
    c.cap_ls(Some("302")).await;
    c.send("CAP REQ sasl").await;
    let ack = c.expect("CAP").await;
    assert_eq!(ack.params[1], "ACK");
    c.send(&format!("NICK {nick}")).await;
    c.send(&format!("USER {nick} 0 * :sasl test")).await;
    c
}

#[tokio::test]
async fn cap_ls_shows_mechanisms_only_to_302_clients() {
    let server = TestServer::start().await;
    let mut c = server.connect().await;
    let caps = c.cap_ls(Some("302")).await;
    assert!(caps.iter().any(|c| c == "sasl=PLAIN,SCRAM-SHA-256"), "{caps:?}");
    assert!(caps.iter().any(|c| c == "account-notify") && caps.iter().any(|c| c == "extended-join"), "{caps:?}");
    let mut old = server.connect().await;
    let caps = old.cap_ls(None).await;
    assert!(caps.iter().any(|c| c == "sasl"), "{caps:?}");
    assert!(!caps.iter().any(|c| c.contains('=')), "values only for 302: {caps:?}");
    server.stop().await;
}

#[tokio::test]
async fn plain_logs_in_before_registration_completes() {
    let server = TestServer::start().await;
    make_account(&server, "ann", "s3cret-pw").await;
    let mut c = sasl_client(&server, "ann").await;
    c.send("AUTHENTICATE PLAIN").await;
    let m = c.expect("AUTHENTICATE").await;
    assert_eq!(params(&m), ["+"]);
    c.send(&format!("AUTHENTICATE {}", b64("ann\0ann\0s3cret-pw"))).await;
    let (logged, before) = c.expect_with("900", |_| true).await;
    assert!(before.iter().all(|m| m.command != "001"), "registration waits for CAP END");
    assert_eq!(params(&logged)[2], "ann");
    c.expect("903").await;
    c.send("CAP END").await;
    c.expect("001").await;
    c.send("WHOIS ann").await;
    let (acct, _) = c.expect_with("330", |_| true).await;
    assert_eq!(params(&acct)[1..3], ["ann", "ann"]);
    // Already logged in.
    c.send("AUTHENTICATE PLAIN").await;
    c.expect("907").await;
    server.stop().await;
}

#[tokio::test]
async fn plain_wrong_password_and_unknown_account_fail() {
    let server = TestServer::start().await;
    make_account(&server, "bob", "right-pass").await;
    let mut c = sasl_client(&server, "bob").await;
    for payload in ["bob\0bob\0wrong-pass", "\0nobody\0right-pass", "garbage"] {
        c.send("AUTHENTICATE PLAIN").await;
        c.expect("AUTHENTICATE").await;
        c.send(&format!("AUTHENTICATE {}", b64(payload))).await;
        c.expect("904").await;
    }
    // Not registered yet: CAP negotiation is still open.
    c.send("CAP END").await;
    c.expect("001").await;
    c.send("WHOIS bob").await;
    let lines = c.sync().await;
    assert!(lines.iter().all(|m| m.command != "330"), "not logged in: {lines:?}");
    server.stop().await;
}

#[tokio::test]
async fn unknown_mechanism_abort_and_too_long() {
    let server = TestServer::start().await;
    let mut c = sasl_client(&server, "cy").await;
    c.send("AUTHENTICATE EXTERNAL").await;
    let mechs = c.expect("908").await;
    assert_eq!(params(&mechs)[1], "PLAIN,SCRAM-SHA-256");
    c.expect("904").await;
    c.send("AUTHENTICATE PLAIN").await;
    c.expect("AUTHENTICATE").await;
    c.send("AUTHENTICATE *").await;
    c.expect("906").await;
    c.send("AUTHENTICATE PLAIN").await;
    c.expect("AUTHENTICATE").await;
    // Chunks adding up to too long a payload fail (904, sasl-3.1)...
    let chunk = "A".repeat(400);
    for _ in 0..30 {
        c.send(&format!("AUTHENTICATE {chunk}")).await;
    }
    c.expect("904").await;
    // ...and one chunk over 400 bytes is too long (905).
    c.send("AUTHENTICATE PLAIN").await;
    c.expect("AUTHENTICATE").await;
    c.send(&format!("AUTHENTICATE {chunk}A")).await;
    c.expect("905").await;
    server.stop().await;
}

/// Failed logins are limited per connection (and per source address, see
/// tests/hostile/accounts.rs), never per account: after five wrong
/// attempts a connection is refused even the right password, while a fresh
/// connection logs in.
#[tokio::test]
async fn failed_logins_are_limited_per_connection() {
    let mut config = common::test_config();
    config.accounts.login_failure_delay_ms = 0;
    let server = TestServer::with_config(config).await;
    make_account(&server, "dee", "right-pass").await;
    let mut c = sasl_client(&server, "x").await;
    for _ in 0..5 {
        c.send("AUTHENTICATE PLAIN").await;
        c.expect("AUTHENTICATE").await;
        c.send(&format!("AUTHENTICATE {}", b64("dee\0dee\0wrong-pass"))).await;
        c.expect("904").await;
    }
    c.send("AUTHENTICATE PLAIN").await;
    c.expect("AUTHENTICATE").await;
    c.send(&format!("AUTHENTICATE {}", b64("dee\0dee\0right-pass"))).await;
    c.expect("904").await;
    let mut fresh = sasl_client(&server, "dee").await;
    fresh.send("AUTHENTICATE PLAIN").await;
    fresh.expect("AUTHENTICATE").await;
    fresh.send(&format!("AUTHENTICATE {}", b64("dee\0dee\0right-pass"))).await;
    fresh.expect("903").await;
    server.stop().await;
}

fn python_scram(addr: &str, nick: &str, account: &str, password: &str) -> Option<String> {
    let script = concat!(env!("CARGO_MANIFEST_DIR"), "/tests/scram_client.py");
    let out = match Command::new("python3").args([script, addr, nick, account, password]).output() {
        Ok(out) => out,
        Err(e) => {
            eprintln!("skipping: python3 not available ({e})");
            return None;
        }
    };
    Some(format!("{}{}", String::from_utf8_lossy(&out.stdout), String::from_utf8_lossy(&out.stderr)))
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn scram_sha_256_against_python() {
    let server = TestServer::start().await;
    make_account(&server, "Erin", "pencil-case").await;
    let addr = server.addr.clone();
    let ok = tokio::task::spawn_blocking(move || python_scram(&addr, "erin", "erin", "pencil-case")).await.unwrap();
    let Some(ok) = ok else { return };
    assert!(ok.starts_with("OK "), "python SCRAM client: {ok}");
    let addr = server.addr.clone();
    let bad = tokio::task::spawn_blocking(move || python_scram(&addr, "erin2", "erin", "pencil-cas")).await.unwrap();
    assert!(bad.unwrap().starts_with("FAIL 904"), "a wrong password fails");
    server.stop().await;
}

/// The server-first message of a SCRAM exchange for `user`, after which
/// the exchange is aborted.
async fn scram_server_first(server: &TestServer, nick: &str, user: &str) -> String {
    let mut c = sasl_client(server, nick).await;
    c.send("AUTHENTICATE SCRAM-SHA-256").await;
    c.expect("AUTHENTICATE").await;
    c.send(&format!("AUTHENTICATE {}", b64(&format!("n,,n={user},r=clientnonce123")))).await;
    let m = c.expect("AUTHENTICATE").await;
    c.send("AUTHENTICATE *").await;
    c.expect("906").await;
    String::from_utf8(decode_b64(&m.params[0])).unwrap()
}

fn decode_b64(s: &str) -> Vec<u8> {
    const T: &str = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
    let bits: Vec<u32> = s.trim_end_matches('=').chars().map(|c| T.find(c).unwrap() as u32).collect();
    let mut out = Vec::new();
    for chunk in bits.chunks(4) {
        let n = chunk.iter().enumerate().fold(0u32, |acc, (i, x)| acc | x << (18 - 6 * i));
        for i in 0..chunk.len() - 1 {
            out.push((n >> (16 - 8 * i)) as u8);
        }
    }
    out
}

/// SCRAM for an account that does not exist goes on like any other, with
/// a salt that stays the same, so it does not tell that the account is
/// missing; it fails only at the end.
#[tokio::test]
async fn scram_does_not_reveal_unknown_accounts() {
    let server = TestServer::start().await;
    make_account(&server, "Real", "pencil-case").await;
    let salt_of = |first: &str| first.split(',').find_map(|f| f.strip_prefix("s=")).unwrap().to_owned();
    let iterations_of = |first: &str| first.split(',').find_map(|f| f.strip_prefix("i=")).unwrap().to_owned();
    let real = scram_server_first(&server, "r1", "real").await;
    let ghost = scram_server_first(&server, "g1", "ghost").await;
    let ghost_again = scram_server_first(&server, "g2", "ghost").await;
    assert_eq!(salt_of(&ghost), salt_of(&ghost_again), "a made-up salt is the same on every try");
    assert_ne!(salt_of(&ghost), salt_of(&real));
    assert_eq!(decode_b64(&salt_of(&ghost)).len(), decode_b64(&salt_of(&real)).len());
    assert_eq!(iterations_of(&ghost), iterations_of(&real));
    server.stop().await;
}

/// PLAIN: `AUTHENTICATE PLAIN` and one payload; returns the numeric that
/// ends the exchange (903 or 904).
async fn plain_login(server: &TestServer, nick: &str, payload: &str) -> String {
    let mut c = sasl_client(server, nick).await;
    c.send("AUTHENTICATE PLAIN").await;
    c.expect("AUTHENTICATE").await;
    c.send(&format!("AUTHENTICATE {}", b64(payload))).await;
    loop {
        let m = c.message().await;
        if m.command == "903" || m.command == "904" {
            return m.command;
        }
    }
}

/// SASLprep (RFC 4013): a password with a no-break space and ROMAN NUMERAL
/// NINE is the same password as one with a space and "IX", through PLAIN,
/// through SCRAM (the Python client prepares with the standard library's
/// tables) and through NickServ; what SASLprep refuses gets 904.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn saslprep_passwords_log_in_in_either_form() {
    let server = TestServer::start().await;
    let typed = "pass\u{A0}\u{2168}-word";
    let prepared = "pass IX-word";
    make_account(&server, "Uma", typed).await;
    for (i, pw) in [typed, prepared, "pass\u{A0}IX-word", "pass \u{2168}-word"].into_iter().enumerate() {
        let got = plain_login(&server, &format!("p{i}"), &format!("uma\0uma\0{pw}")).await;
        assert_eq!(got, "903", "PLAIN with {pw:?}");
    }
    assert_eq!(plain_login(&server, "p9", "uma\0uma\0pass IY-word").await, "904");
    for (i, pw) in [typed, prepared].into_iter().enumerate() {
        let addr = server.addr.clone();
        let out = tokio::task::spawn_blocking(move || python_scram(&addr, &format!("s{i}"), "uma", pw)).await.unwrap();
        let Some(out) = out else { return };
        assert!(out.starts_with("OK "), "python SCRAM client with {pw:?}: {out}");
    }
    let mut c = server.client("n1").await;
    c.send("PRIVMSG NickServ :IDENTIFY uma pass\u{A0}IX-word").await;
    c.expect("900").await;
    server.stop().await;
}

#[tokio::test]
async fn saslprep_refusals_get_904_and_errors() {
    let server = TestServer::start().await;
    make_account(&server, "vic", "plain-pass").await;
    // A control character in the password, a private-use one in the name,
    // a right-to-left name mixed with digits at its end: 904, no crash.
    for (i, payload) in
        ["vic\0vic\0plain-pass\u{7}", "\0vic\u{E000}\0plain-pass", "\0\u{627}1\0plain-pass"].into_iter().enumerate()
    {
        assert_eq!(plain_login(&server, &format!("r{i}"), payload).await, "904", "{payload:?}");
    }
    let mut c = sasl_client(&server, "r9").await;
    c.send("AUTHENTICATE SCRAM-SHA-256").await;
    c.expect("AUTHENTICATE").await;
    c.send(&format!("AUTHENTICATE {}", b64("n,,n=vic\u{7},r=clientnonce123"))).await;
    c.expect("904").await;
    // The server is still there and the account still works.
    assert_eq!(plain_login(&server, "r10", "vic\0vic\0plain-pass").await, "903");

    // Registration refuses such a password: NickServ says so, and
    // draft/account-registration answers UNACCEPTABLE_PASSWORD.
    let mut w = server.client("wes").await;
    w.send("PRIVMSG NickServ :REGISTER pass\u{E000}word").await;
    let (n, _) = w.expect_with("NOTICE", |m| m.params[1].contains("Passwords")).await;
    assert!(n.params[1].contains("cannot have"), "{n:?}");
    w.send("REGISTER * * pass\u{E000}word").await;
    let (f, _) = w.expect_with("FAIL", |_| true).await;
    assert_eq!(params(&f)[..2], ["REGISTER", "UNACCEPTABLE_PASSWORD"]);
    w.send("PRIVMSG NickServ :IDENTIFY vic plain-pass\u{7}").await;
    w.expect_with("NOTICE", |m| m.params[1].contains("Invalid")).await;
    server.stop().await;
}
