//! Conformance: history. CHATHISTORY TARGETS places a target by its newest
//! line (draft/chathistory); replay on JOIN never looks live to a client
//! that cannot tell it from live lines.

use crate::common::{batch_reply, client_with_caps, test_config, TestClient, TestServer};
use hichat_proto::Message;
use std::time::Duration;

const CAPS: &str = "batch server-time message-tags draft/chathistory";

fn time_of(m: &Message) -> String {
    m.tag("time").flatten().expect("a time tag").to_owned()
}

/// The time one millisecond after a `time` tag's, in the same format.
fn just_after(time: &str) -> String {
    let ms: u32 = time[20..23].parse().unwrap();
    assert!(ms < 999, "pick another millisecond: {time}");
    format!("{}{:03}Z", &time[..20], ms + 1)
}

/// Item 7: `CHATHISTORY TARGETS <t0> <t1>` listed a target whose newest
/// line is after `t1`, with the time of an older line inside the window.
/// A target is listed by its newest line, and left out when that line is
/// outside the window (https://ircv3.net/specs/extensions/chathistory).
#[tokio::test]
async fn targets_are_placed_by_their_newest_line() {
    let server = TestServer::start().await;
    let mut ann = client_with_caps(&server, "ann", CAPS).await;
    let mut bob = client_with_caps(&server, "bob", CAPS).await;
    ann.join("#a").await;
    bob.join("#a").await;
    ann.send("PRIVMSG #a :first").await;
    let first = time_of(&bob.expect("PRIVMSG").await);
    ann.send("PRIVMSG bob :hello bob").await;
    let private = time_of(&bob.expect("PRIVMSG").await);
    // Another millisecond, so the window can end between the lines.
    tokio::time::sleep(Duration::from_millis(5)).await;
    ann.send("PRIVMSG #a :second").await;
    let second = time_of(&bob.expect("PRIVMSG").await);
    assert!(second > just_after(&private), "{second} after {private}");
    ann.sync().await;

    let targets = |from: &str, to: &str| format!("CHATHISTORY TARGETS timestamp={from} timestamp={to} 10");
    let listed = |lines: Vec<Message>| {
        lines.iter().map(|m| (m.params[1].clone(), m.params[2].clone())).collect::<Vec<(String, String)>>()
    };
    // A window holding `first` and the private line, not `second`: #a's
    // newest line is outside it, so #a is not listed.
    let window = targets("2000-01-01T00:00:00.000Z", &just_after(&private));
    assert_eq!(listed(batch_reply(&mut ann, &window).await), [("bob".to_owned(), private.clone())]);
    // The whole of time: #a at its newest line.
    let all = targets("2000-01-01T00:00:00.000Z", "2100-01-01T00:00:00.000Z");
    assert_eq!(
        listed(batch_reply(&mut ann, &all).await),
        [("bob".to_owned(), private.clone()), ("#a".to_owned(), second)]
    );
    assert!(first <= private, "the window held #a's first line too");
    server.stop().await;
}

/// Registers `c`'s nick and `channel` (joined): a registered channel's
/// history is replayed to who joins it.
async fn register_channel(c: &mut TestClient, channel: &str) {
    c.send("PRIVMSG NickServ :REGISTER hunter22").await;
    c.expect("900").await;
    c.join(channel).await;
    c.send(&format!("PRIVMSG ChanServ :REGISTER {channel}")).await;
    c.expect_with("NOTICE", |m| m.params[1].contains("registered to you")).await;
}

/// "Replay on JOIN must never look live": a client with neither
/// server-time nor batch got the last lines as plain PRIVMSGs, which a bot
/// would act on again. It gets NOTICEs from the server that carry the
/// original time and nick in their text; a client with server-time gets
/// the PRIVMSGs with their `time`.
#[tokio::test]
async fn replay_on_join_never_looks_live() {
    let server = TestServer::start().await;
    let mut ann = server.client("ann").await;
    register_channel(&mut ann, "#bots").await;
    ann.send("PRIVMSG #bots :!deploy production").await;
    ann.sync().await;

    let mut bot = server.client("bot").await;
    bot.join("#bots").await;
    let got = bot.messages_until_quiet(Duration::from_millis(300)).await;
    assert!(got.iter().all(|m| m.command != "PRIVMSG"), "{got:?}");
    let notice = got.iter().find(|m| m.command == "NOTICE").expect("the line as a NOTICE");
    assert_eq!(notice.source.as_deref(), Some(server.server.info.name.as_str()));
    assert_eq!(notice.params[0], "#bots");
    let text = &notice.params[1];
    assert!(text.contains("<ann> !deploy production") && text.starts_with('['), "{text}");
    assert!(!text.starts_with('!'));

    let mut timed = server.connect().await;
    timed.register_with_caps("timed", "server-time").await;
    timed.join("#bots").await;
    let replayed = timed.expect("PRIVMSG").await;
    assert_eq!(replayed.params[1], "!deploy production");
    assert!(replayed.tag("time").flatten().is_some(), "{replayed:?}");
    server.stop().await;
}

/// The setting: `replay_untagged = "skip"` sends such a client nothing.
#[tokio::test]
async fn replay_to_plain_clients_can_be_turned_off() {
    let mut config = test_config();
    config.history.replay_untagged = hichat_server::config::UntaggedReplay::Skip;
    let server = TestServer::with_config(config).await;
    let mut ann = server.client("ann").await;
    register_channel(&mut ann, "#bots").await;
    ann.send("PRIVMSG #bots :!deploy production").await;
    ann.sync().await;
    let mut bot = server.client("bot").await;
    bot.join("#bots").await;
    let got = bot.messages_until_quiet(Duration::from_millis(300)).await;
    assert!(got.iter().all(|m| !m.to_string().contains("deploy")), "{got:?}");
    // With the irc crate's parser too: nothing of the line came.
    for m in &got {
        let parsed: irc::proto::Message = m.to_string().parse().expect("a line the irc crate parses");
        assert!(!matches!(parsed.command, irc::proto::Command::PRIVMSG(..)), "{parsed:?}");
    }
    assert!(hichat_server::DEFAULT_TOML.contains("replay_untagged = \"notice\""));
    server.stop().await;
}
