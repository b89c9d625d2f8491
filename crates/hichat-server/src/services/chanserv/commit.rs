//! TOPIC and MODE in a registered channel, answered only after commit.
//!
//! The connection task hands such a command here instead of to the
//! synchronous dispatcher ([`needs_commit`]). [`run`] dispatches it as
//! usual but with all its output held ([`crate::state::held`]), submits
//! the channel's new record under the same lock (so the store sees changes
//! in the order the state made them), awaits the commit without the lock,
//! and only then lets the reply and the relay go out. Commands on channels
//! that are not registered never come here and cost nothing extra.

use super::restore;
use crate::accounts::fail;
use crate::handlers::{self, Ctx};
use crate::server::Server;
use crate::state::client::ClientId;
use crate::state::held::Ticket;
use crate::state::State;
use hichat_proto::{casemap, Message};
use std::sync::Arc;

/// Whether `msg` is a TOPIC or MODE that may change a registered channel.
pub fn needs_commit(state: &State, msg: &Message) -> bool {
    let changes = (msg.command.eq_ignore_ascii_case("TOPIC") || msg.command.eq_ignore_ascii_case("MODE"))
        && msg.params.len() >= 2;
    changes && state.records.channels.contains_key(&casemap::fold(msg.param(0)))
}

/// Delivers a ticket's held output when dropped, so output never stays
/// stuck behind a task that was cancelled while it waited.
struct Release<'a> {
    server: &'a Server,
    ticket: Option<Ticket>,
}

impl Release<'_> {
    /// Releases the ticket; `deliver` runs first, under the lock, and says
    /// whether the held output goes out or is dropped.
    fn finish(mut self, deliver: impl FnOnce(&mut State) -> bool) {
        let mut state = self.server.state();
        if let Some(ticket) = self.ticket.take() {
            let deliver = deliver(&mut state);
            state.release(ticket, deliver);
        }
        state.reap(&self.server.info.name);
    }
}

impl Drop for Release<'_> {
    fn drop(&mut self) {
        if let Some(ticket) = self.ticket.take() {
            let mut state = self.server.state();
            state.release(ticket, true);
            state.reap(&self.server.info.name);
        }
    }
}

/// Runs a TOPIC or MODE for client `id` on a registered channel.
pub async fn run(server: &Arc<Server>, id: ClientId, msg: &Message) {
    let key = casemap::fold(msg.param(0));
    let (ticket, pending, before, submitted) = {
        let mut state = server.state();
        if !state.clients.contains_key(&id) {
            return;
        }
        let before = state.records.channels.get(&key).cloned();
        state.begin_hold();
        let mut ctx = Ctx { info: &server.info, state: &mut state, id, oper_verified: None };
        handlers::dispatch(&mut ctx, msg);
        if ctx.state.clients.contains_key(&id) {
            // Locked modes go back at once, in the same commit.
            super::settings::correct_mlock(&mut ctx, &key);
            super::after_change(&mut ctx, msg.param(0));
        }
        // `after_change` queued the new record, if anything changed.
        let changes = std::mem::take(&mut state.accounts.outgoing);
        // Every change is submitted; the last to commit is the one to await.
        let mut pending = None;
        for change in changes {
            pending = Some(server.store.submit(change));
        }
        let ticket = state.end_hold();
        let submitted = state.records.channels.get(&key).cloned();
        (ticket, pending, before, submitted)
    };
    let release = Release { server, ticket: Some(ticket) };
    let Some(pending) = pending else {
        return release.finish(|_| true);
    };
    match pending.done().await {
        Ok(()) => release.finish(|_| true),
        Err(e) => {
            tracing::error!(error = %e, channel = %msg.param(0), "cannot store a channel change");
            // Undo the change and drop its output, unless a later change was
            // made on top of it: that one's record carries it, so it stands.
            let undo = |state: &mut State| {
                let Some(before) = before.filter(|_| state.records.channels.get(&key) == submitted.as_ref()) else {
                    return true;
                };
                if let Some(chan) = state.channels.get_mut(&key) {
                    restore(chan, &before);
                }
                state.records.channels.insert(key.clone(), before);
                if state.clients.contains_key(&id) {
                    let mut ctx = Ctx { info: &server.info, state, id, oper_verified: None };
                    let verb = msg.command.to_ascii_uppercase();
                    fail(&mut ctx, &verb, "STORE_UNAVAILABLE", &[msg.param(0)], "fail-store-unavailable");
                }
                false
            };
            release.finish(undo);
        }
    }
}
