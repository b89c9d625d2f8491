//! Looking people and the server up: WHO, WHOIS, WHOWAS, ISON, USERHOST,
//! VERSION, TIME, INFO, ADMIN, LUSERS, MOTD; and NICK changes and QUITs as
//! a peer sees them.

mod common;
use common::{commands, params, test_config, TestServer};

#[tokio::test]
async fn who_channel_and_mask() {
    let server = TestServer::start().await;
    let mut ann = server.client("ann").await;
    let mut bob = server.client("bob").await;
    let mut cat = server.client("cat").await;
    for c in [&mut ann, &mut bob, &mut cat] {
        c.join("#w").await;
    }
    ann.send("MODE #w +v bob").await;
    cat.send("AWAY :out").await;
    ann.sync().await;
    cat.sync().await;

    ann.send("WHO #w").await;
    let got = ann.sync().await;
    assert_eq!(commands(&got), ["352", "352", "352", "315"]);
    let row = |nick: &str, flags: &str| {
        vec![
            "ann".to_owned(),
            "#w".into(),
            nick.into(),
            "127.0.0.1".into(),
            "hichat.local".into(),
            nick.into(),
            flags.into(),
            format!("0 {nick} test"),
        ]
    };
    assert_eq!(got[0].params, row("ann", "H@"));
    assert_eq!(got[1].params, row("bob", "H+"));
    assert_eq!(got[2].params, row("cat", "G"));
    assert_eq!(params(&got[3]), ["ann", "#w", "End of WHO list"]);

    // By mask: nick, with wildcards; invisible users only when sharing a
    // channel.
    let mut eve = server.client("eve").await;
    bob.send("MODE bob +i").await;
    bob.sync().await;
    eve.send("WHO b*").await;
    let got = eve.sync().await;
    assert_eq!(commands(&got), ["315"], "an invisible user was listed: {got:?}");
    assert_eq!(params(&got[0]), ["eve", "b*", "End of WHO list"]);
    ann.send("WHO b*").await;
    let got = ann.sync().await;
    assert_eq!(commands(&got), ["352", "315"]);
    assert_eq!(params(&got[0]), ["ann", "*", "bob", "127.0.0.1", "hichat.local", "bob", "H", "0 bob test"]);
    eve.send("WHO cat").await;
    assert_eq!(eve.expect("352").await.params[6], "G");
    eve.expect("315").await;
    eve.send("WHO #nowhere").await;
    assert_eq!(commands(&eve.sync().await), ["315"]);
    server.stop().await;
}

#[tokio::test]
async fn whois() {
    let server = TestServer::start().await;
    let mut ann = server.client("ann").await;
    let mut bob = server.client("bob").await;
    ann.join("#a").await;
    bob.join("#a").await;
    bob.join("#b").await;
    ann.sync().await;

    ann.send("WHOIS BOB").await;
    let got = ann.sync().await;
    assert_eq!(commands(&got), ["311", "319", "312", "317", "318"]);
    assert_eq!(params(&got[0]), ["ann", "bob", "bob", "127.0.0.1", "*", "bob test"]);
    assert_eq!(&got[1].params[..2], ["ann", "bob"]);
    let mut chans: Vec<&str> = got[1].params[2].split(' ').collect();
    chans.sort_unstable();
    assert_eq!(chans, ["#a", "@#b"]);
    assert_eq!(params(&got[2]), ["ann", "bob", "hichat.local", "hichat chat server"]);
    assert_eq!(&got[3].params[..2], ["ann", "bob"]);
    let idle: u64 = got[3].params[2].parse().expect("idle seconds");
    let signon: u64 = got[3].params[3].parse().expect("signon time");
    assert!(idle < 60 && signon > 1_600_000_000, "{:?}", got[3]);
    assert_eq!(got[3].params[4], "seconds idle, signon time");
    assert_eq!(params(&got[4]), ["ann", "bob", "End of /WHOIS list"]);

    // WHOIS server nick asks a given server; the nick is last.
    ann.send("WHOIS hichat.local bob").await;
    assert_eq!(ann.expect("311").await.params[1], "bob");
    ann.expect("318").await;

    ann.send("WHOIS nobody").await;
    let got = ann.sync().await;
    assert_eq!(commands(&got), ["401", "318"]);
    assert_eq!(params(&got[0]), ["ann", "nobody", "No such nick/channel"]);
    assert_eq!(params(&got[1]), ["ann", "nobody", "End of /WHOIS list"]);
    ann.send("WHOIS").await;
    assert_eq!(params(&ann.expect("461").await), ["ann", "WHOIS", "Not enough parameters"]);
    server.stop().await;
}

#[tokio::test]
async fn whowas() {
    let server = TestServer::start().await;
    let mut ann = server.client("ann").await;
    let mut bob = server.client("bob").await;
    bob.send("NICK robert").await;
    bob.expect("NICK").await;
    bob.send("QUIT").await;
    bob.read_to_close().await;

    for nick in ["bob", "robert"] {
        ann.send(&format!("WHOWAS {nick}")).await;
        let got = ann.sync().await;
        assert_eq!(commands(&got), ["314", "312", "369"], "{got:?}");
        assert_eq!(params(&got[0]), ["ann", nick, "bob", "127.0.0.1", "*", "bob test"]);
        assert_eq!(&got[1].params[..3], ["ann", nick, "hichat.local"]);
        assert_eq!(params(&got[2]), ["ann", nick, "End of WHOWAS"]);
    }
    ann.send("WHOWAS never").await;
    let got = ann.sync().await;
    assert_eq!(commands(&got), ["406", "369"]);
    assert_eq!(params(&got[0]), ["ann", "never", "There was no such nickname"]);
    assert_eq!(params(&got[1]), ["ann", "never", "End of WHOWAS"]);
    server.stop().await;
}

#[tokio::test]
async fn ison_and_userhost() {
    let server = TestServer::start().await;
    let mut ann = server.client("ann").await;
    let mut bob = server.client("bob").await;
    bob.send("AWAY :brb").await;
    bob.sync().await;

    ann.send("ISON BOB nobody ann").await;
    assert_eq!(params(&ann.expect("303").await), ["ann", "bob ann"]);
    ann.send("ISON nobody").await;
    assert_eq!(params(&ann.expect("303").await), ["ann", ""]);

    ann.send("USERHOST ann bob nobody").await;
    assert_eq!(params(&ann.expect("302").await), ["ann", "ann=+ann@127.0.0.1 bob=-bob@127.0.0.1"]);
    ann.send("USERHOST nobody").await;
    assert_eq!(params(&ann.expect("302").await), ["ann", ""]);
    ann.send("USERHOST").await;
    assert_eq!(params(&ann.expect("461").await), ["ann", "USERHOST", "Not enough parameters"]);
    server.stop().await;
}

#[tokio::test]
async fn server_information() {
    let mut config = test_config();
    config.server.motd = "line one\nline two 中文".into();
    let server = TestServer::with_config(config).await;
    let mut ann = server.client("ann").await;

    ann.send("VERSION").await;
    let got = ann.sync().await;
    assert_eq!(got[0].command, "351");
    assert_eq!(&got[0].params[..3], ["ann", &format!("hichat-{}", env!("CARGO_PKG_VERSION")), "hichat.local"]);
    assert!(got[1..].iter().all(|m| m.command == "005") && got.len() > 1, "{got:?}");

    ann.send("TIME").await;
    let time = ann.expect("391").await;
    assert_eq!(&time.params[..2], ["ann", "hichat.local"]);
    let now: u64 = time.params[2].parse().expect("a Unix time");
    assert!(now > 1_600_000_000);
    assert!(time.params.last().is_some_and(|t| t.ends_with(" UTC")), "{time:?}");

    ann.send("INFO").await;
    let got = ann.sync().await;
    assert!(got.len() >= 2 && got[..got.len() - 1].iter().all(|m| m.command == "371"), "{got:?}");
    assert_eq!(params(&got[got.len() - 1]), ["ann", "End of INFO list"]);

    ann.send("ADMIN").await;
    let got = ann.sync().await;
    assert_eq!(commands(&got), ["256", "257", "258", "259"]);
    assert_eq!(params(&got[0]), ["ann", "hichat.local", "Administrative info"]);
    assert_eq!(params(&got[3]), ["ann", "admin@localhost"]);

    ann.send("MOTD").await;
    let got = ann.sync().await;
    assert_eq!(commands(&got), ["375", "372", "372", "376"]);
    assert_eq!(params(&got[1]), ["ann", "- line one"]);
    assert_eq!(params(&got[2]), ["ann", "- line two 中文"]);
    assert_eq!(params(&got[3]), ["ann", "End of /MOTD command."]);

    let mut bob = server.client("bob").await;
    bob.send("MODE bob +i").await;
    bob.join("#c").await;
    let _unregistered = server.connect().await;
    ann.send("LUSERS").await;
    let got = ann.sync().await;
    assert_eq!(commands(&got), ["251", "252", "253", "254", "255", "265", "266"]);
    assert_eq!(params(&got[0]), ["ann", "There are 1 users and 1 invisible on 1 servers"]);
    assert_eq!(params(&got[1]), ["ann", "0", "operator(s) online"]);
    assert_eq!(params(&got[2]), ["ann", "1", "unknown connection(s)"]);
    assert_eq!(params(&got[3]), ["ann", "1", "channels formed"]);
    assert_eq!(params(&got[4]), ["ann", "I have 2 clients and 0 servers"]);
    assert_eq!(&got[5].params[..3], ["ann", "2", "2"]);
    server.stop().await;
}

#[tokio::test]
async fn no_motd() {
    let mut config = test_config();
    config.server.motd = String::new();
    let server = TestServer::with_config(config).await;
    let mut c = server.connect().await;
    c.send("NICK ann").await;
    c.send("USER ann 0 * :a").await;
    c.expect("001").await;
    assert_eq!(params(&c.expect("422").await), ["ann", "MOTD File is missing"]);
    c.send("MOTD").await;
    assert_eq!(c.expect("422").await.params[0], "ann");
    server.stop().await;
}

/// A peer sharing two channels with someone sees their NICK change and
/// their QUIT exactly once each.
#[tokio::test]
async fn nick_and_quit_seen_once() {
    let server = TestServer::start().await;
    let mut ann = server.client("ann").await;
    let mut bob = server.client("bob").await;
    let mut out = server.client("out").await;
    for c in [&mut ann, &mut bob] {
        c.join("#one").await;
        c.join("#two").await;
    }
    ann.sync().await;

    bob.send("NICK Robert").await;
    let own = bob.expect("NICK").await;
    assert_eq!(own.source.as_deref(), Some("bob!bob@127.0.0.1"));
    assert_eq!(params(&own), ["Robert"]);
    let seen = ann.expect("NICK").await;
    assert_eq!(seen.source.as_deref(), Some("bob!bob@127.0.0.1"));
    assert_eq!(params(&seen), ["Robert"]);
    ann.expect_nothing().await;
    bob.expect_nothing().await;
    // Someone sharing no channel hears nothing.
    out.expect_nothing().await;

    // A case-only change is a change too; the old nick is free afterwards.
    bob.send("NICK robert").await;
    assert_eq!(params(&ann.expect("NICK").await), ["robert"]);
    ann.expect_nothing().await;
    out.send("NICK bob").await;
    assert_eq!(params(&out.expect("NICK").await), ["bob"]);

    bob.send("QUIT :so long").await;
    let quit = ann.expect("QUIT").await;
    assert_eq!(quit.source.as_deref(), Some("robert!bob@127.0.0.1"));
    assert_eq!(params(&quit), ["Quit: so long"]);
    ann.expect_nothing().await;
    out.expect_nothing().await;
    ann.send("NAMES #one").await;
    assert_eq!(params(&ann.expect("353").await), ["ann", "=", "#one", "@ann"]);
    server.stop().await;
}
