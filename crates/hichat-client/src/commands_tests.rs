//! Tests of `commands.rs`: each command's IRC form, and splitting of long
//! text without cutting characters.

use super::*;

fn sent(a: Action) -> Vec<String> {
    match a {
        Action::Send(msgs) => msgs.iter().map(|m| m.to_string()).collect(),
        other => panic!("expected Send, got {other:?}"),
    }
}

const CHAN: Option<&str> = Some("#hello");

#[test]
fn plain_text_goes_to_the_current_target() {
    assert_eq!(sent(parse("你好 🎉", CHAN)), vec!["PRIVMSG #hello :你好 🎉"]);
    assert_eq!(sent(parse("hi", Some("bob"))), vec!["PRIVMSG bob hi"]);
    assert_eq!(sent(parse("//etc/passwd is a path", CHAN)), vec!["PRIVMSG #hello :/etc/passwd is a path"]);
    assert!(matches!(parse("hi", None), Action::Error(_)));
    assert_eq!(parse("   ", CHAN), Action::Nothing);
}

#[test]
fn exit_alone_quits_but_not_inside_a_sentence() {
    assert_eq!(parse("exit", CHAN), Action::Quit(None));
    assert_eq!(parse("exit\r\n", CHAN), Action::Quit(None));
    assert_eq!(sent(parse("exit now", CHAN)), vec!["PRIVMSG #hello :exit now"]);
    assert_eq!(parse("/quit gone home", CHAN), Action::Quit(Some("gone home".into())));
}

#[test]
fn channel_commands() {
    assert_eq!(sent(parse("/join rust", CHAN)), vec!["JOIN #rust"]);
    assert_eq!(sent(parse("/join #a,b key", CHAN)), vec!["JOIN #a,#b key"]);
    assert_eq!(sent(parse("/part", CHAN)), vec!["PART #hello"]);
    assert_eq!(sent(parse("/part see you", CHAN)), vec!["PART #hello :see you"]);
    assert_eq!(sent(parse("/part #rust bye", CHAN)), vec!["PART #rust bye"]);
    assert!(matches!(parse("/part", Some("bob")), Action::Error(_)));
    assert_eq!(sent(parse("/topic", CHAN)), vec!["TOPIC #hello"]);
    assert_eq!(sent(parse("/topic 新话题 here", CHAN)), vec!["TOPIC #hello :新话题 here"]);
    assert_eq!(sent(parse("/kick bob spam", CHAN)), vec!["KICK #hello bob spam"]);
    assert_eq!(sent(parse("/kick #x bob", CHAN)), vec!["KICK #x bob"]);
    assert_eq!(sent(parse("/invite bob", CHAN)), vec!["INVITE bob #hello"]);
    assert_eq!(sent(parse("/mode +o bob", CHAN)), vec!["MODE #hello +o bob"]);
    assert_eq!(sent(parse("/mode", CHAN)), vec!["MODE #hello"]);
    assert_eq!(sent(parse("/mode ann +i", CHAN)), vec!["MODE ann +i"]);
    assert_eq!(parse("/names", CHAN), Action::Names("#hello".into()));
    assert_eq!(sent(parse("/list", CHAN)), vec!["LIST"]);
}

#[test]
fn people_commands() {
    assert_eq!(sent(parse("/msg bob 你好 there", CHAN)), vec!["PRIVMSG bob :你好 there"]);
    assert!(matches!(parse("/msg bob", CHAN), Action::Error(_)));
    assert_eq!(parse("/query bob hi there", CHAN), Action::Query { nick: "bob".into(), text: Some("hi there".into()) });
    assert_eq!(sent(parse("/me waves 👋", CHAN)), vec!["PRIVMSG #hello :\x01ACTION waves 👋\x01"]);
    assert_eq!(sent(parse("/nick 小明", CHAN)), vec!["NICK 小明"]);
    assert_eq!(sent(parse("/whois bob", CHAN)), vec!["WHOIS bob"]);
    assert_eq!(sent(parse("/away lunch time", CHAN)), vec!["AWAY :lunch time"]);
    assert_eq!(sent(parse("/away", CHAN)), vec!["AWAY"]);
    assert_eq!(sent(parse("/notice bob hi", CHAN)), vec!["NOTICE bob hi"]);
    assert_eq!(sent(parse("/quote PRIVMSG bob :raw", CHAN)), vec!["PRIVMSG bob raw"]);
}

#[test]
fn client_commands() {
    assert_eq!(parse("/win 3", CHAN), Action::Window(3));
    assert!(matches!(parse("/win x", CHAN), Action::Error(_)));
    assert_eq!(parse("/help", CHAN), Action::Help);
    assert_eq!(parse("/close", CHAN), Action::Close);
    assert!(matches!(parse("/frobnicate", CHAN), Action::Error(e) if e.contains("/frobnicate")));
    assert_eq!(parse("/JOIN #x", CHAN), Action::Send(vec![Message::new("JOIN", ["#x"])]));
}

#[test]
fn long_text_is_split_between_characters() {
    let text = "你好🎉".repeat(100); // 1000 bytes
    let msgs = say("#hello", &text);
    assert!(msgs.len() >= 3);
    let mut joined = String::new();
    for m in &msgs {
        assert!(m.to_bytes().len() <= 512 - 100, "{} bytes", m.to_bytes().len());
        joined.push_str(m.param(1));
    }
    assert_eq!(joined, text);
}

#[test]
fn split_prefers_spaces_and_keeps_clusters() {
    assert_eq!(split_text("aaaa bbbb cccc", 10), vec!["aaaa bbbb", "cccc"]);
    assert_eq!(split_text("abcdefgh", 3), vec!["abc", "def", "gh"]);
    let family = "👨‍👩‍👧"; // 18 bytes, one cluster
    let three = family.repeat(3);
    let pieces = split_text(&three, 20);
    assert_eq!(pieces, vec![family, family, family]);
    assert_eq!(split_text("", 10), vec![""]);
    // A cluster bigger than the budget is cut at a char boundary.
    for p in split_text(family, 5) {
        assert!(p.len() <= 5 && !p.is_empty());
    }
}
