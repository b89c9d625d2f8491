//! One benchmark connection, and the plan shared by all of a run's clients.
//!
//! Setting clients up (connect, NICK/USER, wait for 001, JOIN, wait for the
//! end of NAMES) goes through [`BenchConn`], which parses every line with
//! `hichat-proto`. Measuring goes through [`Split`], whose receive loop only
//! looks for line endings and the first byte of each line: at millions of
//! lines per second, parsing each one would make the load generator the
//! bottleneck instead of the server.

use crate::args::Common;
use anyhow::{anyhow, bail, Context};
use bytes::{Buf, Bytes, BytesMut};
use hichat_proto::{LineDecoder, Message, Numeric};
use std::io;
use std::net::{IpAddr, Ipv4Addr, SocketAddr};
use std::sync::Arc;
use std::time::Duration;
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::tcp::{OwnedReadHalf, OwnedWriteHalf};
use tokio::net::{TcpSocket, TcpStream};
use tokio::sync::{Mutex, Semaphore};
use tokio::time::{timeout_at, Instant};

/// Free space kept in a receive buffer before each read in the hot loop.
const READ_CHUNK: usize = 64 * 1024;

/// What every client of one run shares: where to connect, how, and the
/// names that keep this run apart from earlier ones on the same server.
#[derive(Debug)]
pub struct Plan {
    pub addr: SocketAddr,
    /// The target is a line relay: no registration, lines carry a source.
    pub raw: bool,
    /// A short random word starting every nick and the channel name.
    pub tag: String,
    sources: Vec<IpAddr>,
    /// Limits registrations in progress during set-up (listen backlogs
    /// are small).
    connect_gate: Semaphore,
}

impl Plan {
    /// A plan from the global options; refuses non-loopback targets.
    pub fn new(common: &Common) -> anyhow::Result<Arc<Plan>> {
        let addr = crate::args::loopback_addr(&common.target)?;
        let sources = match addr.ip() {
            IpAddr::V4(_) if common.source_addrs > 1 => {
                (0..common.source_addrs).map(|k| IpAddr::V4(Ipv4Addr::new(127, 0, 0, 1 + k as u8))).collect()
            }
            _ => Vec::new(),
        };
        Ok(Arc::new(Plan {
            addr,
            raw: common.raw,
            tag: run_tag(),
            sources,
            connect_gate: Semaphore::new(common.connect_parallel as usize),
        }))
    }

    /// The channel every client of this run joins.
    pub fn channel(&self) -> String {
        format!("#{}", self.tag)
    }

    /// The nickname of client `i`.
    pub fn nick(&self, i: u64) -> String {
        format!("{}n{i}", self.tag)
    }

    /// The source address client `i` binds to, if spreading is on.
    pub fn source(&self, i: u64) -> Option<IpAddr> {
        (!self.sources.is_empty()).then(|| self.sources[i as usize % self.sources.len()])
    }

    /// Connects client `i` (respecting the connect gate) and, unless the
    /// target is a relay, registers it and optionally joins the channel.
    pub async fn open(&self, i: u64, join: bool) -> anyhow::Result<BenchConn> {
        // The gate is held until registration completes, so connections the
        // server has not yet accepted never exceed it.
        let permit = self.connect_gate.acquire().await?;
        let stream = connect(self.addr, self.source(i)).await.with_context(|| format!("connect to {}", self.addr))?;
        let mut conn = BenchConn::new(stream, self.nick(i));
        if !self.raw {
            conn.register().await?;
            drop(permit);
            if join {
                conn.join(&self.channel()).await?;
            }
        }
        Ok(conn)
    }

    /// The wire form of a channel message from `nick`: a plain PRIVMSG for
    /// a server, or the line as a server would relay it for a relay.
    pub fn privmsg(&self, nick: &str, text: &str) -> Bytes {
        let msg = Message::new("PRIVMSG", [self.channel(), text.to_owned()]);
        if self.raw {
            msg.with_source(format!("{nick}!bench@127.0.0.1")).to_bytes()
        } else {
            msg.to_bytes()
        }
    }
}

/// A word unlikely to repeat between runs: a letter and five base-36 digits.
fn run_tag() -> String {
    let nanos = std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).map_or(0, |d| d.subsec_nanos());
    let mut n = (nanos as u64) ^ ((std::process::id() as u64) << 17);
    let mut tag = String::from("b");
    for _ in 0..5 {
        tag.push(char::from_digit((n % 36) as u32, 36).unwrap_or('x'));
        n /= 36;
    }
    tag
}

/// Opens a TCP connection, bound to `source` first when given.
pub async fn connect(addr: SocketAddr, source: Option<IpAddr>) -> io::Result<TcpStream> {
    let socket = if addr.is_ipv4() { TcpSocket::new_v4()? } else { TcpSocket::new_v6()? };
    if let Some(ip) = source {
        // Reusing ports in TIME_WAIT keeps long connect runs from running
        // out of ports on one source address.
        socket.set_reuseaddr(true)?;
        socket.bind(SocketAddr::new(ip, 0))?;
    }
    let stream = socket.connect(addr).await?;
    stream.set_nodelay(true)?;
    Ok(stream)
}

/// A client connection during set-up: every line is parsed.
#[derive(Debug)]
pub struct BenchConn {
    stream: TcpStream,
    buf: BytesMut,
    decoder: LineDecoder,
    pub nick: String,
    /// Lines read so far.
    pub lines: u64,
}

impl BenchConn {
    pub fn new(stream: TcpStream, nick: String) -> Self {
        Self { stream, buf: BytesMut::with_capacity(4096), decoder: LineDecoder::new(), nick, lines: 0 }
    }

    /// Writes all of `data`.
    pub async fn send(&mut self, data: &[u8]) -> io::Result<()> {
        self.stream.write_all(data).await
    }

    /// The next line without its ending, or `None` at end of stream.
    /// Over-long lines are skipped.
    pub async fn read_line(&mut self) -> io::Result<Option<Bytes>> {
        loop {
            match self.decoder.decode(&mut self.buf) {
                Ok(Some(line)) => {
                    self.lines += 1;
                    return Ok(Some(line));
                }
                Ok(None) => {}
                Err(_) => continue,
            }
            self.buf.reserve(4096);
            if self.stream.read_buf(&mut self.buf).await? == 0 {
                return Ok(None);
            }
        }
    }

    /// The next line parsed, answering PING on the way; an error at end of
    /// stream or on an ERROR line.
    pub async fn next_message(&mut self) -> anyhow::Result<Message> {
        loop {
            let line = self.read_line().await?.ok_or_else(|| anyhow!("{}: connection closed", self.nick))?;
            let Ok(msg) = Message::parse_bytes(&line) else { continue };
            match msg.verb().as_str() {
                "PING" => self.send(&Message::new("PONG", msg.params.clone()).to_bytes()).await?,
                "ERROR" => bail!("{}: server said ERROR {}", self.nick, msg.param(0)),
                _ => return Ok(msg),
            }
        }
    }

    /// Sends NICK and USER and waits for the welcome (001).
    pub async fn register(&mut self) -> anyhow::Result<()> {
        let mut out = BytesMut::new();
        Message::new("NICK", [self.nick.as_str()]).write(&mut out);
        Message::new("USER", ["bench", "0", "*", "hichat-bench"]).write(&mut out);
        self.send(&out).await?;
        loop {
            let msg = self.next_message().await?;
            match numeric(&msg) {
                Some(Numeric::RplWelcome) => return Ok(()),
                Some(n) if (400..600).contains(&n.code()) => bail!("{}: registration refused: {msg}", self.nick),
                _ => {}
            }
        }
    }

    /// Registers after asking (CAP LS 302, CAP REQ) for those of `wanted`
    /// that the server offers; returns the capabilities it acknowledged.
    pub async fn register_with_caps(&mut self, wanted: &[&str]) -> anyhow::Result<Vec<String>> {
        self.send(b"CAP LS 302\r\n").await?;
        let mut offered = Vec::new();
        loop {
            let msg = self.next_message().await?;
            if msg.verb() != "CAP" || !msg.param(1).eq_ignore_ascii_case("LS") {
                continue;
            }
            // "CAP * LS * :caps" continues on the next line; the last has no "*".
            let more = msg.params.len() > 3 && msg.param(2) == "*";
            let list = msg.params.last().cloned().unwrap_or_default();
            offered.extend(list.split_whitespace().map(|c| c.split('=').next().unwrap_or(c).to_owned()));
            if !more {
                break;
            }
        }
        let asked: Vec<&str> = wanted.iter().copied().filter(|w| offered.iter().any(|o| o == w)).collect();
        let mut acked = Vec::new();
        if !asked.is_empty() {
            self.send(Message::new("CAP", ["REQ".to_owned(), asked.join(" ")]).to_bytes().as_ref()).await?;
            loop {
                let msg = self.next_message().await?;
                if msg.verb() != "CAP" {
                    continue;
                }
                match msg.param(1).to_ascii_uppercase().as_str() {
                    "ACK" => {
                        acked = msg.param(2).split_whitespace().map(str::to_owned).collect();
                        break;
                    }
                    "NAK" => break,
                    _ => {}
                }
            }
        }
        self.send(b"CAP END\r\n").await?;
        self.register().await?;
        Ok(acked)
    }

    /// Joins `channel` and waits for the end of its NAMES list.
    pub async fn join(&mut self, channel: &str) -> anyhow::Result<()> {
        self.send(&Message::new("JOIN", [channel]).to_bytes()).await?;
        loop {
            let msg = self.next_message().await?;
            match numeric(&msg) {
                Some(Numeric::RplEndOfNames) => return Ok(()),
                Some(n) if (400..600).contains(&n.code()) && msg.params.iter().any(|p| p == channel) => {
                    bail!("{}: JOIN refused: {msg}", self.nick)
                }
                _ => {}
            }
        }
    }

    /// Reads until a line containing `marker`, answering PINGs.
    pub async fn wait_for(&mut self, marker: &[u8]) -> anyhow::Result<()> {
        let finder = memchr::memmem::Finder::new(marker);
        loop {
            let line = self.read_line().await?.ok_or_else(|| anyhow!("{}: connection closed", self.nick))?;
            if finder.find(&line).is_some() {
                return Ok(());
            }
            if line.starts_with(b"PING") {
                if let Ok(msg) = Message::parse_bytes(&line) {
                    self.send(&Message::new("PONG", msg.params).to_bytes()).await?;
                }
            }
        }
    }

    /// Answers PINGs until `stop` resolves, then quits. An error if the
    /// server closes the connection first.
    pub async fn hold(mut self, stop: impl std::future::Future<Output = ()>) -> anyhow::Result<()> {
        tokio::pin!(stop);
        loop {
            tokio::select! {
                _ = &mut stop => break,
                msg = self.next_message() => { msg?; }
            }
        }
        self.quit(Duration::from_millis(0)).await;
        Ok(())
    }

    /// Sends QUIT, then reads until the server closes the connection or
    /// `linger` has passed. Returns the number of lines read meanwhile.
    pub async fn quit(mut self, linger: Duration) -> u64 {
        let before = self.lines;
        if self.send(b"QUIT :bench done\r\n").await.is_err() {
            return 0;
        }
        let deadline = Instant::now() + linger;
        while let Ok(Ok(Some(_))) = timeout_at(deadline, self.read_line()).await {}
        self.lines - before
    }

    /// Splits the connection for measuring, keeping what is buffered.
    pub fn split(self) -> Split {
        let (reader, writer) = self.stream.into_split();
        let mut buf = self.buf;
        buf.reserve(READ_CHUNK);
        Split { reader, writer: Arc::new(Mutex::new(writer)), buf }
    }
}

/// The numeric of a reply, if it is one.
fn numeric(msg: &Message) -> Option<Numeric> {
    if msg.command.len() != 3 {
        return None;
    }
    msg.command.parse::<u16>().ok().and_then(Numeric::from_code)
}

/// A connection during measurement: a reader counting lines cheaply and a
/// writer that senders and PONG replies share.
#[derive(Debug)]
pub struct Split {
    reader: OwnedReadHalf,
    pub writer: Arc<Mutex<OwnedWriteHalf>>,
    buf: BytesMut,
}

impl Split {
    /// Reads until `on_line` says it has seen enough (`Ok(true)`) or the
    /// deadline passes (`Ok(false)`). `on_line` gets each line that starts
    /// with a source (`:`), i.e. everything relayed from other clients,
    /// with the time its chunk was read; other lines (PING) are handled
    /// here.
    pub async fn receive(
        &mut self,
        deadline: Instant,
        mut on_line: impl FnMut(&[u8], Instant) -> bool,
    ) -> io::Result<bool> {
        let mut now = Instant::now();
        loop {
            let mut done = false;
            let mut control: Vec<Bytes> = Vec::new();
            let consumed = scan_lines(&self.buf, |line| {
                if line.first() == Some(&b':') {
                    done |= on_line(line, now);
                } else if line.starts_with(b"PING") {
                    control.push(Bytes::copy_from_slice(line));
                }
            });
            self.buf.advance(consumed);
            for line in control {
                if let Ok(msg) = Message::parse_bytes(&line) {
                    self.send(&Message::new("PONG", msg.params).to_bytes()).await?;
                }
            }
            if done {
                return Ok(true);
            }
            if self.buf.capacity() - self.buf.len() < READ_CHUNK / 4 {
                self.buf.reserve(READ_CHUNK);
            }
            match timeout_at(deadline, self.reader.read_buf(&mut self.buf)).await {
                Err(_) => return Ok(false),
                Ok(Ok(0)) => return Err(io::ErrorKind::UnexpectedEof.into()),
                Ok(Ok(_)) => now = Instant::now(),
                Ok(Err(e)) => return Err(e),
            }
        }
    }

    /// Writes all of `data` through the shared writer.
    pub async fn send(&self, data: &[u8]) -> io::Result<()> {
        self.writer.lock().await.write_all(data).await
    }

    /// Sends QUIT and closes the writing side.
    pub async fn quit(self) {
        let mut w = self.writer.lock().await;
        let _ = w.write_all(b"QUIT :bench done\r\n").await;
        let _ = w.shutdown().await;
    }
}

/// Calls `on_line` for each complete line in `buf` (without its CR LF) and
/// returns the number of bytes those lines take, so the caller can drop
/// them and keep the incomplete tail.
pub fn scan_lines(buf: &[u8], mut on_line: impl FnMut(&[u8])) -> usize {
    let mut start = 0;
    for end in memchr::memchr_iter(b'\n', buf) {
        let mut line = &buf[start..end];
        if let [rest @ .., b'\r'] = line {
            line = rest;
        }
        on_line(line);
        start = end + 1;
    }
    start
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn scan_lines_keeps_the_tail() {
        let mut seen = Vec::new();
        let used = scan_lines(b":a PRIVMSG #c :x\r\nPING :s\r\n:b PRIV", |l| seen.push(l.to_vec()));
        assert_eq!(used, 27);
        assert_eq!(seen, vec![b":a PRIVMSG #c :x".to_vec(), b"PING :s".to_vec()]);
        assert_eq!(scan_lines(b"no ending", |_| panic!("no line")), 0);
        assert_eq!(scan_lines(b"\n\n", |l| assert!(l.is_empty())), 2);
    }

    #[test]
    fn tags_are_nick_safe() {
        let tag = run_tag();
        assert_eq!(tag.len(), 6);
        assert!(tag.starts_with('b'));
        assert!(tag.chars().all(|c| c.is_ascii_alphanumeric()));
    }
}
