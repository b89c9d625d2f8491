//! The writer's side of the search index: stored lines are indexed after
//! they are committed, in bulk, a chunk per transaction, when the writer
//! has nothing else to do and before a search runs. What is indexed and
//! how is in [`crate::search::index`]; this keeps whether the writer is
//! behind and runs the chunks on its connection.

use super::StoreError;
use rusqlite::Connection;
use std::time::Instant;

/// Rows indexed for search in one transaction. A change or a history
/// read that arrives meanwhile waits for the chunk: at 2,048 rows that is
/// about 10–15 ms. 8,192 indexed some 15% faster but held CHATHISTORY up
/// to 30 ms at p99 (the `history` bench, indexing 50,000 lines just sent).
const INDEX_CHUNK: usize = 2_048;

/// Whether stored lines wait for the index, and how to commit a chunk.
pub(super) struct Indexer {
    /// The store commits with `synchronous = FULL` (else the throwaway's
    /// OFF, which chunks keep too).
    durable: bool,
    /// Stored lines may be waiting: set when lines are stored (and at
    /// start, for what an earlier run left), cleared once a chunk finds
    /// the index up to date.
    behind: bool,
}

impl Indexer {
    pub(super) fn new(durable: bool) -> Indexer {
        Indexer { durable, behind: true }
    }

    /// Lines were stored: there is something to index.
    pub(super) fn lines_stored(&mut self) {
        self.behind = true;
    }

    /// Whether a chunk may find something to index.
    pub(super) fn behind(&self) -> bool {
        self.behind
    }

    /// Indexes everything stored so far (for a search about to run).
    pub(super) fn catch_up(&mut self, conn: &mut Connection) -> Result<(), StoreError> {
        while self.behind {
            self.chunk(conn)?;
        }
        Ok(())
    }

    /// Indexes the next [`INDEX_CHUNK`] stored rows in a transaction of
    /// their own; clears `behind` once the index is up to date (or on a
    /// failure: the next lines stored try again).
    pub(super) fn chunk(&mut self, conn: &mut Connection) -> Result<usize, StoreError> {
        let started = Instant::now();
        let durable = self.durable;
        let indexed = (|| {
            // The index and its mark are rebuilt from the rows if a power
            // cut takes their last commits, so those need not wait for the
            // disk: in WAL the next commit of lines or changes (FULL) syncs
            // them with its own.
            if durable {
                conn.pragma_update(None, "synchronous", "NORMAL")?;
            }
            let tx = conn.transaction_with_behavior(rusqlite::TransactionBehavior::Immediate)?;
            let n = crate::search::index::index_some(&tx, INDEX_CHUNK)?;
            tx.commit()?;
            Ok(n)
        })();
        // Back to FULL whatever happened: the transaction is over either way.
        let restored = if durable { conn.pragma_update(None, "synchronous", "FULL") } else { Ok(()) };
        match indexed.and_then(|n| restored.map(|()| n)) {
            Ok(n) => {
                self.behind = n == INDEX_CHUNK;
                if n > 0 {
                    tracing::trace!(rows = n, took = ?started.elapsed(), "history indexed for search");
                }
                Ok(n)
            }
            Err(e) => {
                tracing::error!(error = %e, "history not indexed for search");
                self.behind = false;
                Err(e.into())
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use crate::store::{HistoryLine, SqliteStore, Store};
    use rusqlite::Connection;
    use std::time::{Duration, Instant};

    /// (indexed up to, newest id) as the file has them now.
    fn progress(db: &Connection) -> (i64, i64) {
        db.query_row("SELECT (SELECT up_to FROM search_indexed), (SELECT max(id) FROM messages)", [], |r| {
            Ok((r.get(0)?, r.get(1)?))
        })
        .unwrap()
    }

    /// Waits (5 s at most) until the file's index has caught up, without
    /// any search asking for it.
    fn caught_up(db: &Connection) -> bool {
        let deadline = Instant::now() + Duration::from_secs(5);
        while Instant::now() < deadline {
            let (up_to, newest) = progress(db);
            if up_to == newest {
                return true;
            }
            std::thread::sleep(Duration::from_millis(10));
        }
        false
    }

    #[test]
    fn an_idle_writer_indexes_what_was_stored_now_or_by_an_earlier_run() {
        let dir = std::env::temp_dir().join(format!("hichat-store-indexing-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&dir);
        std::fs::create_dir_all(&dir).unwrap();
        let store = SqliteStore::open(&dir).unwrap();
        for n in 0..20_000 {
            store.append_history(HistoryLine {
                msgid: format!("m{n}"),
                time: n,
                target: "#a".into(),
                command: "PRIVMSG".into(),
                prefix: "ann!a@h".into(),
                params: "#a".into(),
                text: Some(format!("line {n}")),
                ..HistoryLine::default()
            });
        }
        store.flush().wait().unwrap();
        let db = Connection::open(SqliteStore::file_in(&dir)).unwrap();
        assert!(caught_up(&db), "indexed while idle: {:?}", progress(&db));
        drop(store);
        // Rows an earlier run stored and did not index (stopped in
        // between), written here as the store writes them.
        db.execute(
            "INSERT INTO messages (msgid, time, target, command, prefix, params, text)
             VALUES ('late', 1, '#a', 'PRIVMSG', 'ann!a@h', '#a', 'a late walrus')",
            [],
        )
        .unwrap();
        let (up_to, newest) = progress(&db);
        assert!(up_to < newest);
        let store = SqliteStore::open(&dir).unwrap();
        assert!(caught_up(&db), "indexed after the restart: {:?}", progress(&db));
        let found: i64 = db
            .query_row("SELECT count(*) FROM messages_fts WHERE messages_fts MATCH 'walrus'", [], |r| r.get(0))
            .unwrap();
        assert_eq!(found, 1);
        drop(store);
        drop(db);
        std::fs::remove_dir_all(&dir).unwrap();
    }
}
