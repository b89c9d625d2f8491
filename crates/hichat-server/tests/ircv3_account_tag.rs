//! IRCv3 account-tag: every command a logged-in user sends reaches clients
//! with the capability tagged `account=<name>`, on raw lines.

mod common;
use common::TestServer;

/// Registers an account named after the client's nick and waits for it.
async fn make_account(c: &mut common::TestClient) {
    c.send("REGISTER * * long-enough-pass").await;
    c.expect("REGISTER").await;
    c.sync().await;
}

#[tokio::test]
async fn commands_from_logged_in_users_carry_their_account() {
    let server = TestServer::start().await;
    let mut ann = server.connect().await;
    ann.register_with_caps("ann", "account-tag away-notify").await;
    let mut plain = server.client("plain").await;
    let mut bob = server.client("bob").await;
    let mut cat = server.client("cat").await;
    make_account(&mut bob).await;
    for c in [&mut ann, &mut plain, &mut bob, &mut cat] {
        c.join("#t").await;
    }
    // Anyone may set the topic.
    ann.send("MODE #t -t").await;
    ann.sync().await;
    plain.sync().await;

    let from_bob = [
        ("PRIVMSG #t :hello", "PRIVMSG #t hello"),
        ("NOTICE #t :note", "NOTICE #t note"),
        ("TOPIC #t :new topic", "TOPIC #t :new topic"),
        ("AWAY :gone", "AWAY gone"),
        ("PART #t :bye", "PART #t bye"),
        ("JOIN #t", "JOIN #t"),
        ("NICK bobby", "NICK bobby"),
    ];
    let mut prefix = "bob!bob@127.0.0.1".to_owned();
    for (sent, seen) in from_bob {
        bob.send(sent).await;
        let line = ann.line().await.unwrap();
        assert_eq!(line, format!("@account=bob :{prefix} {seen}"));
        if seen.starts_with("JOIN") {
            // bob is still away: ann (away-notify) is told so after the JOIN.
            assert_eq!(ann.line().await.unwrap(), format!("@account=bob :{prefix} AWAY gone"));
        }
        if seen.starts_with("NICK") {
            prefix = "bobby!bob@127.0.0.1".into();
        }
        if !seen.starts_with("AWAY") {
            // A client without account-tag sees the same line untagged.
            let line = plain.line().await.unwrap();
            assert!(!line.starts_with('@'), "{line}");
        }
    }
    // A user who is not logged in sends untagged lines.
    cat.send("PRIVMSG #t :meow").await;
    assert_eq!(ann.line().await.unwrap(), ":cat!cat@127.0.0.1 PRIVMSG #t meow");
    // The QUIT of a logged-in user is tagged too.
    bob.send("QUIT :done").await;
    assert_eq!(ann.line().await.unwrap(), "@account=bob :bobby!bob@127.0.0.1 QUIT :Quit: done");
    server.stop().await;
}

#[tokio::test]
async fn private_messages_and_account_changes() {
    let server = TestServer::start().await;
    let mut ann = server.connect().await;
    ann.register_with_caps("ann", "account-tag account-notify").await;
    let mut bob = server.client("bob").await;
    bob.join("#a").await;
    ann.join("#a").await;
    bob.sync().await;
    // Registering logs bob in: the ACCOUNT line carries the account he had
    // before (none), as in the spec's example.
    bob.send("REGISTER * * long-enough-pass").await;
    assert_eq!(ann.line().await.unwrap(), ":bob!bob@127.0.0.1 ACCOUNT bob");
    bob.send("PRIVMSG ann :psst").await;
    assert_eq!(ann.line().await.unwrap(), "@account=bob :bob!bob@127.0.0.1 PRIVMSG ann psst");
    bob.send("PRIVMSG NickServ :LOGOUT").await;
    bob.sync().await;
    let (m, _) = ann.expect_with("ACCOUNT", |_| true).await;
    assert_eq!(m.tag("account"), Some(Some("bob")));
    assert_eq!(m.params, ["*"]);
    bob.send("PRIVMSG ann :psst").await;
    assert_eq!(ann.line().await.unwrap(), ":bob!bob@127.0.0.1 PRIVMSG ann psst");
    server.stop().await;
}
