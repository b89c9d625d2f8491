//! IRCv3: CAP negotiation (with and without 302), message-tags and TAGMSG,
//! server-time, msgid, batch and labeled-response, checked on raw lines.

mod common;
use common::{params, TestServer};
use hichat_proto::Message;
use std::collections::HashSet;

/// Reads one raw line.
async fn raw(c: &mut common::TestClient) -> String {
    c.line().await.expect("a line")
}

fn is_server_time(v: &str) -> bool {
    // 2026-11-25T14:50:53.007Z
    let b = v.as_bytes();
    v.len() == 24 && b[4] == b'-' && b[10] == b'T' && b[19] == b'.' && v.ends_with('Z')
}

#[tokio::test]
async fn cap_ls_with_and_without_302() {
    let server = TestServer::start().await;
    let mut old = server.connect().await;
    let list = old.cap_ls(None).await.join(" ");
    for cap in [
        "message-tags",
        "server-time",
        "batch",
        "labeled-response",
        "echo-message",
        "sasl",
        "chghost",
        "setname",
        "invite-notify",
        "standard-replies",
        "extended-monitor",
        "draft/no-implicit-names",
        "draft/pre-away",
    ] {
        assert!(list.split(' ').any(|c| c == cap), "{cap} missing from {list}");
    }
    // No values for pre-302 clients.
    assert!(!list.contains('='), "{list}");
    old.send("CAP REQ :message-tags server-time").await;
    assert_eq!(params(&old.expect("CAP").await), ["*", "ACK", "message-tags server-time"]);
    old.send("CAP LIST").await;
    assert_eq!(params(&old.expect("CAP").await), ["*", "LIST", "message-tags server-time"]);
    // cap-notify is not implied without 302.
    old.send("CAP REQ :bogus message-tags").await;
    assert_eq!(params(&old.expect("CAP").await), ["*", "NAK", "bogus message-tags"]);
    old.send("CAP END").await;
    old.register("old").await;

    let mut new = server.connect().await;
    let ls = new.cap_ls(Some("302")).await;
    assert!(ls.iter().any(|c| c.starts_with("sasl=")), "{ls:?}");
    new.send("CAP LIST").await;
    // 302 enables cap-notify by itself.
    assert_eq!(params(&new.expect("CAP").await), ["*", "LIST", "cap-notify"]);
    new.send("CAP REQ :-cap-notify").await;
    assert_eq!(params(&new.expect("CAP").await)[1], "ACK");
    new.send("CAP END").await;
    new.register("new").await;
    server.stop().await;
}

#[tokio::test]
async fn clienttagdeny_is_advertised() {
    let server = TestServer::start().await;
    let mut c = server.connect().await;
    c.send("NICK ann").await;
    c.send("USER ann 0 * :ann").await;
    let (_, before) = c.expect_with("376", |_| true).await;
    assert!(before.iter().any(|m| m.command == "005" && m.params.iter().any(|p| p.starts_with("CLIENTTAGDENY"))));
    server.stop().await;
}

#[tokio::test]
async fn tags_time_and_msgid_follow_capabilities() {
    let server = TestServer::start().await;
    let mut ann = server.connect().await;
    ann.register_with_caps("ann", "message-tags server-time echo-message").await;
    let mut bob = server.connect().await;
    bob.register_with_caps("bob", "server-time").await;
    let mut cat = server.client("cat").await;
    for c in [&mut ann, &mut bob, &mut cat] {
        c.join("#t").await;
    }
    ann.sync().await;
    bob.sync().await;

    ann.send("@+draft/reply=abc;+example.com/x=a\\sb;label=nolabelcap :x PRIVMSG #t :hello").await;
    // ann (message-tags, server-time, echo-message): every tag.
    let echo = Message::parse(&raw(&mut ann).await).unwrap();
    assert_eq!(echo.command, "PRIVMSG");
    let keys: Vec<&str> = echo.tags.iter().map(|t| t.key.as_str()).collect();
    assert_eq!(keys, ["time", "msgid", "+draft/reply", "+example.com/x"]);
    assert!(is_server_time(echo.tag("time").flatten().unwrap()));
    assert_eq!(echo.tag("+example.com/x"), Some(Some("a b")));
    let msgid = echo.tag("msgid").flatten().unwrap().to_owned();
    assert_eq!(msgid.len(), 26);
    assert_eq!(echo.source.as_deref(), Some("ann!ann@127.0.0.1"));
    // bob (server-time only): the time and nothing else.
    let line = raw(&mut bob).await;
    assert!(line.starts_with("@time="), "{line}");
    let m = Message::parse(&line).unwrap();
    assert_eq!(m.tags.len(), 1);
    assert_eq!(m.tag("time"), echo.tag("time"));
    // cat (no capabilities): the plain line.
    assert_eq!(raw(&mut cat).await, ":ann!ann@127.0.0.1 PRIVMSG #t hello");

    // A second message gets a new msgid.
    ann.send("PRIVMSG #t :again").await;
    let again = Message::parse(&raw(&mut ann).await).unwrap();
    assert_ne!(again.tag("msgid").flatten().unwrap(), msgid);
    bob.sync().await;
    cat.sync().await;

    // TAGMSG reaches only clients with message-tags; here, ann's echo.
    ann.send("@+typing=active TAGMSG #t").await;
    let tm = Message::parse(&raw(&mut ann).await).unwrap();
    assert_eq!(tm.command, "TAGMSG");
    assert_eq!(params(&tm), ["#t"]);
    assert_eq!(tm.tag("+typing"), Some(Some("active")));
    bob.expect_nothing().await;
    cat.expect_nothing().await;

    // Private messages carry the same tags.
    let mut dan = server.connect().await;
    dan.register_with_caps("dan", "message-tags").await;
    ann.send("@+draft/react=👍 TAGMSG dan").await;
    let tm = Message::parse(&raw(&mut dan).await).unwrap();
    assert_eq!((tm.command.as_str(), params(&tm)), ("TAGMSG", vec!["dan"]));
    assert_eq!(tm.tag("+draft/react"), Some(Some("👍")));
    assert!(tm.tag("msgid").is_some() && tm.tag("time").is_none());
    ann.send("TAGMSG cat").await;
    ann.sync().await;
    cat.expect_nothing().await;
    ann.send("TAGMSG nobody").await;
    assert_eq!(ann.expect("401").await.params[1], "nobody");
    server.stop().await;
}

#[tokio::test]
async fn part_and_quit_carry_server_time() {
    let server = TestServer::start().await;
    let mut ann = server.connect().await;
    ann.register_with_caps("ann", "server-time").await;
    ann.join("#t").await;
    let mut bob = server.client("bob").await;
    bob.join("#t").await;
    ann.expect("JOIN").await;
    bob.send("PART #t").await;
    let line = raw(&mut ann).await;
    assert!(line.starts_with("@time=") && line.ends_with(" PART #t"), "{line}");
    bob.join("#t").await;
    ann.expect("JOIN").await;
    bob.send("QUIT :bye").await;
    let line = raw(&mut ann).await;
    assert!(line.starts_with("@time=") && line.contains(" QUIT :Quit: bye"), "{line}");
    server.stop().await;
}

/// Every channel event carries a msgid for message-tags clients, history
/// kept or not; notifications of user changes too.
#[tokio::test]
async fn channel_events_carry_a_msgid_without_history() {
    let mut config = common::test_config();
    config.history.enabled = false;
    let server = TestServer::with_config(config).await;
    let mut ann = server.connect().await;
    ann.register_with_caps("ann", "message-tags away-notify setname").await;
    let mut bob = server.client("bob").await;
    ann.send("JOIN #t").await;
    let mut seen = vec![ann.expect("JOIN").await];
    bob.join("#t").await;
    seen.push(ann.expect("JOIN").await);
    for (from_ann, line, command) in [
        (true, "TOPIC #t :topic", "TOPIC"),
        (true, "MODE #t +v bob", "MODE"),
        (false, "AWAY :later", "AWAY"),
        (true, "SETNAME :Ann Again", "SETNAME"),
        (false, "NICK bobby", "NICK"),
        (true, "KICK #t bobby", "KICK"),
        (false, "JOIN #t", "JOIN"),
        (false, "PART #t", "PART"),
        (false, "JOIN #t", "JOIN"),
        (false, "QUIT", "QUIT"),
    ] {
        if from_ann {
            ann.send(line).await;
        } else {
            bob.send(line).await;
        }
        seen.push(ann.expect(command).await);
    }
    let ids: HashSet<&str> = seen.iter().map(|m| m.tag("msgid").flatten().expect("a msgid")).collect();
    assert_eq!(ids.len(), seen.len(), "{seen:?}");
    server.stop().await;
}

#[tokio::test]
async fn labeled_responses_zero_one_many() {
    let server = TestServer::start().await;
    let mut ann = server.connect().await;
    ann.register_with_caps("ann", "labeled-response batch echo-message message-tags").await;
    let mut bob = server.client("bob").await;

    // No reply: a labeled ACK.
    ann.send("@label=z1 PONG :x").await;
    assert_eq!(
        raw(&mut ann).await,
        "@label=z1 :irc.hichat.test ACK".replace("irc.hichat.test", &server_name(&mut ann).await)
    );

    // One reply line: that line, labeled.
    ann.send("@label=o1 PING :tok").await;
    let line = raw(&mut ann).await;
    let m = Message::parse(&line).unwrap();
    assert_eq!(m.command, "PONG");
    assert_eq!(m.tags.len(), 1);
    assert_eq!(m.tag("label"), Some(Some("o1")));
    // An error reply is labeled too.
    ann.send("@label=e1 PRIVMSG nobody :hi").await;
    let m = Message::parse(&raw(&mut ann).await).unwrap();
    assert_eq!((m.command.as_str(), m.tag("label")), ("401", Some(Some("e1"))));

    // Several lines: a labeled-response batch.
    ann.send("@label=m1 WHOIS bob").await;
    let start = Message::parse(&raw(&mut ann).await).unwrap();
    assert_eq!(start.command, "BATCH");
    assert_eq!(start.tag("label"), Some(Some("m1")));
    let reference = start.params[0].strip_prefix('+').expect("+ref").to_owned();
    assert_eq!(start.params[1], "labeled-response");
    let mut inner = Vec::new();
    loop {
        let m = Message::parse(&raw(&mut ann).await).unwrap();
        if m.command == "BATCH" {
            assert_eq!(params(&m), [format!("-{reference}").as_str()]);
            assert!(m.tags.is_empty());
            break;
        }
        assert_eq!(m.tag("batch"), Some(Some(reference.as_str())), "{m:?}");
        assert!(m.tag("label").is_none());
        inner.push(m.command);
    }
    assert_eq!(inner.first().map(String::as_str), Some("311"));
    assert_eq!(inner.last().map(String::as_str), Some("318"));

    // echo-message: the echo carries the label; the recipient sees none.
    ann.send("@label=p1 PRIVMSG bob :hello").await;
    let echo = Message::parse(&raw(&mut ann).await).unwrap();
    assert_eq!(echo.command, "PRIVMSG");
    assert_eq!(echo.tag("label"), Some(Some("p1")));
    assert!(echo.tag("msgid").is_some());
    assert_eq!(raw(&mut bob).await, ":ann!ann@127.0.0.1 PRIVMSG bob hello");

    // A client without labeled-response gets no label.
    bob.send("@label=q PING :t").await;
    assert_eq!(params(&bob.expect("PONG").await)[1], "t");
    server.stop().await;
}

/// The server's name, from the source of a PONG.
async fn server_name(c: &mut common::TestClient) -> String {
    c.send("PING :name").await;
    let m = c.expect("PONG").await;
    m.source.unwrap()
}
