//! Plain mode end to end through a real IRC server: two clients piping text
//! at each other (Chinese and emoji included), `exit`, end of input, nick in
//! use, a refused connection, and reconnecting after the server restarts.

mod common;

use common::{assert_stamped, free_port, PlainClient, TestServer};

#[tokio::test]
async fn two_clients_chat_in_hello_with_chinese_and_emoji() {
    let server = TestServer::start();
    let mut ann = PlainClient::start(&server.addr, "ann", &[]);
    ann.expect("ann joined #hello").await;
    let mut bob = PlainClient::start(&server.addr, "bob", &[]);
    bob.expect("bob joined #hello").await;
    ann.expect("bob joined #hello").await;

    bob.type_line("你好，ann！🎉 来聊天吧").await;
    let line = ann.expect("<bob>").await;
    assert_stamped(&line, "<bob> 你好，ann！🎉 来聊天吧");

    ann.type_line("hi bob 👋 我在").await;
    let line = bob.expect("<ann>").await;
    assert_stamped(&line, "<ann> hi bob 👋 我在");

    ann.type_line("/me 挥手 🙌").await;
    let line = bob.expect("* ann").await;
    assert_stamped(&line, "* ann 挥手 🙌");

    bob.type_line("/msg ann 私聊 ✉").await;
    let line = ann.expect("私聊").await;
    assert_stamped(&line, "[bob] <bob> 私聊 ✉");

    ann.type_line("/notice #hello heads up").await;
    let line = bob.expect("heads up").await;
    assert_stamped(&line, "-ann- heads up");

    // A long CJK line arrives whole, in pieces cut between characters.
    let long = "长".repeat(300);
    bob.type_line(&long).await;
    let mut got = String::new();
    while got.len() < long.len() {
        let line = ann.expect("<bob> 长").await;
        got.push_str(line.split_once("<bob> ").unwrap().1);
    }
    assert_eq!(got, long);

    // `exit` alone ends bob's chat; ann sees him go.
    bob.type_line("exit").await;
    let (code, _) = bob.finish().await;
    assert_eq!(code, 0);
    ann.expect("bob quit").await;

    // End of input ends ann's chat the same way.
    ann.close_input();
    let (code, _) = ann.finish().await;
    assert_eq!(code, 0);
}

#[tokio::test]
async fn piped_lines_then_eof_are_delivered_before_quitting() {
    let server = TestServer::start();
    let mut pia = PlainClient::start(&server.addr, "pia", &["--channel", "#pipes"]);
    pia.expect("pia joined #pipes").await;
    // pete's whole input is written and closed before he has even registered.
    let mut pete = PlainClient::start(&server.addr, "pete", &["--channel", "pipes"]);
    pete.type_line("first 第一").await;
    pete.type_line("second 🎈").await;
    pete.close_input();
    assert_stamped(&pia.expect("<pete>").await, "<pete> first 第一");
    assert_stamped(&pia.expect("<pete>").await, "<pete> second 🎈");
    pia.expect("pete quit").await;
    assert_eq!(pete.finish().await.0, 0);
}

#[tokio::test]
async fn nick_in_use_tries_underscore() {
    let server = TestServer::start();
    let mut first = PlainClient::start(&server.addr, "dup", &["--channel", "#dup"]);
    first.expect("dup joined #dup").await;
    let mut second = PlainClient::start(&server.addr, "dup", &["--channel", "#dup"]);
    second.expect("nickname dup is in use, trying dup_").await;
    second.expect("connected to").await;
    first.expect("dup_ joined #dup").await;
    second.type_line("exit").await;
    first.type_line("exit").await;
    assert_eq!(second.finish().await.0, 0);
    assert_eq!(first.finish().await.0, 0);
}

#[tokio::test]
async fn joins_parts_topics_and_nick_changes_are_short_lines() {
    let server = TestServer::start();
    let mut ann = PlainClient::start(&server.addr, "amy", &["--channel", "#events"]);
    ann.expect("amy joined #events").await;
    let mut bob = PlainClient::start(&server.addr, "ben", &["--channel", "#events"]);
    bob.expect("ben joined #events").await;
    ann.expect("ben joined #events").await;
    ann.type_line("/topic 今天的话题 ☕").await;
    assert_stamped(&bob.expect("changed the topic").await, "-- amy changed the topic of #events to: 今天的话题 ☕");
    bob.type_line("/nick benny").await;
    assert_stamped(&ann.expect("now known").await, "-- ben is now known as benny");
    bob.type_line("/part #events 再见").await;
    assert_stamped(&ann.expect("left").await, "-- benny left #events (再见)");
    bob.type_line("exit").await;
    ann.type_line("exit").await;
    assert_eq!(bob.finish().await.0, 0);
    assert_eq!(ann.finish().await.0, 0);
}

#[tokio::test]
async fn connection_refused_is_one_line_and_exit_code_2() {
    let port = free_port();
    let addr = format!("127.0.0.1:{port}");
    let args = hichat_client::ConnectArgs { addr: addr.clone(), plain: true, ..Default::default() };
    let mut errors = Vec::new();
    let code = hichat_client::run_plain_io(args, tokio::io::empty(), tokio::io::sink(), &mut errors).await;
    assert_eq!(code, 2);
    assert_eq!(
        String::from_utf8(errors).unwrap(),
        format!("could not connect to {addr}: connection refused (is 'hichat serve' running?)\n")
    );
}

#[tokio::test]
async fn reconnects_and_rejoins_after_the_server_restarts() {
    let mut server = TestServer::start();
    if !server.is_managed() {
        eprintln!("skipped: the server at {} is not one this test can restart", server.addr);
        return;
    }
    let mut rea = PlainClient::start(&server.addr, "rea", &["--channel", "#back"]);
    rea.expect("rea joined #back").await;
    server.stop();
    assert_stamped(
        &rea.expect("disconnected").await,
        "-- disconnected (connection closed by the server), reconnecting in 1s...",
    );
    server.restart();
    rea.expect("-- reconnected").await;
    rea.expect("rea joined #back").await;
    let mut rob = PlainClient::start(&server.addr, "rob", &["--channel", "#back"]);
    rob.expect("rob joined #back").await;
    rob.type_line("welcome back 🔁").await;
    assert_stamped(&rea.expect("<rob>").await, "<rob> welcome back 🔁");
    rea.type_line("exit").await;
    rob.type_line("exit").await;
    assert_eq!(rea.finish().await.0, 0);
    assert_eq!(rob.finish().await.0, 0);
}

#[tokio::test]
async fn retry_waits_for_the_server_to_come_up() {
    let mut server = TestServer::start();
    if !server.is_managed() {
        eprintln!("skipped: the server at {} is not one this test can stop", server.addr);
        return;
    }
    server.stop();
    let mut tia = PlainClient::start(&server.addr, "tia", &["--retry", "--channel", "#retry"]);
    tokio::time::sleep(std::time::Duration::from_millis(1500)).await;
    server.restart();
    tia.expect("connected to").await;
    tia.expect("tia joined #retry").await;
    tia.type_line("exit").await;
    assert_eq!(tia.finish().await.0, 0);
}
