//! Limits that protect everyone from one client: the send queue (a client
//! that stops reading is dropped, nobody else notices), input flood
//! control, and the per-user and per-message caps.

mod common;
use common::{params, test_config, TestClient, TestServer};
use hichat_proto::Message;
use std::net::IpAddr;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;
use std::time::Duration;
use tokio::sync::Barrier;

const CHATTERS: usize = 100;
/// Enough rounds to overflow any plausible kernel buffering; the test stops
/// as soon as the stalled client is gone.
const MAX_ROUNDS: usize = 200;

/// A client that never reads while 100 others chat is dropped at its
/// send-queue limit, and every other client still receives every message.
///
/// The chat goes in rounds: each chatter says one line, reads the other 99
/// lines of the round, and waits for everyone at a barrier. So no reader
/// lags by more than one round (well under the send queue) while the
/// stalled client's queue grows by a round's worth each time.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn stalled_reader_is_dropped_and_nobody_else_misses_a_line() {
    let mut config = test_config();
    config.limits.sendq_bytes = 64 << 10;
    let server = TestServer::with_config(config).await;

    // A small receive buffer, so the kernel absorbs little on its side.
    let mut stalled = TestClient::connect_small_buffers(&server.addr).await;
    stalled.register("stalled").await;
    stalled.join("#flood").await;

    let mut chatters = Vec::new();
    for i in 0..CHATTERS {
        let mut c = server.client(&format!("c{i}")).await;
        c.join("#flood").await;
        chatters.push(c);
    }
    for c in &mut chatters {
        c.sync().await;
    }

    let barrier = Arc::new(Barrier::new(CHATTERS));
    let dropped = Arc::new(AtomicBool::new(false));
    let padding = "x".repeat(380);
    let mut tasks = Vec::new();
    for (i, mut c) in chatters.into_iter().enumerate() {
        let (barrier, dropped, padding) = (barrier.clone(), dropped.clone(), padding.clone());
        let server = server.server.clone();
        tasks.push(tokio::spawn(async move {
            let mut received = 0usize;
            let mut quits = Vec::new();
            let mut rounds = 0;
            while rounds < MAX_ROUNDS {
                c.send(&format!("PRIVMSG #flood :{rounds} {i} {padding}")).await;
                let mut this_round = 0;
                while this_round < CHATTERS - 1 {
                    let m = c.message().await;
                    match m.command.as_str() {
                        "PRIVMSG" => {
                            assert!(m.params[1].starts_with(&format!("{rounds} ")), "{m:?}");
                            this_round += 1;
                        }
                        "QUIT" => quits.push(m),
                        _ => panic!("c{i}: unexpected {m:?}"),
                    }
                }
                received += this_round;
                rounds += 1;
                // Everyone has read the round; one of us checks whether
                // the stalled client is gone, then all see the answer.
                if barrier.wait().await.is_leader() {
                    let gone = server.state().find_nick("stalled").is_none();
                    dropped.store(gone, Ordering::SeqCst);
                }
                barrier.wait().await;
                if dropped.load(Ordering::SeqCst) {
                    break;
                }
            }
            quits.extend(c.sync().await.into_iter().filter(|m| m.command == "QUIT"));
            (c, rounds, received, quits)
        }));
    }
    let mut clients = Vec::new();
    for task in tasks {
        let (c, rounds, received, quits) = task.await.expect("chatter task");
        assert!(rounds < MAX_ROUNDS, "the stalled client was never dropped");
        assert_eq!(received, rounds * (CHATTERS - 1), "{}: missed lines", c.nick);
        assert_eq!(quits.len(), 1, "{}: {quits:?}", c.nick);
        assert_eq!(quits[0].source.as_deref(), Some("stalled!stalled@127.0.0.1"));
        assert_eq!(params(&quits[0]), ["SendQ exceeded"]);
        clients.push(c);
    }

    // The channel carries on.
    clients[0].send("PRIVMSG #flood :still here").await;
    assert_eq!(params(&clients[CHATTERS - 1].expect("PRIVMSG").await), ["#flood", "still here"]);

    // Once it reads, the stalled client finds its connection closed.
    let rest = stalled.read_to_close().await;
    assert!(!rest.is_empty());
    server.stop().await;
}

/// A client that never reads at all is not only removed from the channel
/// but also disconnected: its socket and per-address slot are released
/// without waiting for it to read.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn stalled_reader_connection_is_released() {
    let mut config = test_config();
    config.limits.sendq_bytes = 16 << 10;
    let server = TestServer::with_config(config).await;
    let mut stalled = TestClient::connect_small_buffers(&server.addr).await;
    stalled.register("stalled").await;
    stalled.join("#big").await;
    let mut talker = server.client("talker").await;
    talker.join("#big").await;
    // Known bug: the connection task waits for the socket to become
    // writable whenever its write buffer holds bytes, and only notices a
    // closed outbox once that buffer is empty. A client that never reads
    // keeps it waiting forever after it was dropped for SendQ.
    let line = format!("PRIVMSG #big :{}", "y".repeat(400));
    for _ in 0..10_000 {
        talker.send(&line).await;
        // One line at a time: the stalled socket fills before the queue.
        talker.sync().await;
        if server.server.state().find_nick("stalled").is_none() {
            break;
        }
    }
    assert!(server.server.state().find_nick("stalled").is_none(), "never dropped");
    let localhost: IpAddr = "127.0.0.1".parse().unwrap();
    let mut released = false;
    for _ in 0..50 {
        if server.server.state().per_ip.get(&localhost) == Some(&1) {
            released = true;
            break;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    assert!(released, "the stalled connection is still open");
    drop(stalled);
    server.stop().await;
}

#[tokio::test]
async fn flood_control_slows_only_the_flooder() {
    let mut config = test_config();
    config.flood.enabled = true;
    config.flood.burst = 5;
    config.flood.lines_per_second = 1;
    let server = TestServer::with_config(config).await;
    let mut flooder = server.client("flooder").await;
    let mut calm = server.client("calm").await;
    flooder.join("#f").await;
    calm.join("#f").await;
    flooder.expect("JOIN").await;

    let burst: String = (1..=50).map(|i| format!("PRIVMSG #f :line {i}\r\n")).collect();
    flooder.send_raw(burst.as_bytes()).await;
    // The first lines get through at once.
    assert_eq!(params(&calm.expect("PRIVMSG").await), ["#f", "line 1"]);
    // Another client is answered at once all the same.
    calm.send("PING :calm").await;
    let (_, before) = calm.expect_with("PONG", |m| m.params[1] == "calm").await;
    // ... and in order: the flooder's lines arrive one by one, and by the
    // time the PONG came not all 50 had, nor do they within a moment.
    let mut seen: Vec<Message> = before;
    seen.extend(calm.messages_until_quiet(Duration::from_millis(500)).await);
    let lines: Vec<&str> = seen.iter().filter(|m| m.command == "PRIVMSG").map(|m| m.params[1].as_str()).collect();
    assert!(lines.len() < 40, "the flooder was not slowed: {} lines", lines.len());
    for (n, line) in lines.iter().enumerate() {
        assert_eq!(*line, format!("line {}", n + 2));
    }
    // Nothing is lost: the rest keeps coming.
    let next = calm.expect("PRIVMSG").await;
    assert_eq!(next.params[1], format!("line {}", lines.len() + 2));
    server.stop().await;
}

#[tokio::test]
async fn flood_exempt_addresses_are_not_slowed() {
    let mut config = test_config();
    config.flood.enabled = true;
    config.flood.burst = 5;
    config.flood.lines_per_second = 1;
    config.flood.exempt = vec!["127.0.0.0/8".parse().unwrap()];
    let server = TestServer::with_config(config).await;
    let mut c = server.client("exempt").await;
    let burst: String = (1..=50).map(|i| format!("PING :{i}\r\n")).collect();
    c.send_raw(burst.as_bytes()).await;
    // At 1 line/s this would take 45 s; exempt, all arrive within the
    // read timeout, in order.
    for i in 1..=50 {
        assert_eq!(c.expect("PONG").await.params[1], i.to_string());
    }
    server.stop().await;
}

#[tokio::test]
async fn channels_per_user_and_connections_per_address() {
    let mut config = test_config();
    config.limits.channels_per_user = 2;
    config.limits.connections_per_ip = 3;
    let server = TestServer::with_config(config).await;
    let mut ann = server.client("ann").await;
    ann.join("#1").await;
    ann.join("#2").await;
    ann.send("JOIN #3").await;
    assert_eq!(params(&ann.expect("405").await), ["ann", "#3", "You have joined too many channels"]);

    let _b = server.client("b").await;
    let _c = server.connect().await;
    let mut refused = server.connect().await;
    let rest = refused.read_to_close().await;
    assert_eq!(rest, ["ERROR :Closing Link: too many connections from your address"]);
    // The others are unaffected.
    ann.expect_nothing().await;
    server.stop().await;
}
