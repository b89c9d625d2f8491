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
//! Who may read what: a channel's lines, its members (any channel, as Ergo
//! does); a private conversation's, its two parties only, by the view keys
//! of [`crate::store::history::private_key`]. A client known by nick alone
//! reads only what was said since it took the nick, so the next holder of
//! a nick never sees the last one's conversations.

pub mod chathistory;
pub mod multiline;
pub mod replay;

use crate::caps::Cap;
use crate::config::HistorySection;
use crate::state::client::{Client, ClientId};
use crate::state::{Relay, State};
use crate::store::history::private_key;
use crate::store::{HistoryLine, Retention, Store};
use hichat_proto::{casemap, Message, Tag};
use std::sync::Arc;
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
}

/// Hands lines to the store, and replay requests to [`run`]. Lives in the
/// state so handlers can use it under the lock; nothing here waits.
#[derive(Debug, Default)]
pub struct Recorder {
    /// `None` while history is off (or before the server is built).
    store: Option<Arc<dyn Store>>,
    replays: Option<mpsc::UnboundedSender<ReplayRequest>>,
    replay_lines: usize,
}

impl Recorder {
    /// A recorder writing to `store` when history is enabled; the receiver
    /// is for [`run`].
    pub fn new(store: Arc<dyn Store>, config: &HistorySection) -> (Recorder, mpsc::UnboundedReceiver<ReplayRequest>) {
        let (tx, rx) = mpsc::unbounded_channel();
        let recorder = Recorder {
            store: config.enabled.then_some(store),
            replays: Some(tx),
            replay_lines: if config.enabled { config.replay_lines } else { 0 },
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
    /// draft/chathistory to ask itself.
    pub fn replay_on_join(&self, client: &Client, channel: &str, join_msgid: Option<String>) {
        if self.replay_lines == 0 || client.caps.has(Cap::Chathistory) {
            return;
        }
        if let (Some(tx), Some(join_msgid)) = (&self.replays, join_msgid) {
            let _ = tx.send(ReplayRequest { client: client.id, channel: channel.to_owned(), join_msgid });
        }
    }
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

/// Client-only tags in wire form, as stored.
fn wire_tags(tags: &[Tag]) -> String {
    let mut s = String::new();
    for t in crate::client_tags::relayed(tags) {
        if !s.is_empty() {
            s.push(';');
        }
        s.push_str(&t.key);
        if let Some(v) = t.value.as_deref().filter(|v| !v.is_empty()) {
            s.push('=');
            hichat_proto::escape_tag_value(v, &mut s);
        }
    }
    s
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
/// just relayed with `msgid`. TAGMSG is stored only with client tags;
/// STATUSMSG and messages to services never are.
pub fn record_message(
    state: &State,
    sender: ClientId,
    to: To<'_>,
    verb: &str,
    msgid: &str,
    text: Option<&str>,
    tags: &[Tag],
) {
    if let Some(line) = message_line(state, sender, to, verb, msgid, text, wire_tags(tags)) {
        state.history.append(line);
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
/// several channels is stored in each, under one msgid.
pub fn record_event(state: &State, chan_key: &str, msg: &Message, msgid: &str) {
    if !state.history.enabled() {
        return;
    }
    let command = msg.command.to_ascii_uppercase();
    let prefix = msg.source.clone().unwrap_or_default();
    let sender = prefix.split_once('!').and_then(|(nick, _)| state.find_nick(nick)).filter(|c| c.prefix == prefix);
    let mut params = msg.params.clone();
    let text = match command.as_str() {
        "JOIN" => {
            params.truncate(1);
            sender.map(|c| c.realname.clone())
        }
        "MODE" | "NICK" => None,
        _ => (params.len() > usize::from(command != "QUIT")).then(|| params.pop()).flatten(),
    };
    state.history.append(HistoryLine {
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
    });
}

/// Stores an event relayed to every channel client `id` is in (QUIT, NICK)
/// in each of them, under the one msgid and time it was relayed with.
pub fn record_event_in_channels(state: &State, id: ClientId, relay: &Relay) {
    let (Some(msgid), Some(c)) = (relay.msgid(), state.client(id)) else { return };
    for key in &c.channels {
        record_event(state, key, relay.message(), msgid);
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
