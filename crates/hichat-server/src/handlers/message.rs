//! Talking: PRIVMSG and NOTICE to channels and nicks, and AWAY.

use super::Ctx;
use crate::caps::Cap;
use crate::reply::{HandlerError, HandlerResult};
use hichat_proto::{casemap, ChannelName, Message, Numeric};
use std::time::Instant;

/// PRIVMSG or NOTICE to each target. NOTICE never gets an error reply.
pub fn privmsg(ctx: &mut Ctx<'_>, verb: &str, targets: &[String], text: &str) -> HandlerResult {
    let notice = verb == "NOTICE";
    if targets.len() > ctx.info.config.limits.targets_per_message {
        return Err(if notice {
            HandlerError::Silent
        } else {
            HandlerError::numeric(Numeric::ErrTooManyTargets, [&targets[0]])
        });
    }
    ctx.me_mut().last_message = Instant::now();
    ctx.state.counters.messages_in += 1;
    for target in targets {
        let result = if ChannelName::is_channel_like(target.trim_start_matches(['@', '+'])) {
            to_channel(ctx, verb, target, text)
        } else {
            to_user(ctx, verb, target, text)
        };
        match result {
            Err(_) if notice => {}
            Err(e) => e.send_to(ctx),
            Ok(()) => {}
        }
    }
    Ok(())
}

fn to_channel(ctx: &mut Ctx<'_>, verb: &str, target: &str, text: &str) -> HandlerResult {
    // STATUSMSG: `@#chan` reaches only operators, `+#chan` voiced and up.
    let status = target.chars().next().filter(|c| *c == '@' || *c == '+');
    let name = target.trim_start_matches(['@', '+']);
    let key = casemap::fold(name);
    let id = ctx.id;
    let me = ctx.me();
    let chan = ctx.state.channels.get(&key).ok_or_else(|| HandlerError::numeric(Numeric::ErrNoSuchChannel, [name]))?;
    let member = chan.members.get(&id);
    let prefixes = member.map(|m| m.prefixes).unwrap_or_default();
    let voiced = prefixes.op || prefixes.voice;
    let refusal = if chan.modes.no_external && member.is_none() {
        Some("Cannot send to channel (no external messages)")
    } else if chan.modes.moderated && !voiced {
        Some("Cannot send to channel (+m)")
    } else if !voiced && chan.is_banned(&me.prefix) {
        Some("Cannot send to channel (you're banned)")
    } else {
        None
    };
    if let Some(reason) = refusal {
        return Err(HandlerError::NumericText(Numeric::ErrCannotSendToChan, vec![chan.name.clone()], reason.into()));
    }
    let echo = me.caps.has(Cap::EchoMessage);
    let shown_target = match status {
        Some(s) => format!("{s}{}", chan.name),
        None => chan.name.clone(),
    };
    let msg = Message::new(verb, [shown_target.as_str(), text]).with_source(me.prefix.clone());
    match status {
        None => ctx.state.send_to_channel(&key, &msg, (!echo).then_some(id)),
        Some(s) => {
            let bytes = msg.to_bytes();
            let targets: Vec<_> = chan
                .members
                .iter()
                .filter(|(m, p)| (p.prefixes.op || (s == '+' && p.prefixes.voice)) && (**m != id || echo))
                .map(|(m, _)| *m)
                .collect();
            for t in targets {
                ctx.state.send_bytes(t, bytes.clone());
            }
        }
    }
    Ok(())
}

fn to_user(ctx: &mut Ctx<'_>, verb: &str, target: &str, text: &str) -> HandlerResult {
    let found = ctx.state.find_nick(target).map(|c| (c.id, c.nick.clone(), c.away.clone()));
    let (target_id, target_nick, away) =
        found.ok_or_else(|| HandlerError::numeric(Numeric::ErrNoSuchNick, [target]))?;
    let me = ctx.me();
    let msg = Message::new(verb, [target_nick.as_str(), text]).with_source(me.prefix.clone());
    let echo = me.caps.has(Cap::EchoMessage);
    let bytes = msg.to_bytes();
    ctx.state.send_bytes(target_id, bytes.clone());
    if echo && target_id != ctx.id {
        ctx.state.send_bytes(ctx.id, bytes);
    }
    if let (Some(away), "PRIVMSG") = (away, verb) {
        ctx.numeric_text(Numeric::RplAway, &[&target_nick], &away);
    }
    Ok(())
}

/// AWAY [text]: set or clear the away message; peers with away-notify hear.
pub fn away(ctx: &mut Ctx<'_>, text: Option<String>) -> HandlerResult {
    let max = ctx.info.config.limits.away_length;
    let text = text.map(|t| super::channel::truncate(&t, max).to_owned());
    ctx.me_mut().away = text.clone();
    match &text {
        Some(_) => ctx.numeric(Numeric::RplNowAway, &[]),
        None => ctx.numeric(Numeric::RplUnAway, &[]),
    }
    let msg = Message::new("AWAY", text).with_source(ctx.me().prefix.clone());
    let bytes = msg.to_bytes();
    let peers = ctx.state.peers(ctx.id);
    for peer in peers {
        if ctx.state.client(peer).is_some_and(|c| c.caps.has(Cap::AwayNotify)) {
            ctx.state.send_bytes(peer, bytes.clone());
        }
    }
    Ok(())
}
