//! A channel: its members with their prefixes, topic, modes and lists.

use crate::caps::Caps;
use crate::outbox::Outbox;
use crate::state::client::ClientId;
use hichat_proto::casemap::wildcard_match;
use std::collections::{HashMap, HashSet};
use std::sync::Arc;

/// A member's channel privileges (`@` op, `+` voice).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Prefixes {
    pub op: bool,
    pub voice: bool,
}

impl Prefixes {
    /// The highest prefix, or all of them with `multi`.
    pub fn symbols(self, multi: bool) -> &'static str {
        match (self.op, self.voice, multi) {
            (true, true, true) => "@+",
            (true, _, _) => "@",
            (false, true, _) => "+",
            _ => "",
        }
    }
}

/// One channel member. The outbox and capabilities are kept here so that a
/// message to the channel reaches every member, encoded as its capabilities
/// ask, without another lookup.
#[derive(Debug, Clone)]
pub struct Member {
    pub prefixes: Prefixes,
    pub outbox: Arc<Outbox>,
    /// A copy of the client's capabilities, kept in step by
    /// [`crate::state::State::set_caps`].
    pub caps: Caps,
    /// When it joined (Unix ms): in an unregistered channel it reads only
    /// the history said since (see [`crate::history::channel_since`]).
    pub joined_ms: u64,
}

/// The channel's topic with who set it and when.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Topic {
    pub text: String,
    pub setter: String,
    pub time: u64,
}

/// An entry of a ban (b), exception (e) or invite-exception (I) list.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ListEntry {
    pub mask: String,
    pub setter: String,
    pub time: u64,
}

/// Channel modes without list semantics.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ChannelModes {
    pub invite_only: bool,
    pub key: Option<String>,
    pub limit: Option<usize>,
    pub moderated: bool,
    pub no_external: bool,
    pub secret: bool,
    pub topic_locked: bool,
}

impl ChannelModes {
    /// The mode string and its parameters, e.g. `+klnt` `secret` `10`. The key
    /// is shown only to members (`show_key`).
    pub fn to_mode_params(&self, show_key: bool) -> Vec<String> {
        let mut flags = String::from("+");
        let mut params = Vec::new();
        for (on, c) in [
            (self.invite_only, 'i'),
            (self.moderated, 'm'),
            (self.no_external, 'n'),
            (self.secret, 's'),
            (self.topic_locked, 't'),
        ] {
            if on {
                flags.push(c);
            }
        }
        if let Some(key) = &self.key {
            flags.push('k');
            params.push(if show_key { key.clone() } else { "*".into() });
        }
        if let Some(limit) = self.limit {
            flags.push('l');
            params.push(limit.to_string());
        }
        params.insert(0, flags);
        params
    }
}

/// A channel and everything about it.
#[derive(Debug)]
pub struct Channel {
    /// The name as first created (display form).
    pub name: String,
    pub created: u64,
    pub topic: Option<Topic>,
    pub modes: ChannelModes,
    pub bans: Vec<ListEntry>,
    pub excepts: Vec<ListEntry>,
    pub invex: Vec<ListEntry>,
    pub members: HashMap<ClientId, Member>,
    /// Users a channel operator invited, until they join or the channel
    /// ends (each user's own list, `Client::invites`, bounds them).
    pub invited: HashSet<ClientId>,
}

impl Channel {
    /// A new, empty channel with the default modes `+nt`.
    pub fn new(name: String, created: u64) -> Self {
        Self {
            name,
            created,
            topic: None,
            modes: ChannelModes { no_external: true, topic_locked: true, ..Default::default() },
            bans: Vec::new(),
            excepts: Vec::new(),
            invex: Vec::new(),
            members: HashMap::new(),
            invited: HashSet::new(),
        }
    }

    pub fn is_member(&self, id: ClientId) -> bool {
        self.members.contains_key(&id)
    }

    /// Whether the channel is secret (`+s`) and `id` outside it: then it
    /// answers `id` as though it did not exist.
    pub fn hidden_from(&self, id: ClientId) -> bool {
        self.modes.secret && !self.is_member(id)
    }

    pub fn prefixes(&self, id: ClientId) -> Prefixes {
        self.members.get(&id).map(|m| m.prefixes).unwrap_or_default()
    }

    pub fn is_op(&self, id: ClientId) -> bool {
        self.prefixes(id).op
    }

    /// Whether `prefix` (`nick!user@host`) is banned and not excepted.
    pub fn is_banned(&self, prefix: &str) -> bool {
        matches_any(&self.bans, prefix) && !matches_any(&self.excepts, prefix)
    }

    /// Whether `prefix` matches an invite exception.
    pub fn is_invex(&self, prefix: &str) -> bool {
        matches_any(&self.invex, prefix)
    }
}

fn matches_any(list: &[ListEntry], prefix: &str) -> bool {
    list.iter().any(|e| wildcard_match(&e.mask, prefix))
}

/// Turns what a user typed as a ban mask into a full `nick!user@host` mask:
/// `bob` becomes `bob!*@*`, `*@host` becomes `*!*@host`.
pub fn normalize_mask(mask: &str) -> String {
    let (nick, rest) = match mask.split_once('!') {
        Some((n, r)) => (n, r.to_owned()),
        None if mask.contains('@') => ("*", mask.to_owned()),
        None => (mask, "*@*".to_owned()),
    };
    let rest = if rest.contains('@') { rest } else { format!("{rest}@*") };
    let nick = if nick.is_empty() { "*" } else { nick };
    format!("{nick}!{rest}")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn masks_are_completed() {
        assert_eq!(normalize_mask("bob"), "bob!*@*");
        assert_eq!(normalize_mask("*@1.2.3.4"), "*!*@1.2.3.4");
        assert_eq!(normalize_mask("bob!u"), "bob!u@*");
        assert_eq!(normalize_mask("a!b@c"), "a!b@c");
    }

    #[test]
    fn ban_with_exception() {
        let mut c = Channel::new("#c".into(), 0);
        let e = |m: &str| ListEntry { mask: m.into(), setter: "x".into(), time: 0 };
        c.bans.push(e("*!*@1.2.3.4"));
        assert!(c.is_banned("bob!u@1.2.3.4"));
        c.excepts.push(e("bob!*@*"));
        assert!(!c.is_banned("bob!u@1.2.3.4"));
        assert!(c.is_banned("eve!u@1.2.3.4"));
    }
}
