//! Accounts over IRCv3: draft/account-registration REGISTER, account-notify,
//! extended-join, WHOIS 330.

mod common;

use common::{params, TestServer};

#[tokio::test]
async fn register_command_before_and_after_connecting() {
    let server = TestServer::start().await;
    let mut c = server.connect().await;
    let caps = c.cap_ls(Some("302")).await;
    assert!(caps.iter().any(|c| c.starts_with("draft/account-registration=before-connect")), "{caps:?}");
    c.send("NICK fay").await;
    c.send("USER fay 0 * :Fay").await;
    c.send("REGISTER * * short").await;
    let fail = c.expect("FAIL").await;
    assert_eq!(params(&fail)[..2], ["REGISTER", "WEAK_PASSWORD"]);
    c.send("REGISTER * fay@example.org long-enough").await;
    c.expect("900").await;
    let ok = c.expect("REGISTER").await;
    assert_eq!(params(&ok)[..2], ["SUCCESS", "fay"]);
    c.send("CAP END").await;
    c.expect("001").await;
    let mut other = server.client("gus").await;
    other.send("REGISTER FAY * another-pass").await;
    let fail = other.expect("FAIL").await;
    assert_eq!(params(&fail)[1], "ACCOUNT_EXISTS", "account names are casefolded");
    other.send("REGISTER bad,name * another-pass").await;
    assert_eq!(params(&other.expect("FAIL").await)[1], "BAD_ACCOUNT_NAME");
    server.stop().await;
}

#[tokio::test]
async fn account_notify_and_extended_join() {
    let server = TestServer::start().await;
    let mut watcher = server.connect().await;
    watcher.register_with_caps("wat", "account-notify extended-join server-time").await;
    watcher.join("#room").await;
    let mut plain = server.client("pla").await;
    plain.join("#room").await;
    watcher.expect("JOIN").await;

    let mut joe = server.client("joe").await;
    joe.join("#room").await;
    let ext = watcher.expect("JOIN").await;
    assert_eq!(params(&ext), ["#room", "*", "joe test"]);
    assert!(ext.tag("time").is_some(), "server-time still applies: {ext:?}");
    let pj = plain.expect("JOIN").await;
    assert_eq!(params(&pj), ["#room"]);

    joe.send("PRIVMSG NickServ :REGISTER joepass1").await;
    joe.expect("900").await;
    let acct = watcher.expect("ACCOUNT").await;
    assert!(acct.source.as_deref().unwrap().starts_with("joe!"));
    assert_eq!(params(&acct), ["joe"]);
    plain.expect_nothing().await;

    joe.send("PART #room").await;
    watcher.expect("PART").await;
    joe.send("JOIN #room").await;
    let ext = watcher.expect("JOIN").await;
    assert_eq!(params(&ext), ["#room", "joe", "joe test"]);

    joe.send("PRIVMSG NickServ :LOGOUT").await;
    let acct = watcher.expect("ACCOUNT").await;
    assert_eq!(params(&acct), ["*"]);
    server.stop().await;
}
