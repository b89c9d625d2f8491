//! IRCv3 capabilities hichat offers, and the set a client has enabled.

use crate::config::AccountsSection;

/// One capability.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Cap {
    CapNotify,
    EchoMessage,
    MultiPrefix,
    UserhostInNames,
    AwayNotify,
    Sasl,
    AccountNotify,
    ExtendedJoin,
    AccountRegistration,
    MessageTags,
    ServerTime,
    Batch,
    LabeledResponse,
    Setname,
    InviteNotify,
    NoImplicitNames,
    PreAway,
    ExtendedMonitor,
    Chghost,
    StandardReplies,
    MessageRedaction,
    Chathistory,
    EventPlayback,
    AccountTag,
    Multiline,
    ReadMarker,
    ChannelRename,
    Search,
}

impl Cap {
    /// Every capability offered, in the order CAP LS lists them.
    pub const ALL: &'static [Cap] = &[
        Cap::AccountNotify,
        Cap::AccountTag,
        Cap::AwayNotify,
        Cap::CapNotify,
        Cap::Chghost,
        Cap::AccountRegistration,
        Cap::Batch,
        Cap::EchoMessage,
        Cap::ExtendedJoin,
        Cap::ExtendedMonitor,
        Cap::LabeledResponse,
        Cap::InviteNotify,
        Cap::MessageTags,
        Cap::MultiPrefix,
        Cap::Sasl,
        Cap::ServerTime,
        Cap::Setname,
        Cap::StandardReplies,
        Cap::UserhostInNames,
        Cap::NoImplicitNames,
        Cap::PreAway,
        Cap::MessageRedaction,
        Cap::Chathistory,
        Cap::EventPlayback,
        Cap::Multiline,
        Cap::ReadMarker,
        Cap::ChannelRename,
        Cap::Search,
    ];

    pub fn name(self) -> &'static str {
        match self {
            Cap::CapNotify => "cap-notify",
            Cap::EchoMessage => "echo-message",
            Cap::MultiPrefix => "multi-prefix",
            Cap::UserhostInNames => "userhost-in-names",
            Cap::AwayNotify => "away-notify",
            Cap::Sasl => "sasl",
            Cap::AccountNotify => "account-notify",
            Cap::ExtendedJoin => "extended-join",
            Cap::AccountRegistration => "draft/account-registration",
            Cap::MessageTags => "message-tags",
            Cap::ServerTime => "server-time",
            Cap::Batch => "batch",
            Cap::LabeledResponse => "labeled-response",
            Cap::Setname => "setname",
            Cap::InviteNotify => "invite-notify",
            Cap::NoImplicitNames => "draft/no-implicit-names",
            Cap::PreAway => "draft/pre-away",
            Cap::ExtendedMonitor => "extended-monitor",
            Cap::Chghost => "chghost",
            Cap::StandardReplies => "standard-replies",
            Cap::MessageRedaction => "draft/message-redaction",
            Cap::Chathistory => "draft/chathistory",
            Cap::EventPlayback => "draft/event-playback",
            Cap::AccountTag => "account-tag",
            Cap::Multiline => crate::multiline::BATCH_TYPE,
            Cap::ReadMarker => "draft/read-marker",
            Cap::ChannelRename => "draft/channel-rename",
            Cap::Search => "draft/search",
        }
    }

    /// The value shown after `=` in CAP LS to clients of version 302 on.
    pub fn value(self) -> Option<&'static str> {
        match self {
            Cap::Sasl => Some(crate::accounts::sasl::MECHANISMS),
            Cap::AccountRegistration => Some("before-connect,custom-account-name"),
            Cap::Multiline => Some(crate::multiline::CAP_VALUE),
            _ => None,
        }
    }

    pub fn from_name(name: &str) -> Option<Cap> {
        Cap::ALL.iter().copied().find(|c| c.name() == name)
    }

    pub(crate) fn bit(self) -> u32 {
        1 << (self as u32)
    }
}

/// A set of enabled capabilities.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Caps(u32);

impl Caps {
    pub fn has(self, cap: Cap) -> bool {
        self.0 & cap.bit() != 0
    }

    pub fn set(&mut self, cap: Cap, on: bool) {
        if on {
            self.0 |= cap.bit();
        } else {
            self.0 &= !cap.bit();
        }
    }

    /// The set as bits, one per [`Cap`]: fan-out keys its encodings on them.
    pub fn bits(self) -> u32 {
        self.0
    }

    /// Names of the enabled capabilities, space-separated.
    pub fn names(self) -> String {
        Cap::ALL.iter().filter(|c| self.has(**c)).map(|c| c.name()).collect::<Vec<_>>().join(" ")
    }
}

impl FromIterator<Cap> for Caps {
    fn from_iter<I: IntoIterator<Item = Cap>>(caps: I) -> Self {
        let mut set = Caps::default();
        for cap in caps {
            set.set(cap, true);
        }
        set
    }
}

/// The CAP LS value: every capability, space-separated.
pub fn ls_line() -> String {
    ls_line_for(&AccountsSection::default())
}

/// [`ls_line`] under these `[accounts]` settings: draft/account-registration
/// is left out while registration is closed.
pub fn ls_line_for(accounts: &AccountsSection) -> String {
    offered(accounts).map(|c| c.name()).collect::<Vec<_>>().join(" ")
}

fn offered(accounts: &AccountsSection) -> impl Iterator<Item = &'static Cap> + '_ {
    Cap::ALL.iter().filter(|c| **c != Cap::AccountRegistration || accounts.registration)
}

/// The CAP LS value for CAP 302 clients: with values (`sasl=PLAIN,...`).
pub fn ls_line_302() -> String {
    ls_line_302_for(false, &AccountsSection::default())
}

/// [`ls_line_302`] for a client connected over TLS or not: `sasl` offers
/// EXTERNAL only where a client certificate can be presented, and
/// draft/account-registration's value follows the `[accounts]` switches.
pub fn ls_line_302_for(tls: bool, accounts: &AccountsSection) -> String {
    let item = |c: &Cap| match c.value() {
        Some(_) if *c == Cap::Sasl => format!("sasl={}", crate::accounts::sasl::mechanisms(tls)),
        Some(_) if *c == Cap::AccountRegistration => {
            let value = crate::accounts::registration_cap_value(accounts);
            if value.is_empty() {
                c.name().to_owned()
            } else {
                format!("{}={value}", c.name())
            }
        }
        Some(v) => format!("{}={v}", c.name()),
        None => c.name().to_owned(),
    };
    offered(accounts).map(item).collect::<Vec<_>>().join(" ")
}

/// Longest capability list put in one `CAP <nick> LS` line from `server`
/// to a 302 client: what is left of 512 bytes after the source, the nick,
/// `CAP LS *` and CR LF (never less than [`MIN_LIST_CHUNK`]).
pub fn list_chunk(server: &str, nick: &str) -> usize {
    let overhead = ":".len() + server.len() + " CAP ".len() + nick.len() + " LS * :".len() + "\r\n".len();
    512usize.saturating_sub(overhead).max(MIN_LIST_CHUNK)
}

/// The shortest piece a capability list is cut into.
pub const MIN_LIST_CHUNK: usize = 200;

/// Splits a space-separated list into pieces of at most `max` bytes (a
/// single longer item stands alone). Always at least one piece.
pub fn split_list(list: &str, max: usize) -> Vec<String> {
    let mut out = vec![String::new()];
    for item in list.split(' ').filter(|s| !s.is_empty()) {
        let cur = out.last_mut().expect("never empty");
        if !cur.is_empty() && cur.len() + 1 + item.len() > max {
            out.push(item.to_owned());
        } else {
            if !cur.is_empty() {
                cur.push(' ');
            }
            cur.push_str(item);
        }
    }
    out
}

/// cap-notify: tells every client with cap-notify that capabilities became
/// available (`CAP NEW`) or went away (`CAP DEL`); a deleted capability is
/// also turned off for everyone who had it. Values are shown to 302 clients.
pub fn announce(state: &mut crate::state::State, server: &str, new: &[Cap], del: &[Cap]) {
    let ids: Vec<_> = state.clients.keys().copied().collect();
    for id in ids {
        let Some(c) = state.client(id) else { continue };
        let (nick, mut caps, v302) = (c.nick.clone(), c.caps, c.cap_version >= 302);
        if !del.is_empty() && del.iter().any(|d| caps.has(*d)) {
            for d in del {
                caps.set(*d, false);
            }
            state.set_caps(id, caps);
        }
        if !caps.has(Cap::CapNotify) {
            continue;
        }
        let show = |c: &Cap| match c.value().filter(|_| v302) {
            Some(v) => format!("{}={v}", c.name()),
            None => c.name().to_owned(),
        };
        for (sub, list) in [("NEW", new), ("DEL", del)] {
            if list.is_empty() {
                continue;
            }
            let names = list.iter().map(show).collect::<Vec<_>>().join(" ");
            let msg = hichat_proto::Message::new("CAP", [nick.as_str(), sub, &names]).with_source(server);
            state.send(id, &msg);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn set_and_names() {
        let mut c = Caps::default();
        c.set(Cap::EchoMessage, true);
        c.set(Cap::MultiPrefix, true);
        assert!(c.has(Cap::EchoMessage));
        assert_eq!(c.names(), "echo-message multi-prefix");
        c.set(Cap::EchoMessage, false);
        assert_eq!(c.names(), "multi-prefix");
        assert_eq!(Cap::from_name("away-notify"), Some(Cap::AwayNotify));
        assert_eq!(Cap::from_name("sts"), None);
    }

    #[test]
    fn long_lists_split() {
        assert_eq!(split_list("aa bb cc", 5), ["aa bb", "cc"]);
        assert_eq!(split_list("", 5), [""]);
        // Every piece fits, and together they are the whole list.
        let pieces = split_list(&ls_line_302(), MIN_LIST_CHUNK);
        assert!(pieces.len() > 1 && pieces.iter().all(|p| p.len() <= MIN_LIST_CHUNK), "{pieces:?}");
        assert_eq!(pieces.join(" "), ls_line_302());
        assert_eq!(list_chunk("irc.example.org", "ann"), 512 - 1 - 15 - 5 - 3 - 7 - 2);
    }

    #[test]
    fn new_and_del_reach_cap_notify_clients() {
        use crate::outbox::Outbox;
        use crate::state::client::Client;
        use crate::state::State;
        use std::sync::Arc;

        let mut state = State::new(0);
        let mut outboxes = Vec::new();
        for (id, notify) in [(1, true), (2, false)] {
            let outbox = Arc::new(Outbox::new(10_000));
            let mut c = Client::new(id, "h".into(), None, outbox.clone(), 0);
            c.nick = format!("n{id}");
            c.cap_version = 302;
            c.caps.set(Cap::CapNotify, notify);
            c.caps.set(Cap::Batch, true);
            state.clients.insert(id, c);
            outboxes.push(outbox);
        }
        announce(&mut state, "srv", &[Cap::Sasl], &[Cap::Batch]);
        let mut out = bytes::BytesMut::new();
        outboxes[0].drain_into(&mut out);
        let sasl = format!("sasl={}", crate::accounts::sasl::MECHANISMS);
        assert_eq!(std::str::from_utf8(&out).unwrap(), format!(":srv CAP n1 NEW {sasl}\r\n:srv CAP n1 DEL batch\r\n"));
        let mut out = bytes::BytesMut::new();
        outboxes[1].drain_into(&mut out);
        assert!(out.is_empty());
        assert!(!state.client(2).unwrap().caps.has(Cap::Batch));
    }
}
