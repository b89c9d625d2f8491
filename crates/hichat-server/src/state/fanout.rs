//! Fan-out: one message relayed to many clients, encoded once per
//! capability variant, not once per recipient.
//!
//! A [`Relay`] holds a message without tags plus the tags it may carry, each
//! shown only to clients with a given capability: `time` to those with
//! server-time; `msgid`, `bot` and client-only `+tags` to those with
//! message-tags. Every relay made by [`Relay::stamped`] (and so every relay
//! of what a user does, [`State::relay_from`]) carries a msgid. A
//! recipient's variant is its capability bits masked to the capabilities
//! those tags need, so a channel of plain clients shares one encoding, and
//! there are never more encodings than combinations of the few
//! capabilities that matter (two or three today). Members carry a copy
//! of their client's capabilities ([`super::channel::Member::caps`]) so a
//! channel fan-out needs no lookup per member.

use super::channel::Member;
use super::client::ClientId;
use super::State;
use crate::caps::{Cap, Caps};
use crate::outbox::Push;
use crate::{clock, msgid};
use bytes::{BufMut, Bytes, BytesMut};
use hichat_proto::{escape_tag_value, Message, Tag};

/// A message on its way to several clients, with its encodings so far.
#[derive(Debug)]
pub struct Relay {
    /// The message; its own tags are ignored, see [`Relay::tag`].
    msg: Message,
    /// Each tag with the capability a client needs to be sent it.
    tags: Vec<(Cap, Tag)>,
    /// The union of the capabilities in `tags`.
    mask: u32,
    /// Encodings made so far, keyed by masked capability bits.
    encodings: Vec<(u32, Bytes)>,
}

impl Relay {
    /// A relay of `msg` with no tags. Tags already on `msg` are kept, shown
    /// to clients with message-tags.
    pub fn new(mut msg: Message) -> Self {
        let tags = std::mem::take(&mut msg.tags);
        let mut relay = Relay { msg, tags: Vec::new(), mask: 0, encodings: Vec::new() };
        for t in tags {
            relay = relay.tag(Cap::MessageTags, t.key, t.value);
        }
        relay
    }

    /// A relay of `msg` stamped as an event happening now: a `time` tag
    /// (server-time) and a new `msgid` (message-tags) made at that same
    /// millisecond, so [`crate::msgid::time_of`] gives back the time shown.
    /// Every client sees one event under one msgid, which is also the one
    /// history stores it under.
    pub fn stamped(msg: Message) -> Self {
        let now = clock::stamp_millis();
        Relay::new(msg).with_time(now).tag(Cap::MessageTags, "msgid", Some(msgid::new_msgid(now)))
    }

    /// The same tags on another form of the same message (a JOIN with and
    /// without extended-join's account and real name): one event, one
    /// msgid and time, whichever form a client is sent.
    pub fn variant(&self, msg: Message) -> Relay {
        Relay { msg, tags: self.tags.clone(), mask: self.mask, encodings: Vec::new() }
    }

    /// Adds the `time` tag for clients with server-time.
    pub fn with_time(self, millis: u64) -> Self {
        self.tag(Cap::ServerTime, "time", Some(clock::format_server_time(millis)))
    }

    /// Adds a tag shown to clients that have `cap`.
    pub fn tag(mut self, cap: Cap, key: impl Into<String>, value: Option<String>) -> Self {
        self.tags.push((cap, Tag::new(key, value)));
        self.mask |= cap.bit();
        self.encodings.clear();
        self
    }

    /// The message (without tags).
    pub fn message(&self) -> &Message {
        &self.msg
    }

    /// The `msgid` it carries, if any.
    pub fn msgid(&self) -> Option<&str> {
        self.tags.iter().find(|(_, t)| t.key == "msgid").and_then(|(_, t)| t.value.as_deref())
    }

    /// The bits of the capabilities its tags need: recipients whose
    /// capabilities agree on these get the same encoding.
    pub fn mask(&self) -> u32 {
        self.mask
    }

    /// The encoding a client with `caps` receives. Made on first use of
    /// each variant, then shared.
    pub fn bytes_for(&mut self, caps: Caps) -> Bytes {
        self.encoding(caps).clone()
    }

    /// Like [`Relay::bytes_for`] but borrowed: fan-out copies the bytes into
    /// each outbox, so taking a reference count per recipient (an atomic
    /// on a cache line both cores share) would be wasted.
    pub fn encoding(&mut self, caps: Caps) -> &Bytes {
        let key = caps.bits() & self.mask;
        let i = match self.encodings.iter().position(|(k, _)| *k == key) {
            Some(i) => i,
            None => {
                let bytes = self.encode(key);
                self.encodings.push((key, bytes));
                self.encodings.len() - 1
            }
        };
        &self.encodings[i].1
    }

    fn encode(&self, key: u32) -> Bytes {
        let mut out = BytesMut::new();
        let mut first = true;
        let mut s = String::new();
        for (cap, tag) in &self.tags {
            if key & cap.bit() == 0 {
                continue;
            }
            s.push(if first { '@' } else { ';' });
            first = false;
            s.push_str(&tag.key);
            if let Some(v) = tag.value.as_deref().filter(|v| !v.is_empty()) {
                s.push('=');
                escape_tag_value(v, &mut s);
            }
        }
        if !first {
            s.push(' ');
            out.put_slice(s.as_bytes());
        }
        self.msg.write(&mut out);
        out.freeze()
    }
}

/// What fan-out sends: the bytes (one line or several) a client with given
/// capabilities receives, made once per variant and then shared.
pub trait Encode {
    fn encoding(&mut self, caps: Caps) -> &Bytes;
}

impl Encode for Relay {
    fn encoding(&mut self, caps: Caps) -> &Bytes {
        Relay::encoding(self, caps)
    }
}

impl State {
    /// Relays to the members of a channel for which `include` holds.
    pub fn relay_to_channel(
        &mut self,
        chan_key: &str,
        relay: &mut impl Encode,
        include: impl Fn(ClientId, &Member) -> bool,
    ) {
        let Some(chan) = self.channels.get(chan_key) else { return };
        let captured = self.capture.as_ref().map(|c| c.id);
        let mut relayed = 0;
        for (id, member) in &chan.members {
            if !include(*id, member) {
                continue;
            }
            relayed += 1;
            let bytes = relay.encoding(member.caps);
            if captured == Some(*id) {
                if self.capture.as_mut().map(|c| c.push(bytes.clone())) == Some(super::capture::Held::Overflowed) {
                    self.dead.push(*id);
                }
            } else if let Some(lines) = self.held.collecting.as_mut() {
                lines.push((*id, bytes.clone()));
            } else if member.outbox.push(bytes) == Push::Overflowed {
                self.dead.push(*id);
            }
        }
        self.counters.messages_relayed += relayed;
    }

    /// Relays once to everyone sharing a channel with `id`, and to `id`
    /// itself when `include_self`.
    pub fn relay_to_peers(&mut self, id: ClientId, relay: &mut impl Encode, include_self: bool) {
        let mut targets = self.peers(id);
        if include_self {
            targets.insert(id);
        }
        for target in targets {
            self.relay_to(target, relay);
        }
    }

    /// Relays to one client, encoded for its capabilities.
    pub fn relay_to(&mut self, id: ClientId, relay: &mut impl Encode) {
        if let Some(caps) = self.clients.get(&id).map(|c| c.caps) {
            let bytes = relay.encoding(caps).clone();
            self.send_bytes(id, bytes);
        }
    }

    /// Changes a client's capabilities, and the copies its channel
    /// memberships keep.
    pub fn set_caps(&mut self, id: ClientId, caps: Caps) {
        let Some(client) = self.clients.get_mut(&id) else { return };
        client.caps = caps;
        for key in &client.channels {
            if let Some(m) = self.channels.get_mut(key).and_then(|c| c.members.get_mut(&id)) {
                m.caps = caps;
            }
        }
    }

    /// From now until [`State::end_capture`], lines for `id` are held back
    /// instead of queued, so a labeled command's response can be wrapped;
    /// no more of them than the client's send queue holds.
    pub fn begin_capture(&mut self, id: ClientId) {
        let limit = self.clients.get(&id).map_or(0, |c| c.outbox.limit());
        self.capture = Some(super::capture::Capture::new(id, limit));
    }

    /// Stops capturing and returns what was held back: nothing when it
    /// passed the send queue size (the client is then dropped for SendQ,
    /// see [`State::overflowed`]).
    pub fn end_capture(&mut self) -> Vec<Bytes> {
        self.capture.take().and_then(|c| c.finish()).unwrap_or_default()
    }

    /// Runs `f` with capturing paused, so what it sends is not part of a
    /// labeled response: a message a client sends itself is delivered to it
    /// unlabeled, and only the echo-message copy carries the label.
    pub fn uncaptured<R>(&mut self, f: impl FnOnce(&mut State) -> R) -> R {
        let capture = self.capture.take();
        let r = f(self);
        self.capture = capture;
        r
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn one_encoding_per_variant() {
        let msg = Message::new("PRIVMSG", ["#c", "hi there"]).with_source("ann!a@h");
        let mut r = Relay::new(msg).with_time(1_795_618_253_007).tag(Cap::MessageTags, "msgid", Some("X1".into())).tag(
            Cap::MessageTags,
            "+draft/reply",
            Some("a;b c".into()),
        );
        let plain = r.bytes_for(Caps::default());
        assert_eq!(&plain[..], b":ann!a@h PRIVMSG #c :hi there\r\n");
        // Capabilities that add no tag share the plain encoding.
        assert_eq!(r.bytes_for(Caps::from_iter([Cap::EchoMessage, Cap::MultiPrefix])).as_ptr(), plain.as_ptr());
        let time = r.bytes_for(Caps::from_iter([Cap::ServerTime]));
        assert_eq!(&time[..], b"@time=2026-11-25T14:50:53.007Z :ann!a@h PRIVMSG #c :hi there\r\n");
        let all = r.bytes_for(Caps::from_iter([Cap::ServerTime, Cap::MessageTags]));
        assert_eq!(
            &all[..],
            b"@time=2026-11-25T14:50:53.007Z;msgid=X1;+draft/reply=a\\:b\\sc :ann!a@h PRIVMSG #c :hi there\r\n"
        );
        assert_eq!(r.encodings.len(), 3);
    }

    #[test]
    fn stamped_relays_carry_one_msgid_at_their_time() {
        let mut join = Relay::stamped(Message::new("JOIN", ["#c"]).with_source("ann!a@h"));
        let id = join.msgid().expect("a msgid").to_owned();
        let millis = crate::msgid::time_of(&id).expect("a msgid made here");
        let time = clock::format_server_time(millis);
        let tagged = Caps::from_iter([Cap::ServerTime, Cap::MessageTags]);
        let line = format!("@time={time};msgid={id} :ann!a@h JOIN #c\r\n");
        assert_eq!(join.bytes_for(tagged), line.as_bytes());
        assert_eq!(
            &join.bytes_for(Caps::from_iter([Cap::ServerTime]))[..],
            format!("@time={time} :ann!a@h JOIN #c\r\n").as_bytes()
        );
        // The extended-join form is the same event: same msgid and time.
        let mut extended = join.variant(Message::new("JOIN", ["#c", "*", "Ann"]).with_source("ann!a@h"));
        let line = format!("@time={time};msgid={id} :ann!a@h JOIN #c * Ann\r\n");
        assert_eq!(extended.bytes_for(tagged), line.as_bytes());
        assert_ne!(Relay::stamped(Message::new("PART", ["#c"])).msgid(), Some(id.as_str()));
    }
}
