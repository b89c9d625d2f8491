//! What the store keeps across a restart of the server on the same data
//! directory.

mod common;

use common::{data_dir, TestClient, TestServer};
use hichat_server::config::Operator;
use std::path::Path;

/// An argon2id hash with cheap parameters, for the operator block.
fn hash(password: &str) -> String {
    use argon2::password_hash::{PasswordHasher, SaltString};
    use argon2::{Algorithm, Argon2, Params, Version};
    let params = Params::new(1024, 1, 1, None).unwrap();
    let salt = SaltString::encode_b64(b"durability-salt").unwrap();
    Argon2::new(Algorithm::Argon2id, Version::V0x13, params)
        .hash_password(password.as_bytes(), &salt)
        .unwrap()
        .to_string()
}

async fn start(dir: &Path) -> TestServer {
    TestServer::start_on_with(dir, |config| {
        config.operators = vec![Operator { name: "root".into(), password_hash: hash("operpass"), hosts: Vec::new() }];
    })
    .await
}

#[tokio::test]
async fn accounts_survive_a_restart() {
    let dir = data_dir("accounts");
    let server = start(&dir).await;
    let mut ann = server.client("ann").await;
    ann.send("PRIVMSG NickServ :REGISTER hunter22").await;
    ann.expect("900").await;
    server.stop().await;

    let server = start(&dir).await;
    let mut c = server.client("someone").await;
    c.send("PRIVMSG NickServ :IDENTIFY ann hunter22").await;
    c.expect("900").await;
    c.send("PRIVMSG NickServ :IDENTIFY ann wrong").await;
    server.stop().await;
    std::fs::remove_dir_all(&dir).unwrap();
}

#[tokio::test]
async fn registered_channel_keeps_topic_modes_lists_and_access() {
    let dir = data_dir("channels");
    let server = start(&dir).await;
    let mut ann = server.client("ann").await;
    ann.send("PRIVMSG NickServ :REGISTER annpass1").await;
    ann.expect("900").await;
    let mut bob = server.client("bob").await;
    bob.send("PRIVMSG NickServ :REGISTER bobpass1").await;
    bob.expect("900").await;
    ann.join("#keep").await;
    ann.send("PRIVMSG ChanServ :REGISTER #keep").await;
    let (m, _) = ann.expect_with("NOTICE", |m| m.params[1].contains("registered to you")).await;
    assert!(m.source.as_deref().unwrap().starts_with("ChanServ!"));
    ann.send("TOPIC #keep :kept across restarts").await;
    ann.send("MODE #keep +ms").await;
    ann.send("MODE #keep +b *!*@banned.example").await;
    ann.send("CS ACCESS #keep ADD bob op").await;
    ann.expect_with("NOTICE", |m| m.params[1].contains("added to the access list")).await;
    ann.sync().await;
    server.stop().await;

    let server = start(&dir).await;
    // The first to join, without access, does not get op and sees the topic.
    let mut carl = server.client("carl").await;
    carl.send("JOIN #keep").await;
    let topic = carl.expect("332").await;
    assert_eq!(topic.params[2], "kept across restarts");
    let names = carl.expect("353").await;
    assert_eq!(names.params[3], "carl", "no op for carl: {names:?}");
    carl.send("MODE #keep").await;
    let modes = carl.expect("324").await;
    assert_eq!(modes.params[2], "+mnst");
    carl.send("MODE #keep b").await;
    let ban = carl.expect("367").await;
    assert_eq!(ban.params[2], "*!*@banned.example");

    // The founder and the access-list op get op on join.
    let mut ann = server.client("ann2").await;
    ann.send("PRIVMSG NickServ :IDENTIFY ann annpass1").await;
    ann.expect("900").await;
    ann.send("JOIN #keep").await;
    let (op, _) = carl.expect_with("MODE", |m| m.params.get(2).map(String::as_str) == Some("ann2")).await;
    assert_eq!(op.params[1], "+o");
    let mut bob = server.client("bobby").await;
    bob.send("PRIVMSG NickServ :IDENTIFY bob bobpass1").await;
    bob.expect("900").await;
    bob.send("JOIN #keep").await;
    let (op, _) = carl.expect_with("MODE", |m| m.params.get(2).map(String::as_str) == Some("bobby")).await;
    assert_eq!(op.params[1], "+o");
    // ChanServ OP/DEOP by someone with access.
    ann.send("CS DEOP #keep bobby").await;
    let (m, _) = carl.expect_with("MODE", |m| m.params.get(2).map(String::as_str) == Some("bobby")).await;
    assert_eq!(m.params[1], "-o");
    carl.send("CS OP #keep carl").await;
    let (m, _) = carl.expect_with("NOTICE", |_| true).await;
    assert!(m.params[1].contains("do not have access"), "{m:?}");
    server.stop().await;
    std::fs::remove_dir_all(&dir).unwrap();
}

#[tokio::test]
async fn kline_survives_a_restart() {
    let dir = data_dir("kline");
    let server = start(&dir).await;
    let mut oper = server.client("op").await;
    oper.send("OPER root operpass").await;
    oper.expect("381").await;
    let mut victim = server.connect().await;
    victim.send("NICK spammer").await;
    victim.send("USER baduser 0 * :x").await;
    victim.expect("001").await;
    oper.send("KLINE baduser@* :no spam").await;
    let (n, _) = oper.expect_with("NOTICE", |m| m.params[1].starts_with("Added KLINE")).await;
    assert!(n.params[1].contains("for good"), "{n:?}");
    let closed = victim.read_to_close().await;
    assert!(closed.iter().any(|l| l.contains("K-lined: no spam")), "{closed:?}");
    oper.send("KLINE 60 temp@* :an hour").await;
    oper.expect_with("NOTICE", |m| m.params[1].starts_with("Added KLINE for temp@* until")).await;
    // Not an operator: refused.
    let mut user = server.client("user").await;
    user.send("KLINE x@y :nope").await;
    user.expect("481").await;
    server.stop().await;

    let server = start(&dir).await;
    let mut again = server.connect().await;
    again.send("NICK spammer2").await;
    again.send("USER baduser 0 * :x").await;
    let refused = again.expect("465").await;
    assert!(refused.params[1].contains("no spam"), "{refused:?}");
    let mut temp = server.connect().await;
    temp.send("NICK t").await;
    temp.send("USER temp 0 * :x").await;
    temp.expect("465").await;
    let mut oper = server.client("op").await;
    oper.send("OPER root operpass").await;
    oper.expect("381").await;
    oper.send("UNKLINE baduser@*").await;
    oper.expect_with("NOTICE", |m| m.params[1].starts_with("Removed KLINE")).await;
    let mut fine = server.connect().await;
    fine.send("NICK spammer3").await;
    fine.send("USER baduser 0 * :x").await;
    fine.expect("001").await;
    server.stop().await;
    std::fs::remove_dir_all(&dir).unwrap();
}

/// The row of a registered channel as the database file has it now, read
/// on a connection of its own (as the `sqlite3` shell would).
fn stored_topic_and_bans(dir: &Path, chan: &str) -> (Option<String>, Vec<String>) {
    let db = rusqlite::Connection::open(dir.join("hichat.db")).unwrap();
    let topic = db.query_row("SELECT topic FROM channels WHERE name = ?1", [chan], |r| r.get(0)).unwrap();
    let mut stmt = db.prepare("SELECT mask FROM channel_lists WHERE channel = ?1 AND list = 'b'").unwrap();
    let bans = stmt.query_map([chan], |r| r.get(0)).unwrap().map(Result::unwrap).collect();
    (topic, bans)
}

/// TOPIC and MODE in a registered channel reach the members only once the
/// change is in the database file.
#[tokio::test]
async fn topic_and_mode_are_committed_before_they_are_relayed() {
    let dir = data_dir("committed");
    let server = start(&dir).await;
    let mut ann = server.client("ann").await;
    ann.send("PRIVMSG NickServ :REGISTER annpass1").await;
    ann.expect("900").await;
    ann.join("#durable").await;
    ann.send("CS REGISTER #durable").await;
    ann.expect_with("NOTICE", |m| m.params[1].contains("registered to you")).await;
    let mut bob = server.client("bob").await;
    bob.join("#durable").await;
    for n in 0..20 {
        let text = format!("topic number {n}");
        ann.send(&format!("TOPIC #durable :{text}")).await;
        bob.expect_with("TOPIC", |m| m.params[1] == text).await;
        assert_eq!(stored_topic_and_bans(&dir, "#durable").0.as_deref(), Some(text.as_str()));
        let mask = format!("*!*@host{n}.example");
        ann.send(&format!("MODE #durable +b {mask}")).await;
        bob.expect_with("MODE", |m| m.params.get(2) == Some(&mask)).await;
        assert!(stored_topic_and_bans(&dir, "#durable").1.contains(&mask), "{mask} relayed before its commit");
    }
    // Queries and changes that change nothing are answered as before.
    ann.send("MODE #durable +b").await;
    ann.expect("368").await;
    ann.send("TOPIC #durable").await;
    ann.expect("332").await;
    // An unregistered channel is not held up.
    ann.join("#free").await;
    ann.send("TOPIC #free :fast").await;
    ann.expect("TOPIC").await;
    server.stop().await;
    std::fs::remove_dir_all(&dir).unwrap();
}

/// A D-line outlives a restart and refuses a connection from its address
/// with ERROR before it can register; an expired one refuses nobody.
#[tokio::test]
async fn dline_survives_a_restart_and_refuses_at_accept() {
    let dir = data_dir("dline");
    let server = start(&dir).await;
    let mut oper = server.client("op").await;
    oper.send("OPER root operpass").await;
    oper.expect("381").await;
    let mut victim = TestClient::connect_from(&server.addr, "127.0.0.2").await;
    victim.register("victim").await;
    oper.send("DLINE 127.0.0.2 :go away").await;
    oper.expect_with("NOTICE", |m| m.params[1].starts_with("Added DLINE for 127.0.0.2 for good")).await;
    let closed = victim.read_to_close().await;
    assert!(closed.iter().any(|l| l.contains("D-lined: go away")), "{closed:?}");
    oper.send("DLINE 30 127.0.0.3/32 :for a while").await;
    oper.expect_with("NOTICE", |m| m.params[1].starts_with("Added DLINE for 127.0.0.3/32 until")).await;
    server.stop().await;
    // Let the second ban run out while the server is down.
    let db = rusqlite::Connection::open(dir.join("hichat.db")).unwrap();
    db.execute("UPDATE bans SET expires_at = 1 WHERE mask = '127.0.0.3/32'", []).unwrap();
    drop(db);

    let server = start(&dir).await;
    let mut refused = TestClient::connect_from(&server.addr, "127.0.0.2").await;
    let lines = refused.read_to_close().await;
    assert_eq!(lines.len(), 1, "{lines:?}");
    assert!(lines[0].starts_with("ERROR :Closing Link: 127.0.0.2 (D-lined: go away)"), "{lines:?}");
    let mut expired = TestClient::connect_from(&server.addr, "127.0.0.3").await;
    expired.register("fine").await;
    let mut oper = server.client("op").await;
    oper.send("OPER root operpass").await;
    oper.expect("381").await;
    oper.send("UNDLINE 127.0.0.2").await;
    oper.expect_with("NOTICE", |m| m.params[1].starts_with("Removed DLINE")).await;
    let mut back = TestClient::connect_from(&server.addr, "127.0.0.2").await;
    back.register("back").await;
    server.stop().await;
    std::fs::remove_dir_all(&dir).unwrap();
}

/// Operators added with OPERATOR are kept in the store: OPER accepts them
/// after a restart, and OPERATOR DEL takes them away.
#[tokio::test]
async fn stored_operators_survive_a_restart() {
    let dir = data_dir("operators");
    let server = start(&dir).await;
    let mut root = server.client("root").await;
    root.send("OPERATOR LIST").await;
    root.expect("481").await;
    root.send("OPER root operpass").await;
    root.expect("381").await;
    root.send("OPERATOR ADD helper helper-pass-1 *@*").await;
    root.expect_with("NOTICE", |m| m.params[1] == "OPERATOR: helper added").await;
    root.send("OPERATOR ADD faraway faraway-pass *@10.9.9.9").await;
    root.expect_with("NOTICE", |m| m.params[1] == "OPERATOR: faraway added").await;
    root.send("OPERATOR ADD root other-password").await;
    root.expect_with("NOTICE", |m| m.params[1].contains("defined in the config")).await;
    root.send("OPERATOR ADD shorty short").await;
    root.expect_with("NOTICE", |m| m.params[1].contains("at least 8 characters")).await;
    server.stop().await;

    let server = start(&dir).await;
    let mut helper = server.client("helper").await;
    helper.send("OPER helper wrong-password").await;
    helper.expect("464").await;
    helper.send("OPER helper helper-pass-1").await;
    helper.expect("381").await;
    // A stored operator may list, not add or remove.
    helper.send("OPERATOR LIST").await;
    helper.expect_with("NOTICE", |m| m.params[1] == "helper (stored) *@*").await;
    helper.expect_with("NOTICE", |m| m.params[1] == "End of operator list").await;
    helper.send("OPERATOR DEL faraway").await;
    helper.expect_with("NOTICE", |m| m.params[1].contains("only operators from the config file")).await;
    let mut other = server.client("other").await;
    other.send("OPER faraway faraway-pass").await;
    other.expect("491").await;
    let mut root = server.client("root").await;
    root.send("OPER root operpass").await;
    root.expect("381").await;
    root.send("OPERATOR DEL helper").await;
    root.expect_with("NOTICE", |m| m.params[1] == "OPERATOR: helper removed").await;
    let (m, _) = helper.expect_with("MODE", |m| m.params[1] == "-o").await;
    assert_eq!(m.params[0], "helper");
    // The block is gone: its name now answers as any unknown name does.
    helper.send("OPER helper helper-pass-1").await;
    helper.expect("464").await;
    root.send("OPERATOR DEL helper").await;
    root.expect_with("NOTICE", |m| m.params[1] == "OPERATOR: no stored operator helper").await;
    server.stop().await;
    let db = rusqlite::Connection::open(dir.join("hichat.db")).unwrap();
    let names: Vec<String> = db
        .prepare("SELECT name FROM operators")
        .unwrap()
        .query_map([], |r| r.get(0))
        .unwrap()
        .map(Result::unwrap)
        .collect();
    assert_eq!(names, ["faraway"]);
    let hash: String = db.query_row("SELECT password_hash FROM operators", [], |r| r.get(0)).unwrap();
    assert!(hash.starts_with("$argon2id$"), "{hash}");
    std::fs::remove_dir_all(&dir).unwrap();
}

/// ChanServ SET DESCRIPTION, KEEPTOPIC and MLOCK: founders only, enforced
/// at once, and kept across a restart.
#[tokio::test]
async fn chanserv_settings_survive_a_restart() {
    let dir = data_dir("settings");
    let server = start(&dir).await;
    let mut ann = server.client("ann").await;
    ann.send("PRIVMSG NickServ :REGISTER annpass1").await;
    ann.expect("900").await;
    ann.join("#set").await;
    ann.send("CS REGISTER #set").await;
    ann.expect_with("NOTICE", |m| m.params[1].contains("registered to you")).await;
    let mut bob = server.client("bob").await;
    bob.send("CS SET #set DESCRIPTION mine now").await;
    bob.expect_with("NOTICE", |m| m.params[1].contains("do not have access")).await;
    ann.send("CS SET #set DESCRIPTION A place to talk").await;
    ann.expect_with("NOTICE", |m| m.params[1] == "The description of #set is now: A place to talk").await;
    ann.send("CS SET #set KEEPTOPIC OFF").await;
    ann.expect_with("NOTICE", |m| m.params[1] == "Keep topic for #set is now off").await;
    ann.send("CS SET #set MLOCK +k").await;
    ann.expect_with("NOTICE", |m| m.params[1].contains("cannot be locked")).await;
    ann.send("MODE #set +s").await;
    ann.expect_with("MODE", |m| m.params[1] == "+s").await;
    ann.send("CS SET #set MLOCK +m-s").await;
    ann.expect_with("NOTICE", |m| m.params[1] == "The mode lock of #set is now +m-s").await;
    let (m, _) = ann.expect_with("MODE", |m| m.source.as_deref().is_some_and(|s| s.starts_with("ChanServ!"))).await;
    assert_eq!(m.params[1], "+m-s");
    // A MODE against the lock is reversed by ChanServ.
    ann.send("MODE #set -m").await;
    ann.expect_with("MODE", |m| m.params[1] == "-m").await;
    let (m, _) = ann.expect_with("MODE", |m| m.source.as_deref().is_some_and(|s| s.starts_with("ChanServ!"))).await;
    assert_eq!(m.params[1], "+m");
    ann.send("TOPIC #set :gone after a restart").await;
    ann.expect("TOPIC").await;
    server.stop().await;

    let server = start(&dir).await;
    let mut carl = server.client("carl").await;
    carl.send("JOIN #set").await;
    let (_, before) = carl.expect_with("366", |_| true).await;
    assert!(!before.iter().any(|m| m.command == "332"), "KEEPTOPIC OFF: no topic {before:?}");
    carl.send("MODE #set").await;
    let modes = carl.expect("324").await;
    assert!(modes.params[2].contains('m') && !modes.params[2].contains('s'), "{modes:?}");
    carl.send("CS INFO #set").await;
    let (_, info) = carl.expect_with("NOTICE", |m| m.params[1].starts_with("Mode lock:")).await;
    let text: Vec<&str> = info.iter().filter(|m| m.command == "NOTICE").map(|m| m.params[1].as_str()).collect();
    assert!(text.contains(&"Description: A place to talk"), "{text:?}");
    assert!(text.contains(&"Keep topic: off"), "{text:?}");
    server.stop().await;
    std::fs::remove_dir_all(&dir).unwrap();
}
