//! Lasting server bans: `KLINE [minutes] <user@host> [:reason]`,
//! `UNKLINE <user@host>`, `DLINE [minutes] <ip or network> [:reason]`,
//! `UNDLINE <ip or network>` (operators only). Bans are stored, so they
//! outlive a restart; a duration of 0 or none means no end.
//!
//! A D-line is checked when a connection is accepted (it gets `ERROR` and
//! is closed before it can register), a K-line when a client completes
//! registration, and users a new ban matches are disconnected when it is
//! added. Expired bans are ignored. The reply to the operator is
//! sent after the store has committed.

use crate::accounts::with_ctx;
use crate::clock;
use crate::handlers::Ctx;
use crate::server::Server;
use crate::state::client::ClientId;
use crate::state::State;
use crate::store::{BanKind, BanRecord, Change, Pending, Store, StoreError};
use hichat_proto::{casemap, Message, Numeric};
use ipnet::IpNet;
use std::net::IpAddr;
use std::sync::Arc;

/// Whether this is a ban command, handled by [`handle`].
pub fn is_ban_command(verb: &str) -> bool {
    matches!(verb, "KLINE" | "UNKLINE" | "DLINE" | "UNDLINE")
}

fn dline_matches(mask: &str, ip: Option<IpAddr>) -> bool {
    let Some(ip) = ip else { return false };
    match mask.parse::<IpNet>() {
        Ok(net) => net.contains(&ip),
        Err(_) => mask.parse::<IpAddr>().is_ok_and(|m| m == ip),
    }
}

/// Whether a ban applies to a client with this `user@host` and address.
pub fn matches(ban: &BanRecord, userhost: &str, ip: Option<IpAddr>) -> bool {
    match ban.kind {
        BanKind::Kline => casemap::wildcard_match(&ban.mask, userhost),
        BanKind::Dline => dline_matches(&ban.mask, ip),
    }
}

/// The ban in force on client `ctx.id`, if any.
pub fn ban_on(ctx: &Ctx<'_>) -> Option<BanRecord> {
    let me = ctx.me();
    let now = clock::unix_now();
    let userhost = me.userhost();
    ctx.state.records.bans.iter().find(|b| !b.expired(now) && matches(b, &userhost, me.ip)).cloned()
}

/// The D-line in force on an address, if any: checked as a connection is
/// accepted, before it may say anything.
pub fn dline_on(state: &State, ip: IpAddr) -> Option<BanRecord> {
    let now = clock::unix_now();
    state
        .records
        .bans
        .iter()
        .find(|b| b.kind == BanKind::Dline && !b.expired(now) && dline_matches(&b.mask, Some(ip)))
        .cloned()
}

/// At registration: refuses a banned client. Returns true when it was.
pub fn refuse_if_banned(ctx: &mut Ctx<'_>) -> bool {
    let Some(ban) = ban_on(ctx) else { return false };
    let kind = if ban.kind == BanKind::Kline { "K-lined" } else { "D-lined" };
    let reason = format!("{kind}: {}", ban.reason);
    ctx.numeric_text(Numeric::ErrYoureBannedCreep, &[], &format!("You are banned from this server: {}", ban.reason));
    tracing::info!(id = ctx.id, mask = %ban.mask, "banned client refused");
    let server = ctx.info.name.clone();
    ctx.state.remove_client(ctx.id, &reason, &server);
    true
}

fn notice(ctx: &mut Ctx<'_>, text: &str) {
    let nick = ctx.me().nick.clone();
    let msg = ctx.server_message("NOTICE", [nick.as_str(), text]);
    ctx.send(&msg);
}

/// The longest timed ban, in minutes (ten years); 0 is for a ban with no end.
pub const MAX_BAN_MINUTES: u64 = 10 * 366 * 24 * 60;

/// Why a ban line could not be read.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum AddError {
    NeedMoreParams,
    /// A duration over [`MAX_BAN_MINUTES`], which would overflow the
    /// expiry time or mean "for good" by accident.
    TooLong,
}

/// The expiry of a ban of `minutes` set at `now`: `None` (no end) for 0,
/// [`AddError::TooLong`] past [`MAX_BAN_MINUTES`].
fn expiry(minutes: u64, now: u64) -> Result<Option<u64>, AddError> {
    if minutes > MAX_BAN_MINUTES {
        return Err(AddError::TooLong);
    }
    Ok((minutes > 0).then(|| now.saturating_add(minutes * 60)))
}

/// `[minutes] mask [reason]` into (expiry, mask, reason).
fn parse_add(params: &[String], now: u64) -> Result<(Option<u64>, String, String), AddError> {
    let mut rest = params;
    let mut expires = None;
    if let Some(first) = rest.first() {
        if first.bytes().all(|b| b.is_ascii_digit()) && !first.is_empty() {
            let minutes = first.parse::<u64>().map_err(|_| AddError::TooLong)?;
            expires = expiry(minutes, now)?;
            rest = &rest[1..];
        }
    }
    let mask = rest.first().ok_or(AddError::NeedMoreParams)?.clone();
    let reason = rest.get(1).cloned().filter(|r| !r.is_empty()).unwrap_or_else(|| "No reason".into());
    Ok((expires, mask, reason))
}

/// Whether `mask` is one a ban of `kind` may have: `user@host` (wildcards
/// allowed, no space) for a K-line, an address or network for a D-line.
pub fn valid_mask(kind: BanKind, mask: &str) -> bool {
    match kind {
        BanKind::Kline => mask.contains('@') && !mask.contains(' '),
        BanKind::Dline => mask.parse::<IpNet>().is_ok() || mask.parse::<IpAddr>().is_ok(),
    }
}

/// A new ban of `kind` on `mask` set by `setter` for `minutes` (0: no
/// end), checked as KLINE and DLINE check it.
pub fn new_ban(kind: BanKind, minutes: u64, mask: &str, reason: &str, setter: &str) -> Result<BanRecord, BanError> {
    let now = clock::unix_now();
    let expires_at = expiry(minutes, now).map_err(|_| BanError::TooLong)?;
    if !valid_mask(kind, mask) {
        return Err(BanError::BadMask);
    }
    let reason = if reason.is_empty() { "No reason" } else { reason };
    Ok(BanRecord { kind, mask: mask.into(), reason: reason.into(), setter: setter.into(), set_at: now, expires_at })
}

/// Why [`new_ban`] refused a ban.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum BanError {
    /// Longer than [`MAX_BAN_MINUTES`].
    TooLong,
    /// Not a mask of that kind (see [`valid_mask`]).
    BadMask,
}

fn kind_name(kind: BanKind) -> &'static str {
    if kind == BanKind::Kline {
        "KLINE"
    } else {
        "DLINE"
    }
}

/// Puts `ban` in force at once (replacing one of the same kind and mask)
/// and queues it for the store. Returns the commit to wait for before
/// acknowledging it, and the acknowledgement's text.
pub fn put(state: &mut State, store: &dyn Store, ban: BanRecord) -> (Pending, String) {
    let until = ban.expires_at.map_or("for good".to_owned(), |t| format!("until {}", clock::format_utc(t)));
    let what = format!("Added {} for {} {until}: {}", kind_name(ban.kind), ban.mask, ban.reason);
    let bans = &mut state.records.bans;
    bans.retain(|b| !(b.kind == ban.kind && b.mask == ban.mask));
    bans.push(ban.clone());
    (store.submit(Change::PutBan(ban)), what)
}

/// Lifts the ban of `kind` on `mask` at once and queues its removal; the
/// commit fails with [`StoreError::NotFound`] when there was none.
pub fn lift(state: &mut State, store: &dyn Store, kind: BanKind, mask: &str) -> (Pending, String) {
    state.records.bans.retain(|b| !(b.kind == kind && b.mask == mask));
    let what = format!("Removed {} for {mask}", kind_name(kind));
    (store.submit(Change::RemoveBan { kind, mask: mask.into() }), what)
}

pub async fn handle(server: &Arc<Server>, id: ClientId, msg: &Message) {
    let verb = msg.verb();
    let kind = if verb.ends_with("KLINE") { BanKind::Kline } else { BanKind::Dline };
    let adding = !verb.starts_with("UN");
    let prepared = with_ctx(server, id, |ctx| -> Result<(Pending, String), ()> {
        if !crate::handlers::oper::operator_or_refuse(ctx) {
            return Err(());
        }
        let now = clock::unix_now();
        let (pending, what) = if adding {
            let (expires_at, mask, reason) = match parse_add(&msg.params, now) {
                Ok(parsed) => parsed,
                Err(AddError::NeedMoreParams) => {
                    ctx.numeric(Numeric::ErrNeedMoreParams, &[verb.as_str()]);
                    return Err(());
                }
                Err(AddError::TooLong) => {
                    let text = format!(
                        "{verb}: a duration is at most {MAX_BAN_MINUTES} minutes (ten years); use 0 for a ban with no end"
                    );
                    notice(ctx, &text);
                    return Err(());
                }
            };
            if !valid_mask(kind, &mask) {
                notice(ctx, &format!("{verb}: bad mask {mask}"));
                return Err(());
            }
            let ban = BanRecord { kind, mask, reason, setter: ctx.me().nick.clone(), set_at: now, expires_at };
            put(ctx.state, server.store.as_ref(), ban)
        } else {
            let Some(mask) = msg.params.first().cloned() else {
                ctx.numeric(Numeric::ErrNeedMoreParams, &[verb.as_str()]);
                return Err(());
            };
            lift(ctx.state, server.store.as_ref(), kind, &mask)
        };
        tracing::info!(by = %ctx.me().nick, "{what}");
        Ok((pending, what))
    });
    let Some(Ok((pending, what))) = prepared else { return };
    match pending.done().await {
        Ok(()) => {}
        Err(StoreError::NotFound) => {
            with_ctx(server, id, |ctx| notice(ctx, &format!("{verb}: no such ban")));
            return;
        }
        Err(e) => {
            tracing::error!(error = %e, "cannot store a ban");
            with_ctx(server, id, |ctx| notice(ctx, &format!("{verb}: could not be saved")));
            return;
        }
    }
    with_ctx(server, id, |ctx| {
        notice(ctx, &what);
        if adding {
            disconnect_matching(ctx.state, &ctx.info.name, Some(ctx.id));
        }
    });
}

/// Disconnects every registered user a ban now matches, but `except` (the
/// operator who set it).
pub fn disconnect_matching(state: &mut State, server: &str, except: Option<ClientId>) {
    let now = clock::unix_now();
    let victims: Vec<(ClientId, String)> = state
        .clients
        .values()
        .filter(|c| c.registered && Some(c.id) != except)
        .filter_map(|c| {
            let userhost = c.userhost();
            let ban = state.records.bans.iter().find(|b| !b.expired(now) && matches(b, &userhost, c.ip))?;
            let kind = if ban.kind == BanKind::Kline { "K-lined" } else { "D-lined" };
            Some((c.id, format!("{kind}: {}", ban.reason)))
        })
        .collect();
    for (id, reason) in victims {
        state.remove_client(id, &reason, server);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn masks() {
        let ban = |kind, mask: &str| BanRecord {
            kind,
            mask: mask.into(),
            reason: String::new(),
            setter: String::new(),
            set_at: 0,
            expires_at: Some(10),
        };
        let ip: IpAddr = "10.1.2.3".parse().unwrap();
        assert!(matches(&ban(BanKind::Kline, "*@10.1.*"), "bob@10.1.2.3", Some(ip)));
        assert!(!matches(&ban(BanKind::Kline, "eve@*"), "bob@10.1.2.3", Some(ip)));
        assert!(matches(&ban(BanKind::Dline, "10.1.0.0/16"), "x@y", Some(ip)));
        assert!(matches(&ban(BanKind::Dline, "10.1.2.3"), "x@y", Some(ip)));
        assert!(!matches(&ban(BanKind::Dline, "10.2.0.0/16"), "x@y", Some(ip)));
        assert!(!matches(&ban(BanKind::Dline, "10.1.2.3"), "x@localhost", None));
        assert!(ban(BanKind::Kline, "a@b").expired(10));
        assert_eq!(parse_add(&["5".into(), "*@h".into(), "r".into()], 100), Ok((Some(400), "*@h".into(), "r".into())));
        assert_eq!(parse_add(&["*@h".into()], 100), Ok((None, "*@h".into(), "No reason".into())));
        assert_eq!(parse_add(&["307445734561825862".into(), "*@h".into()], 100), Err(AddError::TooLong));
        assert_eq!(parse_add(&["99999999999999999999999".into(), "*@h".into()], 100), Err(AddError::TooLong));
        let longest = parse_add(&[MAX_BAN_MINUTES.to_string(), "*@h".into()], u64::MAX - 5).unwrap();
        assert_eq!(longest.0, Some(u64::MAX), "saturates");
        assert_eq!(parse_add(&["5".into()], 100), Err(AddError::NeedMoreParams));
    }
}
