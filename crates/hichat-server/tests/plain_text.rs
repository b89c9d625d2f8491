//! Plain-text (netcat) mode: a person with `nc` chats with IRC clients in
//! the default channel, and no IRC client is ever taken for such a person.

mod common;
use common::TestServer;

#[tokio::test]
async fn netcat_user_chats_with_an_irc_client() {
    let server = TestServer::start().await;
    let mut bob = server.client("bob").await;
    bob.join("#hello").await;

    let mut nc = server.connect().await;
    nc.nick = "nc".into();
    nc.send_raw(b"\n").await; // an empty line first decides nothing
    nc.send_raw(b"hello?\n").await;
    assert_eq!(nc.line().await.as_deref(), Some("Welcome to hichat on hichat.local."));
    assert_eq!(nc.line().await.as_deref(), Some("中文用户：输入 /lang zh 切换到中文。"));
    assert_eq!(nc.line().await.as_deref(), Some("What is your nickname?"));

    nc.send_raw(b"bob\n").await;
    assert_eq!(nc.line().await.as_deref(), Some("-- the nickname bob is taken; choose another:"));
    nc.send_raw("小明\n".as_bytes()).await;
    let hi = nc.line().await.unwrap();
    assert!(hi.starts_with("-- Hi 小明! You are chatting in #hello."), "{hi}");

    let joined = bob.expect("JOIN").await;
    assert_eq!(joined.source_nick(), Some("小明"));

    // Typed in two pieces, split inside a Chinese character.
    let line = "你好 everyone 🎉\n".as_bytes();
    nc.send_raw(&line[..4]).await;
    nc.send_raw(&line[4..]).await;
    let said = bob.expect("PRIVMSG").await;
    assert_eq!(said.params, vec!["#hello", "你好 everyone 🎉"]);
    assert_eq!(said.source_nick(), Some("小明"));

    bob.send("PRIVMSG #hello :hi 小明, welcome").await;
    let (seen, _) = {
        let mut skipped = Vec::new();
        loop {
            let l = nc.line().await.unwrap();
            if l.starts_with('<') {
                break (l, skipped);
            }
            skipped.push(l);
        }
    };
    assert_eq!(seen, "<bob> hi 小明, welcome");

    nc.send_raw(b"exit\n").await;
    let rest = nc.read_to_close().await;
    assert_eq!(rest.last().map(String::as_str), Some("-- bye!"), "{rest:?}");
    let quit = bob.expect("QUIT").await;
    assert_eq!(quit.source_nick(), Some("小明"));
    server.stop().await;
}

#[tokio::test]
async fn irc_clients_are_never_taken_for_plain_users() {
    let server = TestServer::start().await;
    for opener in ["CAP LS 302", "NICK carol", "PASS secret", "PING 1", "@label=x PING 1", ":src PING 1"] {
        let mut c = server.connect().await;
        c.send(opener).await;
        c.send("PING probe").await;
        let (pong, before) = c.expect_with("PONG", |m| m.params.last().map(String::as_str) == Some("probe")).await;
        assert_eq!(pong.source.as_deref(), Some("hichat.local"), "{opener}");
        assert!(before.iter().all(|m| m.command != "NOTICE"), "{opener}: greeted as a plain-text user: {before:?}");
    }
    // A full registration that starts with CAP LS 302 gets the IRC welcome.
    let mut d = server.connect().await;
    d.send("CAP LS 302").await;
    d.expect("CAP").await;
    d.send("NICK dave").await;
    d.send("USER dave 0 * :Dave").await;
    d.send("CAP END").await;
    let welcome = d.expect("001").await;
    assert_eq!(welcome.params[0], "dave");
    server.stop().await;
}

#[tokio::test]
async fn plain_user_with_invalid_utf8_gets_words_not_codes() {
    let server = TestServer::start().await;
    let mut bob = server.client("bob").await;
    bob.join("#hello").await;
    let mut nc = server.connect().await;
    nc.send_raw(b"hi\nann\n").await;
    loop {
        if nc.line().await.unwrap().starts_with("-- here:") {
            break;
        }
    }
    bob.expect("JOIN").await;
    nc.send_raw(b"\xc4\xe3\xba\xc3\n").await; // GBK, not UTF-8
    assert_eq!(nc.line().await.as_deref(), Some("-- that line was not UTF-8 text; hichat only accepts UTF-8"));
    bob.expect_nothing().await;
    server.stop().await;
}
