//! An independent client library, the `irc` crate, negotiating
//! message-tags and server-time and trading tagged messages with a raw
//! client: it parses the `time`, `msgid` and client-only tags hichat sends,
//! and its own `+tags` and TAGMSG reach the raw client.

mod common;
use common::{params, TestServer, WAIT};
use futures_util::StreamExt;
use irc::client::prelude::{Capability, Client, Command, Config};
use irc::proto::message::Tag;
use irc::proto::Message;
use tokio::sync::mpsc;

async fn next_matching(rx: &mut mpsc::UnboundedReceiver<Message>, pred: impl Fn(&Message) -> bool) -> Message {
    loop {
        let msg = tokio::time::timeout(WAIT, rx.recv()).await.expect("nothing in time").expect("stream ended");
        if pred(&msg) {
            return msg;
        }
    }
}

fn tag<'a>(m: &'a Message, key: &str) -> Option<Option<&'a str>> {
    m.tags.as_ref()?.iter().find(|t| t.0 == key).map(|t| t.1.as_deref())
}

#[tokio::test]
async fn irc_crate_reads_and_sends_tags() {
    let server = TestServer::start().await;
    let mut raw = server.connect().await;
    raw.register_with_caps("raw", "message-tags").await;
    raw.join("#tags").await;

    let port = server.addr.rsplit(':').next().and_then(|p| p.parse().ok()).expect("a port");
    let config = Config {
        nickname: Some("lib".into()),
        server: Some("127.0.0.1".into()),
        port: Some(port),
        channels: vec!["#tags".into()],
        ..Config::default()
    };
    let mut client = Client::from_config(config).await.expect("connect");
    client.send_cap_req(&[Capability::Custom("message-tags"), Capability::ServerTime]).expect("cap req");
    client.identify().expect("identify");
    let mut stream = client.stream().expect("stream");
    let (tx, mut rx) = mpsc::unbounded_channel();
    let pump = tokio::spawn(async move {
        while let Some(Ok(msg)) = stream.next().await {
            if tx.send(msg).is_err() {
                break;
            }
        }
    });
    let ack = next_matching(&mut rx, |m| matches!(m.command, Command::CAP(..))).await;
    assert!(ack.to_string().contains("ACK"), "{ack}");
    next_matching(&mut rx, |m| matches!(&m.command, Command::JOIN(c, _, _) if c == "#tags")).await;
    raw.expect("JOIN").await;

    raw.send("@+draft/reply=abc;+example/x=1\\s2 PRIVMSG #tags :tagged hello").await;
    let got = next_matching(&mut rx, |m| matches!(m.command, Command::PRIVMSG(..))).await;
    assert!(tag(&got, "time").flatten().is_some_and(|t| t.ends_with('Z')), "{got:?}");
    assert_eq!(tag(&got, "msgid").flatten().map(str::len), Some(26));
    assert_eq!(tag(&got, "+draft/reply"), Some(Some("abc")));
    assert_eq!(tag(&got, "+example/x"), Some(Some("1 2")));

    // The library sends tags of its own, on a PRIVMSG and a TAGMSG.
    let privmsg = Message {
        tags: Some(vec![Tag("+draft/react".into(), Some("🎉".into()))]),
        prefix: None,
        command: Command::PRIVMSG("#tags".into(), "from the library".into()),
    };
    client.send(privmsg).expect("send");
    let m = raw.expect("PRIVMSG").await;
    assert_eq!(params(&m), ["#tags", "from the library"]);
    assert_eq!(m.tag("+draft/react"), Some(Some("🎉")));
    assert!(m.tag("msgid").is_some());
    let tagmsg = Message {
        tags: Some(vec![Tag("+typing".into(), Some("active".into()))]),
        prefix: None,
        command: Command::Raw("TAGMSG".into(), vec!["#tags".into()]),
    };
    client.send(tagmsg).expect("send");
    let m = raw.expect("TAGMSG").await;
    assert_eq!(m.source.as_deref().and_then(|s| s.split('!').next()), Some("lib"));
    assert_eq!(m.tag("+typing"), Some(Some("active")));

    client.send_quit("done").expect("quit");
    raw.expect("QUIT").await;
    pump.abort();
    server.stop().await;
}
