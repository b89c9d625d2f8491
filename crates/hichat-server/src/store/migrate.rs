//! Schema migrations, applied in order at start-up. The database's version
//! is `PRAGMA user_version`; migration `i` takes it from `i` to `i + 1`.
//! Never edit a migration that has shipped: add a new one.

use rusqlite::Connection;

/// Each step, in order. docs/store.md describes the resulting schema.
pub(crate) const MIGRATIONS: &[&str] = &[
    // 1: accounts.
    "CREATE TABLE accounts (
        name TEXT PRIMARY KEY,
        display TEXT NOT NULL,
        password_hash TEXT NOT NULL,
        scram_salt BLOB NOT NULL,
        scram_iterations INTEGER NOT NULL,
        scram_stored_key BLOB NOT NULL,
        scram_server_key BLOB NOT NULL,
        email TEXT,
        registered_at INTEGER NOT NULL
    ) STRICT;",
    // 2: registered channels, their lists and access.
    "CREATE TABLE channels (
        name TEXT PRIMARY KEY,
        display TEXT NOT NULL,
        founder TEXT NOT NULL,
        registered_at INTEGER NOT NULL,
        topic TEXT,
        topic_setter TEXT,
        topic_time INTEGER,
        modes TEXT NOT NULL DEFAULT '',
        mode_key TEXT,
        mode_limit INTEGER
    ) STRICT;
    CREATE TABLE channel_lists (
        channel TEXT NOT NULL REFERENCES channels(name) ON DELETE CASCADE,
        list TEXT NOT NULL CHECK (list IN ('b', 'e', 'I')),
        mask TEXT NOT NULL,
        setter TEXT NOT NULL,
        set_at INTEGER NOT NULL,
        PRIMARY KEY (channel, list, mask)
    ) STRICT;
    CREATE TABLE channel_access (
        channel TEXT NOT NULL REFERENCES channels(name) ON DELETE CASCADE,
        account TEXT NOT NULL,
        level TEXT NOT NULL CHECK (level IN ('voice', 'op', 'founder')),
        PRIMARY KEY (channel, account)
    ) STRICT;",
    // 3: lasting server bans and operators kept in the store.
    "CREATE TABLE bans (
        kind TEXT NOT NULL CHECK (kind IN ('K', 'D')),
        mask TEXT NOT NULL,
        reason TEXT NOT NULL,
        setter TEXT NOT NULL,
        set_at INTEGER NOT NULL,
        expires_at INTEGER,
        PRIMARY KEY (kind, mask)
    ) STRICT;
    CREATE TABLE operators (
        name TEXT PRIMARY KEY,
        password_hash TEXT NOT NULL,
        hosts TEXT NOT NULL DEFAULT ''
    ) STRICT;",
    // 4: chat history, and registered channels' own retention.
    "CREATE TABLE messages (
        id INTEGER PRIMARY KEY,
        msgid TEXT NOT NULL,
        time INTEGER NOT NULL,
        target TEXT NOT NULL,
        peer_target TEXT,
        command TEXT NOT NULL,
        prefix TEXT NOT NULL,
        account TEXT,
        tags TEXT NOT NULL DEFAULT '',
        params TEXT NOT NULL DEFAULT '',
        text TEXT,
        UNIQUE (msgid, target)
    ) STRICT;
    CREATE INDEX messages_by_target ON messages (target, time);
    CREATE INDEX messages_by_peer_target ON messages (peer_target, time) WHERE peer_target IS NOT NULL;
    CREATE TABLE channel_history (
        channel TEXT PRIMARY KEY REFERENCES channels(name) ON DELETE CASCADE,
        max_messages INTEGER,
        max_age INTEGER
    ) STRICT;",
    // 5: TLS client certificate fingerprints that log in to an account
    // (SASL EXTERNAL, NickServ IDENTIFY without a password).
    "CREATE TABLE account_certs (
        fingerprint TEXT PRIMARY KEY,
        account TEXT NOT NULL REFERENCES accounts(name) ON DELETE CASCADE,
        added_at INTEGER NOT NULL
    ) STRICT;
    CREATE INDEX account_certs_by_account ON account_certs (account);",
    // 6: the full-text index of messages and the triggers that keep it in
    // step (see search/index.rs).
    crate::search::index::MIGRATION,
    // 7: registered channels' ChanServ settings, and the secret behind the
    // made-up SCRAM salts of accounts that do not exist (made here, once).
    "ALTER TABLE channels ADD COLUMN description TEXT;
    ALTER TABLE channels ADD COLUMN keep_topic INTEGER NOT NULL DEFAULT 1;
    ALTER TABLE channels ADD COLUMN mlock_on TEXT NOT NULL DEFAULT '';
    ALTER TABLE channels ADD COLUMN mlock_off TEXT NOT NULL DEFAULT '';
    CREATE TABLE secrets (
        name TEXT PRIMARY KEY,
        value BLOB NOT NULL
    ) STRICT;
    INSERT INTO secrets (name, value) VALUES ('scram_fake_salt', randomblob(32));",
    // 8: draft/read-marker: the last read message's time per account and
    // target (a folded channel name or nick).
    "CREATE TABLE read_markers (
        account TEXT NOT NULL REFERENCES accounts(name) ON DELETE CASCADE,
        target TEXT NOT NULL,
        time INTEGER NOT NULL,
        PRIMARY KEY (account, target)
    ) STRICT;",
    // 9: messages are indexed for search by the writer after they are
    // stored, not by a trigger as they are inserted; `search_indexed` keeps
    // how far (see search/index.rs).
    crate::search::index::DEFERRED_MIGRATION,
];

/// The schema version this build writes.
pub const SCHEMA_VERSION: u32 = MIGRATIONS.len() as u32;

/// Brings the database up to [`SCHEMA_VERSION`], one transaction per step.
/// A database newer than this build is refused rather than touched.
pub(crate) fn migrate(conn: &mut Connection) -> rusqlite::Result<u32> {
    migrate_to(conn, SCHEMA_VERSION)
}

pub(crate) fn migrate_to(conn: &mut Connection, target: u32) -> rusqlite::Result<u32> {
    // Steps may call hichat's SQL functions (the search index's text).
    crate::search::index::register(conn)?;
    let current: u32 = conn.pragma_query_value(None, "user_version", |r| r.get(0))?;
    if current > SCHEMA_VERSION {
        return Err(rusqlite::Error::SqliteFailure(
            rusqlite::ffi::Error::new(rusqlite::ffi::SQLITE_MISMATCH),
            Some(format!("database schema version {current} is newer than this hichat ({SCHEMA_VERSION})")),
        ));
    }
    for version in current..target {
        let tx = conn.transaction()?;
        tx.execute_batch(MIGRATIONS[version as usize])?;
        tx.pragma_update(None, "user_version", version + 1)?;
        tx.commit()?;
        tracing::debug!(version = version + 1, "database schema step applied");
    }
    // One line, and only when something changed: a start-up log is read by
    // a person at the console.
    if current == 0 && target > 0 {
        tracing::info!(version = target, "database created");
    } else if current < target {
        tracing::info!(from = current, to = target, "database schema migrated");
    }
    Ok(current)
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The schema as SQLite reports it, for comparing two databases.
    fn schema(conn: &Connection) -> Vec<String> {
        let mut stmt = conn.prepare("SELECT sql FROM sqlite_schema WHERE sql IS NOT NULL ORDER BY name").unwrap();
        stmt.query_map([], |r| r.get(0)).unwrap().map(Result::unwrap).collect()
    }

    fn version(conn: &Connection) -> u32 {
        conn.pragma_query_value(None, "user_version", |r| r.get(0)).unwrap()
    }

    #[test]
    fn from_empty() {
        let mut conn = Connection::open_in_memory().unwrap();
        assert_eq!(migrate(&mut conn).unwrap(), 0);
        assert_eq!(version(&conn), SCHEMA_VERSION);
        // Running again changes nothing.
        let before = schema(&conn);
        assert_eq!(migrate(&mut conn).unwrap(), SCHEMA_VERSION);
        assert_eq!(schema(&conn), before);
    }

    /// One row for each table, with the version that created the table and
    /// the columns it had then.
    const ROWS: &[(u32, &str, &str)] = &[
        (
            1,
            "accounts",
            "INSERT INTO accounts VALUES ('ann', 'Ann', '$argon2id$x', x'00', 4096, x'01', x'02', NULL, 1)",
        ),
        (2, "channels", "INSERT INTO channels (name, display, founder, registered_at) VALUES ('#a', '#a', 'ann', 1)"),
        (2, "channel_lists", "INSERT INTO channel_lists VALUES ('#a', 'b', '*!*@x', 'ann', 1)"),
        (2, "channel_access", "INSERT INTO channel_access VALUES ('#a', 'ann', 'op')"),
        (3, "bans", "INSERT INTO bans VALUES ('K', 'bad@*', 'spam', 'op', 1, NULL)"),
        (3, "operators", "INSERT INTO operators VALUES ('helper', '$argon2id$y', '*@127.0.0.1')"),
        (
            4,
            "messages",
            "INSERT INTO messages (msgid, time, target, command, prefix, text)
             VALUES ('m1', 1, '#a', 'PRIVMSG', 'ann!a@h', 'searchable 你好')",
        ),
        (4, "channel_history", "INSERT INTO channel_history VALUES ('#a', 100, NULL)"),
        (5, "account_certs", "INSERT INTO account_certs VALUES ('00ff', 'ann', 1)"),
        (8, "read_markers", "INSERT INTO read_markers VALUES ('ann', '#a', 1)"),
    ];

    /// Tables the upgrade test does not fill: made with their content by
    /// the migration itself, or the full-text index's own tables.
    fn filled_by_migration(table: &str) -> bool {
        table == "secrets" || table == "search_indexed" || table.starts_with("messages_fts")
    }

    /// Every earlier version, with a row in every table it has, upgrades to
    /// the same schema as a fresh database and keeps every row; columns
    /// added later get their defaults, the SCRAM secret is made once,
    /// messages are indexed for search, and the index's mark says so.
    #[test]
    fn from_every_earlier_version() {
        let mut fresh = Connection::open_in_memory().unwrap();
        migrate(&mut fresh).unwrap();
        let mut stmt = fresh.prepare("SELECT name FROM sqlite_schema WHERE type = 'table'").unwrap();
        let tables: Vec<String> = stmt.query_map([], |r| r.get(0)).unwrap().map(Result::unwrap).collect();
        for table in tables.iter().filter(|t| !filled_by_migration(t)) {
            assert!(ROWS.iter().any(|(_, t, _)| t == table), "add a row for table {table} to ROWS");
        }
        for start in 1..SCHEMA_VERSION {
            let mut conn = Connection::open_in_memory().unwrap();
            migrate_to(&mut conn, start).unwrap();
            assert_eq!(version(&conn), start);
            let filled: Vec<&str> = ROWS.iter().filter(|(v, _, _)| *v <= start).map(|(_, t, _)| *t).collect();
            for (_, _, sql) in ROWS.iter().filter(|(v, _, _)| *v <= start) {
                conn.execute(sql, []).unwrap();
            }
            let secret_before: Option<Vec<u8>> = (start >= 7).then(|| secret(&conn));
            assert_eq!(migrate(&mut conn).unwrap(), start);
            assert_eq!(version(&conn), SCHEMA_VERSION);
            assert_eq!(schema(&conn), schema(&fresh), "upgrade from version {start}");
            for table in &filled {
                let n: i64 = conn.query_row(&format!("SELECT count(*) FROM {table}"), [], |r| r.get(0)).unwrap();
                assert_eq!(n, 1, "{table} row kept from version {start}");
            }
            if start >= 2 {
                let settings: (i64, String, String) = conn
                    .query_row("SELECT keep_topic, mlock_on, mlock_off FROM channels", [], |r| {
                        Ok((r.get(0)?, r.get(1)?, r.get(2)?))
                    })
                    .unwrap();
                assert_eq!(settings, (1, String::new(), String::new()), "channel settings default from {start}");
            }
            let secret_after = secret(&conn);
            assert_eq!(secret_after.len(), 32);
            if let Some(before) = secret_before {
                assert_eq!(before, secret_after, "the SCRAM secret is kept from version {start}");
            }
            if start >= 4 {
                let found: i64 = conn
                    .query_row("SELECT count(*) FROM messages_fts WHERE messages_fts MATCH '\"你 好\"'", [], |r| {
                        r.get(0)
                    })
                    .unwrap();
                assert_eq!(found, 1, "messages stored before version 6 are indexed");
            }
            let mark: i64 = conn.query_row("SELECT up_to FROM search_indexed", [], |r| r.get(0)).unwrap();
            assert_eq!(mark, if start >= 4 { 1 } else { 0 }, "indexed up to the newest message from {start}");
        }
    }

    fn secret(conn: &Connection) -> Vec<u8> {
        conn.query_row("SELECT value FROM secrets WHERE name = 'scram_fake_salt'", [], |r| r.get(0)).unwrap()
    }

    #[test]
    fn newer_database_is_refused() {
        let mut conn = Connection::open_in_memory().unwrap();
        conn.pragma_update(None, "user_version", SCHEMA_VERSION + 1).unwrap();
        assert!(migrate(&mut conn).is_err());
    }
}
