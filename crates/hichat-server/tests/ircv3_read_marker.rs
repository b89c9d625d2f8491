//! draft/read-marker on raw lines: MARKREAD set and get, markers that only
//! move forward, sent on JOIN before the end of NAMES, synced to the other
//! connections of an account, kept across a restart for accounts and in
//! memory per nick (until it is released) for everyone else.

mod common;
use common::{data_dir, params, TestClient, TestServer};

const T1: &str = "timestamp=2024-01-04T14:33:26.123Z";
const T2: &str = "timestamp=2024-01-05T08:00:00.000Z";

async fn client(server: &TestServer, nick: &str) -> TestClient {
    let mut c = server.connect().await;
    c.register_with_caps(nick, "draft/read-marker").await;
    c
}

/// Logs `c` in to `account`, registering it first when `create`.
async fn log_in(c: &mut TestClient, account: &str, create: bool) {
    let line = if create {
        "PRIVMSG NickServ :REGISTER long-enough-pass".to_owned()
    } else {
        format!("PRIVMSG NickServ :IDENTIFY {account} long-enough-pass")
    };
    c.send(&line).await;
    c.expect("900").await;
    c.sync().await;
}

#[tokio::test]
async fn set_get_forward_only_and_errors() {
    let server = TestServer::start().await;
    let mut ann = client(&server, "ann").await;
    let _bob = client(&server, "bob").await;
    ann.send("MARKREAD #chan").await;
    assert_eq!(params(&ann.expect("MARKREAD").await), ["#chan", "*"]);
    // Only for targets ann can see: a channel she is in (or a visible
    // one), a user online or an account.
    ann.send(&format!("MARKREAD #chan {T2}")).await;
    assert_eq!(params(&ann.expect("FAIL").await)[..3], ["MARKREAD", "INVALID_PARAMS", "#chan"]);
    ann.join("#chan").await;
    ann.sync().await;
    ann.send(&format!("MARKREAD #chan {T2}")).await;
    assert_eq!(params(&ann.expect("MARKREAD").await), ["#chan", T2]);
    // An older time is ignored: the reply carries the kept one.
    ann.send(&format!("MARKREAD #CHAN {T1}")).await;
    assert_eq!(params(&ann.expect("MARKREAD").await), ["#chan", T2], "shown as the channel is named");
    // A time in the future is clamped to now.
    ann.send("MARKREAD bob timestamp=2999-01-01T00:00:00.000Z").await;
    let m = ann.expect("MARKREAD").await;
    assert!(m.params[1].starts_with("timestamp=20") && !m.params[1].starts_with("timestamp=2999"), "{m:?}");

    let fail = |m: &hichat_proto::Message| m.params[..m.params.len() - 1].to_vec();
    ann.send("MARKREAD").await;
    assert_eq!(fail(&ann.expect("FAIL").await), ["MARKREAD", "NEED_MORE_PARAMS"]);
    ann.send("MARKREAD #chan yesterday").await;
    assert_eq!(fail(&ann.expect("FAIL").await), ["MARKREAD", "INVALID_PARAMS", "yesterday"]);
    ann.send("MARKREAD #chan *").await;
    assert_eq!(fail(&ann.expect("FAIL").await), ["MARKREAD", "INVALID_PARAMS", "*"]);
    ann.send("MARKREAD bad,nick").await;
    assert_eq!(fail(&ann.expect("FAIL").await), ["MARKREAD", "INVALID_PARAMS", "bad,nick"]);
    server.stop().await;
}

#[tokio::test]
async fn sent_on_join_before_end_of_names() {
    let server = TestServer::start().await;
    let mut ann = client(&server, "ann").await;
    ann.send("JOIN #r").await;
    let (_, before) = ann.expect_with("366", |_| true).await;
    let order: Vec<_> = before.iter().map(|m| m.command.as_str()).collect();
    assert_eq!(order, ["JOIN", "MARKREAD", "353"]);
    assert_eq!(params(&before[1]), ["#r", "*"]);
    ann.send(&format!("MARKREAD #r {T1}")).await;
    ann.expect("MARKREAD").await;
    ann.send("PART #r").await;
    ann.send("JOIN #R").await;
    let (_, before) = ann.expect_with("366", |_| true).await;
    let m = before.iter().find(|m| m.command == "MARKREAD").expect("MARKREAD on join");
    // The channel emptied and was made again as #R; the marker is per name.
    assert_eq!(params(m), ["#R", T1]);
    // Without the capability: no MARKREAD on join.
    let mut bob = server.client("bob").await;
    bob.send("JOIN #r").await;
    let (_, before) = bob.expect_with("366", |_| true).await;
    assert!(before.iter().all(|m| m.command != "MARKREAD"), "{before:?}");
    server.stop().await;
}

#[tokio::test]
async fn synced_across_an_accounts_connections_and_kept_across_restarts() {
    let dir = data_dir("read-marker");
    let start = || TestServer::start_on(&dir);
    let server = start().await;
    let mut phone = client(&server, "ann").await;
    log_in(&mut phone, "ann", true).await;
    let mut laptop = client(&server, "ann_laptop").await;
    log_in(&mut laptop, "ann", false).await;
    let mut stranger = client(&server, "eve").await;
    phone.join("#r").await;
    phone.send(&format!("MARKREAD #r {T1}")).await;
    assert_eq!(params(&phone.expect("MARKREAD").await), ["#r", T1]);
    // The other connection is told; someone else is not.
    let m = laptop.message().await;
    assert_eq!((m.command.as_str(), params(&m)), ("MARKREAD", vec!["#r", T1]));
    stranger.send("MARKREAD #r").await;
    assert_eq!(params(&stranger.expect("MARKREAD").await), ["#r", "*"]);
    laptop.send("MARKREAD #r").await;
    assert_eq!(params(&laptop.expect("MARKREAD").await), ["#r", T1]);
    phone.sync().await;
    server.stop().await;

    let server = start().await;
    let mut c = client(&server, "ann").await;
    log_in(&mut c, "ann", false).await;
    c.send("MARKREAD #r").await;
    assert_eq!(params(&c.expect("MARKREAD").await), ["#r", T1]);
    server.stop().await;
    std::fs::remove_dir_all(&dir).unwrap();
}

#[tokio::test]
async fn per_nick_in_memory_without_an_account() {
    let server = TestServer::start().await;
    let _bob = client(&server, "bob").await;
    let mut ann = client(&server, "ann").await;
    ann.send(&format!("MARKREAD bob {T1}")).await;
    ann.expect("MARKREAD").await;
    ann.send("MARKREAD bob").await;
    assert_eq!(params(&ann.expect("MARKREAD").await), ["bob", T1]);
    ann.send("QUIT").await;
    ann.read_to_close().await;
    // The nick is released with its markers: the next holder has none.
    let mut again = client(&server, "ann").await;
    again.send("MARKREAD bob").await;
    assert_eq!(params(&again.expect("MARKREAD").await), ["bob", "*"]);
    let mut other = client(&server, "cat").await;
    other.send("MARKREAD bob").await;
    assert_eq!(params(&other.expect("MARKREAD").await), ["bob", "*"]);
    server.stop().await;
}
