//! Memory of departed users for WHOWAS.

use super::client::Client;
use hichat_proto::casemap;
use std::collections::VecDeque;

/// What WHOWAS shows of a user who left.
#[derive(Debug, Clone)]
pub struct WhowasEntry {
    pub nick: String,
    pub user: String,
    pub host: String,
    pub realname: String,
    pub server: String,
    pub signoff: u64,
}

/// A bounded list of departed users, newest last.
#[derive(Debug, Default)]
pub struct Whowas {
    entries: VecDeque<WhowasEntry>,
    capacity: usize,
}

impl Whowas {
    pub fn with_capacity(capacity: usize) -> Self {
        Self { entries: VecDeque::new(), capacity }
    }

    /// Remembers a client leaving or changing nick.
    pub fn remember(&mut self, c: &Client, server: &str) {
        if self.capacity == 0 {
            return;
        }
        if self.entries.len() == self.capacity {
            self.entries.pop_front();
        }
        self.entries.push_back(WhowasEntry {
            nick: c.nick.clone(),
            user: c.user.clone(),
            host: c.host.clone(),
            realname: c.realname.clone(),
            server: server.to_owned(),
            signoff: crate::clock::unix_now(),
        });
    }

    /// Entries for `nick`, newest first, at most `count`.
    pub fn lookup(&self, nick: &str, count: usize) -> Vec<&WhowasEntry> {
        self.entries.iter().rev().filter(|e| casemap::eq(&e.nick, nick)).take(count).collect()
    }
}
