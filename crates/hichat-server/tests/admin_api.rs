//! The admin HTTP API over a real socket, called with hyper's HTTP client,
//! with IRC clients connected: every endpoint, what a missing or wrong
//! token gets, the throttle, malformed bodies, and that a kill disconnects
//! and a ban refuses for real (and is in the SQLite file when acknowledged).

mod common;
mod web_common;

use bytes::Bytes;
use common::{data_dir, params, TestClient};
use hichat_server::web::admin::tokens::new_token;
use hichat_server::web::admin::AdminToken;
use hichat_server::{Config, Server};
use http_body_util::{BodyExt, Full};
use hyper::header::HeaderMap;
use hyper_util::rt::TokioIo;
use serde_json::{json, Value};
use std::net::SocketAddr;
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use web_common::WebServer;

/// A config with the API on and one token, `bot`; returns the token too.
fn api_config() -> (Config, String) {
    let mut c = common::test_config();
    let (token, sha256) = new_token();
    c.admin.enabled = true;
    c.admin.tokens = vec![AdminToken { name: "bot".into(), sha256 }];
    (c, token)
}

struct Reply {
    status: u16,
    headers: HeaderMap,
    body: Value,
}

/// One request over a new connection from `from` (a loopback address).
async fn request_from(from: &str, web: SocketAddr, method: &str, path: &str, auth: Option<&str>, body: &[u8]) -> Reply {
    let socket = tokio::net::TcpSocket::new_v4().unwrap();
    socket.bind(format!("{from}:0").parse().unwrap()).unwrap();
    let stream = socket.connect(web).await.unwrap();
    let (mut sender, conn) = hyper::client::conn::http1::handshake(TokioIo::new(stream)).await.unwrap();
    tokio::spawn(conn);
    let mut req = hyper::Request::builder().method(method).uri(path).header("host", web.to_string());
    if let Some(auth) = auth {
        req = req.header("authorization", auth);
    }
    if !body.is_empty() {
        req = req.header("content-type", "application/json");
    }
    let req = req.body(Full::new(Bytes::copy_from_slice(body))).unwrap();
    let res = tokio::time::timeout(common::WAIT, sender.send_request(req)).await.expect("an answer").unwrap();
    let status = res.status().as_u16();
    let headers = res.headers().clone();
    let bytes = res.into_body().collect().await.unwrap().to_bytes();
    let body = serde_json::from_slice(&bytes).unwrap_or_else(|_| Value::String(String::from_utf8_lossy(&bytes).into()));
    Reply { status, headers, body }
}

async fn get(web: SocketAddr, path: &str, token: &str) -> Reply {
    request_from("127.0.0.1", web, "GET", path, Some(&format!("Bearer {token}")), b"").await
}

async fn post(web: SocketAddr, path: &str, token: &str, body: Value) -> Reply {
    let body = serde_json::to_vec(&body).unwrap();
    request_from("127.0.0.1", web, "POST", path, Some(&format!("Bearer {token}")), &body).await
}

fn error_of(r: &Reply) -> &str {
    r.body["error"].as_str().unwrap_or_else(|| panic!("no error field: {:?}", r.body))
}

#[tokio::test]
async fn off_by_default_and_a_401_that_tells_nothing() {
    let (config, token) = api_config();
    let mut off = config.clone();
    off.admin.enabled = false;
    let s = WebServer::start(off, None).await;
    assert_eq!(get(s.web, "/api/v1/status", &token).await.status, 404, "off: as if not there");
    s.stop().await;

    let s = WebServer::start(config.clone(), None).await;
    let hash = &config.admin.tokens[0].sha256;
    let mut bodies = Vec::new();
    for auth in [
        None,
        Some("Basic Ym90OnNlY3JldA==".to_owned()),
        Some("Bearer wrong".into()),
        Some(format!("Bearer {hash}")),
        Some(token.clone()),
    ] {
        let r = request_from("127.0.0.1", s.web, "GET", "/api/v1/status", auth.as_deref(), b"").await;
        assert_eq!(r.status, 401, "{auth:?}");
        assert_eq!(r.headers["www-authenticate"], "Bearer");
        bodies.push(r.body);
    }
    assert!(bodies.iter().all(|b| *b == json!({"error": "unauthorized"})), "{bodies:?}");
    // A known endpoint and an unknown one look the same without a token.
    let r = request_from("127.0.0.1", s.web, "GET", "/api/v1/nope", None, b"").await;
    assert_eq!((r.status, r.body), (401, json!({"error": "unauthorized"})));
    let ok = get(s.web, "/api/v1/status", &token).await;
    assert_eq!(ok.status, 200, "{:?}", ok.body);
    assert_eq!(ok.headers["content-type"], "application/json");
    assert_eq!(get(s.web, "/api/v1/nope", &token).await.status, 404);
    let wrong_method = get(s.web, "/api/v1/kill", &token).await;
    assert_eq!((wrong_method.status, &wrong_method.headers["allow"]), (405, &"POST".parse().unwrap()));
    s.stop().await;
}

#[tokio::test]
async fn failures_are_throttled_per_address() {
    let (mut config, token) = api_config();
    config.admin.auth_failures_per_source = 3;
    let s = WebServer::start(config, None).await;
    for _ in 0..3 {
        let r = request_from("127.0.0.1", s.web, "GET", "/api/v1/status", Some("Bearer guess"), b"").await;
        assert_eq!(r.status, 401);
    }
    let r = get(s.web, "/api/v1/status", &token).await;
    assert_eq!(r.status, 429, "past the limit even the right token waits");
    assert_eq!(r.headers["retry-after"], "60");
    let other = request_from("127.0.0.2", s.web, "GET", "/api/v1/status", Some(&format!("Bearer {token}")), b"").await;
    assert_eq!(other.status, 200, "another address is not throttled");
    s.stop().await;
}

#[tokio::test]
async fn lists_status_and_accounts() {
    let (config, token) = api_config();
    let s = WebServer::start(config, None).await;
    let mut ann = TestClient::connect(&s.irc).await;
    ann.register("ann").await;
    ann.join("#rust").await;
    ann.send("TOPIC #rust :borrow checking").await;
    ann.expect("TOPIC").await;
    ann.send("REGISTER * ann@example.org long-enough").await;
    assert_eq!(params(&ann.expect("REGISTER").await)[..2], ["SUCCESS", "ann"]);
    let mut bob = TestClient::connect(&s.irc).await;
    bob.register("bob").await;
    bob.join("#rust").await;

    let users = get(s.web, "/api/v1/users", &token).await;
    assert_eq!(users.status, 200);
    let list = users.body["users"].as_array().unwrap();
    let a = list.iter().find(|u| u["nick"] == "ann").expect("ann listed");
    assert_eq!((&a["user"], &a["ip"], &a["account"]), (&json!("ann"), &json!("127.0.0.1"), &json!("ann")));
    assert_eq!(a["channels"], json!(["#rust"]));
    assert!(a["connectedSince"].as_str().unwrap().ends_with('Z'));
    assert!(list.iter().any(|u| u["nick"] == "bob" && u["account"].is_null()));

    let channels = get(s.web, "/api/v1/channels", &token).await;
    let rust = channels.body["channels"].as_array().unwrap().iter().find(|c| c["name"] == "#rust").cloned().unwrap();
    assert_eq!(
        (&rust["userCount"], &rust["topic"], &rust["modes"]),
        (&json!(2), &json!("borrow checking"), &json!("+nt"))
    );

    // Reads answer POST too, as Ergo's do.
    let status = post(s.web, "/api/v1/status", &token, json!({})).await;
    assert_eq!(status.body["users"]["total"], 2);
    assert_eq!(status.body["channels"], 1);
    assert!(status.body["version"].as_str().unwrap().starts_with("hichat-"));

    let info = post(s.web, "/api/v1/ns/info", &token, json!({"accountName": "ANN"})).await;
    assert_eq!(info.status, 200, "{:?}", info.body);
    assert_eq!((&info.body["accountName"], &info.body["loggedIn"]), (&json!("ann"), &json!(["ann"])));
    assert_eq!(info.body["email"], "ann@example.org");
    let none = post(s.web, "/api/v1/ns/info", &token, json!({"accountName": "nobody"})).await;
    assert_eq!((none.status, error_of(&none)), (404, "no such account: nobody"));
    s.stop().await;
}

#[tokio::test]
async fn kick_kill_and_notice_reach_irc_clients() {
    let (config, token) = api_config();
    let s = WebServer::start(config, None).await;
    let mut ann = TestClient::connect(&s.irc).await;
    ann.register("ann").await;
    ann.join("#rust").await;
    let mut bob = TestClient::connect(&s.irc).await;
    bob.register("bob").await;
    bob.join("#rust").await;
    ann.expect("JOIN").await;

    let r =
        post(s.web, "/api/v1/kick", &token, json!({"channel": "#RUST", "nick": "Bob", "reason": "off topic"})).await;
    assert_eq!(r.status, 200, "{:?}", r.body);
    for c in [&mut ann, &mut bob] {
        let kick = c.expect("KICK").await;
        assert_eq!((kick.source.as_deref(), params(&kick)), (Some("hichat.local"), vec!["#rust", "bob", "off topic"]));
    }
    let again = post(s.web, "/api/v1/kick", &token, json!({"channel": "#rust", "nick": "bob"})).await;
    assert_eq!((again.status, error_of(&again)), (404, "bob is not on #rust"));
    let r = post(s.web, "/api/v1/kick", &token, json!({"channel": "#nowhere", "nick": "bob"})).await;
    assert_eq!(r.status, 404);
    let r = post(s.web, "/api/v1/kick", &token, json!({"channel": "rust", "nick": "bob"})).await;
    assert_eq!(r.status, 400, "not a channel name");
    bob.join("#rust").await;
    ann.expect("JOIN").await;

    let r = post(s.web, "/api/v1/notice", &token, json!({"text": "maintenance at noon"})).await;
    assert_eq!((r.status, &r.body["recipients"]), (200, &json!(2)));
    for c in [&mut ann, &mut bob] {
        let n = c.expect("NOTICE").await;
        assert_eq!((n.source.as_deref(), params(&n)[1]), (Some("hichat.local"), "maintenance at noon"));
    }
    let r = post(s.web, "/api/v1/notice", &token, json!({"text": "just you", "nick": "bob"})).await;
    assert_eq!(r.body["recipients"], 1);
    assert_eq!(params(&bob.expect("NOTICE").await), ["bob", "just you"]);
    ann.expect_nothing().await;
    let r = post(s.web, "/api/v1/notice", &token, json!({"text": "a\r\nQUIT"})).await;
    assert_eq!(r.status, 400, "no line breaks into IRC");
    let r = post(s.web, "/api/v1/notice", &token, json!({"text": "x", "nick": "nobody"})).await;
    assert_eq!((r.status, error_of(&r)), (404, "no such nick: nobody"));

    let r = post(s.web, "/api/v1/kill", &token, json!({"nick": "bob", "reason": "spam"})).await;
    assert_eq!(r.status, 200, "{:?}", r.body);
    let lines = bob.read_to_close().await;
    assert!(lines.iter().any(|l| l == ":hichat.local KILL bob spam"), "{lines:?}");
    assert!(lines.last().unwrap().starts_with("ERROR"), "{lines:?}");
    let quit = ann.expect("QUIT").await;
    assert_eq!(params(&quit), ["Killed (hichat.local (spam))"]);
    let r = post(s.web, "/api/v1/kill", &token, json!({"nick": "bob"})).await;
    assert_eq!((r.status, error_of(&r)), (404, "no such nick: bob"));
    s.stop().await;
}

#[tokio::test]
async fn bans_refuse_for_real_and_are_stored_before_the_answer() {
    let dir = data_dir("admin-bans");
    let (mut config, token) = api_config();
    config.server.data_dir = dir.clone();
    let s = WebServer::from_server(Server::open(config.clone()).unwrap(), None).await;
    let mut evil = TestClient::connect(&s.irc).await;
    evil.register("evil").await;
    let mut ann = TestClient::connect(&s.irc).await;
    ann.register("ann").await;

    let r = post(s.web, "/api/v1/kline", &token, json!({"mask": "evil@*", "minutes": 60, "reason": "spam"})).await;
    assert_eq!(r.status, 200, "{:?}", r.body);
    assert!(r.body["expiresAt"].is_string());
    // Read straight from the file (the running server holds the data
    // directory's lock, so a second store may not open it).
    let db = rusqlite::Connection::open(dir.join("hichat.db")).unwrap();
    let stored: i64 = db
        .query_row("SELECT count(*) FROM bans WHERE mask = 'evil@*' AND setter = 'admin:bot'", [], |r| r.get(0))
        .unwrap();
    assert_eq!(stored, 1, "committed before the answer");
    drop(db);
    let lines = evil.read_to_close().await;
    assert!(lines.last().unwrap().contains("K-lined: spam"), "{lines:?}");
    let mut again = TestClient::connect(&s.irc).await;
    again.send("NICK evil2").await;
    again.send("USER evil 0 * :x").await;
    let lines = again.read_to_close().await;
    assert!(lines.iter().any(|l| l.contains(" 465 ")), "refused: {lines:?}");

    let r = post(s.web, "/api/v1/dline", &token, json!({"mask": "127.0.0.2/32"})).await;
    assert_eq!(r.status, 200, "{:?}", r.body);
    assert!(r.body["expiresAt"].is_null(), "no minutes: no end");
    let mut far = TestClient::connect_from(&s.irc, "127.0.0.2").await;
    let lines = far.read_to_close().await;
    assert!(lines.iter().any(|l| l.starts_with("ERROR")), "{lines:?}");
    ann.sync().await;

    for (body, why) in [
        (json!({"mask": "no-at-sign"}), "mask must be user@host"),
        (json!({"mask": "a@b", "minutes": 99_999_999_999u64}), "minutes is at most"),
        (json!({"mask": "a b@c"}), "mask may not contain"),
        (json!({"mask": "x".repeat(200) + "@h"}), "mask must be 1 to 128 bytes"),
    ] {
        let r = post(s.web, "/api/v1/kline", &token, body).await;
        assert_eq!(r.status, 400);
        assert!(error_of(&r).starts_with(why), "{:?}", r.body);
    }
    let r = post(s.web, "/api/v1/dline", &token, json!({"mask": "*@host"})).await;
    assert_eq!((r.status, error_of(&r)), (400, "mask must be an IP address or network"));

    let r = post(s.web, "/api/v1/unkline", &token, json!({"mask": "evil@*"})).await;
    assert_eq!(r.status, 200, "{:?}", r.body);
    let mut back = TestClient::connect(&s.irc).await;
    back.send("NICK evil").await;
    back.send("USER evil 0 * :x").await;
    back.expect("001").await;
    let r = post(s.web, "/api/v1/unkline", &token, json!({"mask": "evil@*"})).await;
    assert_eq!((r.status, error_of(&r)), (404, "no such ban"));
    s.stop().await;

    // The D-line outlives a restart; the lifted K-line does not.
    let server = Server::open(config).unwrap();
    let bans = server.state().records.bans.clone();
    assert_eq!(bans.iter().map(|b| b.mask.as_str()).collect::<Vec<_>>(), ["127.0.0.2/32"]);
}

#[tokio::test]
async fn bad_bodies_get_a_short_json_error() {
    let (mut config, token) = api_config();
    config.admin.max_body_bytes = 256;
    let s = WebServer::start(config, None).await;
    let auth = format!("Bearer {token}");
    let send = |body: &'static [u8]| request_from("127.0.0.1", s.web, "POST", "/api/v1/kill", Some(&auth), body);
    let cases: [(&[u8], &str); 6] = [
        (b"{\"nick\": ", "bad request body: EOF while parsing"),
        (b"<kill/>", "bad request body: expected value"),
        (b"", "bad request body: EOF while parsing"),
        (b"{\"nick\": 5}", "bad request body: invalid type: integer `5`, expected a string"),
        (b"{\"reason\": \"x\"}", "bad request body: missing field `nick`"),
        (b"{\"nick\": \"a\", \"extra\": 1}", "bad request body: unknown field `extra`"),
    ];
    for (body, why) in cases {
        let r = send(body).await;
        assert_eq!(r.status, 400, "{:?}", String::from_utf8_lossy(body));
        assert!(error_of(&r).starts_with(why), "{:?}", r.body);
    }
    let r = post(s.web, "/api/v1/kill", &token, json!({"nick": "1bad"})).await;
    assert_eq!(r.status, 400, "not a nick");
    let r = post(s.web, "/api/v1/kill", &token, json!({"nick": "x".repeat(31)})).await;
    assert_eq!((r.status, error_of(&r)), (400, "nick: name is too long"));
    let r = post(s.web, "/api/v1/kill", &token, json!({"nick": "ann", "reason": "x".repeat(300)})).await;
    assert_eq!(r.status, 413, "over max_body_bytes");
    assert_eq!(error_of(&r), "the body is over 256 bytes");

    // Without a Content-Length (chunked), the limit still holds.
    let mut raw = tokio::net::TcpStream::connect(s.web).await.unwrap();
    let chunk = "x".repeat(300);
    let req = format!(
        "POST /api/v1/kill HTTP/1.1\r\nHost: x\r\nAuthorization: {auth}\r\nTransfer-Encoding: chunked\r\nConnection: close\r\n\r\n{:x}\r\n{chunk}\r\n0\r\n\r\n",
        chunk.len()
    );
    raw.write_all(req.as_bytes()).await.unwrap();
    let mut answer = Vec::new();
    let _ = tokio::time::timeout(common::WAIT, raw.read_to_end(&mut answer)).await;
    let answer = String::from_utf8_lossy(&answer);
    assert!(answer.starts_with("HTTP/1.1 413"), "{answer}");
    s.stop().await;
}

/// What the server logs, kept for a test to read.
#[derive(Clone, Default)]
struct Captured(std::sync::Arc<std::sync::Mutex<Vec<u8>>>);

impl std::io::Write for Captured {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        self.0.lock().unwrap().extend_from_slice(buf);
        Ok(buf.len())
    }
    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

impl<'a> tracing_subscriber::fmt::MakeWriter<'a> for Captured {
    type Writer = Captured;
    fn make_writer(&'a self) -> Captured {
        self.clone()
    }
}

#[tokio::test]
async fn actions_are_logged_with_the_token_name_never_the_token() {
    let captured = Captured::default();
    let subscriber = tracing_subscriber::fmt()
        .with_writer(captured.clone())
        .with_ansi(false)
        .with_max_level(tracing::Level::INFO)
        .finish();
    // A current-thread runtime: the server's tasks log on this thread.
    let _guard = tracing::subscriber::set_default(subscriber);
    let (config, token) = api_config();
    let s = WebServer::start(config, None).await;
    let mut bob = TestClient::connect(&s.irc).await;
    bob.register("bob").await;
    let wrong = "hct_a-wrong-token-someone-tried";
    request_from("127.0.0.1", s.web, "GET", "/api/v1/users", Some(&format!("Bearer {wrong}")), b"").await;
    assert_eq!(post(s.web, "/api/v1/kill", &token, json!({"nick": "bob", "reason": "spam"})).await.status, 200);
    assert_eq!(post(s.web, "/api/v1/dline", &token, json!({"mask": "192.0.2.0/24"})).await.status, 200);
    s.stop().await;
    let log = String::from_utf8(captured.0.lock().unwrap().clone()).unwrap();
    assert!(log.contains("admin API: unauthorized"), "{log}");
    assert!(
        log.lines().any(|l| l.contains("admin API: kill") && l.contains("token=\"bot\"") && l.contains("nick=bob")),
        "{log}"
    );
    assert!(
        log.lines().any(|l| l.contains("admin API: Added DLINE for 192.0.2.0/24") && l.contains("token=\"bot\"")),
        "{log}"
    );
    assert!(!log.contains(&token) && !log.contains(wrong), "no token in the log: {log}");
}

#[tokio::test]
async fn a_ban_is_answered_only_once_the_store_has_committed_it() {
    let dir = data_dir("admin-commit");
    let (mut config, token) = api_config();
    config.server.data_dir = dir.clone();
    let s = WebServer::from_server(Server::open(config).unwrap(), None).await;
    // Another writer holds the database: the store's commit has to wait.
    let blocker = rusqlite::Connection::open(dir.join("hichat.db")).unwrap();
    blocker.execute_batch("BEGIN EXCLUSIVE").unwrap();
    let web = s.web;
    let t = token.clone();
    let call = tokio::spawn(async move { post(web, "/api/v1/kline", &t, json!({"mask": "*@blocked"})).await });
    tokio::time::sleep(std::time::Duration::from_millis(700)).await;
    assert!(!call.is_finished(), "answered before the commit");
    blocker.execute_batch("ROLLBACK").unwrap();
    let r = tokio::time::timeout(common::WAIT, call).await.unwrap().unwrap();
    assert_eq!(r.status, 200, "{:?}", r.body);
    s.stop().await;
}
