//! The SQLite store: `<data_dir>/hichat.db` in WAL mode.
//!
//! One writer thread owns the write connection. It takes a job from its
//! channel, then whatever else is already queued (up to [`BATCH`]), applies
//! them in one transaction (each change under a savepoint, so one failing
//! change does not undo the others), commits with `synchronous = FULL`, and
//! only then answers each caller. Under load many changes share one fsync.
//! History lines ride the same queue without an answer (nobody waits for
//! them), so a burst of chat costs one transaction per batch.
//!
//! Stored lines are indexed for search afterwards, in bulk: whenever the
//! queue is empty the writer indexes the next rows in a transaction of
//! their own (see [`super::indexing`]), and a search first has the writer index
//! everything stored before it (see [`crate::search::index`]).
//!
//! Reads happen on read-only connections of their own: [`SqliteStore::load`]
//! at start-up, and history reads on a small pool reused across queries.
//! WAL lets them read while the writer writes.
//!
//! [`SqliteStore::in_memory`] (for `Server::new` and tests) is a throwaway
//! file in the temporary directory, deleted on close, so history readers
//! and the writer share it exactly as they share a real one.

use super::changes::apply;
use super::history::{self, HistoryLine, HistoryQuery, Retention, TargetsQuery};
use super::indexing::Indexer;
use super::load::read_all;
use super::lock::DataDirLock;
use super::migrate;
use super::*;
use crate::metrics::StoreMetrics;
use rusqlite::{Connection, OpenFlags};
use std::collections::HashSet;
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{mpsc, Arc, Condvar, Mutex, OnceLock};
use std::thread::JoinHandle;
use std::time::Instant;

/// Most jobs committed in one transaction. Large, because under a burst of
/// chat each commit's fsync is the cost to share (measured: 4,096 lines a
/// transaction persisted 46,000 lines/s, 16,384 about 60,000).
const BATCH: usize = 16_384;

/// History lines waiting for the writer beyond which new ones are dropped:
/// delivery never waits for the disk, so a disk that cannot keep up loses
/// history rather than memory.
const MAX_QUEUED_LINES: usize = 1_000_000;

/// Read-only connections for history reads, and the most reads at once.
const READERS: usize = 4;

/// How long closing waits for history reads still running.
const READS_AT_CLOSE: std::time::Duration = std::time::Duration::from_secs(5);

/// The history readers' pool.
#[derive(Debug, Default)]
struct Readers {
    /// Idle connections.
    idle: Vec<Connection>,
    /// Reads running now.
    busy: usize,
    /// Set by close: no new reads.
    closed: bool,
}

/// Where the writer sends a change's outcome.
type Reply = oneshot::Sender<Result<(), StoreError>>;

enum Job {
    Change(Box<Change>, Reply),
    /// A history line: fire and forget.
    History(Box<HistoryLine>),
    /// Answered once everything queued before it is committed.
    Flush(Reply),
    /// Applies retention with these defaults.
    Prune(Retention),
    /// Answered once everything queued before it is committed and indexed
    /// for search. A std channel: a search waits on a plain thread.
    Index(mpsc::Sender<Result<(), StoreError>>),
    /// Commit what is queued and stop.
    Stop,
}

/// A store in an SQLite file (a throwaway one for tests and `Server::new`).
#[derive(Debug)]
pub struct SqliteStore {
    path: PathBuf,
    /// Deleted on close: made by [`SqliteStore::in_memory`].
    throwaway: bool,
    jobs: Mutex<Option<mpsc::Sender<Job>>>,
    writer: Mutex<Option<JoinHandle<()>>>,
    /// History lines queued and not yet committed.
    queued_lines: Arc<AtomicUsize>,
    /// Read-only connections for history reads.
    readers: Mutex<Readers>,
    /// Signalled when a read ends, for reads waiting for a connection and
    /// for [`Store::close`].
    reader_done: Condvar,
    /// Set by [`SqliteStore::attach_metrics`]; shared with the writer.
    metrics: Arc<OnceLock<StoreMetrics>>,
    /// The data directory's lock, held until the store is closed.
    dir_lock: Mutex<Option<DataDirLock>>,
}

impl SqliteStore {
    /// The database file inside a data directory.
    pub fn file_in(data_dir: &Path) -> PathBuf {
        data_dir.join("hichat.db")
    }

    /// Opens (creating if needed) `<data_dir>/hichat.db`, migrates it and
    /// starts the writer. Fails with [`StoreError::InUse`] while another
    /// store (another server) or a restore holds the directory's lock.
    pub fn open(data_dir: &Path) -> Result<SqliteStore, StoreError> {
        let lock = DataDirLock::acquire(data_dir, true)?;
        let path = Self::file_in(data_dir);
        let conn = open_writer(&path, true)?;
        tracing::info!(path = %path.display(), "store opened");
        let store = Self::start(conn, path, false);
        *store.dir_lock.lock().unwrap_or_else(|e| e.into_inner()) = Some(lock);
        Ok(store)
    }

    /// An empty database that lasts until the store is closed: everything
    /// works, nothing lasts. It lives in a file in the temporary directory
    /// (written without fsync) so that readers work as on a real one.
    pub fn in_memory() -> SqliteStore {
        static NEXT: AtomicUsize = AtomicUsize::new(0);
        let n = NEXT.fetch_add(1, Ordering::Relaxed);
        let path = std::env::temp_dir().join(format!("hichat-throwaway-{}-{n}.db", std::process::id()));
        remove_files(&path);
        let conn = open_writer(&path, false).expect("a throwaway database opens in the temporary directory");
        Self::start(conn, path, true)
    }

    fn start(conn: Connection, path: PathBuf, throwaway: bool) -> SqliteStore {
        let (tx, rx) = mpsc::channel();
        let queued_lines = Arc::new(AtomicUsize::new(0));
        let queued = queued_lines.clone();
        let metrics = Arc::new(OnceLock::new());
        let writer_metrics = metrics.clone();
        let writer = std::thread::Builder::new()
            .name("hichat-store".into())
            .spawn(move || writer_loop(conn, !throwaway, rx, queued, writer_metrics))
            .expect("spawn the store writer thread");
        SqliteStore {
            path,
            throwaway,
            jobs: Mutex::new(Some(tx)),
            writer: Mutex::new(Some(writer)),
            queued_lines,
            readers: Mutex::new(Readers::default()),
            reader_done: Condvar::new(),
            metrics,
            dir_lock: Mutex::new(None),
        }
    }

    /// Reports to `metrics` from now on: the writer's queue and commit
    /// times, and the number of history lines, counted here once (a
    /// blocking read; call it at start-up) and then kept up to date by the
    /// writer. Only the first call counts.
    pub fn attach_metrics(&self, metrics: StoreMetrics) {
        match self.with_reader(|db| db.query_row("SELECT count(*) FROM messages", [], |r| r.get::<_, i64>(0))) {
            Ok(n) => {
                metrics.history_lines.set(n);
            }
            Err(e) => tracing::warn!(error = %e, "cannot count history lines"),
        }
        let _ = self.metrics.set(metrics);
    }

    fn send(&self, job: Job) -> Result<(), Job> {
        let jobs = self.jobs.lock().unwrap_or_else(|e| e.into_inner());
        match jobs.as_ref() {
            Some(jobs) => {
                jobs.send(job).map_err(|mpsc::SendError(job)| job)?;
                if let Some(m) = self.metrics.get() {
                    m.queue_depth.inc();
                }
                Ok(())
            }
            None => Err(job),
        }
    }

    /// Runs `f` on an idle read-only connection (opening one if none is
    /// idle), then keeps the connection for the next read.
    fn with_reader<R>(&self, f: impl FnOnce(&Connection) -> rusqlite::Result<R>) -> Result<R, StoreError> {
        let idle = {
            let mut readers = self.readers.lock().unwrap_or_else(|e| e.into_inner());
            // At most READERS reads at once: the rest wait for a connection
            // rather than open one (a new connection parses the schema and
            // prepares every statement again, which cost more than the reads).
            while readers.busy >= READERS && !readers.closed {
                readers = self.reader_done.wait(readers).unwrap_or_else(|e| e.into_inner());
            }
            if readers.closed {
                return Err(StoreError::Closed);
            }
            readers.busy += 1;
            readers.idle.pop()
        };
        let result = match idle {
            Some(c) => Ok(c),
            None => Connection::open_with_flags(&self.path, OpenFlags::SQLITE_OPEN_READ_ONLY).and_then(|c| {
                configure(&c)?;
                c.set_prepared_statement_cache_capacity(64);
                Ok(c)
            }),
        }
        .and_then(|conn| f(&conn).map(|r| (r, conn)));
        let mut readers = self.readers.lock().unwrap_or_else(|e| e.into_inner());
        readers.busy -= 1;
        let result = result.map(|(r, conn)| {
            if !readers.closed && readers.idle.len() < READERS {
                readers.idle.push(conn);
            }
            r
        });
        drop(readers);
        self.reader_done.notify_all();
        Ok(result?)
    }
}

/// The writer's connection: WAL, migrated. `durable` commits with a full
/// fsync; a throwaway database skips it.
fn open_writer(path: &Path, durable: bool) -> Result<Connection, StoreError> {
    let mut conn = Connection::open(path)?;
    conn.pragma_update(None, "journal_mode", "WAL")?;
    conn.pragma_update(None, "synchronous", if durable { "FULL" } else { "OFF" })?;
    configure(&conn)?;
    // History indexes stay in memory (64 MiB of pages), and the WAL grows
    // to 64 MiB between checkpoints: fewer writes of the same pages.
    conn.pragma_update(None, "cache_size", -65_536)?;
    conn.pragma_update(None, "wal_autocheckpoint", 16_384)?;
    conn.set_prepared_statement_cache_capacity(64);
    migrate::migrate(&mut conn)?;
    Ok(conn)
}

fn remove_files(path: &Path) {
    for suffix in ["", "-wal", "-shm"] {
        let mut p = path.as_os_str().to_owned();
        p.push(suffix);
        let _ = std::fs::remove_file(PathBuf::from(p));
    }
}

fn configure(conn: &Connection) -> rusqlite::Result<()> {
    conn.pragma_update(None, "foreign_keys", "ON")?;
    conn.busy_timeout(std::time::Duration::from_secs(5))?;
    Ok(())
}

impl Store for SqliteStore {
    fn load(&self) -> Result<Records, StoreError> {
        let conn = Connection::open_with_flags(&self.path, OpenFlags::SQLITE_OPEN_READ_ONLY)?;
        configure(&conn)?;
        Ok(read_all(&conn)?)
    }

    fn submit(&self, change: Change) -> Pending {
        let (tx, rx) = oneshot::channel();
        if let Err(Job::Change(_, tx)) = self.send(Job::Change(Box::new(change), tx)) {
            let _ = tx.send(Err(StoreError::Closed));
        }
        Pending(rx)
    }

    fn append_history(&self, line: HistoryLine) {
        if self.queued_lines.fetch_add(1, Ordering::Relaxed) >= MAX_QUEUED_LINES {
            self.queued_lines.fetch_sub(1, Ordering::Relaxed);
            tracing::warn!(queued = MAX_QUEUED_LINES, "history line dropped: the store is too far behind");
            return;
        }
        if self.send(Job::History(Box::new(line))).is_err() {
            self.queued_lines.fetch_sub(1, Ordering::Relaxed);
        }
    }

    fn flush(&self) -> Pending {
        let (tx, rx) = oneshot::channel();
        if let Err(Job::Flush(tx)) = self.send(Job::Flush(tx)) {
            let _ = tx.send(Err(StoreError::Closed));
        }
        Pending(rx)
    }

    fn prune_history(&self, retention: Retention) {
        let _ = self.send(Job::Prune(retention));
    }

    fn query_history(&self, q: &HistoryQuery) -> Result<Vec<HistoryLine>, StoreError> {
        self.with_reader(|db| history::query(db, q))
    }

    fn history_targets(&self, q: &TargetsQuery) -> Result<Vec<(String, u64)>, StoreError> {
        self.with_reader(|db| history::targets(db, q))
    }

    fn search_history(&self, req: &crate::search::find::SearchRequest) -> Result<Vec<HistoryLine>, StoreError> {
        // Read-your-writes, as CHATHISTORY has it: every line relayed
        // before the search is stored and indexed before the index is read.
        let (tx, rx) = mpsc::channel();
        self.send(Job::Index(tx)).map_err(|_| StoreError::Closed)?;
        rx.recv().unwrap_or(Err(StoreError::Closed))?;
        self.with_reader(|db| crate::search::find::find(db, req))
    }

    fn close(&self) {
        {
            let mut readers = self.readers.lock().unwrap_or_else(|e| e.into_inner());
            readers.closed = true;
            readers.idle.clear();
        }
        self.reader_done.notify_all();
        let _ = self.send(Job::Stop);
        self.jobs.lock().unwrap_or_else(|e| e.into_inner()).take();
        if let Some(writer) = self.writer.lock().unwrap_or_else(|e| e.into_inner()).take() {
            let _ = writer.join();
            // Reads still running end before close returns: once it has,
            // nothing of the store touches its files.
            let deadline = Instant::now() + READS_AT_CLOSE;
            let mut readers = self.readers.lock().unwrap_or_else(|e| e.into_inner());
            while readers.busy > 0 && Instant::now() < deadline {
                let left = deadline.saturating_duration_since(Instant::now());
                readers = self.reader_done.wait_timeout(readers, left).unwrap_or_else(|e| e.into_inner()).0;
            }
            drop(readers);
            // Another server (or a restore) may have the directory now.
            self.dir_lock.lock().unwrap_or_else(|e| e.into_inner()).take();
            tracing::info!("store closed");
            if self.throwaway {
                remove_files(&self.path);
            }
        }
    }
}

impl Drop for SqliteStore {
    fn drop(&mut self) {
        self.close();
    }
}

/// What the writer remembers between batches.
struct Writer {
    conn: Connection,
    /// History lines queued, shared with [`SqliteStore::append_history`].
    queued_lines: Arc<AtomicUsize>,
    /// Channels with lines added since the last prune (their counts may
    /// be over the limit); `None` until the first prune, which checks all.
    touched: Option<HashSet<String>>,
    metrics: Arc<OnceLock<StoreMetrics>>,
    /// Indexes stored lines for search.
    indexer: Indexer,
}

fn writer_loop(
    conn: Connection,
    durable: bool,
    jobs: mpsc::Receiver<Job>,
    queued_lines: Arc<AtomicUsize>,
    metrics: Arc<OnceLock<StoreMetrics>>,
) {
    let mut w = Writer { conn, queued_lines, touched: None, metrics, indexer: Indexer::new(durable) };
    let mut stop = false;
    while !stop {
        let Some(first) = next_job(&mut w, &jobs) else { break };
        let mut batch = vec![first];
        while batch.len() < BATCH && !matches!(batch.last(), Some(Job::Stop)) {
            match jobs.try_recv() {
                Ok(job) => batch.push(job),
                Err(_) => break,
            }
        }
        let taken = batch.len();
        if matches!(batch.last(), Some(Job::Stop)) {
            batch.pop();
            stop = true;
        }
        if batch.is_empty() {
            if let Some(m) = w.metrics.get() {
                m.queue_depth.dec_by(taken as i64);
            }
            continue;
        }
        let lines = batch.iter().filter(|j| matches!(j, Job::History(_))).count();
        let started = Instant::now();
        let outcome = commit_batch(&mut w, &batch);
        w.queued_lines.fetch_sub(lines, Ordering::Relaxed);
        if let Some(m) = w.metrics.get() {
            m.commit_seconds.observe(started.elapsed().as_secs_f64());
            m.queue_depth.dec_by(taken as i64);
        }
        let n = batch.len();
        match outcome {
            Ok(results) => {
                let mut results = results.into_iter();
                let mut searches = Vec::new();
                for job in batch {
                    match job {
                        Job::Change(_, reply) => {
                            let _ = reply.send(results.next().unwrap_or(Err(StoreError::Closed)));
                        }
                        Job::Flush(reply) => {
                            let _ = reply.send(Ok(()));
                        }
                        Job::Index(reply) => searches.push(reply),
                        _ => {}
                    }
                }
                tracing::trace!(jobs = n, lines, "store batch committed");
                if !searches.is_empty() {
                    let indexed = w.indexer.catch_up(&mut w.conn);
                    for reply in searches {
                        let _ = reply.send(indexed.clone());
                    }
                }
            }
            Err(e) => {
                tracing::error!(error = %e, jobs = n, lines, "store commit failed");
                for job in batch {
                    match job {
                        Job::Change(_, reply) | Job::Flush(reply) => {
                            let _ = reply.send(Err(e.clone()));
                        }
                        Job::Index(reply) => {
                            let _ = reply.send(Err(e.clone()));
                        }
                        _ => {}
                    }
                }
            }
        }
    }
    // Dropping the connection checkpoints the WAL when it is the last one.
    // Lines not yet indexed stay after the mark for the next start.
}

/// The next job. While none is waiting and stored lines wait for the
/// search index, indexes them a chunk at a time. `None` once every sender
/// is gone.
fn next_job(w: &mut Writer, jobs: &mpsc::Receiver<Job>) -> Option<Job> {
    while w.indexer.behind() {
        match jobs.try_recv() {
            Ok(job) => return Some(job),
            Err(mpsc::TryRecvError::Disconnected) => return None,
            Err(mpsc::TryRecvError::Empty) => {
                let _ = w.indexer.chunk(&mut w.conn);
            }
        }
    }
    jobs.recv().ok()
}

/// Applies a batch in one transaction; each change gets its own result
/// (in order), history lines and the rest none.
fn commit_batch(w: &mut Writer, batch: &[Job]) -> Result<Vec<Result<(), StoreError>>, StoreError> {
    let mut tx = w.conn.transaction_with_behavior(rusqlite::TransactionBehavior::Immediate)?;
    let mut results = Vec::new();
    // History lines added minus removed, for the metric once committed.
    let mut lines_delta: i64 = 0;
    for job in batch {
        match job {
            Job::Change(change, _) => {
                let sp = tx.savepoint()?;
                let result = apply(&sp, change);
                if result.is_ok() {
                    if matches!(
                        **change,
                        Change::RedactHistory { .. }
                            | Change::ForgetChannelHistory(_)
                            | Change::ForgetUnregisteredHistory { .. }
                    ) {
                        // Its DELETE was the last statement.
                        lines_delta -= sp.changes() as i64;
                    }
                    sp.commit()?;
                }
                // A savepoint dropped without commit rolls back.
                results.push(result);
            }
            Job::History(line) => {
                if let Err(e) = history::insert_line(&tx, line) {
                    tracing::error!(error = %e, "history line not stored");
                    continue;
                }
                // 0 when the line was already stored (INSERT OR IGNORE).
                lines_delta += tx.changes() as i64;
                w.indexer.lines_stored();
                if let Some(touched) = w.touched.as_mut() {
                    if line.peer_target.is_none() && !touched.contains(&line.target) {
                        touched.insert(line.target.clone());
                    }
                }
            }
            Job::Prune(retention) => {
                let started = Instant::now();
                let removed = history::prune(&tx, *retention, crate::clock::unix_millis(), w.touched.as_ref())?;
                lines_delta -= removed as i64;
                w.touched = Some(HashSet::new());
                if removed > 0 {
                    tracing::debug!(removed, took = ?started.elapsed(), "history pruned");
                }
            }
            Job::Flush(_) | Job::Index(_) | Job::Stop => {}
        }
    }
    tx.commit()?;
    if let Some(m) = w.metrics.get() {
        m.history_lines.inc_by(lines_delta);
    }
    Ok(results)
}

#[cfg(test)]
#[path = "sqlite_tests.rs"]
mod tests;
