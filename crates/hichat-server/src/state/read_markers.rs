//! Read markers (draft/read-marker) of clients not logged in: kept per
//! nickname in memory only. A logged-in client's markers belong to its
//! account and are in the store ([`crate::store::Records::read_markers`]).

use std::collections::HashMap;

/// Most nicknames remembered; past it, the markers of one are forgotten to
/// make room (memory only, best effort).
const MAX_NICKS: usize = 10_000;
/// Most targets remembered per nickname.
const MAX_TARGETS: usize = 1_000;

/// Folded nickname to folded target to Unix milliseconds.
#[derive(Debug, Default)]
pub struct NickMarkers(HashMap<String, HashMap<String, u64>>);

impl NickMarkers {
    pub fn get(&self, nick: &str, target: &str) -> Option<u64> {
        self.0.get(nick).and_then(|m| m.get(target)).copied()
    }

    pub fn set(&mut self, nick: &str, target: &str, time: u64) {
        if !self.0.contains_key(nick) && self.0.len() >= MAX_NICKS {
            let victim = self.0.keys().next().cloned();
            if let Some(victim) = victim {
                self.0.remove(&victim);
            }
        }
        let targets = self.0.entry(nick.to_owned()).or_default();
        if !targets.contains_key(target) && targets.len() >= MAX_TARGETS {
            return;
        }
        targets.insert(target.to_owned(), time);
    }
}
