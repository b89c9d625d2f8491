//! Consistency checks on the registry, for the stateful fuzzer
//! (`tests/stateful_fuzz.rs`) and other tests: not part of the server's API.

use crate::state::State;
use hichat_proto::casemap;

/// Every way `state` contradicts itself, each as one sentence; empty when
/// it is consistent. Checks that the nick map and the clients' nicks are
/// one-to-one, that channel membership is symmetric, that no channel is
/// empty, and that the LUSERS counters match the clients.
#[doc(hidden)]
pub fn check(state: &State) -> Vec<String> {
    let mut bad = Vec::new();
    for (folded, id) in &state.nicks {
        match state.clients.get(id) {
            None => bad.push(format!("nick {folded:?} maps to client {id}, which is gone")),
            Some(c) if casemap::fold(&c.nick) != *folded => {
                bad.push(format!("nick {folded:?} maps to client {id}, whose nick is {:?}", c.nick))
            }
            Some(_) => {}
        }
    }
    for (id, c) in &state.clients {
        if c.id != *id {
            bad.push(format!("client {id} is stored with id {}", c.id));
        }
        if c.nick != "*" && state.nicks.get(&casemap::fold(&c.nick)) != Some(id) {
            bad.push(format!("client {id}'s nick {:?} does not map back to it", c.nick));
        }
        if c.registered && c.prefix != format!("{}!{}@{}", c.nick, c.user, c.host) {
            bad.push(format!("client {id}'s prefix {:?} is stale (nick {:?})", c.prefix, c.nick));
        }
        for key in &c.channels {
            match state.channels.get(key) {
                None => bad.push(format!("client {id} lists channel {key:?}, which is gone")),
                Some(chan) if !chan.is_member(*id) => {
                    bad.push(format!("client {id} lists channel {key:?}, which does not list it"))
                }
                Some(_) => {}
            }
        }
        let mut keys = c.channels.clone();
        keys.sort();
        keys.dedup();
        if keys.len() != c.channels.len() {
            bad.push(format!("client {id} lists a channel twice: {:?}", c.channels));
        }
    }
    for (key, chan) in &state.channels {
        if casemap::fold(&chan.name) != *key {
            bad.push(format!("channel {:?} is stored under {key:?}", chan.name));
        }
        if chan.members.is_empty() {
            bad.push(format!("channel {key:?} is empty but still exists"));
        }
        for id in chan.members.keys() {
            match state.clients.get(id) {
                None => bad.push(format!("channel {key:?} lists client {id}, which is gone")),
                Some(c) if !c.channels.contains(key) => {
                    bad.push(format!("channel {key:?} lists client {id}, which does not list it"))
                }
                Some(_) => {}
            }
        }
    }
    let registered = state.clients.values().filter(|c| c.registered);
    let (users, invisible, opers) = registered
        .fold((0, 0, 0), |(u, i, o), c| (u + 1, i + usize::from(c.modes.invisible), o + usize::from(c.modes.oper)));
    if state.user_counts() != (users, invisible, opers) {
        bad.push(format!("LUSERS counts {:?}, clients give {:?}", state.user_counts(), (users, invisible, opers)));
    }
    bad
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_empty_state_is_consistent_and_a_dangling_nick_is_not() {
        let mut state = State::new(0);
        assert!(check(&state).is_empty());
        state.nicks.insert("ghost".into(), 42);
        assert_eq!(check(&state), ["nick \"ghost\" maps to client 42, which is gone"]);
    }
}
