//! Hostile: transport. Terminal escapes sent to netcat users, TLS and
//! WebSocket sockets left open after their connection ended, slowloris on
//! the web listener, DNS-rebinding origins, several lines in one WebSocket
//! frame, and the per-address limit for IPv6.

use crate::common::{TestClient, TestServer};

/// `PRIVMSG #hello :\x1b]0;owned\x07\x1b[2J…` must not reach a netcat user
/// as escape sequences: the terminal would be retitled and cleared.
#[tokio::test]
async fn terminal_escapes_do_not_reach_plain_users() {
    let server = TestServer::start().await;
    let mut nc = server.connect().await;
    nc.nick = "nc".into();
    nc.send_raw(b"hello\n").await;
    nc.send_raw(b"ncuser\n").await;
    loop {
        if nc.line().await.expect("open").starts_with("-- Hi ncuser") {
            break;
        }
    }
    let mut mallory = server.client("mallory").await;
    mallory.join("#hello").await;
    mallory.send("PRIVMSG #hello :\x1b]0;owned\x07\x1b[2J\x1b[31m\u{9b}2J\x02bold\x02 \x0304,12red\x03 \x7f end").await;
    mallory.send("PART #hello :\x1b[5mblink").await;
    let said = loop {
        let l = nc.line().await.expect("open");
        if l.starts_with("<mallory>") {
            break l;
        }
    };
    let part = loop {
        let l = nc.line().await.expect("open");
        if l.contains("mallory left") {
            break l;
        }
    };
    for l in [&said, &part] {
        assert!(!l.chars().any(char::is_control), "a control character reached the terminal: {l:?}");
    }
    assert_eq!(said, "<mallory> \u{241b}]0;owned\u{2407}\u{241b}[2J\u{241b}[31m\u{fffd}2Jbold red \u{2421} end");
    server.stop().await;
}
