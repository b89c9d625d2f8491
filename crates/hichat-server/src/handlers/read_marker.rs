//! draft/read-marker: `MARKREAD <target> [timestamp=...]` sets or asks for
//! the time of the last message the user has read in a channel or query.
//!
//! A logged-in user's markers belong to the account: stored (a change is
//! queued for the store at once, committed in order with others) and sent
//! to every connection logged in to it that has the capability. A user not
//! logged in has them per nickname, in memory, until the nick is released.
//! A marker only moves forward and never past the present. Clients with
//! the capability are sent the marker of each channel they join, before the
//! end of NAMES.
//!
//! Markers are bounded: `[limits] read_markers_per_user` each account or
//! nick (the oldest goes to make room), and only for targets the user can
//! see: a channel it is in or one that exists and is not secret, or a user
//! online or a registered account (someone it may talk with privately).
//! Anything else is `FAIL MARKREAD INVALID_PARAMS`, never a stored row.

use super::Ctx;
use crate::caps::Cap;
use crate::reply::{HandlerError, HandlerResult};
use crate::store::Change;
use crate::{accounts, clock};
use hichat_proto::{casemap, ChannelName, Message, Nickname};

fn fail(code: &'static str, context: Vec<String>, text: &'static str) -> HandlerError {
    HandlerError::Fail { command: "MARKREAD".into(), code, context, text: text.into() }
}

/// The `timestamp=...` parameter for a marker, `*` when there is none.
fn shown(time: Option<u64>) -> String {
    time.map_or_else(|| "*".into(), |t| format!("timestamp={}", clock::format_server_time(t)))
}

/// The marker of client `ctx.id` for a folded target.
fn marker(ctx: &Ctx<'_>, target: &str) -> Option<u64> {
    let me = ctx.me();
    match &me.account {
        Some(account) => ctx.state.records.read_markers.get(&accounts::fold(account))?.get(target).copied(),
        None => ctx.state.nick_markers.get(&casemap::fold(&me.nick), target),
    }
}

pub fn markread(ctx: &mut Ctx<'_>, target: Option<&str>, timestamp: Option<&str>) -> HandlerResult {
    let Some(target) = target.filter(|t| !t.is_empty()) else {
        return Err(fail("NEED_MORE_PARAMS", Vec::new(), "fail-missing-params"));
    };
    let max = &ctx.info.config.limits;
    let valid = if ChannelName::is_channel_like(target) {
        ChannelName::parse(target, max.channel_length).is_ok()
    } else {
        Nickname::parse(target, max.nick_length).is_ok()
    };
    if !valid {
        return Err(fail("INVALID_PARAMS", vec![target.to_owned()], "fail-invalid-target"));
    }
    let key = casemap::fold(target);
    // A channel is shown as it is named; anything else as given.
    let display = ctx.state.channels.get(&key).map_or_else(|| target.to_owned(), |c| c.name.clone());
    let current = marker(ctx, &key);
    let Some(timestamp) = timestamp else {
        let msg = ctx.server_message("MARKREAD", [display, shown(current)]);
        ctx.send(&msg);
        return Ok(());
    };
    if current.is_none() && !visible(ctx, &key) {
        return Err(fail("INVALID_PARAMS", vec![target.to_owned()], "fail-invalid-target"));
    }
    let asked = timestamp.strip_prefix("timestamp=").and_then(clock::parse_utc_millis);
    let Some(asked) = asked else {
        return Err(fail("INVALID_PARAMS", vec![timestamp.to_owned()], "fail-invalid-timestamp"));
    };
    let time = asked.min(clock::unix_millis());
    if current.is_some_and(|c| c >= time) {
        // Markers only move forward: answer with the one kept.
        let msg = ctx.server_message("MARKREAD", [display, shown(current)]);
        ctx.send(&msg);
        return Ok(());
    }
    let msg = ctx.server_message("MARKREAD", [display, shown(Some(time))]);
    match ctx.me().account.as_deref().map(accounts::fold) {
        Some(account) => {
            let cap = ctx.info.config.limits.read_markers_per_user;
            let markers = ctx.state.records.read_markers.entry(account.clone()).or_default();
            if !markers.contains_key(&key) && markers.len() >= cap {
                // Room made by the oldest: a client's markers keep working.
                if let Some(oldest) = crate::state::read_markers::oldest(markers) {
                    markers.remove(&oldest);
                    let forget = Change::ForgetReadMarker { account: account.clone(), target: oldest };
                    ctx.state.accounts.outgoing.push(forget);
                }
            }
            if cap == 0 {
                ctx.send(&msg);
                return Ok(());
            }
            markers.insert(key.clone(), time);
            ctx.state.accounts.outgoing.push(Change::SetReadMarker { account: account.clone(), target: key, time });
            // Every connection of the account with the capability hears it.
            let others: Vec<_> = ctx
                .state
                .clients
                .values()
                .filter(|c| c.id != ctx.id && c.caps.has(Cap::ReadMarker))
                .filter(|c| c.account.as_deref().is_some_and(|a| accounts::fold(a) == account))
                .map(|c| c.id)
                .collect();
            let bytes = msg.to_bytes();
            for id in others {
                ctx.state.send_bytes(id, bytes.clone());
            }
        }
        None => {
            let nick = casemap::fold(&ctx.me().nick);
            let limits = &ctx.info.config.limits;
            ctx.state.nick_markers.set(&nick, &key, time, limits.read_markers_per_user, limits.read_marker_nicks);
        }
    }
    ctx.send(&msg);
    Ok(())
}

/// Whether client `ctx.id` may keep a marker for folded `key`: a channel
/// it is in, or that exists and is not secret; a nick online, or a
/// registered account.
fn visible(ctx: &Ctx<'_>, key: &str) -> bool {
    if ChannelName::is_channel_like(key) {
        return ctx.state.channels.get(key).is_some_and(|c| c.is_member(ctx.id) || !c.modes.secret);
    }
    ctx.state.find_nick(key).is_some() || ctx.state.records.accounts.contains_key(&accounts::fold(key))
}

/// After a JOIN, tells a client with the capability its marker for the
/// channel (folded `key`, shown as `display`).
pub fn on_join(ctx: &mut Ctx<'_>, key: &str, display: &str) {
    if !ctx.me().caps.has(Cap::ReadMarker) {
        return;
    }
    let time = marker(ctx, key);
    let msg: Message = ctx.server_message("MARKREAD", [display.to_owned(), shown(time)]);
    ctx.send(&msg);
}
