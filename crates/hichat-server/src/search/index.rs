//! The full-text index over `messages`: an FTS5 table filled by the
//! store's writer after lines are stored, and kept in step by triggers when
//! they are deleted, redacted, pruned or changed.
//!
//! `messages_fts` is contentless (`content=''`): it holds only the index of
//! each message's [segmented](super::segment) text, keyed by `messages.id`,
//! and `contentless_delete=1` lets the delete trigger remove a row by id.
//! The indexed text is computed with the SQL function [`FUNCTION`], which
//! [`register`] adds to a connection: every connection that indexes or
//! changes `messages` needs it (the store's writer and migrations do; the
//! `sqlite3` shell can still delete messages).
//!
//! Lines are not indexed as they are inserted: indexing them one row at a
//! time in the insert's own transaction (an FTS5 trigger, schema 6 to 8)
//! made it about ten times dearer to store a line. Instead `search_indexed`
//! keeps the id up to which `messages` is indexed, and [`index_some`] indexes
//! the rows after it in bulk, one `INSERT … SELECT` per chunk, when the
//! writer has nothing else to do, and before a search runs (see
//! `SqliteStore::search_history`), so a search finds every line stored
//! before it. The triggers use the mark too: a row above it has nothing in
//! the index to remove or change, and deleting the newest rows lowers the
//! mark, so a row id that SQLite hands out again (it reuses the largest
//! freed id plus one) is indexed when its new row is.

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

/// Schema step: rows are indexed after they are stored. The mark (one
/// row) starts at the newest message, which the insert trigger dropped
/// here has indexed. After a delete the mark is at most the largest id left
/// (0 when none is), so every id SQLite hands out next lies above it.
pub const DEFERRED_MIGRATION: &str = "
    CREATE TABLE search_indexed (up_to INTEGER NOT NULL) STRICT;
    INSERT INTO search_indexed (up_to) SELECT coalesce(max(id), 0) FROM messages;
    DROP TRIGGER messages_fts_insert;
    DROP TRIGGER messages_fts_delete;
    DROP TRIGGER messages_fts_update;
    CREATE TRIGGER messages_fts_delete AFTER DELETE ON messages BEGIN
        DELETE FROM messages_fts WHERE rowid = old.id AND old.id <= (SELECT up_to FROM search_indexed);
        UPDATE search_indexed SET up_to = (SELECT coalesce(max(id), 0) FROM messages)
            WHERE up_to > (SELECT coalesce(max(id), 0) FROM messages);
    END;
    CREATE TRIGGER messages_fts_update AFTER UPDATE OF command, text ON messages
    WHEN old.id <= (SELECT up_to FROM search_indexed) BEGIN
        DELETE FROM messages_fts WHERE rowid = old.id;
        INSERT INTO messages_fts (rowid, body)
            SELECT new.id, body FROM (SELECT hichat_search_text(new.command, new.text) AS body)
            WHERE body IS NOT NULL;
    END;";

/// Indexes up to `max_rows` of the rows stored after the mark, oldest
/// first, and moves the mark past them. Returns how many rows it covered
/// (0 when the index is up to date). Run it inside a transaction, so the
/// index and the mark move together.
pub fn index_some(db: &Connection, max_rows: usize) -> rusqlite::Result<usize> {
    let up_to: i64 = db.prepare_cached("SELECT up_to FROM search_indexed")?.query_row([], |r| r.get(0))?;
    // The last row of this chunk: ids can have gaps, so count rows.
    let (rows, last): (usize, Option<i64>) = db
        .prepare_cached("SELECT count(*), max(id) FROM (SELECT id FROM messages WHERE id > ?1 ORDER BY id LIMIT ?2)")?
        .query_row(rusqlite::params![up_to, max_rows.min(i64::MAX as usize) as i64], |r| {
            Ok((r.get::<_, i64>(0)? as usize, r.get(1)?))
        })?;
    let Some(last) = last else { return Ok(0) };
    db.prepare_cached(
        "INSERT INTO messages_fts (rowid, body)
         SELECT id, body FROM (SELECT id, hichat_search_text(command, text) AS body FROM messages
                               WHERE id > ?1 AND id <= ?2)
         WHERE body IS NOT NULL",
    )?
    .execute([up_to, last])?;
    db.prepare_cached("UPDATE search_indexed SET up_to = ?1")?.execute([last])?;
    Ok(rows)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::search::query::SearchQuery;

    /// A database with the `messages` columns the index reads, and the
    /// index as schema 6 made it and schema 9 left it.
    fn db() -> Connection {
        let conn = Connection::open_in_memory().unwrap();
        register(&conn).unwrap();
        conn.execute_batch(
            "CREATE TABLE messages (id INTEGER PRIMARY KEY, command TEXT NOT NULL, text TEXT);
             INSERT INTO messages (id, command, text) VALUES (1, 'PRIVMSG', 'stored before the index');",
        )
        .unwrap();
        conn.execute_batch(MIGRATION).unwrap();
        conn.execute_batch(DEFERRED_MIGRATION).unwrap();
        conn
    }

    fn add(conn: &Connection, id: i64, command: &str, text: Option<&str>) {
        conn.execute(
            "INSERT INTO messages (id, command, text) VALUES (?1, ?2, ?3)",
            rusqlite::params![id, command, text],
        )
        .unwrap();
    }

    /// The rows matching `query`, once every stored row is indexed (as the
    /// store has it before a search).
    fn search(conn: &Connection, query: &str) -> rusqlite::Result<Vec<i64>> {
        index_some(conn, usize::MAX)?;
        matching(conn, query)
    }

    /// The rows the index has for `query` as it stands.
    fn matching(conn: &Connection, query: &str) -> rusqlite::Result<Vec<i64>> {
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

    fn mark(conn: &Connection) -> i64 {
        conn.query_row("SELECT up_to FROM search_indexed", [], |r| r.get(0)).unwrap()
    }

    fn check_integrity(conn: &Connection) {
        conn.execute("INSERT INTO messages_fts (messages_fts, rank) VALUES ('integrity-check', 0)", []).unwrap();
    }

    #[test]
    fn rows_are_indexed_in_chunks_after_they_are_stored() {
        let conn = db();
        for id in 2..=6 {
            add(&conn, id, "PRIVMSG", Some("otter"));
        }
        assert_eq!(matching(&conn, "otter").unwrap(), Vec::<i64>::new(), "storing does not index");
        assert_eq!(index_some(&conn, 2).unwrap(), 2);
        assert_eq!((mark(&conn), matching(&conn, "otter").unwrap()), (3, vec![2, 3]));
        // Gaps in the ids do not shorten a chunk.
        conn.execute("DELETE FROM messages WHERE id = 5", []).unwrap();
        assert_eq!(index_some(&conn, 2).unwrap(), 2);
        assert_eq!((mark(&conn), matching(&conn, "otter").unwrap()), (6, vec![2, 3, 4, 6]));
        assert_eq!(index_some(&conn, 2).unwrap(), 0, "up to date");
        check_integrity(&conn);
    }

    #[test]
    fn rows_changed_or_deleted_before_they_are_indexed() {
        let conn = db();
        add(&conn, 2, "PRIVMSG", Some("walrus gone"));
        add(&conn, 3, "PRIVMSG", Some("walrus draft"));
        add(&conn, 4, "PRIVMSG", Some("walrus kept"));
        conn.execute("DELETE FROM messages WHERE id = 2", []).unwrap();
        conn.execute("UPDATE messages SET text = 'seal final' WHERE id = 3", []).unwrap();
        assert_eq!(search(&conn, "walrus").unwrap(), vec![4]);
        assert_eq!(search(&conn, "seal").unwrap(), vec![3]);
        check_integrity(&conn);
    }

    /// SQLite gives a new row the largest id plus one, so deleting the
    /// newest rows frees their ids: the mark comes down with them, and the
    /// row that takes an id again is indexed with its own text.
    #[test]
    fn ids_used_again_are_indexed_again() {
        let conn = db();
        let add_next = |text: &str| {
            conn.execute("INSERT INTO messages (command, text) VALUES ('PRIVMSG', ?1)", [text]).unwrap();
            conn.last_insert_rowid()
        };
        let first = add_next("first otter");
        assert_eq!(search(&conn, "otter").unwrap(), vec![first]);
        conn.execute("DELETE FROM messages WHERE id = ?1", [first]).unwrap();
        assert_eq!(mark(&conn), first - 1);
        let second = add_next("second otter");
        assert_eq!(second, first, "the id is handed out again");
        assert_eq!(search(&conn, "otter").unwrap(), vec![second]);
        assert_eq!(search(&conn, "first").unwrap(), Vec::<i64>::new());
        assert_eq!(search(&conn, "second").unwrap(), vec![second]);
        // Retention may empty the table: ids start again from 1.
        conn.execute("DELETE FROM messages", []).unwrap();
        assert_eq!(mark(&conn), 0);
        let again = add_next("third otter");
        assert_eq!(again, 1);
        assert_eq!(search(&conn, "otter").unwrap(), vec![1]);
        assert_eq!(search(&conn, "stored").unwrap(), Vec::<i64>::new(), "the row that had id 1 is gone");
        check_integrity(&conn);
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
        check_integrity(&conn);
    }
}
