//! Looking people up: WHO, WHOIS, WHOWAS, ISON, USERHOST.

use super::{whox, Ctx};
use crate::caps::Cap;
use crate::clock::format_utc;
use crate::reply::{HandlerError, HandlerResult};
use crate::state::client::{Client, ClientId};
use hichat_proto::{casemap, ChannelName, Numeric};

/// Whether `viewer` can see `other` in a WHO by mask: not invisible, or
/// sharing a channel, or themselves.
fn visible_to(ctx: &Ctx<'_>, other: &Client, viewer: ClientId) -> bool {
    other.id == viewer
        || !other.modes.invisible
        || other.channels.iter().any(|k| ctx.state.channels.get(k).is_some_and(|c| c.is_member(viewer)))
}

/// The `H`/`G`, `*` and prefix flags of a WHO reply.
fn who_flags(client: &Client, prefixes: &str) -> String {
    let mut flags = String::from(if client.away.is_some() { "G" } else { "H" });
    if client.modes.oper {
        flags.push('*');
    }
    if client.modes.bot {
        flags.push('B');
    }
    flags.push_str(prefixes);
    flags
}

/// WHO #chan or WHO mask, with WHOX (`%fields[,token]`) when asked. An
/// exact nickname finds that user even when invisible; invisibility hides
/// users only from mask searches and from outsiders' channel WHO.
pub fn who(ctx: &mut Ctx<'_>, mask: &str, fields: Option<&str>) -> HandlerResult {
    let id = ctx.id;
    let multi = ctx.me().caps.has(Cap::MultiPrefix);
    let max_mask = ctx.info.config.limits.who_mask_length;
    if mask.len() > max_mask {
        // Matching is linear, but still costs mask × clients under the lock.
        let text = ctx.tr("fail-who-mask-too-long", &[("max", max_mask.into())]);
        ctx.send(&ctx.server_message("FAIL", ["WHO", "INVALID_PARAMS", &text]));
        ctx.numeric(Numeric::RplEndOfWho, &[super::channel::truncate(mask, max_mask)]);
        return Ok(());
    }
    // (channel shown, client, flags)
    let mut rows: Vec<(String, ClientId, String)> = Vec::new();
    if ChannelName::is_channel_like(mask) {
        if let Some(chan) = ctx.state.channel(mask) {
            let member = chan.is_member(id);
            if !chan.modes.secret || member {
                for (m_id, m) in &chan.members {
                    let Some(c) = ctx.state.client(*m_id).filter(|c| member || !c.modes.invisible) else { continue };
                    rows.push((chan.name.clone(), c.id, who_flags(c, m.prefixes.symbols(multi))));
                }
            }
        }
    } else if let Some(c) = ctx.state.find_nick(mask).filter(|_| !mask.contains(['*', '?'])) {
        rows.push(("*".into(), c.id, who_flags(c, "")));
    } else {
        let everyone = mask == "*" || mask == "0";
        let matcher = casemap::Wildcard::new(mask);
        for c in ctx.state.clients.values().filter(|c| c.registered) {
            if !visible_to(ctx, c, id) {
                continue;
            }
            let matched = everyone
                || matcher.matches(&c.nick)
                || matcher.matches(&c.user)
                || matcher.matches(&c.host)
                || matcher.matches(&c.realname);
            if matched {
                rows.push(("*".into(), c.id, who_flags(c, "")));
            }
        }
    }
    let nick_of = |ctx: &Ctx<'_>, id: ClientId| ctx.state.client(id).map(|c| c.nick.clone()).unwrap_or_default();
    rows.sort_by_cached_key(|r| nick_of(ctx, r.1));
    let whox = fields.and_then(|f| f.strip_prefix('%')).map(whox::Request::parse);
    for (chan, cid, flags) in rows {
        let Some(c) = ctx.state.client(cid) else { continue };
        match &whox {
            Some(req) => {
                let params = req.row(&ctx.info.name, &chan, c, &flags);
                let (last, args) = params.split_last().map_or((None, &[][..]), |(l, a)| (Some(l), a));
                let args: Vec<&str> = args.iter().map(String::as_str).collect();
                match last {
                    Some(last) => ctx.numeric_text(Numeric::RplWhoSpcRpl, &args, last),
                    None => ctx.numeric(Numeric::RplWhoSpcRpl, &[]),
                }
            }
            None => {
                let (user, host, nick) = (c.user.clone(), c.host.clone(), c.nick.clone());
                let realname = format!("0 {}", c.realname);
                let server = ctx.info.name.clone();
                ctx.numeric_text(Numeric::RplWhoReply, &[&chan, &user, &host, &server, &nick, &flags], &realname);
            }
        }
    }
    ctx.numeric(Numeric::RplEndOfWho, &[mask]);
    Ok(())
}

pub fn whois(ctx: &mut Ctx<'_>, nick: &str) -> HandlerResult {
    let id = ctx.id;
    let Some(c) = ctx.state.find_nick(nick) else {
        ctx.numeric(Numeric::ErrNoSuchNick, &[nick]);
        ctx.numeric(Numeric::RplEndOfWhois, &[nick]);
        return Ok(());
    };
    let multi = ctx.me().caps.has(Cap::MultiPrefix);
    let (cnick, user, host, realname) = (c.nick.clone(), c.user.clone(), c.host.clone(), c.realname.clone());
    let (oper, away, signon, idle) = (c.modes.oper, c.away.clone(), c.signon, c.last_message.elapsed().as_secs());
    let account = c.account.clone();
    let (tls, certfp) = (c.tls, c.certfp.clone());
    let bot = c.modes.bot;
    let channels: Vec<String> = c
        .channels
        .iter()
        .filter_map(|k| ctx.state.channels.get(k))
        .filter(|ch| !ch.modes.secret || ch.is_member(id))
        .map(|ch| format!("{}{}", ch.prefixes(c.id).symbols(multi), ch.name))
        .collect();
    let is_self = c.id == id;
    let viewer_oper = ctx.me().modes.oper;
    ctx.numeric_text(Numeric::RplWhoisUser, &[&cnick, &user, &host, "*"], &realname);
    if !channels.is_empty() {
        ctx.numeric_text(Numeric::RplWhoisChannels, &[&cnick], &channels.join(" "));
    }
    let (name, desc) = (ctx.info.name.clone(), ctx.info.config.server.description.clone());
    ctx.numeric_text(Numeric::RplWhoisServer, &[&cnick, &name], &desc);
    if oper {
        ctx.numeric(Numeric::RplWhoisOperator, &[&cnick]);
    }
    if bot {
        ctx.numeric(Numeric::RplWhoisBot, &[&cnick]);
    }
    if let Some(account) = account {
        ctx.numeric(Numeric::RplWhoisAccount, &[&cnick, &account]);
    }
    if is_self || viewer_oper {
        ctx.numeric_text(Numeric::RplWhoisHost, &[&cnick], &format!("is connecting from *@{host} {host}"));
    }
    if tls {
        ctx.numeric(Numeric::RplWhoisSecure, &[&cnick]);
    }
    // Like Ergo: a fingerprint identifies a person, so only they and
    // operators see it.
    if let Some(fp) = certfp.filter(|_| is_self || viewer_oper) {
        ctx.numeric_text(Numeric::RplWhoisCertFp, &[&cnick], &format!("has client certificate fingerprint {fp}"));
    }
    if let Some(away) = away {
        ctx.numeric_text(Numeric::RplAway, &[&cnick], &away);
    }
    ctx.numeric(Numeric::RplWhoisIdle, &[&cnick, &idle.to_string(), &signon.to_string()]);
    ctx.numeric(Numeric::RplEndOfWhois, &[&cnick]);
    Ok(())
}

pub fn whowas(ctx: &mut Ctx<'_>, nick: &str, count: Option<usize>) -> HandlerResult {
    let count = count.filter(|c| *c > 0).unwrap_or(usize::MAX);
    let entries: Vec<_> = ctx.state.whowas.lookup(nick, count).into_iter().cloned().collect();
    if entries.is_empty() {
        ctx.numeric(Numeric::ErrWasNoSuchNick, &[nick]);
    }
    for e in entries {
        ctx.numeric_text(Numeric::RplWhowasUser, &[&e.nick, &e.user, &e.host, "*"], &e.realname);
        ctx.numeric_text(Numeric::RplWhoisServer, &[&e.nick, &e.server], &format_utc(e.signoff));
    }
    ctx.numeric(Numeric::RplEndOfWhowas, &[nick]);
    Ok(())
}

pub fn ison(ctx: &mut Ctx<'_>, nicks: &[String]) -> HandlerResult {
    let online: Vec<String> = nicks.iter().filter_map(|n| ctx.state.find_nick(n).map(|c| c.nick.clone())).collect();
    ctx.numeric_text(Numeric::RplIsOn, &[], &online.join(" "));
    Ok(())
}

pub fn userhost(ctx: &mut Ctx<'_>, nicks: &[String]) -> HandlerResult {
    let replies: Vec<String> = nicks
        .iter()
        .filter_map(|n| ctx.state.find_nick(n))
        .map(|c| {
            let oper = if c.modes.oper { "*" } else { "" };
            let away = if c.away.is_some() { '-' } else { '+' };
            format!("{}{oper}={away}{}", c.nick, c.userhost())
        })
        .collect();
    if nicks.is_empty() {
        return Err(HandlerError::numeric(Numeric::ErrNeedMoreParams, ["USERHOST"]));
    }
    ctx.numeric_text(Numeric::RplUserHost, &[], &replies.join(" "));
    Ok(())
}
