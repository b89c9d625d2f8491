//! MONITOR lists: who watches which nicknames, and the online/offline
//! notices (730/731) they are sent.

use super::client::ClientId;
use super::State;
use crate::caps::Cap;
use crate::reply;
use hichat_proto::{casemap, Numeric};
use std::collections::{HashMap, HashSet};

/// Every client's MONITOR list, indexed both ways.
#[derive(Debug, Default)]
pub struct Monitors {
    /// Folded nickname to the clients watching it.
    watchers: HashMap<String, HashSet<ClientId>>,
    /// Client to the nicknames it watches, as it spelled them.
    lists: HashMap<ClientId, Vec<String>>,
}

impl Monitors {
    /// Adds `nick` to `id`'s list; false if it was there already.
    pub fn add(&mut self, id: ClientId, nick: &str) -> bool {
        let folded = casemap::fold(nick);
        if !self.watchers.entry(folded).or_default().insert(id) {
            return false;
        }
        self.lists.entry(id).or_default().push(nick.to_owned());
        true
    }

    pub fn remove(&mut self, id: ClientId, nick: &str) {
        let folded = casemap::fold(nick);
        if let Some(w) = self.watchers.get_mut(&folded) {
            w.remove(&id);
            if w.is_empty() {
                self.watchers.remove(&folded);
            }
        }
        if let Some(list) = self.lists.get_mut(&id) {
            list.retain(|n| casemap::fold(n) != folded);
        }
    }

    /// Empties `id`'s list (MONITOR C, or the client leaving).
    pub fn clear(&mut self, id: ClientId) {
        for nick in self.lists.remove(&id).unwrap_or_default() {
            let folded = casemap::fold(&nick);
            if let Some(w) = self.watchers.get_mut(&folded) {
                w.remove(&id);
                if w.is_empty() {
                    self.watchers.remove(&folded);
                }
            }
        }
    }

    pub fn list(&self, id: ClientId) -> &[String] {
        self.lists.get(&id).map_or(&[], Vec::as_slice)
    }

    /// The clients watching `nick`.
    pub fn watchers(&self, nick: &str) -> Vec<ClientId> {
        self.watchers.get(&casemap::fold(nick)).map(|w| w.iter().copied().collect()).unwrap_or_default()
    }
}

/// Joins items with commas into pieces short enough for one numeric line.
pub fn comma_chunks(items: &[String]) -> Vec<String> {
    let mut out: Vec<String> = Vec::new();
    for item in items {
        match out.last_mut() {
            Some(cur) if cur.len() + 1 + item.len() <= 400 => {
                cur.push(',');
                cur.push_str(item);
            }
            _ => out.push(item.clone()),
        }
    }
    out
}

impl State {
    /// Tells everyone watching `nick` that it came online (`prefix` is its
    /// `nick!user@host`) or went offline (`None`).
    pub fn monitor_signal(&mut self, nick: &str, prefix: Option<&str>, server: &str) {
        for watcher in self.monitors.watchers(nick) {
            let Some(w) = self.client(watcher) else { continue };
            let msg = match prefix {
                Some(p) => reply::numeric(server, &w.nick, Numeric::RplMonOnline, &[], Some(p)),
                None => reply::numeric(server, &w.nick, Numeric::RplMonOffline, &[], Some(nick)),
            };
            self.send(watcher, &msg);
        }
    }

    /// extended-monitor: clients watching `id`'s nickname that have
    /// extended-monitor and `cap`, and share no channel with `id` (those
    /// hear of its changes through the channel already).
    pub fn monitor_extended(&self, id: ClientId, cap: Cap) -> Vec<ClientId> {
        let Some(c) = self.client(id) else { return Vec::new() };
        let peers = self.peers(id);
        self.monitors
            .watchers(&c.nick)
            .into_iter()
            .filter(|w| *w != id && !peers.contains(w))
            .filter(|w| self.client(*w).is_some_and(|c| c.caps.has(Cap::ExtendedMonitor) && c.caps.has(cap)))
            .collect()
    }
}
