//! An independent client library, the `irc` crate (plain TCP, no TLS
//! features), registers, joins, and chats with a raw client.

mod common;
use common::{params, TestServer, WAIT};
use futures_util::StreamExt;
use irc::client::prelude::{Client, Command, Config};
use irc::proto::Message;
use tokio::sync::mpsc;

/// Waits for the next message from the library client that satisfies `pred`.
async fn next_matching(rx: &mut mpsc::UnboundedReceiver<Message>, pred: impl Fn(&Message) -> bool) -> Message {
    loop {
        let msg = tokio::time::timeout(WAIT, rx.recv())
            .await
            .expect("the irc crate client received nothing in time")
            .expect("the irc crate client's stream ended");
        if pred(&msg) {
            return msg;
        }
    }
}

#[tokio::test]
async fn irc_crate_client_chats_with_a_raw_client() {
    let server = TestServer::start().await;
    let mut raw = server.client("raw").await;
    raw.join("#lib").await;

    let port = server.addr.rsplit(':').next().and_then(|p| p.parse().ok()).expect("a port");
    let config = Config {
        nickname: Some("lib".into()),
        username: Some("libuser".into()),
        realname: Some("irc crate".into()),
        server: Some("127.0.0.1".into()),
        port: Some(port),
        channels: vec!["#lib".into()],
        ..Config::default()
    };
    let mut client = Client::from_config(config).await.expect("connect");
    client.identify().expect("identify");
    // The stream both delivers incoming messages and flushes outgoing ones,
    // so it runs on its own while the test talks to the raw client.
    let mut stream = client.stream().expect("the message stream");
    let (tx, mut rx) = mpsc::unbounded_channel();
    let pump = tokio::spawn(async move {
        while let Some(Ok(msg)) = stream.next().await {
            if tx.send(msg).is_err() {
                break;
            }
        }
    });

    // It registers and, after the MOTD, joins the configured channel.
    let joined = next_matching(&mut rx, |m| {
        matches!(&m.command, Command::JOIN(chan, _, _) if chan == "#lib") && m.source_nickname() == Some("lib")
    })
    .await;
    assert_eq!(joined.source_nickname(), Some("lib"));
    let join = raw.expect("JOIN").await;
    assert_eq!(join.source.as_deref(), Some("lib!libuser@127.0.0.1"));

    raw.send("PRIVMSG #lib :hello library, 你好 👋").await;
    let got = next_matching(&mut rx, |m| matches!(m.command, Command::PRIVMSG(..))).await;
    assert_eq!(got.source_nickname(), Some("raw"));
    match &got.command {
        Command::PRIVMSG(target, text) => {
            assert_eq!(target, "#lib");
            assert_eq!(text, "hello library, 你好 👋");
        }
        other => panic!("{other:?}"),
    }

    client.send_privmsg("#lib", "hello raw 🎉").expect("send");
    let m = raw.expect("PRIVMSG").await;
    assert_eq!(m.source.as_deref(), Some("lib!libuser@127.0.0.1"));
    assert_eq!(params(&m), ["#lib", "hello raw 🎉"]);

    client.send_quit("done").expect("quit");
    let quit = raw.expect("QUIT").await;
    assert_eq!(quit.source.as_deref(), Some("lib!libuser@127.0.0.1"));
    assert_eq!(params(&quit), ["Quit: done"]);
    pump.abort();
    server.stop().await;
}
