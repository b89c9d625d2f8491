//! The server's configuration: what `--config FILE` reads.
//!
//! Every field has a default, so an empty file (or no file) is a working
//! server on 127.0.0.1:6666. [`DEFAULT_TOML`] is the commented file that
//! `hichat config default` prints; a test checks that it parses to exactly
//! [`Config::default`], so the two cannot drift apart.

use ipnet::IpNet;
use serde::Deserialize;
use std::net::IpAddr;
use std::path::{Path, PathBuf};

/// The whole configuration.
#[derive(Debug, Clone, Default, PartialEq, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct Config {
    pub server: ServerSection,
    pub limits: Limits,
    pub flood: Flood,
    pub accounts: AccountsSection,
    /// Operator credentials for OPER.
    #[serde(rename = "operator")]
    pub operators: Vec<Operator>,
    /// The web listener: browser client, WebSocket, /healthz, /metrics.
    pub web: Web,
    /// IRC over TLS, and HTTPS on the web listener.
    pub tls: Tls,
    /// Chat history: storage, retention, replay on join.
    pub history: HistorySection,
    /// The admin HTTP API on the web listener (off by default).
    pub admin: crate::web::admin::AdminSection,
    /// Web gateways (Kiwi IRC and the like) allowed to send WEBIRC.
    pub webirc: Vec<WebircGateway>,
}

/// Names, listeners and the message of the day.
#[derive(Debug, Clone, PartialEq, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct ServerSection {
    /// The server's name, the source of its numerics.
    pub name: String,
    /// The network name (ISUPPORT NETWORK).
    pub network: String,
    /// Shown in WHOIS and LINKS-like replies.
    pub description: String,
    /// Addresses to listen on: `127.0.0.1:6666`, `[::1]:6666`, `unix:/path`.
    pub listen: Vec<String>,
    /// Where the store keeps its files.
    pub data_dir: PathBuf,
    /// The channel plain-text (netcat) users and the operator console talk in.
    pub default_channel: String,
    /// The nickname the operator console speaks as.
    pub console_nick: String,
    /// The message of the day; several lines allowed.
    pub motd: String,
    /// The language of services' replies, FAIL descriptions, the default
    /// MOTD and plain-text mode for clients that choose none (`LANGUAGE`).
    pub language: String,
    /// A password every client must send with PASS; none when empty.
    pub password: String,
    /// ADMIN reply lines.
    pub admin_location: String,
    pub admin_email: String,
    /// How `hichat serve` writes its log (`--log-format` overrides it;
    /// read at start-up only).
    pub log_format: LogFormat,
}

/// The log's format: text for people, JSON lines for log collectors.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum LogFormat {
    #[default]
    Text,
    /// One JSON object a line, with `timestamp`, `level`, `message`,
    /// `target` and the event's fields.
    Json,
}

/// Limits on what one client may do or hold.
#[derive(Debug, Clone, PartialEq, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct Limits {
    /// Bytes queued for a client that is not reading before it is
    /// disconnected with "SendQ exceeded".
    pub sendq_bytes: usize,
    /// Unprocessed input bytes a client may have before "Excess Flood".
    pub recvq_bytes: usize,
    /// Connections at once from one IP address.
    pub connections_per_ip: usize,
    /// Addresses or networks exempt from `connections_per_ip`.
    pub connections_exempt: Vec<IpNet>,
    /// IPv6 addresses count against `connections_per_ip` (and the web
    /// listener's limit) by their network of this many bits; 128 counts
    /// each address singly.
    pub ipv6_prefix: u8,
    /// Channels one user may be in (CHANLIMIT).
    pub channels_per_user: usize,
    /// Targets in one PRIVMSG/NOTICE/JOIN/... (MAXTARGETS / TARGMAX).
    pub targets_per_message: usize,
    /// Entries in each of a channel's b, e and I lists (MAXLIST).
    pub list_entries: usize,
    /// Pending channel invitations one user may hold; past it the oldest
    /// is forgotten.
    pub invites_per_user: usize,
    /// Longest mask a WHO search may use, in bytes (longer gets 416).
    pub who_mask_length: usize,
    pub nick_length: usize,
    pub channel_length: usize,
    pub topic_length: usize,
    pub kick_length: usize,
    pub away_length: usize,
    /// Seconds of silence before the server sends PING.
    pub ping_interval_secs: u64,
    /// Seconds to wait for any reply to that PING before disconnecting.
    pub ping_timeout_secs: u64,
    /// Seconds a connection may take to register.
    pub registration_timeout_secs: u64,
    /// WHOWAS entries kept.
    pub whowas_entries: usize,
    /// Read markers (draft/read-marker) kept per account, and per nick for
    /// users not logged in; the oldest goes to make room. At most
    /// [`crate::store::MAX_READ_MARKERS`].
    pub read_markers_per_user: usize,
    /// Nicks whose read markers are kept in memory at once (markers of
    /// users not logged in are dropped when the nick is released).
    pub read_marker_nicks: usize,
}

/// Input flood control: a token bucket per client. Each command costs one
/// token; when the bucket is empty the server stops reading from that
/// client until tokens come back, so a flooder slows only itself.
#[derive(Debug, Clone, PartialEq, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct Flood {
    pub enabled: bool,
    /// Commands a client may send at once after being quiet.
    pub burst: u32,
    /// Commands per second a client may keep up.
    pub lines_per_second: u32,
    /// Addresses or networks that flood control never applies to.
    pub exempt: Vec<IpNet>,
}

/// Accounts and NickServ.
#[derive(Debug, Clone, PartialEq, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct AccountsSection {
    /// Rename someone using a registered nick without logging in to it.
    pub enforce_nicks: bool,
    /// Seconds they have to identify before being renamed to `Guest-NNNN`.
    pub nick_grace_secs: u64,
    /// Whether new accounts may be registered at all (REGISTER and
    /// NickServ REGISTER).
    pub registration: bool,
    /// Whether REGISTER works before connection registration completes
    /// (the `before-connect` value of draft/account-registration).
    pub register_before_connect: bool,
    /// Whether REGISTER may name an account other than the current nick
    /// (the `custom-account-name` value).
    pub custom_account_name: bool,
    /// Shortest password accepted for a new account or a password change.
    pub min_password_length: usize,
    /// Password hashes and checks (argon2, PBKDF2) run at once; each argon2
    /// run holds about 19 MiB.
    pub hash_workers: usize,
    /// Hashes waiting for a worker; one more is refused as "try again later".
    pub hash_queue: usize,
    /// The window failed logins (SASL, IDENTIFY, OPER) are counted in.
    pub login_failure_window_secs: u64,
    /// Failed logins one connection may make in the window; later attempts
    /// on that connection are refused without a check.
    pub login_failures_per_connection: usize,
    /// Failed logins from one IPv4 address or IPv6 /64 in the window; later
    /// attempts from there are refused without a check. No account is ever
    /// locked: the right password from elsewhere always works.
    pub login_failures_per_source: usize,
    /// Milliseconds a failed login waits before its answer.
    pub login_failure_delay_ms: u64,
    /// Password changes one connection may make in the window.
    pub password_changes_per_connection: usize,
}

impl Default for AccountsSection {
    fn default() -> Self {
        Self {
            enforce_nicks: true,
            nick_grace_secs: 30,
            registration: true,
            register_before_connect: true,
            custom_account_name: true,
            min_password_length: 6,
            hash_workers: 2,
            hash_queue: 16,
            login_failure_window_secs: 60,
            login_failures_per_connection: 5,
            login_failures_per_source: 20,
            login_failure_delay_ms: 1000,
            password_changes_per_connection: 3,
        }
    }
}

/// Chat history (see docs/history.md).
#[derive(Debug, Clone, PartialEq, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct HistorySection {
    /// Store channel and private messages, and offer draft/chathistory.
    pub enabled: bool,
    /// Seconds a line is kept; 0 keeps lines forever.
    pub max_age_secs: u64,
    /// Lines kept per channel; 0 for no limit.
    pub max_messages: u64,
    /// Lines replayed on JOIN to clients without draft/chathistory.
    pub replay_lines: usize,
    /// Most lines one CHATHISTORY command returns (ISUPPORT CHATHISTORY).
    pub query_limit: usize,
    /// Seconds between retention passes.
    pub prune_interval_secs: u64,
    /// What a client with neither server-time nor batch gets replayed on
    /// JOIN, where a plain line would look live.
    pub replay_untagged: UntaggedReplay,
    /// Client-only tags stored with a line (others are relayed, not kept).
    pub stored_tags: Vec<String>,
    /// Most bytes of client-only tags stored with one line; tags past it
    /// are left out, and a TAGMSG left with none is not stored.
    pub max_stored_tag_bytes: usize,
    /// Bytes of history one user may have stored per minute (a burst of as
    /// much, then refilled evenly); past it their lines are relayed but not
    /// stored. 0 for no limit.
    pub user_bytes_per_minute: usize,
    /// Most channels one NICK or QUIT is stored in (the user's first
    /// joined); 0 stores them in none.
    pub max_event_channels: usize,
    /// Most full-text matches one SEARCH looks at (newest first) before
    /// keeping those the user may read: what a search may cost.
    pub search_scan_limit: usize,
}

/// Replay on JOIN for clients that could not tell it from live lines.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum UntaggedReplay {
    /// Nothing: only clients with server-time or batch get a replay.
    Skip,
    /// NOTICEs from the server, each with the original time and nick in
    /// its text.
    Notice,
}

impl Default for HistorySection {
    fn default() -> Self {
        Self {
            enabled: true,
            max_age_secs: 90 * 86_400,
            max_messages: 100_000,
            replay_lines: 20,
            query_limit: 100,
            prune_interval_secs: 60,
            replay_untagged: UntaggedReplay::Notice,
            stored_tags: ["+draft/reply", "+draft/react", "+draft/unreact", "+draft/channel-context"]
                .map(str::to_owned)
                .to_vec(),
            max_stored_tag_bytes: 512,
            user_bytes_per_minute: 65_536,
            max_event_channels: 20,
            search_scan_limit: 20_000,
        }
    }
}

/// One operator block: `OPER name password` grants operator status when the
/// password matches the argon2 hash.
#[derive(Clone, PartialEq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Operator {
    pub name: String,
    /// An argon2 PHC string (`$argon2id$...`), as `hichat config hash-password` prints.
    pub password_hash: String,
    /// `user@host` masks allowed to use this block; any when empty.
    #[serde(default)]
    pub hosts: Vec<String>,
}

impl std::fmt::Debug for Operator {
    // The hash stays out of logs and panics.
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Operator").field("name", &self.name).field("hosts", &self.hosts).finish_non_exhaustive()
    }
}

/// One `[[webirc]]` block: a web gateway that may tell the server its
/// users' real addresses with `WEBIRC` (see [`crate::webirc`]).
#[derive(Clone, PartialEq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct WebircGateway {
    /// For the log and operators.
    pub name: String,
    /// The gateway's password as an argon2 PHC string (`hichat config
    /// hash-password`).
    pub password_hash: String,
    /// Addresses or networks the gateway connects from; required.
    pub hosts: Vec<IpNet>,
}

impl std::fmt::Debug for WebircGateway {
    // The hash stays out of logs and panics.
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("WebircGateway").field("name", &self.name).field("hosts", &self.hosts).finish_non_exhaustive()
    }
}

/// The HTTP listener.
#[derive(Debug, Clone, PartialEq, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct Web {
    /// Where to serve HTTP; `None` means the default, 127.0.0.1:8080, which
    /// is skipped with a warning when taken. An empty string turns it off.
    pub listen: Option<String>,
    /// Origins (`https://chat.example.org`) allowed to open the WebSocket.
    /// Empty: only pages from the listener's own address (never judged by
    /// the `Host` header, which DNS rebinding controls).
    /// `"*"` allows any.
    pub allowed_origins: Vec<String>,
    /// Reverse proxies whose `proxy_header` is believed for the client's
    /// address.
    pub trusted_proxies: Vec<IpNet>,
    /// The header a trusted proxy puts the client's address in.
    pub proxy_header: String,
    /// Seconds a client has to send a request's whole header.
    pub header_read_timeout_secs: u64,
    /// Seconds a web connection may pass with no bytes either way before it
    /// is closed (not counting WebSockets, which IRC's PING keeps alive).
    pub idle_timeout_secs: u64,
    /// Web connections at once from one address (IPv6 by
    /// `limits.ipv6_prefix`); trusted proxies and `limits.connections_exempt`
    /// are exempt. WebSockets count here only until upgraded, then as IRC
    /// connections.
    pub connections_per_ip: usize,
    /// Web connections at once in all.
    pub max_connections: usize,
}

/// TLS: a certificate for IRC over TLS and HTTPS.
#[derive(Debug, Clone, PartialEq, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct Tls {
    /// PEM certificate chain; TLS is off while this is empty.
    pub cert: PathBuf,
    /// PEM private key.
    pub key: PathBuf,
    /// Where to listen for IRC over TLS when a certificate is set.
    pub listen: Vec<String>,
    /// Advertise the IRCv3 `sts` capability when listening with TLS.
    pub sts: bool,
    /// The STS policy's `duration`, in seconds (0: upgrade only, no
    /// lasting policy).
    pub sts_duration_secs: u64,
}

impl Default for Web {
    fn default() -> Self {
        Self {
            listen: None,
            allowed_origins: Vec::new(),
            trusted_proxies: Vec::new(),
            proxy_header: "X-Forwarded-For".into(),
            header_read_timeout_secs: 10,
            idle_timeout_secs: 60,
            connections_per_ip: 32,
            max_connections: 1024,
        }
    }
}

impl Default for Tls {
    fn default() -> Self {
        Self {
            cert: PathBuf::new(),
            key: PathBuf::new(),
            listen: vec!["127.0.0.1:6697".into()],
            sts: true,
            sts_duration_secs: 0,
        }
    }
}

impl Default for ServerSection {
    fn default() -> Self {
        Self {
            name: "hichat.local".into(),
            network: "hichat".into(),
            description: "hichat chat server".into(),
            listen: vec!["127.0.0.1:6666".into()],
            data_dir: PathBuf::from("./hichat-data"),
            default_channel: "#hello".into(),
            console_nick: "server".into(),
            motd: DEFAULT_MOTD.into(),
            language: "en".into(),
            password: String::new(),
            admin_location: "hichat server".into(),
            admin_email: "admin@localhost".into(),
            log_format: LogFormat::Text,
        }
    }
}

impl Default for Limits {
    fn default() -> Self {
        Self {
            sendq_bytes: 1 << 20,
            recvq_bytes: 16 << 10,
            connections_per_ip: 64,
            connections_exempt: Vec::new(),
            ipv6_prefix: 64,
            channels_per_user: 50,
            targets_per_message: 4,
            list_entries: 100,
            invites_per_user: 16,
            who_mask_length: 64,
            nick_length: 30,
            channel_length: 64,
            topic_length: 390,
            kick_length: 390,
            away_length: 390,
            ping_interval_secs: 120,
            ping_timeout_secs: 60,
            registration_timeout_secs: 60,
            whowas_entries: 1000,
            read_markers_per_user: 200,
            read_marker_nicks: 10_000,
        }
    }
}

impl Default for Flood {
    fn default() -> Self {
        Self { enabled: true, burst: 20, lines_per_second: 5, exempt: Vec::new() }
    }
}

/// A configuration file that could not be used.
#[derive(Debug, thiserror::Error)]
pub enum ConfigError {
    #[error("cannot read config file {path}: {source}")]
    Read { path: PathBuf, source: std::io::Error },
    #[error("bad config file {path}, line {line}: {message}")]
    Parse { path: PathBuf, line: usize, message: String },
    #[error("bad config file {path}: {message}")]
    Invalid { path: PathBuf, message: String },
}

impl Config {
    /// Reads and checks a TOML file.
    pub fn load(path: &Path) -> Result<Config, ConfigError> {
        let text =
            std::fs::read_to_string(path).map_err(|source| ConfigError::Read { path: path.to_owned(), source })?;
        Self::parse(&text).map_err(|(line, message)| match line {
            Some(line) => ConfigError::Parse { path: path.to_owned(), line, message },
            None => ConfigError::Invalid { path: path.to_owned(), message },
        })
    }

    /// Parses TOML text; on error gives the 1-based line (when known) and
    /// what is wrong.
    pub fn parse(text: &str) -> Result<Config, (Option<usize>, String)> {
        let config: Config = toml::from_str(text).map_err(|e| {
            let line = e.span().map(|s| text[..s.start.min(text.len())].matches('\n').count() + 1);
            (line, e.message().to_owned())
        })?;
        config.check().map_err(|m| (None, m))?;
        Ok(config)
    }

    /// Checks what serde cannot: values that parse but make no sense.
    pub(crate) fn check(&self) -> Result<(), String> {
        if self.server.name.is_empty() || self.server.name.contains(' ') {
            return Err("server.name must be a single word".into());
        }
        if self.server.network.is_empty() || self.server.network.contains(' ') {
            return Err("server.network must be a single word".into());
        }
        if !self.server.default_channel.starts_with('#') || self.server.default_channel.contains([' ', ',']) {
            return Err("server.default_channel must be a channel name like \"#hello\"".into());
        }
        if self.server.console_nick.is_empty() || self.server.console_nick.contains(' ') {
            return Err("server.console_nick must be a single word".into());
        }
        if crate::i18n::find(&self.server.language).is_none() {
            let known: Vec<&str> = crate::i18n::languages().map(|l| l.code()).collect();
            return Err(format!("server.language must be one of {}", known.join(", ")));
        }
        if self.limits.sendq_bytes < 4096 {
            return Err("limits.sendq_bytes must be at least 4096".into());
        }
        if self.limits.recvq_bytes < 1024 {
            return Err("limits.recvq_bytes must be at least 1024".into());
        }
        if self.limits.nick_length == 0 || self.limits.nick_length > 200 {
            return Err("limits.nick_length must be between 1 and 200".into());
        }
        if self.limits.channel_length < 2 || self.limits.channel_length > 200 {
            return Err("limits.channel_length must be between 2 and 200".into());
        }
        if self.limits.ipv6_prefix > 128 {
            return Err("limits.ipv6_prefix must be at most 128".into());
        }
        if self.web.header_read_timeout_secs == 0 || self.web.idle_timeout_secs == 0 {
            return Err("web.header_read_timeout_secs and web.idle_timeout_secs must be at least 1".into());
        }
        if self.web.connections_per_ip == 0 || self.web.max_connections == 0 {
            return Err("web.connections_per_ip and web.max_connections must be at least 1".into());
        }
        if self.limits.targets_per_message == 0 {
            return Err("limits.targets_per_message must be at least 1".into());
        }
        if self.flood.enabled && (self.flood.burst == 0 || self.flood.lines_per_second == 0) {
            return Err("flood.burst and flood.lines_per_second must be at least 1".into());
        }
        if self.limits.read_markers_per_user > crate::store::MAX_READ_MARKERS {
            return Err(format!("limits.read_markers_per_user is at most {}", crate::store::MAX_READ_MARKERS));
        }
        if self.history.query_limit == 0 || self.history.prune_interval_secs == 0 {
            return Err("history.query_limit and history.prune_interval_secs must be at least 1".into());
        }
        let a = &self.accounts;
        if a.hash_workers == 0 || a.hash_workers > 64 || a.hash_queue > 10_000 {
            return Err("accounts.hash_workers must be between 1 and 64, accounts.hash_queue at most 10000".into());
        }
        if a.min_password_length == 0 || a.min_password_length > 256 {
            return Err("accounts.min_password_length must be between 1 and 256".into());
        }
        if a.login_failure_window_secs == 0 || a.login_failure_delay_ms > 60_000 {
            return Err(
                "accounts.login_failure_window_secs must be at least 1, login_failure_delay_ms at most 60000".into()
            );
        }
        if a.login_failures_per_connection == 0
            || a.login_failures_per_source == 0
            || a.password_changes_per_connection == 0
        {
            return Err("accounts.login_failures_per_connection, login_failures_per_source and \
                        password_changes_per_connection must be at least 1"
                .into());
        }
        self.admin.check()?;
        for op in &self.operators {
            if argon2::PasswordHash::new(&op.password_hash).is_err() {
                return Err(format!("operator {:?}: password_hash is not an argon2 hash", op.name));
            }
        }
        for gw in &self.webirc {
            if gw.name.is_empty() || gw.name.contains(char::is_whitespace) {
                return Err(format!("webirc {:?}: name must be a single word", gw.name));
            }
            if argon2::PasswordHash::new(&gw.password_hash).is_err() {
                return Err(format!("webirc {:?}: password_hash is not an argon2 hash", gw.name));
            }
            if gw.hosts.is_empty() {
                return Err(format!("webirc {:?}: hosts must list the gateway's addresses", gw.name));
            }
        }
        Ok(())
    }

    /// Whether `ip` is in one of `nets`.
    pub fn ip_in(nets: &[IpNet], ip: IpAddr) -> bool {
        nets.iter().any(|n| n.contains(&ip))
    }
}

/// The built-in message of the day; while it is in use, clients read it in
/// their own language (`motd-default` in the catalogues).
pub const DEFAULT_MOTD: &str = "Welcome to hichat. Type /join #hello to say hi.";

/// The commented default configuration printed by `hichat config default`.
pub const DEFAULT_TOML: &str = include_str!("default_config.toml");

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn operator_hashes_are_not_in_debug_output() {
        let op = Operator { name: "root".into(), password_hash: "$argon2id$v=19$x".into(), hosts: vec![] };
        let stored =
            crate::store::OperatorRecord { name: "op".into(), password_hash: "$argon2id$v=19$y".into(), hosts: vec![] };
        assert_eq!(format!("{op:?}"), r#"Operator { name: "root", hosts: [], .. }"#);
        assert!(!format!("{stored:?}").contains("argon2"));
    }

    #[test]
    fn default_file_is_the_default_config() {
        assert_eq!(Config::parse(DEFAULT_TOML).unwrap(), Config::default());
    }

    #[test]
    fn empty_file_is_default() {
        assert_eq!(Config::parse("").unwrap(), Config::default());
    }

    #[test]
    fn errors_name_the_line() {
        let (line, msg) = Config::parse("[server]\nname = \"x\"\nnope = 1\n").unwrap_err();
        assert_eq!(line, Some(3));
        assert!(msg.contains("unknown field"), "{msg}");
        let (line, msg) = Config::parse("[limits]\nsendq_bytes = 10\n").unwrap_err();
        assert_eq!(line, None);
        assert!(msg.contains("sendq_bytes"), "{msg}");
    }

    #[test]
    fn webirc_blocks_are_checked() {
        let block = |extra: &str| format!("[[webirc]]\nname = \"kiwi\"\n{extra}\n");
        let hash = "password_hash = \"$argon2id$v=19$m=1024,t=1,p=1$c2FsdHNhbHQ$YWJjZGVmZ2hpamtsbW5vcA\"";
        let ok = Config::parse(&block(&format!("{hash}\nhosts = [\"192.0.2.10/32\"]"))).unwrap();
        assert_eq!(ok.webirc[0].hosts.len(), 1);
        assert!(!format!("{:?}", ok.webirc[0]).contains("argon2"), "the hash stays out of Debug");
        let (_, e) = Config::parse(&block(&format!("{hash}\nhosts = []"))).unwrap_err();
        assert!(e.contains("hosts"), "{e}");
        let (_, e) = Config::parse(&block("password_hash = \"hunter2\"\nhosts = [\"192.0.2.10/32\"]")).unwrap_err();
        assert!(e.contains("argon2"), "{e}");
        let (line, _) = Config::parse(&block(&format!("{hash}\nhosts = [\"not a net\"]"))).unwrap_err();
        assert_eq!(line, Some(4));
    }

    #[test]
    fn exempt_networks() {
        let c = Config::parse("[flood]\nexempt = [\"127.0.0.0/8\", \"::1/128\"]\n").unwrap();
        assert!(Config::ip_in(&c.flood.exempt, "127.3.4.5".parse().unwrap()));
        assert!(!Config::ip_in(&c.flood.exempt, "10.0.0.1".parse().unwrap()));
    }
}
