//! Chat history: what is stored as it is relayed, and how it is read back.
//!
//! Handlers store what they relay right after relaying it, under the msgid
//! it was relayed with (whose time is the line's `time`), so a line played
//! back is the one seen live: [`record_message`] for PRIVMSG, NOTICE and
//! TAGMSG; [`record_relayed`] and [`record_event_in_channels`] for the
//! events (JOIN, PART, QUIT, NICK, TOPIC, KICK, MODE). The [`Recorder`] in
//! the state hands each line to the store's writer thread and never waits
//! (see [`crate::store::history`]). Reads run off the async threads:
//! [`chathistory`] answers `CHATHISTORY`, and [`replay`] sends the last
//! lines to a client without draft/chathistory when it joins. [`run`] is
//! the background task that serves replays and applies retention
//! periodically.
//!
//! Who may read what: a registered channel's lines, its members (the
//! channel's settings, which ChanServ keeps, decide who may join), from its
//! registration on; an unregistered channel's, each member only what was
//! said since it joined, and nothing once the channel ends: its lines are
//! deleted then (and at start-up), as Ergo keeps no unregistered channel's
//! history past its life. The server's own channel (`default_channel`,
//! `#hello`) is the exception: the operator configured it for everyone, so
//! it is treated as registered from the start of time, kept when it
//! empties and across restarts, and read whole by its members. A private conversation's, its two parties only,
//! by the view keys of [`crate::store::history::private_key`]. A client
//! known by nick alone reads only what was said since it took the nick, so
//! the next holder of a nick never sees the last one's conversations.
//!
//! What is stored is bounded per user: only allow-listed client tags, up to
//! a size; a NICK or QUIT in a few channels only; and a byte budget a
//! minute ([`budget`]).

pub mod budget;
pub mod chathistory;
pub mod multiline;
pub mod replay;

use crate::caps::Cap;
use crate::config::{HistorySection, UntaggedReplay};
use crate::state::client::{Client, ClientId};
use crate::state::{Relay, State};
use crate::store::history::private_key;
use crate::store::{HistoryLine, Retention, Store};
use hichat_proto::{casemap, Message, Tag};
use std::sync::{Arc, Mutex};
use tokio::sync::mpsc;

/// Commands stored for a channel or conversation, and replayed with
/// draft/event-playback only (except PRIVMSG and NOTICE).
pub const EVENTS: &[&str] = &["JOIN", "PART", "QUIT", "NICK", "TOPIC", "KICK", "MODE"];

/// The `draft/chathistory` ISUPPORT tokens.
pub fn isupport_tokens(config: &HistorySection) -> Vec<String> {
    if !config.enabled {
        return Vec::new();
    }
    vec![format!("CHATHISTORY={}", config.query_limit), "MSGREFTYPES=msgid,timestamp".into()]
}

/// The server-wide retention from the configuration.
pub fn retention(config: &HistorySection) -> Retention {
    Retention { max_messages: config.max_messages, max_age_secs: config.max_age_secs }
}

/// A join to replay history for (a client without draft/chathistory).
#[derive(Debug)]
pub struct ReplayRequest {
    pub client: ClientId,
    /// Folded channel name.
    pub channel: String,
    /// The msgid its JOIN was stored under: exactly the lines stored
    /// before it are replayed, so none is both relayed and replayed.
    pub join_msgid: String,
    /// Only lines from this time on (see [`channel_since`]).
    pub since: u64,
}

/// Hands lines to the store, and replay requests to [`run`]. Lives in the
/// state so handlers can use it under the lock; nothing here waits.
#[derive(Debug, Default)]
pub struct Recorder {
    /// `None` while history is off (or before the server is built).
    store: Option<Arc<dyn Store>>,
    replays: Option<mpsc::UnboundedSender<ReplayRequest>>,
    replay_lines: usize,
    /// Replay to clients with neither server-time nor batch (as NOTICEs).
    replay_untagged: bool,
    /// Client-only tags kept, and at most how many bytes of them a line.
    stored_tags: Vec<String>,
    max_tag_bytes: usize,
    max_event_channels: usize,
    /// Each user's write budget. A mutex only so that recording can take
    /// `&State`: it is only ever locked under the state lock.
    budgets: Mutex<budget::Budgets>,
    /// The server's own channel (folded `default_channel`): its history is
    /// kept when it empties and across restarts, and its members read all
    /// of it, as though the server had registered it at the start of time.
    public: String,
}

impl Recorder {
    /// A recorder writing to `store` when history is enabled; the receiver
    /// is for [`run`]. The history of every channel that is not registered
    /// is deleted first: those channels ended with the last run.
    /// `public_channel` is the server's own channel (`default_channel`),
    /// whose history is kept and open to its members as a registered
    /// channel's is.
    pub fn new(
        store: Arc<dyn Store>,
        config: &HistorySection,
        public_channel: &str,
    ) -> (Recorder, mpsc::UnboundedReceiver<ReplayRequest>) {
        let (tx, rx) = mpsc::unbounded_channel();
        let public = casemap::fold(public_channel);
        if config.enabled {
            drop(store.submit(crate::store::Change::ForgetUnregisteredHistory { keep: public.clone() }));
        }
        let recorder = Recorder {
            store: config.enabled.then_some(store),
            replays: Some(tx),
            replay_lines: if config.enabled { config.replay_lines } else { 0 },
            replay_untagged: config.replay_untagged == UntaggedReplay::Notice,
            stored_tags: config.stored_tags.clone(),
            max_tag_bytes: config.max_stored_tag_bytes,
            max_event_channels: config.max_event_channels,
            budgets: Mutex::new(budget::Budgets::new(config.user_bytes_per_minute)),
            public,
        };
        (recorder, rx)
    }

    pub fn enabled(&self) -> bool {
        self.store.is_some()
    }

    fn append(&self, line: HistoryLine) {
        if let Some(store) = &self.store {
            store.append_history(line);
        }
    }

    /// Appends a line sent by client `sender` if its budget allows.
    fn append_from(&self, sender: Option<ClientId>, line: HistoryLine) {
        if let Some(id) = sender {
            let cost = 64 + line.msgid.len() + line.prefix.len() + line.tags.len() + line.params.len();
            let cost = cost + line.text.as_ref().map_or(0, String::len);
            let mut budgets = self.budgets.lock().unwrap_or_else(|e| e.into_inner());
            if !budgets.charge(id, cost, line.time) {
                tracing::debug!(client = id, "history line not stored: over the user's write budget");
                return;
            }
        }
        self.append(line);
    }

    /// The client-only tags of a line as stored, in wire form: only those
    /// allow-listed, while they fit in the size limit.
    fn stored_tags(&self, tags: &[Tag]) -> String {
        let mut s = String::new();
        for t in crate::client_tags::relayed(tags) {
            if !self.stored_tags.contains(&t.key) {
                continue;
            }
            let mut one = t.key.clone();
            if let Some(v) = t.value.as_deref().filter(|v| !v.is_empty()) {
                one.push('=');
                hichat_proto::escape_tag_value(v, &mut one);
            }
            if s.len() + usize::from(!s.is_empty()) + one.len() > self.max_tag_bytes {
                continue;
            }
            if !s.is_empty() {
                s.push(';');
            }
            s.push_str(&one);
        }
        s
    }

    /// Called when channel `key` has ended (its last member left): an
    /// unregistered channel's history goes with it.
    pub fn channel_ended(&self, key: &str, records: &crate::store::Records) {
        if let Some(store) = self.store.as_ref().filter(|_| !records.channels.contains_key(key) && key != self.public) {
            drop(store.submit(crate::store::Change::ForgetChannelHistory(key.to_owned())));
        }
    }

    /// Deletes a message from history: from a channel (folded name), or a
    /// private one. Queued behind the line itself, so it always finds it.
    pub fn redact(&self, msgid: &str, channel: Option<String>) {
        if let Some(store) = &self.store {
            // Nobody waits: the writer logs a failure.
            drop(store.submit(crate::store::Change::RedactHistory { msgid: msgid.to_owned(), channel }));
        }
    }

    /// Moves a channel's history to its new name after a RENAME. Queued
    /// behind every line already appended, so none is left behind.
    pub fn rename(&self, from: &str, to: &str, display: &str) {
        if let Some(store) = &self.store {
            let change = crate::store::Change::RenameHistory {
                from: from.to_owned(),
                to: to.to_owned(),
                display: display.to_owned(),
            };
            drop(store.submit(change));
        }
    }

    /// Asks for the last lines of a channel to be replayed to a client that
    /// just joined it (its JOIN stored as `join_msgid`), when it has no
    /// draft/chathistory to ask itself. Only a registered channel has lines
    /// from before a JOIN its new member may read (see [`channel_since`]);
    /// a client that could not tell replayed lines from live ones gets
    /// them only as NOTICEs, and only when so configured.
    /// From when (Unix ms) a channel's members may read its history
    /// whenever they joined: a registered channel's from its registration,
    /// the server's own channel's all of it; `None` for any other channel.
    fn open_since(&self, state: &State, key: &str) -> Option<u64> {
        match state.records.channels.get(key) {
            Some(record) => Some(record.registered_at.saturating_mul(1000)),
            None => (key == self.public).then_some(0),
        }
    }

    pub fn replay_on_join(&self, state: &State, client: &Client, channel: &str, join_msgid: Option<String>) {
        if self.replay_lines == 0 || client.caps.has(Cap::Chathistory) {
            return;
        }
        let Some(since) = self.open_since(state, channel) else {
            return;
        };
        if !self.replay_untagged && !client.caps.has(Cap::ServerTime) && !client.caps.has(Cap::Batch) {
            return;
        }
        if let (Some(tx), Some(join_msgid)) = (&self.replays, join_msgid) {
            let _ = tx.send(ReplayRequest { client: client.id, channel: channel.to_owned(), join_msgid, since });
        }
    }
}

/// The earliest time (Unix ms) from which client `id` may read channel
/// `key`'s history, or `None` when it is not a member: a registered
/// channel's members read it from its registration on, an unregistered
/// channel's only what was said after they joined.
pub fn channel_since(state: &State, key: &str, id: ClientId) -> Option<u64> {
    let member = state.channels.get(key)?.members.get(&id)?;
    // Else from the millisecond of the JOIN, which its own line shares (so
    // a line of that same millisecond just before it is readable too).
    Some(state.history.open_since(state, key).unwrap_or(member.joined_ms))
}

/// The view key of `owner`'s side of a conversation with `other_nick`.
pub fn view_key(owner: &Client, other_nick: &str) -> String {
    private_key(owner.account.as_deref(), &owner.nick, other_nick)
}

/// The prefix of `owner`'s view keys (`a:<account>` or `n:<nick>`).
pub fn owner_key(owner: &Client) -> String {
    match &owner.account {
        Some(a) => format!("a:{}", casemap::fold(a)),
        None => format!("n:{}", casemap::fold(&owner.nick)),
    }
}

/// The earliest line `owner` may read in private conversations: all of its
/// account's, or those since it took its nick.
pub fn private_since(owner: &Client) -> u64 {
    if owner.account.is_some() {
        0
    } else {
        owner.nick_since
    }
}

/// Where a message went, for [`record_message`].
pub enum To<'a> {
    /// A channel: its folded name and the target as shown (`#Chan`, or
    /// `@#Chan` for STATUSMSG, which is not stored).
    Channel { key: &'a str, shown: &'a str },
    /// A user, by id.
    User(ClientId),
}

/// Stores a PRIVMSG, NOTICE or TAGMSG (`text` None) from `sender` that was
/// just relayed with `msgid`, within the sender's budget. TAGMSG is stored
/// only with client tags that are kept; STATUSMSG and messages to services
/// never are.
pub fn record_message(
    state: &State,
    sender: ClientId,
    to: To<'_>,
    verb: &str,
    msgid: &str,
    text: Option<&str>,
    tags: &[Tag],
) {
    if let Some(line) = message_line(state, sender, to, verb, msgid, text, state.history.stored_tags(tags)) {
        state.history.append_from(Some(sender), line);
    }
}

/// The row of a message [`record_message`] stores, its client-only tags
/// already in wire form; `None` when it is not stored.
fn message_line(
    state: &State,
    sender: ClientId,
    to: To<'_>,
    verb: &str,
    msgid: &str,
    text: Option<&str>,
    tags: String,
) -> Option<HistoryLine> {
    if !state.history.enabled() {
        return None;
    }
    let me = state.client(sender)?;
    if text.is_none() && tags.is_empty() {
        return None;
    }
    let time = crate::msgid::time_of(msgid).unwrap_or_else(crate::clock::unix_millis);
    let (target, peer_target, params) = match to {
        To::Channel { key, shown } => {
            if shown.starts_with(['@', '+']) {
                return None;
            }
            (key.to_owned(), None, shown.to_owned())
        }
        To::User(id) => {
            let them = state.client(id)?;
            if crate::services::is_service_name(&them.nick) {
                return None;
            }
            (view_key(me, &them.nick), Some(view_key(them, &me.nick)), them.nick.clone())
        }
    };
    Some(HistoryLine {
        id: 0,
        msgid: msgid.to_owned(),
        time,
        target,
        peer_target,
        command: verb.to_owned(),
        prefix: me.prefix.clone(),
        account: me.account.clone(),
        tags,
        params,
        text: text.map(str::to_owned),
    })
}

/// Stores a channel event (JOIN, PART, QUIT, NICK, TOPIC, KICK, MODE) as it
/// was relayed to channel `chan_key`. The last parameter is kept as free
/// text, except for MODE and NICK; a JOIN keeps the sender's real name and
/// account so extended-join clients get them back. A QUIT or NICK seen in
/// several channels is stored in each, under one msgid. The sender's lines
/// count against its write budget.
pub fn record_event(state: &State, chan_key: &str, msg: &Message, msgid: &str) {
    record_event_by(state, chan_key, msg, msgid, None);
}

/// [`record_event`] by client `by` when known (a NICK's source is its old
/// nick, no longer anyone's), else by whoever `msg`'s source is.
fn record_event_by(state: &State, chan_key: &str, msg: &Message, msgid: &str, by: Option<ClientId>) {
    if !state.history.enabled() {
        return;
    }
    let command = msg.command.to_ascii_uppercase();
    let prefix = msg.source.clone().unwrap_or_default();
    let sender = match by {
        Some(id) => state.client(id),
        None => prefix.split_once('!').and_then(|(nick, _)| state.find_nick(nick)).filter(|c| c.prefix == prefix),
    };
    let mut params = msg.params.clone();
    let text = match command.as_str() {
        "JOIN" => {
            params.truncate(1);
            sender.map(|c| c.realname.clone())
        }
        "MODE" | "NICK" => None,
        _ => (params.len() > usize::from(command != "QUIT")).then(|| params.pop()).flatten(),
    };
    let line = HistoryLine {
        id: 0,
        msgid: msgid.to_owned(),
        time: crate::msgid::time_of(msgid).unwrap_or_else(crate::clock::unix_millis),
        target: chan_key.to_owned(),
        peer_target: None,
        command,
        prefix: prefix.clone(),
        account: sender.and_then(|c| c.account.clone()),
        tags: String::new(),
        params: params.join(" "),
        text,
    };
    state.history.append_from(sender.map(|c| c.id), line);
}

/// Stores an event relayed to every channel client `id` is in (QUIT, NICK)
/// in each of them, under the one msgid and time it was relayed with: in
/// the first `max_event_channels` it joined only, so that one line of a
/// user in many channels does not become as many rows.
pub fn record_event_in_channels(state: &State, id: ClientId, relay: &Relay) {
    let (Some(msgid), Some(c)) = (relay.msgid(), state.client(id)) else { return };
    for key in c.channels.iter().take(state.history.max_event_channels) {
        record_event_by(state, key, relay.message(), msgid, Some(id));
    }
}

/// Stores an event just relayed to channel `chan_key` under the msgid and
/// time it was relayed with.
pub fn record_relayed(state: &State, chan_key: &str, relay: &Relay) {
    if let Some(msgid) = relay.msgid() {
        record_event(state, chan_key, relay.message(), msgid);
    }
}

/// The background task: serves join replays as they are asked for, and
/// queues a retention pass every `prune_interval_secs`. Ends when the
/// server shuts down.
pub async fn run(server: Arc<crate::Server>, mut replays: mpsc::UnboundedReceiver<ReplayRequest>) {
    let mut shutdown = server.shutdown_signal();
    let interval = std::time::Duration::from_secs(server.info.config.history.prune_interval_secs);
    let mut prune = tokio::time::interval(interval);
    loop {
        tokio::select! {
            _ = shutdown.changed() => break,
            _ = prune.tick() => {
                let config = &server.info.config.history;
                if config.enabled {
                    server.store.prune_history(retention(config));
                }
            }
            request = replays.recv() => {
                let Some(request) = request else { break };
                tokio::spawn(replay::replay(server.clone(), request));
            }
        }
    }
}
