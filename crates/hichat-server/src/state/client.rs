//! What the server knows about one connected client.

use crate::caps::Caps;
use crate::outbox::Outbox;
use std::net::IpAddr;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Arc;
use std::time::Instant;

/// Bytes a connection has read and written, updated by its task and read
/// by the operator console.
#[derive(Debug, Default)]
pub struct Traffic {
    bytes_in: AtomicU64,
    bytes_out: AtomicU64,
}

impl Traffic {
    pub fn add_in(&self, n: u64) {
        self.bytes_in.fetch_add(n, Ordering::Relaxed);
    }

    pub fn add_out(&self, n: u64) {
        self.bytes_out.fetch_add(n, Ordering::Relaxed);
    }

    /// (bytes in, bytes out).
    pub fn totals(&self) -> (u64, u64) {
        (self.bytes_in.load(Ordering::Relaxed), self.bytes_out.load(Ordering::Relaxed))
    }
}

/// Identifies a connection for its whole life; never reused.
pub type ClientId = u64;

/// User modes (`B`, `i`, `o`, `w`).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct UserModes {
    /// IRCv3 bot mode: marks the client as a bot.
    pub bot: bool,
    pub invisible: bool,
    pub oper: bool,
    pub wallops: bool,
}

impl UserModes {
    /// The mode string, e.g. `+iw`.
    pub fn to_mode_string(self) -> String {
        let mut s = String::from("+");
        if self.bot {
            s.push('B');
        }
        if self.invisible {
            s.push('i');
        }
        if self.oper {
            s.push('o');
        }
        if self.wallops {
            s.push('w');
        }
        s
    }
}

/// One connection, registered or not.
#[derive(Debug)]
pub struct Client {
    pub id: ClientId,
    /// The nickname, `*` until NICK is accepted.
    pub nick: String,
    pub user: String,
    pub realname: String,
    /// The host shown to others: the IP address, or `localhost` for a Unix
    /// socket.
    pub host: String,
    pub ip: Option<IpAddr>,
    /// `nick!user@host`, kept in step with the fields above.
    pub prefix: String,
    pub registered: bool,
    /// When the client took its current nick (Unix ms): a client known by
    /// nick alone reads private history from then on.
    pub nick_since: u64,
    /// Registration waits while CAP negotiation is in progress.
    pub cap_negotiating: bool,
    pub caps: Caps,
    /// The CAP LS version the client gave (302 for values and cap-notify),
    /// 0 if it never sent one.
    pub cap_version: u32,
    /// The password given with PASS, checked when registration completes.
    pub pass: Option<String>,
    pub modes: UserModes,
    pub away: Option<String>,
    /// The name of the operator block used with OPER.
    pub oper_name: Option<String>,
    /// The account logged in to (display form), if any.
    pub account: Option<String>,
    /// Connected over TLS.
    pub tls: bool,
    /// SHA-256 fingerprint of the client's TLS certificate (lowercase hex).
    pub certfp: Option<String>,
    /// A draft/multiline batch being sent, until its `BATCH -`.
    pub multiline: Option<Box<crate::multiline::OpenBatch>>,
    /// Folded names of the channels this client is in.
    pub channels: Vec<String>,
    /// Folded names of channels this client has been invited to, oldest
    /// first; an invite holds only while the channel's `invited` has it too.
    pub invites: Vec<String>,
    pub outbox: Arc<Outbox>,
    pub traffic: Arc<Traffic>,
    /// Unix time of connection.
    pub signon: u64,
    /// Last time this client sent a message (for WHOIS idle).
    pub last_message: Instant,
    /// The language of the server's own words to this client (LANGUAGE).
    pub lang: crate::i18n::Lang,
}

impl Client {
    pub fn new(id: ClientId, host: String, ip: Option<IpAddr>, outbox: Arc<Outbox>, signon: u64) -> Self {
        Self {
            id,
            nick: "*".into(),
            user: String::new(),
            realname: String::new(),
            prefix: String::new(),
            host,
            ip,
            registered: false,
            nick_since: 0,
            cap_negotiating: false,
            caps: Caps::default(),
            cap_version: 0,
            pass: None,
            modes: UserModes::default(),
            away: None,
            oper_name: None,
            account: None,
            multiline: None,
            tls: false,
            certfp: None,
            channels: Vec::new(),
            invites: Vec::new(),
            outbox,
            traffic: Arc::default(),
            signon,
            last_message: Instant::now(),
            lang: crate::i18n::Lang::EN,
        }
    }

    /// Recomputes `prefix` after the nick or user changed.
    pub fn update_prefix(&mut self) {
        self.prefix = format!("{}!{}@{}", self.nick, self.user, self.host);
    }

    /// The `user@host` part, for masks and USERHOST.
    pub fn userhost(&self) -> String {
        format!("{}@{}", self.user, self.host)
    }
}
