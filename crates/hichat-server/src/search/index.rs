//! The full-text index over `messages`: an FTS5 table kept in step by
//! triggers, so a message is indexed in the very transaction that stores it,
//! and a deleted, redacted or pruned message leaves the index with its row.
//!
//! `messages_fts` is contentless (`content=''`): it holds only the index of
//! each message's [segmented](super::segment) text, keyed by `messages.id`,
//! and `contentless_delete=1` lets the delete trigger remove a row by id.
//! The triggers compute the indexed text with the SQL function
//! [`FUNCTION`], which [`register`] adds to a connection: every connection
//! that writes `messages` needs it (the store's writer and migrations do;
//! the `sqlite3` shell can still delete messages, but not insert them).

use super::formatting::searchable_text;
use super::segment::segment;
use rusqlite::functions::FunctionFlags;
use rusqlite::Connection;

/// `hichat_search_text(command, text)`: the segmented, formatting-free text
/// to index for a stored line, or NULL when it is not searchable.
pub const FUNCTION: &str = "hichat_search_text";

/// Adds [`FUNCTION`] to a connection.
pub fn register(conn: &Connection) -> rusqlite::Result<()> {
    conn.create_scalar_function(
        FUNCTION,
        2,
        FunctionFlags::SQLITE_UTF8 | FunctionFlags::SQLITE_DETERMINISTIC | FunctionFlags::SQLITE_INNOCUOUS,
        |ctx| {
            let command: Option<String> = ctx.get(0)?;
            let text: Option<String> = ctx.get(1)?;
            Ok(match (command, text) {
                (Some(command), Some(text)) => searchable_text(&command, &text).map(|t| segment(&t)),
                _ => None,
            })
        },
    )
}

/// Schema step: the index, filled from the messages already stored, and
/// the triggers that keep it in step.
pub const MIGRATION: &str = "
    CREATE VIRTUAL TABLE messages_fts USING fts5(
        body,
        content = '',
        contentless_delete = 1,
        tokenize = 'unicode61 remove_diacritics 2'
    );
    INSERT INTO messages_fts (rowid, body)
        SELECT id, body FROM (SELECT id, hichat_search_text(command, text) AS body FROM messages)
        WHERE body IS NOT NULL;
    CREATE TRIGGER messages_fts_insert AFTER INSERT ON messages BEGIN
        INSERT INTO messages_fts (rowid, body)
            SELECT new.id, body FROM (SELECT hichat_search_text(new.command, new.text) AS body)
            WHERE body IS NOT NULL;
    END;
    CREATE TRIGGER messages_fts_delete AFTER DELETE ON messages BEGIN
        DELETE FROM messages_fts WHERE rowid = old.id;
    END;
    CREATE TRIGGER messages_fts_update AFTER UPDATE OF command, text ON messages BEGIN
        DELETE FROM messages_fts WHERE rowid = old.id;
        INSERT INTO messages_fts (rowid, body)
            SELECT new.id, body FROM (SELECT hichat_search_text(new.command, new.text) AS body)
            WHERE body IS NOT NULL;
    END;";

#[cfg(test)]
mod tests {
    use super::*;
    use crate::search::query::SearchQuery;

    /// A database with the `messages` columns the index reads.
    fn db() -> Connection {
        let conn = Connection::open_in_memory().unwrap();
        register(&conn).unwrap();
        conn.execute_batch(
            "CREATE TABLE messages (id INTEGER PRIMARY KEY, command TEXT NOT NULL, text TEXT);
             INSERT INTO messages (id, command, text) VALUES (1, 'PRIVMSG', 'stored before the index');",
        )
        .unwrap();
        conn.execute_batch(MIGRATION).unwrap();
        conn
    }

    fn add(conn: &Connection, id: i64, command: &str, text: Option<&str>) {
        conn.execute(
            "INSERT INTO messages (id, command, text) VALUES (?1, ?2, ?3)",
            rusqlite::params![id, command, text],
        )
        .unwrap();
    }

    fn search(conn: &Connection, query: &str) -> rusqlite::Result<Vec<i64>> {
        let expr = SearchQuery::parse(query).unwrap().fts_expression().unwrap();
        let mut stmt = conn.prepare("SELECT rowid FROM messages_fts WHERE messages_fts MATCH ?1 ORDER BY rowid")?;
        let rows = stmt.query_map([expr], |r| r.get(0))?;
        rows.collect()
    }

    #[test]
    fn fts5_is_built_in() {
        let conn = Connection::open_in_memory().unwrap();
        let on: bool = conn.query_row("SELECT sqlite_compileoption_used('ENABLE_FTS5')", [], |r| r.get(0)).unwrap();
        assert!(on, "rusqlite's bundled SQLite has FTS5");
    }

    #[test]
    fn finds_words_and_chinese_phrases() {
        let conn = db();
        add(&conn, 2, "PRIVMSG", Some("大家好，你好世界！今天天气很好"));
        add(&conn, 3, "PRIVMSG", Some("Hello World, ÇA VA?"));
        add(&conn, 4, "NOTICE", Some("世界你好"));
        add(&conn, 5, "PRIVMSG", Some("\x01ACTION waves at the \x0304world\x03\x01"));
        add(&conn, 6, "TOPIC", Some("world topic"));
        add(&conn, 7, "TAGMSG", None);
        add(&conn, 8, "PRIVMSG", Some("\x01VERSION\x01"));
        assert_eq!(search(&conn, "你好世界").unwrap(), vec![2]);
        assert_eq!(search(&conn, "世界").unwrap(), vec![2, 4]);
        assert_eq!(search(&conn, "world").unwrap(), vec![3, 5]);
        assert_eq!(search(&conn, "ca va").unwrap(), vec![3]);
        assert_eq!(search(&conn, "wor*").unwrap(), vec![3, 5]);
        assert_eq!(search(&conn, "world -waves").unwrap(), vec![3]);
        assert_eq!(search(&conn, "\"hello world\"").unwrap(), vec![3]);
        assert_eq!(search(&conn, "\"world hello\"").unwrap(), Vec::<i64>::new());
        assert_eq!(search(&conn, "version").unwrap(), Vec::<i64>::new());
        assert_eq!(search(&conn, "stored").unwrap(), vec![1], "rows from before the migration are indexed");
    }

    #[test]
    fn hostile_queries_are_only_text() {
        let conn = db();
        add(&conn, 2, "PRIVMSG", Some("NEAR the body: of OR AND NOT"));
        for q in [
            "NEAR(a b)",
            "body:x",
            "^near",
            "\"unclosed",
            "a\"b",
            "*",
            "x AND",
            "OR",
            "(",
            ")",
            "{body}:near",
            "near/2",
            "'; DROP TABLE messages; --",
            "-\"\"\" x",
            "\u{0}",
        ] {
            let Ok(parsed) = SearchQuery::parse(q) else { continue };
            let Some(expr) = parsed.fts_expression() else { continue };
            let mut stmt = conn.prepare("SELECT rowid FROM messages_fts WHERE messages_fts MATCH ?1").unwrap();
            let found: rusqlite::Result<Vec<i64>> = stmt.query_map([&expr], |r| r.get(0)).unwrap().collect();
            assert!(found.is_ok(), "{q:?} gave {expr:?}: {found:?}");
        }
        assert_eq!(search(&conn, "OR").unwrap(), vec![2]);
        assert_eq!(search(&conn, "NEAR body:").unwrap(), vec![2]);
    }

    proptest::proptest! {
        #![proptest_config(proptest::prelude::ProptestConfig::with_cases(500))]
        /// Whatever a user types, the expression is valid FTS5.
        #[test]
        fn any_query_runs(q in r#"[a-z你好 "*():^\-+{}.,']{0,30}|\PC{0,30}"#) {
            thread_local!(static DB: Connection = db());
            if let Some(expr) = SearchQuery::parse(&q).ok().and_then(|p| p.fts_expression()) {
                let found = DB.with(|conn| -> rusqlite::Result<usize> {
                    let mut stmt = conn.prepare_cached("SELECT rowid FROM messages_fts WHERE messages_fts MATCH ?1")?;
                    let rows = stmt.query_map([&expr], |r| r.get::<_, i64>(0))?;
                    Ok(rows.collect::<rusqlite::Result<Vec<_>>>()?.len())
                });
                proptest::prop_assert!(found.is_ok(), "{:?} gave {:?}: {:?}", q, expr, found);
            }
        }
    }

    #[test]
    fn deleted_and_changed_messages_leave_the_index() {
        let conn = db();
        add(&conn, 2, "PRIVMSG", Some("secret plans"));
        add(&conn, 3, "PRIVMSG", Some("more secret"));
        assert_eq!(search(&conn, "secret").unwrap(), vec![2, 3]);
        conn.execute("DELETE FROM messages WHERE id = 2", []).unwrap();
        assert_eq!(search(&conn, "secret").unwrap(), vec![3]);
        conn.execute("UPDATE messages SET text = NULL WHERE id = 3", []).unwrap();
        assert_eq!(search(&conn, "secret").unwrap(), Vec::<i64>::new());
        conn.execute("UPDATE messages SET text = 'public now' WHERE id = 3", []).unwrap();
        assert_eq!(search(&conn, "public").unwrap(), vec![3]);
        // Rows never indexed delete cleanly too.
        add(&conn, 4, "JOIN", Some("realname"));
        conn.execute("DELETE FROM messages WHERE id >= 3", []).unwrap();
        assert_eq!(search(&conn, "public").unwrap(), Vec::<i64>::new());
        let ok: String = conn.query_row("PRAGMA integrity_check", [], |r| r.get(0)).unwrap();
        assert_eq!(ok, "ok");
        conn.execute("INSERT INTO messages_fts (messages_fts, rank) VALUES ('integrity-check', 0)", []).unwrap();
    }
}
