//! Tests of [`super`]: the store's history functions on real SQLite databases.

use super::*;

fn db() -> Connection {
    let mut conn = Connection::open_in_memory().unwrap();
    super::super::migrate::migrate(&mut conn).unwrap();
    conn
}

fn line(n: u64, time: u64, target: &str, peer: Option<&str>) -> HistoryLine {
    HistoryLine {
        msgid: format!("m{n}"),
        time,
        target: target.into(),
        peer_target: peer.map(str::to_owned),
        command: "PRIVMSG".into(),
        prefix: "ann!a@h".into(),
        params: "#c".into(),
        text: Some(format!("line {n}")),
        ..HistoryLine::default()
    }
}

fn query_of(view: View, selection: Selection, limit: usize) -> HistoryQuery {
    HistoryQuery { view, selection, limit, since: 0, commands: vec!["PRIVMSG", "NOTICE"] }
}

fn ids(lines: &[HistoryLine]) -> Vec<String> {
    lines.iter().map(|l| l.msgid.clone()).collect()
}

/// 30 lines, three to a millisecond.
fn channel_db() -> Connection {
    let db = db();
    for n in 0..30 {
        insert_line(&db, &line(n, 1000 + n / 3, "#c", None)).unwrap();
    }
    insert_line(&db, &line(99, 1001, "#other", None)).unwrap();
    db
}

#[test]
fn selections() {
    let db = channel_db();
    let c = || View::Channel("#c".into());
    let m = |n: u64| Anchor::Msgid(format!("m{n}"));
    let q = |s, n| ids(&query(&db, &query_of(c(), s, n)).unwrap());
    assert_eq!(q(Selection::Latest(None), 2), ["m28", "m29"]);
    assert_eq!(q(Selection::Latest(Some(m(26))), 100), ["m27", "m28", "m29"]);
    assert_eq!(q(Selection::Before(m(4)), 3), ["m1", "m2", "m3"]);
    assert_eq!(q(Selection::After(m(4)), 2), ["m5", "m6"]);
    assert_eq!(q(Selection::Around(m(10)), 4), ["m8", "m9", "m10", "m11"]);
    assert_eq!(q(Selection::Between(m(3), m(7)), 100), ["m4", "m5", "m6"]);
    assert_eq!(q(Selection::Between(m(7), m(3)), 2), ["m5", "m6"]);
    // Times: before excludes the whole millisecond, after too.
    assert_eq!(q(Selection::Before(Anchor::Time(1001)), 100), ["m0", "m1", "m2"]);
    assert_eq!(q(Selection::After(Anchor::Time(1008)), 100), ["m27", "m28", "m29"]);
    assert_eq!(q(Selection::Between(Anchor::Time(1001), Anchor::Time(1003)), 100), ["m6", "m7", "m8"]);
    // An unknown msgid, or one from another target, finds nothing.
    assert!(q(Selection::Before(m(99)), 10).is_empty());
}

#[test]
fn paging_backwards_returns_each_line_once() {
    let db = channel_db();
    let mut seen = Vec::new();
    let mut page = query(&db, &query_of(View::Channel("#c".into()), Selection::Latest(None), 4)).unwrap();
    while !page.is_empty() {
        let mut ids = ids(&page);
        ids.extend(seen);
        seen = ids;
        let first = Anchor::Msgid(page[0].msgid.clone());
        page = query(&db, &query_of(View::Channel("#c".into()), Selection::Before(first), 4)).unwrap();
    }
    assert_eq!(seen, (0..30).map(|n| format!("m{n}")).collect::<Vec<_>>());
}

#[test]
fn private_views_see_both_sides_and_nothing_else() {
    let db = db();
    let ann_bob = private_key(Some("Ann"), "ann", "Bob");
    let bob_ann = private_key(None, "bob", "ann");
    insert_line(&db, &line(1, 10, &ann_bob, Some(&bob_ann))).unwrap();
    insert_line(&db, &line(2, 11, &bob_ann, Some(&ann_bob))).unwrap();
    insert_line(&db, &line(3, 12, &private_key(None, "carl", "bob"), Some("n:bob carl"))).unwrap();
    // A message to oneself is stored once and read once.
    let me = private_key(Some("ann"), "ann", "ann");
    insert_line(&db, &line(4, 13, &me, Some(&me))).unwrap();
    let read = |key: &str| ids(&query(&db, &query_of(View::Private(key.into()), Selection::Latest(None), 10)).unwrap());
    assert_eq!(read("a:ann bob"), ["m1", "m2"]);
    assert_eq!(read("n:bob ann"), ["m1", "m2"]);
    assert_eq!(read("n:carl ann"), Vec::<String>::new());
    assert_eq!(read("a:ann ann"), ["m4"]);
    let t = TargetsQuery {
        channels: vec![],
        owner: "a:ann".into(),
        since: 0,
        from: 0,
        to: 100,
        limit: 10,
        commands: vec!["PRIVMSG"],
    };
    assert_eq!(targets(&db, &t).unwrap(), [("bob".to_owned(), 11), ("ann".to_owned(), 13)]);
}

#[test]
fn targets_are_placed_by_their_newest_line_overall() {
    let db = channel_db();
    let (ann_bob, bob_ann) = (private_key(None, "ann", "bob"), private_key(None, "bob", "ann"));
    insert_line(&db, &line(50, 1002, &ann_bob, Some(&bob_ann))).unwrap();
    insert_line(&db, &line(51, 1020, &bob_ann, Some(&ann_bob))).unwrap();
    let t = |from, to, since| TargetsQuery {
        channels: vec![("#c".into(), since), ("#other".into(), 0)],
        owner: "n:ann".into(),
        since: 0,
        from,
        to,
        limit: 10,
        commands: vec!["PRIVMSG"],
    };
    // #c's newest line is at 1009, bob's at 1020: a window ending
    // before them leaves them out, whatever older lines it holds.
    assert_eq!(targets(&db, &t(1000, 1005, 0)).unwrap(), [("#other".to_owned(), 1001)]);
    assert_eq!(targets(&db, &t(1005, 1030, 0)).unwrap(), [("#c".to_owned(), 1009), ("bob".to_owned(), 1020)]);
    // What a member may not read does not place the channel.
    assert_eq!(targets(&db, &t(1000, 1030, 1010)).unwrap(), [("#other".to_owned(), 1001), ("bob".to_owned(), 1020)]);
}

#[test]
fn unregistered_channels_are_forgotten() {
    let db = channel_db();
    db.execute("INSERT INTO channels (name, display, founder, registered_at) VALUES ('#c', '#c', 'ann', 1)", [])
        .unwrap();
    insert_line(&db, &line(60, 5, "a:ann bob", Some("n:bob ann"))).unwrap();
    assert_eq!(forget_unregistered(&db, "#other").unwrap(), 0, "#other is the server's own channel here");
    assert_eq!(forget_unregistered(&db, "#hello").unwrap(), 1, "#other's line, not #c's nor a private one");
    assert_eq!(forget_channel(&db, "#c").unwrap(), 30);
    let left: i64 = db.query_row("SELECT count(*) FROM messages", [], |r| r.get(0)).unwrap();
    assert_eq!(left, 1);
}

#[test]
fn targets_spell_nicks_as_their_newest_line_does() {
    let db = db();
    let (ann_bob, bob_ann) = (private_key(None, "ann", "bob"), private_key(None, "bob", "ann"));
    let said = |n, time, from: &str, to: &str, key: &str, peer: &str| HistoryLine {
        prefix: format!("{from}!u@h"),
        params: to.into(),
        ..line(n, time, key, Some(peer))
    };
    // Bob wrote as `Bob`, then ann to him as `BOB`, then he as `bOb`.
    insert_line(&db, &said(1, 10, "Bob", "ann", &bob_ann, &ann_bob)).unwrap();
    insert_line(&db, &said(2, 11, "ann", "BOB", &ann_bob, &bob_ann)).unwrap();
    let t = TargetsQuery {
        channels: vec![],
        owner: "n:ann".into(),
        since: 0,
        from: 0,
        to: 100,
        limit: 10,
        commands: vec!["PRIVMSG"],
    };
    assert_eq!(targets(&db, &t).unwrap(), [("BOB".to_owned(), 11)]);
    insert_line(&db, &said(3, 12, "bOb", "ann", &bob_ann, &ann_bob)).unwrap();
    assert_eq!(targets(&db, &t).unwrap(), [("bOb".to_owned(), 12)]);
    let t = TargetsQuery { owner: "n:bob".into(), ..t };
    assert_eq!(targets(&db, &t).unwrap(), [("ann".to_owned(), 12)]);
}

#[test]
fn redaction_and_retention() {
    let db = channel_db();
    assert_eq!(redact(&db, "m5", Some("#other")).unwrap(), 0);
    assert_eq!(redact(&db, "m5", Some("#c")).unwrap(), 1);
    // By count: the newest 10 of #c stay.
    let removed = prune(&db, Retention { max_messages: 10, max_age_secs: 0 }, 5000, None).unwrap();
    assert_eq!(removed, 19);
    let all = query(&db, &query_of(View::Channel("#c".into()), Selection::Latest(None), 100)).unwrap();
    assert_eq!(ids(&all), (20..30).map(|n| format!("m{n}")).collect::<Vec<_>>());
    // By age: everything older than a second before `now`.
    let removed = prune(&db, Retention { max_messages: 0, max_age_secs: 1 }, 2008, None).unwrap();
    assert_eq!(removed, 5, "m20..m23 are older than 1008 ms, and #other's line");
    // A channel's own setting wins over the default.
    db.execute("INSERT INTO channels (name, display, founder, registered_at) VALUES ('#c', '#c', 'ann', 1)", [])
        .unwrap();
    db.execute("INSERT INTO channel_history VALUES ('#c', 1, NULL)", []).unwrap();
    let touched = HashSet::from(["#c".to_owned()]);
    prune(&db, Retention { max_messages: 100, max_age_secs: 0 }, 2008, Some(&touched)).unwrap();
    let all = query(&db, &query_of(View::Channel("#c".into()), Selection::Latest(None), 100)).unwrap();
    assert_eq!(ids(&all), ["m29"]);
}

/// How fast the store persists history: lines queued as fast as the
/// caller can, until the last is committed with a full fsync per batch;
/// then until a search has them all indexed.
/// `cargo test --release -p hichat-server --lib persist_rate -- --ignored --nocapture`
#[test]
#[ignore = "a measurement, not a check"]
fn persist_rate() {
    use crate::store::{SqliteStore, Store};
    let dir = std::env::temp_dir().join(format!("hichat-persist-rate-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    let store = SqliteStore::open(&dir).unwrap();
    let n = 500_000u64;
    let started = std::time::Instant::now();
    for i in 0..n {
        let mut l = line(i, 1_700_000_000_000 + i / 10, &format!("#c{}", i % 50), None);
        l.msgid = crate::msgid::new_msgid(l.time);
        l.text = Some(format!("message number {i} with some ordinary chat text in it"));
        store.append_history(l);
    }
    let queued = started.elapsed();
    store.flush().wait().unwrap();
    let took = started.elapsed();
    println!(
        "{n} lines queued in {queued:?}, committed in {took:?}: {:.0} lines/s persisted",
        n as f64 / took.as_secs_f64()
    );
    // A search first indexes what the writer has not yet indexed.
    let req = crate::search::find::SearchRequest {
        query: crate::search::query::SearchQuery::parse("number").unwrap(),
        reader: crate::search::find::Reader {
            channels: vec![("#c7".into(), 0)],
            owner: "n:x".into(),
            private_since: 0,
        },
        limit: 10,
        scan: 10_000,
    };
    let found = store.search_history(&req).unwrap();
    let indexed = started.elapsed();
    assert_eq!(found.len(), 10);
    println!(
        "indexed for search {:?} later, {indexed:?} in all: {:.0} lines/s stored and indexed",
        indexed - took,
        n as f64 / indexed.as_secs_f64()
    );
    drop(store);
    std::fs::remove_dir_all(&dir).unwrap();
}
