//! The store: what must outlive a restart (accounts, registered channels,
//! lasting bans), behind the small [`Store`] trait so another backend can be
//! added later.
//!
//! Reads happen once, at start-up ([`Store::load`]): the server keeps what
//! it needs in memory, in [`Records`], under the state lock. Every change
//! goes through [`Store::submit`], which hands it to a dedicated writer
//! thread and returns a [`Pending`] that completes only once the change is
//! committed. The caller awaits that *without* the state lock and only then
//! updates [`Records`] and answers the client, so a success reply always
//! means the change is durable.

pub mod backup;
mod changes;
pub mod history;
mod indexing;
mod load;
pub mod lock;
mod migrate;
mod sqlite;

pub use history::{HistoryLine, HistoryQuery, Retention, TargetsQuery};

/// Most read markers kept per account (the newest), and so at most loaded
/// at start-up: the ceiling of `[limits] read_markers_per_user`.
pub const MAX_READ_MARKERS: usize = 1000;
pub use migrate::SCHEMA_VERSION;
pub use sqlite::SqliteStore;

use std::collections::HashMap;
use tokio::sync::oneshot;

/// A registered account. `name` is casefolded like a nickname.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AccountRecord {
    pub name: String,
    /// The name as it was registered (display form).
    pub display: String,
    pub credentials: Credentials,
    pub email: Option<String>,
    /// Unix time of registration.
    pub registered_at: u64,
}

/// What is kept of a password: an argon2id hash for PLAIN and NickServ, and
/// the SCRAM-SHA-256 keys (RFC 5802) that SCRAM needs. Never the password.
#[derive(Clone, PartialEq, Eq)]
pub struct Credentials {
    /// An argon2id PHC string.
    pub password_hash: String,
    pub scram_salt: Vec<u8>,
    pub scram_iterations: u32,
    pub scram_stored_key: Vec<u8>,
    pub scram_server_key: Vec<u8>,
}

impl std::fmt::Debug for Credentials {
    // Hashes and keys stay out of logs and panics, even at trace level.
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("Credentials(..)")
    }
}

/// A channel registered with ChanServ, as it is kept across restarts.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct ChannelRecord {
    /// Casefolded name.
    pub name: String,
    pub display: String,
    /// Casefolded account name of the founder.
    pub founder: String,
    pub registered_at: u64,
    pub topic: Option<TopicRecord>,
    /// Flag modes without parameters, e.g. `nt` (no `+`).
    pub modes: String,
    pub key: Option<String>,
    pub limit: Option<u64>,
    /// Ban (`b`), exception (`e`) and invite-exception (`I`) entries.
    pub lists: Vec<ListRecord>,
    /// Account (casefolded) to access level.
    pub access: Vec<(String, AccessLevel)>,
    /// What `ChanServ SET` changes.
    pub settings: ChannelSettings,
}

/// A registered channel's ChanServ settings.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ChannelSettings {
    /// Shown by `INFO`.
    pub description: Option<String>,
    /// Whether the topic is put back when the channel is created again.
    pub keep_topic: bool,
    /// Flag modes (of `imnst`) ChanServ keeps set, and keeps unset.
    pub mlock_on: String,
    pub mlock_off: String,
    /// The channel's own history retention (`SET #chan HISTORY`); the
    /// server's when `None`. Kept in `channel_history`.
    pub history: Option<Retention>,
}

impl Default for ChannelSettings {
    fn default() -> Self {
        ChannelSettings {
            description: None,
            keep_topic: true,
            mlock_on: String::new(),
            mlock_off: String::new(),
            history: None,
        }
    }
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TopicRecord {
    pub text: String,
    pub setter: String,
    pub time: u64,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ListRecord {
    /// `b`, `e` or `I`.
    pub list: char,
    pub mask: String,
    pub setter: String,
    pub time: u64,
}

/// What an access-list entry gives on join.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum AccessLevel {
    Voice,
    Op,
    Founder,
}

impl AccessLevel {
    pub fn as_str(self) -> &'static str {
        match self {
            AccessLevel::Voice => "voice",
            AccessLevel::Op => "op",
            AccessLevel::Founder => "founder",
        }
    }

    pub fn parse(s: &str) -> Option<AccessLevel> {
        match s.to_ascii_lowercase().as_str() {
            "voice" | "v" => Some(AccessLevel::Voice),
            "op" | "o" => Some(AccessLevel::Op),
            "founder" => Some(AccessLevel::Founder),
            _ => None,
        }
    }
}

/// K-line (`user@host` mask) or D-line (IP address or network).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum BanKind {
    Kline,
    Dline,
}

impl BanKind {
    fn code(self) -> &'static str {
        match self {
            BanKind::Kline => "K",
            BanKind::Dline => "D",
        }
    }
}

/// A lasting server ban.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct BanRecord {
    pub kind: BanKind,
    pub mask: String,
    pub reason: String,
    pub setter: String,
    pub set_at: u64,
    /// Unix time it ends; never when `None`.
    pub expires_at: Option<u64>,
}

impl BanRecord {
    pub fn expired(&self, now: u64) -> bool {
        self.expires_at.is_some_and(|t| t <= now)
    }
}

/// An operator block kept in the store (in addition to the config's).
#[derive(Clone, PartialEq, Eq)]
pub struct OperatorRecord {
    pub name: String,
    pub password_hash: String,
    /// `user@host` masks; any when empty.
    pub hosts: Vec<String>,
}

impl std::fmt::Debug for OperatorRecord {
    // The hash stays out of logs and panics, like [`Credentials`]'.
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("OperatorRecord").field("name", &self.name).field("hosts", &self.hosts).finish_non_exhaustive()
    }
}

/// One change for the writer.
#[derive(Debug, Clone)]
pub enum Change {
    /// Fails with [`StoreError::Conflict`] when the name is taken.
    CreateAccount(AccountRecord),
    SetCredentials {
        account: String,
        credentials: Credentials,
    },
    /// Removes the account, its access entries and the channels it founded.
    DropAccount(String),
    /// Fails with [`StoreError::Conflict`] when already registered.
    CreateChannel(ChannelRecord),
    /// Replaces a registered channel's record (topic, modes, lists, access).
    UpdateChannel(ChannelRecord),
    DropChannel(String),
    /// Adds or replaces a ban with the same kind and mask.
    PutBan(BanRecord),
    RemoveBan {
        kind: BanKind,
        mask: String,
    },
    PutOperator(OperatorRecord),
    /// Fails with [`StoreError::NotFound`] when there is no such operator.
    RemoveOperator(String),
    /// Deletes a message from history: in a channel (folded name), or a
    /// private one when `channel` is `None`.
    RedactHistory {
        msgid: String,
        channel: Option<String>,
    },
    /// Moves a channel's history to its new name after a RENAME (folded
    /// names; `display` replaces the channel in the stored lines).
    RenameHistory {
        from: String,
        to: String,
        display: String,
    },
    /// Deletes an unregistered channel's history when the channel ends
    /// (folded name): it is not kept past the channel's life.
    ForgetChannelHistory(String),
    /// Deletes the history of every channel that is not registered, but for
    /// the server's own channel (folded name): at start-up, when every
    /// unregistered channel of the last run has ended.
    ForgetUnregisteredHistory {
        keep: String,
    },
    /// Lets a TLS client certificate log in to an account. Fails with
    /// [`StoreError::Conflict`] when the fingerprint is already in use.
    AddCert {
        account: String,
        fingerprint: String,
        added_at: u64,
    },
    /// Fails with [`StoreError::NotFound`] unless the account has it.
    RemoveCert {
        account: String,
        fingerprint: String,
    },
    /// Moves an account's read marker for a target (folded) forward to
    /// `time` (Unix milliseconds); an earlier time leaves it as it is.
    SetReadMarker {
        account: String,
        target: String,
        time: u64,
    },
    /// Forgets an account's read marker for a target (folded), to make room.
    ForgetReadMarker {
        account: String,
        target: String,
    },
    /// Renames a registered channel (folded names), with its lists, access
    /// and history settings, in one step. Fails with
    /// [`StoreError::Conflict`] when `to` is registered already.
    RenameChannel {
        from: String,
        to: String,
        display: String,
    },
}

/// Everything in the store, as read at start-up.
#[derive(Debug, Default, Clone)]
pub struct Records {
    /// By casefolded name.
    pub accounts: HashMap<String, AccountRecord>,
    /// By casefolded name.
    pub channels: HashMap<String, ChannelRecord>,
    pub bans: Vec<BanRecord>,
    pub operators: Vec<OperatorRecord>,
    /// A random secret made when the database was created: the key for the
    /// made-up SCRAM salts of accounts that do not exist.
    pub scram_secret: Vec<u8>,
    /// TLS client certificate fingerprint to the (casefolded) account it
    /// logs in to.
    pub certs: HashMap<String, String>,
    /// Read markers: account (casefolded) to target (casefolded) to the
    /// last read message's time in Unix milliseconds.
    pub read_markers: HashMap<String, HashMap<String, u64>>,
}

/// Why a change or read failed.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum StoreError {
    /// The thing to create exists already.
    #[error("already exists")]
    Conflict,
    /// The thing to change does not exist.
    #[error("not found")]
    NotFound,
    /// The writer has stopped (the server is shutting down).
    #[error("the store is closed")]
    Closed,
    /// The data directory is held by another running server or a restore.
    #[error("{0}")]
    InUse(String),
    #[error("database error: {0}")]
    Db(String),
}

impl From<rusqlite::Error> for StoreError {
    fn from(e: rusqlite::Error) -> Self {
        match e {
            rusqlite::Error::SqliteFailure(f, _) if f.code == rusqlite::ErrorCode::ConstraintViolation => {
                StoreError::Conflict
            }
            e => StoreError::Db(e.to_string()),
        }
    }
}

/// Completes once a submitted change is committed (or has failed).
pub struct Pending(oneshot::Receiver<Result<(), StoreError>>);

impl Pending {
    /// Waits for the commit. Await it without the state lock held.
    pub async fn done(self) -> Result<(), StoreError> {
        self.0.await.unwrap_or(Err(StoreError::Closed))
    }

    /// Waits on a plain thread (for tests and start-up code).
    pub fn wait(self) -> Result<(), StoreError> {
        self.0.blocking_recv().unwrap_or(Err(StoreError::Closed))
    }
}

/// A place where changes last.
pub trait Store: Send + Sync + std::fmt::Debug {
    /// Reads everything (blocking; call at start-up or off the async threads).
    fn load(&self) -> Result<Records, StoreError>;
    /// Queues a change; the returned [`Pending`] completes after its commit.
    fn submit(&self, change: Change) -> Pending;
    /// Queues a line of chat history. Never waits and never fails: the
    /// line is dropped (and logged) when the store cannot take it.
    fn append_history(&self, line: HistoryLine);
    /// Completes once everything queued before it is committed, so a read
    /// that follows sees it.
    fn flush(&self) -> Pending;
    /// Queues a pass of history retention (server defaults given; a
    /// registered channel's own settings are in the store).
    fn prune_history(&self, retention: Retention);
    /// Reads history (blocking: call it off the async threads).
    fn query_history(&self, q: &HistoryQuery) -> Result<Vec<HistoryLine>, StoreError>;
    /// The conversations with history in a time window (blocking): each a
    /// channel's folded name or a correspondent's nick as last spelled, and
    /// the time of its newest line.
    fn history_targets(&self, q: &TargetsQuery) -> Result<Vec<(String, u64)>, StoreError>;
    /// Full-text search of history (blocking): the newest matches the
    /// reader may see, oldest first. Lines queued before it are stored and
    /// indexed first, so a line relayed before the search is found.
    fn search_history(&self, req: &crate::search::find::SearchRequest) -> Result<Vec<HistoryLine>, StoreError>;
    /// Commits everything queued and stops the writer (blocking).
    fn close(&self);
}
