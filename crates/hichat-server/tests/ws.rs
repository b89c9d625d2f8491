//! IRC over WebSocket (IRCv3 WebSocket spec) against a real server, with
//! tokio-tungstenite as the client: subprotocols, one line per frame, the
//! same session as TCP, origin checks, the proxy header, and closing.

mod web_common;

use futures_util::SinkExt;
use tokio_tungstenite::tungstenite::Message;
use web_common::*;

#[tokio::test]
async fn text_subprotocol_chats_with_a_tcp_client() {
    let s = WebServer::start(test_config(), None).await;
    let (mut ws, proto) = ws_connect(s.web, "text.ircv3.net", None).await;
    assert_eq!(proto.as_deref(), Some("text.ircv3.net"));
    ws_send(&mut ws, "NICK ann").await;
    ws_send(&mut ws, "USER ann 0 * :Ann").await;
    let (welcome, binary) = ws_next(&mut ws).await;
    assert!(!binary);
    assert!(welcome.contains(" 001 ann "), "{welcome}");
    assert!(!welcome.ends_with('\n') && !welcome.ends_with('\r'), "a frame carries no CRLF: {welcome:?}");
    ws_send(&mut ws, "JOIN #hello").await;
    ws_wait_for(&mut ws, " 366 ").await;

    let mut bob = LineClient::register(&s.irc, "bob").await;
    bob.send("JOIN #hello").await;
    bob.wait_for(" 366 ").await;
    ws_wait_for(&mut ws, "JOIN #hello").await;

    ws_send(&mut ws, "PRIVMSG #hello :你好 bob 👋").await;
    let got = bob.wait_for("PRIVMSG").await;
    assert_eq!(got, ":ann!ann@127.0.0.1 PRIVMSG #hello :你好 bob 👋");
    bob.send("PRIVMSG #hello :hi ann 🎉 再见").await;
    let got = ws_wait_for(&mut ws, "PRIVMSG").await;
    assert_eq!(got, ":bob!bob@127.0.0.1 PRIVMSG #hello :hi ann 🎉 再见");

    // Closing the WebSocket ends the IRC session: bob sees the QUIT.
    ws.close(None).await.unwrap();
    let quit = bob.wait_for("QUIT").await;
    assert!(quit.starts_with(":ann!"), "{quit}");
    s.stop().await;
}

#[tokio::test]
async fn binary_subprotocol_in_the_clients_order() {
    let s = WebServer::start(test_config(), None).await;
    let (mut ws, proto) = ws_connect(s.web, "binary.ircv3.net, text.ircv3.net", None).await;
    assert_eq!(proto.as_deref(), Some("binary.ircv3.net"));
    ws.send(Message::binary(b"NICK cat".to_vec())).await.unwrap();
    ws.send(Message::binary(b"USER cat 0 * :Cat".to_vec())).await.unwrap();
    let (welcome, binary) = ws_next(&mut ws).await;
    assert!(binary, "binary.ircv3.net gives binary frames");
    assert!(welcome.contains(" 001 cat "), "{welcome}");

    let (_ws, proto) = ws_connect(s.web, "text.ircv3.net, binary.ircv3.net", None).await;
    assert_eq!(proto.as_deref(), Some("text.ircv3.net"));
    s.stop().await;
}

#[tokio::test]
async fn no_subprotocol_gets_text_frames_and_several_lines_split() {
    let s = WebServer::start(test_config(), None).await;
    let (mut ws, proto) = ws_connect(s.web, "", None).await;
    assert_eq!(proto, None);
    ws_send(&mut ws, "NICK dan").await;
    ws_send(&mut ws, "USER dan 0 * :Dan").await;
    // The welcome burst is many lines written at once: each is its own frame.
    let mut frames = Vec::new();
    loop {
        let (line, binary) = ws_next(&mut ws).await;
        assert!(!binary);
        assert!(!line.contains('\n'), "one line per frame: {line:?}");
        let end = line.contains(" 376 ") || line.contains(" 422 ");
        frames.push(line);
        if end {
            break;
        }
    }
    assert!(frames.len() > 5, "{frames:?}");
    s.stop().await;
}

#[tokio::test]
async fn origins_are_checked() {
    let s = WebServer::start(test_config(), None).await;
    let same = format!("http://{}", s.web);
    let (_ws, _) = ws_connect(s.web, "text.ircv3.net", Some(&same)).await;
    let mut req =
        tokio_tungstenite::tungstenite::client::IntoClientRequest::into_client_request(format!("ws://{}/ws", s.web))
            .unwrap();
    req.headers_mut().insert("Origin", "https://evil.example".parse().unwrap());
    let err = tokio_tungstenite::connect_async(req).await.expect_err("a foreign origin is refused");
    match err {
        tokio_tungstenite::tungstenite::Error::Http(res) => assert_eq!(res.status(), 403),
        e => panic!("unexpected error {e}"),
    }
    s.stop().await;

    let mut config = test_config();
    config.web.allowed_origins = vec!["https://evil.example".into()];
    let s = WebServer::start(config, None).await;
    let (_ws, _) = ws_connect(s.web, "text.ircv3.net", Some("https://evil.example")).await;
    s.stop().await;
}

#[tokio::test]
async fn trusted_proxy_header_gives_the_client_address() {
    let mut config = test_config();
    config.web.trusted_proxies = vec!["127.0.0.1/32".parse().unwrap()];
    let s = WebServer::start(config, None).await;
    let mut req =
        tokio_tungstenite::tungstenite::client::IntoClientRequest::into_client_request(format!("ws://{}/ws", s.web))
            .unwrap();
    req.headers_mut().insert("X-Forwarded-For", "203.0.113.7".parse().unwrap());
    let (mut ws, _) = tokio_tungstenite::connect_async(req).await.unwrap();
    ws_send(&mut ws, "NICK eve").await;
    ws_send(&mut ws, "USER eve 0 * :Eve").await;
    ws_wait_for(&mut ws, " 001 ").await;
    ws_send(&mut ws, "JOIN #hello").await;
    let join = ws_wait_for(&mut ws, " JOIN #hello").await;
    assert_eq!(join, ":eve!eve@203.0.113.7 JOIN #hello");
    s.stop().await;
}

#[tokio::test]
async fn healthz_and_the_client_are_served() {
    let s = WebServer::start(test_config(), None).await;
    let (status, _, body) = http_get(tokio::net::TcpStream::connect(s.web).await.unwrap(), "/healthz").await;
    assert_eq!((status, body.as_str()), (200, "ok\n"));
    let (status, head, body) = http_get(tokio::net::TcpStream::connect(s.web).await.unwrap(), "/").await;
    assert_eq!(status, 200);
    assert!(head.to_ascii_lowercase().contains("content-security-policy"), "{head}");
    assert!(body.contains("/assets/app.js"), "{body}");
    let (status, head, _) = http_get(tokio::net::TcpStream::connect(s.web).await.unwrap(), "/assets/app.js").await;
    assert_eq!(status, 200);
    assert!(head.contains("text/javascript"), "{head}");
    let (status, _, _) = http_get(tokio::net::TcpStream::connect(s.web).await.unwrap(), "/assets/nope.js").await;
    assert_eq!(status, 404);
    s.stop().await;
}

#[tokio::test]
async fn shutdown_reaches_websocket_clients() {
    let s = WebServer::start(test_config(), None).await;
    let (mut ws, _) = ws_connect(s.web, "text.ircv3.net", None).await;
    ws_send(&mut ws, "NICK fay").await;
    ws_send(&mut ws, "USER fay 0 * :Fay").await;
    ws_wait_for(&mut ws, " 001 ").await;
    let stopping = tokio::spawn(s.stop());
    let error = ws_wait_for(&mut ws, "ERROR").await;
    assert_eq!(error, "ERROR :Server shutting down");
    stopping.await.unwrap();
}
