//! Read markers (draft/read-marker) of clients not logged in: kept per
//! nickname in memory only, and forgotten when the nick is released (a
//! NICK away from it, or QUIT), so the next holder of the nick starts with
//! none. A logged-in client's markers belong to its account and are in the
//! store ([`crate::store::Records::read_markers`]).

use std::collections::HashMap;

/// Folded nickname to folded target to Unix milliseconds.
#[derive(Debug, Default)]
pub struct NickMarkers(HashMap<String, HashMap<String, u64>>);

impl NickMarkers {
    pub fn get(&self, nick: &str, target: &str) -> Option<u64> {
        self.0.get(nick).and_then(|m| m.get(target)).copied()
    }

    /// Sets a marker, keeping at most `per_nick` a nick (the oldest goes to
    /// make room) and `nicks` nicks (one is forgotten to make room: they
    /// are released with their clients, so this is only a backstop).
    pub fn set(&mut self, nick: &str, target: &str, time: u64, per_nick: usize, nicks: usize) {
        if per_nick == 0 || nicks == 0 {
            return;
        }
        if !self.0.contains_key(nick) && self.0.len() >= nicks {
            let victim = self.0.keys().next().cloned();
            if let Some(victim) = victim {
                self.0.remove(&victim);
            }
        }
        let targets = self.0.entry(nick.to_owned()).or_default();
        if !targets.contains_key(target) && targets.len() >= per_nick {
            if let Some(oldest) = oldest(targets) {
                targets.remove(&oldest);
            }
        }
        targets.insert(target.to_owned(), time);
    }

    /// Forgets a nick's markers (folded), when it is released.
    pub fn forget(&mut self, nick: &str) {
        self.0.remove(nick);
    }
}

/// The target with the oldest marker.
pub fn oldest(markers: &HashMap<String, u64>) -> Option<String> {
    markers.iter().min_by_key(|(_, t)| **t).map(|(k, _)| k.clone())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn bounded_and_forgotten() {
        let mut m = NickMarkers::default();
        m.set("ann", "#a", 1, 2, 2);
        m.set("ann", "#b", 2, 2, 2);
        m.set("ann", "#c", 3, 2, 2);
        assert_eq!((m.get("ann", "#a"), m.get("ann", "#c")), (None, Some(3)), "the oldest made room");
        m.set("bob", "#a", 1, 2, 2);
        m.set("cat", "#a", 1, 2, 2);
        assert_eq!(m.0.len(), 2);
        m.forget("cat");
        assert_eq!(m.get("cat", "#a"), None);
    }
}
