//! IRC operators: OPER, KILL, WALLOPS.
//!
//! OPER's password is checked against the argon2 hash of the operator block
//! (from the config or the store, see [`crate::operators`]) by the
//! connection task before the state lock is taken ([`verify_password`]),
//! because hashing takes tens of milliseconds and must not stall others.
//!
//! A name that has no block is checked against a dummy hash and answered
//! 464 like a wrong password, so neither the answer nor its time tells which
//! names exist; only the right password from a host the block does not
//! allow gets 491. Failures count against the login throttle
//! ([`crate::accounts::throttle`]).

use super::Ctx;
use crate::config::Operator;
use crate::reply::{HandlerError, HandlerResult};
use crate::state::client::ClientId;
use crate::state::State;
use argon2::{Argon2, PasswordHash, PasswordVerifier};
use hichat_proto::{casemap, Message, Numeric};

/// Checks `password` against an operator block's hash (slow: run it off the
/// async threads).
pub fn verify_password(op: &Operator, password: &str) -> bool {
    PasswordHash::new(&op.password_hash)
        .map(|hash| Argon2::default().verify_password(password.as_bytes(), &hash).is_ok())
        .unwrap_or(false)
}

/// What the connection task found when it checked an OPER password.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum OperCheck {
    /// The password matches this block.
    Verified(String),
    /// No such block, or the wrong password.
    Wrong,
    /// Too many failures from this connection or source; not checked.
    Throttled,
    /// The hashing pool was full; not checked.
    Busy,
}

pub fn oper(ctx: &mut Ctx<'_>, name: &str) -> HandlerResult {
    let refused = |text: &str| Err(HandlerError::NumericText(Numeric::ErrPasswdMismatch, Vec::new(), text.into()));
    match &ctx.oper_verified {
        Some(OperCheck::Verified(n)) if n == name => {}
        Some(OperCheck::Throttled) => return refused("Too many failed attempts; wait a minute"),
        Some(OperCheck::Busy) => return refused("The server is busy; try again in a moment"),
        _ => {
            tracing::warn!(id = ctx.id, oper = name, "failed OPER attempt");
            return Err(HandlerError::numeric(Numeric::ErrPasswdMismatch, Vec::<String>::new()));
        }
    }
    let Some(op) = crate::operators::block(&ctx.info.config.operators, &ctx.state.records.operators, name) else {
        return Err(HandlerError::numeric(Numeric::ErrPasswdMismatch, Vec::<String>::new()));
    };
    let userhost = ctx.me().userhost();
    if !op.hosts.is_empty() && !op.hosts.iter().any(|m| casemap::wildcard_match(m, &userhost)) {
        return Err(HandlerError::numeric(Numeric::ErrNoOperHost, Vec::<String>::new()));
    }
    let before = ctx.state.counted(ctx.id);
    let me = ctx.me_mut();
    me.modes.oper = true;
    me.oper_name = Some(name.to_owned());
    let nick = me.nick.clone();
    ctx.state.recount(ctx.id, before);
    tracing::info!(id = ctx.id, nick = %nick, oper = name, "operator up");
    ctx.numeric(Numeric::RplYoureOper, &[]);
    let msg = Message::new("MODE", [nick.as_str(), "+o"]).with_source(ctx.me().prefix.clone());
    ctx.send(&msg);
    Ok(())
}

pub fn kill(ctx: &mut Ctx<'_>, nick: &str, reason: &str) -> HandlerResult {
    if casemap::eq(nick, &ctx.info.name) {
        return Err(HandlerError::numeric(Numeric::ErrCantKillServer, Vec::<String>::new()));
    }
    let target = ctx.state.find_nick(nick).ok_or_else(|| HandlerError::numeric(Numeric::ErrNoSuchNick, [nick]))?;
    let target_id = target.id;
    let killer = ctx.me().nick.clone();
    let source = ctx.me().prefix.clone();
    tracing::info!(by = %killer, target = %target.nick, reason, "kill");
    kill_client(ctx.state, &ctx.info.name, target_id, &source, &killer, reason);
    Ok(())
}

/// Disconnects client `target` as KILL does: it is sent `KILL` from
/// `source` (the killer's prefix, or the server's name), then everyone
/// sees it quit with `Killed (<by> (<reason>))`. Also used by the admin
/// API ([`crate::web`]).
pub(crate) fn kill_client(state: &mut State, server: &str, target: ClientId, source: &str, by: &str, reason: &str) {
    let Some(nick) = state.client(target).map(|c| c.nick.clone()) else { return };
    let msg = Message::new("KILL", [nick.as_str(), reason]).with_source(source.to_owned());
    state.send(target, &msg);
    state.remove_client(target, &format!("Killed ({by} ({reason}))"), server);
}

pub fn wallops(ctx: &mut Ctx<'_>, text: &str) -> HandlerResult {
    let msg = Message::new("WALLOPS", [text]).with_source(ctx.me().prefix.clone());
    let mut relay = ctx.state.relay_from(ctx.id, msg);
    let targets: Vec<_> =
        ctx.state.clients.values().filter(|c| c.registered && c.modes.wallops).map(|c| c.id).collect();
    for t in targets {
        ctx.state.relay_to(t, &mut relay);
    }
    Ok(())
}

/// For the operator commands that run outside the handler table (KLINE,
/// OPERATOR, REHASH): whether the running client is a registered operator.
/// Otherwise it gets 451 or 481 and the command stops.
pub fn operator_or_refuse(ctx: &mut Ctx<'_>) -> bool {
    if !ctx.me().registered {
        ctx.numeric(Numeric::ErrNotRegistered, &[]);
        return false;
    }
    if !ctx.me().modes.oper {
        ctx.numeric(Numeric::ErrNoPrivileges, &[]);
        return false;
    }
    true
}
