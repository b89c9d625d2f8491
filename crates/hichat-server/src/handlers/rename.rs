//! draft/channel-rename: `RENAME <#old> <#new> [:reason]` by a channel
//! operator, and of a registered channel by its founder only. The channel keeps everything but its name. Members with the
//! capability are sent `RENAME`; the others are sent the fallback the spec
//! asks for: a PART of the old name, then a JOIN of the new one with its
//! topic and names, as if they had joined it. A change of case only is just
//! a RENAME (no fallback). A registered channel's record is renamed in the
//! store in one step.
//!
//! A change of case reaches members without the capability not at all: the
//! spec rules the fallback out for it, and they know no RENAME.

use super::channel::{send_names, send_topic};
use super::Ctx;
use crate::caps::Cap;
use crate::reply::{HandlerError, HandlerResult};
use crate::store::Change;
use hichat_proto::{casemap, ChannelName, Message, Numeric};

fn fail(code: &'static str, old: &str, new: &str, text: &'static str) -> HandlerError {
    HandlerError::Fail {
        command: "RENAME".into(),
        code,
        context: vec![old.to_owned(), new.to_owned()],
        text: text.into(),
    }
}

pub fn rename(ctx: &mut Ctx<'_>, old: &str, new: &str, reason: Option<&str>) -> HandlerResult {
    let id = ctx.id;
    let from = casemap::fold(old);
    let chan = ctx.state.channels.get(&from).filter(|c| !c.hidden_from(id));
    let chan = chan.ok_or_else(|| HandlerError::numeric(Numeric::ErrNoSuchChannel, [old]))?;
    let old_display = chan.name.clone();
    if !chan.is_member(id) {
        return Err(HandlerError::numeric(Numeric::ErrNotOnChannel, [old_display]));
    }
    if !chan.is_op(id) {
        return Err(HandlerError::numeric(Numeric::ErrChanOPrivsNeeded, [old_display]));
    }
    if !crate::services::chanserv::may_rename(ctx, &from) {
        let text = "fail-rename-founder-only";
        return Err(fail("CANNOT_RENAME", &old_display, new, text));
    }
    let Ok(name) = ChannelName::parse(new, ctx.info.config.limits.channel_length) else {
        return Err(fail("CANNOT_RENAME", &old_display, new, "fail-rename-bad-name"));
    };
    let new = name.as_str().to_owned();
    let to = casemap::fold(&new);
    let case_only = to == from;
    if !case_only && (ctx.state.channels.contains_key(&to) || ctx.state.records.channels.contains_key(&to)) {
        return Err(fail("CHANNEL_NAME_IN_USE", &old_display, &new, "fail-rename-taken"));
    }
    if new == old_display {
        return Err(fail("CANNOT_RENAME", &old_display, &new, "fail-rename-same"));
    }
    let reason = reason.unwrap_or("");
    let renamer = ctx.me().prefix.clone();
    move_channel(ctx, &from, &to, &new);

    let rename = Message::new("RENAME", [old_display.as_str(), &new, reason]).with_source(renamer);
    let mut relay = ctx.state.relay_of(rename);
    ctx.state.relay_to_channel(&to, &mut relay, |_, m| m.caps.has(Cap::ChannelRename));
    if !case_only {
        let others: Vec<_> = ctx.state.channels[&to]
            .members
            .iter()
            .filter(|(_, m)| !m.caps.has(Cap::ChannelRename))
            .map(|(id, _)| *id)
            .collect();
        for member in others {
            let mut mctx = Ctx { info: ctx.info, state: &mut *ctx.state, id: member, oper_verified: None };
            fallback(&mut mctx, &old_display, &new, &to, reason);
        }
    }
    Ok(())
}

/// The fallback for a member without the capability: its own PART of the
/// old name, its JOIN of the new, then the topic and names.
fn fallback(ctx: &mut Ctx<'_>, old: &str, new: &str, key: &str, reason: &str) {
    let prefix = ctx.me().prefix.clone();
    let mut part = vec![old];
    if !reason.is_empty() {
        part.push(reason);
    }
    let part = ctx.state.relay_from(ctx.id, Message::new("PART", part).with_source(prefix.clone()));
    let join = ctx.state.relay_from(ctx.id, Message::new("JOIN", [new]).with_source(prefix));
    for mut relay in [part, join] {
        ctx.state.relay_to(ctx.id, &mut relay);
    }
    if let Some(topic) = ctx.state.channels[key].topic.clone() {
        send_topic(ctx, new, &topic);
    }
    super::read_marker::on_join(ctx, key, new);
    if !ctx.me().caps.has(Cap::NoImplicitNames) {
        send_names(ctx, key);
    }
}

/// Moves the channel to its new name in the state, the members' and the
/// invited clients' lists, and the store's record if it is registered.
fn move_channel(ctx: &mut Ctx<'_>, from: &str, to: &str, display: &str) {
    let mut chan = ctx.state.channels.remove(from).expect("checked by the caller");
    chan.name = display.to_owned();
    let members: Vec<_> = chan.members.keys().copied().collect();
    ctx.state.channels.insert(to.to_owned(), chan);
    if from == to {
        // Only the case changed; the record's display name follows.
        if let Some(record) = ctx.state.records.channels.get_mut(from) {
            record.display = display.to_owned();
            ctx.state.accounts.outgoing.push(Change::UpdateChannel(record.clone()));
        }
        return;
    }
    for client in ctx.state.clients.values_mut() {
        for list in [&mut client.channels, &mut client.invites] {
            if let Some(k) = list.iter_mut().find(|k| *k == from) {
                *k = to.to_owned();
            }
        }
    }
    debug_assert!(members.iter().all(|m| ctx.state.clients[m].channels.iter().any(|k| k == to)));
    ctx.state.history.rename(from, to, display);
    if let Some(mut record) = ctx.state.records.channels.remove(from) {
        record.name = to.to_owned();
        record.display = display.to_owned();
        ctx.state.records.channels.insert(to.to_owned(), record);
        let change = Change::RenameChannel { from: from.to_owned(), to: to.to_owned(), display: display.to_owned() };
        ctx.state.accounts.outgoing.push(change);
    }
}
