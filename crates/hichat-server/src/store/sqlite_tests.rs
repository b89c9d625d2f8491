//! Tests of [`super`]: the store's sqlite functions on real SQLite databases.

use super::*;

fn creds() -> Credentials {
    Credentials {
        password_hash: "$argon2id$v=19$m=19456,t=2,p=1$c2FsdA$aGFzaA".into(),
        scram_salt: vec![1, 2, 3],
        scram_iterations: 4096,
        scram_stored_key: vec![4; 32],
        scram_server_key: vec![5; 32],
    }
}

fn account(name: &str) -> AccountRecord {
    AccountRecord {
        name: name.to_lowercase(),
        display: name.into(),
        credentials: creds(),
        email: None,
        registered_at: 7,
    }
}

fn temp_dir(tag: &str) -> PathBuf {
    let dir = std::env::temp_dir().join(format!("hichat-store-{tag}-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    dir
}

#[test]
fn read_markers_move_forward_and_channels_rename() {
    let dir = temp_dir("markers");
    let store = SqliteStore::open(&dir).unwrap();
    store.submit(Change::CreateAccount(account("Ann"))).wait().unwrap();
    for time in [5, 9, 7] {
        let change = Change::SetReadMarker { account: "ann".into(), target: "#a".into(), time };
        store.submit(change).wait().unwrap();
    }
    let chan = ChannelRecord {
        name: "#a".into(),
        display: "#A".into(),
        founder: "ann".into(),
        registered_at: 1,
        lists: vec![ListRecord { list: 'b', mask: "*!*@bad".into(), setter: "Ann".into(), time: 4 }],
        access: vec![("ann".into(), AccessLevel::Founder)],
        ..ChannelRecord::default()
    };
    store.submit(Change::CreateChannel(chan.clone())).wait().unwrap();
    let mut taken = chan.clone();
    (taken.name, taken.display) = ("#taken".into(), "#taken".into());
    store.submit(Change::CreateChannel(taken)).wait().unwrap();
    let rename = |to: &str| Change::RenameChannel { from: "#a".into(), to: to.into(), display: to.to_uppercase() };
    assert_eq!(store.submit(rename("#taken")).wait(), Err(StoreError::Conflict));
    store.submit(rename("#b")).wait().unwrap();
    assert_eq!(store.submit(rename("#c")).wait(), Err(StoreError::NotFound));
    drop(store);

    let store = SqliteStore::open(&dir).unwrap();
    let r = store.load().unwrap();
    assert_eq!(r.read_markers["ann"]["#a"], 9);
    let renamed = ChannelRecord { name: "#b".into(), display: "#B".into(), ..chan };
    assert_eq!(r.channels["#b"], renamed);
    assert!(!r.channels.contains_key("#a"));
    store.submit(Change::DropAccount("ann".into())).wait().unwrap();
    assert!(store.load().unwrap().read_markers.is_empty(), "dropping an account drops its markers");
    drop(store);
    std::fs::remove_dir_all(&dir).unwrap();
}

#[test]
fn only_the_newest_read_markers_are_loaded() {
    let store = SqliteStore::in_memory();
    store.submit(Change::CreateAccount(account("Ann"))).wait().unwrap();
    let n = MAX_READ_MARKERS as u64 + 5;
    let pending: Vec<_> = (0..n)
        .map(|i| store.submit(Change::SetReadMarker { account: "ann".into(), target: format!("#c{i}"), time: i }))
        .collect();
    pending.into_iter().for_each(|p| p.wait().unwrap());
    let forget = Change::ForgetReadMarker { account: "ann".into(), target: format!("#c{}", n - 1) };
    store.submit(forget).wait().unwrap();
    let markers = &store.load().unwrap().read_markers["ann"];
    assert_eq!(markers.len(), MAX_READ_MARKERS);
    assert!(!markers.contains_key("#c0") && !markers.contains_key(&format!("#c{}", n - 1)));
    assert_eq!(markers.get("#c5"), Some(&5), "the oldest went first");
}

#[test]
fn changes_last_across_reopen() {
    let dir = temp_dir("reopen");
    let store = SqliteStore::open(&dir).unwrap();
    store.submit(Change::CreateAccount(account("Ann"))).wait().unwrap();
    assert_eq!(store.submit(Change::CreateAccount(account("ann"))).wait(), Err(StoreError::Conflict));
    let chan = ChannelRecord {
        name: "#a".into(),
        display: "#A".into(),
        founder: "ann".into(),
        registered_at: 1,
        topic: Some(TopicRecord { text: "hi".into(), setter: "Ann".into(), time: 3 }),
        modes: "nt".into(),
        key: Some("k".into()),
        limit: Some(5),
        lists: vec![ListRecord { list: 'b', mask: "*!*@bad".into(), setter: "Ann".into(), time: 4 }],
        access: vec![("ann".into(), AccessLevel::Founder), ("bob".into(), AccessLevel::Op)],
        settings: ChannelSettings {
            description: Some("a channel".into()),
            keep_topic: false,
            mlock_on: "nt".into(),
            mlock_off: "s".into(),
            history: Some(Retention { max_messages: 50, max_age_secs: 3600 }),
        },
    };
    store.submit(Change::CreateChannel(chan.clone())).wait().unwrap();
    let ban = BanRecord {
        kind: BanKind::Kline,
        mask: "*@10.0.0.1".into(),
        reason: "spam".into(),
        setter: "oper".into(),
        set_at: 9,
        expires_at: Some(100),
    };
    store.submit(Change::PutBan(ban.clone())).wait().unwrap();
    store.close();
    assert_eq!(store.submit(Change::DropChannel("#a".into())).wait(), Err(StoreError::Closed));
    drop(store);

    let store = SqliteStore::open(&dir).unwrap();
    let r = store.load().unwrap();
    assert_eq!(r.accounts["ann"], account("Ann"));
    assert_eq!(r.channels["#a"], chan);
    assert_eq!(r.bans, vec![ban]);
    store.submit(Change::DropAccount("ann".into())).wait().unwrap();
    let r = store.load().unwrap();
    assert!(r.accounts.is_empty() && r.channels.is_empty(), "dropping an account drops its channels");
    drop(store);
    std::fs::remove_dir_all(&dir).unwrap();
}

#[test]
fn a_failing_change_does_not_undo_its_batch() {
    let store = SqliteStore::in_memory();
    let pending: Vec<_> =
        ["a", "b", "a", "c"].iter().map(|n| store.submit(Change::CreateAccount(account(n)))).collect();
    let results: Vec<_> = pending.into_iter().map(Pending::wait).collect();
    assert_eq!(results, vec![Ok(()), Ok(()), Err(StoreError::Conflict), Ok(())]);
    assert_eq!(store.submit(Change::DropAccount("zz".into())).wait(), Err(StoreError::NotFound));
}

#[test]
fn certificate_fingerprints() {
    let dir = temp_dir("certs");
    let store = SqliteStore::open(&dir).unwrap();
    store.submit(Change::CreateAccount(account("ann"))).wait().unwrap();
    store.submit(Change::CreateAccount(account("bob"))).wait().unwrap();
    let add =
        |account: &str, fp: &str| Change::AddCert { account: account.into(), fingerprint: fp.into(), added_at: 1 };
    store.submit(add("ann", "aa")).wait().unwrap();
    store.submit(add("ann", "bb")).wait().unwrap();
    // One fingerprint, one account; and only existing accounts.
    assert_eq!(store.submit(add("bob", "aa")).wait(), Err(StoreError::Conflict));
    assert_eq!(store.submit(add("nobody", "cc")).wait(), Err(StoreError::Conflict));
    let remove = |account: &str, fp: &str| Change::RemoveCert { account: account.into(), fingerprint: fp.into() };
    assert_eq!(store.submit(remove("bob", "bb")).wait(), Err(StoreError::NotFound));
    store.submit(remove("ann", "bb")).wait().unwrap();
    drop(store);

    let store = SqliteStore::open(&dir).unwrap();
    let r = store.load().unwrap();
    assert_eq!(r.certs, HashMap::from([("aa".to_owned(), "ann".to_owned())]));
    store.submit(Change::DropAccount("ann".into())).wait().unwrap();
    assert!(store.load().unwrap().certs.is_empty(), "dropping an account drops its fingerprints");
    drop(store);
    std::fs::remove_dir_all(&dir).unwrap();
}

#[test]
fn wal_mode_and_integrity() {
    let dir = temp_dir("wal");
    let store = SqliteStore::open(&dir).unwrap();
    for i in 0..50 {
        let _ = store.submit(Change::CreateAccount(account(&format!("u{i}"))));
    }
    store.submit(Change::CreateAccount(account("last"))).wait().unwrap();
    let conn = Connection::open(SqliteStore::file_in(&dir)).unwrap();
    let mode: String = conn.pragma_query_value(None, "journal_mode", |r| r.get(0)).unwrap();
    assert_eq!(mode, "wal");
    let ok: String = conn.query_row("PRAGMA integrity_check", [], |r| r.get(0)).unwrap();
    assert_eq!(ok, "ok");
    let n: i64 = conn.query_row("SELECT count(*) FROM accounts", [], |r| r.get(0)).unwrap();
    assert_eq!(n, 51);
    drop(conn);
    drop(store);
    std::fs::remove_dir_all(&dir).unwrap();
}
