//! AUTHENTICATE: SASL PLAIN, SCRAM-SHA-256 and, over TLS, EXTERNAL
//! (IRCv3 `sasl` 3.2).
//!
//! Payloads arrive base64-encoded in chunks of 400 bytes (a chunk of
//! exactly 400 means more follow; `+` is an empty chunk). PLAIN's password
//! check runs off the async threads; SCRAM needs only HMACs. Names (and,
//! for PLAIN, passwords) go through SASLprep ([`super::saslprep`]); what it
//! refuses gets 904. One chunk over 400 bytes gets 905; chunks adding up to
//! more than the largest payload get 904 (sasl-3.1).
//!
//! Re-authentication is not offered: a client that is logged in gets 907
//! for `AUTHENTICATE <mechanism>`, before or after connection registration,
//! as in Ergo; one that is not may authenticate after registration too.

use super::{check_login, fold, log_in, saslprep, scram, throttle, with_ctx, Session};
use crate::handlers::Ctx;
use crate::server::Server;
use crate::state::client::ClientId;
use base64::engine::general_purpose::STANDARD as B64;
use base64::Engine;
use hichat_proto::{Message, Numeric};
use rand::RngCore;
use std::sync::Arc;

/// The mechanisms offered, as the `sasl` capability's value and in 908.
pub const MECHANISMS: &str = "PLAIN,SCRAM-SHA-256";
/// The mechanisms offered on a TLS connection, where a client certificate
/// can log in (see [`super::certfp`]).
pub const MECHANISMS_TLS: &str = "PLAIN,SCRAM-SHA-256,EXTERNAL";

/// The mechanisms a connection is offered.
pub fn mechanisms(tls: bool) -> &'static str {
    if tls {
        MECHANISMS_TLS
    } else {
        MECHANISMS
    }
}
/// Largest decoded payload accepted.
const MAX_PAYLOAD: usize = 8192;
const CHUNK: usize = 400;

/// Where a connection's SASL exchange is.
#[derive(Debug, Default)]
pub enum SaslState {
    #[default]
    Idle,
    /// `AUTHENTICATE PLAIN` sent; waiting for the payload.
    Plain { buf: String },
    /// `AUTHENTICATE SCRAM-SHA-256` sent; waiting for client-first.
    ScramFirst { buf: String },
    /// Server-first sent; waiting for client-final.
    ScramFinal { buf: String, exchange: Box<scram::Exchange>, account: String },
    /// Server-final sent; waiting for the client's `+`.
    ScramDone { account: String },
    /// `AUTHENTICATE EXTERNAL` sent; waiting for the authorization
    /// identity (`+` for none).
    External { buf: String },
}

impl SaslState {
    fn buffer(&mut self) -> Option<&mut String> {
        match self {
            SaslState::Plain { buf }
            | SaslState::ScramFirst { buf }
            | SaslState::ScramFinal { buf, .. }
            | SaslState::External { buf } => Some(buf),
            _ => None,
        }
    }
}

fn numeric(ctx: &mut Ctx<'_>, n: Numeric) {
    ctx.numeric(n, &[]);
}

/// Sends `AUTHENTICATE` lines carrying `payload`, in 400-byte chunks.
fn send_payload(ctx: &mut Ctx<'_>, payload: &[u8]) {
    let encoded = B64.encode(payload);
    let mut rest = encoded.as_str();
    loop {
        let (chunk, tail) = rest.split_at(rest.len().min(CHUNK));
        let msg = Message::new("AUTHENTICATE", [if chunk.is_empty() { "+" } else { chunk }]);
        ctx.send(&msg);
        rest = tail;
        if chunk.len() < CHUNK {
            break;
        }
    }
}

pub async fn authenticate(server: &Arc<Server>, id: ClientId, session: &mut Session, msg: &Message) {
    let arg = msg.param(0).to_owned();
    if arg.is_empty() {
        with_ctx(server, id, |ctx| ctx.numeric(Numeric::ErrNeedMoreParams, &["AUTHENTICATE"]));
        return;
    }
    if arg == "*" {
        if !matches!(session.sasl, SaslState::Idle) {
            session.sasl = SaslState::Idle;
            with_ctx(server, id, |ctx| numeric(ctx, Numeric::ErrSaslAborted));
        }
        return;
    }
    if matches!(session.sasl, SaslState::Idle) {
        start(server, id, session, &arg);
        return;
    }
    if let SaslState::ScramDone { account } = &session.sasl {
        let account = account.clone();
        session.sasl = SaslState::Idle;
        with_ctx(server, id, |ctx| success(ctx, &account));
        return;
    }
    // A payload chunk.
    if arg.len() > CHUNK {
        session.sasl = SaslState::Idle;
        with_ctx(server, id, |ctx| numeric(ctx, Numeric::ErrSaslTooLong));
        return;
    }
    let Some(buf) = session.sasl.buffer() else { return };
    if arg != "+" {
        buf.push_str(&arg);
    }
    if buf.len() > MAX_PAYLOAD * 4 / 3 + 4 {
        // The whole payload is too long; 905 is for one chunk.
        return failed(server, id, session);
    }
    if arg.len() == CHUNK {
        return; // More follows.
    }
    let encoded = std::mem::take(buf);
    let Ok(payload) = B64.decode(encoded.as_bytes()) else {
        return failed(server, id, session);
    };
    match std::mem::take(&mut session.sasl) {
        SaslState::Plain { .. } => plain(server, id, session, &payload).await,
        SaslState::ScramFirst { .. } => scram_first(server, id, session, &payload),
        SaslState::External { .. } => external(server, id, session, &payload),
        SaslState::ScramFinal { exchange, account, .. } => {
            let Some(server_final) = std::str::from_utf8(&payload).ok().and_then(|m| exchange.finish(m)) else {
                throttle::record_failure(server, id, session);
                tracing::info!(account = %account, "failed SCRAM login");
                throttle::failure_delay(server).await;
                return failed(server, id, session);
            };
            session.sasl = SaslState::ScramDone { account };
            with_ctx(server, id, |ctx| send_payload(ctx, server_final.as_bytes()));
        }
        _ => {}
    }
}

fn start(server: &Arc<Server>, id: ClientId, session: &mut Session, mechanism: &str) {
    let mech = mechanism.to_ascii_uppercase();
    with_ctx(server, id, |ctx| {
        if ctx.me().account.is_some() {
            numeric(ctx, Numeric::ErrSaslAlready);
            return;
        }
        let tls = ctx.me().tls;
        session.sasl = match mech.as_str() {
            "PLAIN" => SaslState::Plain { buf: String::new() },
            "SCRAM-SHA-256" => SaslState::ScramFirst { buf: String::new() },
            "EXTERNAL" if tls => SaslState::External { buf: String::new() },
            _ => {
                ctx.numeric(Numeric::RplSaslMechs, &[mechanisms(tls)]);
                numeric(ctx, Numeric::ErrSaslFail);
                return;
            }
        };
        ctx.send(&Message::new("AUTHENTICATE", ["+"]));
    });
}

fn failed(server: &Arc<Server>, id: ClientId, session: &mut Session) {
    session.sasl = SaslState::Idle;
    with_ctx(server, id, |ctx| numeric(ctx, Numeric::ErrSaslFail));
}

fn success(ctx: &mut Ctx<'_>, account: &str) {
    if ctx.me().account.is_some() {
        numeric(ctx, Numeric::ErrSaslAlready);
        return;
    }
    log_in(ctx, account);
    numeric(ctx, Numeric::RplSaslSuccess);
}

/// PLAIN: `authzid NUL authcid NUL password`. The password is prepared in
/// [`super::verify`].
async fn plain(server: &Arc<Server>, id: ClientId, session: &mut Session, payload: &[u8]) {
    let mut parts = payload.split(|b| *b == 0);
    let (Some(authzid), Some(authcid), Some(password), None) = (parts.next(), parts.next(), parts.next(), parts.next())
    else {
        return failed(server, id, session);
    };
    let (Ok(authzid), Ok(authcid), Ok(password)) =
        (std::str::from_utf8(authzid), std::str::from_utf8(authcid), std::str::from_utf8(password))
    else {
        return failed(server, id, session);
    };
    let Ok(authcid) = saslprep::prepare(authcid) else {
        return failed(server, id, session);
    };
    // Logging in as someone else is not supported.
    if !authzid.is_empty() && saslprep::prepare(authzid).map_or(true, |a| fold(&a) != fold(&authcid)) {
        return failed(server, id, session);
    }
    match check_login(server, id, session, &authcid, password.to_owned()).await {
        Ok(account) => {
            with_ctx(server, id, |ctx| success(ctx, &account));
        }
        Err(_) => failed(server, id, session),
    }
}

/// EXTERNAL: the account is the one the client certificate's fingerprint
/// was added to; the payload is an authorization identity, empty or that
/// same account.
fn external(server: &Arc<Server>, id: ClientId, session: &mut Session, payload: &[u8]) {
    let Ok(authzid) = std::str::from_utf8(payload) else {
        return failed(server, id, session);
    };
    let Some(account) = super::certfp::account_for(server, id) else {
        tracing::info!(id, "failed EXTERNAL login: no registered client certificate");
        return failed(server, id, session);
    };
    if !authzid.is_empty() && fold(authzid) != fold(&account) {
        return failed(server, id, session);
    }
    with_ctx(server, id, |ctx| success(ctx, &account));
}

fn scram_first(server: &Arc<Server>, id: ClientId, session: &mut Session, payload: &[u8]) {
    let Some(first) = std::str::from_utf8(payload).ok().and_then(scram::parse_client_first) else {
        return failed(server, id, session);
    };
    // RFC 5802 section 5.1: the server prepares the name too, and aborts
    // when that fails. The password was prepared by the client.
    let Ok(username) = saslprep::prepare(&first.username).map(|u| u.into_owned()) else {
        return failed(server, id, session);
    };
    if first.authzid.as_deref().is_some_and(|a| saslprep::prepare(a).map_or(true, |a| fold(&a) != fold(&username))) {
        return failed(server, id, session);
    }
    if !throttle::allowed(server, id, session) {
        return failed(server, id, session);
    }
    let folded = fold(&username);
    let found = {
        let state = server.state();
        match state.records.accounts.get(&folded) {
            Some(a) => (a.display.clone(), a.credentials.clone()),
            // An account that does not exist gets an exchange like any
            // other, with a salt that is always the same for that name, and
            // fails only at the end: nothing tells it apart from a wrong
            // password.
            None => (username.clone(), scram::unknown_account(&state.records.scram_secret, &folded)),
        }
    };
    let (account, creds) = found;
    let mut nonce = [0u8; 18];
    rand::thread_rng().fill_bytes(&mut nonce);
    let exchange = scram::Exchange::new(
        first,
        &B64.encode(nonce),
        &creds.scram_salt,
        creds.scram_iterations,
        &creds.scram_stored_key,
        &creds.scram_server_key,
    );
    let server_first = exchange.server_first().to_owned();
    session.sasl = SaslState::ScramFinal { buf: String::new(), exchange: Box::new(exchange), account };
    with_ctx(server, id, |ctx| send_payload(ctx, server_first.as_bytes()));
}
