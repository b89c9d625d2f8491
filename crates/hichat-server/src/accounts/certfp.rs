//! Logging in with a TLS client certificate: the fingerprints an account
//! owns (NickServ `CERT ADD|DEL|LIST`), and finding the account a
//! connection's certificate logs in to (SASL EXTERNAL, and NickServ
//! IDENTIFY without a password, as in Ergo).
//!
//! A fingerprint belongs to at most one account, and is added only by a
//! connection that presents that certificate: nobody can claim another's
//! fingerprint in advance and so be logged in as them. The certificate itself is
//! not checked against any CA (see [`crate::transport::client_cert`]): what
//! proves the user is that the TLS handshake showed they hold its key.

use super::{fold, with_ctx};
use crate::server::Server;
use crate::services::{reply, tell, Service};
use crate::state::client::ClientId;
use crate::store::{Change, StoreError};
use crate::transport::client_cert;
use std::sync::Arc;

/// Most fingerprints one account may hold.
pub const MAX_PER_ACCOUNT: usize = 16;

/// The account (display form) that client `id`'s certificate logs in to,
/// if the client has a certificate and it is registered.
pub fn account_for(server: &Server, id: ClientId) -> Option<String> {
    let state = server.state();
    let fp = state.client(id)?.certfp.as_ref()?;
    let account = state.records.certs.get(fp)?;
    state.records.accounts.get(account).map(|a| a.display.clone())
}

const NS: Service = Service::NickServ;

/// Says catalogue message `msg` from NickServ.
fn say(server: &Server, id: ClientId, msg: &str) {
    with_ctx(server, id, |ctx| tell(ctx, NS, msg, &[]));
}

/// NickServ `CERT ADD [fingerprint]`, `CERT DEL <fingerprint>`, `CERT LIST`
/// for the account the client is logged in to. `ADD` adds the fingerprint
/// of the certificate the client is connected with; a typed fingerprint is
/// accepted only when it is that one.
pub async fn nickserv_cert(server: &Arc<Server>, id: ClientId, args: &[&str]) {
    const USAGE: &str = "cert-usage";
    let Some(sub) = args.first().map(|s| s.to_ascii_uppercase()) else {
        return say(server, id, USAGE);
    };
    let Some(Some((account, own_fp))) =
        with_ctx(server, id, |ctx| ctx.me().account.clone().map(|a| (fold(&a), ctx.me().certfp.clone())))
    else {
        return say(server, id, "ns-not-logged-in");
    };
    match (sub.as_str(), args.get(1)) {
        ("LIST", _) => list(server, id, &account),
        ("ADD", typed) => {
            let typed_fp = typed.map(|t| client_cert::normalize(t));
            let text = match (typed_fp, own_fp) {
                (Some(None), _) => "cert-not-a-fingerprint",
                (None, Some(own)) => return add(server, id, account, own).await,
                (Some(Some(fp)), Some(own)) if fp == own => return add(server, id, account, own).await,
                (_, None) => "cert-connect-first",
                (Some(Some(_)), Some(_)) => "cert-only-own",
            };
            say(server, id, text);
        }
        ("DEL", Some(typed)) => match client_cert::normalize(typed) {
            Some(fp) => remove(server, id, account, fp).await,
            None => say(server, id, "cert-not-a-fingerprint"),
        },
        _ => say(server, id, USAGE),
    }
}

fn list(server: &Server, id: ClientId, account: &str) {
    with_ctx(server, id, |ctx| {
        let mut fps: Vec<String> =
            ctx.state.records.certs.iter().filter(|(_, a)| *a == account).map(|(fp, _)| fp.clone()).collect();
        fps.sort();
        if fps.is_empty() {
            return tell(ctx, NS, "cert-none", &[]);
        }
        tell(ctx, NS, "cert-list", &[]);
        for fp in fps {
            reply(ctx, NS, &fp);
        }
    });
}

async fn add(server: &Arc<Server>, id: ClientId, account: String, fp: String) {
    let check = {
        let state = server.state();
        let certs = &state.records.certs;
        match certs.get(&fp) {
            Some(owner) if *owner == account => Err("cert-already-yours"),
            Some(_) => Err("cert-taken"),
            None if certs.values().filter(|a| **a == account).count() >= MAX_PER_ACCOUNT => Err("cert-full"),
            None => Ok(()),
        }
    };
    if let Err(text) = check {
        return say(server, id, text);
    }
    let change =
        Change::AddCert { account: account.clone(), fingerprint: fp.clone(), added_at: crate::clock::unix_now() };
    let msg = match server.store.submit(change).done().await {
        Ok(()) => {
            server.state().records.certs.insert(fp.clone(), account);
            tracing::info!(id, "certificate fingerprint added");
            "cert-added"
        }
        Err(StoreError::Conflict) => "cert-taken",
        Err(e) => {
            tracing::error!(error = %e, "cannot store a certificate fingerprint");
            "cert-add-failed"
        }
    };
    with_ctx(server, id, |ctx| tell(ctx, NS, msg, &[("fingerprint", (&fp).into())]));
}

async fn remove(server: &Arc<Server>, id: ClientId, account: String, fp: String) {
    let change = Change::RemoveCert { account: account.clone(), fingerprint: fp.clone() };
    let msg = match server.store.submit(change).done().await {
        Ok(()) => {
            let mut state = server.state();
            if state.records.certs.get(&fp) == Some(&account) {
                state.records.certs.remove(&fp);
            }
            "cert-deleted"
        }
        Err(StoreError::NotFound) => "cert-not-yours",
        Err(e) => {
            tracing::error!(error = %e, "cannot delete a certificate fingerprint");
            "cert-delete-failed"
        }
    };
    with_ctx(server, id, |ctx| tell(ctx, NS, msg, &[("fingerprint", (&fp).into())]));
}
