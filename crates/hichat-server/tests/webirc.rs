//! WEBIRC from a web gateway, with raw lines: the gateway (127.0.0.1 here)
//! sets its user's address and host, which WHOIS, per-address limits,
//! D-lines and K-lines then see; a non-gateway, a wrong password, a second
//! WEBIRC, one after registration and hostile values change nothing.

mod common;
use argon2::password_hash::{PasswordHasher, SaltString};
use argon2::{Algorithm, Argon2, Params, Version};
use common::{data_dir, params, test_config, TestClient, TestServer};
use hichat_server::config::{Operator, WebircGateway};
use hichat_server::Config;

/// An argon2id hash with cheap parameters (the server reads them from it).
fn hash(password: &str) -> String {
    let argon = Argon2::new(Algorithm::Argon2id, Version::V0x13, Params::new(1024, 1, 1, None).expect("params"));
    let salt = SaltString::encode_b64(b"hichat-test-salt").expect("salt");
    argon.hash_password(password.as_bytes(), &salt).expect("hash").to_string()
}

/// The test config with one gateway, `kiwi`, on 127.0.0.1 with the password
/// `gatewaypass`, and an operator `root` / `operpass`.
fn config() -> Config {
    let mut c = test_config();
    c.webirc = vec![WebircGateway {
        name: "kiwi".into(),
        password_hash: hash("gatewaypass"),
        hosts: vec!["127.0.0.1/32".parse().unwrap()],
    }];
    c.operators = vec![Operator { name: "root".into(), password_hash: hash("operpass"), hosts: Vec::new() }];
    c.accounts.login_failure_delay_ms = 0;
    c
}

/// The host WHOIS (311) shows for `nick`, asked by `asker`.
async fn whois_host(asker: &mut TestClient, nick: &str) -> String {
    asker.send(&format!("WHOIS {nick}")).await;
    let (m, _) = asker.expect_with("311", |m| m.params[1] == nick).await;
    asker.expect_with("318", |_| true).await;
    m.params[3].clone()
}

/// Connects from the gateway's address and sends `line` first.
async fn via_gateway(server: &TestServer, line: &str) -> TestClient {
    let mut c = server.connect().await;
    c.send(line).await;
    c
}

#[tokio::test]
async fn gateway_sets_the_client_address_and_host() {
    let mut c = config();
    c.limits.connections_per_ip = 1;
    let server = TestServer::with_config(c).await;
    let mut watcher = TestClient::connect_from(&server.addr, "127.0.0.5").await;
    watcher.register("watcher").await;

    let mut ann = via_gateway(&server, "WEBIRC gatewaypass kiwi user7.example.org 203.0.113.7 :secure").await;
    ann.register("ann").await;
    assert_eq!(whois_host(&mut watcher, "ann").await, "user7.example.org");
    watcher.send("WHO ann").await;
    let (who, _) = watcher.expect_with("352", |_| true).await;
    assert_eq!(who.params[3], "user7.example.org", "{who:?}");
    // An IPv6 client with no DNS name is shown by address.
    let mut bob = via_gateway(&server, "WEBIRC gatewaypass kiwi 2001:db8::9 2001:db8::9").await;
    bob.register("bob").await;
    assert_eq!(whois_host(&mut watcher, "bob").await, "2001:db8::9");

    // One connection per address: the gateway's own slot was handed on to
    // each user's address, so a third user still gets in, but not a
    // second connection from ann's address.
    let mut cy = via_gateway(&server, "WEBIRC gatewaypass kiwi 203.0.113.8 203.0.113.8").await;
    cy.register("cy").await;
    let mut again = via_gateway(&server, "WEBIRC gatewaypass kiwi other.example.org 203.0.113.7").await;
    let lines = again.read_to_close().await;
    assert!(lines.iter().any(|l| l.starts_with("ERROR ") && l.contains("too many connections")), "{lines:?}");
    // When ann leaves, her address's slot is free again.
    ann.send("QUIT").await;
    ann.read_to_close().await;
    watcher.send("PING sync").await;
    watcher.expect("PONG").await;
    let mut ann2 = via_gateway(&server, "WEBIRC gatewaypass kiwi user7.example.org 203.0.113.7").await;
    ann2.register("ann2").await;
    assert_eq!(
        server.server.state().per_ip.get(&"127.0.0.1".parse::<std::net::IpAddr>().unwrap()).copied(),
        None,
        "gateway holds no slot"
    );
    server.stop().await;
}

#[tokio::test]
async fn wrong_password_or_source_is_refused_and_counted() {
    let mut c = config();
    c.accounts.login_failures_per_source = 2;
    let server = TestServer::with_config(c).await;
    let mut watcher = server.client("watcher").await;
    // Not a gateway: the right password from 127.0.0.2 changes nothing.
    let mut spoof = TestClient::connect_from(&server.addr, "127.0.0.2").await;
    spoof.send("WEBIRC gatewaypass kiwi trusted.example.org 198.51.100.1").await;
    let lines = spoof.read_to_close().await;
    assert!(lines.iter().any(|l| l.starts_with("ERROR ") && l.contains("WEBIRC refused")), "{lines:?}");
    // Its failure is its own: the gateway is not throttled by it.
    let mut wrong = via_gateway(&server, "WEBIRC nope kiwi user.example.org 198.51.100.2").await;
    let lines = wrong.read_to_close().await;
    assert!(lines.iter().any(|l| l.starts_with("ERROR ") && l.contains("WEBIRC refused")), "{lines:?}");
    let mut wrong = via_gateway(&server, "WEBIRC nope2 kiwi user.example.org 198.51.100.2").await;
    wrong.read_to_close().await;
    // Two failures from the gateway's address: even the right password is
    // now refused without being checked.
    let mut right = via_gateway(&server, "WEBIRC gatewaypass kiwi user.example.org 198.51.100.2").await;
    let lines = right.read_to_close().await;
    assert!(lines.iter().any(|l| l.contains("too many failed attempts")), "{lines:?}");
    // The client that was refused can still be seen: nothing else moved.
    assert_eq!(whois_host(&mut watcher, "watcher").await, "127.0.0.1");
    server.stop().await;
}

#[tokio::test]
async fn refused_after_registration_or_twice() {
    let server = TestServer::with_config(config()).await;
    let mut ann = server.client("ann").await;
    ann.send("WEBIRC gatewaypass kiwi late.example.org 203.0.113.20").await;
    let fail = ann.expect("FAIL").await;
    assert_eq!(params(&fail)[..2], ["WEBIRC", "ALREADY_SENT"], "{fail:?}");
    assert_eq!(whois_host(&mut ann, "ann").await, "127.0.0.1");

    let mut bob = via_gateway(&server, "WEBIRC gatewaypass kiwi first.example.org 203.0.113.21").await;
    bob.send("WEBIRC gatewaypass kiwi second.example.org 203.0.113.22").await;
    let fail = bob.expect("FAIL").await;
    assert_eq!(params(&fail)[..2], ["WEBIRC", "ALREADY_SENT"], "{fail:?}");
    bob.register("bob").await;
    assert_eq!(whois_host(&mut ann, "bob").await, "first.example.org");

    let mut short = via_gateway(&server, "WEBIRC gatewaypass kiwi :only three").await;
    let (m, _) = short.expect_with("461", |_| true).await;
    assert_eq!(m.params[1], "WEBIRC");
    server.stop().await;
}

#[tokio::test]
async fn hostile_values_change_nothing_or_fall_back_to_the_address() {
    let server = TestServer::with_config(config()).await;
    let mut watcher = server.client("watcher").await;
    for bad_ip in ["not-an-ip", "999.1.1.1", "203.0.113.1/24", "::g"] {
        let mut c = via_gateway(&server, &format!("WEBIRC gatewaypass kiwi host.example.org {bad_ip}")).await;
        let lines = c.read_to_close().await;
        assert!(lines.iter().any(|l| l.contains("invalid IP address")), "{bad_ip}: {lines:?}");
    }
    // A host name with a control character, a user@host, a long one or
    // one starting with a dash: the address is shown instead.
    let hosts = ["evil\u{1}host", "x!y@z.example", &"a".repeat(64), "-dash.example", "under_score.example"];
    for (i, host) in hosts.iter().enumerate() {
        let ip = format!("203.0.113.{}", 30 + i);
        let mut c = via_gateway(&server, &format!("WEBIRC gatewaypass kiwi {host} {ip}")).await;
        let nick = format!("h{i}");
        c.register(&nick).await;
        assert_eq!(whois_host(&mut watcher, &nick).await, ip, "{host:?}");
    }
    // A host starting with a colon is a trailing parameter: too few
    // parameters, and the connection stays the gateway's.
    let mut c = via_gateway(&server, "WEBIRC gatewaypass kiwi ::1 203.0.113.50").await;
    let (m, _) = c.expect_with("461", |_| true).await;
    assert_eq!(m.params[1], "WEBIRC");
    c.register("colon").await;
    assert_eq!(whois_host(&mut watcher, "colon").await, "127.0.0.1");
    // An IPv6 address that starts with a colon when written short (sent as
    // `0::5`, as the specification asks) is shown with a leading zero.
    let mut c = via_gateway(&server, "WEBIRC gatewaypass kiwi x@y 0::5").await;
    c.register("v6").await;
    assert_eq!(whois_host(&mut watcher, "v6").await, "0::5");
    server.stop().await;
}

#[tokio::test]
async fn dlines_and_klines_apply_to_the_reported_address() {
    let dir = data_dir("webirc-bans");
    let server = TestServer::start_on_with(&dir, |c| {
        let data = c.server.data_dir.clone();
        *c = config();
        c.server.data_dir = data;
    })
    .await;
    let mut oper = server.client("op").await;
    oper.send("OPER root operpass").await;
    oper.expect("381").await;
    // A user already on through the gateway is cut off by a D-line on
    // their own address...
    let mut ann = via_gateway(&server, "WEBIRC gatewaypass kiwi ann.example.org 203.0.113.66").await;
    ann.register("ann").await;
    oper.send("DLINE 203.0.113.66 :spam").await;
    oper.expect_with("NOTICE", |m| m.params[1].starts_with("Added DLINE for 203.0.113.66")).await;
    let lines = ann.read_to_close().await;
    assert!(lines.iter().any(|l| l.contains("D-lined: spam")), "{lines:?}");
    // ...and refused at WEBIRC from then on, while the gateway's other
    // users are not.
    let mut again = via_gateway(&server, "WEBIRC gatewaypass kiwi ann.example.org 203.0.113.66").await;
    let lines = again.read_to_close().await;
    assert!(lines.iter().any(|l| l.starts_with("ERROR ") && l.contains("D-lined: spam")), "{lines:?}");
    let mut bob = via_gateway(&server, "WEBIRC gatewaypass kiwi bob.example.org 203.0.113.67").await;
    bob.register("bob").await;
    // A K-line on the reported host refuses registration.
    oper.send("KLINE *@eve.example.org :no").await;
    oper.expect_with("NOTICE", |m| m.params[1].starts_with("Added KLINE")).await;
    let mut eve = via_gateway(&server, "WEBIRC gatewaypass kiwi eve.example.org 203.0.113.68").await;
    eve.send("NICK eve").await;
    eve.send("USER eve 0 * :eve").await;
    let (m, _) = eve.expect_with("465", |_| true).await;
    assert!(m.params[1].contains("no"), "{m:?}");
    server.stop().await;
    let _ = std::fs::remove_dir_all(&dir);
}

/// A gateway reconnecting all its users at once is not turned away by the
/// hashing pool: a password verified once is accepted again without
/// argon2, while a wrong one still needs (and here cannot get) a run.
#[tokio::test]
async fn a_verified_password_needs_no_hashing_again() {
    let mut c = config();
    // A hash of its own, so that other tests' runs are not remembered for it.
    c.webirc[0].password_hash = {
        let argon = Argon2::new(Algorithm::Argon2id, Version::V0x13, Params::new(1024, 1, 1, None).unwrap());
        argon.hash_password(b"gatewaypass", &SaltString::encode_b64(b"another-salt-1").unwrap()).unwrap().to_string()
    };
    c.accounts.hash_workers = 1;
    c.accounts.hash_queue = 0;
    let server = TestServer::with_config(c).await;
    let mut watcher = TestClient::connect_from(&server.addr, "127.0.0.5").await;
    watcher.register("watcher").await;
    let mut first = via_gateway(&server, "WEBIRC gatewaypass kiwi one.example.org 203.0.113.91").await;
    first.register("first").await;
    // Fill the pool: its one worker sleeps, and nothing may wait.
    let pool = server.server.hashing.clone();
    let busy = tokio::spawn(async move { pool.run(|| std::thread::sleep(std::time::Duration::from_secs(3))).await });
    tokio::time::sleep(std::time::Duration::from_millis(200)).await;
    for i in 0..5 {
        let line = format!("WEBIRC gatewaypass kiwi u{i}.example.org 203.0.113.{}", 100 + i);
        let mut c = via_gateway(&server, &line).await;
        let nick = format!("u{i}");
        c.register(&nick).await;
        assert_eq!(whois_host(&mut watcher, &nick).await, format!("u{i}.example.org"));
    }
    let mut wrong = via_gateway(&server, "WEBIRC gatewaypasX kiwi w.example.org 203.0.113.99").await;
    let lines = wrong.read_to_close().await;
    assert!(lines.iter().any(|l| l.contains("server busy")), "{lines:?}");
    busy.await.unwrap().unwrap();
    server.stop().await;
}
