//! Talking: PRIVMSG, NOTICE and TAGMSG to channels and nicks, and AWAY.
//!
//! Each relayed message gets a `time` and a `msgid` tag, and carries the
//! sender's client-only tags; see [`crate::state::Relay`] for who is sent
//! which tags.

use super::Ctx;
use crate::caps::Cap;
use crate::reply::{HandlerError, HandlerResult};
use crate::state::channel::Member;
use crate::state::client::{Client, ClientId};
use crate::state::recent::{Recent, Sent};
use crate::state::sender::with_account;
use crate::state::Relay;
use crate::{client_tags, history};
use hichat_proto::{casemap, ChannelName, Message, Numeric, Tag, MAX_LINE_LEN};
use std::time::Instant;

/// TAGMSG to each target: relayed only to clients with message-tags.
pub fn tagmsg(ctx: &mut Ctx<'_>, targets: &[String], tags: &[Tag]) -> HandlerResult {
    privmsg(ctx, "TAGMSG", targets, None, tags)
}

/// PRIVMSG, NOTICE or TAGMSG (`text` None) to each target. NOTICE never
/// gets an error reply.
pub fn privmsg(ctx: &mut Ctx<'_>, verb: &str, targets: &[String], text: Option<&str>, tags: &[Tag]) -> HandlerResult {
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
            to_channel(ctx, verb, target, text, tags)
        } else {
            to_user(ctx, verb, target, text, tags)
        };
        match result {
            Err(_) if notice => {}
            Err(e) => e.send_to(ctx),
            Ok(()) => {}
        }
    }
    Ok(())
}

/// The relay of one message from `me`: `time`, `msgid`, `account`, `bot`
/// when the sender is a bot (user mode `+B`), and the relayed client tags.
/// Returns the msgid too.
fn relay(verb: &str, me: &Client, target: &str, text: Option<&str>, tags: &[Tag]) -> (Relay, String) {
    let mut params = vec![target];
    params.extend(text);
    let msg = Message::new(verb, params).with_source(me.prefix.as_str());
    let (mut relay, id) = relay_message(msg, me);
    for t in client_tags::relayed(tags) {
        relay = relay.tag(Cap::MessageTags, t.key, t.value);
    }
    (relay, id)
}

/// A relay of a message from `me` stamped with `time` and a new `msgid`
/// ([`Relay::stamped`]), its account (account-tag) and `bot` when the
/// sender is a bot. Returns the msgid too.
pub(super) fn relay_message(msg: Message, me: &Client) -> (Relay, String) {
    let relay = sender_tags(Relay::stamped(msg), me);
    let id = relay.msgid().expect("a stamped relay has a msgid").to_owned();
    (relay, id)
}

/// Tags `relay` as a message from `me` sent at `now` (unix milliseconds):
/// `time`, `msgid` when given, `account` and `bot`.
pub(super) fn user_tags(relay: Relay, me: &Client, now: u64, msgid: Option<&str>) -> Relay {
    let mut relay = relay.with_time(now);
    if let Some(id) = msgid {
        relay = relay.tag(Cap::MessageTags, "msgid", Some(id.to_owned()));
    }
    sender_tags(relay, me)
}

/// `account` (account-tag) and `bot` for a message from `me`.
fn sender_tags(relay: Relay, me: &Client) -> Relay {
    let relay = with_account(relay, me.account.as_deref());
    if me.modes.bot {
        return relay.tag(Cap::MessageTags, "bot", None);
    }
    relay
}

/// A channel message that may be sent: the channel's key, the STATUSMSG
/// prefix if any, and the target as shown (`@#Chan`).
pub(super) struct ChannelRoute {
    pub key: String,
    pub status: Option<char>,
    pub shown: String,
}

impl ChannelRoute {
    /// Whether `member` is to receive it; `sender` gets it only with `echo`.
    pub fn reaches(&self, sender: ClientId, echo: bool, id: ClientId, member: &Member) -> bool {
        let rank_ok = match self.status {
            None => true,
            Some(s) => member.prefixes.op || (s == '+' && member.prefixes.voice),
        };
        rank_ok && (id != sender || echo)
    }
}

/// Checks that the client may send to channel `target` (`#chan`, or
/// `@#chan` / `+#chan` for STATUSMSG).
pub(super) fn channel_route(ctx: &Ctx<'_>, target: &str) -> Result<ChannelRoute, HandlerError> {
    // STATUSMSG: `@#chan` reaches only operators, `+#chan` voiced and up.
    let status = target.chars().next().filter(|c| *c == '@' || *c == '+');
    let name = target.trim_start_matches(['@', '+']);
    let key = casemap::fold(name);
    let id = ctx.id;
    let me = ctx.me();
    // A secret channel is answered as absent to those outside it.
    let chan = ctx
        .state
        .channels
        .get(&key)
        .filter(|c| !c.hidden_from(id))
        .ok_or_else(|| HandlerError::numeric(Numeric::ErrNoSuchChannel, [name]))?;
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
    let shown = match status {
        Some(s) => format!("{s}{}", chan.name),
        None => chan.name.clone(),
    };
    Ok(ChannelRoute { key, status, shown })
}

/// `text` cut (at a character boundary) so that the relayed line, `:prefix
/// VERB target :text` and CR LF, fits in 512 bytes: a client may send a
/// line at the limit, which its `nick!user@host` would push over it.
fn fitted<'t>(me: &Client, verb: &str, target: &str, text: Option<&'t str>) -> Option<&'t str> {
    let room = MAX_LINE_LEN.saturating_sub(me.prefix.len() + verb.len() + target.len() + 7);
    text.map(|t| super::channel::truncate(t, room))
}

fn to_channel(ctx: &mut Ctx<'_>, verb: &str, target: &str, text: Option<&str>, tags: &[Tag]) -> HandlerResult {
    let route = channel_route(ctx, target)?;
    let id = ctx.id;
    let me = ctx.me();
    let text = fitted(me, verb, &route.shown, text);
    let echo = me.caps.has(Cap::EchoMessage);
    let (mut relay, msgid) = relay(verb, me, &route.shown, text, tags);
    let to = history::To::Channel { key: &route.key, shown: &route.shown };
    history::record_message(ctx.state, id, to, verb, &msgid, text, tags);
    ctx.state.recent.remember(msgid, Recent { sender: id, to: Sent::Channel(route.key.clone()) });
    // TAGMSG reaches only clients that can read tags.
    let tags_only = text.is_none();
    ctx.state.relay_to_channel(&route.key, &mut relay, |m, member| {
        route.reaches(id, echo, m, member) && (!tags_only || member.caps.has(Cap::MessageTags))
    });
    Ok(())
}

/// The client a private message to `target` goes to: its id, nick and away
/// message.
pub(super) fn user_route(ctx: &Ctx<'_>, target: &str) -> Result<(ClientId, String, Option<String>), HandlerError> {
    let found = ctx.state.find_nick(target).map(|c| (c.id, c.nick.clone(), c.away.clone()));
    found.ok_or_else(|| HandlerError::numeric(Numeric::ErrNoSuchNick, [target]))
}

fn to_user(ctx: &mut Ctx<'_>, verb: &str, target: &str, text: Option<&str>, tags: &[Tag]) -> HandlerResult {
    let (target_id, target_nick, away) = user_route(ctx, target)?;
    let me = ctx.me();
    let text = fitted(me, verb, &target_nick, text);
    let (mut relay, msgid) = relay(verb, me, &target_nick, text, tags);
    let echo = me.caps.has(Cap::EchoMessage);
    history::record_message(ctx.state, ctx.id, history::To::User(target_id), verb, &msgid, text, tags);
    ctx.state.recent.remember(msgid, Recent { sender: ctx.id, to: Sent::User(target_id) });
    let reads_tags = |ctx: &Ctx<'_>, id| ctx.state.client(id).is_some_and(|c| c.caps.has(Cap::MessageTags));
    if text.is_some() || reads_tags(ctx, target_id) {
        if target_id == ctx.id {
            // To oneself: the delivered copy is not the labeled response
            // (labeled-response); the echo below is, or else an ACK.
            ctx.state.uncaptured(|state| state.relay_to(target_id, &mut relay));
        } else {
            ctx.state.relay_to(target_id, &mut relay);
        }
    }
    if echo && (text.is_some() || reads_tags(ctx, ctx.id)) {
        ctx.state.relay_to(ctx.id, &mut relay);
    }
    if let (Some(away), "PRIVMSG") = (away, verb) {
        ctx.numeric_text(Numeric::RplAway, &[&target_nick], &away);
    }
    Ok(())
}

/// AWAY [text]: set or clear the away message; peers with away-notify hear.
pub fn away(ctx: &mut Ctx<'_>, text: Option<String>) -> HandlerResult {
    // draft/pre-away lets a client be away from the moment it registers.
    if !ctx.me().registered && !ctx.me().caps.has(Cap::PreAway) {
        return Err(HandlerError::numeric(Numeric::ErrNotRegistered, Vec::<String>::new()));
    }
    let max = ctx.info.config.limits.away_length;
    let text = text.map(|t| super::channel::truncate(&t, max).to_owned());
    ctx.me_mut().away = text.clone();
    match &text {
        Some(_) => ctx.numeric(Numeric::RplNowAway, &[]),
        None => ctx.numeric(Numeric::RplUnAway, &[]),
    }
    let msg = Message::new("AWAY", text).with_source(ctx.me().prefix.clone());
    let mut relay = ctx.state.relay_from(ctx.id, msg);
    let peers = ctx.state.peers(ctx.id);
    for peer in peers {
        if ctx.state.client(peer).is_some_and(|c| c.caps.has(Cap::AwayNotify)) {
            ctx.state.relay_to(peer, &mut relay);
        }
    }
    // extended-monitor: watchers hear it as if they shared a channel.
    for watcher in ctx.state.monitor_extended(ctx.id, Cap::AwayNotify) {
        ctx.state.relay_to(watcher, &mut relay);
    }
    Ok(())
}

/// away-notify: when an away user joins, the channel's members with
/// away-notify are told it is away, as they would be had it been there
/// already; the joiner itself is not.
pub fn away_on_join(ctx: &mut Ctx<'_>, chan_key: &str) {
    let Some(text) = ctx.me().away.clone() else { return };
    let id = ctx.id;
    let msg = Message::new("AWAY", [text]).with_source(ctx.me().prefix.clone());
    let mut relay = ctx.state.relay_from(id, msg);
    ctx.state.relay_to_channel(chan_key, &mut relay, |member, m| member != id && m.caps.has(Cap::AwayNotify));
}
