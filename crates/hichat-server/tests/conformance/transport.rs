//! Conformance: transport. The IRC WebSocket answers on any path of the web
//! listener that is not a file of the web client, as Ergo's does: clients
//! and test suites connect to `ws://host:port/`.

#[path = "../web_common/mod.rs"]
mod web_common;

use futures_util::{SinkExt, StreamExt};
use tokio_tungstenite::tungstenite::client::IntoClientRequest;
use tokio_tungstenite::tungstenite::http::HeaderValue;
use tokio_tungstenite::tungstenite::Message;
use web_common::{http_get, test_config, WebServer, WAIT};

#[tokio::test]
async fn websocket_on_the_root_and_other_paths() {
    let web = WebServer::start(test_config(), None).await;
    for (i, path) in ["/", "/irc", "/webirc/websocket/", "/ws"].into_iter().enumerate() {
        let mut req = format!("ws://{}{path}", web.web).into_client_request().unwrap();
        req.headers_mut().insert("Sec-WebSocket-Protocol", HeaderValue::from_static("text.ircv3.net"));
        let (mut ws, res) = tokio::time::timeout(WAIT, tokio_tungstenite::connect_async(req))
            .await
            .expect("a handshake in time")
            .unwrap_or_else(|e| panic!("{path}: {e}"));
        assert_eq!(res.headers().get("Sec-WebSocket-Protocol").unwrap(), "text.ircv3.net", "{path}");
        ws.send(Message::text(format!("NICK w{i}"))).await.unwrap();
        ws.send(Message::text(format!("USER w{i} 0 * :w"))).await.unwrap();
        let welcome = tokio::time::timeout(WAIT, async {
            while let Some(Ok(m)) = ws.next().await {
                if let Message::Text(t) = m {
                    if t.as_str().contains(" 001 ") {
                        return t.as_str().to_owned();
                    }
                }
            }
            panic!("{path}: closed before 001");
        })
        .await
        .expect("001 in time");
        assert!(welcome.contains(&format!("w{i}")), "{welcome}");
    }
    // Plain GETs still get the client's page and the 404 for other paths.
    let (status, _, body) = http_get(tokio::net::TcpStream::connect(web.web).await.unwrap(), "/").await;
    assert_eq!(status, 200);
    assert!(body.contains("<html") || body.contains("<!doctype") || body.contains("<!DOCTYPE"), "{body}");
    let (status, _, _) = http_get(tokio::net::TcpStream::connect(web.web).await.unwrap(), "/irc").await;
    assert_eq!(status, 404);
    web.stop().await;
}
