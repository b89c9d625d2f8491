//! Conformance: protocol.

use crate::common::{params, TestServer};

/// message-tags, "Size limit": a client's tag section (with its `@` and
/// space) may be 4096 bytes; one byte more gets 417 and is dropped.
#[tokio::test]
async fn client_tag_section_over_4096_bytes_gets_417() {
    let server = TestServer::start().await;
    let mut watcher = server.connect().await;
    watcher.register_with_caps("wat", "message-tags").await;
    watcher.join("#c").await;
    let mut sender = server.connect().await;
    sender.register_with_caps("snd", "message-tags").await;
    sender.join("#c").await;
    watcher.expect("JOIN").await;

    // `@+baz=` and a space are 7 bytes around the value.
    let tagmsg = |value_len: usize| format!("@+baz={} TAGMSG #c", "a".repeat(value_len));
    sender.send(&tagmsg(4096 - 7 + 1)).await;
    let (too_long, _) = sender.expect_with("417", |_| true).await;
    assert_eq!(params(&too_long)[0], "snd");
    watcher.expect_nothing().await;

    sender.send(&tagmsg(4096 - 7)).await;
    let relayed = watcher.expect("TAGMSG").await;
    assert_eq!(relayed.tag("+baz").flatten().map(str::len), Some(4089));
    assert!(sender.sync().await.iter().all(|m| m.command != "417"));
    server.stop().await;
}

/// The same limit as seen by an independent parser: the `irc` crate reads
/// the relayed line with its 4089-byte tag back as it was sent.
#[tokio::test]
async fn client_tag_at_the_limit_parses_in_the_irc_crate() {
    let server = TestServer::start().await;
    let mut watcher = server.connect().await;
    watcher.register_with_caps("wat", "message-tags").await;
    watcher.join("#c").await;
    let mut sender = server.connect().await;
    sender.register_with_caps("snd", "message-tags").await;
    sender.join("#c").await;
    watcher.expect("JOIN").await;
    sender.send(&format!("@+baz={} TAGMSG #c", "b".repeat(4089))).await;
    let line = loop {
        let line = watcher.line().await.expect("a line");
        if line.contains(" TAGMSG ") {
            break line;
        }
    };
    let parsed: irc::proto::Message = line.parse().expect("the irc crate parses the relayed line");
    let tags = parsed.tags.expect("tags");
    let baz = tags.iter().find(|t| t.0 == "+baz").and_then(|t| t.1.clone());
    assert_eq!(baz.map(|v| v.len()), Some(4089));
    server.stop().await;
}

/// away-notify: an away user who joins is announced as away to members
/// with away-notify; the joiner itself is not sent that AWAY.
#[tokio::test]
async fn away_user_joining_is_announced_as_away() {
    let server = TestServer::start().await;
    let mut member = server.connect().await;
    member.register_with_caps("mem", "away-notify").await;
    member.join("#c").await;
    let mut plain = server.client("pla").await;
    plain.join("#c").await;
    member.expect("JOIN").await;

    let mut away = server.connect().await;
    away.register_with_caps("awy", "away-notify").await;
    away.send("AWAY :gone fishing").await;
    away.expect("306").await;
    away.join("#c").await;

    let join = member.expect("JOIN").await;
    assert_eq!(join.source.as_deref(), Some("awy!awy@127.0.0.1"));
    let note = member.message().await;
    assert_eq!((note.command.as_str(), note.source.as_deref()), ("AWAY", Some("awy!awy@127.0.0.1")));
    assert_eq!(params(&note), ["gone fishing"]);
    plain.expect("JOIN").await;
    plain.expect_nothing().await;
    assert!(away.sync().await.iter().all(|m| m.command != "AWAY"), "the joiner is not told of itself");

    // Someone who is not away joins with no AWAY.
    let mut here = server.client("her").await;
    here.join("#c").await;
    member.expect("JOIN").await;
    member.expect_nothing().await;
    server.stop().await;
}

/// extended-monitor: a watcher with account-notify hears a monitored
/// user's ACCOUNT on log-in and log-out, as it hears AWAY.
#[tokio::test]
async fn extended_monitor_sends_account_changes() {
    let server = TestServer::start().await;
    let mut watcher = server.connect().await;
    watcher.register_with_caps("wat", "extended-monitor account-notify").await;
    let mut without = server.connect().await;
    without.register_with_caps("wto", "account-notify").await;
    let mut bar = server.client("bar").await;
    for w in [&mut watcher, &mut without] {
        w.send("MONITOR + bar").await;
        w.expect("730").await;
    }

    bar.send("PRIVMSG NickServ :REGISTER barpass1").await;
    bar.expect("900").await;
    let acct = watcher.expect("ACCOUNT").await;
    assert_eq!((acct.source.as_deref(), params(&acct)), (Some("bar!bar@127.0.0.1"), vec!["bar"]));

    bar.send("PRIVMSG NickServ :LOGOUT").await;
    bar.expect("901").await;
    let out = watcher.expect("ACCOUNT").await;
    assert_eq!(params(&out), ["*"]);
    without.expect_nothing().await;
    server.stop().await;
}

/// MONITOR: a change of case only (`qux` to `QUX`) is the same nick, which
/// never went offline: watchers get neither 731 nor 730.
#[tokio::test]
async fn monitor_ignores_a_case_only_nick_change() {
    let server = TestServer::start().await;
    let mut watcher = server.client("wat").await;
    let mut qux = server.client("qux").await;
    watcher.send("MONITOR + qux").await;
    watcher.expect("730").await;
    qux.send("NICK QUX").await;
    assert_eq!(qux.expect("NICK").await.params, ["QUX"]);
    watcher.expect_nothing().await;
    // A real change still tells.
    qux.send("NICK quux").await;
    assert_eq!(params(&watcher.expect("731").await), ["wat", "QUX"]);
    server.stop().await;
}

/// Modern IRC: an unknown command gets `421 <nick> <cmd> :Unknown command`,
/// with the label under labeled-response.
#[tokio::test]
async fn unknown_command_gets_421_with_its_label() {
    let server = TestServer::start().await;
    let mut c = server.connect().await;
    c.register_with_caps("ann", "labeled-response batch").await;
    c.send("NONEXISTENT_COMMAND").await;
    let unknown = c.expect("421").await;
    assert_eq!(params(&unknown), ["ann", "NONEXISTENT_COMMAND", "Unknown command"]);
    assert!(unknown.tag("label").is_none());

    c.send("@label=x1 NONEXISTENT_COMMAND arg").await;
    let (labeled, before) = c.expect_with("421", |_| true).await;
    assert!(before.iter().all(|m| m.command != "FAIL"), "{before:?}");
    assert_eq!(labeled.tag("label"), Some(Some("x1")));
    assert_eq!(params(&labeled), ["ann", "NONEXISTENT_COMMAND", "Unknown command"]);
    server.stop().await;
}

/// An empty real name in USER is refused with 461, as most servers do;
/// registration completes once a real name is given.
#[tokio::test]
async fn user_with_an_empty_realname_gets_461() {
    let server = TestServer::start().await;
    let mut c = server.connect().await;
    c.send("NICK ann").await;
    c.send("USER ann 0 * :").await;
    let (refused, _) = c.expect_with("461", |_| true).await;
    assert_eq!(params(&refused)[1], "USER");
    c.send("USER ann 0 * :Ann").await;
    c.expect("001").await;
    server.stop().await;
}
