//! NickServ: REGISTER, IDENTIFY, wrong passwords, LOGOUT, INFO, SET
//! PASSWORD, GHOST, DROP, nick enforcement, and that messages to services
//! never reach users.

mod common;

use common::{test_config, TestClient, TestServer};
use std::time::Duration;

/// The text of the next NOTICE from NickServ.
async fn ns_reply(c: &mut TestClient) -> String {
    let (m, _) = c.expect_with("NOTICE", |m| m.source.as_deref().is_some_and(|s| s.starts_with("NickServ!"))).await;
    m.params[1].clone()
}

async fn ns(c: &mut TestClient, text: &str) -> String {
    c.send(&format!("PRIVMSG NickServ :{text}")).await;
    ns_reply(c).await
}

#[tokio::test]
async fn register_identify_and_wrong_password() {
    let server = TestServer::start().await;
    let mut ann = server.client("ann").await;
    ann.send("PRIVMSG NickServ :REGISTER hunter22 ann@example.org").await;
    ann.expect("900").await;
    let reply = ns_reply(&mut ann).await;
    assert!(reply.contains("registered"), "{reply}");
    assert!(ns(&mut ann, "REGISTER again1234").await.contains("already logged in"));
    assert!(ns(&mut ann, "LOGOUT").await.contains("logged out"));
    ann.send("QUIT").await;
    ann.read_to_close().await;

    let mut c = server.client("other").await;
    assert!(ns(&mut c, "IDENTIFY ann wrong-one").await.contains("Invalid"));
    c.send("PRIVMSG NickServ :IDENTIFY ann hunter22").await;
    c.expect("900").await;
    let reply = ns_reply(&mut c).await;
    assert!(reply.contains("identified for ann"), "{reply}");
    c.send("NS INFO").await;
    let info: Vec<String> =
        c.messages_until_quiet(Duration::from_millis(300)).await.into_iter().map(|m| m.params[1].clone()).collect();
    assert_eq!(info[0], "Account: ann");
    assert!(info.iter().any(|l| l == "Email: ann@example.org"), "{info:?}");
    assert!(info.iter().any(|l| l == "Logged in now: other"), "{info:?}");
    // Someone else does not see the email.
    let mut d = server.client("dan").await;
    d.send("PRIVMSG NickServ :INFO ann").await;
    let lines = d.messages_until_quiet(Duration::from_millis(300)).await;
    assert!(lines.iter().all(|m| !m.params.last().unwrap().contains("example.org")), "{lines:?}");

    // Same password again works after SET PASSWORD only with the new one.
    assert!(ns(&mut c, "SET PASSWORD hunter22 newpass99").await.contains("changed"));
    assert!(ns(&mut d, "IDENTIFY ann hunter22").await.contains("Invalid"));
    assert!(ns(&mut d, "IDENTIFY ann newpass99").await.contains("identified"));
    server.stop().await;
}

#[tokio::test]
async fn messages_to_services_never_reach_users() {
    let server = TestServer::start().await;
    let mut bob = server.client("bob").await;
    let mut eve = server.client("eve").await;
    // Nobody can be NickServ.
    eve.send("NICK NickServ").await;
    eve.expect("432").await;
    // A line for NickServ and bob goes to NickServ only.
    eve.send("PRIVMSG bob,NickServ :IDENTIFY secretpass").await;
    eve.send("NS HELP").await;
    ns_reply(&mut eve).await;
    bob.expect_nothing().await;
    // Before registration: 451, not relayed.
    let mut c = server.connect().await;
    c.send("NICK early").await;
    c.send("PRIVMSG NickServ :REGISTER abcdefgh").await;
    c.expect("451").await;
    server.stop().await;
}

#[tokio::test]
async fn registered_nick_is_enforced_after_the_grace_period() {
    let mut config = test_config();
    config.accounts.nick_grace_secs = 1;
    let server = TestServer::with_config(config).await;
    let mut owner = server.client("zed").await;
    ns(&mut owner, "REGISTER zedpass1").await;
    owner.send("NICK zed_away").await;
    owner.expect("NICK").await;

    // Someone takes the nick and does not identify: warned, then renamed.
    let mut squatter = server.client("zed").await;
    let warn = ns_reply(&mut squatter).await;
    assert!(warn.contains("is registered"), "{warn}");
    let (nick, _) = squatter.expect_with("NICK", |_| true).await;
    assert!(nick.params[0].starts_with("Guest-"), "{nick:?}");

    // Someone who identifies in time keeps it.
    let mut real = server.client("zed").await;
    ns_reply(&mut real).await;
    assert!(ns(&mut real, "IDENTIFY zedpass1").await.contains("identified"));
    let later = real.messages_until_quiet(Duration::from_millis(1500)).await;
    assert!(later.iter().all(|m| m.command != "NICK"), "{later:?}");
    server.stop().await;
}

#[tokio::test]
async fn ghost_recover_and_drop() {
    let server = TestServer::start().await;
    let mut a = server.client("kay").await;
    ns(&mut a, "REGISTER kaypass1").await;
    let mut b = server.client("other").await;
    assert!(ns(&mut b, "IDENTIFY kay kaypass1").await.contains("identified"));
    // b recovers its nick from a (logged in to the same account).
    assert!(ns(&mut b, "RECOVER kay").await.contains("disconnected"));
    let (nick, _) = b.expect_with("NICK", |_| true).await;
    assert_eq!(nick.params[0], "kay");
    let closed = a.read_to_close().await;
    assert!(closed.iter().any(|l| l.contains("GHOST")), "{closed:?}");
    // DROP removes the account.
    b.send("PRIVMSG NickServ :DROP kaypass1").await;
    b.expect("901").await;
    assert!(ns_reply(&mut b).await.contains("dropped"));
    let mut c = server.client("cee").await;
    assert!(ns(&mut c, "IDENTIFY kay kaypass1").await.contains("Invalid"));
    assert!(ns(&mut c, "INFO kay").await.contains("not registered"));
    server.stop().await;
}
