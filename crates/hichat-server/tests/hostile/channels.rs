//! Hostile: channels. List queries, invitations, renames of registered
//! channels, secret channels and WHO masks (issue 15, findings 2, 7, 8, 13
//! and 16).

use crate::common::{commands, params, test_config, TestClient, TestServer};
use std::time::{Duration, Instant};

/// The loose bound on an unrelated client's PING round trip during an
/// attack: the stalls found took seconds; a healthy server takes well under
/// a millisecond.
const STALL: Duration = Duration::from_millis(200);

/// `ann` in `#c` as its operator, with `n` bans of about 380 bytes each.
async fn channel_with_bans(server: &TestServer, n: usize) -> TestClient {
    let mut ann = server.client("ann").await;
    ann.join("#c").await;
    for i in 0..n {
        ann.send(&format!("MODE #c +b {i:03}{}!*@*", "x".repeat(380))).await;
    }
    let lines = ann.sync().await;
    assert_eq!(lines.iter().filter(|m| m.command == "MODE").count(), n, "{:?}", commands(&lines));
    ann
}

/// The longest PING round trip of `bystander` over a few pings.
async fn worst_ping(bystander: &mut TestClient) -> Duration {
    let mut worst = Duration::ZERO;
    for _ in 0..5 {
        let t = Instant::now();
        bystander.sync().await;
        worst = worst.max(t.elapsed());
    }
    worst
}

/// Sends `line` from each of `attackers` at once, then times a bystander's
/// PING while the server works through them.
async fn ping_during(attackers: &mut [TestClient], line: &str, bystander: &mut TestClient) -> Duration {
    for a in attackers.iter_mut() {
        a.send(line).await;
    }
    worst_ping(bystander).await
}

#[tokio::test]
async fn a_list_query_repeated_in_one_mode_line_is_answered_once() {
    let server = TestServer::start().await;
    let _ann = channel_with_bans(&server, 100).await;
    let mut mallory = server.client("mallory").await;
    mallory.join("#c").await;
    // 495 `b`s: once the ban list, not 495 times.
    mallory.send(&format!("MODE #c {}", "b".repeat(495))).await;
    let lines = mallory.sync().await;
    assert_eq!(lines.iter().filter(|m| m.command == "367").count(), 100);
    assert_eq!(lines.iter().filter(|m| m.command == "368").count(), 1, "{:?}", commands(&lines));
    // Queries count against MODES=4: a fifth list query is not answered.
    mallory.send("MODE #c beIbe").await;
    let ends: Vec<String> =
        mallory.sync().await.iter().filter(|m| m.command.starts_with("3")).map(|m| m.command.clone()).collect();
    assert_eq!(ends.iter().filter(|c| *c == "368").count(), 1, "{ends:?}");
    assert_eq!(ends.iter().filter(|c| *c == "349").count(), 1, "{ends:?}");
    assert_eq!(ends.iter().filter(|c| *c == "347").count(), 1, "{ends:?}");
    server.stop().await;
}

#[tokio::test]
async fn mode_list_floods_do_not_stall_others() {
    let server = TestServer::start().await;
    let _ann = channel_with_bans(&server, 100).await;
    let mut bystander = server.client("bystander").await;
    let mut attackers = Vec::new();
    for i in 0..8 {
        let mut a = TestClient::connect(&server.addr).await;
        if i % 2 == 0 {
            a.register(&format!("plain{i}")).await;
        } else {
            // Labeled: the response is gathered before it is sent.
            a.register_with_caps(&format!("labeled{i}"), "labeled-response batch").await;
        }
        a.join("#c").await;
        attackers.push(a);
    }
    let line = format!("@label=x MODE #c {}", "b".repeat(480));
    let worst = ping_during(&mut attackers, &line, &mut bystander).await;
    assert!(worst < STALL, "a PING took {worst:?} during the attack");
    for a in &mut attackers {
        let lines = a.sync().await;
        assert_eq!(lines.iter().filter(|m| m.command == "368").count(), 1, "{}", a.nick);
    }
    server.stop().await;
}

#[tokio::test]
async fn a_labeled_response_obeys_the_send_queue() {
    let mut config = test_config();
    config.limits.sendq_bytes = 16 * 1024;
    let server = TestServer::with_config(config).await;
    // 100 bans of ~400 bytes: ~40 KB of ban list, more than the 16 KB sendq.
    let _ann = channel_with_bans(&server, 100).await;
    let mut mallory = TestClient::connect(&server.addr).await;
    mallory.register_with_caps("mallory", "labeled-response batch").await;
    mallory.join("#c").await;
    mallory.send("@label=big MODE #c b").await;
    // Dropped as for any other send past the sendq, without the response.
    let lines = mallory.read_to_close().await;
    assert!(lines.iter().all(|l| !l.contains(" 367 ") && !l.contains(" 368 ")), "{lines:?}");
    assert!(lines.last().is_some_and(|l| l.starts_with("ERROR") && l.contains("SendQ exceeded")), "{lines:?}");
    assert!(server.server.state().find_nick("mallory").is_none());
    server.stop().await;
}

#[tokio::test]
async fn a_non_operators_invite_does_not_beat_a_ban() {
    let server = TestServer::start().await;
    let mut ann = server.client("ann").await;
    ann.join("#c").await;
    ann.send("MODE #c +b mallory!*@*").await;
    ann.expect("MODE").await;
    let mut bob = server.client("bob").await;
    bob.join("#c").await;
    let mut mallory = server.client("mallory").await;
    bob.send("INVITE mallory #c").await;
    bob.expect("341").await;
    mallory.expect("INVITE").await;
    mallory.send("JOIN #c").await;
    assert_eq!(mallory.expect("474").await.params[1], "#c");
    // An operator's invitation does let the user past the ban.
    ann.send("INVITE mallory #c").await;
    ann.expect("341").await;
    mallory.join("#c").await;
    server.stop().await;
}

#[tokio::test]
async fn an_invite_dies_with_its_channel() {
    let server = TestServer::start().await;
    let mut alice = server.client("alice").await;
    alice.join("#priv").await;
    alice.send("MODE #priv +i").await;
    alice.expect("MODE").await;
    let mut mallory = server.client("mallory").await;
    alice.send("INVITE mallory #priv").await;
    alice.expect("341").await;
    alice.send("PART #priv").await;
    alice.expect("PART").await;
    // Someone else creates a new #priv, closed to everyone.
    let mut carol = server.client("carol").await;
    carol.join("#priv").await;
    carol.send("MODE #priv +ib *!*@*").await;
    carol.expect("MODE").await;
    mallory.sync().await;
    mallory.send("JOIN #priv").await;
    let refused = mallory.message().await;
    assert!(["473", "474"].contains(&refused.command.as_str()), "{refused:?}");
    mallory.send("INVITE").await;
    assert_eq!(commands(&mallory.sync().await), ["337"]);
    server.stop().await;
}

#[tokio::test]
async fn invites_are_bounded_per_user() {
    let server = TestServer::start().await;
    let mut ann = server.client("ann").await;
    let mut eve = server.client("eve").await;
    for i in 0..20 {
        ann.join(&format!("#c{i}")).await;
        ann.send(&format!("MODE #c{i} +i")).await;
        ann.send(&format!("INVITE eve #c{i}")).await;
    }
    ann.sync().await;
    eve.sync().await;
    eve.send("INVITE").await;
    let listed = eve.sync().await;
    let listed: Vec<&str> = listed.iter().filter(|m| m.command == "336").map(|m| m.params[1].as_str()).collect();
    assert_eq!(listed.len(), 16, "{listed:?}");
    assert_eq!(listed[0], "#c4");
    // The oldest invitations were forgotten, the newest hold.
    eve.send("JOIN #c0").await;
    assert_eq!(eve.expect("473").await.params[1], "#c0");
    eve.join("#c19").await;
    server.stop().await;
}

#[tokio::test]
async fn an_operator_cannot_rename_away_a_registered_channel() {
    let server = TestServer::start().await;
    let mut ann = server.client("ann").await;
    ann.send("PRIVMSG NickServ :REGISTER long-enough-pass").await;
    ann.expect("900").await;
    ann.join("#reg").await;
    ann.send("PRIVMSG ChanServ :REGISTER #reg").await;
    ann.expect_with("NOTICE", |m| m.params[1].contains("registered")).await;
    let mut thief = server.client("thief").await;
    thief.join("#reg").await;
    ann.send("MODE #reg +o thief").await;
    thief.expect("MODE").await;
    thief.send("RENAME #reg #junk :mine now").await;
    let fail = thief.expect("FAIL").await;
    assert_eq!(params(&fail)[..3], ["RENAME", "CANNOT_RENAME", "#reg"]);
    thief.send("PRIVMSG ChanServ :INFO #reg").await;
    let info: Vec<String> = thief.sync().await.iter().map(|m| m.params[1].clone()).collect();
    assert!(info.iter().any(|t| t == "Founder: ann"), "{info:?}");
    // The founder may rename it, and the registration follows.
    ann.send("RENAME #reg #new").await;
    ann.expect("JOIN").await;
    ann.send("PRIVMSG ChanServ :INFO #new").await;
    let info: Vec<String> = ann.sync().await.iter().map(|m| m.params.get(1).cloned().unwrap_or_default()).collect();
    assert!(info.iter().any(|t| t == "Founder: ann"), "{info:?}");
    server.stop().await;
}

#[tokio::test]
async fn a_secret_channel_does_not_exist_for_outsiders() {
    let server = TestServer::start().await;
    let mut alice = server.client("alice").await;
    alice.send("PRIVMSG NickServ :REGISTER long-enough-pass").await;
    alice.expect("900").await;
    alice.join("#hidden").await;
    alice.send("PRIVMSG ChanServ :REGISTER #hidden").await;
    alice.expect_with("NOTICE", |m| m.params[1].contains("registered")).await;
    alice.send("MODE #hidden +s+b bob!*@*").await;
    alice.send("TOPIC #hidden :the plan").await;
    alice.sync().await;
    let mut mallory = server.client("mallory").await;
    for line in ["MODE #hidden", "MODE #hidden b", "MODE #hidden +o mallory", "TOPIC #hidden", "TOPIC #hidden :x"] {
        mallory.send(line).await;
        let got = mallory.sync().await;
        assert_eq!(commands(&got), ["403"], "{line}: {got:?}");
    }
    for line in [
        "KICK #hidden alice",
        "INVITE mallory #hidden",
        "PART #hidden",
        "RENAME #hidden #h2",
        "PRIVMSG #hidden :anyone there?",
    ] {
        mallory.send(line).await;
        let got = mallory.sync().await;
        assert_eq!(commands(&got), ["403"], "{line}: {got:?}");
    }
    // NOTICE gets no error replies at all, so nothing tells it apart either.
    mallory.send("NOTICE #hidden :anyone there?").await;
    assert_eq!(commands(&mallory.sync().await), Vec::<&str>::new());
    mallory.send("NAMES #hidden").await;
    assert_eq!(commands(&mallory.sync().await), ["366"]);
    mallory.send("WHO #hidden").await;
    assert_eq!(commands(&mallory.sync().await), ["315"]);
    mallory.send("PRIVMSG ChanServ :INFO #hidden").await;
    let info: Vec<String> = mallory.sync().await.iter().map(|m| m.params[1].clone()).collect();
    assert_eq!(info, ["#hidden is not registered"]);
    server.stop().await;
}

#[tokio::test]
async fn invisible_members_are_hidden_from_outsiders_who_and_names() {
    let server = TestServer::start().await;
    let mut ghost = server.client("ghost").await;
    ghost.send("MODE ghost +i").await;
    ghost.expect("MODE").await;
    ghost.join("#pub").await;
    let mut seen = server.client("seen").await;
    seen.join("#pub").await;
    let mut outsider = server.client("outsider").await;
    outsider.send("WHO #pub").await;
    let who = outsider.sync().await;
    let nicks: Vec<&str> = who.iter().filter(|m| m.command == "352").map(|m| m.params[5].as_str()).collect();
    assert_eq!(nicks, ["seen"]);
    outsider.send("NAMES #pub").await;
    let names = outsider.expect("353").await;
    assert_eq!(names.params.last().unwrap(), "seen");
    // Members see everyone.
    seen.send("NAMES #pub").await;
    let names = seen.expect("353").await;
    assert!(names.params.last().unwrap().contains("ghost"), "{names:?}");
    server.stop().await;
}

#[tokio::test]
async fn who_masks_are_bounded_and_cheap() {
    let server = TestServer::start().await;
    // Long realnames, each almost matching the crafted mask below.
    let mut crowd = Vec::new();
    for i in 0..40 {
        let mut c = TestClient::connect(&server.addr).await;
        c.nick = format!("crowd{i}");
        c.send(&format!("NICK crowd{i}")).await;
        c.send(&format!("USER u 0 * :{}", "a".repeat(200))).await;
        c.expect("376").await;
        crowd.push(c);
    }
    let mut mallory = server.client("mallory").await;
    let long = format!("*{}b", "a".repeat(400));
    mallory.send(&format!("WHO {long}")).await;
    let answer = mallory.sync().await;
    assert_eq!(commands(&answer), ["FAIL", "315"]);
    assert_eq!(params(&answer[0])[..2], ["WHO", "INVALID_PARAMS"]);
    // A mask at the limit costs one pass per field, however it is built.
    let mut bystander = server.client("bystander").await;
    let crafted = format!("*{}b", "a".repeat(62));
    let mut attackers = Vec::new();
    for i in 0..4 {
        attackers.push(server.client(&format!("m{i}")).await);
    }
    let many: String = (0..20).map(|_| format!("WHO {crafted}\r\n")).collect();
    for a in &mut attackers {
        a.send_raw(many.as_bytes()).await;
    }
    let worst = worst_ping(&mut bystander).await;
    assert!(worst < STALL, "a PING took {worst:?} during the WHO flood");
    for a in &mut attackers {
        let ends = a.sync().await.iter().filter(|m| m.command == "315").count();
        assert_eq!(ends, 20);
    }
    drop(crowd);
    server.stop().await;
}

/// Found while reading the code for the network state machine: ChanServ
/// brings a registered channel back when someone joins it, before JOIN's
/// checks, so a refused JOIN (+i here) left an empty channel behind that
/// nobody could see leave.
#[tokio::test]
async fn a_refused_join_leaves_no_empty_registered_channel() {
    let server = TestServer::start().await;
    let mut alice = server.client("alice").await;
    alice.send("PRIVMSG NickServ :REGISTER long-enough-pass").await;
    alice.expect("900").await;
    alice.join("#reg").await;
    alice.send("PRIVMSG ChanServ :REGISTER #reg").await;
    alice.expect_with("NOTICE", |m| m.params[1].contains("registered")).await;
    alice.send("MODE #reg +i").await;
    alice.expect("MODE").await;
    alice.send("PART #reg").await;
    alice.expect("PART").await;
    assert!(!server.server.state().channels.contains_key("#reg"));

    let mut bob = server.client("bob").await;
    bob.send("JOIN #reg").await;
    assert_eq!(commands(&bob.sync().await), ["473"]);
    assert!(!server.server.state().channels.contains_key("#reg"), "an empty #reg was left behind");
    assert!(hichat_server::invariants::check(&server.server.state()).is_empty());
    server.stop().await;
}
