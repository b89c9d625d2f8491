//! The registry: every client, nickname and channel on this server.
//!
//! One [`State`] lives behind one std mutex in [`crate::Server`]. Handlers
//! run with the lock held and never await, so a command's effects are applied
//! in one short critical section. Lines for other clients are pushed into
//! their outboxes (never awaited); a client whose send queue overflows is
//! noted in `dead` and removed by [`State::reap`] when the command is done,
//! so removal never happens in the middle of a fan-out.

mod capture;
pub mod channel;
mod chghost;
pub mod client;
mod fanout;
pub mod held;
pub mod monitor;
pub mod read_markers;
pub mod recent;
pub mod sender;
mod whowas;

use crate::outbox::Push;
use bytes::Bytes;
use channel::Channel;
use client::{Client, ClientId};
pub use fanout::{Encode, Relay};
use hichat_proto::{casemap, Message};
use std::collections::{HashMap, HashSet};
use std::net::IpAddr;
pub use whowas::{Whowas, WhowasEntry};

/// The parts of a client that LUSERS counts.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Counted {
    pub registered: bool,
    pub invisible: bool,
    pub oper: bool,
}

/// Counters shown by LUSERS and the console.
#[derive(Debug, Default, Clone)]
pub struct Counters {
    pub max_local: usize,
    pub messages_in: u64,
    pub messages_relayed: u64,
}

/// All clients, nicknames and channels.
#[derive(Debug, Default)]
pub struct State {
    pub clients: HashMap<ClientId, Client>,
    /// Folded nickname to client.
    pub nicks: HashMap<String, ClientId>,
    /// Folded channel name to channel.
    pub channels: HashMap<String, Channel>,
    pub whowas: Whowas,
    /// Open connections per address key (IPv6 by network, see [`crate::ip_key`]).
    pub per_ip: HashMap<IpAddr, usize>,
    pub counters: Counters,
    /// What the store holds (accounts, registered channels, bans), kept in
    /// step with it: changed only after the store has committed.
    pub records: crate::store::Records,
    /// Registered users, and of those invisible ones and operators, kept
    /// up to date by [`State::recount`] so LUSERS never walks every client.
    users: usize,
    invisible: usize,
    opers: usize,
    /// Account bookkeeping that is not stored (failed-login counts).
    pub accounts: crate::accounts::Runtime,
    next_id: ClientId,
    /// Recently relayed messages, for REDACT.
    pub recent: recent::RecentMessages,
    /// Every client's MONITOR list.
    pub monitors: monitor::Monitors,
    /// Where chat history goes (see [`crate::history`]).
    pub history: crate::history::Recorder,
    /// Clients whose send queue overflowed during the current command.
    dead: Vec<ClientId>,
    /// While a labeled command runs: its client, and the lines it has been
    /// sent so far (see [`State::begin_capture`]).
    capture: Option<capture::Capture>,
    /// Output held until a store commit (see [`held`]).
    held: held::Held,
    /// Labels of commands running outside the dispatcher.
    pub detached_labels: crate::labeled::Detached,
    /// Read markers of clients not logged in.
    pub nick_markers: read_markers::NickMarkers,
}

impl State {
    /// An empty state remembering `whowas_entries` departed users.
    pub fn new(whowas_entries: usize) -> Self {
        Self { whowas: Whowas::with_capacity(whowas_entries), ..Self::default() }
    }

    /// A fresh id for a new connection.
    pub fn next_id(&mut self) -> ClientId {
        self.next_id += 1;
        self.next_id
    }

    pub fn client(&self, id: ClientId) -> Option<&Client> {
        self.clients.get(&id)
    }

    pub fn client_mut(&mut self, id: ClientId) -> Option<&mut Client> {
        self.clients.get_mut(&id)
    }

    /// The registered client with this nickname.
    pub fn find_nick(&self, nick: &str) -> Option<&Client> {
        self.nicks.get(&casemap::fold(nick)).and_then(|id| self.clients.get(id)).filter(|c| c.registered)
    }

    pub fn channel(&self, name: &str) -> Option<&Channel> {
        self.channels.get(&casemap::fold(name))
    }

    pub fn channel_mut(&mut self, name: &str) -> Option<&mut Channel> {
        self.channels.get_mut(&casemap::fold(name))
    }

    /// Number of registered clients, and of those, invisible ones and operators.
    pub fn user_counts(&self) -> (usize, usize, usize) {
        (self.users, self.invisible, self.opers)
    }

    /// What the user counters count of one client (all false if it is gone).
    pub fn counted(&self, id: ClientId) -> Counted {
        self.clients.get(&id).map_or(Counted::default(), |c| Counted {
            registered: c.registered,
            invisible: c.registered && c.modes.invisible,
            oper: c.registered && c.modes.oper,
        })
    }

    /// Adjusts the user counters after client `id` changed from `before`
    /// (registered, changed user modes, or left). Call it after every such
    /// change.
    pub fn recount(&mut self, id: ClientId, before: Counted) {
        let after = self.counted(id);
        let adjust = |n: &mut usize, was: bool, is: bool| match (was, is) {
            (false, true) => *n += 1,
            (true, false) => *n -= 1,
            _ => {}
        };
        adjust(&mut self.users, before.registered, after.registered);
        adjust(&mut self.invisible, before.invisible, after.invisible);
        adjust(&mut self.opers, before.oper, after.oper);
    }

    /// Queues encoded bytes for one client.
    pub fn send_bytes(&mut self, id: ClientId, bytes: Bytes) {
        if let Some(capture) = self.capture.as_mut().filter(|c| c.id == id) {
            if capture.push(bytes) == capture::Held::Overflowed {
                self.dead.push(id);
            }
            return;
        }
        if let Some(lines) = self.held.collecting.as_mut() {
            lines.push((id, bytes));
            return;
        }
        if let Some(c) = self.clients.get(&id) {
            if c.outbox.push(bytes) == Push::Overflowed {
                self.dead.push(id);
            }
        }
    }

    /// Queues one message for one client.
    pub fn send(&mut self, id: ClientId, msg: &Message) {
        self.send_bytes(id, msg.to_bytes());
    }

    /// Relays a channel event (PART, TOPIC, KICK, MODE) to every member of
    /// the channel, its sender included, with `time` and `msgid` tags for
    /// those with server-time and message-tags (and `account`, see
    /// [`State::relay_of`]), encoded once per capability variant. Stores it
    /// in the channel's history under that msgid and time, so a client that
    /// saw it live recognises it when CHATHISTORY plays it back.
    pub fn channel_event(&mut self, chan_key: &str, msg: Message) {
        let mut relay = self.relay_of(msg);
        self.relay_to_channel(chan_key, &mut relay, |_, _| true);
        crate::history::record_relayed(self, chan_key, &relay);
    }

    /// Everyone who shares a channel with `id`, each once, not `id` itself.
    pub fn peers(&self, id: ClientId) -> HashSet<ClientId> {
        let mut peers = HashSet::new();
        if let Some(c) = self.clients.get(&id) {
            for key in &c.channels {
                if let Some(chan) = self.channels.get(key) {
                    peers.extend(chan.members.keys().copied());
                }
            }
        }
        peers.remove(&id);
        peers
    }

    /// Sends a message once to everyone sharing a channel with `id`, and to
    /// `id` too when `include_self`, with a `time` tag for those with
    /// server-time (and `account`, see [`State::relay_of`]).
    pub fn send_to_peers(&mut self, id: ClientId, msg: &Message, include_self: bool) {
        let mut relay = self.relay_of(msg.clone());
        self.relay_to_peers(id, &mut relay, include_self);
    }

    /// Adds `id` to a channel (creating it when new) and the channel to the
    /// client's list. Returns true when the channel was created.
    pub fn add_member(&mut self, id: ClientId, display_name: &str, now: u64) -> bool {
        let key = casemap::fold(display_name);
        let Some(client) = self.clients.get_mut(&id) else { return false };
        let outbox = client.outbox.clone();
        let caps = client.caps;
        if !client.channels.contains(&key) {
            client.channels.push(key.clone());
        }
        client.invites.retain(|c| *c != key);
        let mut created = false;
        let chan = self.channels.entry(key).or_insert_with(|| {
            created = true;
            Channel::new(display_name.to_owned(), now)
        });
        chan.invited.remove(&id);
        let prefixes = channel::Prefixes { op: created, voice: false };
        // After every line stamped so far (see clock::after_stamps_millis).
        let joined_ms = crate::clock::after_stamps_millis();
        chan.members.insert(id, channel::Member { prefixes, outbox, caps, joined_ms });
        created
    }

    /// Takes `id` out of a channel, deleting the channel when it empties.
    pub fn remove_member(&mut self, id: ClientId, chan_key: &str) {
        if let Some(chan) = self.channels.get_mut(chan_key) {
            chan.members.remove(&id);
            if chan.members.is_empty() {
                self.channels.remove(chan_key);
                self.history.channel_ended(chan_key, &self.records);
            }
        }
        if let Some(c) = self.clients.get_mut(&id) {
            c.channels.retain(|k| k != chan_key);
        }
    }

    /// Removes a client: its peers see one QUIT each, it leaves every channel,
    /// its nick is freed and remembered for WHOWAS, and its outbox is closed
    /// with `ERROR :Closing Link` so the connection ends after flushing.
    pub fn remove_client(&mut self, id: ClientId, reason: &str, server_name: &str) {
        let counted = self.counted(id);
        let Some(client) = self.clients.get(&id) else { return };
        if client.registered {
            let quit = Message::new("QUIT", [reason]).with_source(client.prefix.clone());
            let mut relay = self.relay_from(id, quit);
            crate::history::record_event_in_channels(self, id, &relay);
            self.relay_to_peers(id, &mut relay, false);
        }
        let Some(client) = self.clients.remove(&id) else { return };
        self.recount(id, counted);
        for key in &client.invites {
            if let Some(chan) = self.channels.get_mut(key) {
                chan.invited.remove(&id);
            }
        }
        for key in &client.channels {
            if let Some(chan) = self.channels.get_mut(key) {
                chan.members.remove(&id);
                if chan.members.is_empty() {
                    self.channels.remove(key);
                    self.history.channel_ended(key, &self.records);
                }
            }
        }
        let folded = casemap::fold(&client.nick);
        if self.nicks.get(&folded) == Some(&id) {
            self.nicks.remove(&folded);
            self.nick_markers.forget(&folded);
        }
        if client.registered {
            self.whowas.remember(&client, server_name);
            self.monitor_signal(&client.nick, None, server_name);
        }
        self.monitors.clear(id);
        let error = Message::new("ERROR", [format!("Closing Link: {} ({})", client.host, reason)]);
        client.outbox.close(reason, Some(error.to_bytes()));
    }

    /// Whether client `id`'s send queue overflowed during this command (it
    /// is removed when the command is done).
    pub fn overflowed(&self, id: ClientId) -> bool {
        self.dead.contains(&id)
    }

    /// Removes every client whose send queue overflowed, repeating until no
    /// removal overflows anyone else.
    pub fn reap(&mut self, server_name: &str) {
        while let Some(id) = self.dead.pop() {
            self.remove_client(id, "SendQ exceeded", server_name);
        }
    }
}
