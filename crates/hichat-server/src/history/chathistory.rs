//! `CHATHISTORY` (IRCv3 draft/chathistory): LATEST, BEFORE, AFTER, AROUND,
//! BETWEEN and TARGETS, anchored on `msgid=` or `timestamp=`.
//!
//! The command runs in three steps so the state lock is never held while
//! the database is read: check and plan under the lock; wait for the writer
//! to commit what is queued (so a client reads its own messages) and query
//! on a blocking thread; then send the batch under the lock. A label goes
//! on the batch's start (or on the FAIL).

use super::replay::{encode, reply_budget, within_budget};
use crate::batch::Batch;
use crate::caps::{Cap, Caps};
use crate::labeled::label_of;
use crate::server::Server;
use crate::state::client::ClientId;
use crate::state::State;
use crate::store::history::{Anchor, HistoryQuery, Selection, TargetsQuery, View};
use crate::store::HistoryLine;
use bytes::{Bytes, BytesMut};
use hichat_proto::{casemap, ChannelName, Message, Nickname, Numeric};
use std::sync::Arc;

/// Whether a message is a history command, run by [`handle`] rather than
/// the dispatcher (it reads the store).
pub fn is_history_command(msg: &Message) -> bool {
    msg.command.eq_ignore_ascii_case("CHATHISTORY")
}

/// A standard reply refusing the command: code, context, text.
struct Fail(&'static str, Vec<String>, &'static str);

/// What to read once the lock is released.
enum Plan {
    /// `keep_newest`: when the reply is cut to its budget, the newest
    /// lines stay (see [`super::replay::within_budget`]).
    Lines {
        query: HistoryQuery,
        shown: String,
        keep_newest: bool,
    },
    Targets(TargetsQuery),
}

/// Who asked, as of the planning step.
struct Asker {
    caps: Caps,
    label: Option<String>,
    subcommand: String,
    target: String,
}

/// Runs `CHATHISTORY ...` for client `id`.
pub async fn handle(server: &Arc<Server>, id: ClientId, msg: Message) {
    let planned = {
        let mut state = server.state();
        let Some(client) = state.client(id) else { return };
        if !client.registered {
            let nick = client.nick.clone();
            let reply = crate::reply::numeric(&server.info.name, &nick, Numeric::ErrNotRegistered, &[], None);
            state.send(id, &reply);
            return;
        }
        let asker = Asker {
            caps: client.caps,
            label: label_of(client, &msg),
            subcommand: msg.params.first().map(|s| s.to_ascii_uppercase()).unwrap_or_default(),
            target: msg.params.get(1).cloned().unwrap_or_default(),
        };
        match plan(server, &state, id, &msg) {
            Ok(plan) => (asker, plan),
            Err(fail) => {
                send_fail(server, &mut state, id, &asker, fail);
                return;
            }
        }
    };
    let (asker, plan) = planned;
    // Read-your-writes: what was relayed before this command is committed
    // before it is read.
    let _ = server.store.flush().done().await;
    let store = server.store.clone();
    match plan {
        Plan::Lines { query, shown, keep_newest } => {
            let read = tokio::task::spawn_blocking(move || store.query_history(&query)).await;
            let mut state = server.state();
            match read {
                Ok(Ok(lines)) => send_lines(server, &mut state, id, &asker, &shown, &lines, keep_newest),
                _ => {
                    let context = vec![asker.subcommand.clone(), asker.target.clone()];
                    let fail = Fail("MESSAGE_ERROR", context, "fail-history-not-retrieved");
                    send_fail(server, &mut state, id, &asker, fail);
                }
            }
            state.reap(&server.info.name);
        }
        Plan::Targets(query) => {
            let read = tokio::task::spawn_blocking(move || store.history_targets(&query)).await;
            let mut state = server.state();
            match read {
                Ok(Ok(targets)) => send_targets(server, &mut state, id, &asker, &targets),
                _ => {
                    let fail = Fail("MESSAGE_ERROR", vec![asker.subcommand.clone()], "fail-history-not-retrieved");
                    send_fail(server, &mut state, id, &asker, fail);
                }
            }
            state.reap(&server.info.name);
        }
    }
}

/// Checks the command and what the client may read, and says what to read.
fn plan(server: &Server, state: &State, id: ClientId, msg: &Message) -> Result<Plan, Fail> {
    let config = &server.info.config.history;
    let p = &msg.params;
    let sub = p.first().map(|s| s.to_ascii_uppercase()).unwrap_or_default();
    let needed = match sub.as_str() {
        "LATEST" | "BEFORE" | "AFTER" | "AROUND" | "TARGETS" => 4,
        "BETWEEN" => 5,
        "" => return Err(Fail("NEED_MORE_PARAMS", vec!["*".into()], "fail-missing-params")),
        _ => return Err(Fail("UNKNOWN_COMMAND", vec![p[0].clone()], "fail-unknown-subcommand")),
    };
    if p.len() < needed || p[..needed].iter().any(String::is_empty) {
        return Err(Fail("NEED_MORE_PARAMS", vec![sub], "fail-missing-params"));
    }
    if !config.enabled {
        return Err(Fail("MESSAGE_ERROR", vec![sub, p[1].clone()], "fail-history-not-kept"));
    }
    let invalid = |param: &str| Fail("INVALID_PARAMS", vec![sub.clone(), param.to_owned()], "fail-invalid-params");
    let limit = p[needed - 1].parse::<usize>().ok().filter(|n| *n > 0).ok_or_else(|| invalid(&p[needed - 1]))?;
    let limit = limit.min(config.query_limit);
    let me = state.client(id).expect("checked by the caller");
    let mut commands = vec!["PRIVMSG", "NOTICE"];
    if me.caps.has(Cap::EventPlayback) {
        if me.caps.has(Cap::MessageTags) {
            commands.push("TAGMSG");
        }
        commands.extend_from_slice(super::EVENTS);
    }
    if sub == "TARGETS" {
        let time = |s: &str| match anchor(s) {
            Some(Anchor::Time(t)) => Ok(t),
            _ => Err(invalid(s)),
        };
        let (from, to) = (time(&p[1])?, time(&p[2])?);
        let channels = me.channels.iter().filter_map(|k| Some((k.clone(), super::channel_since(state, k, id)?)));
        return Ok(Plan::Targets(TargetsQuery {
            channels: channels.collect(),
            owner: super::owner_key(me),
            since: super::private_since(me),
            from,
            to,
            limit,
            commands: vec!["PRIVMSG", "NOTICE"],
        }));
    }
    let target = &p[1];
    let refused = || Fail("INVALID_TARGET", vec![sub.clone(), target.clone()], "fail-history-not-retrieved");
    let (view, since, shown) = if ChannelName::is_channel_like(target) {
        let key = casemap::fold(target);
        // Members only, of any channel, and only what they may read (see
        // `channel_since`): a private channel's history stays with its
        // members, and nobody learns which channels exist.
        match (state.channels.get(&key), super::channel_since(state, &key, id)) {
            (Some(chan), Some(since)) => (View::Channel(key), since, chan.name.clone()),
            _ => return Err(refused()),
        }
    } else {
        let max = server.info.config.limits.nick_length;
        if Nickname::parse(target, max).is_err() || crate::services::is_service_name(target) {
            return Err(refused());
        }
        (View::Private(super::view_key(me, target)), super::private_since(me), target.clone())
    };
    let anchor_at = |i: usize| anchor(&p[i]).ok_or_else(|| invalid(&p[i]));
    let selection = match sub.as_str() {
        "LATEST" if p[2] == "*" => Selection::Latest(None),
        "LATEST" => Selection::Latest(Some(anchor_at(2)?)),
        "BEFORE" => Selection::Before(anchor_at(2)?),
        "AFTER" => Selection::After(anchor_at(2)?),
        "AROUND" => Selection::Around(anchor_at(2)?),
        _ => Selection::Between(anchor_at(2)?, anchor_at(3)?),
    };
    // Forwards (AFTER, BETWEEN an earlier and a later point) the oldest
    // lines are the ones asked for first; otherwise the newest.
    let keep_newest = match &selection {
        Selection::After(_) => false,
        Selection::Between(a, b) => anchor_time(a) > anchor_time(b),
        _ => true,
    };
    Ok(Plan::Lines { query: HistoryQuery { view, selection, limit, since, commands }, shown, keep_newest })
}

/// `msgid=...` or `timestamp=...` (the server-time format, or any RFC 3339
/// time).
fn anchor(s: &str) -> Option<Anchor> {
    let (kind, value) = s.split_once('=')?;
    match kind {
        "msgid" if !value.is_empty() => Some(Anchor::Msgid(value.to_owned())),
        "timestamp" => crate::clock::parse_utc_millis(value).map(Anchor::Time),
        _ => None,
    }
}

/// When an anchor is (a msgid's time is when it was made).
fn anchor_time(anchor: &Anchor) -> Option<u64> {
    match anchor {
        Anchor::Msgid(m) => crate::msgid::time_of(m),
        Anchor::Time(t) => Some(*t),
    }
}

fn send_fail(server: &Server, state: &mut State, id: ClientId, asker: &Asker, Fail(code, context, text): Fail) {
    let mut params = vec!["CHATHISTORY".to_owned(), code.to_owned()];
    params.extend(context);
    params.push(crate::i18n::tr(state.client(id).map(|c| c.lang).unwrap_or_default(), text, &[]));
    let mut msg = Message::new("FAIL", params).with_source(server.info.name.as_str());
    if let Some(label) = &asker.label {
        msg = msg.with_tag("label", Some(label.clone()));
    }
    state.send(id, &msg);
}

/// Opens a batch of `kind` (labeled when asked), when the client has batch.
fn open_batch(
    server: &Server,
    state: &mut State,
    id: ClientId,
    asker: &Asker,
    kind: &str,
    params: &[&str],
) -> Option<Batch> {
    if !asker.caps.has(Cap::Batch) {
        return None;
    }
    let batch = Batch::new(&server.info.name);
    let mut start = batch.start(kind, params);
    if let Some(label) = &asker.label {
        start = start.with_tag("label", Some(label.clone()));
    }
    state.send(id, &start);
    Some(batch)
}

fn send_lines(
    server: &Server,
    state: &mut State,
    id: ClientId,
    asker: &Asker,
    shown: &str,
    lines: &[HistoryLine],
    keep_newest: bool,
) {
    let batch = open_batch(server, state, id, asker, "chathistory", &[shown]);
    let reference = batch.as_ref().map(|b| b.reference.as_str());
    let encoded = lines.iter().map(|line| encode(line, asker.caps, reference)).collect();
    let kept = within_budget(encoded, reply_budget(&server.info.config), keep_newest);
    // Queued in one piece: one lock of the client's queue, not one a line.
    let mut reply = BytesMut::with_capacity(kept.iter().map(Bytes::len).sum::<usize>() + 64);
    for bytes in &kept {
        reply.extend_from_slice(bytes);
    }
    if let Some(b) = batch {
        b.end().write(&mut reply);
    }
    state.send_bytes(id, reply.freeze());
}

fn send_targets(server: &Server, state: &mut State, id: ClientId, asker: &Asker, targets: &[(String, u64)]) {
    let batch = open_batch(server, state, id, asker, "draft/chathistory-targets", &[]);
    for (key, time) in targets {
        // Shown as spelled: a channel's name, a user's current nick when
        // online, else the nick as the newest line spelled it.
        let name = if ChannelName::is_channel_like(key) {
            state.channels.get(key).map(|c| c.name.clone())
        } else {
            state.find_nick(key).map(|c| c.nick.clone())
        };
        let name = name.unwrap_or_else(|| key.clone());
        let mut msg =
            Message::new("CHATHISTORY", ["TARGETS".to_owned(), name, crate::clock::format_server_time(*time)])
                .with_source(server.info.name.as_str());
        if let Some(b) = &batch {
            msg = msg.with_tag("batch", Some(b.reference.clone()));
        }
        state.send(id, &msg);
    }
    if let Some(b) = batch {
        state.send(id, &b.end());
    }
}
