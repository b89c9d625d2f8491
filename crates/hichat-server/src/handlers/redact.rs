//! draft/message-redaction: `REDACT <target> <msgid> [:reason]` deletes a
//! recent message for clients that support it. A message's sender may
//! redact it, and so may a channel's operators in their channel. A
//! redacted message is also deleted from history, for everyone.

use super::Ctx;
use crate::caps::Cap;
use crate::i18n::Text;
use crate::reply::{HandlerError, HandlerResult};
use crate::state::recent::Sent;
use hichat_proto::{casemap, ChannelName, Message};

fn fail(code: &'static str, context: Vec<String>, text: impl Into<Text>) -> HandlerError {
    HandlerError::Fail { command: "REDACT".into(), code, context, text: text.into() }
}

pub fn redact(ctx: &mut Ctx<'_>, target: &str, msgid: &str, reason: Option<&str>) -> HandlerResult {
    let id = ctx.id;
    let context = || vec![target.to_owned(), msgid.to_owned()];
    let to = if ChannelName::is_channel_like(target) {
        let key = casemap::fold(target);
        match ctx.state.channels.get(&key) {
            Some(chan) if chan.is_member(id) => Sent::Channel(key),
            _ => {
                let text = Text::with("fail-redact-target", [("target", target)]);
                return Err(fail("INVALID_TARGET", vec![target.to_owned()], text));
            }
        }
    } else {
        match ctx.state.find_nick(target) {
            Some(c) => Sent::User(c.id),
            None => {
                let text = Text::with("fail-redact-target", [("target", target)]);
                return Err(fail("INVALID_TARGET", vec![target.to_owned()], text));
            }
        }
    };
    // A message this client could not have seen is "unknown" too, so errors
    // never tell who said what where.
    let Some(recent) = ctx.state.recent.get(msgid).filter(|r| r.to == to).cloned() else {
        return Err(fail("UNKNOWN_MSGID", context(), "fail-redact-unknown"));
    };
    let allowed = recent.sender == id
        || matches!(&to, Sent::Channel(key) if ctx.state.channels.get(key).is_some_and(|c| c.is_op(id)));
    if !allowed {
        return Err(fail("REDACT_FORBIDDEN", context(), "fail-redact-forbidden"));
    }
    let channel = match &to {
        Sent::Channel(key) => Some(key.clone()),
        Sent::User(_) => None,
    };
    ctx.state.history.redact(msgid, channel);
    let me = ctx.me();
    let echo = me.caps.has(Cap::EchoMessage);
    let shown = match &to {
        Sent::Channel(key) => ctx.state.channels[key].name.clone(),
        Sent::User(_) => target.to_owned(),
    };
    let mut params = vec![shown, msgid.to_owned()];
    params.extend(reason.map(str::to_owned));
    let msg = Message::new("REDACT", params).with_source(me.prefix.clone());
    let (mut relay, _) = super::message::relay_message(msg, me);
    let wants = |c: crate::caps::Caps| c.has(Cap::MessageRedaction);
    match to {
        Sent::Channel(key) => {
            ctx.state.relay_to_channel(&key, &mut relay, |m, member| (m != id || echo) && wants(member.caps));
        }
        Sent::User(other) => {
            for t in [Some(other), (echo && other != id).then_some(id)].into_iter().flatten() {
                if ctx.state.client(t).is_some_and(|c| wants(c.caps)) {
                    ctx.state.relay_to(t, &mut relay);
                }
            }
        }
    }
    Ok(())
}
