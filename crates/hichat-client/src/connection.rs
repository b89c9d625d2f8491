//! The socket task: connecting (with backoff when asked), and reconnecting
//! after a lost connection until the user quits.
//!
//! The task talks to a front end through two channels: it reports
//! [`ConnEvent`]s and takes [`Outgoing`] requests. One connected session
//! (registration, PING/PONG, lag) lives in `session.rs`.

use crate::register::Sasl;
use crate::session::{self, End};
use hichat_proto::Message;
use std::fmt;
use std::io;
use std::time::Duration;
use tokio::net::TcpStream;
use tokio::sync::mpsc;

/// How long one connection attempt may take.
const CONNECT_TIMEOUT: Duration = Duration::from_secs(10);
/// Longest wait between two attempts.
const MAX_BACKOFF: Duration = Duration::from_secs(30);

/// What the connection reports.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ConnEvent {
    /// A socket is open and registration has started.
    Connected,
    /// The server welcomed us under `nick`, with these capabilities.
    Registered { nick: String, caps: Vec<String> },
    /// A message from the server.
    Message(Message),
    /// A note for the user from the connection itself.
    Notice(String),
    /// Round-trip time of the last PING.
    Lag(Duration),
    /// The connection was lost; the next attempt is in `retry_in`.
    Disconnected { reason: String, retry_in: Duration },
    /// Closed for good after a quit; nothing follows.
    Closed,
}

/// What a front end asks of the connection.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Outgoing {
    /// Send a message (held until registration completes, except NICK).
    Send(Message),
    /// Send QUIT, close the socket and stop.
    Quit(Option<String>),
}

/// What the connection needs to know.
#[derive(Debug, Clone)]
pub struct Config {
    /// `host:port`.
    pub addr: String,
    pub nick: String,
    /// Channels to join once registered.
    pub channels: Vec<String>,
    pub password: Option<String>,
    pub sasl: Option<Sasl>,
    /// How often to PING the server to measure lag and notice a dead link.
    pub ping_interval: Duration,
    /// First wait before reconnecting; it doubles up to 30 s.
    pub first_backoff: Duration,
}

/// A front end's side of a running connection.
pub struct Handle {
    pub events: mpsc::UnboundedReceiver<ConnEvent>,
    pub out: mpsc::UnboundedSender<Outgoing>,
}

impl Handle {
    /// Asks the connection to send `msg`.
    pub fn send(&self, msg: Message) {
        let _ = self.out.send(Outgoing::Send(msg));
    }

    /// Asks the connection to quit.
    pub fn quit(&self, reason: Option<String>) {
        let _ = self.out.send(Outgoing::Quit(reason));
    }
}

/// A failed connection attempt, worded for the user.
#[derive(Debug)]
pub struct ConnectError {
    pub addr: String,
    pub error: io::Error,
}

impl ConnectError {
    /// The reason alone, e.g. `connection refused (is 'hichat serve' running?)`.
    pub fn reason(&self) -> String {
        match self.error.kind() {
            io::ErrorKind::ConnectionRefused => crate::i18n::t("connect-refused"),
            io::ErrorKind::TimedOut => crate::i18n::t("connect-timed-out"),
            _ => self.error.to_string(),
        }
    }
}

impl fmt::Display for ConnectError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let reason = self.reason();
        write!(f, "{}", crate::i18n::tr("connect-failed", &[("addr", &self.addr), ("reason", &reason)]))
    }
}

impl std::error::Error for ConnectError {}

/// One connection attempt.
pub async fn connect(addr: &str) -> Result<TcpStream, ConnectError> {
    let err = |error| ConnectError { addr: addr.to_owned(), error };
    match tokio::time::timeout(CONNECT_TIMEOUT, TcpStream::connect(addr)).await {
        Ok(Ok(stream)) => {
            let _ = stream.set_nodelay(true);
            Ok(stream)
        }
        Ok(Err(e)) => Err(err(e)),
        Err(_) => Err(err(io::ErrorKind::TimedOut.into())),
    }
}

/// Connects, and with `retry` keeps trying with backoff, calling
/// `on_retry` before each wait.
pub async fn connect_first(
    addr: &str,
    retry: bool,
    first_backoff: Duration,
    mut on_retry: impl FnMut(&ConnectError, Duration),
) -> Result<TcpStream, ConnectError> {
    let mut backoff = Backoff::new(first_backoff);
    loop {
        match connect(addr).await {
            Ok(stream) => return Ok(stream),
            Err(e) if retry => {
                let wait = backoff.next_wait();
                on_retry(&e, wait);
                tokio::time::sleep(wait).await;
            }
            Err(e) => return Err(e),
        }
    }
}

/// Starts the connection task on an open socket.
pub fn spawn(stream: TcpStream, config: Config) -> Handle {
    let (event_tx, events) = mpsc::unbounded_channel();
    let (out, out_rx) = mpsc::unbounded_channel();
    tokio::spawn(run(stream, config, event_tx, out_rx));
    Handle { events, out }
}

/// Doubling waits between attempts, capped at [`MAX_BACKOFF`].
#[derive(Debug, Clone)]
pub struct Backoff {
    first: Duration,
    next: Duration,
}

impl Backoff {
    pub fn new(first: Duration) -> Self {
        Self { first, next: first }
    }

    pub fn next_wait(&mut self) -> Duration {
        let wait = self.next;
        self.next = (self.next * 2).min(MAX_BACKOFF.max(self.first));
        wait
    }

    pub fn reset(&mut self) {
        self.next = self.first;
    }
}

/// What outlives one session: the nick and channels to come back with.
pub(crate) struct Carry {
    pub config: Config,
    pub nick: String,
    pub channels: Vec<String>,
    /// Set once a session got registered, so the backoff starts over.
    pub registered: bool,
}

async fn run(
    stream: TcpStream,
    config: Config,
    events: mpsc::UnboundedSender<ConnEvent>,
    mut out: mpsc::UnboundedReceiver<Outgoing>,
) {
    let mut backoff = Backoff::new(config.first_backoff);
    let mut carry = Carry { nick: config.nick.clone(), channels: config.channels.clone(), config, registered: false };
    let mut stream = Some(stream);
    while let Some(s) = stream.take() {
        let _ = events.send(ConnEvent::Connected);
        carry.registered = false;
        let mut reason = match session::run(s, &mut carry, &events, &mut out).await {
            End::Quit => break,
            End::Lost(reason) => reason,
        };
        if carry.registered {
            backoff.reset();
        }
        let mut first = true;
        while stream.is_none() {
            let wait = backoff.next_wait();
            let event = if first {
                ConnEvent::Disconnected { reason: reason.clone(), retry_in: wait }
            } else {
                ConnEvent::Notice(format!("{reason}; retrying in {}s", wait.as_secs().max(1)))
            };
            first = false;
            let _ = events.send(event);
            if wait_or_quit(wait, &events, &mut out).await {
                let _ = events.send(ConnEvent::Closed);
                return;
            }
            match connect(&carry.config.addr).await {
                Ok(s) => stream = Some(s),
                Err(e) => reason = e.to_string(),
            }
        }
    }
    let _ = events.send(ConnEvent::Closed);
}

/// Sleeps for `wait` while disconnected; true if the user quit meanwhile.
async fn wait_or_quit(
    wait: Duration,
    events: &mpsc::UnboundedSender<ConnEvent>,
    out: &mut mpsc::UnboundedReceiver<Outgoing>,
) -> bool {
    let sleep = tokio::time::sleep(wait);
    tokio::pin!(sleep);
    loop {
        tokio::select! {
            _ = &mut sleep => return false,
            req = out.recv() => match req {
                None | Some(Outgoing::Quit(_)) => return true,
                Some(Outgoing::Send(_)) => {
                    let _ = events.send(ConnEvent::Notice(crate::i18n::t("not-connected")));
                }
            },
        }
    }
}

#[cfg(test)]
#[path = "connection_tests.rs"]
mod tests;
