//! labeled-response in the corners: a message to oneself, and commands run
//! outside the dispatcher (AUTHENTICATE, REGISTER, services), on raw lines.

mod common;
use common::{params, TestServer};

const CAPS: &str = "labeled-response batch message-tags";

#[tokio::test]
async fn message_to_oneself_labels_only_the_echo() {
    let server = TestServer::start().await;
    let mut ann = server.connect().await;
    ann.register_with_caps("ann", &format!("{CAPS} echo-message")).await;
    ann.send("@label=s1 PRIVMSG ann :note to self").await;
    let first = ann.message().await;
    let second = ann.message().await;
    // Two copies, the delivered one and the echo; only the echo is labeled.
    let labels: Vec<_> = [&first, &second].iter().map(|m| m.tag("label").flatten()).collect();
    assert_eq!(labels, [None, Some("s1")], "{first:?} {second:?}");
    for m in [&first, &second] {
        assert_eq!(params(m), ["ann", "note to self"]);
    }
    assert_eq!(first.tag("msgid"), second.tag("msgid"));
    ann.expect_nothing().await;

    // Without echo-message: the delivered copy unlabeled, and a labeled ACK.
    let mut bob = server.connect().await;
    bob.register_with_caps("bob", CAPS).await;
    bob.send("@label=s2 PRIVMSG bob :hi me").await;
    let delivered = bob.message().await;
    assert_eq!((delivered.command.as_str(), delivered.tag("label")), ("PRIVMSG", None));
    let ack = bob.message().await;
    assert_eq!((ack.command.as_str(), ack.tag("label")), ("ACK", Some(Some("s2"))));
    server.stop().await;
}

#[tokio::test]
async fn account_and_services_commands_answer_their_label() {
    let server = TestServer::start().await;
    let mut ann = server.connect().await;
    ann.register_with_caps("ann", CAPS).await;
    // REGISTER answers with two lines (900 and REGISTER SUCCESS): a batch.
    ann.send("@label=r1 REGISTER * * long-enough-pass").await;
    let start = ann.message().await;
    assert_eq!(start.command, "BATCH");
    assert_eq!(start.tag("label"), Some(Some("r1")));
    assert_eq!(start.params[1], "labeled-response");
    let reference = start.params[0][1..].to_owned();
    let inner: Vec<_> = vec![ann.message().await, ann.message().await];
    assert_eq!(common::commands(&inner), ["900", "REGISTER"]);
    for m in &inner {
        assert_eq!(m.tag("batch"), Some(Some(reference.as_str())));
        assert_eq!(m.tag("label"), None);
    }
    let end = ann.message().await;
    assert_eq!(params(&end), [format!("-{reference}")]);
    // A failure is one line, labeled.
    ann.send("@label=r2 REGISTER * * long-enough-pass").await;
    let fail = ann.message().await;
    assert_eq!((fail.command.as_str(), fail.tag("label")), ("FAIL", Some(Some("r2"))));
    // A services command: its NOTICEs come in a labeled batch.
    ann.send("@label=n1 PRIVMSG NickServ :INFO").await;
    let start = ann.message().await;
    assert_eq!((start.command.as_str(), start.tag("label")), ("BATCH", Some(Some("n1"))));
    let lines = ann.sync().await;
    assert!(lines.len() >= 2, "{lines:?}");
    assert!(lines[..lines.len() - 1].iter().all(|m| m.command == "NOTICE" && m.tag("batch").is_some()));
    assert_eq!(lines.last().unwrap().command, "BATCH");

    // AUTHENTICATE: the `+` challenge is labeled; an abort's 906 too.
    let mut bob = server.connect().await;
    bob.send("CAP LS 302").await;
    while bob.expect("CAP").await.params[2] == "*" {}
    bob.send(&format!("CAP REQ :{CAPS} sasl")).await;
    bob.expect("CAP").await;
    bob.send("NICK bob").await;
    bob.send("USER bob 0 * :bob").await;
    bob.send("@label=a1 AUTHENTICATE PLAIN").await;
    let m = bob.message().await;
    assert_eq!((m.command.as_str(), m.tag("label")), ("AUTHENTICATE", Some(Some("a1"))));
    assert_eq!(params(&m), ["+"]);
    bob.send("@label=a2 AUTHENTICATE *").await;
    let m = bob.message().await;
    assert_eq!((m.command.as_str(), m.tag("label")), ("906", Some(Some("a2"))));
    server.stop().await;
}
