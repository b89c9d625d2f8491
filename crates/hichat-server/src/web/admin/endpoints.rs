//! What each admin API endpoint does. Reads take one short lock of the
//! state; actions check every field first, then run the operator commands'
//! own functions (KILL's, KICK's, KLINE's) with the server as the source.

use super::{parse, ApiError};
use crate::bans::{self, BanError, MAX_BAN_MINUTES};
use crate::clock::format_server_time;
use crate::console::Stats;
use crate::server::Server;
use crate::state::client::ClientId;
use crate::store::{BanKind, StoreError};
use hichat_proto::{casemap, ChannelName, Message, Nickname};
use serde::Deserialize;
use serde_json::{json, Value};

/// Longest server notice text, in bytes: with the server's name and the
/// longest nick it still fits a 512-byte line.
const MAX_NOTICE: usize = 400;
/// Longest ban mask, in bytes.
const MAX_MASK: usize = 128;

fn iso(secs: u64) -> String {
    format_server_time(secs.saturating_mul(1000))
}

/// A read endpoint's answer.
pub(super) fn read(server: &Server, name: &str) -> Value {
    match name {
        "status" => status(server),
        "users" => users(server),
        _ => channels(server),
    }
}

fn status(server: &Server) -> Value {
    let s = Stats::gather(server);
    json!({
        "success": true,
        "version": server.info.version,
        "startTime": s.started,
        "users": { "total": s.users, "invisible": s.invisible, "operators": s.operators, "max": s.max_users },
        "connections": s.connections,
        "channels": s.channels,
        "messagesReceived": s.messages_in,
        "deliveries": s.deliveries,
    })
}

fn users(server: &Server) -> Value {
    let state = server.state();
    let mut clients: Vec<_> = state.clients.values().filter(|c| c.registered).collect();
    clients.sort_by_key(|c| c.id);
    let users: Vec<Value> = clients
        .iter()
        .map(|c| {
            let channels: Vec<&str> =
                c.channels.iter().filter_map(|k| state.channels.get(k)).map(|ch| ch.name.as_str()).collect();
            json!({
                "nick": c.nick,
                "user": c.user,
                "realname": c.realname,
                "host": c.host,
                "ip": c.ip.map(|ip| ip.to_string()),
                "account": c.account,
                "channels": channels,
                "connectedSince": iso(c.signon),
                "modes": c.modes.to_mode_string(),
                "away": c.away,
                "tls": c.tls,
            })
        })
        .collect();
    json!({ "success": true, "users": users, "totalCount": users.len() })
}

fn channels(server: &Server) -> Value {
    let state = server.state();
    let mut list: Vec<_> = state.channels.iter().collect();
    list.sort_by(|a, b| a.0.cmp(b.0));
    let channels: Vec<Value> = list
        .iter()
        .map(|(key, ch)| {
            json!({
                "name": ch.name,
                "userCount": ch.members.len(),
                "topic": ch.topic.as_ref().map(|t| t.text.as_str()),
                "topicSetBy": ch.topic.as_ref().map(|t| t.setter.as_str()),
                "topicSetAt": ch.topic.as_ref().map(|t| iso(t.time)),
                "modes": ch.modes.to_mode_params(false).join(" "),
                "createdAt": iso(ch.created),
                "registered": state.records.channels.contains_key(*key),
            })
        })
        .collect();
    json!({ "success": true, "channels": channels, "totalCount": channels.len() })
}

/// Runs an action endpoint on its JSON body, as token `token`.
pub(super) async fn action(server: &Server, token: &str, name: &str, body: &[u8]) -> Result<Value, ApiError> {
    match name {
        "ns/info" => account(server, parse(body)?),
        "kick" => kick(server, token, parse(body)?),
        "kill" => kill(server, token, parse(body)?),
        "kline" => ban(server, token, BanKind::Kline, parse(body)?).await,
        "dline" => ban(server, token, BanKind::Dline, parse(body)?).await,
        "unkline" => unban(server, token, BanKind::Kline, parse(body)?).await,
        "undline" => unban(server, token, BanKind::Dline, parse(body)?).await,
        _ => notice(server, token, parse(body)?),
    }
}

/// A reason or text: at most `max` bytes, no CR, LF or NUL (which would
/// end or break the IRC line it goes into).
fn check_text(field: &str, text: &str, max: usize) -> Result<(), ApiError> {
    if text.len() > max {
        return Err(ApiError::bad(format!("{field} is over {max} bytes")));
    }
    if text.contains(['\r', '\n', '\0']) {
        return Err(ApiError::bad(format!("{field} may not contain CR, LF or NUL")));
    }
    Ok(())
}

fn check_nick(server: &Server, nick: &str) -> Result<(), ApiError> {
    Nickname::parse(nick, server.info.config.limits.nick_length)
        .map(|_| ())
        .map_err(|e| ApiError::bad(format!("nick: {e}")))
}

/// The connected, registered client with this nick.
fn find(state: &crate::state::State, nick: &str) -> Result<(ClientId, String), ApiError> {
    state
        .find_nick(nick)
        .filter(|c| c.registered)
        .map(|c| (c.id, c.nick.clone()))
        .ok_or_else(|| ApiError::not_found(format!("no such nick: {nick}")))
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
struct AccountRequest {
    account_name: String,
}

fn account(server: &Server, req: AccountRequest) -> Result<Value, ApiError> {
    if !crate::accounts::valid_name(&req.account_name, 200) {
        return Err(ApiError::bad("accountName is not a valid account name"));
    }
    let folded = crate::accounts::fold(&req.account_name);
    let state = server.state();
    let a = state
        .records
        .accounts
        .get(&folded)
        .ok_or_else(|| ApiError::not_found(format!("no such account: {}", req.account_name)))?;
    let mut online: Vec<&str> = state
        .clients
        .values()
        .filter(|c| c.account.as_deref().is_some_and(|x| crate::accounts::fold(x) == a.name))
        .map(|c| c.nick.as_str())
        .collect();
    online.sort_unstable();
    let mut channels: Vec<&str> =
        state.records.channels.values().filter(|c| c.founder == a.name).map(|c| c.display.as_str()).collect();
    channels.sort_unstable();
    Ok(json!({
        "success": true,
        "accountName": a.display,
        "email": a.email,
        "registeredAt": iso(a.registered_at),
        "loggedIn": online,
        "channels": channels,
    }))
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct KickRequest {
    channel: String,
    nick: String,
    #[serde(default)]
    reason: Option<String>,
}

fn kick(server: &Server, token: &str, req: KickRequest) -> Result<Value, ApiError> {
    let limits = &server.info.config.limits;
    ChannelName::parse(&req.channel, limits.channel_length).map_err(|e| ApiError::bad(format!("channel: {e}")))?;
    check_nick(server, &req.nick)?;
    let reason = req.reason.unwrap_or_else(|| "Kicked by the server administrator".into());
    check_text("reason", &reason, limits.kick_length)?;
    let name = &server.info.name;
    let mut state = server.state();
    let key = casemap::fold(&req.channel);
    let channel = state
        .channels
        .get(&key)
        .map(|c| c.name.clone())
        .ok_or_else(|| ApiError::not_found(format!("no such channel: {}", req.channel)))?;
    let (target, nick) = find(&state, &req.nick)?;
    if !state.channels[&key].is_member(target) {
        return Err(ApiError::not_found(format!("{nick} is not on {channel}")));
    }
    crate::handlers::kick_member(&mut state, &key, target, name, &reason);
    state.reap(name);
    drop(state);
    tracing::info!(token, channel = %channel, nick = %nick, reason = %reason, "admin API: kick");
    Ok(json!({ "success": true, "channel": channel, "nick": nick }))
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct KillRequest {
    nick: String,
    #[serde(default)]
    reason: Option<String>,
}

fn kill(server: &Server, token: &str, req: KillRequest) -> Result<Value, ApiError> {
    check_nick(server, &req.nick)?;
    let reason = req.reason.unwrap_or_else(|| "Disconnected by the server administrator".into());
    check_text("reason", &reason, server.info.config.limits.kick_length)?;
    let name = &server.info.name;
    let mut state = server.state();
    let (target, nick) = find(&state, &req.nick)?;
    crate::handlers::oper::kill_client(&mut state, name, target, name, name, &reason);
    state.reap(name);
    drop(state);
    tracing::info!(token, nick = %nick, reason = %reason, "admin API: kill");
    Ok(json!({ "success": true, "nick": nick }))
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct BanRequest {
    mask: String,
    /// 0 or left out: no end.
    #[serde(default)]
    minutes: u64,
    #[serde(default)]
    reason: String,
}

fn check_mask(mask: &str) -> Result<(), ApiError> {
    if mask.is_empty() || mask.len() > MAX_MASK {
        return Err(ApiError::bad(format!("mask must be 1 to {MAX_MASK} bytes")));
    }
    if mask.chars().any(|c| c.is_control() || c.is_whitespace()) {
        return Err(ApiError::bad("mask may not contain spaces or control characters"));
    }
    Ok(())
}

async fn ban(server: &Server, token: &str, kind: BanKind, req: BanRequest) -> Result<Value, ApiError> {
    check_mask(&req.mask)?;
    check_text("reason", &req.reason, server.info.config.limits.kick_length)?;
    let ban = bans::new_ban(kind, req.minutes, &req.mask, &req.reason, &format!("admin:{token}")).map_err(|e| {
        ApiError::bad(match e {
            BanError::TooLong => format!("minutes is at most {MAX_BAN_MINUTES} (ten years); 0 for no end"),
            BanError::BadMask if kind == BanKind::Kline => "mask must be user@host".to_owned(),
            BanError::BadMask => "mask must be an IP address or network".to_owned(),
        })
    })?;
    let expires = ban.expires_at.map(iso);
    let (pending, what) = bans::put(&mut server.state(), server.store.as_ref(), ban);
    committed(pending.done().await, &what)?;
    let name = &server.info.name;
    let mut state = server.state();
    bans::disconnect_matching(&mut state, name, None);
    state.reap(name);
    drop(state);
    tracing::info!(token, "admin API: {what}");
    Ok(json!({ "success": true, "mask": req.mask, "expiresAt": expires, "message": what }))
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct UnbanRequest {
    mask: String,
}

async fn unban(server: &Server, token: &str, kind: BanKind, req: UnbanRequest) -> Result<Value, ApiError> {
    check_mask(&req.mask)?;
    let (pending, what) = bans::lift(&mut server.state(), server.store.as_ref(), kind, &req.mask);
    committed(pending.done().await, &what)?;
    tracing::info!(token, "admin API: {what}");
    Ok(json!({ "success": true, "mask": req.mask, "message": what }))
}

/// The answer to a ban change once the store has answered.
fn committed(result: Result<(), StoreError>, what: &str) -> Result<(), ApiError> {
    match result {
        Ok(()) => Ok(()),
        Err(StoreError::NotFound) => Err(ApiError::not_found("no such ban")),
        Err(e) => {
            tracing::error!(error = %e, "cannot store a ban change ({what})");
            Err(ApiError::internal("the change could not be saved"))
        }
    }
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct NoticeRequest {
    text: String,
    /// One user; everyone when left out.
    #[serde(default)]
    nick: Option<String>,
}

fn notice(server: &Server, token: &str, req: NoticeRequest) -> Result<Value, ApiError> {
    if req.text.is_empty() {
        return Err(ApiError::bad("text is empty"));
    }
    check_text("text", &req.text, MAX_NOTICE)?;
    if let Some(nick) = &req.nick {
        check_nick(server, nick)?;
    }
    let name = &server.info.name;
    let mut state = server.state();
    let targets: Vec<(ClientId, String)> = match &req.nick {
        Some(nick) => vec![find(&state, nick)?],
        None => state.clients.values().filter(|c| c.registered).map(|c| (c.id, c.nick.clone())).collect(),
    };
    for (id, nick) in &targets {
        let msg = Message::new("NOTICE", [nick.as_str(), req.text.as_str()]).with_source(name.clone());
        state.send(*id, &msg);
    }
    state.reap(name);
    drop(state);
    let to = req.nick.as_deref().unwrap_or("everyone");
    tracing::info!(token, to, recipients = targets.len(), text = %req.text, "admin API: server notice");
    Ok(json!({ "success": true, "recipients": targets.len() }))
}
