//! The operator console: `hichat serve` on a terminal (or with `--console`).
//!
//! The seed program's server side could talk too. Here the server's own
//! operator identity (nick `server` by default) is a client with no socket:
//! lines typed on the console are said in the default channel, what is said
//! there is printed, and a few commands look after the server. The console
//! goes through the same handlers as any client, so everyone sees its
//! messages exactly as they would another user's.

use crate::clock::{format_utc, unix_now};
use crate::handlers::{self, Ctx};
use crate::outbox::Outbox;
use crate::plain::PlainSession;
use crate::server::Server;
use crate::state::client::{Client, ClientId};
use bytes::BytesMut;
use hichat_proto::{casemap, Message};
use std::sync::Arc;

/// The console's send queue: large, since a person reads it at leisure.
const CONSOLE_SENDQ: usize = 16 << 20;

/// What the caller should do after a console line.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ConsoleReply {
    /// Print these lines and carry on.
    Print(Vec<String>),
    /// Shut the server down.
    Shutdown,
}

/// The operator console of a running server.
pub struct Console {
    server: Arc<Server>,
    id: ClientId,
    outbox: Arc<Outbox>,
    render: PlainSession,
}

const HELP: &str = "type a line to say it in the default channel; /say #chan text, /who, /kick #chan nick [reason], /kill nick [reason], /stats, /shutdown; exit shuts the server down";

impl Console {
    /// Registers the console's identity and joins the default channel.
    pub fn attach(server: &Arc<Server>) -> Console {
        let config = &server.info.config.server;
        let outbox = Arc::new(Outbox::new(CONSOLE_SENDQ));
        let mut state = server.state();
        let id = state.next_id();
        let mut client = Client::new(id, server.info.name.clone(), None, outbox.clone(), unix_now());
        let mut nick = config.console_nick.clone();
        while state.nicks.contains_key(&casemap::fold(&nick)) {
            nick.push('_');
        }
        client.nick = nick.clone();
        client.user = "server".into();
        client.realname = "hichat operator console".into();
        client.registered = true;
        client.modes.oper = true;
        client.update_prefix();
        state.nicks.insert(casemap::fold(&nick), id);
        state.clients.insert(id, client);
        state.recount(id, crate::state::Counted::default());
        drop(state);
        let mut render =
            PlainSession::new(&config.default_channel, crate::i18n::find(&config.language).unwrap_or_default());
        render.stage = crate::plain::Stage::Chatting;
        let console = Console { server: server.clone(), id, outbox, render };
        console.run(Message::new("JOIN", [config.default_channel.as_str()]));
        console
    }

    /// Handles one typed line.
    pub fn input(&self, line: &str) -> ConsoleReply {
        let line = crate::plain::clean(line);
        let line = line.trim_end();
        let default_channel = self.server.info.config.server.default_channel.clone();
        if line.trim() == "exit" {
            return ConsoleReply::Shutdown;
        }
        if line.trim().is_empty() {
            return ConsoleReply::Print(Vec::new());
        }
        let Some(command) = line.strip_prefix('/') else {
            self.run(Message::new("PRIVMSG", [default_channel.as_str(), line]));
            return ConsoleReply::Print(Vec::new());
        };
        let mut words = command.splitn(3, ' ');
        let verb = words.next().unwrap_or_default().to_ascii_lowercase();
        let a = words.next().unwrap_or_default().to_owned();
        let rest = words.next().unwrap_or_default().to_owned();
        let print = |s: &str| ConsoleReply::Print(vec![s.to_owned()]);
        let done = ConsoleReply::Print(Vec::new());
        match verb.as_str() {
            "shutdown" => ConsoleReply::Shutdown,
            "say" if a.starts_with('#') && !rest.is_empty() => {
                self.be_op_in(&a);
                self.run(Message::new("PRIVMSG", [a, rest]));
                done
            }
            "kick" if a.starts_with('#') && !rest.is_empty() => {
                let (nick, reason) = rest.split_once(' ').unwrap_or((rest.as_str(), "Kicked by the server operator"));
                self.be_op_in(&a);
                self.run(Message::new("KICK", [a.as_str(), nick, reason]));
                done
            }
            "kill" if !a.is_empty() => {
                let reason = if rest.is_empty() { "Disconnected by the server operator".to_owned() } else { rest };
                self.run(Message::new("KILL", [a, reason]));
                done
            }
            "who" => ConsoleReply::Print(self.who()),
            "stats" => ConsoleReply::Print(self.stats()),
            _ => print(HELP),
        }
    }

    /// Waits for what the console's identity has been sent, rendered as
    /// text lines. Returns an empty list once the server has closed it.
    pub async fn output(&self) -> Vec<String> {
        loop {
            let mut buf = BytesMut::new();
            let closed = self.outbox.drain_into(&mut buf).is_some();
            let me = self.server.state().client(self.id).map(|c| c.nick.clone()).unwrap_or_default();
            let lines: Vec<String> = buf[..]
                .split(|b| *b == b'\n')
                .filter_map(|l| Message::parse_bytes(l).ok())
                .filter_map(|m| self.render_line(&m, &me))
                .collect();
            if !lines.is_empty() || closed {
                return lines;
            }
            self.outbox.notified().await;
        }
    }

    fn render_line(&self, msg: &Message, me: &str) -> Option<String> {
        let text = self.render.render(msg, me)?;
        let target = msg.param(0);
        let elsewhere = target.starts_with('#') && !casemap::eq(target, &self.render.channel);
        Some(if elsewhere && matches!(msg.command.as_str(), "PRIVMSG" | "NOTICE") {
            format!("[{target}] {text}")
        } else {
            text
        })
    }

    /// Runs one IRC command as the console's identity.
    fn run(&self, msg: Message) {
        let mut state = self.server.state();
        if !state.clients.contains_key(&self.id) {
            return;
        }
        let mut ctx = Ctx { info: &self.server.info, state: &mut state, id: self.id, oper_verified: None };
        handlers::dispatch(&mut ctx, &msg);
        state.reap(&self.server.info.name);
    }

    /// Joins `channel` if needed and takes operator status there: the
    /// server's own identity may act in any channel.
    fn be_op_in(&self, channel: &str) {
        self.run(Message::new("JOIN", [channel]));
        let mut state = self.server.state();
        if let Some(member) = state.channel_mut(channel).and_then(|c| c.members.get_mut(&self.id)) {
            member.prefixes.op = true;
        }
    }

    /// Every connection: address, nick, channels, connected since, traffic.
    fn who(&self) -> Vec<String> {
        let state = self.server.state();
        let mut clients: Vec<&Client> = state.clients.values().filter(|c| c.id != self.id).collect();
        clients.sort_by_key(|c| c.id);
        let mut lines = vec![format!("{} connection(s):", clients.len())];
        for c in clients {
            let channels: Vec<&str> =
                c.channels.iter().filter_map(|k| state.channels.get(k)).map(|ch| ch.name.as_str()).collect();
            let (bytes_in, bytes_out) = c.traffic.totals();
            lines.push(format!(
                "  {:<16} {:<15} since {}  in {bytes_in} B  out {bytes_out} B  {}",
                c.nick,
                c.host,
                format_utc(c.signon),
                channels.join(",")
            ));
        }
        lines
    }

    fn stats(&self) -> Vec<String> {
        let s = Stats::gather(&self.server);
        vec![
            format!(
                "users {} (invisible {}, operators {}), connections {}",
                s.users, s.invisible, s.operators, s.connections
            ),
            format!("channels {}", s.channels),
            format!("messages received {}, deliveries {}", s.messages_in, s.deliveries),
            format!("started {}", s.started),
        ]
    }
}

/// What the console's `/stats` shows (and the admin API's `status`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Stats {
    /// Registered users, the console's identity included.
    pub users: usize,
    pub invisible: usize,
    pub operators: usize,
    /// The most users connected at once since the start.
    pub max_users: usize,
    /// Connections, registered or not.
    pub connections: usize,
    pub channels: usize,
    /// Messages received from clients.
    pub messages_in: u64,
    /// Messages delivered to clients.
    pub deliveries: u64,
    /// When the server started (as in 003).
    pub started: String,
}

impl Stats {
    /// Counts everything under one short lock of the state.
    pub fn gather(server: &Server) -> Stats {
        let state = server.state();
        let (users, invisible, operators) = state.user_counts();
        Stats {
            users,
            invisible,
            operators,
            max_users: state.counters.max_local,
            connections: state.clients.len(),
            channels: state.channels.len(),
            messages_in: state.counters.messages_in,
            deliveries: state.counters.messages_relayed,
            started: server.info.created.clone(),
        }
    }
}
