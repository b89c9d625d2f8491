//! Operator blocks kept in the store, beside the config's `[[operator]]`
//! blocks: `OPERATOR ADD <name> <password> [user@host ...]`,
//! `OPERATOR DEL <name>` and `OPERATOR LIST`.
//!
//! The config stays the root of trust: only an operator who logged in with
//! a config block (or the operator console) may add or remove stored ones,
//! and a stored block cannot take a config block's name. OPER accepts
//! either kind ([`block`]). Passwords are hashed with argon2id in the
//! hashing pool and never logged; the reply follows the store's commit.
//! Removing a block takes operator status from those who used it.

use crate::accounts::with_ctx;
use crate::config::Operator;
use crate::handlers::Ctx;
use crate::server::Server;
use crate::state::client::ClientId;
use crate::store::{Change, OperatorRecord, StoreError};
use argon2::password_hash::{rand_core::OsRng, PasswordHasher, SaltString};
use argon2::Argon2;
use hichat_proto::Message;
use std::sync::Arc;

/// Shortest operator password accepted.
const MIN_PASSWORD: usize = 8;
/// Longest operator name.
const MAX_NAME: usize = 32;

/// Whether this is the OPERATOR command.
pub fn is_operator_command(verb: &str) -> bool {
    verb == "OPERATOR"
}

/// The operator block called `name`: the config's, else the store's.
pub fn block(config: &[Operator], stored: &[OperatorRecord], name: &str) -> Option<Operator> {
    config.iter().find(|o| o.name == name).cloned().or_else(|| {
        stored.iter().find(|o| o.name == name).map(|o| Operator {
            name: o.name.clone(),
            password_hash: o.password_hash.clone(),
            hosts: o.hosts.clone(),
        })
    })
}

fn notice(ctx: &mut Ctx<'_>, text: &str) {
    let nick = ctx.me().nick.clone();
    let msg = ctx.server_message("NOTICE", [nick.as_str(), text]);
    ctx.send(&msg);
}

/// Whether client `ctx.id` may change stored operator blocks: an operator
/// through a config block, or the console (an operator with no block).
fn may_manage(ctx: &Ctx<'_>) -> bool {
    let me = ctx.me();
    me.modes.oper
        && match me.oper_name.as_deref() {
            Some(name) => ctx.info.config.operators.iter().any(|o| o.name == name),
            None => true,
        }
}

fn valid_name(name: &str) -> bool {
    !name.is_empty()
        && name.len() <= MAX_NAME
        && name.chars().all(|c| c.is_ascii_alphanumeric() || "-_.[]{}|^`\\".contains(c))
}

const USAGE: &str = "Usage: OPERATOR ADD <name> <password> [user@host ...] | DEL <name> | LIST";

/// Runs `OPERATOR ...` for client `id`.
pub async fn handle(server: &Arc<Server>, id: ClientId, msg: &Message) {
    let sub = msg.param(0).to_ascii_uppercase();
    let checked = with_ctx(server, id, |ctx| {
        if !crate::handlers::oper::operator_or_refuse(ctx) {
            return false;
        }
        if sub == "LIST" {
            list(ctx);
            return false;
        }
        if !may_manage(ctx) {
            notice(ctx, "OPERATOR: only operators from the config file may add or remove operators");
            return false;
        }
        true
    });
    if checked != Some(true) {
        return;
    }
    match (sub.as_str(), msg.params.get(1), msg.params.get(2)) {
        ("ADD", Some(name), Some(password)) => add(server, id, name, password, &msg.params[3..]).await,
        ("DEL", Some(name), _) => del(server, id, name).await,
        _ => {
            with_ctx(server, id, |ctx| notice(ctx, USAGE));
        }
    }
}

fn list(ctx: &mut Ctx<'_>) {
    let mut lines: Vec<String> = ctx.info.config.operators.iter().map(|o| format!("{} (config)", o.name)).collect();
    for o in &ctx.state.records.operators {
        let hosts = if o.hosts.is_empty() { "any host".to_owned() } else { o.hosts.join(" ") };
        lines.push(format!("{} (stored) {hosts}", o.name));
    }
    lines.push("End of operator list".into());
    for line in lines {
        notice(ctx, &line);
    }
}

async fn add(server: &Arc<Server>, id: ClientId, name: &str, password: &str, hosts: &[String]) {
    let refusal = if !valid_name(name) {
        Some(format!("OPERATOR: {name} is not a valid operator name"))
    } else if server.info.config.operators.iter().any(|o| o.name == name) {
        Some(format!("OPERATOR: {name} is defined in the config file"))
    } else if password.chars().count() < MIN_PASSWORD {
        Some(format!("OPERATOR: the password needs at least {MIN_PASSWORD} characters"))
    } else {
        hosts.iter().find(|h| !h.contains('@')).map(|h| format!("OPERATOR: {h} is not a user@host mask"))
    };
    if let Some(text) = refusal {
        with_ctx(server, id, |ctx| notice(ctx, &text));
        return;
    }
    let password = password.to_owned();
    let hashed = server
        .hashing
        .run(move || {
            let salt = SaltString::generate(&mut OsRng);
            Argon2::default().hash_password(password.as_bytes(), &salt).map(|h| h.to_string())
        })
        .await;
    let Ok(Ok(password_hash)) = hashed else {
        with_ctx(server, id, |ctx| notice(ctx, "OPERATOR: the password could not be hashed"));
        return;
    };
    let record = OperatorRecord { name: name.to_owned(), password_hash, hosts: hosts.to_vec() };
    if let Err(e) = server.store.submit(Change::PutOperator(record.clone())).done().await {
        tracing::error!(error = %e, "cannot store an operator");
        with_ctx(server, id, |ctx| notice(ctx, "OPERATOR: could not be saved"));
        return;
    }
    with_ctx(server, id, |ctx| {
        tracing::info!(by = %ctx.me().nick, operator = %record.name, "operator added");
        let ops = &mut ctx.state.records.operators;
        ops.retain(|o| o.name != record.name);
        ops.push(record);
        notice(ctx, &format!("OPERATOR: {name} added"));
    });
}

async fn del(server: &Arc<Server>, id: ClientId, name: &str) {
    let result = server.store.submit(Change::RemoveOperator(name.to_owned())).done().await;
    with_ctx(server, id, |ctx| match result {
        Ok(()) => {
            tracing::info!(by = %ctx.me().nick, operator = %name, "operator removed");
            ctx.state.records.operators.retain(|o| o.name != name);
            demote(ctx, name);
            notice(ctx, &format!("OPERATOR: {name} removed"));
        }
        Err(StoreError::NotFound) => notice(ctx, &format!("OPERATOR: no stored operator {name}")),
        Err(e) => {
            tracing::error!(error = %e, "cannot remove an operator");
            notice(ctx, "OPERATOR: could not be saved");
        }
    });
}

/// Takes operator status from every client that used block `name`.
fn demote(ctx: &mut Ctx<'_>, name: &str) {
    let users: Vec<ClientId> =
        ctx.state.clients.values().filter(|c| c.oper_name.as_deref() == Some(name)).map(|c| c.id).collect();
    for id in users {
        let before = ctx.state.counted(id);
        let Some(c) = ctx.state.client_mut(id) else { continue };
        c.modes.oper = false;
        c.oper_name = None;
        let msg = Message::new("MODE", [c.nick.as_str(), "-o"]).with_source(c.prefix.clone());
        ctx.state.recount(id, before);
        ctx.state.send(id, &msg);
    }
}
