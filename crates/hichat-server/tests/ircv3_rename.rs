//! draft/channel-rename on raw lines: RENAME for clients with the
//! capability, PART/JOIN with topic and names for the rest, the errors, and
//! a registered channel's record renamed in the store.

mod common;
use common::{data_dir, params, TestClient, TestServer};

async fn client(server: &TestServer, nick: &str, cap: bool) -> TestClient {
    let mut c = server.connect().await;
    if cap {
        c.register_with_caps(nick, "draft/channel-rename").await;
    } else {
        c.register(nick).await;
    }
    c
}

#[tokio::test]
async fn rename_and_fallback() {
    let server = TestServer::start().await;
    let mut ann = client(&server, "ann", true).await;
    let mut bob = client(&server, "bob", true).await;
    let mut cat = client(&server, "cat", false).await;
    for c in [&mut ann, &mut bob, &mut cat] {
        c.join("#boaring").await;
    }
    ann.send("TOPIC #boaring :all about boredom").await;
    ann.send("MODE #boaring +v bob").await;
    for c in [&mut ann, &mut bob, &mut cat] {
        c.sync().await;
    }
    ann.send("RENAME #boaring #boring :Typo fix").await;
    let line = ":ann!ann@127.0.0.1 RENAME #boaring #boring :Typo fix";
    assert_eq!(ann.line().await.unwrap(), line);
    assert_eq!(bob.line().await.unwrap(), line);
    // Without the capability: its own PART and JOIN, then topic and names.
    assert_eq!(cat.line().await.unwrap(), ":cat!cat@127.0.0.1 PART #boaring :Typo fix");
    assert_eq!(cat.line().await.unwrap(), ":cat!cat@127.0.0.1 JOIN #boring");
    let topic = cat.message().await;
    assert_eq!((topic.command.as_str(), params(&topic)), ("332", vec!["cat", "#boring", "all about boredom"]));
    assert_eq!(cat.message().await.command, "333");
    let names = cat.message().await;
    assert_eq!(params(&names), ["cat", "=", "#boring", "+bob @ann cat"]);
    assert_eq!(params(&cat.message().await)[..2], ["cat", "#boring"]);
    cat.expect_nothing().await;

    // Everything else stays: members, status, topic; the old name is gone.
    cat.send("PRIVMSG #boring :still here").await;
    assert_eq!(params(&ann.expect("PRIVMSG").await), ["#boring", "still here"]);
    bob.send("NAMES #boaring").await;
    let (m, _) = bob.expect_with("366", |_| true).await;
    assert_eq!(m.params[1], "#boaring");
    cat.send("PART #boaring").await;
    assert_eq!(cat.message().await.command, "403");
    cat.send("PART #boring").await;
    assert_eq!(cat.message().await.command, "PART");
    ann.sync().await;
    bob.sync().await;

    // A change of case: RENAME to those with the capability, nothing to
    // the others.
    cat.join("#boring").await;
    // No replay of what was said before cat joined: #boring is not
    // registered, so its history is for those who were there.
    cat.sync().await;
    ann.sync().await;
    bob.sync().await;
    ann.send("RENAME #boring #Boring").await;
    assert_eq!(ann.line().await.unwrap(), ":ann!ann@127.0.0.1 RENAME #boring #Boring :");
    assert_eq!(bob.line().await.unwrap(), ":ann!ann@127.0.0.1 RENAME #boring #Boring :");
    cat.expect_nothing().await;
    server.stop().await;
}

#[tokio::test]
async fn errors() {
    let server = TestServer::start().await;
    let mut ann = client(&server, "ann", true).await;
    let mut bob = client(&server, "bob", true).await;
    ann.join("#evil").await;
    ann.join("#good").await;
    bob.join("#evil").await;
    ann.sync().await;
    let fail = |m: &hichat_proto::Message| m.params[..m.params.len() - 1].to_vec();
    ann.send("RENAME #evil #good :Don't be evil").await;
    assert_eq!(fail(&ann.message().await), ["RENAME", "CHANNEL_NAME_IN_USE", "#evil", "#good"]);
    ann.send("RENAME #evil bad,name").await;
    assert_eq!(fail(&ann.message().await), ["RENAME", "CANNOT_RENAME", "#evil", "bad,name"]);
    ann.send("RENAME #nowhere #new").await;
    assert_eq!(ann.message().await.command, "403");
    ann.send("RENAME #evil").await;
    assert_eq!(ann.message().await.command, "461");
    bob.send("RENAME #evil #mine").await;
    assert_eq!(params(&bob.message().await)[..2], ["bob", "#evil"]);
    bob.send("RENAME #good #mine").await;
    assert_eq!(bob.message().await.command, "442");
    server.stop().await;
}

#[tokio::test]
async fn registered_channel_renamed_in_the_store() {
    let dir = data_dir("rename");
    let start = || TestServer::start_on(&dir);
    let server = start().await;
    let mut ann = client(&server, "ann", true).await;
    ann.send("PRIVMSG NickServ :REGISTER long-enough-pass").await;
    ann.expect("900").await;
    ann.join("#old").await;
    ann.send("PRIVMSG ChanServ :REGISTER #old").await;
    ann.expect_with("NOTICE", |m| m.params[1].contains("registered")).await;
    ann.send("TOPIC #old :kept topic").await;
    ann.expect("TOPIC").await;
    ann.send("RENAME #old #new :moving").await;
    ann.expect("RENAME").await;
    ann.sync().await;
    server.stop().await;

    let server = start().await;
    let mut c = client(&server, "someone", false).await;
    let text = |lines: Vec<hichat_proto::Message>| lines.iter().map(|m| m.params[1].clone()).collect::<Vec<_>>();
    c.send("PRIVMSG ChanServ :INFO #new").await;
    let info = text(c.sync().await);
    assert!(info.iter().any(|t| t == "Founder: ann"), "{info:?}");
    c.send("PRIVMSG ChanServ :INFO #old").await;
    assert_eq!(text(c.sync().await), ["#old is not registered"]);
    c.join("#new").await;
    c.send("TOPIC #new").await;
    assert_eq!(params(&c.expect("332").await)[2], "kept topic");
    server.stop().await;
    std::fs::remove_dir_all(&dir).unwrap();
}
