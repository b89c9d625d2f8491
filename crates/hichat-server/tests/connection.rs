//! A connection's life: the server's keep-alive PING and ping timeout, the
//! registration timeout, and graceful shutdown.

mod common;
use common::{params, test_config, TestServer};

fn quick_timeouts() -> hichat_server::Config {
    let mut config = test_config();
    config.limits.ping_interval_secs = 1;
    config.limits.ping_timeout_secs = 1;
    config
}

#[tokio::test]
async fn ping_timeout() {
    let server = TestServer::with_config(quick_timeouts()).await;
    let mut quiet = server.client("quiet").await;
    let mut alive = server.client("alive").await;
    quiet.join("#p").await;
    alive.join("#p").await;

    // `alive` answers every PING, and sees `quiet` leave.
    let alive = tokio::spawn(async move {
        let quit = loop {
            let m = alive.message().await;
            match m.command.as_str() {
                "PING" => alive.send(&format!("PONG :{}", m.params[0])).await,
                "QUIT" => break m,
                _ => {}
            }
        };
        (alive, quit)
    });

    // `quiet` gets the server's PING and never answers.
    let ping = quiet.expect("PING").await;
    assert_eq!(params(&ping), ["hichat.local"]);
    let rest = quiet.read_to_close().await;
    let last = rest.last().expect("an ERROR before the close");
    assert!(last.starts_with("ERROR :Closing Link: 127.0.0.1 (Ping timeout: "), "{rest:?}");

    let (mut alive, quit) = alive.await.expect("the alive task");
    assert_eq!(quit.source.as_deref(), Some("quiet!quiet@127.0.0.1"));
    assert!(quit.params[0].starts_with("Ping timeout: ") && quit.params[0].ends_with(" seconds"), "{quit:?}");
    // Exactly once, and alive is still connected.
    let before = alive.sync().await;
    assert!(before.iter().all(|m| m.command == "PING"), "{before:?}");
    alive.send("NAMES #p").await;
    assert_eq!(params(&alive.expect("353").await), ["alive", "=", "#p", "alive"]);
    server.stop().await;
}

#[tokio::test]
async fn registration_timeout() {
    let mut config = test_config();
    config.limits.registration_timeout_secs = 1;
    let server = TestServer::with_config(config).await;
    let mut c = server.connect().await;
    c.send("NICK slow").await;
    let rest = c.read_to_close().await;
    assert_eq!(rest, ["ERROR :Closing Link: 127.0.0.1 (Registration timed out)"]);
    // The nick is free again.
    let mut d = server.client("slow").await;
    d.expect_nothing().await;
    server.stop().await;
}

#[tokio::test]
async fn shutdown_tells_every_client() {
    let server = TestServer::start().await;
    let mut ann = server.client("ann").await;
    let mut bob = server.client("bob").await;
    let mut unregistered = server.connect().await;
    ann.join("#s").await;
    bob.join("#s").await;
    unregistered.send("NICK half").await;
    unregistered.sync().await;
    server.stop().await;
    for c in [&mut ann, &mut bob, &mut unregistered] {
        let rest = c.read_to_close().await;
        assert_eq!(rest.last().map(String::as_str), Some("ERROR :Server shutting down"), "{rest:?}");
    }
}
