//! Relays of what a user does, tagged for the clients that ask: `time` for
//! server-time and, for account-tag, `account` with the sender's account
//! when the sender is logged in (every command a user sends carries it).

use super::client::ClientId;
use super::{Relay, State};
use crate::caps::Cap;
use hichat_proto::{casemap, Message};

/// Adds the `account` tag for clients with account-tag, when there is an
/// account (a logged-out sender's messages carry none).
pub fn with_account(relay: Relay, account: Option<&str>) -> Relay {
    match account {
        Some(a) => relay.tag(Cap::AccountTag, "account", Some(a.to_owned())),
        None => relay,
    }
}

impl State {
    /// A relay of `msg` sent by client `id`, stamped with the time and a
    /// new msgid (see [`Relay::stamped`]) and tagged with `id`'s account.
    pub fn relay_from(&self, id: ClientId, msg: Message) -> Relay {
        let account = self.clients.get(&id).and_then(|c| c.account.as_deref());
        with_account(Relay::stamped(msg), account)
    }

    /// A relay of `msg`, stamped with the time and a new msgid; when its
    /// source is a client here (found by its full `nick!user@host`), tagged
    /// with its account.
    pub fn relay_of(&self, msg: Message) -> Relay {
        let account = msg.source.as_deref().and_then(|s| self.account_of_source(s)).map(str::to_owned);
        with_account(Relay::stamped(msg), account.as_deref())
    }

    /// The account of the client whose prefix is `source`, if it is logged in.
    fn account_of_source(&self, source: &str) -> Option<&str> {
        let (nick, _) = source.split_once('!')?;
        let client = self.nicks.get(&casemap::fold(nick)).and_then(|id| self.clients.get(id))?;
        (client.prefix == source).then_some(client.account.as_deref()).flatten()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::caps::Caps;
    use crate::outbox::Outbox;
    use crate::state::client::Client;
    use std::sync::Arc;

    #[test]
    fn account_only_for_logged_in_senders_and_account_tag_clients() {
        let mut state = State::new(0);
        let mut c = Client::new(1, "h".into(), None, Arc::new(Outbox::new(1000)), 0);
        (c.nick, c.user, c.registered, c.account) = ("ann".into(), "a".into(), true, Some("Ann".into()));
        c.update_prefix();
        state.nicks.insert("ann".into(), 1);
        state.clients.insert(1, c);
        let mut tagged = Caps::default();
        tagged.set(Cap::AccountTag, true);

        let msg = Message::new("PART", ["#c"]).with_source("ann!a@h");
        let mut r = state.relay_of(msg.clone());
        assert_eq!(&r.bytes_for(tagged)[..], b"@account=Ann :ann!a@h PART #c\r\n");
        assert_eq!(&r.bytes_for(Caps::default())[..], b":ann!a@h PART #c\r\n");
        assert_eq!(&state.relay_from(1, msg).bytes_for(tagged)[..], b"@account=Ann :ann!a@h PART #c\r\n");
        // A source that is not exactly a client's prefix is not tagged.
        let mut r = state.relay_of(Message::new("PART", ["#c"]).with_source("ann!x@elsewhere"));
        assert_eq!(&r.bytes_for(tagged)[..], b":ann!x@elsewhere PART #c\r\n");
        state.clients.get_mut(&1).unwrap().account = None;
        let mut r = state.relay_from(1, Message::new("PART", ["#c"]).with_source("ann!a@h"));
        assert_eq!(&r.bytes_for(tagged)[..], b":ann!a@h PART #c\r\n");
    }
}
