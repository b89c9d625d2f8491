//! Backups of a store while its server runs, and their restore: what
//! `hichat backup` and `hichat restore` do.
//!
//! [`backup`] copies `<data_dir>/hichat.db` with SQLite's online backup API
//! in one step, so the copy is one read transaction's snapshot: everything
//! committed before it began, nothing half-written. In WAL mode a reader
//! does not stop the server's writer, so the server goes on serving; the
//! copy is a single self-contained file (journal mode `DELETE`), readable
//! only by its owner (it holds password hashes and private messages).
//!
//! [`restore`] checks a copy before using it: an SQLite file whose schema
//! is exactly the one hichat's migrations make at its version (no extra
//! table, index or trigger), no newer than this build, that passes
//! `PRAGMA integrity_check`. It takes the data directory's lock (see
//! [`super::lock`]), so it refuses a directory a running server holds and
//! a server cannot start halfway through; and it moves the database it
//! replaces aside, with its WAL, rather than deleting it.

use super::lock::{DataDirLock, LockError};
use super::migrate::{migrate_to, SCHEMA_VERSION};
use super::SqliteStore;
use rusqlite::backup::{Backup, StepResult};
use rusqlite::{Connection, OpenFlags};
use std::fs::{File, OpenOptions};
use std::os::unix::fs::{MetadataExt, OpenOptionsExt};
use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

/// How long a copy waits for a database that stays locked (SQLite's busy
/// handler waits first, then the step is retried until this has passed).
const BUSY_FOR: Duration = Duration::from_secs(30);

/// What a copy of the store holds.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Contents {
    pub schema_version: u32,
    pub accounts: u64,
    /// Channels registered with ChanServ.
    pub channels: u64,
    /// Lasting server bans (K-lines and D-lines).
    pub bans: u64,
    pub history_lines: u64,
    /// The file's size.
    pub bytes: u64,
}

impl std::fmt::Display for Contents {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let plural = |n: u64, one: &str, many: &str| format!("{n} {}", if n == 1 { one } else { many });
        write!(
            f,
            "{}, {}, {}, {} (schema version {}, {} bytes)",
            plural(self.accounts, "account", "accounts"),
            plural(self.channels, "registered channel", "registered channels"),
            plural(self.bans, "ban", "bans"),
            plural(self.history_lines, "history line", "history lines"),
            self.schema_version,
            self.bytes
        )
    }
}

/// A restore that was done.
#[derive(Debug)]
pub struct Restored {
    /// The database now in the data directory.
    pub database: PathBuf,
    pub contents: Contents,
    /// Where the database that was there before went, if there was one.
    pub replaced: Option<PathBuf>,
}

/// Why a backup or restore was not done.
#[derive(Debug, thiserror::Error)]
pub enum BackupError {
    /// Something the user can fix: a path, a file, a running server.
    #[error("{0}")]
    User(String),
    /// The copy itself failed.
    #[error("{0}")]
    Failed(String),
}

use BackupError::{Failed, User};

/// Copies the store in `data_dir` to `out` while its server runs. Refuses
/// to replace an existing `out` unless `force`. The copy is written beside
/// `out` under another name and renamed into place once complete and
/// synced, so `out` is never a half-written file.
pub fn backup(data_dir: &Path, out: &Path, force: bool) -> Result<Contents, BackupError> {
    if !data_dir.is_dir() {
        return Err(User(format!("no data directory {}", data_dir.display())));
    }
    let db = SqliteStore::file_in(data_dir);
    if !db.is_file() {
        return Err(User(format!("no database in {} (expected {})", data_dir.display(), db.display())));
    }
    if out.is_dir() {
        return Err(User(format!("{} is a directory; give the backup's file name", out.display())));
    }
    if out.exists() && !force {
        return Err(User(format!("{} exists; add --force to replace it", out.display())));
    }
    let (parent, name) = split(out)?;
    if same_dir(&parent, data_dir) && name.to_string_lossy().starts_with("hichat.") {
        return Err(User(format!(
            "{} is one of the data directory's own files; write the backup elsewhere",
            out.display()
        )));
    }
    // With no server running, the directory is locked for the copy and the
    // database opened as the server opens it, so closing it folds any WAL
    // left by a crash into the file and removes the WAL and shared-memory
    // files: none is left behind owned by whoever ran the backup. With a
    // server running, a read-only connection shares the server's.
    let (flags, _lock) = match DataDirLock::acquire(data_dir, false) {
        Ok(lock) => (OpenFlags::SQLITE_OPEN_READ_WRITE, Some(lock)),
        // Held, or a directory this user may not write in.
        Err(_) => (OpenFlags::SQLITE_OPEN_READ_ONLY, None),
    };
    let src = Connection::open_with_flags(&db, flags)
        .and_then(|c| c.busy_timeout(Duration::from_secs(5)).map(|()| c))
        .map_err(|e| User(format!("cannot open {}: {e}", db.display())))?;
    // The first read: a file that is not SQLite's, or unreadable, fails here.
    let _: u32 = src
        .pragma_query_value(None, "user_version", |r| r.get(0))
        .map_err(|e| User(format!("cannot read {}: {e}", db.display())))?;
    let partial = parent.join(format!(".{}.partial-{}", name.to_string_lossy(), std::process::id()));
    let written =
        Partial::create(&partial).map_err(|e| User(format!("cannot write {}: {}", out.display(), io_reason(&e))))?;
    let contents = copy_into(&src, &partial)?;
    written.finish(out).map_err(|e| Failed(format!("cannot move the backup to {}: {e}", out.display())))?;
    Ok(contents)
}

/// Replaces the store in `data_dir` (made if missing) with the copy in
/// `from`, after checking it. Refuses while a server holds the directory.
pub fn restore(from: &Path, data_dir: &Path) -> Result<Restored, BackupError> {
    if !from.is_file() {
        return Err(User(format!("no backup file {}", from.display())));
    }
    let src = open_checked(from)?;
    std::fs::create_dir_all(data_dir)
        .map_err(|e| User(format!("cannot create {}: {}", data_dir.display(), io_reason(&e))))?;
    let _lock = DataDirLock::acquire(data_dir, false).map_err(|e| match e {
        LockError::Held { .. } => User(format!("{e}; stop it before restoring")),
        LockError::Io { .. } => User(e.to_string()),
    })?;
    let db = SqliteStore::file_in(data_dir);
    if db.exists() && std::fs::canonicalize(&db).ok() == std::fs::canonicalize(from).ok() {
        return Err(User(format!("{} is the database it would replace", from.display())));
    }
    let partial = data_dir.join("hichat.db.restoring");
    remove_with_journals(&partial);
    let written = Partial::create(&partial)
        .map_err(|e| User(format!("cannot write in {}: {}", data_dir.display(), io_reason(&e))))?;
    let contents = copy_into(&src, &partial)?;
    // Run as root for a server that runs as its own user: the file goes to
    // the directory's owner (a no-op, or refused, otherwise).
    if let Ok(dir) = std::fs::metadata(data_dir) {
        let _ = std::os::unix::fs::chown(&partial, Some(dir.uid()), Some(dir.gid()));
    }
    let replaced = if db.exists() { Some(move_aside(&db)?) } else { None };
    written.finish(&db).map_err(|e| Failed(format!("cannot move the restored database into place: {e}")))?;
    Ok(Restored { database: db, contents, replaced })
}

/// Opens a backup read-only and checks that it is a hichat database this
/// build can use, intact.
fn open_checked(path: &Path) -> Result<Connection, BackupError> {
    let shown = path.display();
    let conn = Connection::open_with_flags(path, OpenFlags::SQLITE_OPEN_READ_ONLY)
        .map_err(|e| User(format!("cannot open {shown}: {e}")))?;
    // Nothing in the file runs as it is read.
    let _ = conn.pragma_update(None, "trusted_schema", "OFF");
    let version: u32 = conn.pragma_query_value(None, "user_version", |r| r.get(0)).map_err(|e| match e {
        rusqlite::Error::SqliteFailure(f, _) if f.code == rusqlite::ErrorCode::NotADatabase => {
            User(format!("{shown} is not an SQLite database"))
        }
        e => User(format!("cannot read {shown}: {e}")),
    })?;
    if version == 0 {
        return Err(User(format!("{shown} is not a hichat database (it has no schema version)")));
    }
    if version > SCHEMA_VERSION {
        return Err(User(format!(
            "{shown} has schema version {version}, newer than this hichat knows ({SCHEMA_VERSION}); \
             restore it with the hichat that made it"
        )));
    }
    let mut expected = Connection::open_in_memory().map_err(|e| Failed(e.to_string()))?;
    migrate_to(&mut expected, version).map_err(|e| Failed(e.to_string()))?;
    let (want, have) = (schema(&expected), schema(&conn));
    let (want, have) =
        (want.map_err(|e| Failed(e.to_string()))?, have.map_err(|e| User(format!("{shown} is damaged: {e}")))?);
    let named = |set: &[SchemaObject], o: &SchemaObject| set.iter().any(|x| x.0 == o.0 && x.1 == o.1);
    let odd = match (have.iter().find(|o| !want.contains(o)), want.iter().find(|o| !have.contains(o))) {
        (Some(o), _) if named(&want, o) => Some(format!("its {} {} differs", o.0, o.1)),
        (Some(o), _) => Some(format!("it has a {} {} that hichat's has not", o.0, o.1)),
        (None, Some(o)) => Some(format!("it has no {} {}", o.0, o.1)),
        (None, None) => None,
    };
    if let Some(odd) = odd {
        return Err(User(format!("{shown} is not a hichat database of schema version {version}: {odd}")));
    }
    let problems = integrity(&conn).map_err(|e| User(format!("{shown} is damaged: {e}")))?;
    if let Some(first) = problems.first() {
        return Err(User(format!("{shown} is damaged ({} problems), the first: {first}", problems.len())));
    }
    Ok(conn)
}

/// A table, index, view or trigger: type, name, SQL.
type SchemaObject = (String, String, Option<String>);

/// Every table, index, view and trigger but SQLite's own, with its SQL.
fn schema(conn: &Connection) -> rusqlite::Result<Vec<SchemaObject>> {
    let mut stmt =
        conn.prepare("SELECT type, name, sql FROM sqlite_schema WHERE name NOT LIKE 'sqlite\\_%' ESCAPE '\\'")?;
    let rows = stmt.query_map([], |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)))?;
    rows.collect()
}

/// What `PRAGMA integrity_check` found wrong (nothing when it says `ok`).
fn integrity(conn: &Connection) -> rusqlite::Result<Vec<String>> {
    let mut stmt = conn.prepare("PRAGMA integrity_check(20)")?;
    let rows: Vec<String> = stmt.query_map([], |r| r.get(0))?.collect::<rusqlite::Result<_>>()?;
    Ok(if rows == ["ok"] { Vec::new() } else { rows })
}

/// Copies the database `src` into the empty file `dest` in one backup
/// step, leaves it a single file, checks it and counts what it holds.
fn copy_into(src: &Connection, dest: &Path) -> Result<Contents, BackupError> {
    let failed = |e: rusqlite::Error| Failed(format!("the copy failed: {e}"));
    let mut dst = Connection::open(dest).map_err(failed)?;
    {
        let backup = Backup::new(src, &mut dst).map_err(failed)?;
        let started = Instant::now();
        // All pages in one step: one read transaction, so one snapshot. In
        // smaller steps a commit by the server would restart the copy.
        loop {
            match backup.step(-1).map_err(failed)? {
                StepResult::Done => break,
                StepResult::More => {}
                StepResult::Busy | StepResult::Locked if started.elapsed() < BUSY_FOR => {
                    std::thread::sleep(Duration::from_millis(50));
                }
                _ => return Err(Failed(format!("the database stayed locked for {} s", BUSY_FOR.as_secs()))),
            }
        }
    }
    let mode: String = dst.query_row("PRAGMA journal_mode = DELETE", [], |r| r.get(0)).map_err(failed)?;
    if !mode.eq_ignore_ascii_case("delete") {
        return Err(Failed(format!("the copy stayed in journal mode {mode}")));
    }
    let problems = integrity(&dst).map_err(failed)?;
    if let Some(first) = problems.first() {
        return Err(Failed(format!("the copy failed its integrity check: {first}")));
    }
    let mut contents = count(&dst).map_err(failed)?;
    drop(dst);
    contents.bytes = std::fs::metadata(dest).map(|m| m.len()).unwrap_or(0);
    Ok(contents)
}

/// What a hichat database holds. Tables a schema this old lacks count 0.
pub fn count(conn: &Connection) -> rusqlite::Result<Contents> {
    let rows = |table: &str| -> rusqlite::Result<u64> {
        let exists: bool = conn.query_row(
            "SELECT count(*) > 0 FROM sqlite_schema WHERE type = 'table' AND name = ?1",
            [table],
            |r| r.get(0),
        )?;
        if !exists {
            return Ok(0);
        }
        conn.query_row(&format!("SELECT count(*) FROM {table}"), [], |r| r.get::<_, i64>(0)).map(|n| n as u64)
    };
    Ok(Contents {
        schema_version: conn.pragma_query_value(None, "user_version", |r| r.get(0))?,
        accounts: rows("accounts")?,
        channels: rows("channels")?,
        bans: rows("bans")?,
        history_lines: rows("messages")?,
        bytes: 0,
    })
}

/// A file being written under a temporary name: removed on drop unless
/// [`Partial::finish`] renamed it into place.
struct Partial(Option<PathBuf>);

impl Partial {
    /// Makes the empty file, readable by its owner only (SQLite gives its
    /// journals the same mode).
    fn create(path: &Path) -> std::io::Result<Partial> {
        OpenOptions::new().write(true).create_new(true).mode(0o600).open(path)?;
        Ok(Partial(Some(path.to_owned())))
    }

    /// Syncs the file, renames it to `to` (replacing what is there) and
    /// syncs the directory, so the new name survives a crash.
    fn finish(mut self, to: &Path) -> std::io::Result<()> {
        let Some(path) = self.0.take() else { return Ok(()) };
        let result = File::open(&path).and_then(|f| f.sync_all()).and_then(|()| std::fs::rename(&path, to));
        if result.is_err() {
            remove_with_journals(&path);
        }
        result?;
        if let Some(dir) = to.parent() {
            let dir = if dir.as_os_str().is_empty() { Path::new(".") } else { dir };
            File::open(dir)?.sync_all()?;
        }
        Ok(())
    }
}

impl Drop for Partial {
    fn drop(&mut self) {
        if let Some(path) = self.0.take() {
            remove_with_journals(&path);
        }
    }
}

/// Renames `db` and its WAL and shared-memory files (which may hold
/// committed changes after a crash) to `<db>.replaced-<time>` and the same
/// with `-wal` and `-shm`, so SQLite opens the set as it was.
fn move_aside(db: &Path) -> Result<PathBuf, BackupError> {
    let now = std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).map(|d| d.as_secs()).unwrap_or(0);
    let base = |n: u32| {
        let mut name = db.as_os_str().to_owned();
        name.push(format!(".replaced-{now}"));
        if n > 0 {
            name.push(format!("-{n}"));
        }
        PathBuf::from(name)
    };
    let aside = (0..1000).map(base).find(|p| !with_suffix(p, "").exists() && !with_suffix(p, "-wal").exists());
    let aside = aside.ok_or_else(|| Failed("no free name to move the old database to".into()))?;
    for suffix in ["-wal", "-shm", ""] {
        let from = with_suffix(db, suffix);
        if from.exists() {
            std::fs::rename(&from, with_suffix(&aside, suffix))
                .map_err(|e| Failed(format!("cannot move {} aside: {e}", from.display())))?;
        }
    }
    Ok(aside)
}

fn with_suffix(path: &Path, suffix: &str) -> PathBuf {
    let mut name = path.as_os_str().to_owned();
    name.push(suffix);
    PathBuf::from(name)
}

fn remove_with_journals(path: &Path) {
    for suffix in ["", "-journal", "-wal", "-shm"] {
        let _ = std::fs::remove_file(with_suffix(path, suffix));
    }
}

/// A path's directory (`.` for a bare name) and file name.
fn split(path: &Path) -> Result<(PathBuf, std::ffi::OsString), BackupError> {
    let name = path.file_name().ok_or_else(|| User(format!("{} is not a file name", path.display())))?;
    let parent = match path.parent() {
        Some(p) if !p.as_os_str().is_empty() => p.to_owned(),
        _ => PathBuf::from("."),
    };
    Ok((parent, name.to_owned()))
}

fn same_dir(a: &Path, b: &Path) -> bool {
    matches!((std::fs::canonicalize(a), std::fs::canonicalize(b)), (Ok(a), Ok(b)) if a == b)
}

/// An I/O error as a user reads it.
fn io_reason(e: &std::io::Error) -> String {
    match e.kind() {
        std::io::ErrorKind::NotFound => "no such directory".into(),
        std::io::ErrorKind::PermissionDenied => "permission denied".into(),
        _ => e.to_string(),
    }
}
