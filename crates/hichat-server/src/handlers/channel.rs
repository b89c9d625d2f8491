//! Channel membership and information: JOIN, PART, TOPIC, NAMES, LIST,
//! KICK, INVITE.

use super::Ctx;
use crate::caps::Cap;
use crate::clock::unix_now;
use crate::reply::{HandlerError, HandlerResult};
use crate::state::channel::Topic;
use crate::state::client::ClientId;
use crate::state::State;
use hichat_proto::{casemap, ChannelName, JoinTarget, Message, Numeric};

/// JOIN #a,#b [keys]: each channel is tried on its own.
pub fn join(ctx: &mut Ctx<'_>, targets: Vec<JoinTarget>) -> HandlerResult {
    ctx.check_targets(targets.len())?;
    for target in targets {
        if let Err(e) = join_one(ctx, &target) {
            e.send_to(ctx);
        }
    }
    Ok(())
}

fn join_one(ctx: &mut Ctx<'_>, target: &JoinTarget) -> HandlerResult {
    let max = ctx.info.config.limits.channel_length;
    let name = ChannelName::parse(&target.channel, max)
        .map_err(|_| HandlerError::numeric(Numeric::ErrBadChanMask, [target.channel.as_str()]))?;
    let key = casemap::fold(name.as_str());
    let id = ctx.id;
    if ctx.me().channels.contains(&key) {
        return Ok(());
    }
    let restored = !ctx.state.channels.contains_key(&key);
    crate::services::chanserv::before_join(ctx, &key);
    if let Err(e) = admit(ctx, &key, target, name.as_str()) {
        // A registered channel ChanServ brought back for this JOIN does not
        // outlive its refusal as an empty channel.
        if restored && ctx.state.channels.get(&key).is_some_and(|c| c.members.is_empty()) {
            ctx.state.channels.remove(&key);
        }
        return Err(e);
    }
    ctx.state.add_member(id, name.as_str(), unix_now());
    crate::services::chanserv::on_join(ctx, &key);
    let display = ctx.state.channels[&key].name.clone();
    let join = crate::accounts::send_join(ctx, &key, &display);
    crate::history::record_relayed(ctx.state, &key, &join);
    super::message::away_on_join(ctx, &key);
    crate::services::chanserv::announce_join_status(ctx, &key);
    if let Some(topic) = ctx.state.channels[&key].topic.clone() {
        send_topic(ctx, &display, &topic);
    }
    super::read_marker::on_join(ctx, &key, &display);
    // draft/no-implicit-names: the client asks for NAMES when it wants them.
    if !ctx.me().caps.has(crate::caps::Cap::NoImplicitNames) {
        send_names(ctx, &key);
    }
    let me = ctx.state.client(id).expect("the client joining");
    ctx.state.history.replay_on_join(ctx.state, me, &key, join.msgid().map(str::to_owned));
    Ok(())
}

/// Whether client `ctx.id` may join `key` (`name` as typed): its channel
/// limit, then the channel's key, +i, bans and +l, which an operator's
/// invitation lets it past.
fn admit(ctx: &Ctx<'_>, key: &str, target: &JoinTarget, name: &str) -> HandlerResult {
    let id = ctx.id;
    let me = ctx.me();
    if me.channels.len() >= ctx.info.config.limits.channels_per_user {
        return Err(HandlerError::numeric(Numeric::ErrTooManyChannels, [name]));
    }
    if let Some(chan) = ctx.state.channels.get(key) {
        // An operator's invitation lets one past +k, +i, +b and +l, as in
        // Ergo and InspIRCd: the operator could lift any of them anyway.
        let invited = chan.invited.contains(&id) && me.invites.iter().any(|k| k == key);
        let prefix = &me.prefix;
        if chan.modes.key.as_ref().is_some_and(|k| Some(k) != target.key.as_ref()) && !invited {
            return Err(HandlerError::numeric(Numeric::ErrBadChannelKey, [chan.name.as_str()]));
        }
        if chan.modes.invite_only && !invited && !chan.is_invex(prefix) {
            return Err(HandlerError::numeric(Numeric::ErrInviteOnlyChan, [chan.name.as_str()]));
        }
        if chan.is_banned(prefix) && !invited {
            return Err(HandlerError::numeric(Numeric::ErrBannedFromChan, [chan.name.as_str()]));
        }
        if chan.modes.limit.is_some_and(|l| chan.members.len() >= l) && !invited {
            return Err(HandlerError::numeric(Numeric::ErrChannelIsFull, [chan.name.as_str()]));
        }
    }
    Ok(())
}

/// JOIN 0: leave every channel.
pub fn join_zero(ctx: &mut Ctx<'_>) -> HandlerResult {
    let channels: Vec<String> = ctx.me().channels.clone();
    for key in channels {
        part_one(ctx, &key, None);
    }
    Ok(())
}

pub fn part(ctx: &mut Ctx<'_>, channels: &[String], reason: Option<&str>) -> HandlerResult {
    ctx.check_targets(channels.len())?;
    for name in channels {
        let key = casemap::fold(name);
        if ctx.state.channels.get(&key).is_none_or(|c| c.hidden_from(ctx.id)) {
            ctx.numeric(Numeric::ErrNoSuchChannel, &[name]);
        } else if !ctx.me().channels.contains(&key) {
            ctx.numeric(Numeric::ErrNotOnChannel, &[name]);
        } else {
            part_one(ctx, &key, reason);
        }
    }
    Ok(())
}

fn part_one(ctx: &mut Ctx<'_>, key: &str, reason: Option<&str>) {
    let Some(chan) = ctx.state.channels.get(key) else { return };
    let mut params = vec![chan.name.clone()];
    params.extend(reason.map(str::to_owned));
    let msg = Message::new("PART", params).with_source(ctx.me().prefix.clone());
    ctx.state.channel_event(key, msg);
    ctx.state.remove_member(ctx.id, key);
}

/// TOPIC #chan [text]: show or set.
pub fn topic(ctx: &mut Ctx<'_>, name: &str, text: Option<String>) -> HandlerResult {
    let key = casemap::fold(name);
    let id = ctx.id;
    let chan = ctx.state.channels.get(&key).filter(|c| !c.hidden_from(id));
    let chan = chan.ok_or_else(|| HandlerError::numeric(Numeric::ErrNoSuchChannel, [name]))?;
    let display = chan.name.clone();
    let member = chan.is_member(id);
    let Some(text) = text else {
        match chan.topic.clone() {
            Some(topic) => send_topic(ctx, &display, &topic),
            None => ctx.numeric(Numeric::RplNoTopic, &[&display]),
        }
        return Ok(());
    };
    if !member {
        return Err(HandlerError::numeric(Numeric::ErrNotOnChannel, [display]));
    }
    if chan.modes.topic_locked && !chan.is_op(id) {
        return Err(HandlerError::numeric(Numeric::ErrChanOPrivsNeeded, [display]));
    }
    let text: String = truncate(&text, ctx.info.config.limits.topic_length).to_owned();
    let setter = ctx.me().prefix.clone();
    let chan = ctx.state.channels.get_mut(&key).expect("checked above");
    chan.topic = (!text.is_empty()).then(|| Topic { text: text.clone(), setter: setter.clone(), time: unix_now() });
    let msg = Message::new("TOPIC", [display, text]).with_source(setter);
    ctx.state.channel_event(&key, msg);
    Ok(())
}

pub(super) fn send_topic(ctx: &mut Ctx<'_>, display: &str, topic: &Topic) {
    ctx.numeric_text(Numeric::RplTopic, &[display], &topic.text);
    ctx.numeric(Numeric::RplTopicWhoTime, &[display, &topic.setter, &topic.time.to_string()]);
}

/// NAMES [#chan]: members with their prefixes.
pub fn names(ctx: &mut Ctx<'_>, channels: &[String]) -> HandlerResult {
    let Some(name) = channels.first() else {
        ctx.numeric(Numeric::RplEndOfNames, &["*"]);
        return Ok(());
    };
    let key = casemap::fold(name);
    let visible = ctx.state.channels.get(&key).is_some_and(|c| !c.hidden_from(ctx.id));
    if visible {
        send_names(ctx, &key);
    } else {
        ctx.numeric(Numeric::RplEndOfNames, &[name]);
    }
    Ok(())
}

/// Sends 353 lines (split to fit 512 bytes) and 366 for a channel.
pub fn send_names(ctx: &mut Ctx<'_>, key: &str) {
    let caps = ctx.me().caps;
    let multi = caps.has(Cap::MultiPrefix);
    let long = caps.has(Cap::UserhostInNames);
    let Some(chan) = ctx.state.channels.get(key) else { return };
    let symbol = if chan.modes.secret { "@" } else { "=" };
    let display = chan.name.clone();
    // Invisible users are listed only to those who share the channel.
    let outsider = !chan.is_member(ctx.id);
    let mut entries: Vec<String> = chan
        .members
        .iter()
        .filter_map(|(id, m)| {
            let c = ctx.state.clients.get(id).filter(|c| !(outsider && c.modes.invisible))?;
            let who = if long { &c.prefix } else { &c.nick };
            Some(format!("{}{}", m.prefixes.symbols(multi), who))
        })
        .collect();
    entries.sort_unstable();
    // Room for ":server 353 nick = #chan :" and CR LF in 512 bytes.
    let overhead = ctx.info.name.len() + ctx.me().nick.len() + display.len() + 20;
    let budget = 510 - overhead.min(400);
    let mut line = String::new();
    for entry in entries {
        if !line.is_empty() && line.len() + 1 + entry.len() > budget {
            ctx.numeric_text(Numeric::RplNamReply, &[symbol, &display], &line);
            line.clear();
        }
        if !line.is_empty() {
            line.push(' ');
        }
        line.push_str(&entry);
    }
    if !line.is_empty() {
        ctx.numeric_text(Numeric::RplNamReply, &[symbol, &display], &line);
    }
    ctx.numeric(Numeric::RplEndOfNames, &[&display]);
}

/// LIST [#chans] [>n|<n]: channels with member counts and topics.
pub fn list(ctx: &mut Ctx<'_>, channels: &[String], filters: &[String]) -> HandlerResult {
    let id = ctx.id;
    let wanted: Vec<String> = channels.iter().map(|c| casemap::fold(c)).collect();
    let mut min = 0usize;
    let mut max = usize::MAX;
    for f in filters {
        if let Some(n) = f.strip_prefix('>').and_then(|n| n.parse::<usize>().ok()) {
            min = min.max(n + 1);
        } else if let Some(n) = f.strip_prefix('<').and_then(|n| n.parse::<usize>().ok()) {
            max = max.min(n.saturating_sub(1));
        }
    }
    let mut rows: Vec<(String, usize, String)> = ctx
        .state
        .channels
        .iter()
        .filter(|(key, _)| wanted.is_empty() || wanted.contains(key))
        .filter(|(_, c)| !c.modes.secret || c.is_member(id))
        .filter(|(_, c)| (min..=max).contains(&c.members.len()))
        .map(|(_, c)| (c.name.clone(), c.members.len(), c.topic.as_ref().map(|t| t.text.clone()).unwrap_or_default()))
        .collect();
    rows.sort();
    ctx.numeric(Numeric::RplListStart, &["Channel"]);
    for (name, count, topic) in rows {
        ctx.numeric_text(Numeric::RplList, &[&name, &count.to_string()], &topic);
    }
    ctx.numeric(Numeric::RplListEnd, &[]);
    Ok(())
}

/// KICK #chan nick[,nick] [reason], or KICK #a,#b u1,u2 [reason]: as
/// many channels as users are taken in pairs (RFC 2812 §3.2.8).
pub fn kick(ctx: &mut Ctx<'_>, channels: &[String], users: &[String], reason: Option<String>) -> HandlerResult {
    ctx.check_targets(users.len())?;
    let pairs: Vec<(&String, &String)> = match channels {
        [one] => users.iter().map(|u| (one, u)).collect(),
        _ if channels.len() == users.len() => channels.iter().zip(users).collect(),
        _ => return Err(HandlerError::numeric(Numeric::ErrNeedMoreParams, ["KICK"])),
    };
    let reason = reason.unwrap_or_else(|| ctx.me().nick.clone());
    let reason = truncate(&reason, ctx.info.config.limits.kick_length).to_owned();
    for (name, nick) in pairs {
        if let Err(e) = kick_one(ctx, name, nick, &reason) {
            e.send_to(ctx);
        }
    }
    Ok(())
}

fn kick_one(ctx: &mut Ctx<'_>, name: &str, nick: &str, reason: &str) -> HandlerResult {
    let key = casemap::fold(name);
    let id = ctx.id;
    let chan = ctx.state.channels.get(&key).filter(|c| !c.hidden_from(id));
    let chan = chan.ok_or_else(|| HandlerError::numeric(Numeric::ErrNoSuchChannel, [name]))?;
    let display = chan.name.clone();
    if !chan.is_member(id) {
        return Err(HandlerError::numeric(Numeric::ErrNotOnChannel, [display]));
    }
    if !chan.is_op(id) {
        return Err(HandlerError::numeric(Numeric::ErrChanOPrivsNeeded, [display]));
    }
    let target = ctx.state.find_nick(nick).map(|c| (c.id, c.nick.clone()));
    let Some((target, _)) = target.filter(|(t, _)| chan.is_member(*t)) else {
        return Err(HandlerError::numeric(Numeric::ErrUserNotInChannel, [nick, display.as_str()]));
    };
    let source = ctx.me().prefix.clone();
    kick_member(ctx.state, &key, target, &source, reason);
    Ok(())
}

/// Removes member `target` from the channel `key` (folded) as KICK does:
/// every member, the target included, sees `KICK` from `source` (the
/// kicker's prefix, or the server's name). Also used by the admin API.
pub(crate) fn kick_member(state: &mut State, key: &str, target: ClientId, source: &str, reason: &str) {
    let Some(display) = state.channels.get(key).map(|c| c.name.clone()) else { return };
    let Some(nick) = state.client(target).map(|c| c.nick.clone()) else { return };
    let msg = Message::new("KICK", [display.as_str(), &nick, reason]).with_source(source.to_owned());
    state.channel_event(key, msg);
    state.remove_member(target, key);
}

/// INVITE nick #chan, or INVITE alone to list one's invitations. Anyone in
/// a channel that is not invite-only may invite, but only an operator's
/// invitation is remembered and lets the user past the channel's modes.
pub fn invite(ctx: &mut Ctx<'_>, target: Option<(String, String)>) -> HandlerResult {
    let id = ctx.id;
    let Some((nick, name)) = target else {
        let invites = ctx.me().invites.clone();
        for key in invites {
            let chan = ctx.state.channels.get(&key).filter(|c| c.invited.contains(&id));
            if let Some(display) = chan.map(|c| c.name.clone()) {
                ctx.numeric(Numeric::RplInviteList, &[&display]);
            }
        }
        ctx.numeric(Numeric::RplEndOfInviteList, &[]);
        return Ok(());
    };
    let key = casemap::fold(&name);
    let chan = ctx.state.channels.get(&key).filter(|c| !c.hidden_from(id));
    let chan = chan.ok_or_else(|| HandlerError::numeric(Numeric::ErrNoSuchChannel, [&name]))?;
    let display = chan.name.clone();
    if !chan.is_member(id) {
        return Err(HandlerError::numeric(Numeric::ErrNotOnChannel, [display]));
    }
    let is_op = chan.is_op(id);
    if chan.modes.invite_only && !is_op {
        return Err(HandlerError::numeric(Numeric::ErrChanOPrivsNeeded, [display]));
    }
    let target = ctx.state.find_nick(&nick).ok_or_else(|| HandlerError::numeric(Numeric::ErrNoSuchNick, [&nick]))?;
    let (target_id, target_nick, away) = (target.id, target.nick.clone(), target.away.clone());
    if chan.is_member(target_id) {
        return Err(HandlerError::numeric(Numeric::ErrUserOnChannel, [target_nick, display]));
    }
    if is_op {
        remember_invite(ctx, target_id, &key);
    }
    ctx.numeric(Numeric::RplInviting, &[&target_nick, &display]);
    if let Some(away) = away {
        ctx.numeric_text(Numeric::RplAway, &[&target_nick], &away);
    }
    let msg = Message::new("INVITE", [target_nick.as_str(), &display]).with_source(ctx.me().prefix.clone());
    // Sent on the inviter's behalf, so with its account (account-tag).
    let mut relay = ctx.state.relay_from(id, msg.clone());
    ctx.state.relay_to(target_id, &mut relay);
    super::invite_notify::notify(ctx, &key, target_id, msg);
    Ok(())
}

/// Records an operator's invitation of `target` to channel `key`, keeping
/// at most `invites_per_user` per user (the oldest goes first).
fn remember_invite(ctx: &mut Ctx<'_>, target: ClientId, key: &str) {
    let max = ctx.info.config.limits.invites_per_user;
    let Some(t) = ctx.state.client_mut(target) else { return };
    t.invites.retain(|k| k != key);
    t.invites.push(key.to_owned());
    let excess = t.invites.len().saturating_sub(max);
    let forgotten: Vec<String> = t.invites.drain(..excess).collect();
    for old in forgotten {
        if let Some(chan) = ctx.state.channels.get_mut(&old) {
            chan.invited.remove(&target);
        }
    }
    if max > 0 {
        if let Some(chan) = ctx.state.channels.get_mut(key) {
            chan.invited.insert(target);
        }
    }
}

/// Cuts `s` to at most `max` bytes on a character boundary.
pub fn truncate(s: &str, max: usize) -> &str {
    if s.len() <= max {
        return s;
    }
    let mut end = max;
    while !s.is_char_boundary(end) {
        end -= 1;
    }
    &s[..end]
}
