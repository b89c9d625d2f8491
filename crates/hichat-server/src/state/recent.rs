//! Recently relayed messages by msgid, so REDACT can check that a message
//! exists, where it went, and who may redact it. Bounded: the oldest are
//! forgotten first. (History, when it lands in the store, will answer for
//! older ones.)

use super::client::ClientId;
use std::collections::{HashMap, VecDeque};

/// How many messages are remembered.
const CAPACITY: usize = 10_000;

/// Where a message went.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Sent {
    /// To a channel (folded name).
    Channel(String),
    /// Privately, to this client.
    User(ClientId),
}

/// One remembered message.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Recent {
    pub sender: ClientId,
    pub to: Sent,
}

/// The last [`CAPACITY`] relayed messages.
#[derive(Debug, Default)]
pub struct RecentMessages {
    by_id: HashMap<String, Recent>,
    order: VecDeque<String>,
}

impl RecentMessages {
    pub fn remember(&mut self, msgid: String, recent: Recent) {
        if self.order.len() >= CAPACITY {
            if let Some(old) = self.order.pop_front() {
                self.by_id.remove(&old);
            }
        }
        self.order.push_back(msgid.clone());
        self.by_id.insert(msgid, recent);
    }

    pub fn get(&self, msgid: &str) -> Option<&Recent> {
        self.by_id.get(msgid)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn oldest_are_forgotten() {
        let mut r = RecentMessages::default();
        for i in 0..=CAPACITY {
            r.remember(i.to_string(), Recent { sender: 1, to: Sent::User(2) });
        }
        assert!(r.get("0").is_none());
        assert!(r.get(&CAPACITY.to_string()).is_some());
    }
}
