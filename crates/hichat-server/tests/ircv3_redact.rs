//! draft/message-redaction: REDACT relayed to clients with the capability,
//! by the sender or a channel operator, with the spec's FAIL codes.

mod common;
use common::{params, TestServer};

const CAPS: &str = "message-tags echo-message draft/message-redaction";

#[tokio::test]
async fn redact_own_message_and_as_operator() {
    let server = TestServer::start().await;
    let mut ann = server.connect().await;
    ann.register_with_caps("ann", CAPS).await;
    let mut bob = server.connect().await;
    bob.register_with_caps("bob", CAPS).await;
    let mut cat = server.client("cat").await;
    ann.join("#r").await; // ann is the operator
    bob.join("#r").await;
    cat.join("#r").await;
    ann.sync().await;
    bob.sync().await;

    bob.send("PRIVMSG #r :oops").await;
    let echo = bob.expect("PRIVMSG").await;
    let id = echo.tag("msgid").flatten().unwrap().to_owned();
    ann.expect("PRIVMSG").await;
    cat.expect("PRIVMSG").await;

    bob.send(&format!("REDACT #r {id} :typo")).await;
    for c in [&mut ann, &mut bob] {
        let r = c.expect("REDACT").await;
        assert_eq!(r.source.as_deref(), Some("bob!bob@127.0.0.1"));
        assert_eq!(params(&r), ["#r", id.as_str(), "typo"]);
        assert!(r.tag("msgid").is_some());
    }
    // Clients without the capability are not sent REDACT.
    cat.expect_nothing().await;

    // cat may not redact bob's message; ann, an operator, may.
    cat.send(&format!("REDACT #r {id}")).await;
    let fail = cat.expect("FAIL").await;
    assert_eq!(params(&fail)[..4], ["REDACT", "REDACT_FORBIDDEN", "#r", id.as_str()]);
    ann.send(&format!("REDACT #r {id}")).await;
    assert_eq!(params(&bob.expect("REDACT").await), ["#r", id.as_str()]);

    // Unknown ids and wrong targets.
    ann.send("REDACT #r NOSUCHID").await;
    assert_eq!(params(&ann.expect("FAIL").await)[..2], ["REDACT", "UNKNOWN_MSGID"]);
    ann.send(&format!("REDACT bob {id}")).await;
    assert_eq!(params(&ann.expect("FAIL").await)[..2], ["REDACT", "UNKNOWN_MSGID"]);
    ann.send("REDACT #elsewhere x").await;
    assert_eq!(params(&ann.expect("FAIL").await)[..3], ["REDACT", "INVALID_TARGET", "#elsewhere"]);

    // Private messages: only the sender may redact.
    ann.send("PRIVMSG bob :psst").await;
    let id = ann.expect("PRIVMSG").await.tag("msgid").flatten().unwrap().to_owned();
    bob.expect("PRIVMSG").await;
    ann.send(&format!("REDACT bob {id}")).await;
    assert_eq!(params(&bob.expect("REDACT").await), ["bob", id.as_str()]);
    assert_eq!(params(&ann.expect("REDACT").await), ["bob", id.as_str()]);
    server.stop().await;
}
