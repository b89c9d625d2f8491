//! MONITOR (730-734, the MONITOR ISUPPORT limit) and extended-monitor.

mod common;
use common::{params, TestServer};

#[tokio::test]
async fn monitor_online_offline_and_lists() {
    let server = TestServer::start().await;
    let mut ann = server.client("ann").await;
    let mut bob = server.client("bob").await;
    ann.send("MONITOR + bob,Cat").await;
    assert_eq!(params(&ann.expect("730").await), ["ann", "bob!bob@127.0.0.1"]);
    assert_eq!(params(&ann.expect("731").await), ["ann", "Cat"]);
    // cat registers: online.
    let mut cat = server.client("cat").await;
    assert_eq!(params(&ann.expect("730").await), ["ann", "cat!cat@127.0.0.1"]);
    // A nick change is offline for the old nick, online for the new.
    bob.send("NICK bobby").await;
    assert_eq!(params(&ann.expect("731").await), ["ann", "bob"]);
    ann.send("MONITOR + bobby").await;
    assert_eq!(params(&ann.expect("730").await), ["ann", "bobby!bob@127.0.0.1"]);
    cat.send("QUIT").await;
    assert_eq!(params(&ann.expect("731").await), ["ann", "cat"]);
    ann.send("MONITOR L").await;
    assert_eq!(params(&ann.expect("732").await), ["ann", "bob,Cat,bobby"]);
    ann.expect("733").await;
    ann.send("MONITOR - cat").await;
    ann.send("MONITOR S").await;
    assert_eq!(params(&ann.expect("730").await), ["ann", "bobby!bob@127.0.0.1"]);
    assert_eq!(params(&ann.expect("731").await), ["ann", "bob"]);
    ann.send("MONITOR C").await;
    ann.send("MONITOR L").await;
    let (_, before) = ann.expect_with("733", |_| true).await;
    assert!(before.iter().all(|m| m.command != "732"));
    bob.send("NICK bob").await;
    ann.expect_nothing().await;
    server.stop().await;
}

#[tokio::test]
async fn monitor_list_is_limited() {
    let server = TestServer::start().await;
    let mut ann = server.client("ann").await;
    let (_, isupport) = {
        let mut c = server.connect().await;
        c.send("NICK x").await;
        c.send("USER x 0 * :x").await;
        c.expect_with("376", |_| true).await
    };
    assert!(isupport.iter().any(|m| m.command == "005" && m.params.iter().any(|p| p == "MONITOR=100")));
    let nicks: Vec<String> = (0..99).map(|i| format!("n{i}")).collect();
    ann.send(&format!("MONITOR + {}", nicks.join(","))).await;
    ann.sync().await;
    ann.send("MONITOR + a,b,c").await;
    let (full, _) = ann.expect_with("734", |_| true).await;
    assert_eq!(params(&full), ["ann", "100", "b,c", "Monitor list is full"]);
    server.stop().await;
}

#[tokio::test]
async fn extended_monitor_sends_away_and_setname() {
    let server = TestServer::start().await;
    let mut ann = server.connect().await;
    ann.register_with_caps("ann", "extended-monitor away-notify setname").await;
    let mut plain = server.connect().await;
    plain.register_with_caps("plain", "away-notify setname").await;
    let mut bob = server.client("bob").await;
    ann.send("MONITOR + bob").await;
    ann.expect("730").await;
    plain.send("MONITOR + bob").await;
    plain.expect("730").await;
    bob.send("AWAY :lunch").await;
    let away = ann.expect("AWAY").await;
    assert_eq!((away.source.as_deref(), params(&away)), (Some("bob!bob@127.0.0.1"), vec!["lunch"]));
    bob.send("SETNAME :Bob B").await;
    assert_eq!(params(&ann.expect("SETNAME").await), ["Bob B"]);
    plain.expect_nothing().await;
    server.stop().await;
}
