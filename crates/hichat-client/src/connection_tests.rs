//! Tests of `connection.rs` and `session.rs` against a scripted server on a
//! loopback socket.

use super::*;
use tokio::io::{AsyncBufReadExt, AsyncWriteExt, BufReader};
use tokio::net::TcpListener;

#[test]
fn backoff_doubles_to_a_cap_and_resets() {
    let mut b = Backoff::new(Duration::from_secs(1));
    let waits: Vec<u64> = (0..7).map(|_| b.next_wait().as_secs()).collect();
    assert_eq!(waits, vec![1, 2, 4, 8, 16, 30, 30]);
    b.reset();
    assert_eq!(b.next_wait().as_secs(), 1);
}

#[tokio::test]
async fn refused_connection_is_worded_for_the_user() {
    let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let addr = listener.local_addr().unwrap().to_string();
    drop(listener);
    let err = connect(&addr).await.unwrap_err();
    assert_eq!(
        err.to_string(),
        format!("could not connect to {addr}: connection refused (is 'hichat serve' running?)")
    );
}

/// A scripted server: reads our lines and answers like a Modern IRC
/// server that offers echo-message and server-time.
struct Fake {
    lines: tokio::io::Lines<BufReader<tokio::net::tcp::OwnedReadHalf>>,
    wr: tokio::net::tcp::OwnedWriteHalf,
}

impl Fake {
    async fn accept(listener: &TcpListener) -> Fake {
        let (sock, _) = listener.accept().await.unwrap();
        let (rd, wr) = sock.into_split();
        Fake { lines: BufReader::new(rd).lines(), wr }
    }

    async fn expect(&mut self, want: &str) {
        let got = tokio::time::timeout(Duration::from_secs(5), self.lines.next_line()).await;
        assert_eq!(got.unwrap().unwrap().as_deref(), Some(want));
    }

    async fn send(&mut self, line: &str) {
        self.wr.write_all(format!("{line}\r\n").as_bytes()).await.unwrap();
    }
}

async fn next(handle: &mut Handle) -> ConnEvent {
    tokio::time::timeout(Duration::from_secs(5), handle.events.recv()).await.unwrap().unwrap()
}

fn config(addr: &str) -> Config {
    Config {
        addr: addr.to_owned(),
        nick: "ann".into(),
        channels: vec!["#hello".into()],
        password: None,
        sasl: None,
        ping_interval: Duration::from_secs(30),
        first_backoff: Duration::from_millis(100),
    }
}

#[tokio::test]
async fn registers_with_caps_answers_ping_measures_lag_and_reconnects() {
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap().to_string();
    let stream = connect(&addr).await.unwrap();
    let mut handle = spawn(stream, config(&addr));
    let mut srv = Fake::accept(&listener).await;
    assert_eq!(next(&mut handle).await, ConnEvent::Connected);
    srv.expect("CAP LS 302").await;
    srv.expect("NICK ann").await;
    srv.expect("USER ann 0 * hichat").await;
    // A line typed before registration waits for it.
    handle.send(Message::new("PRIVMSG", ["#hello", "早"]));
    srv.send(":srv CAP * LS :echo-message server-time sasl draft/x").await;
    srv.expect("CAP REQ :echo-message server-time").await;
    srv.send(":srv CAP ann ACK :echo-message server-time").await;
    srv.expect("CAP END").await;
    srv.send(":srv 001 ann :Welcome").await;
    assert!(matches!(next(&mut handle).await, ConnEvent::Message(m) if m.command == "001"));
    let caps = vec!["echo-message".to_owned(), "server-time".to_owned()];
    assert_eq!(next(&mut handle).await, ConnEvent::Registered { nick: "ann".into(), caps });
    srv.expect("JOIN #hello").await;
    srv.expect("PRIVMSG #hello 早").await;
    srv.expect("PING hichat-lag-1").await;
    srv.send(":srv PONG srv hichat-lag-1").await;
    assert!(matches!(next(&mut handle).await, ConnEvent::Lag(_)));
    srv.send("PING :are-you-there").await;
    srv.expect("PONG are-you-there").await;
    // Broken UTF-8 from the server is shown with U+FFFD, not dropped.
    srv.wr.write_all(b":bob!b@h PRIVMSG #hello :\xff ok \xe4\xbd\xa0\r\n").await.unwrap();
    let ev = next(&mut handle).await;
    assert!(matches!(&ev, ConnEvent::Message(m) if m.param(1) == "\u{FFFD} ok 你"), "{ev:?}");
    // We join another channel, then the server goes away.
    srv.send(":ann!a@h JOIN #rust").await;
    assert!(matches!(next(&mut handle).await, ConnEvent::Message(m) if m.command == "JOIN"));
    drop(srv);
    let ev = next(&mut handle).await;
    assert!(matches!(ev, ConnEvent::Disconnected { ref reason, .. } if reason.contains("closed")), "{ev:?}");
    // It comes back by itself and rejoins both channels.
    let mut srv = Fake::accept(&listener).await;
    assert_eq!(next(&mut handle).await, ConnEvent::Connected);
    srv.expect("CAP LS 302").await;
    srv.expect("NICK ann").await;
    srv.expect("USER ann 0 * hichat").await;
    srv.send(":srv 001 ann :Welcome back").await;
    srv.expect("JOIN #hello,#rust").await;
    srv.expect("PING hichat-lag-1").await;
    // Quitting sends QUIT, closes the socket and ends with Closed.
    handle.quit(Some("bye 再见".into()));
    srv.expect("QUIT :bye 再见").await;
    let eof = tokio::time::timeout(Duration::from_secs(5), srv.lines.next_line()).await.unwrap().unwrap();
    assert_eq!(eof, None, "socket closed after QUIT");
    drop(srv); // as a server does after QUIT
    loop {
        if next(&mut handle).await == ConnEvent::Closed {
            break;
        }
    }
}

#[tokio::test]
async fn quit_while_disconnected_closes_at_once() {
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap().to_string();
    let stream = connect(&addr).await.unwrap();
    let mut handle = spawn(stream, Config { first_backoff: Duration::from_secs(30), ..config(&addr) });
    drop(Fake::accept(&listener).await);
    assert_eq!(next(&mut handle).await, ConnEvent::Connected);
    assert!(matches!(next(&mut handle).await, ConnEvent::Disconnected { .. }));
    handle.quit(None);
    assert_eq!(next(&mut handle).await, ConnEvent::Closed);
}
