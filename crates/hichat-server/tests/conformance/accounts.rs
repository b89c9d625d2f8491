//! Conformance: accounts. draft/account-registration's capability value and
//! the `[accounts]` switches behind it, SASL payload limits (sasl-3.1) and
//! re-authentication (sasl-3.2).

use crate::common::{params, test_config, TestClient, TestServer};
use hichat_proto::Message;
use hichat_server::Config;

fn b64(s: &str) -> String {
    use base64::Engine;
    base64::engine::general_purpose::STANDARD.encode(s)
}

/// The value of draft/account-registration in CAP LS 302 (`Some("")` when
/// listed with no value, `None` when not listed).
async fn registration_cap(c: &mut TestClient) -> Option<String> {
    let caps = c.cap_ls(Some("302")).await;
    caps.iter().find_map(|cap| match cap.split_once('=') {
        Some(("draft/account-registration", v)) => Some(v.to_owned()),
        None if cap == "draft/account-registration" => Some(String::new()),
        _ => None,
    })
}

fn from_nickserv(m: &Message) -> bool {
    m.source.as_deref().is_some_and(|s| s.starts_with("NickServ!"))
}

/// The next `REGISTER` or `FAIL REGISTER` reply.
async fn register_reply(c: &mut TestClient) -> Message {
    loop {
        let m = c.message().await;
        if m.command == "REGISTER" || (m.command == "FAIL" && m.params[0] == "REGISTER") {
            return m;
        }
    }
}

async fn server_with(adjust: impl FnOnce(&mut Config)) -> TestServer {
    let mut config = test_config();
    adjust(&mut config);
    TestServer::with_config(config).await
}

/// Issue 16 #2: with nick `bar`, `REGISTER foo * pw` registered `foo`
/// though the capability did not say `custom-account-name`. It says so now;
/// with the switch off, the name must be the nick.
#[tokio::test]
async fn register_under_another_name_follows_the_cap_value() {
    let server = TestServer::start().await;
    let mut c = server.connect().await;
    let value = registration_cap(&mut c).await.expect("the capability is offered");
    c.send("CAP END").await;
    let keys: Vec<&str> = value.split(',').collect();
    assert!(keys.contains(&"custom-account-name") && keys.contains(&"before-connect"), "{value}");
    c.register("bar").await;
    c.send("REGISTER foo * password-1").await;
    assert_eq!(params(&register_reply(&mut c).await)[..2], ["SUCCESS", "foo"]);
    server.stop().await;

    let server = server_with(|c| c.accounts.custom_account_name = false).await;
    let mut c = server.connect().await;
    assert_eq!(registration_cap(&mut c).await.as_deref(), Some("before-connect"));
    c.send("CAP END").await;
    c.register("bar").await;
    c.send("REGISTER foo * password-1").await;
    assert_eq!(params(&register_reply(&mut c).await)[..3], ["REGISTER", "ACCOUNT_NAME_MUST_BE_NICK", "foo"]);
    c.send("REGISTER BAR * password-1").await;
    assert_eq!(params(&register_reply(&mut c).await)[..2], ["SUCCESS", "BAR"], "the nick, in any case");
    server.stop().await;
}

/// `[accounts] register_before_connect = false`: the cap value loses
/// `before-connect`, and REGISTER before CAP END is refused.
#[tokio::test]
async fn register_before_connect_switch() {
    let server = server_with(|c| c.accounts.register_before_connect = false).await;
    let mut c = server.connect().await;
    assert_eq!(registration_cap(&mut c).await.as_deref(), Some("custom-account-name"));
    c.send("NICK early").await;
    c.send("USER early 0 * :Early").await;
    c.send("REGISTER * * password-1").await;
    assert_eq!(params(&register_reply(&mut c).await)[..3], ["REGISTER", "COMPLETE_CONNECTION_REQUIRED", "early"]);
    c.send("CAP END").await;
    c.expect("001").await;
    c.send("REGISTER * * password-1").await;
    assert_eq!(params(&register_reply(&mut c).await)[..2], ["SUCCESS", "early"]);
    server.stop().await;

    // By default REGISTER works before CAP END, but needs a nick first.
    let server = TestServer::start().await;
    let mut c = server.connect().await;
    c.cap_ls(Some("302")).await;
    c.send("REGISTER * * password-1").await;
    assert_eq!(params(&register_reply(&mut c).await)[..3], ["REGISTER", "NEED_NICK", "*"]);
    server.stop().await;
}

/// `[accounts] registration = false`: the capability is not offered, and
/// REGISTER and NickServ REGISTER are refused.
#[tokio::test]
async fn registration_can_be_closed() {
    let server = server_with(|c| c.accounts.registration = false).await;
    let mut c = server.connect().await;
    assert_eq!(registration_cap(&mut c).await, None);
    // Not offered, so not granted either.
    c.send("CAP REQ draft/account-registration").await;
    assert_eq!(params(&c.expect("CAP").await)[1..], ["NAK", "draft/account-registration"]);
    c.send("CAP END").await;
    c.register("closed").await;
    c.send("REGISTER * * password-1").await;
    assert_eq!(params(&register_reply(&mut c).await)[..3], ["REGISTER", "DISALLOWED", "closed"]);
    c.send("PRIVMSG NickServ :REGISTER password-1").await;
    let notice = c.expect_with("NOTICE", from_nickserv).await.0;
    assert!(notice.params[1].contains("registration is disabled"), "{notice:?}");
    assert!(server.server.state().records.accounts.is_empty());
    server.stop().await;
}

/// `[accounts] min_password_length`: the default stays 6, and the FAIL text
/// says the length in force.
#[tokio::test]
async fn minimum_password_length_is_said_in_the_fail() {
    let server = TestServer::start().await;
    let mut c = server.client("shorty").await;
    c.send("REGISTER * * five5").await;
    let fail = register_reply(&mut c).await;
    assert_eq!(params(&fail)[..3], ["REGISTER", "WEAK_PASSWORD", "shorty"]);
    assert!(fail.params[3].contains("at least 6 characters"), "{fail:?}");
    c.send("REGISTER * * sixsix").await;
    assert_eq!(params(&register_reply(&mut c).await)[0], "SUCCESS");
    server.stop().await;

    let server = server_with(|c| c.accounts.min_password_length = 10).await;
    let mut c = server.client("longer").await;
    c.send("REGISTER * * ninechars").await;
    let fail = register_reply(&mut c).await;
    assert_eq!(fail.params[1], "WEAK_PASSWORD");
    assert!(fail.params[3].contains("at least 10 characters"), "{fail:?}");
    c.send("PRIVMSG NickServ :REGISTER ninechars").await;
    assert!(c.expect_with("NOTICE", from_nickserv).await.0.params[1].contains("at least 10 characters"));
    c.send("REGISTER * * tencharsok").await;
    assert_eq!(params(&register_reply(&mut c).await)[0], "SUCCESS");
    server.stop().await;
}

/// A client that asked for sasl and sent NICK/USER, not yet past CAP END.
async fn sasl_client(server: &TestServer, nick: &str) -> TestClient {
    let mut c = server.connect().await;
    c.nick = nick.into();
    c.send("CAP REQ sasl").await;
    c.expect("CAP").await;
    c.send(&format!("NICK {nick}")).await;
    c.send(&format!("USER {nick} 0 * :{nick}")).await;
    c
}

/// Issue 16 #12: many 400-byte AUTHENTICATE chunks adding up to too much
/// ended in 905, which is for one parameter over 400 bytes. An overlong
/// total is 904.
#[tokio::test]
async fn sasl_overlong_payload_is_904_and_overlong_chunk_905() {
    let server = TestServer::start().await;
    let mut c = sasl_client(&server, "big").await;
    c.send("AUTHENTICATE PLAIN").await;
    assert_eq!(params(&c.expect("AUTHENTICATE").await), ["+"]);
    let chunk = "QUFB".repeat(100);
    // 28 chunks of 400 are over the 8192 bytes a payload may decode to.
    for _ in 0..28 {
        c.send(&format!("AUTHENTICATE {chunk}")).await;
    }
    let (end, before) = c.expect_with("904", |_| true).await;
    assert_eq!(params(&end)[0], "big");
    assert!(before.iter().all(|m| m.command != "905"), "{before:?}");
    c.send("AUTHENTICATE PLAIN").await;
    c.expect("AUTHENTICATE").await;
    c.send(&format!("AUTHENTICATE {chunk}QUFB")).await;
    c.expect("905").await;
    // After either, a new exchange works from the start.
    c.send("AUTHENTICATE PLAIN").await;
    assert_eq!(params(&c.expect("AUTHENTICATE").await), ["+"]);
    server.stop().await;
}

/// sasl-3.2 says servers SHOULD allow re-authentication; hichat, as Ergo,
/// does not: a logged-in client gets 907 ERR_SASLALREADY for a new
/// exchange, before or after registration. A client that is not logged in
/// may still authenticate after registration.
#[tokio::test]
async fn sasl_reauthentication_is_refused_with_907() {
    let server = TestServer::start().await;
    let mut r = server.client("rita").await;
    r.send("REGISTER * * ritas-password").await;
    assert_eq!(params(&register_reply(&mut r).await)[0], "SUCCESS");
    r.send("AUTHENTICATE PLAIN").await;
    assert_eq!(params(&r.expect("907").await)[0], "rita");

    let mut late = server.client("late").await;
    late.send("CAP REQ sasl").await;
    late.expect("CAP").await;
    late.send("AUTHENTICATE PLAIN").await;
    late.expect("AUTHENTICATE").await;
    late.send(&format!("AUTHENTICATE {}", b64("rita\0rita\0ritas-password"))).await;
    late.expect("900").await;
    late.expect("903").await;
    late.send("AUTHENTICATE PLAIN").await;
    late.expect("907").await;
    server.stop().await;
}

/// Issue 16 #12 through an independent library: the `irc` crate sends the
/// chunks after registering and reads the answers as its own numerics.
#[tokio::test]
async fn sasl_payload_limits_through_the_irc_crate() {
    use futures_util::StreamExt;
    use irc::client::prelude::{Client, Command, Config as IrcConfig, Response};
    let server = TestServer::start().await;
    let port = server.addr.rsplit(':').next().and_then(|p| p.parse().ok()).expect("a port");
    let config = IrcConfig {
        nickname: Some("lib".into()),
        server: Some("127.0.0.1".into()),
        port: Some(port),
        ..IrcConfig::default()
    };
    let mut client = Client::from_config(config).await.expect("connect");
    client.identify().expect("identify");
    let mut stream = client.stream().expect("the message stream");
    let mut next_response = async move |wanted: &[Response]| loop {
        let msg = tokio::time::timeout(crate::common::WAIT, stream.next())
            .await
            .expect("an answer in time")
            .expect("the stream goes on")
            .expect("a message the irc crate parses");
        if let Command::Response(r, _) = msg.command {
            if wanted.contains(&r) {
                return r;
            }
        }
    };
    next_response(&[Response::RPL_WELCOME]).await;
    let chunk = "QUFB".repeat(100);
    client.send(Command::AUTHENTICATE("PLAIN".into())).expect("send");
    for _ in 0..28 {
        client.send(Command::AUTHENTICATE(chunk.clone())).expect("send");
    }
    let end = next_response(&[Response::ERR_SASLFAIL, Response::ERR_SASLTOOLONG]).await;
    assert_eq!(end, Response::ERR_SASLFAIL, "an overlong payload is 904");
    client.send(Command::AUTHENTICATE("PLAIN".into())).expect("send");
    client.send(Command::AUTHENTICATE(format!("{chunk}QUFB"))).expect("send");
    let end = next_response(&[Response::ERR_SASLFAIL, Response::ERR_SASLTOOLONG]).await;
    assert_eq!(end, Response::ERR_SASLTOOLONG, "one chunk over 400 bytes is 905");
    server.stop().await;
}
