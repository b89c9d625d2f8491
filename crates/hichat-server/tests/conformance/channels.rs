//! Conformance: channels. account-tag on INVITE, the 696 parameters, WHO on
//! an exact nickname and KICK with paired lists (issue 16, items 3, 8, 10
//! and 11).

use crate::common::{commands, params, TestClient, TestServer};

#[tokio::test]
async fn invite_carries_the_inviters_account() {
    // https://ircv3.net/specs/extensions/account-tag
    let server = TestServer::start().await;
    let mut bar = server.client("bar").await;
    bar.send("PRIVMSG NickServ :REGISTER long-enough-pass").await;
    bar.expect("900").await;
    bar.join("#chan").await;
    let mut foo = TestClient::connect(&server.addr).await;
    foo.register_with_caps("foo", "account-tag").await;
    bar.send("INVITE foo #chan").await;
    bar.expect("341").await;
    let invite = foo.expect("INVITE").await;
    assert_eq!(invite.tag("account"), Some(Some("bar")), "{invite:?}");
    assert_eq!(params(&invite), ["foo", "#chan"]);
    // Without the capability, no tags.
    let mut plain = server.client("plain").await;
    bar.send("INVITE plain #chan").await;
    let line = loop {
        let line = plain.line().await.expect("a line");
        if line.contains(" INVITE ") {
            break line;
        }
    };
    assert!(line.starts_with(":bar!"), "{line}");
    server.stop().await;
}

#[tokio::test]
async fn invalid_mode_param_never_has_an_empty_middle_parameter() {
    // https://modern.ircdocs.horse/#errinvalidmodeparam-696
    let server = TestServer::start().await;
    let mut c = server.client("nick").await;
    c.join("#chan").await;
    c.send("MODE #chan +l :").await;
    let line = loop {
        let line = c.line().await.expect("a line");
        if line.split(' ').nth(1) == Some("696") {
            break line;
        }
    };
    assert!(!line.contains("  "), "{line:?}");
    let ours = hichat_proto::Message::parse(&line).unwrap();
    assert_eq!(params(&ours)[..4], ["nick", "#chan", "l", "*"]);
    // The irc crate reads the same five parameters.
    let theirs: irc::proto::Message = line.parse().expect("the irc crate parses it");
    let args = match theirs.command {
        irc::proto::Command::Response(_, args) | irc::proto::Command::Raw(_, args) => args,
        other => panic!("{other:?}"),
    };
    assert_eq!(args.len(), 5, "{args:?}");
    assert_eq!(args[3], "*");
    server.stop().await;
}

#[tokio::test]
async fn who_on_an_exact_nick_finds_an_invisible_user() {
    // https://modern.ircdocs.horse/#who-message
    let server = TestServer::start().await;
    let mut evan = server.client("evan").await;
    evan.send("MODE evan +i").await;
    evan.expect("MODE").await;
    let mut asker = server.client("asker").await;
    asker.send("WHO evan").await;
    let got = asker.sync().await;
    assert_eq!(commands(&got), ["352", "315"]);
    assert_eq!(got[0].params[5], "evan");
    assert_eq!(params(&got[1])[1], "evan");
    // Invisibility still hides from mask searches.
    asker.send("WHO ev*").await;
    assert_eq!(commands(&asker.sync().await), ["315"]);
    server.stop().await;
}

#[tokio::test]
async fn kick_pairs_channels_and_users() {
    // RFC 2812 §3.2.8
    let server = TestServer::start().await;
    let mut op = server.client("op").await;
    op.join("#a").await;
    op.join("#b").await;
    let mut u1 = server.client("u1").await;
    let mut u2 = server.client("u2").await;
    for c in [&mut u1, &mut u2] {
        c.join("#a").await;
        c.join("#b").await;
    }
    op.sync().await;
    op.send("KICK #a,#b u1,u2 :r").await;
    let kicks: Vec<Vec<String>> =
        op.sync().await.iter().filter(|m| m.command == "KICK").map(|m| m.params.clone()).collect();
    assert_eq!(kicks, [["#a", "u1", "r"], ["#b", "u2", "r"]]);
    // u1 is still in #b, u2 still in #a.
    op.send("NAMES #a").await;
    assert!(op.expect("353").await.params[3].contains("u2"));
    op.send("NAMES #b").await;
    assert!(op.expect("353").await.params[3].contains("u1"));
    // One channel, several users.
    u1.join("#a").await;
    op.sync().await;
    op.send("KICK #a u1,u2 :all").await;
    let kicks: Vec<String> =
        op.sync().await.iter().filter(|m| m.command == "KICK").map(|m| m.params[1].clone()).collect();
    assert_eq!(kicks, ["u1", "u2"]);
    // Lists that do not pair up are an error.
    op.send("KICK #a,#b u1,u2,u3").await;
    assert_eq!(commands(&op.sync().await), ["461"]);
    server.stop().await;
}

#[tokio::test]
async fn targmax_advertises_kick() {
    let server = TestServer::start().await;
    let mut c = server.connect().await;
    c.send("NICK t").await;
    c.send("USER t 0 * :t").await;
    let (_, before) = c.expect_with("376", |_| true).await;
    let targmax = before
        .iter()
        .filter(|m| m.command == "005")
        .flat_map(|m| m.params.iter())
        .find_map(|p| p.strip_prefix("TARGMAX="))
        .expect("TARGMAX in ISUPPORT")
        .to_owned();
    assert!(targmax.split(',').any(|t| t == "KICK:4"), "{targmax}");
    server.stop().await;
}
