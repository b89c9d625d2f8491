//! Hostile: history. A channel's history read by whoever re-creates it;
//! rows multiplied by NICK, fat client tags and TAGMSGs; read markers
//! without bounds or inherited with a nick; SEARCH made to scan everything.

use crate::common::{batch_reply, client_with_caps, test_config, TestServer};
use hichat_proto::Message;
use std::time::{Duration, Instant};

/// What a history client asks for.
const CAPS: &str = "batch server-time message-tags draft/chathistory draft/search";

fn texts(lines: &[Message]) -> Vec<&str> {
    lines.iter().filter(|m| m.command == "PRIVMSG").map(|m| m.params[1].as_str()).collect()
}

/// Finding 1: alice's secret in a `+si` channel she left is not replayed
/// to mallory, who re-creates it, nor returned by CHATHISTORY or SEARCH.
#[tokio::test]
async fn a_recreated_channel_has_none_of_its_last_life() {
    let server = TestServer::start().await;
    let mut alice = server.client("alice").await;
    alice.join("#priv").await;
    alice.send("MODE #priv +si").await;
    alice.send("PRIVMSG #priv :the secret is swordfish").await;
    alice.send("PART #priv").await;
    alice.sync().await;

    // Without draft/chathistory: nothing replayed on JOIN.
    let mut plain = server.connect().await;
    plain.register_with_caps("plainmal", "batch server-time").await;
    plain.join("#priv").await;
    let got = plain.messages_until_quiet(Duration::from_millis(300)).await;
    assert!(got.iter().all(|m| !m.to_string().contains("swordfish")), "{got:?}");
    plain.send("PART #priv").await;
    plain.sync().await;

    let mut mallory = client_with_caps(&server, "mallory", CAPS).await;
    mallory.join("#priv").await;
    let lines = batch_reply(&mut mallory, "CHATHISTORY LATEST #priv * 50").await;
    assert!(texts(&lines).is_empty(), "{lines:?}");
    let found = batch_reply(&mut mallory, "SEARCH swordfish").await;
    assert!(found.is_empty(), "{found:?}");
    let targets = batch_reply(
        &mut mallory,
        "CHATHISTORY TARGETS timestamp=2000-01-01T00:00:00.000Z timestamp=2100-01-01T00:00:00.000Z 10",
    )
    .await;
    assert!(targets.is_empty(), "{targets:?}");
    server.stop().await;
}

/// Finding 1, within a channel's life: who joins later reads only what
/// was said since, in an unregistered channel.
#[tokio::test]
async fn a_later_member_reads_only_what_was_said_since_it_joined() {
    let server = TestServer::start().await;
    let mut alice = client_with_caps(&server, "alice", CAPS).await;
    alice.join("#room").await;
    alice.send("PRIVMSG #room :before mallory").await;
    alice.sync().await;
    let mut mallory = client_with_caps(&server, "mallory", CAPS).await;
    mallory.join("#room").await;
    alice.send("PRIVMSG #room :after mallory").await;
    mallory.expect("PRIVMSG").await;
    let lines = batch_reply(&mut mallory, "CHATHISTORY LATEST #room * 50").await;
    assert_eq!(texts(&lines), ["after mallory"]);
    let found = batch_reply(&mut mallory, "SEARCH mallory").await;
    assert_eq!(texts(&found), ["after mallory"]);
    // alice was there for both.
    let lines = batch_reply(&mut alice, "CHATHISTORY LATEST #room * 50").await;
    assert_eq!(texts(&lines), ["before mallory", "after mallory"]);
    server.stop().await;
}

/// Finding 1, across a restart: the channel ended with the server.
#[tokio::test]
async fn an_unregistered_channel_does_not_outlive_a_restart() {
    let dir = crate::common::data_dir("hostile-history-restart");
    let server = TestServer::start_on(&dir).await;
    let mut alice = server.client("alice").await;
    alice.join("#priv").await;
    alice.send("PRIVMSG #priv :said before the restart").await;
    alice.sync().await;
    server.stop().await;
    let server = TestServer::start_on(&dir).await;
    let mut mallory = client_with_caps(&server, "mallory", CAPS).await;
    mallory.join("#priv").await;
    assert!(texts(&batch_reply(&mut mallory, "CHATHISTORY LATEST #priv * 50").await).is_empty());
    assert!(batch_reply(&mut mallory, "SEARCH restart").await.is_empty());
    server.stop().await;
    std::fs::remove_dir_all(&dir).unwrap();
}

/// Rows in the store's `messages` table.
async fn stored_rows(server: &TestServer) -> i64 {
    let store = server.server.store.clone();
    tokio::task::spawn_blocking(move || store.flush().wait()).await.unwrap().unwrap();
    let db = hichat_server::store::SqliteStore::file_in(&server.server.info.config.server.data_dir);
    let conn = rusqlite::Connection::open_with_flags(db, rusqlite::OpenFlags::SQLITE_OPEN_READ_ONLY).unwrap();
    conn.query_row("SELECT count(*) FROM messages", [], |r| r.get(0)).unwrap()
}

async fn server_on_disk(tag: &str, adjust: impl FnOnce(&mut hichat_server::Config)) -> TestServer {
    let dir = crate::common::data_dir(tag);
    TestServer::start_on_with(&dir, adjust).await
}

/// Finding 10: ten NICK changes by a user in 50 channels stored 500 rows;
/// now at most `max_event_channels` a change.
#[tokio::test]
async fn nick_changes_in_many_channels_store_a_bounded_number_of_rows() {
    let server = server_on_disk("hostile-history-nicks", |_| {}).await;
    let mut m = server.client("mallory").await;
    for i in 0..50 {
        m.send(&format!("JOIN #c{i}")).await;
    }
    m.sync().await;
    let before = stored_rows(&server).await;
    for i in 0..10 {
        m.send(&format!("NICK mal{i}")).await;
    }
    m.sync().await;
    let added = stored_rows(&server).await - before;
    assert!(added <= 10 * 20, "{added} rows for 10 NICKs");
    assert!(added >= 10, "{added}: still stored where it is kept");
    server.stop().await;
}

/// Finding 10: an 8 KB client-only tag on a 2-letter PRIVMSG is not stored
/// (an allow-listed tag is), and TAGMSGs carrying only such tags are not
/// stored at all.
#[tokio::test]
async fn fat_client_tags_and_tagmsgs_are_not_stored() {
    let mut config = test_config();
    config.limits.recvq_bytes = 64 * 1024;
    let server = TestServer::with_config(config).await;
    let caps = "batch server-time message-tags draft/chathistory draft/event-playback";
    let mut m = client_with_caps(&server, "mallory", caps).await;
    m.join("#c").await;
    let fat = "a".repeat(3000);
    m.send(&format!("@+fat={fat};+draft/reply=abc PRIVMSG #c :hi")).await;
    m.send(&format!("@+fat={fat} TAGMSG #c")).await;
    m.send(&format!("@+draft/react={} TAGMSG #c", "b".repeat(1000))).await;
    m.send("@+typing=active TAGMSG #c").await;
    m.send("@+draft/react=x TAGMSG #c").await;
    m.sync().await;
    let lines = batch_reply(&mut m, "CHATHISTORY LATEST #c * 50").await;
    let said: Vec<&Message> = lines.iter().filter(|l| l.command != "JOIN").collect();
    assert_eq!(said.len(), 2, "{said:?}");
    assert_eq!((said[0].command.as_str(), said[0].params[1].as_str()), ("PRIVMSG", "hi"));
    assert_eq!(said[0].tag("+draft/reply"), Some(Some("abc")));
    assert_eq!(said[0].tag("+fat"), None, "not stored");
    assert_eq!((said[1].command.as_str(), said[1].tag("+draft/react")), ("TAGMSG", Some(Some("x"))));
    server.stop().await;
}

/// Finding 10: one user's lines past their write budget are relayed but
/// not stored; another user's still are.
#[tokio::test]
async fn a_user_over_the_history_budget_is_relayed_not_stored() {
    let mut config = test_config();
    config.history.user_bytes_per_minute = 2_000;
    let server = TestServer::with_config(config).await;
    let mut m = server.client("mallory").await;
    m.join("#c").await;
    let mut bob = client_with_caps(&server, "bob", CAPS).await;
    bob.join("#c").await;
    let text = "x".repeat(100);
    let mut burst = String::new();
    for i in 0..40 {
        burst.push_str(&format!("PRIVMSG #c :{i:02}{text}\r\n"));
    }
    m.send_raw(burst.as_bytes()).await;
    m.sync().await;
    for _ in 0..40 {
        bob.expect("PRIVMSG").await;
    }
    bob.send("PRIVMSG #c :bob still stored").await;
    bob.sync().await;
    let lines = batch_reply(&mut bob, "CHATHISTORY LATEST #c * 100").await;
    let stored = texts(&lines);
    assert!(stored.len() < 20, "{} of mallory's 40 stored", stored.len() - 1);
    assert_eq!(stored.last(), Some(&"bob still stored"));
    server.stop().await;
}

/// Suspected: a SEARCH for a common word by someone who may read few of
/// its lines read every match of the word, server-wide, before keeping
/// those it may read. Now it looks at the newest `search_scan_limit`
/// matches only: mallory still finds her newest line among 60,000 others
/// she may not read, not her older one past the bound (which the
/// unbounded scan reached), and an unrelated client's PING stays quick.
#[tokio::test]
async fn a_search_by_someone_who_may_read_little_is_bounded() {
    use hichat_server::store::{Change, ChannelRecord, HistoryLine};
    let mut config = test_config();
    config.history.search_scan_limit = 2_000;
    let server = TestServer::with_config(config).await;
    let mut m = client_with_caps(&server, "mallory", CAPS).await;
    m.join("#small").await;
    m.send("PRIVMSG #small :coffee early").await;
    m.sync().await;
    let s = server.server.clone();
    tokio::task::spawn_blocking(move || {
        let record = ChannelRecord { name: "#big".into(), display: "#big".into(), ..Default::default() };
        s.store.submit(Change::CreateChannel(record)).wait().unwrap();
        for n in 0..60_000u64 {
            s.store.append_history(HistoryLine {
                msgid: format!("bulk{n}"),
                time: 1_767_225_600_000 + n,
                target: "#big".into(),
                command: "PRIVMSG".into(),
                prefix: "dan!d@h".into(),
                params: "#big".into(),
                text: Some(format!("coffee number {n}")),
                ..HistoryLine::default()
            });
        }
        s.store.flush().wait().unwrap();
    })
    .await
    .unwrap();
    m.send("PRIVMSG #small :coffee late").await;
    m.sync().await;
    let _ = batch_reply(&mut m, "SEARCH nothing").await; // the bulk indexed first
    let mut other = server.client("other").await;
    let started = Instant::now();
    for _ in 0..5 {
        assert_eq!(texts(&batch_reply(&mut m, "SEARCH coffee").await), ["coffee late"]);
    }
    let searches = started.elapsed();
    let started = Instant::now();
    other.sync().await;
    assert!(started.elapsed() < Duration::from_millis(200), "PING took {:?}", started.elapsed());
    assert!(searches < Duration::from_secs(2), "5 searches took {searches:?}");
    server.stop().await;
}

/// Read markers stored for `account`, as the store has them.
async fn stored_markers(server: &TestServer, account: &str) -> i64 {
    let store = server.server.store.clone();
    tokio::task::spawn_blocking(move || store.flush().wait()).await.unwrap().unwrap();
    let db = hichat_server::store::SqliteStore::file_in(&server.server.info.config.server.data_dir);
    let conn = rusqlite::Connection::open_with_flags(db, rusqlite::OpenFlags::SQLITE_OPEN_READ_ONLY).unwrap();
    conn.query_row("SELECT count(*) FROM read_markers WHERE account = ?1", [account], |r| r.get(0)).unwrap()
}

/// Finding 12: 60 MARKREADs for channels that do not exist made 60 stored
/// rows; now each is refused, and the markers of targets the user can see
/// are bounded (the oldest goes).
#[tokio::test]
async fn read_markers_only_for_visible_targets_and_bounded() {
    let server = server_on_disk("hostile-history-markers", |c| c.limits.read_markers_per_user = 5).await;
    let mut m = client_with_caps(&server, "mallory", "draft/read-marker").await;
    m.send("PRIVMSG NickServ :REGISTER hunter22").await;
    m.expect("900").await;
    for i in 0..60 {
        m.send(&format!("MARKREAD #nowhere{i} timestamp=2024-01-01T00:00:00.000Z")).await;
    }
    for i in 0..60 {
        let fail = m.expect("FAIL").await;
        assert_eq!(fail.params[..3], ["MARKREAD", "INVALID_PARAMS", &format!("#nowhere{i}")]);
    }
    assert_eq!(stored_markers(&server, "mallory").await, 0);
    // A secret channel mallory is not in is no target either.
    let mut alice = server.client("alice").await;
    alice.join("#hidden").await;
    alice.send("MODE #hidden +s").await;
    alice.sync().await;
    m.send("MARKREAD #hidden timestamp=2024-01-01T00:00:00.000Z").await;
    assert_eq!(m.expect("FAIL").await.params[1], "INVALID_PARAMS");
    // Ten channels mallory is in: five markers kept, the newest.
    for i in 0..10 {
        m.join(&format!("#m{i}")).await;
        m.send(&format!("MARKREAD #m{i} timestamp=2024-01-01T00:00:0{i}.000Z")).await;
        m.expect("MARKREAD").await;
    }
    assert_eq!(stored_markers(&server, "mallory").await, 5);
    m.send("MARKREAD #m9").await;
    assert_eq!(m.expect("MARKREAD").await.params[1], "timestamp=2024-01-01T00:00:09.000Z");
    m.send("MARKREAD #m0").await;
    assert_eq!(m.expect("MARKREAD").await.params[1], "*");
    server.stop().await;
}

/// Finding 12: the next user of a nick got the previous holder's markers.
#[tokio::test]
async fn the_next_holder_of_a_nick_has_none_of_its_read_markers() {
    let server = TestServer::start().await;
    let mut ann = client_with_caps(&server, "ann", "draft/read-marker").await;
    ann.join("#c").await;
    ann.send("MARKREAD #c timestamp=2024-01-01T00:00:00.000Z").await;
    ann.expect("MARKREAD").await;
    ann.send("NICK ann_away").await;
    ann.sync().await;
    let mut mallory = client_with_caps(&server, "ann", "draft/read-marker").await;
    mallory.send("MARKREAD #c").await;
    assert_eq!(mallory.expect("MARKREAD").await.params[1], "*");
    // On QUIT too.
    let mut bob = client_with_caps(&server, "bob", "draft/read-marker").await;
    bob.join("#c").await;
    bob.send("MARKREAD #c timestamp=2024-01-01T00:00:00.000Z").await;
    bob.expect("MARKREAD").await;
    bob.send("QUIT").await;
    bob.read_to_close().await;
    let mut next = client_with_caps(&server, "bob", "draft/read-marker").await;
    next.send("MARKREAD #c").await;
    assert_eq!(next.expect("MARKREAD").await.params[1], "*");
    server.stop().await;
}

/// The server's own channel (`default_channel`) is the operator's channel
/// for everyone: what was said there stays readable by those who join
/// later, even after it emptied, as in a registered channel, while an
/// ordinary unregistered channel forgets.
#[tokio::test]
async fn the_servers_own_channel_keeps_its_history_for_newcomers() {
    let server = TestServer::start().await;
    let mut alice = server.client("alice").await;
    for chan in ["#hello", "#other"] {
        alice.join(chan).await;
        alice.send(&format!("PRIVMSG {chan} :said in {chan} before anyone else came")).await;
    }
    alice.send("QUIT :bye").await;
    let _ = alice.read_to_close().await;

    let mut bob = client_with_caps(&server, "bob", CAPS).await;
    bob.join("#hello").await;
    let lines = batch_reply(&mut bob, "CHATHISTORY LATEST #hello * 50").await;
    assert_eq!(texts(&lines), ["said in #hello before anyone else came"]);
    bob.join("#other").await;
    let lines = batch_reply(&mut bob, "CHATHISTORY LATEST #other * 50").await;
    assert!(texts(&lines).is_empty(), "{lines:?}");

    // Without draft/chathistory the channel's lines are replayed on JOIN.
    let mut carol = server.connect().await;
    carol.register_with_caps("carol", "batch server-time").await;
    carol.join("#hello").await;
    let got = carol.messages_until_quiet(Duration::from_millis(300)).await;
    assert!(got.iter().any(|m| m.command == "PRIVMSG" && m.params[1].contains("said in #hello")), "{got:?}");
    server.stop().await;
}
