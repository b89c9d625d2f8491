//! One fuzz case: a fresh in-process server, client slots on in-memory
//! transports, and what the server has sent them, checked after each step.

use hichat_proto::{casemap, Message};
use hichat_server::conn::{self, Peer};
use hichat_server::transport::mem::{self, MemClient, Sink};
use hichat_server::transport::Kind;
use hichat_server::{Config, Server};
use std::collections::{HashMap, HashSet};
use std::net::{IpAddr, Ipv4Addr, SocketAddr};
use std::sync::{Arc, Mutex};
use std::time::Duration;
use tokio::sync::{oneshot, Notify};

/// The longest a step may take before it counts as a stall.
const STALL: Duration = Duration::from_secs(10);
/// The most bytes of a line after its tags, CR LF included (RFC 1459).
const MAX_LINE: usize = 512;
/// The most bytes of a line's tags, `@` and the space included (IRCv3).
const MAX_TAGS: usize = 8191;

/// Which invariants a run checks.
#[derive(Debug, Clone, Copy)]
pub struct Checks {
    /// The registry: nicks one-to-one, membership symmetric, counters.
    pub state: bool,
    /// Every line sent parses and stays within the length limits.
    pub lines: bool,
    /// No message reaches a client that could not have read it live.
    pub history: bool,
}

/// What the server has written to each connection, not yet read.
#[derive(Default)]
struct Inbox {
    bytes: Mutex<HashMap<u64, Vec<u8>>>,
    arrived: Notify,
}

impl Sink for Inbox {
    fn deliver(&self, conn: u64, bytes: &[u8]) {
        self.bytes.lock().unwrap().entry(conn).or_default().extend_from_slice(bytes);
        self.arrived.notify_waiters();
    }
}

/// Who may see a message, by connection number.
enum Readers {
    /// Its sender, and whoever is or was a member of the channel (folded
    /// name) in the life (incarnation) it was said in.
    Channel { sender: u64, key: String, life: u64 },
    /// Sender and recipient only.
    Private(HashSet<u64>),
}

/// A connected simulated client.
struct Slot {
    conn: u64,
    client: MemClient,
}

/// One case's server and clients, and what the checks remember.
pub struct World {
    server: Arc<Server>,
    stop: Option<oneshot::Sender<()>>,
    served: Option<tokio::task::JoinHandle<()>>,
    inbox: Arc<Inbox>,
    slots: Vec<Option<Slot>>,
    next_conn: u64,
    syncs: u64,
    checks: Checks,
    /// Print channel lives as they begin and end, and who reads tokens.
    pub verbose: bool,
    /// Per connection: a line not yet complete.
    partial: HashMap<u64, Vec<u8>>,
    /// Lines read and not yet checked, as sent (CR LF cut off).
    unchecked: Vec<(u64, Vec<u8>)>,
    /// Connections that have been sent `ERROR`.
    closed: HashSet<u64>,
    /// Per existing channel (folded): the number of its current life.
    lives: HashMap<String, u64>,
    next_life: u64,
    /// Per channel life: every connection that has been a member in it.
    members: HashMap<(String, u64), HashSet<u64>>,
    /// Messages sent this step: token, sender, target.
    sent: Vec<(u64, u64, String)>,
    readers: HashMap<u64, Readers>,
}

/// An argon2id hash of `password`, with cheap parameters (the server reads
/// them from the hash) so OPER stays quick.
fn hash(password: &str) -> String {
    use argon2::password_hash::{PasswordHasher, SaltString};
    use argon2::{Algorithm, Argon2, Params, Version};
    let argon = Argon2::new(Algorithm::Argon2id, Version::V0x13, Params::new(1024, 1, 1, None).expect("params"));
    let salt = SaltString::encode_b64(b"hichat-fuzz-salt").expect("salt");
    argon.hash_password(password.as_bytes(), &salt).expect("hash").to_string()
}

/// The server's configuration: no flood control, per-IP limit or
/// keep-alive, and one operator block (`OPER fz pw`).
fn config() -> Config {
    static OPER_HASH: std::sync::OnceLock<String> = std::sync::OnceLock::new();
    let mut config = Config::default();
    let password_hash = OPER_HASH.get_or_init(|| hash("pw")).clone();
    config.operators = vec![hichat_server::config::Operator { name: "fz".into(), password_hash, hosts: Vec::new() }];
    config.server.name = "fuzz.hichat.local".into();
    config.flood.enabled = false;
    config.limits.connections_per_ip = usize::MAX;
    config.limits.ping_interval_secs = 86_400;
    config.limits.registration_timeout_secs = 86_400;
    config
}

/// Connection `conn`'s address, 10.x.y.z, from which [`conn_of`] gets it back.
fn peer(conn: u64) -> Peer {
    let ip = Ipv4Addr::new(10, (conn >> 16) as u8, (conn >> 8) as u8, conn as u8);
    Peer::Ip(SocketAddr::new(IpAddr::V4(ip), 40_000))
}

fn conn_of(ip: Option<IpAddr>) -> Option<u64> {
    match ip? {
        IpAddr::V4(v4) => {
            let [_, a, b, c] = v4.octets();
            Some(u64::from(a) << 16 | u64::from(b) << 8 | u64::from(c))
        }
        IpAddr::V6(_) => None,
    }
}

impl World {
    /// A fresh server (serving no listeners, so history is on) with
    /// `slots` empty client slots.
    pub async fn new(slots: usize, checks: Checks) -> World {
        let server = Server::new(config());
        let (stop, stopped) = oneshot::channel::<()>();
        let served = tokio::spawn(server.clone().serve(Vec::new(), async move {
            let _ = stopped.await;
        }));
        while !server.state().history.enabled() {
            tokio::task::yield_now().await;
        }
        World {
            server,
            stop: Some(stop),
            served: Some(served),
            inbox: Arc::default(),
            slots: (0..slots).map(|_| None).collect(),
            next_conn: 1,
            syncs: 0,
            checks,
            verbose: false,
            partial: HashMap::new(),
            unchecked: Vec::new(),
            closed: HashSet::new(),
            lives: HashMap::new(),
            next_life: 0,
            members: HashMap::new(),
            sent: Vec::new(),
            readers: HashMap::new(),
        }
    }

    /// Shuts the server down.
    pub async fn finish(mut self) {
        if let Some(stop) = self.stop.take() {
            let _ = stop.send(());
        }
        if let Some(served) = self.served.take() {
            let _ = tokio::time::timeout(STALL, served).await;
        }
    }

    /// Opens a connection in slot `slot` (which must be empty); its number.
    pub fn connect(&mut self, slot: usize) -> u64 {
        let conn = self.next_conn;
        self.next_conn += 1;
        let (transport, client) = mem::pair(conn, self.inbox.clone());
        self.server.spawn_tracked(Kind::Memory, conn::run(self.server.clone(), transport, peer(conn)));
        self.slots[slot] = Some(Slot { conn, client });
        conn
    }

    /// Hangs up slot `slot` without a QUIT, and waits until the server has
    /// let the client go.
    pub async fn hang_up(&mut self, slot: usize) -> Result<(), String> {
        let Some(s) = self.slots[slot].take() else { return Ok(()) };
        drop(s.client);
        let deadline = tokio::time::Instant::now() + STALL;
        while self.server.state().clients.values().any(|c| conn_of(c.ip) == Some(s.conn)) {
            if tokio::time::Instant::now() > deadline {
                return Err(format!("connection {} still a client {STALL:?} after hanging up", s.conn));
            }
            tokio::time::sleep(Duration::from_millis(1)).await;
        }
        Ok(())
    }

    /// Sends each slot its lines at once, then a PING, and waits for every
    /// PONG (or the connection's end). Notes the tokens sent.
    pub async fn send(&mut self, lines: &[(usize, Vec<String>)], next_tokens: &[(u64, String)]) -> Result<(), String> {
        self.syncs += 1;
        let sync = format!("fzsync{}", self.syncs);
        let mut waiting = Vec::new();
        for (slot, text) in lines {
            let Some(s) = &self.slots[*slot] else { continue };
            let mut bytes = String::new();
            for line in text {
                bytes.push_str(line);
                bytes.push_str("\r\n");
            }
            bytes.push_str(&format!("PING :{sync}\r\n"));
            s.client.send(bytes.as_bytes());
            waiting.push(s.conn);
        }
        for (token, target) in next_tokens {
            if let Some(Some(s)) = lines.first().map(|(slot, _)| &self.slots[*slot]) {
                self.sent.push((*token, s.conn, target.clone()));
            }
        }
        let deadline = tokio::time::Instant::now() + STALL;
        let mut answered = HashSet::new();
        let inbox = self.inbox.clone();
        loop {
            let arrived = inbox.arrived.notified();
            tokio::pin!(arrived);
            arrived.as_mut().enable();
            for (conn, line) in self.read_lines() {
                if line.contains(" PONG ") && line.ends_with(&sync) {
                    answered.insert(conn);
                }
            }
            if waiting.iter().all(|c| answered.contains(c) || self.closed.contains(c)) {
                break;
            }
            if tokio::time::timeout_at(deadline, arrived).await.is_err() {
                let late: Vec<_> = waiting.iter().filter(|c| !answered.contains(c)).collect();
                return Err(format!("no PONG within {STALL:?} from connections {late:?}"));
            }
        }
        // A slot whose connection ended is free again.
        for slot in &mut self.slots {
            if slot.as_ref().is_some_and(|s| self.closed.contains(&s.conn)) {
                *slot = None;
            }
        }
        Ok(())
    }

    /// Takes the complete lines that have arrived, keeping a copy to check.
    fn read_lines(&mut self) -> Vec<(u64, String)> {
        let taken = std::mem::take(&mut *self.inbox.bytes.lock().unwrap());
        let mut lines = Vec::new();
        for (conn, bytes) in taken {
            let buf = self.partial.entry(conn).or_default();
            buf.extend_from_slice(&bytes);
            while let Some(end) = buf.windows(2).position(|w| w == b"\r\n") {
                let mut raw: Vec<u8> = buf.drain(..end + 2).collect();
                raw.truncate(end);
                let line = String::from_utf8_lossy(&raw).into_owned();
                if line.starts_with("ERROR ") {
                    self.closed.insert(conn);
                }
                self.unchecked.push((conn, raw));
                lines.push((conn, line));
            }
        }
        lines
    }

    /// Checks everything since the last check; the violations found.
    pub fn check(&mut self) -> Vec<String> {
        let mut bad = Vec::new();
        self.read_lines();
        {
            let state = self.server.state();
            if self.checks.state {
                bad.extend(hichat_server::invariants::check(&state));
            }
            let verbose = self.verbose;
            self.lives.retain(|key, life| {
                let alive = state.channels.contains_key(key);
                if !alive && verbose {
                    println!("   life {life} of {key} ends");
                }
                alive
            });
            for (key, chan) in &state.channels {
                let life = *self.lives.entry(key.clone()).or_insert_with(|| {
                    self.next_life += 1;
                    self.next_life
                });
                let members = self.members.entry((key.clone(), life)).or_default();
                let before = members.len();
                members.extend(chan.members.keys().filter_map(|id| conn_of(state.client(*id)?.ip)));
                if verbose && members.len() != before {
                    println!("   life {life} of {key}: connections {members:?} have been members");
                }
            }
            for (token, sender, target) in std::mem::take(&mut self.sent) {
                let name = target.trim_start_matches(['@', '+']);
                let readers = if name.starts_with(['#', '&']) {
                    let key = casemap::fold(name);
                    match self.lives.get(&key) {
                        Some(&life) => Readers::Channel { sender, key, life },
                        None => Readers::Private(HashSet::from([sender])),
                    }
                } else {
                    let to = state.find_nick(name).and_then(|c| conn_of(c.ip));
                    Readers::Private(HashSet::from_iter([Some(sender), to].into_iter().flatten()))
                };
                if verbose {
                    let who = match &readers {
                        Readers::Channel { sender, key, life } => format!("connection {sender}, life {life} of {key}"),
                        Readers::Private(who) => format!("connections {who:?}"),
                    };
                    println!("   ZQ{token}Q may be read by {who}");
                }
                self.readers.insert(token, readers);
            }
        }
        for (conn, raw) in std::mem::take(&mut self.unchecked) {
            let line = String::from_utf8_lossy(&raw);
            if self.checks.lines {
                bad.extend(line_problem(&raw).map(|p| format!("to connection {conn}: {p}: {line:?}")));
            }
            if self.checks.history {
                for token in crate::gen::tokens_in(&line) {
                    if !self.may_read(conn, token) {
                        bad.push(format!("connection {conn} got message ZQ{token}Q it could not read live: {line:?}"));
                    }
                }
            }
        }
        bad
    }

    fn may_read(&self, conn: u64, token: u64) -> bool {
        match self.readers.get(&token) {
            None => false,
            Some(Readers::Private(who)) => who.contains(&conn),
            Some(Readers::Channel { sender, key, life }) => {
                *sender == conn || self.members.get(&(key.clone(), *life)).is_some_and(|m| m.contains(&conn))
            }
        }
    }

    /// Whether the slot holds a connection.
    pub fn is_open(&self, slot: usize) -> bool {
        self.slots[slot].is_some()
    }
}

/// What is wrong with a line the server sent, if anything.
fn line_problem(line: &[u8]) -> Option<String> {
    let tags = match line.first() {
        Some(b'@') => match line.iter().position(|&b| b == b' ') {
            Some(space) => space + 1,
            None => return Some("tags without a message".into()),
        },
        _ => 0,
    };
    let rest = &line[tags..];
    if tags > MAX_TAGS {
        return Some(format!("{tags} bytes of tags"));
    }
    if rest.len() + 2 > MAX_LINE {
        return Some(format!("{} bytes after the tags", rest.len() + 2));
    }
    if line.iter().any(|&b| b == 0 || b == b'\r' || b == b'\n') {
        return Some("NUL, CR or LF inside".into());
    }
    Message::parse_bytes(line).err().map(|e| format!("does not parse ({e})"))
}
