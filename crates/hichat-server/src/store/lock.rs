//! The data directory's lock: `<data_dir>/hichat.lock`, held with an
//! exclusive `flock` by the server whose store is open there (and by
//! `hichat restore` while it replaces the database), so a second server on
//! the same directory refuses to start and a restore refuses to pull the
//! database from under a running server.
//!
//! The kernel drops the lock when its holder exits, even on `kill -9`, so a
//! stale lock file never blocks anything; the pid written in it is only for
//! the message that names who holds it.

use std::fs::{File, OpenOptions};
use std::io::{Read, Seek, Write};
use std::path::{Path, PathBuf};

/// The lock file's name in the data directory.
pub const LOCK_FILE: &str = "hichat.lock";

/// A held lock on a data directory; released when dropped.
#[derive(Debug)]
pub struct DataDirLock {
    _file: File,
}

/// Why a data directory could not be locked.
#[derive(Debug, thiserror::Error)]
pub enum LockError {
    /// Another process holds it: a running server, or a restore.
    #[error("{} is in use by a running hichat{}", dir.display(), holder(*pid))]
    Held { dir: PathBuf, pid: Option<u32> },
    #[error("cannot lock {}: {source}", path.display())]
    Io { path: PathBuf, source: std::io::Error },
}

fn holder(pid: Option<u32>) -> String {
    pid.map(|p| format!(" (pid {p})")).unwrap_or_default()
}

impl From<LockError> for super::StoreError {
    fn from(e: LockError) -> Self {
        match e {
            LockError::Held { .. } => Self::InUse(format!("{e}; stop it first, or give another data directory")),
            LockError::Io { .. } => Self::Db(e.to_string()),
        }
    }
}

impl DataDirLock {
    /// Takes the lock without waiting. `write_pid`: put this process's id
    /// in the file (the server does; a restore leaves the file as it is).
    pub fn acquire(data_dir: &Path, write_pid: bool) -> Result<DataDirLock, LockError> {
        let path = data_dir.join(LOCK_FILE);
        let io = |source| LockError::Io { path: path.clone(), source };
        let mut file = match OpenOptions::new().read(true).write(true).create(true).truncate(false).open(&path) {
            Ok(f) => f,
            // A lock file another user made (a restore run as root): a
            // shared read-only handle locks just as well.
            Err(e) if e.kind() == std::io::ErrorKind::PermissionDenied => File::open(&path).map_err(io)?,
            Err(e) => return Err(io(e)),
        };
        match file.try_lock() {
            Ok(()) => {}
            Err(std::fs::TryLockError::WouldBlock) => {
                let mut text = String::new();
                let _ = (&file).take(32).read_to_string(&mut text);
                return Err(LockError::Held { dir: data_dir.to_owned(), pid: text.trim().parse().ok() });
            }
            Err(std::fs::TryLockError::Error(e)) => return Err(io(e)),
        }
        if write_pid {
            // Best effort: the lock is what counts, the pid only names it.
            let _ =
                file.set_len(0).and_then(|()| file.rewind()).and_then(|()| writeln!(file, "{}", std::process::id()));
        }
        Ok(DataDirLock { _file: file })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn one_holder_at_a_time_and_released_on_drop() {
        let dir = std::env::temp_dir().join(format!("hichat-lock-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        let held = DataDirLock::acquire(&dir, true).unwrap();
        match DataDirLock::acquire(&dir, false) {
            Err(LockError::Held { pid, .. }) => assert_eq!(pid, Some(std::process::id())),
            other => panic!("a second lock was not refused: {other:?}"),
        }
        drop(held);
        DataDirLock::acquire(&dir, false).expect("the lock is free once dropped");
        std::fs::remove_dir_all(&dir).unwrap();
    }
}
