//! IRCv3 extras: bot mode, WHOX, setname, invite-notify,
//! draft/no-implicit-names and draft/pre-away, on raw lines.

mod common;
use common::{params, TestServer};
use hichat_proto::Message;

#[tokio::test]
async fn bot_mode_tag_whois_and_who() {
    let server = TestServer::start().await;
    let mut bot = server.client("robo").await;
    let mut ann = server.connect().await;
    ann.register_with_caps("ann", "message-tags").await;
    bot.send("MODE robo +B").await;
    assert_eq!(params(&bot.expect("MODE").await), ["robo", "+B"]);
    bot.send("PRIVMSG ann :beep").await;
    let m = ann.expect("PRIVMSG").await;
    assert_eq!(m.tag("bot"), Some(None));
    ann.send("WHOIS robo").await;
    let (m, _) = ann.expect_with("335", |_| true).await;
    assert_eq!(params(&m), ["ann", "robo", "is a bot"]);
    bot.join("#b").await;
    ann.send("WHO #b").await;
    let m = ann.expect("352").await;
    assert_eq!(m.params[6], "H@".replace('@', "B@"));
    server.stop().await;
}

#[tokio::test]
async fn isupport_advertises_bot_whox_namelen() {
    let server = TestServer::start().await;
    let mut c = server.connect().await;
    c.send("NICK ann").await;
    c.send("USER ann 0 * :ann").await;
    let (_, before) = c.expect_with("376", |_| true).await;
    let tokens: Vec<String> = before.iter().filter(|m| m.command == "005").flat_map(|m| m.params.clone()).collect();
    for t in ["BOT=B", "WHOX", "NAMELEN=200"] {
        assert!(tokens.iter().any(|x| x == t), "{t} not in {tokens:?}");
    }
    let myinfo = before.iter().find(|m| m.command == "004").unwrap();
    assert!(myinfo.params[3].contains('B'));
    server.stop().await;
}

#[tokio::test]
async fn whox_fields_token_and_account_placeholder() {
    let server = TestServer::start().await;
    let mut ann = server.client("ann").await;
    let mut bob = server.client("bob").await;
    ann.join("#w").await;
    bob.join("#w").await;
    ann.send("WHO #w %tcuhnfar,42").await;
    let mut rows = Vec::new();
    loop {
        let m = ann.message().await;
        match m.command.as_str() {
            "354" => rows.push(m.params),
            "315" => {
                assert_eq!(m.params[1], "#w");
                break;
            }
            _ => {}
        }
    }
    assert_eq!(
        rows,
        [
            ["ann", "42", "#w", "ann", "127.0.0.1", "ann", "H@", "0", "ann test"],
            ["ann", "42", "#w", "bob", "127.0.0.1", "bob", "H", "0", "bob test"],
        ]
    );
    // Fields come in the fixed order whatever order they are asked in.
    ann.send("WHO bob %na").await;
    let m = ann.expect("354").await;
    assert_eq!(params(&m), ["ann", "bob", "0"]);
    server.stop().await;
}

#[tokio::test]
async fn setname_reaches_peers_with_the_cap() {
    let server = TestServer::start().await;
    let mut ann = server.connect().await;
    ann.register_with_caps("ann", "setname").await;
    let mut bob = server.connect().await;
    bob.register_with_caps("bob", "setname").await;
    let mut cat = server.client("cat").await;
    for c in [&mut ann, &mut bob, &mut cat] {
        c.join("#s").await;
    }
    ann.sync().await;
    bob.sync().await;
    ann.send("SETNAME :Ann Example 安").await;
    let mine = ann.expect("SETNAME").await;
    assert_eq!((mine.source.as_deref(), params(&mine)), (Some("ann!ann@127.0.0.1"), vec!["Ann Example 安"]));
    assert_eq!(params(&bob.expect("SETNAME").await), ["Ann Example 安"]);
    cat.expect_nothing().await;
    cat.send("WHOIS ann").await;
    assert_eq!(cat.expect("311").await.params.last().unwrap(), "Ann Example 安");
    ann.send(&format!("SETNAME :{}", "x".repeat(201))).await;
    let fail = ann.expect("FAIL").await;
    assert_eq!(params(&fail)[..2], ["SETNAME", "INVALID_REALNAME"]);
    server.stop().await;
}

#[tokio::test]
async fn invite_notify_tells_members() {
    let server = TestServer::start().await;
    let mut ann = server.client("ann").await;
    let mut bob = server.connect().await;
    bob.register_with_caps("bob", "invite-notify").await;
    let mut cat = server.client("cat").await;
    let mut dan = server.client("dan").await;
    ann.join("#i").await;
    bob.join("#i").await;
    cat.join("#i").await;
    ann.sync().await;
    bob.sync().await;
    ann.send("INVITE dan #i").await;
    ann.expect("341").await;
    let inv = dan.expect("INVITE").await;
    assert_eq!(params(&inv), ["dan", "#i"]);
    let note = bob.expect("INVITE").await;
    assert_eq!((note.source.as_deref(), params(&note)), (Some("ann!ann@127.0.0.1"), vec!["dan", "#i"]));
    cat.expect_nothing().await;
    // On an invite-only channel only operators hear of invites.
    ann.send("MODE #i +i").await;
    bob.expect("MODE").await;
    ann.send("INVITE dan #i").await;
    ann.expect("341").await;
    bob.expect_nothing().await;
    server.stop().await;
}

#[tokio::test]
async fn no_implicit_names_skips_names_on_join() {
    let server = TestServer::start().await;
    let mut ann = server.connect().await;
    ann.register_with_caps("ann", "draft/no-implicit-names").await;
    ann.send("JOIN #n").await;
    let lines = ann.sync().await;
    let commands: Vec<&str> = lines.iter().map(|m| m.command.as_str()).collect();
    assert_eq!(commands.first(), Some(&"JOIN"));
    assert!(!commands.contains(&"353") && !commands.contains(&"366"), "{commands:?}");
    ann.send("NAMES #n").await;
    ann.expect("366").await;
    server.stop().await;
}

#[tokio::test]
async fn pre_away_before_registration() {
    let server = TestServer::start().await;
    // Without the capability AWAY waits for registration.
    let mut old = server.connect().await;
    old.send("NICK old").await;
    old.send("AWAY :x").await;
    old.expect("451").await;

    let mut ann = server.connect().await;
    ann.send("CAP LS 302").await;
    ann.expect("CAP").await;
    ann.send("CAP REQ draft/pre-away").await;
    ann.expect("CAP").await;
    ann.send("AWAY *").await;
    ann.expect("306").await;
    ann.send("CAP END").await;
    ann.register("ann").await;
    let mut bob = server.client("bob").await;
    bob.send("WHOIS ann").await;
    let away: Message = bob.expect("301").await;
    assert_eq!(params(&away), ["bob", "ann", "*"]);
    server.stop().await;
}
