//! `/metrics` parses as Prometheus text (checked with the independent
//! `prometheus-parse` crate) and its counters move when messages flow.

mod web_common;

use prometheus_parse::{Scrape, Value};
use std::net::SocketAddr;
use web_common::*;

async fn scrape(web: SocketAddr) -> Scrape {
    let (status, head, body) = http_get(tokio::net::TcpStream::connect(web).await.unwrap(), "/metrics").await;
    assert_eq!(status, 200);
    assert!(head.to_ascii_lowercase().contains("content-type: application/openmetrics-text"), "{head}");
    assert!(body.ends_with("# EOF\n"), "{body}");
    Scrape::parse(body.lines().map(|l| Ok(l.to_owned()))).expect("Prometheus text")
}

/// The value of `name` (with `transport` = `label` when given).
fn value(s: &Scrape, name: &str, label: Option<&str>) -> f64 {
    let sample = s
        .samples
        .iter()
        .find(|x| x.metric == name && label.is_none_or(|l| x.labels.get("transport") == Some(l)))
        .unwrap_or_else(|| panic!("no sample {name} {label:?}"));
    match sample.value {
        Value::Counter(v) | Value::Gauge(v) | Value::Untyped(v) => v,
        ref v => panic!("unexpected value {v:?}"),
    }
}

#[tokio::test]
async fn counters_move_when_messages_flow() {
    let s = WebServer::start(test_config(), None).await;
    let before = scrape(s.web).await;
    for name in [
        "hichat_lines_in_total",
        "hichat_lines_out_total",
        "hichat_chat_messages_total",
        "hichat_received_bytes_total",
        "hichat_sent_bytes_total",
        "hichat_sendq_drops_total",
        "hichat_flood_throttled_total",
        "hichat_registered_users",
        "hichat_channels",
    ] {
        assert_eq!(value(&before, name, None), 0.0, "{name}");
    }

    let mut ann = LineClient::register(&s.irc, "ann").await;
    let (mut ws, _) = ws_connect(s.web, "text.ircv3.net", None).await;
    ws_send(&mut ws, "NICK bob").await;
    ws_send(&mut ws, "USER bob 0 * :Bob").await;
    ws_wait_for(&mut ws, " 001 ").await;
    ann.send("JOIN #hello").await;
    ann.wait_for(" 366 ").await;
    ws_send(&mut ws, "JOIN #hello").await;
    ws_wait_for(&mut ws, " 366 ").await;
    for i in 0..10 {
        ann.send(&format!("PRIVMSG #hello :message {i} 你好")).await;
    }
    for _ in 0..10 {
        ws_wait_for(&mut ws, "PRIVMSG").await;
    }

    let after = scrape(s.web).await;
    assert_eq!(value(&after, "hichat_chat_messages_total", None), 10.0);
    assert!(value(&after, "hichat_lines_in_total", None) >= 10.0 + 6.0);
    assert!(value(&after, "hichat_lines_out_total", None) >= 10.0);
    assert!(value(&after, "hichat_received_bytes_total", None) > 10.0 * 20.0);
    assert!(value(&after, "hichat_sent_bytes_total", None) > 10.0 * 20.0);
    assert_eq!(value(&after, "hichat_registered_users", None), 2.0);
    assert_eq!(value(&after, "hichat_channels", None), 1.0);
    assert_eq!(value(&after, "hichat_connections_total", Some("tcp")), 1.0);
    assert_eq!(value(&after, "hichat_connections_total", Some("websocket")), 1.0);
    assert_eq!(value(&after, "hichat_connections_open", Some("websocket")), 1.0);

    // A closed connection is no longer open, and still counted as accepted.
    drop(ws);
    ann.wait_for("QUIT").await;
    let closed = scrape(s.web).await;
    assert_eq!(value(&closed, "hichat_connections_open", Some("websocket")), 0.0);
    assert_eq!(value(&closed, "hichat_connections_total", Some("websocket")), 1.0);
    assert_eq!(value(&closed, "hichat_registered_users", None), 1.0);
    s.stop().await;
}

#[tokio::test]
async fn flood_control_hits_are_counted() {
    let mut config = test_config();
    config.flood.enabled = true;
    config.flood.burst = 5;
    config.flood.lines_per_second = 1000;
    let s = WebServer::start(config, None).await;
    let mut c = LineClient::register(&s.irc, "fast").await;
    let burst: String = (0..50).map(|i| format!("PING :{i}\r\n")).collect();
    c.send(burst.trim_end()).await;
    // Every PING is answered, the last after flood control held some back.
    c.wait_for("PONG hichat.local 49").await;
    let m = scrape(s.web).await;
    assert!(value(&m, "hichat_flood_throttled_total", None) >= 1.0);
    s.stop().await;
}

/// How many observations a histogram has (its `+Inf` bucket).
fn histogram_count(s: &Scrape, name: &str) -> f64 {
    let sample = s.samples.iter().find(|x| x.metric == name).unwrap_or_else(|| panic!("no histogram {name}"));
    match &sample.value {
        Value::Histogram(buckets) => buckets.iter().find(|b| b.less_than.is_infinite()).map_or(0.0, |b| b.count),
        v => panic!("{name} is not a histogram: {v:?}"),
    }
}

/// Scrapes until `done` holds (the store writes history behind the
/// messages it records), at most 200 times.
async fn scrape_until(web: SocketAddr, done: impl Fn(&Scrape) -> bool) -> Scrape {
    for _ in 0..200 {
        let s = scrape(web).await;
        if done(&s) {
            return s;
        }
        tokio::time::sleep(std::time::Duration::from_millis(10)).await;
    }
    scrape(web).await
}

#[tokio::test]
async fn store_metrics_move_when_the_store_is_written() {
    let s = WebServer::start(test_config(), None).await;
    let before = scrape(s.web).await;
    // Start-up may commit on its own (the first retention pass): count from here.
    let commits = histogram_count(&before, "hichat_store_commit_seconds");
    assert_eq!(value(&before, "hichat_history_lines", None), 0.0);

    // An account: answered only after its commit.
    let mut ann = LineClient::register(&s.irc, "ann").await;
    ann.send("PRIVMSG NickServ :REGISTER sesame123").await;
    ann.wait_for("registered").await;
    let after = scrape(s.web).await;
    assert!(histogram_count(&after, "hichat_store_commit_seconds") >= commits + 1.0);

    // Chat history, written behind the messages.
    ann.send("JOIN #hello").await;
    ann.wait_for(" 366 ").await;
    for i in 0..5 {
        ann.send(&format!("PRIVMSG #hello :line {i}")).await;
    }
    ann.send("PING :sent").await;
    ann.wait_for("PONG").await;
    let m = scrape_until(s.web, |m| value(m, "hichat_history_lines", None) >= 5.0).await;
    assert!(value(&m, "hichat_history_lines", None) >= 5.0, "history lines not counted");
    let m = scrape_until(s.web, |m| value(m, "hichat_store_queue_depth", None) == 0.0).await;
    assert_eq!(value(&m, "hichat_store_queue_depth", None), 0.0, "the queue drains");
    s.stop().await;
}

#[tokio::test]
async fn history_lines_are_counted_from_the_database_at_start() {
    let dir = temp_dir("metrics-history-count");
    let mut config = test_config();
    config.server.data_dir = dir.clone();
    let server = hichat_server::Server::open(config.clone()).unwrap();
    let s = WebServer::from_server(server, None).await;
    // Private lines: an unregistered channel's would go when it ends.
    let mut ann = LineClient::register(&s.irc, "ann").await;
    let _bob = LineClient::register(&s.irc, "bob").await;
    for i in 0..3 {
        ann.send(&format!("PRIVMSG bob :line {i}")).await;
    }
    ann.send("QUIT").await;
    scrape_until(s.web, |m| value(m, "hichat_history_lines", None) >= 3.0).await;
    // Stopping commits everything queued; then the file says what is stored.
    s.stop().await;
    let db = rusqlite::Connection::open(dir.join("hichat.db")).unwrap();
    let stored: i64 = db.query_row("SELECT count(*) FROM messages", [], |r| r.get(0)).unwrap();
    drop(db);
    assert!(stored >= 3, "{stored}");
    let stored = stored as f64;

    // A restart counts what is in the file.
    let server = hichat_server::Server::open(config).unwrap();
    let s = WebServer::from_server(server, None).await;
    assert_eq!(value(&scrape(s.web).await, "hichat_history_lines", None), stored);
    s.stop().await;
}
