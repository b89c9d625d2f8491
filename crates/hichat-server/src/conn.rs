//! One task per connection: reading and handling lines, writing the send
//! queue, timeouts and flood control.
//!
//! The task waits on whichever comes first: bytes to read, room to write,
//! lines pushed to its [`Outbox`], a timer, or server shutdown. Lines are
//! handled in batches under one lock of the state. Writes are coalesced: all
//! that is queued is drained into one buffer and written with as few system
//! calls as the socket allows. Nothing is buffered for an idle client.

use crate::config::Config;
use crate::flood::TokenBucket;
use crate::handlers::{self, Ctx};
use crate::outbox::Outbox;
use crate::plain::{self, Action, PlainSession, Stage};
use crate::server::Server;
use crate::state::client::{Client, ClientId, Traffic};
use crate::state::State;
use crate::transport::Transport;
use crate::{accounts, clock, reply};
use bytes::{Buf, Bytes, BytesMut};
use hichat_proto::{LineDecoder, Message, Numeric, ParseError};
use std::collections::VecDeque;
use std::io;
use std::net::{IpAddr, SocketAddr};
use std::sync::Arc;
use std::time::{Duration, Instant};

/// Where a connection comes from.
#[derive(Debug, Clone, Copy)]
pub enum Peer {
    Ip(SocketAddr),
    /// A Unix socket on this machine.
    Local,
}

impl Peer {
    fn ip(self) -> Option<IpAddr> {
        match self {
            Peer::Ip(a) => Some(a.ip()),
            Peer::Local => None,
        }
    }

    fn host(self) -> String {
        match self {
            Peer::Ip(a) => a.ip().to_string(),
            Peer::Local => "localhost".into(),
        }
    }
}

/// What the transport knows about a connection's security.
#[derive(Debug, Clone, Default)]
pub struct Security {
    /// The connection is encrypted (IRC over TLS).
    pub tls: bool,
    /// The SHA-256 fingerprint of the client's TLS certificate, if it sent
    /// one (see [`crate::transport::client_cert`]).
    pub certfp: Option<String>,
}

/// How much to read at once.
const READ_CHUNK: usize = 8 * 1024;
/// How long a closing connection may take to flush before it is dropped.
const CLOSE_GRACE: Duration = Duration::from_secs(1);

/// Runs a plain-text connection to its end.
pub async fn run<T: Transport>(server: Arc<Server>, io: T, peer: Peer) {
    run_with(server, io, peer, Security::default()).await
}

/// Runs a connection to its end.
pub async fn run_with<T: Transport>(server: Arc<Server>, io: T, peer: Peer, security: Security) {
    let config = &server.info.config;
    let outbox = Arc::new(Outbox::new(config.limits.sendq_bytes));
    let traffic = Arc::new(Traffic::default());
    let dline = peer.ip().and_then(|ip| crate::bans::dline_on(&server.state(), ip));
    if let Some(ban) = dline {
        refuse(&io, format!("Closing Link: {} (D-lined: {})", peer.host(), ban.reason)).await;
        tracing::info!(addr = %peer.host(), mask = %ban.mask, "connection refused: D-lined");
        return;
    }
    let security_tls = security.tls;
    let Some((id, ip_key)) = admit(&server, peer, &outbox, &traffic, security) else {
        let msg = Message::new("ERROR", ["Closing Link: too many connections from your address"]);
        let _ = io.try_write(&msg.to_bytes());
        tracing::info!(addr = %peer.host(), "connection refused: too many from this address");
        return;
    };
    tracing::info!(id, addr = %peer.host(), "connection opened");
    let now = Instant::now();
    let exempt = |nets| peer.ip().is_some_and(|ip| Config::ip_in(nets, ip));
    let flood_on = config.flood.enabled && !exempt(&config.flood.exempt);
    let origin = crate::webirc::Origin { socket_ip: peer.ip(), tls: security_tls, ip_key, tried: false };
    let mut conn = Conn {
        server: server.clone(),
        id,
        outbox,
        decoder: LineDecoder::for_client_input(),
        rbuf: BytesMut::new(),
        wbuf: BytesMut::new(),
        pending: VecDeque::new(),
        bucket: TokenBucket::new(flood_on, config.flood.burst, config.flood.lines_per_second, now),
        connected: now,
        last_input: now,
        ping_sent: None,
        registered: false,
        nick: "*".into(),
        first_line_seen: false,
        plain: None,
        closing: None,
        close_deadline: None,
        traffic,
        account: accounts::Session::default(),
        nick_to_check: false,
        origin,
    };
    let reason = conn.run(&io).await;
    if reason == "SendQ exceeded" {
        server.metrics.sendq_drops.inc();
    }
    {
        let mut state = server.state();
        state.remove_client(id, &reason, &server.info.name);
        state.reap(&server.info.name);
        // The key may have moved with WEBIRC.
        if let Some(key) = conn.origin.ip_key {
            release_ip(&mut state, key);
        }
    }
    let (bytes_in, bytes_out) = conn.traffic.totals();
    tracing::info!(id, addr = %peer.host(), nick = %conn.nick, reason = %reason, bytes_in, bytes_out, "connection closed");
}

/// Sends `ERROR` to a connection refused before it became a client.
async fn refuse<T: Transport>(io: &T, text: String) {
    // A socket just accepted may not be known writable yet.
    let _ = tokio::time::timeout(Duration::from_secs(1), io.writable()).await;
    let _ = io.try_write(&Message::new("ERROR", [text]).to_bytes());
}

/// Adds the client to the state unless its address has too many connections.
/// Returns its id and the address key it counts against (kept, so that a
/// REHASH changing `ipv6_prefix` cannot make it give back another's slot).
fn admit(
    server: &Server,
    peer: Peer,
    outbox: &Arc<Outbox>,
    traffic: &Arc<Traffic>,
    security: Security,
) -> Option<(ClientId, Option<IpAddr>)> {
    let limits = &server.info.config.limits;
    let mut state = server.state();
    let ip_key = peer.ip().map(|ip| crate::ip_key::ip_key(ip, limits.ipv6_prefix));
    if let (Some(ip), Some(key)) = (peer.ip(), ip_key) {
        let count = state.per_ip.entry(key).or_insert(0);
        if *count >= limits.connections_per_ip && !Config::ip_in(&limits.connections_exempt, ip) {
            if *count == 0 {
                state.per_ip.remove(&key);
            }
            return None;
        }
        *count += 1;
    }
    let id = state.next_id();
    let mut client = Client::new(id, peer.host(), peer.ip(), outbox.clone(), clock::unix_now());
    client.traffic = traffic.clone();
    client.tls = security.tls;
    client.certfp = security.certfp;
    client.lang = crate::i18n::find(&server.info.config.server.language).unwrap_or_default();
    state.clients.insert(id, client);
    Some((id, ip_key))
}

/// Gives back a connection slot of the address key `ip`.
pub(crate) fn release_ip(state: &mut State, ip: IpAddr) {
    if let Some(count) = state.per_ip.get_mut(&ip) {
        *count -= 1;
        if *count == 0 {
            state.per_ip.remove(&ip);
        }
    }
}

struct Conn {
    server: Arc<Server>,
    id: ClientId,
    outbox: Arc<Outbox>,
    decoder: LineDecoder,
    /// Bytes read but not yet a whole line.
    rbuf: BytesMut,
    /// Bytes drained from the outbox, not yet written.
    wbuf: BytesMut,
    /// Whole lines waiting for flood-control tokens.
    pending: VecDeque<Bytes>,
    bucket: TokenBucket,
    connected: Instant,
    last_input: Instant,
    /// When the server's keep-alive PING went out, if it is unanswered.
    ping_sent: Option<Instant>,
    registered: bool,
    /// The nick as of the last command, for the log.
    nick: String,
    /// Whether a non-empty line has arrived (the first decides plain mode).
    first_line_seen: bool,
    /// Set when this is a plain-text (netcat) user.
    plain: Option<PlainSession>,
    /// Set once the outbox is closed: the reason the connection ends.
    closing: Option<String>,
    close_deadline: Option<Instant>,
    traffic: Arc<Traffic>,
    /// SASL progress and failed logins (see [`accounts`]).
    account: accounts::Session,
    /// Set when the nick changed or registration completed, so ownership
    /// of the new nick is checked once the lock is released.
    nick_to_check: bool,
    /// The socket's address and the address key counted (see WEBIRC).
    origin: crate::webirc::Origin,
}

impl Conn {
    /// The main loop; returns why the connection ended.
    async fn run<T: Transport>(&mut self, io: &T) -> String {
        let mut shutdown = self.server.shutdown_signal();
        let mut shutting_down = false;
        loop {
            let now = Instant::now();
            if let Some(reason) = &self.closing {
                if self.wbuf.is_empty() {
                    return reason.clone();
                }
            }
            if self.close_deadline.is_some_and(|d| now >= d) {
                // A client that does not take what is left is dropped.
                return self.closing.clone().or_else(|| self.outbox.closed_reason()).unwrap_or_else(|| "Closed".into());
            }
            let throttle = if self.pending.is_empty() { None } else { Some(self.bucket.wait(now)) };
            let can_read = self.closing.is_none() && self.pending.is_empty();
            // One timer serves both flood control and timeouts: a task's
            // memory counts for every idle client.
            let throttle_at = throttle.map(|d| now + d);
            let wake = throttle_at.map_or(self.next_timer(), |t| t.min(self.next_timer()));
            tokio::select! {
                biased;
                _ = shutdown.changed(), if !shutting_down => {
                    shutting_down = true;
                    let error = Message::new("ERROR", ["Server shutting down"]);
                    self.outbox.close("Server shutting down", Some(error.to_bytes()));
                }
                ready = io.writable(), if !self.wbuf.is_empty() => {
                    if let Err(e) = ready.and_then(|_| self.write_some(io)) {
                        return format!("Write error: {e}");
                    }
                    // Lines queued while the buffer was being written wait
                    // for no further wake-up: take them now.
                    if self.wbuf.is_empty() && self.closing.is_none() {
                        self.drain_outbox();
                        if let Err(e) = self.write_some(io) {
                            return format!("Write error: {e}");
                        }
                    }
                }
                _ = self.outbox.notified(), if self.closing.is_none() => {
                    if self.wbuf.is_empty() {
                        self.drain_outbox();
                        // Most of the time the socket has room: write at once.
                        if let Err(e) = self.write_some(io) {
                            return format!("Write error: {e}");
                        }
                    } else if self.outbox.closed_reason().is_some() {
                        // Closed while the socket is full (SendQ exceeded,
                        // KILL): what is buffered gets a short grace.
                        self.close_deadline.get_or_insert(Instant::now() + CLOSE_GRACE);
                    }
                }
                // handle_input is boxed (one allocation a read): inline, its
                // state would be part of every idle connection's task.
                ready = io.readable(), if can_read => {
                    match ready.and_then(|_| self.read_some(io)) {
                        Ok(true) => Box::pin(self.handle_input()).await,
                        Ok(false) => {}
                        Err(e) if e.kind() == io::ErrorKind::UnexpectedEof => {
                            self.end("Connection closed");
                        }
                        Err(e) => self.end(&format!("Read error: {e}")),
                    }
                }
                _ = tokio::time::sleep_until(wake.into()) => {
                    if throttle_at.is_some_and(|t| Instant::now() >= t) {
                        Box::pin(self.handle_input()).await;
                    }
                    self.on_timer();
                }
            }
        }
    }

    /// Moves what the outbox holds into the write buffer (rendered as text
    /// for a plain-text user) and notes when the outbox has closed.
    fn drain_outbox(&mut self) {
        self.closing = self.outbox.drain_into(&mut self.wbuf);
        if let Some(session) = &self.plain {
            render_plain(session, &self.nick, &mut self.wbuf);
        }
        // The buffer was empty: all of it is new lines.
        let lines = self.wbuf.iter().filter(|b| **b == b'\n').count();
        self.server.metrics.lines_out.inc_by(lines as u64);
        if self.closing.is_some() {
            self.close_deadline.get_or_insert(Instant::now() + CLOSE_GRACE);
        }
    }

    /// Reads what is there. Returns whether new bytes arrived; an end of
    /// stream is `UnexpectedEof`.
    fn read_some<T: Transport>(&mut self, io: &T) -> io::Result<bool> {
        // Read into the stack, and keep on the heap only what arrived: no
        // buffer is held between reads, and small reads stay small.
        let mut chunk = [0u8; READ_CHUNK];
        match io.try_read(&mut chunk) {
            Ok(0) => Err(io::ErrorKind::UnexpectedEof.into()),
            Ok(n) => {
                self.rbuf.extend_from_slice(&chunk[..n]);
                self.traffic.add_in(n as u64);
                self.server.metrics.bytes_in.inc_by(n as u64);
                self.last_input = Instant::now();
                self.ping_sent = None;
                Ok(true)
            }
            Err(e) if e.kind() == io::ErrorKind::WouldBlock => Ok(false),
            Err(e) => Err(e),
        }
    }

    fn write_some<T: Transport>(&mut self, io: &T) -> io::Result<()> {
        while !self.wbuf.is_empty() {
            match io.try_write(&self.wbuf) {
                Ok(0) => return Err(io::ErrorKind::WriteZero.into()),
                Ok(n) => {
                    self.traffic.add_out(n as u64);
                    self.server.metrics.bytes_out.inc_by(n as u64);
                    self.wbuf.advance(n);
                }
                Err(e) if e.kind() == io::ErrorKind::WouldBlock => break,
                Err(e) => return Err(e),
            }
        }
        if self.wbuf.is_empty() && self.wbuf.capacity() > 0 {
            // Give the memory back while there is nothing to send.
            self.wbuf = BytesMut::new();
        }
        Ok(())
    }

    /// Cuts what was read into lines and handles as many as flood control
    /// allows, under one lock of the state.
    async fn handle_input(&mut self) {
        let recvq = self.server.info.config.limits.recvq_bytes;
        loop {
            match self.decoder.decode(&mut self.rbuf) {
                Ok(Some(line)) => self.pending.push_back(line),
                Ok(None) => break,
                Err(_) => self.pending.push_back(Bytes::from_static(TOO_LONG)),
            }
        }
        if self.rbuf.is_empty() {
            self.rbuf = BytesMut::new();
        } else if self.rbuf.len() > recvq {
            self.end("Excess Flood");
            return;
        }
        while let Some(oper) = self.handle_pending() {
            // Store changes queued by the commands so far go first.
            crate::services::chanserv::flush(&self.server);
            if crate::history::chathistory::is_history_command(&oper) {
                // History reads wait for the store without the lock.
                crate::history::chathistory::handle(&self.server, self.id, oper).await;
                continue;
            }
            if crate::webirc::is_webirc(&oper) {
                // The gateway's password check is slow: no lock.
                crate::webirc::handle(&self.server, self.id, &mut self.account, &mut self.origin, &oper).await;
                continue;
            }
            if oper.verb() != "OPER" {
                // Account and services commands do their slow parts (hashing,
                // store commits) without the lock.
                accounts::handle(&self.server, self.id, &mut self.account, oper).await;
                continue;
            }
            // OPER's password check is slow: do it without the lock.
            let verified = verify_oper(&self.server, self.id, &mut self.account, &oper).await;
            let mut state = self.server.state();
            let mut ctx = Ctx { info: &self.server.info, state: &mut state, id: self.id, oper_verified: verified };
            if ctx.state.clients.contains_key(&self.id) {
                handlers::dispatch(&mut ctx, &oper);
            }
            state.reap(&self.server.info.name);
        }
        if std::mem::take(&mut self.nick_to_check) {
            crate::services::nickserv::check_nick(&self.server, self.id);
        }
        crate::services::chanserv::flush(&self.server);
    }

    /// Handles pending lines until tokens run out or an OPER, account or
    /// services command needs slow work, which is returned.
    fn handle_pending(&mut self) -> Option<Message> {
        let now = Instant::now();
        let mut state = self.server.state();
        let mut oper = None;
        while !self.pending.is_empty() {
            if !self.bucket.take(now) {
                self.server.metrics.flood_throttled.inc();
                break;
            }
            let line = self.pending.pop_front().expect("not empty");
            self.server.metrics.lines_in.inc();
            if !state.clients.contains_key(&self.id) {
                self.pending.clear();
                break;
            }
            let mut ctx = Ctx { info: &self.server.info, state: &mut state, id: self.id, oper_verified: None };
            if !self.first_line_seen {
                if line.iter().all(u8::is_ascii_whitespace) {
                    continue;
                }
                self.first_line_seen = true;
                if line.as_ref() != TOO_LONG && !plain::looks_like_irc(&line) {
                    // Someone whose first words are Chinese is answered in Chinese.
                    let typed = String::from_utf8_lossy(&line);
                    if let Some(lang) = plain::guess_language(&typed) {
                        ctx.me_mut().lang = lang;
                    }
                    let session = PlainSession::new(&ctx.info.config.server.default_channel, ctx.lang());
                    let greeting = session.greeting(&ctx.info.name);
                    for text in greeting.lines() {
                        let notice = ctx.server_message("NOTICE", ["*", text]);
                        ctx.send(&notice);
                    }
                    self.plain = Some(session);
                    continue;
                }
            }
            if let Some(session) = &mut self.plain {
                plain_input(session, &mut ctx, &line);
                continue;
            }
            match parse_line(&line) {
                Ok(None) => {}
                Ok(Some(msg)) if msg.verb() == "OPER" && msg.params.len() >= 2 => {
                    oper = Some(msg);
                    break;
                }
                Ok(Some(msg))
                    if crate::webirc::is_webirc(&msg)
                        || accounts::is_async_command(&msg)
                        || crate::services::chanserv::needs_commit(ctx.state, &msg)
                        || crate::history::chathistory::is_history_command(&msg) =>
                {
                    oper = Some(msg);
                    break;
                }
                Ok(Some(msg)) => {
                    if msg.command.eq_ignore_ascii_case("PRIVMSG") || msg.command.eq_ignore_ascii_case("NOTICE") {
                        self.server.metrics.chat_messages.inc();
                    }
                    handlers::dispatch(&mut ctx, &msg)
                }
                Err(e) => e.send_to(&mut ctx),
            }
        }
        if let Some(c) = state.client(self.id) {
            if c.registered && (!self.registered || c.nick != self.nick) {
                self.nick_to_check = true;
            }
            self.registered = c.registered;
            if let Some(session) = &mut self.plain {
                session.lang = c.lang;
            }
            if c.nick != self.nick {
                self.nick.clone_from(&c.nick);
            }
        }
        state.reap(&self.server.info.name);
        oper
    }

    /// When the next timeout check is due.
    fn next_timer(&self) -> Instant {
        let limits = &self.server.info.config.limits;
        let far = Instant::now() + Duration::from_secs(3600);
        let mut next = far;
        if self.plain.is_some() && self.registered {
            // A person at a terminal does not answer PINGs; TCP tells when
            // they are gone.
            return self.close_deadline.unwrap_or(far);
        }
        if let Some(d) = self.close_deadline {
            next = next.min(d);
        }
        if !self.registered {
            next = next.min(self.connected + Duration::from_secs(limits.registration_timeout_secs));
        }
        next.min(match self.ping_sent {
            Some(sent) => sent + Duration::from_secs(limits.ping_timeout_secs),
            None => self.last_input + Duration::from_secs(limits.ping_interval_secs),
        })
    }

    fn on_timer(&mut self) {
        let limits = &self.server.info.config.limits;
        let now = Instant::now();
        if !self.registered && now >= self.connected + Duration::from_secs(limits.registration_timeout_secs) {
            self.end("Registration timed out");
            return;
        }
        match self.ping_sent {
            Some(sent) if now >= sent + Duration::from_secs(limits.ping_timeout_secs) => {
                let secs = now.duration_since(self.last_input).as_secs();
                self.end(&format!("Ping timeout: {secs} seconds"));
            }
            None if now >= self.last_input + Duration::from_secs(limits.ping_interval_secs) => {
                self.ping_sent = Some(now);
                let ping = Message::new("PING", [self.server.info.name.as_str()]);
                self.server.state().send(self.id, &ping);
            }
            _ => {}
        }
    }

    /// Ends the connection: removes the client (peers see QUIT) and closes
    /// the outbox, which the loop then flushes.
    fn end(&mut self, reason: &str) {
        let mut state = self.server.state();
        state.remove_client(self.id, reason, &self.server.info.name);
        state.reap(&self.server.info.name);
        drop(state);
        // If the client was already removed, make sure the loop still ends,
        // even if the socket never takes another byte.
        self.outbox.close(reason, None);
        self.close_deadline.get_or_insert(Instant::now() + CLOSE_GRACE);
    }
}

/// Handles one line typed by a plain-text user.
fn plain_input(session: &mut PlainSession, ctx: &mut Ctx<'_>, line: &[u8]) {
    if line == TOO_LONG {
        ctx.numeric(Numeric::ErrInputTooLong, &[]);
        return;
    }
    let Ok(text) = std::str::from_utf8(line) else {
        if let Err(e) = parse_line(line) {
            e.send_to(ctx);
        }
        return;
    };
    for action in session.input(text) {
        match action {
            Action::Send(msg) => handlers::dispatch(ctx, &msg),
            Action::Say(text) => {
                let nick = ctx.me().nick.clone();
                let notice = ctx.server_message("NOTICE", [nick, text]);
                ctx.send(&notice);
            }
        }
        if !ctx.state.clients.contains_key(&ctx.id) {
            return;
        }
    }
    if session.stage == Stage::AskNick && ctx.me().registered {
        session.stage = Stage::Chatting;
        let join = Message::new("JOIN", [session.channel.as_str()]);
        handlers::dispatch(ctx, &join);
    }
}

/// Rewrites the IRC lines in `buf` as the text a plain-text user reads.
fn render_plain(session: &PlainSession, me: &str, buf: &mut BytesMut) {
    let mut out = BytesMut::with_capacity(buf.len());
    for line in buf[..].split(|b| *b == b'\n').filter(|l| !l.is_empty()) {
        let Ok(msg) = Message::parse_bytes(line) else { continue };
        if let Some(text) = session.render(&msg, me) {
            out.extend_from_slice(plain::visible(&text).as_bytes());
            out.extend_from_slice(b"\r\n");
        }
    }
    *buf = out;
}

/// Stands in the pending queue for a line that was too long.
const TOO_LONG: &[u8] = b"\0too-long";

/// Parses one line; `Ok(None)` for a line to ignore, `Err` for a line to
/// refuse with a reply.
fn parse_line(line: &[u8]) -> Result<Option<Message>, reply::HandlerError> {
    if line == TOO_LONG {
        return Err(reply::HandlerError::numeric(Numeric::ErrInputTooLong, Vec::<String>::new()));
    }
    match Message::parse_bytes(line) {
        Ok(msg) => Ok(Some(msg)),
        Err(ParseError::Empty) => Ok(None),
        Err(ParseError::InvalidUtf8) => Err(reply::HandlerError::Fail {
            command: readable_verb(line).unwrap_or_else(|| "*".into()),
            code: "INVALID_UTF8",
            context: Vec::new(),
            text: "fail-invalid-utf8".into(),
        }),
        Err(e) => Err(reply::HandlerError::Fail {
            command: "*".into(),
            code: "INVALID_MESSAGE",
            context: Vec::new(),
            text: crate::i18n::Text::with("fail-invalid-message", [("error", e.to_string())]),
        }),
    }
}

/// The command of a line that is not valid UTF-8, when the command itself
/// can be read: UTF8ONLY answers `FAIL <command> INVALID_UTF8`, or `FAIL *`
/// when it cannot tell the command.
fn readable_verb(line: &[u8]) -> Option<String> {
    let mut words = line.split(|b| *b == b' ').filter(|w| !w.is_empty());
    let mut word = words.next()?;
    if word.starts_with(b"@") {
        word = words.next()?;
    }
    if word.starts_with(b":") {
        word = words.next()?;
    }
    let word = word.strip_suffix(b"\r\n").or_else(|| word.strip_suffix(b"\n")).unwrap_or(word);
    (!word.is_empty() && word.iter().all(u8::is_ascii_alphanumeric))
        .then(|| String::from_utf8_lossy(word).to_ascii_uppercase())
}

/// Checks an OPER attempt's password in the hashing pool, within the login
/// throttle: a name with no block is checked against a dummy hash, and a
/// failure is answered after the failure delay. A line without both
/// parameters is left to the handler (461).
async fn verify_oper(
    server: &Arc<Server>,
    id: ClientId,
    session: &mut accounts::Session,
    msg: &Message,
) -> Option<handlers::oper::OperCheck> {
    use handlers::oper::OperCheck;
    let registered = server.state().client(id).is_some_and(|c| c.registered);
    if msg.params.len() < 2 || !registered {
        return None;
    }
    if !accounts::throttle::allowed(server, id, session) {
        return Some(OperCheck::Throttled);
    }
    let name = msg.param(0).to_owned();
    let password = msg.param(1).to_owned();
    let op = crate::operators::block(&server.info.config.operators, &server.state().records.operators, &name);
    let checked = server
        .hashing
        .run(move || match op {
            Some(op) => handlers::verify_oper_password(&op, &password),
            None => {
                let _ = accounts::verify(accounts::dummy_credentials(), &password);
                false
            }
        })
        .await;
    match checked {
        Ok(true) => Some(OperCheck::Verified(name)),
        Ok(false) => {
            accounts::throttle::record_failure(server, id, session);
            accounts::throttle::failure_delay(server).await;
            Some(OperCheck::Wrong)
        }
        Err(_) => Some(OperCheck::Busy),
    }
}
