//! ChanServ: registered channels. `REGISTER #chan`, `INFO`, `OP`/`DEOP`/
//! `VOICE`, `ACCESS #chan ADD|DEL|LIST`, `SET #chan FOUNDER|DESCRIPTION|
//! KEEPTOPIC|MLOCK` (see [`settings`]), `DROP`.
//!
//! A registered channel keeps its topic, modes, ban/except/invite lists and
//! access list in the store. When it is created again (first join after it
//! emptied, or after a restart) they are put back, and members on the
//! access list get their op or voice on join. ChanServ commands answer
//! only after the store has committed, and so do TOPIC and MODE changes by
//! members (see [`commit`]).

mod commit;
mod settings;

pub use commit::{needs_commit, run as run_committed};

use super::{tell, Service};
use crate::accounts::{self, with_ctx};
use crate::clock;
use crate::handlers::Ctx;
use crate::i18n::Arg;
use crate::server::Server;
use crate::state::channel::{Channel, ChannelModes, ListEntry, Topic};
use crate::state::client::ClientId;
use crate::store::{AccessLevel, Change, ChannelRecord, ListRecord, TopicRecord};
use hichat_proto::{casemap, Message};
use std::sync::Arc;

const CS: Service = Service::ChanServ;

/// Says catalogue message `msg` from ChanServ.
fn say(server: &Server, id: ClientId, msg: &str, args: &[(&str, Arg<'_>)]) {
    with_ctx(server, id, |ctx| tell(ctx, CS, msg, args));
}

/// Says `text` in the client's language.
fn say_text_of(server: &Server, id: ClientId, text: &crate::i18n::Text) {
    with_ctx(server, id, |ctx| {
        let text = text.render(ctx.lang());
        super::reply(ctx, CS, &text);
    });
}

/// Says a text already in the client's language.
fn say_text(server: &Server, id: ClientId, text: &str) {
    with_ctx(server, id, |ctx| super::reply(ctx, CS, text));
}

pub async fn handle(server: &Arc<Server>, id: ClientId, text: &str) {
    let words: Vec<&str> = text.split_whitespace().collect();
    let command = words.first().map(|w| w.to_ascii_uppercase()).unwrap_or_else(|| "HELP".into());
    let args = words.get(1..).unwrap_or_default();
    match command.as_str() {
        "REGISTER" => register(server, id, args).await,
        "INFO" => info(server, id, args),
        "OP" | "DEOP" | "VOICE" | "DEVOICE" => op(server, id, &command, args),
        "ACCESS" => access(server, id, args).await,
        "SET" => settings::set(server, id, args).await,
        "DROP" => drop_channel(server, id, args).await,
        "HELP" => say(server, id, "cs-help", &[]),
        _ => say(server, id, "service-unknown-command", &[("command", (&command).into())]),
    }
}

/// The record of a channel as it is now (keeping founder, time and access).
pub fn snapshot(chan: &Channel, base: &ChannelRecord) -> ChannelRecord {
    let m = &chan.modes;
    let mut modes = String::new();
    for (on, c) in
        [(m.invite_only, 'i'), (m.moderated, 'm'), (m.no_external, 'n'), (m.secret, 's'), (m.topic_locked, 't')]
    {
        if on {
            modes.push(c);
        }
    }
    let mut lists = Vec::new();
    for (list, entries) in [('b', &chan.bans), ('e', &chan.excepts), ('I', &chan.invex)] {
        lists.extend(entries.iter().map(|e| ListRecord {
            list,
            mask: e.mask.clone(),
            setter: e.setter.clone(),
            time: e.time,
        }));
    }
    ChannelRecord {
        name: base.name.clone(),
        display: base.display.clone(),
        founder: base.founder.clone(),
        registered_at: base.registered_at,
        topic: chan.topic.as_ref().map(|t| TopicRecord {
            text: t.text.clone(),
            setter: t.setter.clone(),
            time: t.time,
        }),
        modes,
        key: m.key.clone(),
        limit: m.limit.map(|l| l as u64),
        lists,
        access: base.access.clone(),
        settings: base.settings.clone(),
    }
}

/// Puts a record's topic, modes and lists on a channel (a freshly created
/// one, or one whose change could not be stored).
fn restore(chan: &mut Channel, r: &ChannelRecord) {
    chan.topic = r.topic.as_ref().map(|t| Topic { text: t.text.clone(), setter: t.setter.clone(), time: t.time });
    chan.modes = ChannelModes {
        invite_only: r.modes.contains('i'),
        moderated: r.modes.contains('m'),
        no_external: r.modes.contains('n'),
        secret: r.modes.contains('s'),
        topic_locked: r.modes.contains('t'),
        key: r.key.clone(),
        limit: r.limit.map(|l| l as usize),
    };
    let entries = |list: char| -> Vec<ListEntry> {
        r.lists
            .iter()
            .filter(|l| l.list == list)
            .map(|l| ListEntry { mask: l.mask.clone(), setter: l.setter.clone(), time: l.time })
            .collect()
    };
    chan.bans = entries('b');
    chan.excepts = entries('e');
    chan.invex = entries('I');
}

/// The access level of client `id` on a registered channel.
fn level_of(ctx: &Ctx<'_>, r: &ChannelRecord, id: ClientId) -> Option<AccessLevel> {
    let account = accounts::fold(ctx.state.client(id)?.account.as_deref()?);
    if account == r.founder {
        return Some(AccessLevel::Founder);
    }
    r.access.iter().find(|(a, _)| *a == account).map(|(_, l)| *l)
}

/// Whether client `ctx.id` may RENAME channel `chan_key`: anyone its
/// operator rules allow when it is not registered, only its founder when it
/// is (a rename moves the registration, so it is the founder's to give).
pub fn may_rename(ctx: &Ctx<'_>, chan_key: &str) -> bool {
    ctx.state.records.channels.get(chan_key).is_none_or(|r| level_of(ctx, r, ctx.id) == Some(AccessLevel::Founder))
}

/// Called by JOIN before its checks: a registered channel that is not in
/// the state (empty, or after a restart) is created from its record, so
/// that its key, bans and limits apply to the first joiner too.
pub fn before_join(ctx: &mut Ctx<'_>, chan_key: &str) {
    if ctx.state.channels.contains_key(chan_key) {
        return;
    }
    let Some(record) = ctx.state.records.channels.get(chan_key) else { return };
    let mut chan = Channel::new(record.display.clone(), record.registered_at);
    restore(&mut chan, record);
    if !record.settings.keep_topic {
        chan.topic = None;
    }
    settings::enforce_mlock(&mut chan, &record.settings);
    ctx.state.channels.insert(chan_key.to_owned(), chan);
}

/// Called by JOIN after client `ctx.id` joined `chan_key`: access-list
/// members get their status, and nobody else gets op for creating it.
/// Run before the JOIN is announced.
pub fn on_join(ctx: &mut Ctx<'_>, chan_key: &str) {
    let Some(record) = ctx.state.records.channels.get(chan_key).cloned() else { return };
    let id = ctx.id;
    let level = level_of(ctx, &record, id);
    let Some(chan) = ctx.state.channels.get_mut(chan_key) else { return };
    if let Some(member) = chan.members.get_mut(&id) {
        // The creator of a registered channel gets op only by access.
        member.prefixes.op = level.is_some_and(|l| l >= AccessLevel::Op);
        member.prefixes.voice = level == Some(AccessLevel::Voice);
    }
}

/// After a JOIN has been announced: tell the channel about the status
/// ChanServ gave.
pub fn announce_join_status(ctx: &mut Ctx<'_>, chan_key: &str) {
    if !ctx.state.records.channels.contains_key(chan_key) {
        return;
    }
    let Some(chan) = ctx.state.channels.get(chan_key) else { return };
    let p = chan.prefixes(ctx.id);
    let flag = if p.op {
        "+o"
    } else if p.voice {
        "+v"
    } else {
        return;
    };
    let msg = Message::new("MODE", [chan.name.as_str(), flag, ctx.me().nick.as_str()]).with_source(source(ctx));
    ctx.state.channel_event(chan_key, msg);
}

fn source(ctx: &Ctx<'_>) -> String {
    format!("ChanServ!ChanServ@{}", ctx.info.name)
}

/// After a TOPIC or MODE: if the channel is registered and changed, queue
/// its new record. [`commit::run`] submits it and holds the command's
/// output until it is committed; for the few other paths that can get here
/// (a plain-text session's `/topic`), [`flush`] submits it written behind.
pub fn after_change(ctx: &mut Ctx<'_>, target: &str) {
    let key = casemap::fold(target);
    let (Some(record), Some(chan)) = (ctx.state.records.channels.get(&key), ctx.state.channels.get(&key)) else {
        return;
    };
    let now = snapshot(chan, record);
    if now != *record {
        ctx.state.records.channels.insert(key, now.clone());
        ctx.state.accounts.outgoing.push(Change::UpdateChannel(now));
    }
}

/// Submits the changes queued by [`after_change`], under the state lock so
/// that the store gets them in the order they were made. Dropping a
/// `Pending` does not cancel its write.
pub fn flush(server: &Server) {
    let mut state = server.state();
    for change in std::mem::take(&mut state.accounts.outgoing) {
        let _ = server.store.submit(change);
    }
}

/// Runs `change` under the state lock: it checks, updates the in-memory
/// records and returns the store change, which is submitted before the lock
/// is released, so changes reach the writer in the order they were made.
/// The commit is then awaited without the lock, and `done` (the success
/// text) sent only after it.
async fn commit(
    server: &Arc<Server>,
    id: ClientId,
    change: impl FnOnce(&mut Ctx<'_>) -> Result<(Change, String), String>,
) {
    let submitted = with_ctx(server, id, |ctx| -> Result<(crate::store::Pending, String), String> {
        let (change, done) = change(ctx)?;
        Ok((server.store.submit(change), done))
    });
    let (pending, done) = match submitted {
        Some(Ok(p)) => p,
        Some(Err(text)) => return say_text(server, id, &text),
        None => return,
    };
    match pending.done().await {
        Ok(()) => say_text(server, id, &done),
        Err(e) => {
            tracing::error!(error = %e, "cannot store a channel change");
            say(server, id, "cs-store-failed", &[]);
        }
    }
}

async fn register(server: &Arc<Server>, id: ClientId, args: &[&str]) {
    let Some(name) = args.first() else { return say(server, id, "cs-usage-register", &[]) };
    let key = casemap::fold(name);
    commit(server, id, |ctx| {
        let named = [("channel", Arg::from(*name))];
        let Some(account) = ctx.me().account.clone() else { return Err(ctx.tr("cs-must-log-in", &[])) };
        if ctx.state.records.channels.contains_key(&key) {
            return Err(ctx.tr("cs-already-registered", &named));
        }
        let Some(chan) = ctx.state.channels.get(&key) else { return Err(ctx.tr("cs-no-such-channel", &named)) };
        if !chan.is_op(ctx.id) {
            return Err(ctx.tr("cs-not-op", &named));
        }
        let founder = accounts::fold(&account);
        let base = ChannelRecord {
            name: key.clone(),
            display: chan.name.clone(),
            founder: founder.clone(),
            registered_at: clock::unix_now(),
            access: vec![(founder, AccessLevel::Founder)],
            ..ChannelRecord::default()
        };
        let record = snapshot(chan, &base);
        tracing::info!(channel = %record.display, "channel registered");
        let done = ctx.tr("cs-registered", &[("channel", (&record.display).into())]);
        ctx.state.records.channels.insert(key.clone(), record.clone());
        Ok((Change::CreateChannel(record), done))
    })
    .await;
}

fn info(server: &Arc<Server>, id: ClientId, args: &[&str]) {
    let Some(name) = args.first() else { return say(server, id, "cs-usage-info", &[]) };
    with_ctx(server, id, |ctx| {
        let key = casemap::fold(name);
        let Some(r) = ctx.state.records.channels.get(&key).filter(|r| !hidden(ctx, &key, r)).cloned() else {
            return tell(ctx, CS, "cs-not-registered", &[("channel", (*name).into())]);
        };
        let founder = ctx.state.records.accounts.get(&r.founder).map_or(r.founder.clone(), |a| a.display.clone());
        tell(ctx, CS, "cs-info-channel", &[("channel", (&r.display).into())]);
        tell(ctx, CS, "cs-info-founder", &[("account", (&founder).into())]);
        let time = clock::format_utc(r.registered_at);
        tell(ctx, CS, "cs-info-registered", &[("time", (&time).into())]);
        if let Some(d) = &r.settings.description {
            tell(ctx, CS, "cs-info-description", &[("text", d.into())]);
        }
        if let Some(t) = &r.topic {
            tell(ctx, CS, "cs-info-topic", &[("text", (&t.text).into())]);
        }
        let keep = if r.settings.keep_topic { "on" } else { "off" };
        tell(ctx, CS, "cs-info-keep-topic", &[("state", keep.into())]);
        if let Some(mlock) = settings::mlock_string(&r.settings) {
            tell(ctx, CS, "cs-info-mlock", &[("modes", (&mlock).into())]);
        }
    });
}

/// Whether a registered channel is secret and client `ctx.id` neither in
/// it nor on its access list: then INFO answers as for an unknown channel.
fn hidden(ctx: &Ctx<'_>, key: &str, r: &ChannelRecord) -> bool {
    let secret = ctx.state.channels.get(key).map_or(r.modes.contains('s'), |c| c.modes.secret);
    let inside = ctx.state.channels.get(key).is_some_and(|c| c.is_member(ctx.id));
    secret && !inside && level_of(ctx, r, ctx.id).is_none()
}

fn op(server: &Arc<Server>, id: ClientId, command: &str, args: &[&str]) {
    let Some(name) = args.first() else { return say(server, id, "cs-usage-op", &[("command", command.into())]) };
    let key = casemap::fold(name);
    with_ctx(server, id, |ctx| {
        let Some(record) = ctx.state.records.channels.get(&key).cloned() else {
            return tell(ctx, CS, "cs-not-registered", &[("channel", (*name).into())]);
        };
        let target_nick = args.get(1).map(|s| (*s).to_owned()).unwrap_or_else(|| ctx.me().nick.clone());
        let Some(target) = ctx.state.find_nick(&target_nick).map(|c| c.id) else {
            return tell(ctx, CS, "cs-nick-offline", &[("nick", (&target_nick).into())]);
        };
        let needed = if command == "VOICE" && target == ctx.id { AccessLevel::Voice } else { AccessLevel::Op };
        if lacks(level_of(ctx, &record, ctx.id), needed) {
            return tell(ctx, CS, "cs-no-access-to", &[("command", command.into()), ("channel", (*name).into())]);
        }
        if !ctx.state.channels.contains_key(&key) {
            return tell(ctx, CS, "cs-empty", &[("channel", (*name).into())]);
        }
        if !ctx.state.channels[&key].members.contains_key(&target) {
            return tell(ctx, CS, "cs-nick-not-in", &[("nick", (&target_nick).into()), ("channel", (*name).into())]);
        }
        let chan = ctx.state.channels.get_mut(&key).expect("checked above");
        let member = chan.members.get_mut(&target).expect("checked above");
        let flag = match command {
            "OP" => {
                member.prefixes.op = true;
                "+o"
            }
            "DEOP" => {
                member.prefixes.op = false;
                "-o"
            }
            "VOICE" => {
                member.prefixes.voice = true;
                "+v"
            }
            _ => {
                member.prefixes.voice = false;
                "-v"
            }
        };
        let display = chan.name.clone();
        let msg = Message::new("MODE", [display.as_str(), flag, target_nick.as_str()]).with_source(source(ctx));
        ctx.state.channel_event(&key, msg);
    });
}

/// Whether `level` falls short of `needed` (no access at all included).
fn lacks(level: Option<AccessLevel>, needed: AccessLevel) -> bool {
    match level {
        Some(l) => l < needed,
        None => true,
    }
}

/// The record of a registered channel on which client `ctx.id` has at
/// least `needed`.
fn require<'a>(ctx: &'a mut Ctx<'_>, name: &str, needed: AccessLevel) -> Result<&'a mut ChannelRecord, String> {
    let key = casemap::fold(name);
    let Some(record) = ctx.state.records.channels.get(&key) else {
        return Err(ctx.tr("cs-not-registered", &[("channel", name.into())]));
    };
    if lacks(level_of(ctx, record, ctx.id), needed) {
        return Err(ctx.tr("cs-no-access", &[("channel", name.into())]));
    }
    Ok(ctx.state.records.channels.get_mut(&key).expect("checked above"))
}

async fn access(server: &Arc<Server>, id: ClientId, args: &[&str]) {
    const USAGE: &str = "cs-usage-access";
    let (Some(name), Some(sub)) = (args.first(), args.get(1)) else { return say(server, id, USAGE, &[]) };
    match (sub.to_ascii_uppercase().as_str(), args.get(2), args.get(3)) {
        ("LIST", _, _) => {
            with_ctx(server, id, |ctx| {
                let lines = match require(ctx, name, AccessLevel::Op) {
                    Ok(r) => {
                        let mut lines: Vec<String> =
                            r.access.iter().map(|(a, l)| format!("{a} {}", l.as_str())).collect();
                        let display = r.display.clone();
                        lines.push(ctx.tr("cs-access-end", &[("channel", (&display).into())]));
                        lines
                    }
                    Err(text) => vec![text],
                };
                for line in lines {
                    super::reply(ctx, CS, &line);
                }
            });
        }
        ("ADD", Some(account), Some(level)) => {
            commit(server, id, |ctx| {
                let Some(level) = AccessLevel::parse(level).filter(|l| *l != AccessLevel::Founder) else {
                    return Err(ctx.tr("cs-access-level", &[]));
                };
                let record = require(ctx, name, AccessLevel::Founder)?;
                let folded = accounts::fold(account);
                if folded == record.founder {
                    return Err(ctx.tr("cs-access-founder", &[]));
                }
                record.access.retain(|(a, _)| *a != folded);
                record.access.push((folded, level));
                let change = Change::UpdateChannel(record.clone());
                let done =
                    ctx.tr("cs-access-added", &[("account", (*account).into()), ("level", level.as_str().into())]);
                Ok((change, done))
            })
            .await;
        }
        ("DEL", Some(account), _) => {
            commit(server, id, |ctx| {
                let record = require(ctx, name, AccessLevel::Founder)?;
                let folded = accounts::fold(account);
                if folded == record.founder || !record.access.iter().any(|(a, _)| *a == folded) {
                    return Err(ctx.tr("cs-access-not-on", &[("account", (*account).into())]));
                }
                record.access.retain(|(a, _)| *a != folded);
                let change = Change::UpdateChannel(record.clone());
                Ok((change, ctx.tr("cs-access-removed", &[("account", (*account).into())])))
            })
            .await;
        }
        _ => say(server, id, USAGE, &[]),
    }
}

async fn drop_channel(server: &Arc<Server>, id: ClientId, args: &[&str]) {
    let Some(name) = args.first() else { return say(server, id, "cs-usage-drop", &[]) };
    commit(server, id, |ctx| {
        let record = require(ctx, name, AccessLevel::Founder)?;
        let (key, shown) = (record.name.clone(), record.display.clone());
        ctx.state.records.channels.remove(&key);
        tracing::info!(channel = %shown, "channel dropped");
        Ok((Change::DropChannel(key), ctx.tr("cs-dropped", &[("channel", (&shown).into())])))
    })
    .await;
}
