//! PRIVMSG and NOTICE to nicks, channels and several targets; their error
//! numerics; AWAY; echo-message; STATUSMSG.

mod common;
use common::{params, TestServer};

const ANN: &str = "ann!ann@127.0.0.1";

#[tokio::test]
async fn private_messages() {
    let server = TestServer::start().await;
    let mut ann = server.client("ann").await;
    let mut bob = server.client("bob").await;
    ann.send("PRIVMSG BOB :hi bob, 你好 😀").await;
    let m = bob.expect("PRIVMSG").await;
    assert_eq!(m.source.as_deref(), Some(ANN));
    // The target is shown as the recipient spells its nick.
    assert_eq!(params(&m), ["bob", "hi bob, 你好 😀"]);
    ann.send("NOTICE bob :a notice").await;
    assert_eq!(params(&bob.expect("NOTICE").await), ["bob", "a notice"]);
    ann.expect_nothing().await;
    bob.expect_nothing().await;
    server.stop().await;
}

#[tokio::test]
async fn several_targets() {
    let server = TestServer::start().await;
    let mut ann = server.client("ann").await;
    let mut bob = server.client("bob").await;
    let mut cat = server.client("cat").await;
    let mut dan = server.client("dan").await;
    ann.join("#x").await;
    dan.join("#x").await;
    ann.expect("JOIN").await;

    ann.send("PRIVMSG bob,#x,cat :to all").await;
    assert_eq!(params(&bob.expect("PRIVMSG").await), ["bob", "to all"]);
    assert_eq!(params(&cat.expect("PRIVMSG").await), ["cat", "to all"]);
    assert_eq!(params(&dan.expect("PRIVMSG").await), ["#x", "to all"]);
    for c in [&mut ann, &mut bob, &mut cat, &mut dan] {
        c.expect_nothing().await;
    }

    // A bad target gets its error; the others still get the message.
    ann.send("PRIVMSG nobody,bob :still here").await;
    assert_eq!(params(&ann.expect("401").await), ["ann", "nobody", "No such nick/channel"]);
    assert_eq!(params(&bob.expect("PRIVMSG").await), ["bob", "still here"]);

    // More than MAXTARGETS (4) is refused whole.
    ann.send("PRIVMSG bob,cat,dan,#x,ann :too many").await;
    assert_eq!(ann.expect("407").await.params[0], "ann");
    bob.expect_nothing().await;
    server.stop().await;
}

#[tokio::test]
async fn message_errors() {
    let server = TestServer::start().await;
    let mut ann = server.client("ann").await;
    let mut bob = server.client("bob").await;
    bob.join("#closed").await;

    ann.send("PRIVMSG nobody :hi").await;
    assert_eq!(params(&ann.expect("401").await), ["ann", "nobody", "No such nick/channel"]);
    ann.send("PRIVMSG #nowhere :hi").await;
    assert_eq!(params(&ann.expect("403").await), ["ann", "#nowhere", "No such channel"]);
    ann.send("PRIVMSG #closed :hi").await;
    let refused = ann.expect("404").await;
    assert_eq!(&refused.params[..2], ["ann", "#closed"]);
    ann.send("PRIVMSG").await;
    assert_eq!(params(&ann.expect("411").await), ["ann", "No recipient given (PRIVMSG)"]);
    ann.send("PRIVMSG bob").await;
    assert_eq!(params(&ann.expect("412").await), ["ann", "No text to send"]);
    ann.send("PRIVMSG bob :").await;
    assert_eq!(ann.expect("412").await.params[0], "ann");

    // NOTICE never gets an error reply.
    ann.send("NOTICE nobody :hi").await;
    ann.send("NOTICE #nowhere :hi").await;
    ann.send("NOTICE #closed :hi").await;
    ann.expect_nothing().await;
    bob.expect_nothing().await;
    server.stop().await;
}

#[tokio::test]
async fn away() {
    let server = TestServer::start().await;
    let mut ann = server.client("ann").await;
    let mut bob = server.client("bob").await;
    let mut watcher = server.connect().await;
    watcher.register_with_caps("watcher", "away-notify").await;
    bob.join("#a").await;
    watcher.join("#a").await;

    bob.send("AWAY :gone fishing 🎣").await;
    assert_eq!(params(&bob.expect("306").await), ["bob", "You have been marked as being away"]);
    let notify = watcher.expect("AWAY").await;
    assert_eq!(notify.source.as_deref(), Some("bob!bob@127.0.0.1"));
    assert_eq!(params(&notify), ["gone fishing 🎣"]);

    ann.send("PRIVMSG bob :are you there?").await;
    assert_eq!(params(&ann.expect("301").await), ["ann", "bob", "gone fishing 🎣"]);
    assert_eq!(params(&bob.expect("PRIVMSG").await), ["bob", "are you there?"]);
    // No 301 for a NOTICE.
    ann.send("NOTICE bob :fyi").await;
    ann.expect_nothing().await;
    ann.send("WHOIS bob").await;
    let (away, _) = ann.expect_with("301", |_| true).await;
    assert_eq!(params(&away), ["ann", "bob", "gone fishing 🎣"]);
    ann.expect("318").await;

    bob.send("AWAY").await;
    assert_eq!(params(&bob.expect("305").await), ["bob", "You are no longer marked as being away"]);
    let back = watcher.expect("AWAY").await;
    assert!(back.params.is_empty(), "{back:?}");
    ann.send("PRIVMSG bob :back?").await;
    ann.expect_nothing().await;
    server.stop().await;
}

/// The Lounge shows a user's own line only when echo-message echoes it.
#[tokio::test]
async fn echo_message() {
    let server = TestServer::start().await;
    let mut ann = server.connect().await;
    ann.register_with_caps("ann", "echo-message").await;
    let mut bob = server.client("bob").await;
    ann.join("#e").await;
    bob.join("#e").await;
    ann.expect("JOIN").await;

    ann.send("PRIVMSG #e :echoed 回声").await;
    for c in [&mut ann, &mut bob] {
        let m = c.expect("PRIVMSG").await;
        assert_eq!(m.source.as_deref(), Some(ANN));
        assert_eq!(params(&m), ["#e", "echoed 回声"]);
        c.expect_nothing().await;
    }
    ann.send("PRIVMSG bob :private echo").await;
    for c in [&mut ann, &mut bob] {
        assert_eq!(params(&c.expect("PRIVMSG").await), ["bob", "private echo"]);
        c.expect_nothing().await;
    }
    ann.send("NOTICE #e :notice echo").await;
    assert_eq!(params(&ann.expect("NOTICE").await), ["#e", "notice echo"]);
    // A message to oneself arrives twice: delivered, and echoed (as the
    // labeled-response spec describes, so a client can tell them apart).
    ann.send("PRIVMSG ann :note to self").await;
    for _ in 0..2 {
        assert_eq!(params(&ann.expect("PRIVMSG").await), ["ann", "note to self"]);
    }
    ann.expect_nothing().await;
    server.stop().await;
}

/// `PRIVMSG @#chan` reaches only operators (STATUSMSG=@+).
#[tokio::test]
async fn status_messages() {
    let server = TestServer::start().await;
    let mut ann = server.client("ann").await;
    let mut bob = server.client("bob").await;
    let mut cat = server.client("cat").await;
    for c in [&mut ann, &mut bob, &mut cat] {
        c.join("#st").await;
    }
    ann.send("MODE #st +o bob").await;
    ann.sync().await;
    bob.sync().await;
    cat.sync().await;
    cat.send("PRIVMSG @#st :ops only").await;
    for c in [&mut ann, &mut bob] {
        let m = c.expect("PRIVMSG").await;
        assert_eq!(m.source.as_deref(), Some("cat!cat@127.0.0.1"));
        assert_eq!(params(&m), ["@#st", "ops only"]);
    }
    cat.expect_nothing().await;
    server.stop().await;
}
