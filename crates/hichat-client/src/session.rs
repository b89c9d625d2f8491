//! One connected session: registration, then reading lines, answering PING,
//! measuring lag, and following our own nick and channels so a reconnect
//! can come back to them.

use crate::connection::{Carry, ConnEvent, Outgoing};
use crate::register::{Registration, Step};
use bytes::BytesMut;
use hichat_proto::{casemap, LineDecoder, Message};
use std::time::{Duration, Instant};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::tcp::OwnedWriteHalf;
use tokio::net::TcpStream;
use tokio::sync::mpsc;

/// How long a quit waits for registration to finish (so queued lines go
/// out first) and then for the server to close the socket.
const QUIT_GRACE: Duration = Duration::from_secs(5);

/// How a session ended.
pub(crate) enum End {
    /// The user quit; the socket is closed.
    Quit,
    /// The connection was lost, for this reason.
    Lost(String),
}

/// Session-local state.
struct Session<'a> {
    wr: OwnedWriteHalf,
    carry: &'a mut Carry,
    events: &'a mpsc::UnboundedSender<ConnEvent>,
    reg: Option<Registration>,
    /// Lines the user sent before registration finished.
    queue: Vec<Message>,
    /// A quit asked for before registration finished.
    pending_quit: Option<Option<String>>,
    last_heard: Instant,
    /// The token and send time of the outstanding lag PING.
    lag_ping: Option<(String, Instant)>,
    pings: u64,
}

pub(crate) async fn run(
    stream: TcpStream,
    carry: &mut Carry,
    events: &mpsc::UnboundedSender<ConnEvent>,
    out: &mut mpsc::UnboundedReceiver<Outgoing>,
) -> End {
    let (mut rd, wr) = stream.into_split();
    let reg = Registration::new(&carry.nick, carry.config.password.clone(), carry.config.sasl.clone());
    let start = reg.start();
    let interval = carry.config.ping_interval;
    let mut s = Session {
        wr,
        carry,
        events,
        reg: Some(reg),
        queue: Vec::new(),
        pending_quit: None,
        last_heard: Instant::now(),
        lag_ping: None,
        pings: 0,
    };
    for m in &start {
        if let Err(e) = s.write(m).await {
            return End::Lost(e);
        }
    }
    let mut decoder = LineDecoder::new();
    let mut buf = BytesMut::with_capacity(16 * 1024);
    let mut ticker = tokio::time::interval_at(tokio::time::Instant::now() + interval, interval);
    let mut quit_deadline: Option<tokio::time::Instant> = None;
    let mut closing = false;
    loop {
        let deadline = quit_deadline.unwrap_or_else(|| tokio::time::Instant::now() + Duration::from_secs(86_400));
        tokio::select! {
            read = rd.read_buf(&mut buf) => {
                match read {
                    Ok(0) if closing => return End::Quit,
                    Ok(0) => return End::Lost(crate::i18n::t("lost-closed")),
                    Err(_) if closing => return End::Quit,
                    Err(e) => return End::Lost(e.to_string()),
                    Ok(_) => {}
                }
                s.last_heard = Instant::now();
                loop {
                    let line = match decoder.decode(&mut buf) {
                        Ok(Some(line)) => line,
                        Ok(None) => break,
                        Err(_) => continue,
                    };
                    // A server relaying bad UTF-8 still gets its line shown,
                    // with U+FFFD where the bytes were broken.
                    let parsed = Message::parse_bytes(&line)
                        .or_else(|_| Message::parse(&String::from_utf8_lossy(&line)));
                    let Ok(msg) = parsed else { continue };
                    if closing {
                        continue;
                    }
                    if let Err(e) = s.on_message(msg).await {
                        return End::Lost(e);
                    }
                    if s.reg.is_none() {
                        if let Some(reason) = s.pending_quit.take() {
                            s.send_quit(reason).await;
                            closing = true;
                            quit_deadline = Some(tokio::time::Instant::now() + QUIT_GRACE);
                        }
                    }
                }
            }
            req = out.recv(), if !closing && s.pending_quit.is_none() => {
                let req = req.unwrap_or(Outgoing::Quit(None));
                match req {
                    Outgoing::Send(m) => {
                        if let Err(e) = s.send_user(m).await {
                            return End::Lost(e);
                        }
                    }
                    Outgoing::Quit(reason) if s.reg.is_some() => {
                        s.pending_quit = Some(reason);
                        quit_deadline = Some(tokio::time::Instant::now() + QUIT_GRACE);
                    }
                    Outgoing::Quit(reason) => {
                        s.send_quit(reason).await;
                        closing = true;
                        quit_deadline = Some(tokio::time::Instant::now() + QUIT_GRACE);
                    }
                }
            }
            _ = ticker.tick(), if !closing => {
                if s.last_heard.elapsed() > interval * 3 {
                    return End::Lost(crate::i18n::t("lost-ping"));
                }
                // During registration the server may not answer PING yet;
                // its silence alone is the test then.
                if s.reg.is_none() {
                    if let Err(e) = s.lag_ping().await {
                        return End::Lost(e);
                    }
                }
            }
            _ = tokio::time::sleep_until(deadline), if quit_deadline.is_some() => {
                if !closing {
                    // Registration never finished: quit anyway.
                    let reason = s.pending_quit.take().flatten();
                    s.send_quit(reason).await;
                }
                return End::Quit;
            }
        }
    }
}

impl Session<'_> {
    async fn write(&mut self, m: &Message) -> Result<(), String> {
        self.wr.write_all(&m.to_bytes()).await.map_err(|e| e.to_string())
    }

    fn tell(&self, ev: ConnEvent) {
        let _ = self.events.send(ev);
    }

    /// A line from the user: held until registration is done, except NICK.
    async fn send_user(&mut self, m: Message) -> Result<(), String> {
        match &mut self.reg {
            Some(reg) if m.verb() == "NICK" => {
                reg.set_nick(m.param(0));
                self.write(&m).await
            }
            Some(_) => {
                self.queue.push(m);
                Ok(())
            }
            None => self.write(&m).await,
        }
    }

    async fn send_quit(&mut self, reason: Option<String>) {
        let quit = match reason {
            Some(r) => Message::new("QUIT", [r]),
            None => Message::new("QUIT", Vec::<String>::new()),
        };
        let _ = self.write(&quit).await;
        let _ = self.wr.shutdown().await;
    }

    async fn lag_ping(&mut self) -> Result<(), String> {
        self.pings += 1;
        let token = format!("hichat-lag-{}", self.pings);
        let ping = Message::new("PING", [token.as_str()]);
        self.lag_ping = Some((token, Instant::now()));
        self.write(&ping).await
    }

    async fn on_message(&mut self, msg: Message) -> Result<(), String> {
        match msg.verb().as_str() {
            "PING" => return self.write(&Message::new("PONG", msg.params.clone())).await,
            "PONG" => {
                let token = msg.params.last().map(String::as_str).unwrap_or("");
                if self.lag_ping.as_ref().is_some_and(|(t, _)| t == token) {
                    if let Some((_, sent)) = self.lag_ping.take() {
                        self.tell(ConnEvent::Lag(sent.elapsed()));
                    }
                }
                return Ok(());
            }
            // A server that speaks our language (ISUPPORT LANGUAGE=, as
            // hichat and Ergo have) is asked to: its services answer in it.
            "005" => {
                if let Some(code) = wanted_language(&msg) {
                    self.write(&Message::new("LANGUAGE", [code])).await?;
                }
            }
            _ => {}
        }
        let Some(reg) = &mut self.reg else {
            self.follow(&msg);
            self.tell(ConnEvent::Message(msg));
            return Ok(());
        };
        for step in reg.handle(&msg) {
            match step {
                Step::Send(m) => self.write(&m).await?,
                Step::Tell(text) => self.tell(ConnEvent::Notice(text)),
                Step::Forward => self.tell(ConnEvent::Message(msg.clone())),
                Step::Registered { nick, caps } => {
                    self.reg = None;
                    self.carry.registered = true;
                    self.carry.nick.clone_from(&nick);
                    self.tell(ConnEvent::Registered { nick, caps });
                    if !self.carry.channels.is_empty() {
                        let join = Message::new("JOIN", [self.carry.channels.join(",")]);
                        self.write(&join).await?;
                    }
                    for m in std::mem::take(&mut self.queue) {
                        self.write(&m).await?;
                    }
                    self.lag_ping().await?;
                }
            }
        }
        Ok(())
    }

    /// Keeps our nick and channel list current for the next reconnect.
    fn follow(&mut self, msg: &Message) {
        let me = msg.source_nick().is_some_and(|n| casemap::eq(n, &self.carry.nick));
        let channels = &mut self.carry.channels;
        match msg.verb().as_str() {
            "NICK" if me => self.carry.nick = msg.param(0).to_owned(),
            "JOIN" if me && !channels.iter().any(|c| casemap::eq(c, msg.param(0))) => {
                channels.push(msg.param(0).to_owned());
            }
            "PART" if me => channels.retain(|c| !casemap::eq(c, msg.param(0))),
            "KICK" if casemap::eq(msg.param(1), &self.carry.nick) => {
                channels.retain(|c| !casemap::eq(c, msg.param(0)));
            }
            _ => {}
        }
    }
}

/// The language to ask a server for, from its 005 line: this client's, when
/// it is not English and the server's `LANGUAGE=<max>,<codes>` lists it.
fn wanted_language(msg: &Message) -> Option<&'static str> {
    let code = crate::i18n::code();
    let token = msg.params.iter().find_map(|p| p.strip_prefix("LANGUAGE="))?;
    let listed = token.split(',').skip(1).any(|c| c.trim_start_matches('~').eq_ignore_ascii_case(code));
    (code != "en" && listed).then_some(code)
}
