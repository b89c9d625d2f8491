//! IRCv3 draft/multiline on raw lines: the cap value with its limits, a
//! batch relayed as a batch to clients with the capability and as separate
//! lines to the rest, echo-message with labeled-response, and the FAIL
//! replies for bad batches.

mod common;
use common::{commands, params, TestClient, TestServer};
use hichat_proto::Message;

const BASE: &str = "message-tags batch echo-message server-time labeled-response";

async fn client(server: &TestServer, nick: &str, multiline: bool) -> TestClient {
    let mut c = server.connect().await;
    let caps = if multiline { format!("{BASE} draft/multiline") } else { BASE.to_owned() };
    c.register_with_caps(nick, &caps).await;
    c
}

/// Reads a whole batch: its start, its lines, and its end.
async fn read_batch(c: &mut TestClient) -> (Message, Vec<Message>, Message) {
    let start = c.message().await;
    assert_eq!(start.command, "BATCH", "{start:?}");
    let reference = start.params[0].strip_prefix('+').expect("a batch start").to_owned();
    let mut lines = Vec::new();
    loop {
        let m = c.message().await;
        if m.command == "BATCH" {
            assert_eq!(params(&m), [format!("-{reference}")]);
            return (start, lines, m);
        }
        assert_eq!(m.tag("batch"), Some(Some(reference.as_str())), "{m:?}");
        lines.push(m);
    }
}

#[tokio::test]
async fn cap_value_advertises_limits() {
    let server = TestServer::start().await;
    let mut c = server.connect().await;
    c.send("CAP LS 302").await;
    let mut caps = String::new();
    loop {
        let m = c.expect("CAP").await;
        caps.push_str(m.params.last().unwrap());
        caps.push(' ');
        if m.params[2] != "*" {
            break;
        }
    }
    assert!(caps.split(' ').any(|c| c == "draft/multiline=max-bytes=4096,max-lines=100"), "{caps}");
    server.stop().await;
}

#[tokio::test]
async fn batch_for_multiline_clients_lines_for_the_rest() {
    let server = TestServer::start().await;
    let mut ann = client(&server, "ann", true).await;
    let mut bob = client(&server, "bob", true).await;
    let mut cat = client(&server, "cat", false).await;
    let mut dan = server.client("dan").await;
    for c in [&mut ann, &mut bob, &mut cat, &mut dan] {
        c.join("#m").await;
    }
    for c in [&mut ann, &mut bob, &mut cat, &mut dan] {
        c.sync().await;
    }
    ann.send("@label=xyz;+draft/reply=abc BATCH +123 draft/multiline #m").await;
    ann.send("@batch=123 PRIVMSG #m :").await;
    ann.send("@batch=123 PRIVMSG #m :how is ").await;
    ann.send("@batch=123;draft/multiline-concat PRIVMSG #m :everyone?").await;
    ann.send("@batch=123 privmsg #M :second line").await;
    ann.send("BATCH -123").await;

    // The echo: the batch itself, its start labeled.
    let (start, lines, _) = read_batch(&mut ann).await;
    assert_eq!(start.tag("label"), Some(Some("xyz")));
    assert_eq!(start.params[1..], ["draft/multiline", "#m"]);
    assert_eq!(start.source.as_deref(), Some("ann!ann@127.0.0.1"));
    let msgid = start.tag("msgid").flatten().expect("msgid on the batch start").to_owned();
    let time = start.tag("time").flatten().expect("time on the batch start").to_owned();
    assert_eq!(start.tag("+draft/reply"), Some(Some("abc")));
    let texts: Vec<_> = lines.iter().map(|m| m.params[1].as_str()).collect();
    assert_eq!(texts, ["", "how is ", "everyone?", "second line"]);
    for (i, m) in lines.iter().enumerate() {
        assert_eq!(m.command, "PRIVMSG");
        assert_eq!(m.params[0], "#m");
        assert!(m.tag("msgid").is_none() && m.tag("time").is_none() && m.tag("label").is_none(), "{m:?}");
        assert_eq!(m.tag("draft/multiline-concat").is_some(), i == 2);
    }

    // Another multiline client: the same batch, unlabeled.
    let (start, lines, _) = read_batch(&mut bob).await;
    assert_eq!(start.tag("label"), None);
    assert_eq!(start.tag("msgid"), Some(Some(msgid.as_str())));
    assert_eq!(start.tag("time"), Some(Some(time.as_str())));
    assert_eq!(lines.len(), 4);
    assert!(lines[2].tag("draft/multiline-concat").is_some());

    // Without draft/multiline: the non-blank lines, the msgid on the first,
    // time and client-only tags on each.
    let fallback = cat.sync().await;
    assert_eq!(commands(&fallback), ["PRIVMSG", "PRIVMSG", "PRIVMSG"]);
    let texts: Vec<_> = fallback.iter().map(|m| m.params[1].as_str()).collect();
    assert_eq!(texts, ["how is ", "everyone?", "second line"]);
    let ids: Vec<_> = fallback.iter().map(|m| m.tag("msgid").flatten()).collect();
    assert_eq!(ids, [Some(msgid.as_str()), None, None]);
    for m in &fallback {
        assert_eq!(m.tag("time"), Some(Some(time.as_str())));
        assert_eq!(m.tag("+draft/reply"), Some(Some("abc")));
        assert!(m.tag("draft/multiline-concat").is_none() && m.tag("batch").is_none());
    }
    // A client without any capability: plain lines.
    assert_eq!(dan.line().await.unwrap(), ":ann!ann@127.0.0.1 PRIVMSG #m :how is ");
    assert_eq!(dan.line().await.unwrap(), ":ann!ann@127.0.0.1 PRIVMSG #m everyone?");
    assert_eq!(dan.line().await.unwrap(), ":ann!ann@127.0.0.1 PRIVMSG #m :second line");
    dan.expect_nothing().await;
    server.stop().await;
}

#[tokio::test]
async fn private_multiline_and_labels_without_echo() {
    let server = TestServer::start().await;
    let mut ann = server.connect().await;
    ann.register_with_caps("ann", "batch labeled-response draft/multiline").await;
    let mut bob = client(&server, "bob", true).await;
    ann.send("@label=q1 BATCH +a draft/multiline bob").await;
    ann.send("@batch=a PRIVMSG bob :one").await;
    ann.send("@batch=a PRIVMSG bob :two").await;
    ann.send("BATCH -a").await;
    // No echo-message: the label is answered with an ACK.
    let ack = ann.message().await;
    assert_eq!((ack.command.as_str(), ack.tag("label")), ("ACK", Some(Some("q1"))));
    let (start, lines, _) = read_batch(&mut bob).await;
    assert_eq!(start.params[1..], ["draft/multiline", "bob"]);
    assert_eq!(lines.iter().map(|m| m.params[1].as_str()).collect::<Vec<_>>(), ["one", "two"]);
    // To a missing nick: 401, labeled.
    ann.send("@label=q2 BATCH +b draft/multiline nobody").await;
    ann.send("@batch=b PRIVMSG nobody :x").await;
    ann.send("BATCH -b").await;
    let m = ann.message().await;
    assert_eq!((m.command.as_str(), m.tag("label")), ("401", Some(Some("q2"))));
    server.stop().await;
}

#[tokio::test]
async fn bad_batches_fail() {
    let server = TestServer::start().await;
    let mut ann = client(&server, "ann", true).await;
    ann.join("#f").await;
    let mut bob = client(&server, "bob", false).await;
    bob.join("#f").await;
    ann.sync().await;
    // A FAIL's command, code and context (its text left out).
    let fail = |m: &Message| {
        let mut v = vec![m.command.clone()];
        v.extend(m.params[..m.params.len() - 1].iter().cloned());
        v
    };

    // A line for another target.
    ann.send("BATCH +t draft/multiline #f").await;
    ann.send("@batch=t PRIVMSG #other :hi").await;
    ann.send("@batch=t PRIVMSG #f :dropped").await;
    ann.send("BATCH -t").await;
    let m = ann.message().await;
    assert_eq!(fail(&m), ["FAIL", "BATCH", "MULTILINE_INVALID_TARGET", "#f", "#other"]);
    ann.expect_nothing().await;

    // Too many lines: FAIL at the line that passes the limit.
    ann.send("BATCH +l draft/multiline #f").await;
    for _ in 0..101 {
        ann.send("@batch=l PRIVMSG #f hi").await;
    }
    let m = ann.message().await;
    assert_eq!(fail(&m), ["FAIL", "BATCH", "MULTILINE_MAX_LINES", "100"]);
    ann.send("BATCH -l").await;
    ann.expect_nothing().await;

    // Too many bytes.
    ann.send("@label=big BATCH +b draft/multiline #f").await;
    for _ in 0..11 {
        ann.send(&format!("@batch=b PRIVMSG #f {}", "x".repeat(400))).await;
    }
    let m = ann.message().await;
    assert_eq!(fail(&m), ["FAIL", "BATCH", "MULTILINE_MAX_BYTES", "4096"]);
    assert_eq!(m.tag("label"), Some(Some("big")), "the FAIL answers the batch's label");
    ann.send("BATCH -b").await;
    ann.expect_nothing().await;

    // A blank line with the concat tag; a batch of blank lines only.
    for body in [
        &["@batch=c PRIVMSG #f :hi", "@batch=c;draft/multiline-concat PRIVMSG #f :"][..],
        &["@batch=c PRIVMSG #f :"][..],
    ] {
        ann.send("BATCH +c draft/multiline #f").await;
        for line in body {
            ann.send(line).await;
        }
        ann.send("BATCH -c").await;
        let m = ann.message().await;
        assert_eq!(fail(&m), ["FAIL", "BATCH", "MULTILINE_INVALID"]);
        ann.expect_nothing().await;
    }

    // A line tagged for another batch.
    ann.send("BATCH +d draft/multiline #f").await;
    ann.send("@batch=zzz PRIVMSG #f :hi").await;
    let m = ann.message().await;
    assert_eq!(fail(&m), ["FAIL", "BATCH", "MULTILINE_INVALID"]);
    ann.send("BATCH -d").await;
    ann.expect_nothing().await;

    // Another command in the middle: the batch is dropped, the command runs.
    ann.send("BATCH +e draft/multiline #f").await;
    ann.send("@batch=e PRIVMSG #f :lost").await;
    ann.send("TOPIC #f").await;
    let m = ann.message().await;
    assert_eq!(fail(&m), ["FAIL", "BATCH", "MULTILINE_INVALID"]);
    assert_eq!(ann.message().await.command, "331");
    ann.send("BATCH -e").await;
    let m = ann.message().await;
    assert_eq!(fail(&m), ["FAIL", "BATCH", "MULTILINE_INVALID"]);

    // Without the capability, and an unknown batch type.
    bob.send("BATCH +x draft/multiline #f").await;
    let m = bob.message().await;
    assert_eq!(fail(&m), ["FAIL", "BATCH", "MULTILINE_INVALID"]);
    ann.send("BATCH +x netsplit #f").await;
    let m = ann.message().await;
    assert_eq!(fail(&m), ["FAIL", "BATCH", "UNKNOWN_TYPE", "netsplit"]);
    // Nothing of the failed batches reached the channel.
    bob.expect_nothing().await;
    server.stop().await;
}
