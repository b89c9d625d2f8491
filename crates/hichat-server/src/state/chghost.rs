//! Changing a client's user or host while it is connected, and telling
//! others (IRCv3 chghost, with the QUIT and JOIN fallback for clients
//! without it).

use super::client::ClientId;
use super::{Relay, State};
use crate::caps::Cap;
use hichat_proto::Message;

impl State {
    /// Gives client `id` a new user and host. Peers and the client itself
    /// with chghost see `:old!prefix CHGHOST user host`; peers without it
    /// see the client quit and join its channels again, with its channel
    /// status restored by MODE. extended-monitor watchers with chghost are
    /// told too.
    pub fn change_host(&mut self, id: ClientId, user: &str, host: &str, server: &str) {
        let Some(c) = self.clients.get_mut(&id) else { return };
        let old_prefix = c.prefix.clone();
        c.user = user.to_owned();
        c.host = host.to_owned();
        c.update_prefix();
        let new_prefix = c.prefix.clone();
        let channels = c.channels.clone();

        let mut chghost = self.relay_from(id, Message::new("CHGHOST", [user, host]).with_source(old_prefix.clone()));
        let mut quit = self.relay_from(id, Message::new("QUIT", ["Changing host"]).with_source(old_prefix));
        let mut targets: Vec<_> = self.peers(id).into_iter().collect();
        targets.push(id);
        targets.extend(self.monitor_extended(id, Cap::Chghost));
        for t in targets {
            match self.client(t).map(|c| c.caps.has(Cap::Chghost)) {
                Some(true) => self.relay_to(t, &mut chghost),
                Some(false) if t != id => self.relay_to(t, &mut quit),
                _ => {}
            }
        }
        for key in channels {
            let Some(chan) = self.channels.get(&key) else { continue };
            let name = chan.name.clone();
            let status = chan.prefixes(id);
            let mut join = self.relay_from(id, Message::new("JOIN", [name.as_str()]).with_source(new_prefix.clone()));
            self.relay_to_channel(&key, &mut join, |m, member| m != id && !member.caps.has(Cap::Chghost));
            let nick = new_prefix.split('!').next().unwrap_or_default().to_owned();
            let modes: String =
                [(status.op, 'o'), (status.voice, 'v')].iter().filter(|(on, _)| *on).map(|(_, c)| *c).collect();
            if !modes.is_empty() {
                let mut params = vec![name.clone(), format!("+{modes}")];
                params.extend(std::iter::repeat_n(nick, modes.len()));
                let mut mode = Relay::stamped(Message::new("MODE", params).with_source(server));
                self.relay_to_channel(&key, &mut mode, |m, member| m != id && !member.caps.has(Cap::Chghost));
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::outbox::Outbox;
    use crate::state::client::Client;
    use std::sync::Arc;

    fn drain(o: &Outbox) -> String {
        let mut out = bytes::BytesMut::new();
        o.drain_into(&mut out);
        String::from_utf8(out.to_vec()).unwrap()
    }

    #[test]
    fn chghost_or_quit_and_join() {
        let mut state = State::new(0);
        let mut boxes = Vec::new();
        for (id, nick, cap) in [(1, "ann", false), (2, "bob", true), (3, "cat", false)] {
            let outbox = Arc::new(Outbox::new(100_000));
            let mut c = Client::new(id, "h".into(), None, outbox.clone(), 0);
            (c.nick, c.user, c.registered) = (nick.into(), nick.into(), true);
            c.caps.set(Cap::Chghost, cap);
            c.update_prefix();
            state.clients.insert(id, c);
            state.add_member(id, "#c", 0);
            boxes.push(outbox);
        }
        for b in &boxes {
            drain(b);
        }
        // ann created #c, so she is its operator.
        state.change_host(1, "ann", "new.host", "srv");
        assert_eq!(drain(&boxes[0]), "");
        assert_eq!(drain(&boxes[1]), ":ann!ann@h CHGHOST ann new.host\r\n");
        assert_eq!(
            drain(&boxes[2]),
            ":ann!ann@h QUIT :Changing host\r\n:ann!ann@new.host JOIN #c\r\n:srv MODE #c +o ann\r\n"
        );
        assert_eq!(state.client(1).unwrap().prefix, "ann!ann@new.host");
    }
}
