//! Full-text search over history: `SEARCH` (draft/search) and HistServ, on a
//! real server over real sockets. The big channel's 100,000 lines are put
//! in through the store directly (that is setup, not what is tested); the
//! lines searched for partly come over IRC.

mod common;
use common::{params, TestClient, TestServer};
use hichat_proto::Message;
use hichat_server::store::HistoryLine;
use hichat_server::Server;
use std::sync::Arc;

const CAPS: &str = "batch server-time message-tags echo-message draft/search";

/// 2026-01-01T00:00:00Z in Unix milliseconds.
const JAN_1: u64 = 1_767_225_600_000;
const MINUTE: u64 = 60_000;
/// Lines bulk-loaded into #big, one a minute from January 1st (about 69
/// days, to March 11th).
const BULK: u64 = 100_000;

const WORDS: &[&str] = &[
    "the", "server", "channel", "message", "history", "rust", "query", "index", "network", "client", "today",
    "tomorrow", "coffee", "release", "build", "test", "deploy", "bug", "fix", "review",
];
const HANZI: &[&str] =
    &["我们", "今天", "天气", "很好", "服务器", "频道", "消息", "历史", "搜索", "世纪", "你们", "好的"];

/// A line as the history writer stores a channel PRIVMSG.
fn channel_line(n: u64, time: u64, channel: &str, nick: &str, text: String) -> HistoryLine {
    HistoryLine {
        msgid: format!("bulk{n}"),
        time,
        target: channel.to_ascii_lowercase(),
        command: "PRIVMSG".into(),
        prefix: format!("{nick}!{nick}@127.0.0.1"),
        params: channel.into(),
        text: Some(text),
        ..HistoryLine::default()
    }
}

/// Deterministic filler of `len` words, English and Chinese, that never
/// make up the phrases searched for.
fn filler(n: u64, len: usize) -> String {
    let mut x = n.wrapping_mul(6_364_136_223_846_793_005).wrapping_add(1_442_695_040_888_963_407);
    let mut words = Vec::new();
    for _ in 0..len {
        x ^= x >> 29;
        x = x.wrapping_mul(0xbf58_476d_1ce4_e5b9);
        if x.is_multiple_of(3) {
            words.push(HANZI[(x >> 8) as usize % HANZI.len()].to_owned());
        } else {
            words.push(WORDS[(x >> 8) as usize % WORDS.len()].to_owned());
        }
    }
    words.join(" ")
}

/// Loads #big with [`BULK`] lines of `len` words and waits for their
/// commit. Indexing is most of the cost, so the checks use short lines.
/// #big is registered (long before the lines), so that members who join
/// later read them: an unregistered channel's history is only for those
/// who were there.
fn load_big(server: &Arc<Server>, len: usize) {
    use hichat_server::store::{Change, ChannelRecord};
    let record =
        ChannelRecord { name: "#big".into(), display: "#big".into(), founder: "dan".into(), ..Default::default() };
    server.store.submit(Change::CreateChannel(record.clone())).wait().expect("#big registered");
    server.state().records.channels.insert(record.name.clone(), record);
    for n in 0..BULK {
        let nick = ["dan", "eve", "fay"][n as usize % 3];
        server.store.append_history(channel_line(n, JAN_1 + n * MINUTE, "#big", nick, filler(n, len)));
    }
    server.store.flush().wait().expect("bulk lines committed");
}

/// Sends a SEARCH and returns the messages of its batch, checking the
/// batch's shape.
async fn search(c: &mut TestClient, query: &str) -> Vec<Message> {
    c.send(&format!("SEARCH {query}")).await;
    // Skipping what came before (such as history replayed on join).
    let (start, _) = c.expect_with("BATCH", |m| m.params.get(1).is_some_and(|t| t == "draft/search")).await;
    let reference = start.params[0].strip_prefix('+').expect("a batch start").to_owned();
    let mut found = Vec::new();
    loop {
        let m = c.message().await;
        if m.command == "BATCH" {
            assert_eq!(m.params[0], format!("-{reference}"));
            return found;
        }
        assert_eq!(m.tag("batch"), Some(Some(reference.as_str())), "{m:?}");
        found.push(m);
    }
}

fn texts(found: &[Message]) -> Vec<&str> {
    found.iter().map(|m| m.params[1].as_str()).collect()
}

/// Waits until the history writer has committed everything sent so far.
async fn flushed(server: &TestServer) {
    let store = server.server.store.clone();
    tokio::task::spawn_blocking(move || store.flush().wait()).await.unwrap().unwrap();
}

#[tokio::test]
async fn chinese_and_english_found_among_100k_lines_with_filters() {
    let server = TestServer::start().await;
    let s = server.server.clone();
    tokio::task::spawn_blocking(move || load_big(&s, 3)).await.unwrap();
    // Needles in the bulk: one in January, one in February.
    let s = &server.server;
    s.store.append_history(channel_line(
        900_001,
        JAN_1 + 10 * 24 * 60 * MINUTE,
        "#big",
        "dan",
        "我们今天说你好世界吧".into(),
    ));
    s.store.append_history(channel_line(
        900_002,
        JAN_1 + 40 * 24 * 60 * MINUTE,
        "#big",
        "eve",
        "the xylophone is in the channel".into(),
    ));

    let mut ann = server.connect().await;
    ann.register_with_caps("ann", CAPS).await;
    let mut bob = server.connect().await;
    bob.register_with_caps("bob", CAPS).await;
    ann.join("#big").await;
    bob.join("#big").await;
    // Over IRC: the lines are stored by the server as it relays them.
    ann.send("PRIVMSG #big :大家好，你好世界！from the wire").await;
    let echo = ann.expect("PRIVMSG").await;
    let wire_msgid = echo.tag("msgid").flatten().unwrap().to_owned();
    let wire_time = echo.tag("time").flatten().unwrap().to_owned();
    bob.send("PRIVMSG #big :A Xylophone, said bob").await;
    bob.send("NOTICE #big :\x01ACTION plays the XYLOPHONE\x01").await;
    bob.sync().await;
    flushed(&server).await;
    ann.sync().await;

    // A Chinese phrase inside longer text, through the bulk and the wire.
    let found = search(&mut ann, "你好世界").await;
    assert_eq!(texts(&found), ["我们今天说你好世界吧", "大家好，你好世界！from the wire"]);
    let wire = &found[1];
    assert_eq!(wire.tag("msgid"), Some(Some(wire_msgid.as_str())), "the msgid it was relayed with");
    assert_eq!(wire.tag("time"), Some(Some(wire_time.as_str())), "the time it was relayed with");
    assert_eq!(wire.source.as_deref(), Some("ann!ann@127.0.0.1"));
    assert_eq!(params(wire)[0], "#big");
    assert_eq!(found[0].tag("time"), Some(Some("2026-01-11T00:00:00.000Z")));
    // Not the characters apart or in another order.
    assert!(search(&mut ann, "世界你好").await.is_empty());

    // An English word, whatever its case, in a message, a notice and an action.
    let found = search(&mut ann, "xylophone").await;
    assert_eq!(
        texts(&found),
        ["the xylophone is in the channel", "A Xylophone, said bob", "\x01ACTION plays the XYLOPHONE\x01"]
    );
    assert_eq!(found[2].command, "NOTICE");

    // from:, in:, after:, before:.
    assert_eq!(texts(&search(&mut ann, "xylophone from:bob").await).len(), 2);
    assert_eq!(texts(&search(&mut ann, "xylophone from:EVE").await), ["the xylophone is in the channel"]);
    assert_eq!(search(&mut ann, "xylophone in:#big").await.len(), 3);
    assert_eq!(search(&mut ann, "xylophone in:#elsewhere").await.len(), 0);
    assert_eq!(texts(&search(&mut ann, "你好世界 before:2026-02-01").await), ["我们今天说你好世界吧"]);
    assert_eq!(texts(&search(&mut ann, "你好世界 after:2026-03-12").await), ["大家好，你好世界！from the wire"]);
    assert_eq!(
        texts(&search(&mut ann, "xylophone after:2026-02-01T00:00:00Z before:2026-03-01T00:00:00.000Z").await),
        ["the xylophone is in the channel"]
    );
    // The after: day itself is included, the before: day is not.
    assert_eq!(search(&mut ann, "xylophone after:2026-02-10 before:2026-02-11").await.len(), 1);
    assert_eq!(search(&mut ann, "xylophone after:2026-02-11 before:2026-02-12").await.len(), 0);
    // Filters alone: the newest lines of one sender, with a limit.
    let found = search(&mut ann, "from=fay;in=#big;limit=3").await;
    assert_eq!(found.len(), 3);
    assert!(found.iter().all(|m| m.source.as_deref() == Some("fay!fay@127.0.0.1")));
    assert!(found.windows(2).all(|w| w[0].tag("time") < w[1].tag("time")), "oldest first");
    // A common word hits the result limit, not the 100,000.
    assert_eq!(search(&mut ann, "coffee").await.len(), 50);
    assert_eq!(search(&mut ann, "text=coffee;limit=500").await.len(), 100);

    server.stop().await;
}

/// A line is found as soon as it is relayed, with no wait for the store:
/// a search has the store index first whatever was queued before it, here
/// behind 20,000 lines queued and not yet stored or indexed.
#[tokio::test]
async fn a_line_is_found_as_soon_as_it_is_relayed() {
    let server = TestServer::start().await;
    let mut ann = server.connect().await;
    ann.register_with_caps("ann", CAPS).await;
    let mut bob = server.connect().await;
    bob.register_with_caps("bob", CAPS).await;
    ann.join("#big").await;
    bob.join("#big").await;
    let s = server.server.clone();
    tokio::task::spawn_blocking(move || {
        for n in 0..20_000 {
            s.store.append_history(channel_line(n, JAN_1 + n * MINUTE, "#big", "dan", filler(n, 3)));
        }
    })
    .await
    .unwrap();
    bob.send("PRIVMSG #big :the narwhal has landed").await;
    ann.expect_with("PRIVMSG", |m| m.params[1].contains("narwhal")).await;
    assert_eq!(texts(&search(&mut ann, "narwhal").await), ["the narwhal has landed"]);
    // The sender's own line, searched for right after sending it.
    bob.send("PRIVMSG #big :a second narwhal").await;
    assert_eq!(texts(&search(&mut bob, "narwhal").await), ["the narwhal has landed", "a second narwhal"]);
    server.stop().await;
}

#[tokio::test]
async fn nobody_sees_channels_they_are_not_in_or_others_private_messages() {
    let server = TestServer::start().await;
    let mut ann = server.connect().await;
    ann.register_with_caps("ann", CAPS).await;
    let mut bob = server.connect().await;
    bob.register_with_caps("bob", CAPS).await;
    let mut cat = server.connect().await;
    cat.register_with_caps("cat", CAPS).await;
    ann.join("#secret").await;
    bob.join("#secret").await;
    cat.join("#open").await;
    ann.join("#open").await;

    // One at a time, so they are stored in this order.
    ann.send("PRIVMSG #secret :the walrus plan").await;
    ann.sync().await;
    ann.send("PRIVMSG bob :walrus between us").await;
    ann.sync().await;
    bob.send("PRIVMSG ann :walrus reply").await;
    bob.sync().await;
    ann.send("PRIVMSG #open :walrus for everyone").await;
    ann.sync().await;
    flushed(&server).await;

    assert_eq!(
        texts(&search(&mut ann, "walrus").await),
        ["the walrus plan", "walrus between us", "walrus reply", "walrus for everyone"]
    );
    assert_eq!(texts(&search(&mut bob, "walrus").await), ["the walrus plan", "walrus between us", "walrus reply"]);
    assert_eq!(texts(&search(&mut bob, "walrus in:ann").await), ["walrus between us", "walrus reply"]);
    // cat is only in #open, and in no conversation.
    assert_eq!(texts(&search(&mut cat, "walrus").await), ["walrus for everyone"]);
    assert!(search(&mut cat, "walrus in:#secret").await.is_empty());
    assert!(search(&mut cat, "walrus in:ann").await.is_empty());
    assert!(search(&mut cat, "walrus in:bob").await.is_empty());
    assert!(search(&mut cat, "from:ann in:#secret").await.is_empty());

    // Leaving a channel ends access to its history.
    bob.send("PART #secret").await;
    bob.expect("PART").await;
    assert_eq!(texts(&search(&mut bob, "walrus").await), ["walrus between us", "walrus reply"]);

    // bob leaves; cat takes the nick and must not see bob's conversation.
    bob.send("QUIT").await;
    bob.read_to_close().await;
    cat.send("NICK bob").await;
    cat.expect("NICK").await;
    assert_eq!(texts(&search(&mut cat, "walrus").await), ["walrus for everyone"]);
    server.stop().await;
}

#[tokio::test]
async fn bad_queries_fail_cleanly() {
    let server = TestServer::start().await;
    let mut ann = server.connect().await;
    ann.register_with_caps("ann", "batch standard-replies draft/search").await;
    ann.join("#c").await;
    for (query, code) in [
        ("before:yesterday x", "INVALID_PARAMS"),
        ("-onlyexcluded", "INVALID_PARAMS"),
        ("!!!", "INVALID_PARAMS"),
        ("text=a;limit=many", "INVALID_PARAMS"),
        ("text=a;in=#c;colour=red", "INVALID_PARAMS"),
    ] {
        ann.send(&format!("SEARCH {query}")).await;
        let fail = ann.expect("FAIL").await;
        assert_eq!(params(&fail)[..2], ["SEARCH", code], "{query}: {fail:?}");
    }
    ann.send("SEARCH").await;
    ann.expect("461").await;
    // FTS5 syntax is searched for as text, never run and never an error.
    for query in ["NEAR(a b)", "\"unclosed", "a OR b", "body:x", "^x", "x*", "' OR 1=1 --", "a\"b", "x AND", "{body}:x"]
    {
        assert!(search(&mut ann, query).await.is_empty(), "{query}");
    }
    server.stop().await;
}

#[tokio::test]
async fn histserv_for_any_client() {
    let server = TestServer::start().await;
    let mut ann = server.client("ann").await; // no capabilities at all
    ann.join("#hello").await;
    ann.send("PRIVMSG #hello :大家好，你好世界！").await;
    ann.send("PRIVMSG #hello :\x01ACTION waves hello\x01").await;
    ann.sync().await;
    flushed(&server).await;

    ann.send("PRIVMSG HistServ :search 你好世界").await;
    let header = ann.expect("NOTICE").await;
    assert_eq!(header.source.as_deref().unwrap().split('!').next(), Some("HistServ"));
    assert_eq!(header.params[1], "1 message found for: 你好世界");
    let hit = ann.expect("NOTICE").await;
    let text = &hit.params[1];
    assert!(text.starts_with('[') && text.contains("] #hello <ann> 大家好，你好世界！ ("), "{text}");
    assert_eq!(ann.expect("NOTICE").await.params[1], "End of results");

    ann.send("PRIVMSG HistServ :SEARCH hello from:ann").await;
    let lines = ann.messages_until_quiet(std::time::Duration::from_millis(300)).await;
    let lines: Vec<&str> = lines.iter().map(|m| m.params[1].as_str()).collect();
    assert_eq!(lines[0], "1 message found for: hello from:ann");
    assert!(lines[1].contains("] #hello * ann waves hello ("), "{lines:?}");

    // What is said to HistServ is never relayed or stored.
    ann.send("PRIVMSG HistServ :search zanzibar").await;
    assert_eq!(ann.expect("NOTICE").await.params[1], "No messages found for: zanzibar");
    flushed(&server).await;
    ann.send("PRIVMSG HistServ :search search zanzibar").await;
    assert_eq!(ann.expect("NOTICE").await.params[1], "No messages found for: search zanzibar");

    ann.send("PRIVMSG HistServ :search before:nope").await;
    let reply = ann.expect("NOTICE").await;
    assert!(reply.params[1].starts_with("Not a date or RFC 3339 timestamp: nope"), "{reply:?}");
    ann.send("PRIVMSG HistServ :help").await;
    let help = ann.messages_until_quiet(std::time::Duration::from_millis(300)).await;
    assert!(help.len() > 3 && help.iter().all(|m| m.command == "NOTICE"));

    // More matches than shown: the newest ten.
    for i in 0..12 {
        ann.send(&format!("PRIVMSG #hello :numbered marmot {i}")).await;
    }
    ann.sync().await;
    flushed(&server).await;
    ann.send("PRIVMSG HistServ :search marmot").await;
    let lines = ann.messages_until_quiet(std::time::Duration::from_millis(300)).await;
    assert!(lines[0].params[1].starts_with("The newest 10 of more matches for: marmot"), "{lines:?}");
    assert_eq!(lines.len(), 12);
    assert!(lines[1].params[1].contains("numbered marmot 2 ("));
    assert!(lines[10].params[1].contains("numbered marmot 11 ("));
    server.stop().await;
}

#[tokio::test]
async fn search_capability_is_advertised() {
    let server = TestServer::start().await;
    let mut c = server.connect().await;
    let caps = c.cap_ls(Some("302")).await;
    assert!(caps.iter().any(|c| c == "draft/search"), "{caps:?}");
    server.stop().await;
}

/// Search latency over 100,000 lines, through the store as SEARCH uses it:
/// `cargo test --release -p hichat-server --test search -- --ignored --nocapture`
#[tokio::test]
#[ignore]
async fn latency_over_100k_lines() {
    use hichat_server::search::find::{Reader, SearchRequest};
    use hichat_server::search::query::SearchQuery;
    let server = TestServer::start().await;
    let s = server.server.clone();
    let started = std::time::Instant::now();
    tokio::task::spawn_blocking(move || load_big(&s, 10)).await.unwrap();
    let stored = started.elapsed();
    let reader = Reader { channels: vec![("#big".into(), 0)], owner: "n:ann".into(), private_since: 0 };
    // The first search waits for what the store has not indexed yet.
    let first =
        SearchRequest { query: SearchQuery::parse("coffee").unwrap(), reader: reader.clone(), limit: 1, scan: 20_000 };
    server.server.store.search_history(&first).unwrap();
    println!("{BULK} lines stored in {stored:?}, indexed {:?} later", started.elapsed() - stored);
    for query in ["你好世界", "天气", "coffee", "coffee release", "xylophone", "from:dan", "服务器 from:eve", "rel*"]
    {
        let req = SearchRequest {
            query: SearchQuery::parse(query).unwrap(),
            reader: reader.clone(),
            limit: 50,
            scan: 20_000,
        };
        let mut times = Vec::new();
        let mut n = 0;
        for _ in 0..200 {
            let t = std::time::Instant::now();
            n = server.server.store.search_history(&req).unwrap().len();
            times.push(t.elapsed());
        }
        times.sort();
        println!(
            "{query:>16}: {n:>3} results  p50 {:>9.3?}  p99 {:>9.3?}",
            times[times.len() / 2],
            times[times.len() * 99 / 100]
        );
    }
    // The worst case for an index-driven search: a word common in a
    // channel the reader is not in, so every match is read and dropped.
    let outsider = Reader { channels: vec![("#small".into(), 0)], owner: "n:ann".into(), private_since: 0 };
    let req = SearchRequest { query: SearchQuery::parse("coffee").unwrap(), reader: outsider, limit: 50, scan: 20_000 };
    let mut times = Vec::new();
    for _ in 0..50 {
        let t = std::time::Instant::now();
        assert!(server.server.store.search_history(&req).unwrap().is_empty());
        times.push(t.elapsed());
    }
    times.sort();
    println!("coffee, not in #big:   0 results  p50 {:>9.3?}  p99 {:>9.3?}", times[25], times[49]);
    server.stop().await;
}
