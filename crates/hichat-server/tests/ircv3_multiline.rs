//! IRCv3 draft/multiline on raw lines: the cap value with its limits, a
//! batch relayed as a batch to clients with the capability and as separate
//! lines to the rest, echo-message with labeled-response, and the FAIL
//! replies for bad batches.

mod common;
use common::{commands, params, TestClient, TestServer};
use hichat_proto::Message;
use std::collections::HashSet;

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
    let caps = c.cap_ls(Some("302")).await;
    assert!(caps.iter().any(|c| c == "draft/multiline=max-bytes=4096,max-lines=100"), "{caps:?}");
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

// ---- history: a multiline message stored as one, played back as relayed

const HISTORY_CAPS: &str = "message-tags batch echo-message server-time draft/chathistory";

async fn client_with(server: &TestServer, nick: &str, caps: &str) -> TestClient {
    let mut c = server.connect().await;
    c.register_with_caps(nick, caps).await;
    c
}

/// Each line's text and whether it is concatenated to the one before.
fn shape(lines: &[Message]) -> Vec<(String, bool)> {
    lines.iter().map(|m| (m.params[1].clone(), m.tag("draft/multiline-concat").is_some())).collect()
}

/// Sends `command` (if any) and reads the reply batch of `kind`: its
/// reference and the lines in it, each checked to fit 512 bytes.
async fn reply_batch(c: &mut TestClient, command: Option<&str>, kind: &str) -> (String, Vec<Message>) {
    if let Some(command) = command {
        c.send(command).await;
    }
    let (start, _) = c.expect_with("BATCH", |m| m.params.get(1).is_some_and(|t| t == kind)).await;
    let outer = start.params[0].strip_prefix('+').expect("a batch start").to_owned();
    let mut lines = Vec::new();
    loop {
        let raw = c.line().await.expect("the rest of the batch");
        let untagged = if raw.starts_with('@') { raw.split_once(' ').unwrap().1 } else { raw.as_str() };
        assert!(untagged.len() + 2 <= 512, "{} bytes: {raw}", untagged.len() + 2);
        let m = Message::parse(&raw).unwrap();
        if m.command == "BATCH" && m.params[0] == format!("-{outer}") {
            return (outer, lines);
        }
        lines.push(m);
    }
}

/// The one multiline batch nested in batch `outer`: its start and lines.
fn nested(lines: &[Message], outer: &str) -> (Message, Vec<Message>) {
    let (start, end) = (&lines[0], &lines[lines.len() - 1]);
    assert_eq!((start.command.as_str(), &start.params[1]), ("BATCH", &"draft/multiline".to_owned()), "{lines:?}");
    let inner = start.params[0].strip_prefix('+').unwrap();
    // The nested batch's start and end both carry the outer batch's tag.
    assert_eq!(start.tag("batch"), Some(Some(outer)));
    assert_eq!((params(end), end.tag("batch")), (vec![format!("-{inner}").as_str()], Some(Some(outer))));
    let body = &lines[1..lines.len() - 1];
    for m in body {
        assert_eq!(m.tag("batch"), Some(Some(inner)), "{m:?}");
        assert!(m.tag("msgid").is_none() && m.tag("time").is_none(), "{m:?}");
    }
    (start.clone(), body.to_vec())
}

/// Checks lines played back to a client without draft/multiline against
/// the live message `shown`: its non-blank lines, the msgid on the first,
/// the time on each, all in batch `outer`.
fn check_fallback(lines: &[Message], outer: &str, shown: &[(String, bool)], msgid: &str, time: &str) {
    let texts: Vec<&str> = lines.iter().map(|m| m.params[1].as_str()).collect();
    let expected: Vec<&str> = shown.iter().map(|(t, _)| t.as_str()).filter(|t| !t.is_empty()).collect();
    assert_eq!(texts, expected);
    let ids: Vec<_> = lines.iter().map(|m| m.tag("msgid").flatten()).collect();
    let mut want = vec![None; lines.len()];
    want[0] = Some(msgid);
    assert_eq!(ids, want);
    for m in lines {
        assert_eq!((m.command.as_str(), m.tag("batch")), ("PRIVMSG", Some(Some(outer))));
        assert_eq!(m.tag("time"), Some(Some(time)));
        assert!(m.tag("draft/multiline-concat").is_none(), "{m:?}");
    }
}

#[tokio::test]
async fn a_channel_multiline_message_is_played_back_after_a_restart() {
    let dir = common::data_dir("restart");
    let server = TestServer::start_on(&dir).await;
    let mut ann = client(&server, "ann", true).await;
    // Registered: an unregistered channel's history ends with it.
    ann.send("PRIVMSG NickServ :REGISTER hunter22").await;
    ann.expect("900").await;
    ann.join("#hist").await;
    ann.send("PRIVMSG ChanServ :REGISTER #hist").await;
    ann.expect_with("NOTICE", |m| m.params[1].contains("registered to you")).await;
    ann.sync().await;
    // Its last line is as long as ann may send, too long to relay in one.
    let long = "lorem ".repeat(82);
    ann.send("@+draft/reply=abc BATCH +h draft/multiline #hist").await;
    for line in ["first line", "", "how is "] {
        ann.send(&format!("@batch=h PRIVMSG #hist :{line}")).await;
    }
    ann.send("@batch=h;draft/multiline-concat PRIVMSG #hist :everyone?").await;
    ann.send(&format!("@batch=h PRIVMSG #hist :{long}")).await;
    ann.send("BATCH -h").await;
    let (start, live, _) = read_batch(&mut ann).await;
    let msgid = start.tag("msgid").flatten().unwrap().to_owned();
    let time = start.tag("time").flatten().unwrap().to_owned();
    let shown = shape(&live);
    let first: Vec<_> = shown[..4].iter().map(|(t, c)| (t.as_str(), *c)).collect();
    assert_eq!(first, [("first line", false), ("", false), ("how is ", false), ("everyone?", true)]);
    assert_eq!(shown[4..].iter().map(|(t, _)| t.as_str()).collect::<String>(), long);
    assert_eq!(shown.len(), 6, "the long line is cut in two: {shown:?}");
    server.stop().await;

    let server = TestServer::start_on(&dir).await;
    // With draft/multiline: the batch, nested in the chathistory batch.
    let mut mia = client_with(&server, "mia", &format!("{HISTORY_CAPS} draft/multiline")).await;
    mia.join("#hist").await;
    for command in ["CHATHISTORY LATEST #hist * 10", &format!("CHATHISTORY AROUND #hist msgid={msgid} 3")] {
        let (outer, lines) = reply_batch(&mut mia, Some(command), "chathistory").await;
        let (start, body) = nested(&lines, &outer);
        assert_eq!(start.source.as_deref(), Some("ann!ann@127.0.0.1"));
        assert_eq!(start.params[1..], ["draft/multiline", "#hist"]);
        assert_eq!(start.tag("msgid"), Some(Some(msgid.as_str())));
        assert_eq!(start.tag("time"), Some(Some(time.as_str())));
        assert_eq!(start.tag("+draft/reply"), Some(Some("abc")));
        assert_eq!(shape(&body), shown);
    }
    // Without: the lines the live relay sends, in the chathistory batch.
    let mut pat = client_with(&server, "pat", HISTORY_CAPS).await;
    pat.join("#hist").await;
    let (outer, lines) = reply_batch(&mut pat, Some("CHATHISTORY LATEST #hist * 10"), "chathistory").await;
    check_fallback(&lines, &outer, &shown, &msgid, &time);
    // Replay on join (clients without draft/chathistory), both ways.
    let mut dan = client(&server, "dan", true).await;
    let (outer, lines) = reply_batch(&mut dan, Some("JOIN #hist"), "chathistory").await;
    let (start, body) = nested(&lines, &outer);
    assert_eq!((start.tag("msgid"), shape(&body)), (Some(Some(msgid.as_str())), shown.clone()));
    let mut eve = client(&server, "eve", false).await;
    let (outer, lines) = reply_batch(&mut eve, Some("JOIN #hist"), "chathistory").await;
    check_fallback(&lines, &outer, &shown, &msgid, &time);
    server.stop().await;
    std::fs::remove_dir_all(&dir).unwrap();
}

#[tokio::test]
async fn a_private_multiline_message_is_the_two_parties_history_until_redacted() {
    let server = TestServer::start().await;
    let caps = format!("{HISTORY_CAPS} draft/multiline draft/message-redaction");
    let mut ann = client_with(&server, "ann", &caps).await;
    let mut bob = client_with(&server, "bob", &caps).await;
    let mut cat = client_with(&server, "cat", &caps).await;
    ann.send("BATCH +p draft/multiline bob").await;
    ann.send("@batch=p PRIVMSG bob :just between").await;
    ann.send("@batch=p PRIVMSG bob :the two of us").await;
    ann.send("BATCH -p").await;
    let (start, live, _) = read_batch(&mut ann).await;
    let msgid = start.tag("msgid").flatten().unwrap().to_owned();
    read_batch(&mut bob).await;

    for (c, other) in [(&mut ann, "bob"), (&mut bob, "ann")] {
        let (outer, lines) = reply_batch(c, Some(&format!("CHATHISTORY LATEST {other} * 10")), "chathistory").await;
        let (start, body) = nested(&lines, &outer);
        assert_eq!(start.params[1..], ["draft/multiline", "bob"]);
        assert_eq!((start.tag("msgid"), shape(&body)), (Some(Some(msgid.as_str())), shape(&live)));
    }
    for other in ["ann", "bob"] {
        let (_, lines) = reply_batch(&mut cat, Some(&format!("CHATHISTORY LATEST {other} * 10")), "chathistory").await;
        assert!(lines.is_empty(), "{lines:?}");
    }

    // REDACT of the batch's msgid deletes the stored message.
    ann.send(&format!("REDACT bob {msgid}")).await;
    assert_eq!(params(&bob.expect("REDACT").await), ["bob", msgid.as_str()]);
    let (_, lines) = reply_batch(&mut bob, Some("CHATHISTORY LATEST ann * 10"), "chathistory").await;
    assert!(lines.is_empty(), "{lines:?}");
    server.stop().await;
}

#[tokio::test]
async fn search_finds_a_multiline_message_by_its_second_line() {
    let server = TestServer::start().await;
    let mut ann = client_with(&server, "ann", &format!("{BASE} draft/multiline draft/search")).await;
    let mut bob = client_with(&server, "bob", &format!("{BASE} draft/search")).await;
    ann.join("#s").await;
    bob.join("#s").await;
    ann.sync().await;
    // `walrus` only once the concatenated line is joined to the one before.
    ann.send("BATCH +s draft/multiline #s").await;
    ann.send("@batch=s PRIVMSG #s :the first line").await;
    ann.send("@batch=s PRIVMSG #s :a wal").await;
    ann.send("@batch=s;draft/multiline-concat PRIVMSG #s :rus on the second").await;
    ann.send("BATCH -s").await;
    let (start, live, _) = read_batch(&mut ann).await;
    let msgid = start.tag("msgid").flatten().unwrap().to_owned();
    let time = start.tag("time").flatten().unwrap().to_owned();
    bob.sync().await;
    let store = server.server.store.clone();
    tokio::task::spawn_blocking(move || store.flush().wait()).await.unwrap().unwrap();

    let (outer, lines) = reply_batch(&mut ann, Some("SEARCH walrus"), "draft/search").await;
    let (start, body) = nested(&lines, &outer);
    assert_eq!((start.tag("msgid"), shape(&body)), (Some(Some(msgid.as_str())), shape(&live)));
    let (outer, lines) = reply_batch(&mut bob, Some("SEARCH text=walrus"), "draft/search").await;
    check_fallback(&lines, &outer, &shape(&live), &msgid, &time);
    // HistServ: one NOTICE, its line breaks shown.
    bob.send("PRIVMSG HistServ :search walrus").await;
    let (found, _) = bob.expect_with("NOTICE", |m| m.params[1].contains(&msgid)).await;
    assert!(found.params[1].contains("<ann> the first line ↵ a walrus on the second"), "{found:?}");
    server.stop().await;
}

#[tokio::test]
async fn history_of_big_multiline_messages_pages_within_the_send_queue() {
    let mut config = common::test_config();
    config.limits.sendq_bytes = 64 * 1024;
    let server = TestServer::with_config(config).await;
    let mut ann = client_with(&server, "ann", "batch draft/multiline").await;
    ann.join("#big").await;
    // The reader is a member when they are said (reading each as it comes).
    let mut pat = client_with(&server, "pat", HISTORY_CAPS).await;
    pat.join("#big").await;
    // Twelve messages of 50 lines: about 6 KB each once played back, more
    // together than the reader's send queue holds.
    let text = "z".repeat(60);
    for i in 0..12 {
        ann.send(&format!("BATCH +m{i} draft/multiline #big")).await;
        for _ in 0..50 {
            ann.send(&format!("@batch=m{i} PRIVMSG #big {text}")).await;
        }
        ann.send(&format!("BATCH -m{i}")).await;
        ann.sync().await;
        pat.sync().await;
    }

    // A reader without draft/multiline pages back to the first message:
    // each page fits, and every message comes once, in order.
    let mut seen: Vec<(String, String)> = Vec::new();
    let mut command = "CHATHISTORY LATEST #big * 100".to_owned();
    loop {
        let (_, lines) = reply_batch(&mut pat, Some(&command), "chathistory").await;
        let bytes: usize = lines.iter().map(|m| m.to_string().len() + 2).sum();
        assert!(bytes <= 16 * 1024, "{bytes} bytes in one page");
        let page: Vec<(String, String)> =
            lines.iter().filter_map(|m| Some((m.tag("time")??.to_owned(), m.tag("msgid")??.to_owned()))).collect();
        let Some((_, oldest)) = page.first().cloned() else { break };
        assert!(page.len() < 12, "the page was cut");
        assert_eq!(lines.len(), page.len() * 50, "whole messages only");
        seen.splice(0..0, page);
        command = format!("CHATHISTORY BEFORE #big msgid={oldest} 100");
    }
    let ids: HashSet<&String> = seen.iter().map(|(_, id)| id).collect();
    assert_eq!((seen.len(), ids.len()), (12, 12), "each message once");
    assert!(seen.windows(2).all(|w| w[0].0 <= w[1].0), "oldest first");
    server.stop().await;
}
