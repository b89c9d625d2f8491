//! Hostile: transport. Terminal escapes sent to netcat users, TLS and
//! WebSocket sockets left open after their connection ended, slowloris on
//! the web listener, DNS-rebinding origins, several lines in one WebSocket
//! frame, and the per-address limit for IPv6.

use crate::common::TestServer;

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

mod websocket {
    use crate::web_common::{test_config, ws_next, ws_send, WebServer, WAIT};
    use futures_util::StreamExt;
    use tokio_tungstenite::tungstenite::client::IntoClientRequest;
    use tokio_tungstenite::tungstenite::http::HeaderValue;
    use tokio_tungstenite::tungstenite::{Error, Message};

    /// DNS rebinding: a page from `http://evil.example:PORT`, its name now
    /// pointing at 127.0.0.1, sends `Host: evil.example:PORT` to match.
    #[tokio::test]
    async fn rebinding_origin_is_refused_whatever_the_host_header() {
        let web = WebServer::start(test_config(), None).await;
        let port = web.web.port();
        for (origin, host) in [
            (format!("http://evil.example:{port}"), format!("evil.example:{port}")),
            (format!("http://evil.example:{port}"), format!("127.0.0.1:{port}")),
        ] {
            let mut req = format!("ws://{}/ws", web.web).into_client_request().unwrap();
            req.headers_mut().insert("Origin", HeaderValue::from_str(&origin).unwrap());
            req.headers_mut().insert("Host", HeaderValue::from_str(&host).unwrap());
            req.headers_mut().insert("Sec-WebSocket-Protocol", HeaderValue::from_static("text.ircv3.net"));
            match tokio::time::timeout(WAIT, tokio_tungstenite::connect_async(req)).await.expect("an answer in time") {
                Err(Error::Http(res)) => assert_eq!(res.status(), 403, "Origin {origin}, Host {host}"),
                Err(e) => panic!("Origin {origin}, Host {host}: unexpected error {e}"),
                Ok(_) => panic!("Origin {origin} with Host {host} was let in"),
            }
        }
        // The listener's own address is still its own origin.
        let own = format!("http://{}", web.web);
        let (mut ws, _) = crate::web_common::ws_connect(web.web, "text.ircv3.net", Some(&own)).await;
        ws_send(&mut ws, "PING x").await;
        assert!(ws_next(&mut ws).await.0.contains("PONG"));
        web.stop().await;
    }

    /// One frame holding three lines must not run three commands.
    #[tokio::test]
    async fn a_frame_with_several_lines_is_refused() {
        let web = WebServer::start(test_config(), None).await;
        let mut watcher = crate::common::TestClient::connect(&web.irc).await;
        watcher.register("watcher").await;
        watcher.join("#x").await;
        let (mut ws, _) = crate::web_common::ws_connect(web.web, "text.ircv3.net", None).await;
        ws_send(&mut ws, "NICK sneaky\r\nUSER s 0 * :s\r\nJOIN #x").await;
        let mut texts = Vec::new();
        let closed = tokio::time::timeout(WAIT, async {
            while let Some(Ok(msg)) = ws.next().await {
                match msg {
                    Message::Text(t) => texts.push(t.as_str().to_owned()),
                    Message::Close(frame) => return frame,
                    _ => {}
                }
            }
            None
        })
        .await
        .expect("the server closes the WebSocket in time");
        assert!(texts.iter().all(|t| !t.contains(" 001 ")), "the lines were run: {texts:?}");
        assert!(texts.iter().any(|t| t.starts_with("ERROR ")), "{texts:?}");
        assert_eq!(closed.map(|f| u16::from(f.code)), Some(1002));
        // Nobody joined #x.
        let seen = watcher.sync().await;
        assert!(seen.iter().all(|m| m.command != "JOIN"), "{seen:?}");
        web.stop().await;
    }
}
