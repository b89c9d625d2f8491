//! Chat history: draft/chathistory over real sockets, across a restart,
//! paging over 10,000 messages, who may read what, replay on JOIN,
//! channel events played back as they were relayed, REDACT and retention.

mod common;

use common::{data_dir, params, test_config, TestClient, TestServer};
use hichat_proto::Message;
use std::collections::HashSet;
use std::path::PathBuf;
use std::time::Duration;

/// The capabilities a history client asks for.
const CAPS: &str = "batch server-time message-tags draft/chathistory";

async fn history_client(server: &TestServer, nick: &str) -> TestClient {
    let mut c = server.connect().await;
    c.register_with_caps(nick, CAPS).await;
    c
}

/// Sends a CHATHISTORY command and returns the lines of its batch (which
/// must come, opened with the given type).
async fn batch_of(c: &mut TestClient, command: &str, kind: &str) -> Vec<Message> {
    c.send(command).await;
    let (start, skipped) = c.expect_with("BATCH", |m| m.params[0].starts_with('+')).await;
    assert!(skipped.iter().all(|m| m.command != "FAIL"), "{skipped:?}");
    assert_eq!(start.params[1], kind, "{start:?}");
    let reference = start.params[0][1..].to_owned();
    let mut lines = Vec::new();
    loop {
        let m = c.message().await;
        if m.command == "BATCH" && m.params[0] == format!("-{reference}") {
            return lines;
        }
        assert_eq!(m.tag("batch"), Some(Some(reference.as_str())), "{m:?}");
        lines.push(m);
    }
}

async fn history(c: &mut TestClient, command: &str) -> Vec<Message> {
    batch_of(c, command, "chathistory").await
}

fn texts(lines: &[Message]) -> Vec<String> {
    lines.iter().map(|m| m.params.last().cloned().unwrap_or_default()).collect()
}

/// Registers `c`'s nick as an account and `channel` (which it joins) with
/// ChanServ: only a registered channel's history outlives the channel and
/// is read by members who joined after it was said.
async fn register_channel(c: &mut TestClient, channel: &str) {
    c.send("PRIVMSG NickServ :REGISTER hunter22").await;
    c.expect("900").await;
    c.join(channel).await;
    c.send(&format!("PRIVMSG ChanServ :REGISTER {channel}")).await;
    c.expect_with("NOTICE", |m| m.params[1].contains("registered to you")).await;
}

fn msgid(m: &Message) -> String {
    m.tag("msgid").flatten().expect("a msgid").to_owned()
}

#[tokio::test]
async fn a_message_survives_a_restart_with_its_msgid_and_time() {
    let dir = data_dir("restart");
    let server = TestServer::start_on(&dir).await;
    let mut ann = history_client(&server, "ann").await;
    register_channel(&mut ann, "#keep").await;
    let mut bob = server.client("bob").await;
    bob.join("#keep").await;
    bob.send("PRIVMSG #keep :said before the restart").await;
    let live = ann.expect("PRIVMSG").await;
    let (id, time) = (msgid(&live), live.tag("time").flatten().unwrap().to_owned());
    server.stop().await;

    let server = TestServer::start_on(&dir).await;
    let mut ann = history_client(&server, "ann").await;
    ann.join("#keep").await;
    let lines = history(&mut ann, "CHATHISTORY LATEST #keep * 10").await;
    let said: Vec<_> = lines.iter().filter(|m| m.command == "PRIVMSG").collect();
    assert_eq!(said.len(), 1, "{lines:?}");
    assert_eq!(msgid(said[0]), id);
    assert_eq!(said[0].tag("time"), Some(Some(time.as_str())));
    assert_eq!(params(said[0]), ["#keep", "said before the restart"]);
    assert!(said[0].source.as_deref().unwrap().starts_with("bob!"));
    server.stop().await;
    std::fs::remove_dir_all(&dir).unwrap();
}

#[tokio::test]
async fn isupport_and_errors() {
    let server = TestServer::start().await;
    let mut c = server.connect().await;
    c.send("NICK ann").await;
    c.send("USER ann 0 * :ann").await;
    let (_, burst) = c.expect_with("376", |_| true).await;
    let tokens: Vec<&str> =
        burst.iter().filter(|m| m.command == "005").flat_map(|m| m.params.iter().map(String::as_str)).collect();
    assert!(tokens.contains(&"CHATHISTORY=100"), "{tokens:?}");
    assert!(tokens.contains(&"MSGREFTYPES=msgid,timestamp"), "{tokens:?}");
    c.join("#mine").await;
    let mut other = server.client("bob").await;
    other.join("#theirs").await;
    for (command, expected) in [
        ("CHATHISTORY", vec!["CHATHISTORY", "NEED_MORE_PARAMS", "*"]),
        ("CHATHISTORY BEFORE #mine", vec!["CHATHISTORY", "NEED_MORE_PARAMS", "BEFORE"]),
        ("CHATHISTORY SIDEWAYS #mine * 10", vec!["CHATHISTORY", "UNKNOWN_COMMAND", "SIDEWAYS"]),
        ("CHATHISTORY LATEST #mine * 0", vec!["CHATHISTORY", "INVALID_PARAMS", "LATEST", "0"]),
        ("CHATHISTORY LATEST #mine * ten", vec!["CHATHISTORY", "INVALID_PARAMS", "LATEST", "ten"]),
        ("CHATHISTORY BEFORE #mine yesterday 10", vec!["CHATHISTORY", "INVALID_PARAMS", "BEFORE", "yesterday"]),
        (
            "CHATHISTORY BEFORE #mine timestamp=never 10",
            vec!["CHATHISTORY", "INVALID_PARAMS", "BEFORE", "timestamp=never"],
        ),
        (
            "CHATHISTORY TARGETS msgid=x timestamp=2020-01-01T00:00:00.000Z 5",
            vec!["CHATHISTORY", "INVALID_PARAMS", "TARGETS", "msgid=x"],
        ),
        // Not a member, or no such channel: the same answer.
        ("CHATHISTORY LATEST #theirs * 10", vec!["CHATHISTORY", "INVALID_TARGET", "LATEST", "#theirs"]),
        ("CHATHISTORY LATEST #nowhere * 10", vec!["CHATHISTORY", "INVALID_TARGET", "LATEST", "#nowhere"]),
        ("CHATHISTORY LATEST NickServ * 10", vec!["CHATHISTORY", "INVALID_TARGET", "LATEST", "NickServ"]),
    ] {
        c.send(command).await;
        let fail = c.expect("FAIL").await;
        assert_eq!(&params(&fail)[..expected.len()], expected.as_slice(), "{command}: {fail:?}");
    }
    // Nothing to read is an empty batch.
    let mut h = history_client(&server, "carl").await;
    h.join("#empty").await;
    assert!(history(&mut h, "CHATHISTORY LATEST #empty * 10").await.is_empty());
    assert!(history(&mut h, "CHATHISTORY BEFORE #empty msgid=NOSUCHID 10").await.is_empty());
    // A label goes on the batch.
    h.send("CAP REQ labeled-response").await;
    h.expect("CAP").await;
    h.send("@label=L1 CHATHISTORY LATEST #empty * 10").await;
    let start = h.expect("BATCH").await;
    assert_eq!(start.tag("label"), Some(Some("L1")));
    assert_eq!(start.params[1], "chathistory");
    server.stop().await;
}

/// Sends `n` messages to `channel` in one write, and waits until they are
/// all through (the sender's echo of the last).
async fn flood(c: &mut TestClient, channel: &str, n: usize) {
    let mut burst = String::new();
    for i in 0..n {
        burst.push_str(&format!("PRIVMSG {channel} :m{i}\r\n"));
    }
    c.send_raw(burst.as_bytes()).await;
    c.sync().await;
}

#[tokio::test]
async fn paging_over_ten_thousand_messages_returns_each_once() {
    const N: usize = 10_000;
    // The reader is sent all of them live before it reads any.
    let mut config = test_config();
    config.limits.sendq_bytes = 8 << 20;
    config.history.user_bytes_per_minute = 0;
    let server = TestServer::with_config(config).await;
    let mut sender = server.client("sender").await;
    sender.join("#big").await;
    // A member when it was said: an unregistered channel's history is read
    // by those who were there.
    let mut r = history_client(&server, "reader").await;
    r.join("#big").await;
    flood(&mut sender, "#big", N).await;
    r.sync().await;
    let expected: Vec<String> = (0..N).map(|i| format!("m{i}")).collect();
    let only_privmsg = |lines: Vec<Message>| lines.into_iter().filter(|m| m.command == "PRIVMSG").collect::<Vec<_>>();

    // Backwards with BEFORE from the latest page.
    let mut all: Vec<Message> = only_privmsg(history(&mut r, "CHATHISTORY LATEST #big * 100").await);
    let mut pages = 1;
    loop {
        let first = msgid(&all[0]);
        let page = only_privmsg(history(&mut r, &format!("CHATHISTORY BEFORE #big msgid={first} 100")).await);
        if page.is_empty() {
            break;
        }
        assert!(page.len() <= 100);
        pages += 1;
        all.splice(0..0, page);
    }
    assert!(pages > N / 100 - 1, "pages of at most 100");
    assert_eq!(texts(&all), expected, "BEFORE paging");
    let ids: Vec<String> = all.iter().map(msgid).collect();
    assert_eq!(ids.iter().collect::<HashSet<_>>().len(), N, "msgids are unique");

    // Forwards with AFTER from the beginning of time.
    let mut forward =
        only_privmsg(history(&mut r, "CHATHISTORY AFTER #big timestamp=2000-01-01T00:00:00.000Z 100").await);
    loop {
        let last = msgid(forward.last().unwrap());
        let page = only_privmsg(history(&mut r, &format!("CHATHISTORY AFTER #big msgid={last} 100")).await);
        if page.is_empty() {
            break;
        }
        forward.extend(page);
    }
    assert_eq!(texts(&forward), expected, "AFTER paging");

    // BETWEEN, forwards from the first message to far in the future (the
    // first itself excluded), and backwards from the future.
    let mut between = vec![all[0].clone()];
    loop {
        let last = msgid(between.last().unwrap());
        let cmd = format!("CHATHISTORY BETWEEN #big msgid={last} timestamp=2100-01-01T00:00:00.000Z 100");
        let page = only_privmsg(history(&mut r, &cmd).await);
        if page.is_empty() {
            break;
        }
        between.extend(page);
    }
    assert_eq!(texts(&between), expected, "BETWEEN forwards");
    let mut back: Vec<Message> = Vec::new();
    loop {
        let upper =
            back.first().map_or("timestamp=2100-01-01T00:00:00.000Z".to_owned(), |m| format!("msgid={}", msgid(m)));
        let cmd = format!("CHATHISTORY BETWEEN #big {upper} timestamp=2000-01-01T00:00:00.000Z 100");
        let page = only_privmsg(history(&mut r, &cmd).await);
        if page.is_empty() {
            break;
        }
        back.splice(0..0, page);
    }
    assert_eq!(texts(&back), expected, "BETWEEN backwards");

    // AROUND a message: half before it, it and the rest after.
    let around = history(&mut r, &format!("CHATHISTORY AROUND #big msgid={} 100", ids[5000])).await;
    assert_eq!(texts(&around), expected[4950..5050].to_vec());
    // LATEST after an anchor: the newest, but only after it.
    let latest = history(&mut r, &format!("CHATHISTORY LATEST #big msgid={} 100", ids[N - 4])).await;
    assert_eq!(texts(&latest), expected[N - 3..].to_vec());
    server.stop().await;
}

#[tokio::test]
async fn private_history_is_seen_only_by_its_two_parties() {
    let server = TestServer::start().await;
    let mut ann = history_client(&server, "ann").await;
    let mut bob = history_client(&server, "bob").await;
    let mut carl = history_client(&server, "carl").await;
    ann.send("PRIVMSG bob :just between us").await;
    bob.expect("PRIVMSG").await;
    bob.send("PRIVMSG ann :agreed").await;
    ann.expect("PRIVMSG").await;

    for (c, other) in [(&mut ann, "bob"), (&mut bob, "ann")] {
        let lines = history(c, &format!("CHATHISTORY LATEST {other} * 10")).await;
        assert_eq!(texts(&lines), ["just between us", "agreed"], "{}", c.nick);
        assert_eq!(params(&lines[0])[0], "bob");
        assert!(lines[0].source.as_deref().unwrap().starts_with("ann!"));
    }
    for target in ["ann", "bob"] {
        assert!(history(&mut carl, &format!("CHATHISTORY LATEST {target} * 10")).await.is_empty());
    }
    let targets = batch_of(
        &mut ann,
        "CHATHISTORY TARGETS timestamp=2000-01-01T00:00:00.000Z timestamp=2100-01-01T00:00:00.000Z 10",
        "draft/chathistory-targets",
    )
    .await;
    assert_eq!(targets.len(), 1, "{targets:?}");
    assert_eq!(params(&targets[0])[..2], ["TARGETS", "bob"]);
    let carl_targets = batch_of(
        &mut carl,
        "CHATHISTORY TARGETS timestamp=2000-01-01T00:00:00.000Z timestamp=2100-01-01T00:00:00.000Z 10",
        "draft/chathistory-targets",
    )
    .await;
    assert!(carl_targets.is_empty(), "{carl_targets:?}");

    // Whoever takes the nick next does not inherit the conversation.
    ann.send("QUIT").await;
    ann.read_to_close().await;
    let mut new_ann = history_client(&server, "ann").await;
    assert!(history(&mut new_ann, "CHATHISTORY LATEST bob * 10").await.is_empty());
    server.stop().await;
}

#[tokio::test]
async fn private_history_follows_an_account_to_another_connection() {
    let server = TestServer::start().await;
    let mut ann = history_client(&server, "ann").await;
    ann.send("PRIVMSG NickServ :REGISTER annpass1").await;
    ann.expect("900").await;
    let mut bob = history_client(&server, "bob").await;
    ann.send("PRIVMSG bob :remember this").await;
    bob.expect("PRIVMSG").await;
    ann.send("QUIT").await;
    ann.read_to_close().await;

    // Another nick, logged in to the same account, reads it.
    let mut other = history_client(&server, "annphone").await;
    other.send("PRIVMSG NickServ :IDENTIFY ann annpass1").await;
    other.expect("900").await;
    assert_eq!(texts(&history(&mut other, "CHATHISTORY LATEST bob * 10").await), ["remember this"]);
    // Messages to services were never stored.
    assert!(history(&mut other, "CHATHISTORY LATEST annphone * 10").await.is_empty());
    server.stop().await;
}

#[tokio::test]
async fn clients_without_chathistory_get_the_last_lines_on_join() {
    let server = TestServer::start().await;
    let mut ann = server.client("ann").await;
    register_channel(&mut ann, "#r").await;
    flood(&mut ann, "#r", 25).await;

    // With batch and server-time: a chathistory batch of the last 20.
    let mut tagged = server.connect().await;
    tagged.register_with_caps("tagged", "batch server-time").await;
    tagged.join("#r").await;
    let start = tagged.expect("BATCH").await;
    assert_eq!(params(&start)[1..], ["chathistory", "#r"]);
    let mut lines = Vec::new();
    loop {
        let m = tagged.message().await;
        if m.command == "BATCH" {
            break;
        }
        assert!(m.tag("time").flatten().is_some(), "{m:?}");
        assert!(m.tag("msgid").is_none(), "no msgid without message-tags: {m:?}");
        lines.push(m);
    }
    let expected: Vec<String> = (5..25).map(|i| format!("m{i}")).collect();
    assert_eq!(texts(&lines), expected);

    // Plain: NOTICEs from the server saying who said it when, never lines
    // that look live.
    let mut plain = server.client("plain").await;
    plain.join("#r").await;
    let mut got = Vec::new();
    for _ in 0..20 {
        let m = plain.expect("NOTICE").await;
        assert!(m.tags.is_empty(), "{m:?}");
        assert_eq!(m.source.as_deref(), Some(server.server.info.name.as_str()), "{m:?}");
        got.push(m.params[1].split_once(" <ann> ").expect("the nick in the text").1.to_owned());
    }
    assert_eq!(got, expected);
    plain.expect_nothing().await;

    // A client with draft/chathistory asks for itself.
    let mut asks = history_client(&server, "asks").await;
    asks.join("#r").await;
    asks.expect_nothing().await;
    server.stop().await;
}

/// After RENAME the channel's history is under its new name, shown as sent
/// there; the old name is no channel to ask about.
#[tokio::test]
async fn history_follows_a_renamed_channel() {
    let server = TestServer::start().await;
    let mut ann = server.connect().await;
    ann.register_with_caps("ann", &format!("{CAPS} draft/channel-rename")).await;
    ann.join("#old").await;
    ann.send("PRIVMSG #old :said before the rename").await;
    ann.send("RENAME #old #new :better name").await;
    ann.expect("RENAME").await;
    ann.sync().await;
    let lines = history(&mut ann, "CHATHISTORY LATEST #new * 10").await;
    assert_eq!(texts(&lines), ["said before the rename"]);
    assert_eq!(params(&lines[0])[0], "#new");
    ann.send("CHATHISTORY LATEST #old * 10").await;
    assert_eq!(params(&ann.expect("FAIL").await)[..3], ["CHATHISTORY", "INVALID_TARGET", "LATEST"]);
    server.stop().await;
}

#[tokio::test]
async fn redact_removes_a_message_from_history() {
    let server = TestServer::start().await;
    let mut ann = server.connect().await;
    ann.register_with_caps("ann", &format!("{CAPS} echo-message draft/message-redaction")).await;
    ann.join("#red").await;
    ann.send("PRIVMSG #red :oops").await;
    let oops = msgid(&ann.expect("PRIVMSG").await);
    ann.send("PRIVMSG #red :fine").await;
    ann.expect("PRIVMSG").await;
    ann.send(&format!("REDACT #red {oops} :typo")).await;
    ann.sync().await;
    let lines = history(&mut ann, "CHATHISTORY LATEST #red * 10").await;
    assert_eq!(texts(&lines), ["fine"]);
    server.stop().await;
}

#[tokio::test]
async fn event_playback_only_for_clients_that_ask() {
    let server = TestServer::start().await;
    let mut ann = server.connect().await;
    ann.register_with_caps("ann", &format!("{CAPS} draft/event-playback extended-join")).await;
    ann.join("#ev").await;
    ann.send("TOPIC #ev :a topic").await;
    ann.sync().await;
    let mut bob = server.client("bob").await;
    bob.join("#ev").await;
    let mut carl = history_client(&server, "carl").await;
    carl.join("#ev").await;
    bob.send("PRIVMSG #ev :hello").await;
    bob.send("PART #ev :bye").await;
    ann.expect("PART").await;
    carl.expect("PART").await;
    let lines = history(&mut ann, "CHATHISTORY LATEST #ev * 10").await;
    let got: Vec<(&str, Vec<&str>)> = lines.iter().map(|m| (m.command.as_str(), params(m))).collect();
    assert_eq!(
        got,
        [
            ("JOIN", vec!["#ev", "*", "ann test"]),
            ("TOPIC", vec!["#ev", "a topic"]),
            ("JOIN", vec!["#ev", "*", "bob test"]),
            ("JOIN", vec!["#ev", "*", "carl test"]),
            ("PRIVMSG", vec!["#ev", "hello"]),
            ("PART", vec!["#ev", "bye"]),
        ]
    );
    let lines = history(&mut carl, "CHATHISTORY LATEST #ev * 10").await;
    assert_eq!(lines.iter().map(|m| m.command.as_str()).collect::<Vec<_>>(), ["PRIVMSG"]);
    server.stop().await;
}

/// What a client with message-tags and server-time was shown of a line:
/// its command, msgid and time.
fn stamp(m: &Message) -> (String, String, String) {
    (m.command.clone(), msgid(m), m.tag("time").flatten().expect("a time").to_owned())
}

/// The next `command` a client is sent about channel `channel`.
async fn next_in(c: &mut TestClient, command: &str, channel: &str) -> Message {
    c.expect_with(command, |m| m.params.first().map(String::as_str) == Some(channel)).await.0
}

#[tokio::test]
async fn events_seen_live_are_played_back_with_the_same_msgid_and_time() {
    let server = TestServer::start().await;
    let mut ann = server.connect().await;
    ann.register_with_caps("ann", &format!("{CAPS} draft/event-playback extended-join")).await;
    // carl reads tags without extended-join: the other form of each JOIN.
    let mut carl = server.connect().await;
    carl.register_with_caps("carl", "message-tags server-time").await;
    let mut bob = server.client("bob").await;
    let mut dave = server.client("dave").await;
    // What ann is shown in #ids, in order.
    let mut live = Vec::new();
    ann.send("JOIN #ids").await;
    live.push(stamp(&next_in(&mut ann, "JOIN", "#ids").await));
    ann.send("JOIN #ids2").await;
    let ann_ids2 = stamp(&next_in(&mut ann, "JOIN", "#ids2").await);

    carl.send("JOIN #ids").await;
    let (seen, own) = (next_in(&mut ann, "JOIN", "#ids").await, next_in(&mut carl, "JOIN", "#ids").await);
    assert_eq!((params(&seen), params(&own)), (vec!["#ids", "*", "carl test"], vec!["#ids"]));
    assert_eq!(stamp(&seen), stamp(&own), "one JOIN, one msgid, in either form");
    live.push(stamp(&seen));
    bob.join("#ids").await;
    live.push(stamp(&next_in(&mut ann, "JOIN", "#ids").await));

    ann.send("TOPIC #ids :about ids").await;
    live.push(stamp(&next_in(&mut ann, "TOPIC", "#ids").await));
    assert_eq!(stamp(&carl.expect("TOPIC").await), live[3], "everyone sees one msgid");
    ann.send("MODE #ids +v bob").await;
    live.push(stamp(&next_in(&mut ann, "MODE", "#ids").await));
    carl.send("NICK Carlos").await;
    live.push(stamp(&ann.expect("NICK").await));
    assert_eq!(stamp(&carl.expect("NICK").await), live[5], "the sender's own NICK");
    ann.send("KICK #ids bob :out").await;
    live.push(stamp(&next_in(&mut ann, "KICK", "#ids").await));
    carl.send("PART #ids :bye").await;
    live.push(stamp(&next_in(&mut ann, "PART", "#ids").await));
    assert_eq!(stamp(&carl.expect("PART").await), live[7], "the sender's own PART");
    // dave quits from two channels ann is in: one QUIT, one msgid.
    dave.send("JOIN #ids,#ids2").await;
    live.push(stamp(&next_in(&mut ann, "JOIN", "#ids").await));
    let dave_ids2 = stamp(&next_in(&mut ann, "JOIN", "#ids2").await);
    dave.send("QUIT :gone").await;
    live.push(stamp(&ann.expect("QUIT").await));

    let commands: Vec<&str> = live.iter().map(|(c, _, _)| c.as_str()).collect();
    assert_eq!(commands, ["JOIN", "JOIN", "JOIN", "TOPIC", "MODE", "NICK", "KICK", "PART", "JOIN", "QUIT"]);
    assert_eq!(live.iter().map(|(_, id, _)| id).collect::<HashSet<_>>().len(), live.len());
    let played: Vec<_> = history(&mut ann, "CHATHISTORY LATEST #ids * 50").await.iter().map(stamp).collect();
    assert_eq!(played, live);
    let played: Vec<_> = history(&mut ann, "CHATHISTORY LATEST #ids2 * 50").await.iter().map(stamp).collect();
    assert_eq!(played, [ann_ids2, dave_ids2, live[9].clone()]);
    server.stop().await;
}

#[tokio::test]
async fn targets_show_nicks_as_their_users_spell_them() {
    let server = TestServer::start().await;
    let mut alice = history_client(&server, "Alice").await;
    let mut bob = history_client(&server, "Bob").await;
    alice.send("PRIVMSG bob :hi").await;
    bob.expect("PRIVMSG").await;
    const TARGETS: &str =
        "CHATHISTORY TARGETS timestamp=2000-01-01T00:00:00.000Z timestamp=2100-01-01T00:00:00.000Z 10";
    let names = |lines: Vec<Message>| lines.iter().map(|m| m.params[1].clone()).collect::<Vec<_>>();
    // Spelled as the sender typed it (`bob`) or not: the user's own spelling.
    assert_eq!(names(batch_of(&mut alice, TARGETS, "draft/chathistory-targets").await), ["Bob"]);
    assert_eq!(names(batch_of(&mut bob, TARGETS, "draft/chathistory-targets").await), ["Alice"]);
    // Gone, Alice is shown as her line spelled her; online again under
    // another spelling, as she spells it now.
    alice.send("QUIT").await;
    alice.read_to_close().await;
    assert_eq!(names(batch_of(&mut bob, TARGETS, "draft/chathistory-targets").await), ["Alice"]);
    let _alice = server.client("ALICE").await;
    assert_eq!(names(batch_of(&mut bob, TARGETS, "draft/chathistory-targets").await), ["ALICE"]);
    server.stop().await;
}

#[tokio::test]
async fn retention_prunes_old_lines() {
    let mut config = test_config();
    config.history.max_messages = 5;
    config.history.prune_interval_secs = 1;
    let server = TestServer::with_config(config).await;
    let mut ann = history_client(&server, "ann").await;
    ann.join("#short").await;
    flood(&mut ann, "#short", 12).await;
    // Pruning runs every second: wait (boundedly) until it has.
    let mut kept = Vec::new();
    for _ in 0..50 {
        kept = texts(&history(&mut ann, "CHATHISTORY LATEST #short * 100").await);
        if kept.len() <= 5 {
            break;
        }
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
    assert_eq!(kept, ["m7", "m8", "m9", "m10", "m11"]);
    server.stop().await;
}

#[tokio::test]
async fn a_registered_channel_keeps_its_own_retention() {
    let dir = data_dir("channel-retention");
    let start = |dir: PathBuf| async move {
        TestServer::start_on_with(&dir, |config| config.history.prune_interval_secs = 1).await
    };
    let server = start(dir.clone()).await;
    let mut ann = history_client(&server, "ann").await;
    ann.send("PRIVMSG NickServ :REGISTER annpass1").await;
    ann.expect("900").await;
    ann.join("#own").await;
    ann.send("PRIVMSG ChanServ :REGISTER #own").await;
    ann.expect_with("NOTICE", |m| m.params[1].contains("registered to you")).await;
    for bad in ["HISTORY", "HISTORY 5", "HISTORY many 1d", "HISTORY 5 1y"] {
        ann.send(&format!("PRIVMSG ChanServ :SET #own {bad}")).await;
        ann.expect_with("NOTICE", |m| m.params[1].starts_with("Usage: SET <#channel> HISTORY")).await;
    }
    ann.send("PRIVMSG ChanServ :SET #own HISTORY 3 30d").await;
    ann.expect_with("NOTICE", |m| m.params[1].contains("keeps 3 lines of history")).await;
    server.stop().await;

    // Kept across a restart, and applied.
    let server = start(dir.clone()).await;
    let mut ann = history_client(&server, "ann").await;
    ann.send("PRIVMSG NickServ :IDENTIFY ann annpass1").await;
    ann.expect("900").await;
    ann.join("#own").await;
    flood(&mut ann, "#own", 10).await;
    let mut kept = Vec::new();
    for _ in 0..50 {
        kept = texts(&history(&mut ann, "CHATHISTORY LATEST #own * 100").await);
        if kept.len() <= 3 {
            break;
        }
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
    assert_eq!(kept, ["m7", "m8", "m9"]);
    server.stop().await;
    std::fs::remove_dir_all(&dir).unwrap();
}
