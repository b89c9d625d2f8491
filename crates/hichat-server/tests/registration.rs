//! Registration: the welcome burst, nick errors and collisions, CAP
//! negotiation, PASS, PING/PONG, QUIT, and what clients in the wild send
//! before they are registered.

mod common;
use common::{commands, params, test_config, TestServer};

#[tokio::test]
async fn welcome_burst_then_nick_collision() {
    let server = TestServer::start().await;
    let mut ann = server.connect().await;
    ann.send("NICK ann").await;
    ann.send("USER ann 0 * :Ann Example").await;
    let welcome = ann.expect("001").await;
    assert_eq!(welcome.source.as_deref(), Some("hichat.local"));
    assert_eq!(welcome.params[0], "ann");
    assert!(welcome.params[1].ends_with(" ann!ann@127.0.0.1"), "{welcome:?}");
    let (myinfo, before) = ann.expect_with("004", |_| true).await;
    assert_eq!(commands(&before), ["002", "003"]);
    assert_eq!(&myinfo.params[..2], ["ann", "hichat.local"]);
    let mut tokens = Vec::new();
    let (first_lusers, isupport) = ann.expect_with("251", |_| true).await;
    for line in &isupport {
        assert_eq!(line.command, "005", "{line:?}");
        assert_eq!(line.params.last().map(String::as_str), Some("are supported by this server"));
        tokens.extend(line.params[1..line.params.len() - 1].iter().cloned());
    }
    for wanted in [
        "CASEMAPPING=ascii",
        "CHANTYPES=#",
        "CHANMODES=beI,k,l,imnst",
        "PREFIX=(ov)@+",
        "NICKLEN=30",
        "CHANNELLEN=64",
        "TOPICLEN=390",
        "KICKLEN=390",
        "AWAYLEN=390",
        "MAXTARGETS=4",
        "MODES=4",
        "NETWORK=hichat",
        "UTF8ONLY",
        "STATUSMSG=@+",
    ] {
        assert!(tokens.iter().any(|t| t == wanted), "005 lacks {wanted}: {tokens:?}");
    }
    assert!(tokens.iter().any(|t| t.starts_with("TARGMAX=") && t.contains("PRIVMSG:4")), "{tokens:?}");
    assert_eq!(first_lusers.params[0], "ann");
    let (_, rest) = ann.expect_with("376", |_| true).await;
    let rest = commands(&rest);
    for numeric in ["252", "254", "255", "265", "266", "375", "372"] {
        assert!(rest.contains(&numeric), "{numeric} missing from the welcome burst: {rest:?}");
    }

    let mut other = server.connect().await;
    other.send("NICK ANN").await;
    let clash = other.expect("433").await;
    assert_eq!(params(&clash), ["*", "ANN", "Nickname is already in use"]);
    other.send("NICK ann2").await;
    other.send("USER x 0 * :x").await;
    other.expect("001").await;

    // A registered user changing to a taken nick gets 433 too, with its nick.
    other.send("NICK Ann").await;
    assert_eq!(params(&other.expect("433").await), ["ann2", "Ann", "Nickname is already in use"]);
    server.stop().await;
}

#[tokio::test]
async fn missing_and_erroneous_nicknames() {
    let server = TestServer::start().await;
    let mut c = server.connect().await;
    c.send("NICK").await;
    assert_eq!(params(&c.expect("431").await), ["*", "No nickname given"]);
    for bad in ["1abc", "a:b", "-dash", "has,comma", "#chan", "a@b"] {
        c.send(&format!("NICK {bad}")).await;
        assert_eq!(params(&c.expect("432").await), ["*", bad, "Erroneous nickname"]);
    }
    let too_long = "n".repeat(31);
    c.send(&format!("NICK {too_long}")).await;
    assert_eq!(params(&c.expect("432").await), ["*", too_long.as_str(), "Erroneous nickname"]);
    // Non-ASCII letters are fine: hichat is UTF-8 only.
    c.register("小明").await;
    c.send("NICK 1bad").await;
    assert_eq!(params(&c.expect("432").await), ["小明", "1bad", "Erroneous nickname"]);
    server.stop().await;
}

#[tokio::test]
async fn cap_ls_req_end() {
    let server = TestServer::start().await;
    let mut c = server.connect().await;
    let offered = c.cap_ls(Some("302")).await;
    assert!(offered.iter().any(|c| c == "echo-message"), "{offered:?}");
    // No TLS listener: an sts policy would lock clients out.
    assert!(!offered.iter().any(|c| c.starts_with("sts")), "{offered:?}");

    c.send("CAP REQ :echo-message multi-prefix").await;
    assert_eq!(params(&c.expect("CAP").await), ["*", "ACK", "echo-message multi-prefix"]);
    // All or nothing: one unknown capability refuses the whole request.
    c.send("CAP REQ :away-notify no-such-cap").await;
    assert_eq!(params(&c.expect("CAP").await), ["*", "NAK", "away-notify no-such-cap"]);
    c.send("CAP LIST").await;
    let list = c.expect("CAP").await;
    assert_eq!(&list.params[..2], ["*", "LIST"]);
    let mut enabled: Vec<&str> = list.params[2].split(' ').collect();
    enabled.sort_unstable();
    assert_eq!(enabled, ["cap-notify", "echo-message", "multi-prefix"]);
    c.send("CAP BOGUS").await;
    assert_eq!(params(&c.expect("410").await), ["*", "BOGUS", "Invalid CAP subcommand"]);

    c.send("CAP END").await;
    c.register("capper").await;
    server.stop().await;
}

/// WeeChat sends NICK and USER before CAP END: registration must wait.
#[tokio::test]
async fn registration_waits_for_cap_end() {
    let server = TestServer::start().await;
    let mut c = server.connect().await;
    c.cap_ls(Some("302")).await;
    c.send("NICK wee").await;
    c.send("USER wee 0 * :WeeChat").await;
    let before = c.sync().await;
    assert!(before.is_empty(), "registered before CAP END: {before:?}");
    c.send("CAP REQ :multi-prefix").await;
    c.expect("CAP").await;
    c.expect_nothing().await;
    c.send("CAP END").await;
    assert_eq!(c.expect("001").await.params[0], "wee");
    c.expect("376").await;

    // Python's `irc` library sends no CAP at all.
    let mut plain = server.connect().await;
    plain.send("NICK py").await;
    plain.send("USER py 0 * :py").await;
    plain.expect("001").await;
    server.stop().await;
}

/// irssi sends `CAP LS 302`, then `JOIN :` before it has registered: 451,
/// and the connection stays usable.
#[tokio::test]
async fn commands_before_registration_get_451() {
    let server = TestServer::start().await;
    let mut c = server.connect().await;
    c.send("CAP LS 302").await;
    c.expect("CAP").await;
    for line in ["JOIN :", "JOIN #chan", "PRIVMSG bob :hi", "MODE x +i", "FOOBAR"] {
        c.send(line).await;
        assert_eq!(params(&c.expect("451").await), ["*", "You have not registered"], "after {line}");
    }
    c.send("CAP END").await;
    c.register("irssi").await;
    c.join("#chan").await;

    // The same after NICK alone.
    let mut d = server.connect().await;
    d.send("NICK half").await;
    d.send("JOIN :").await;
    assert_eq!(params(&d.expect("451").await), ["half", "You have not registered"]);
    d.send("USER half 0 * :h").await;
    d.expect("001").await;
    server.stop().await;
}

#[tokio::test]
async fn unknown_command_and_user_twice() {
    let server = TestServer::start().await;
    let mut c = server.connect().await;
    c.send("USER a 0 * :A").await;
    c.send("USER b 0 * :B").await;
    assert_eq!(params(&c.expect("462").await), ["*", "You may not reregister"]);
    c.send("NICK twice").await;
    c.expect("001").await;
    c.expect("376").await;
    c.send("USER c 0 * :C").await;
    assert_eq!(params(&c.expect("462").await), ["twice", "You may not reregister"]);
    c.send("PASS late").await;
    assert_eq!(params(&c.expect("462").await), ["twice", "You may not reregister"]);
    c.send("FOOBAR 1 2").await;
    assert_eq!(params(&c.expect("421").await), ["twice", "FOOBAR", "Unknown command"]);
    c.send("USER").await;
    assert_eq!(params(&c.expect("461").await), ["twice", "USER", "Not enough parameters"]);
    // The USER seen at registration is the first one.
    c.send("WHOIS twice").await;
    assert_eq!(params(&c.expect("311").await), ["twice", "twice", "a", "127.0.0.1", "*", "A"]);
    server.stop().await;
}

#[tokio::test]
async fn ping_pong() {
    let server = TestServer::start().await;
    let mut c = server.connect().await;
    // PING works before registration too.
    c.send("PING early").await;
    let pong = c.expect("PONG").await;
    assert_eq!(pong.source.as_deref(), Some("hichat.local"));
    assert_eq!(params(&pong), ["hichat.local", "early"]);
    c.register("pinger").await;
    // irc-framework sends `PING <timestamp>` right after 001.
    c.send("PING 1700000000123").await;
    assert_eq!(params(&c.expect("PONG").await), ["hichat.local", "1700000000123"]);
    c.send("PING :two words").await;
    assert_eq!(params(&c.expect("PONG").await), ["hichat.local", "two words"]);
    c.send("PING").await;
    assert_eq!(params(&c.expect("409").await), ["pinger", "No origin specified"]);
    // A PONG is accepted silently.
    c.send("PONG hichat.local").await;
    c.expect_nothing().await;
    server.stop().await;
}

#[tokio::test]
async fn server_password() {
    let mut config = test_config();
    config.server.password = "sesame".into();
    let server = TestServer::with_config(config).await;

    let mut wrong = server.connect().await;
    wrong.send("PASS guess").await;
    wrong.send("NICK wrong").await;
    wrong.send("USER wrong 0 * :w").await;
    let rest = wrong.read_to_close().await;
    assert!(rest[0].ends_with(" 464 wrong :Password incorrect"), "{rest:?}");
    assert!(rest.last().is_some_and(|l| l.starts_with("ERROR :")), "{rest:?}");
    assert!(!rest.iter().any(|l| l.contains(" 001 ")), "{rest:?}");

    let mut none = server.connect().await;
    none.send("NICK none").await;
    none.send("USER none 0 * :n").await;
    let rest = none.read_to_close().await;
    assert!(rest.iter().any(|l| l.contains(" 464 ")), "{rest:?}");

    let mut right = server.connect().await;
    right.send("PASS sesame").await;
    right.register("right").await;
    // The nick of the refused client is free again.
    right.send("NICK wrong").await;
    assert_eq!(right.expect("NICK").await.params[0], "wrong");
    server.stop().await;
}

/// irc-framework sends `QUIT bye` with no colon.
#[tokio::test]
async fn quit_without_colon() {
    let server = TestServer::start().await;
    let mut ann = server.client("ann").await;
    let mut bob = server.client("bob").await;
    ann.join("#q").await;
    bob.join("#q").await;
    ann.expect("JOIN").await;
    bob.send("QUIT bye").await;
    let rest = bob.read_to_close().await;
    assert_eq!(rest, ["ERROR :Closing Link: 127.0.0.1 (Quit: bye)"]);
    let quit = ann.expect("QUIT").await;
    assert_eq!(quit.source.as_deref(), Some("bob!bob@127.0.0.1"));
    assert_eq!(params(&quit), ["Quit: bye"]);
    ann.expect_nothing().await;

    // Before registration QUIT just closes.
    let mut early = server.connect().await;
    early.send("QUIT").await;
    let rest = early.read_to_close().await;
    assert_eq!(rest.len(), 1, "{rest:?}");
    assert!(rest[0].starts_with("ERROR :Closing Link"), "{rest:?}");
    server.stop().await;
}
