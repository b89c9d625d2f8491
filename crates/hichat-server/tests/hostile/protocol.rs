//! Hostile: protocol.

use crate::common::{params, TestServer};
use hichat_proto::MAX_LINE_LEN;

/// Finding 14: `NickServ\u200b`, `Nick\u200dServ` and `NickSеrv` (Cyrillic
/// `е`) were accepted as nicks. Invisible characters and look-alike script
/// mixes get 432.
#[tokio::test]
async fn look_alike_service_nicks_are_refused() {
    let server = TestServer::start().await;
    let mut c = server.client("mallory").await;
    for nick in ["NickServ\u{200b}", "Nick\u{200d}Serv", "NickSеrv", "ChanSеrv", "\u{202e}vreSkciN"] {
        c.send(&format!("NICK {nick}")).await;
        let (refused, before) = c.expect_with("432", |_| true).await;
        assert_eq!(params(&refused)[1], nick);
        assert!(before.iter().all(|m| m.command != "NICK"), "{nick:?} was taken: {before:?}");
    }
    // One script (full-width Latin), but its skeleton is the service's name.
    c.send("NICK ＮｉｃｋＳｅｒｖ").await;
    let refused = c.sync().await;
    assert!(refused.iter().any(|m| m.command == "432"), "{refused:?}");
    assert!(refused.iter().all(|m| m.command != "NICK"), "{refused:?}");
    // Plain and Chinese nicks still work.
    for nick in ["小明", "Bob小明", "emoji🎉"] {
        c.send(&format!("NICK {nick}")).await;
        assert_eq!(c.expect("NICK").await.params, [nick]);
    }
    server.stop().await;
}

/// Finding 14: a one-script look-alike of a nick in use (Cyrillic `сосо`
/// for `coco`), or of a registered nick, is refused with 433; the owner
/// logged in to the account may take it.
#[tokio::test]
async fn look_alikes_of_nicks_in_use_and_registered_are_refused() {
    let server = TestServer::start().await;
    let _coco = server.client("coco").await;
    let mut mallory = server.client("mallory").await;
    mallory.send("NICK сосо").await;
    assert_eq!(params(&mallory.expect("433").await)[1], "сосо");

    let mut owner = server.client("cope").await;
    owner.send("PRIVMSG NickServ :REGISTER copepass1").await;
    owner.expect("900").await;
    owner.send("QUIT").await;
    owner.read_to_close().await;
    mallory.send("NICK соре").await;
    assert_eq!(params(&mallory.expect("433").await)[1], "соре");

    // Unregistered and free: a Cyrillic nick of its own is fine.
    mallory.send("NICK Анна").await;
    assert_eq!(mallory.expect("NICK").await.params, ["Анна"]);
    server.stop().await;
}

/// Finding 15: 470 characters of real name with BEL and ESC gave others
/// 525-byte 311 and 545-byte 352 lines. USER's real name now gets
/// SETNAME's limits (controls dropped, cut at 200 bytes), and no numeric
/// passes 512 bytes.
#[tokio::test]
async fn long_realname_with_controls_never_makes_a_long_line() {
    let server = TestServer::start().await;
    let mut mallory = server.connect().await;
    mallory.send("NICK mallory").await;
    let realname = format!("{}\x07\x1b[2J{}", "r".repeat(300), "é".repeat(85));
    mallory.send(&format!("USER mallory 0 * :{realname}")).await;
    mallory.expect("001").await;
    mallory.join("#c").await;

    let mut ann = server.client("ann").await;
    ann.join("#c").await;
    for query in ["WHOIS mallory", "WHO #c", "WHO mallory", "WHO #c %tcuhnfdar"] {
        ann.send(query).await;
        ann.send("PING done").await;
        loop {
            let line = ann.line().await.expect("a line");
            assert!(line.len() + 2 <= MAX_LINE_LEN, "{query}: {} bytes: {line:?}", line.len() + 2);
            assert!(!line.contains(['\x07', '\x1b']), "{query}: control characters relayed: {line:?}");
            let msg = hichat_proto::Message::parse(&line).expect("a parsable line");
            if msg.command == "PONG" && msg.params.last().map(String::as_str) == Some("done") {
                break;
            }
        }
    }
    ann.send("WHOIS mallory").await;
    let whois = ann.expect("311").await;
    let shown = whois.params.last().unwrap();
    assert!(shown.len() <= 200 && shown.starts_with("rrr"), "{} bytes", shown.len());
    server.stop().await;
}

/// Found by the stateful fuzzer: a PRIVMSG sent at the 512-byte limit was
/// relayed with the sender's `nick!user@host` in front, over the limit.
/// The text is cut (whole characters) so the relayed line fits, and the
/// echo shows the sender what was sent.
#[tokio::test]
async fn a_message_at_the_limit_is_relayed_within_512_bytes() {
    let server = TestServer::start().await;
    let mut sender = server.connect().await;
    sender.register_with_caps("longwinded", "echo-message").await;
    sender.join("#c").await;
    let mut reader = server.client("reader").await;
    reader.join("#c").await;
    sender.sync().await;
    for (target, head) in [("#c", "PRIVMSG #c :"), ("reader", "PRIVMSG reader :")] {
        // 510 bytes before CR LF, ending in Chinese so a cut could split one.
        let mut text = "x".repeat(510 - head.len() - 30);
        text.push_str(&"话".repeat(10));
        assert_eq!(head.len() + text.len(), 510);
        sender.send(&format!("{head}{text}")).await;
        for c in [&mut reader, &mut sender] {
            let line = loop {
                let line = c.line().await.expect("a line");
                if line.contains(" PRIVMSG ") {
                    break line;
                }
            };
            assert!(line.len() + 2 <= 512, "{} bytes: {line}", line.len() + 2);
            let msg = hichat_proto::Message::parse(&line).expect("a well-formed line");
            let got = msg.params[1].as_str();
            assert!(text.starts_with(got) && got.len() > 400, "{target}: {got:?}");
        }
    }
    server.stop().await;
}
