//! NickServ: REGISTER, IDENTIFY, LOGOUT, DROP, INFO, SET PASSWORD (and
//! Ergo's PASSWD), GHOST/RECOVER, HELP; and nickname ownership. Changing
//! the password and dropping the account need the current password.
//!
//! An account's name is also a nickname it owns. Someone who takes an owned
//! nick without being logged in to its account is warned, and renamed to
//! `Guest-NNNN` after the configured grace period unless they identify.

use super::{tell, Service};
use crate::accounts::{self, check_login, log_in, log_out, with_ctx, LoginError, RegisterError, Session};
use crate::handlers::{self, Ctx};
use crate::i18n::Arg;
use crate::server::Server;
use crate::state::client::ClientId;
use crate::store::{Change, StoreError};
use hichat_proto::Message;
use rand::Rng;
use std::sync::Arc;
use std::time::{Duration, Instant};

const NS: Service = Service::NickServ;

fn say(server: &Server, id: ClientId, msg: &str, args: &[(&str, Arg<'_>)]) {
    with_ctx(server, id, |ctx| tell(ctx, NS, msg, args));
}

/// The reply to a password SASLprep refuses.
const UNACCEPTABLE: &str = "ns-password-unacceptable";

pub async fn handle(server: &Arc<Server>, id: ClientId, session: &mut Session, text: &str) {
    // Words are split at ASCII spaces only, as IRC parameters are: a
    // password may hold a no-break space (which SASLprep maps to a space).
    let mut words = text.split(' ').filter(|w| !w.is_empty());
    let command = words.next().unwrap_or("HELP").to_ascii_uppercase();
    let args: Vec<&str> = words.collect();
    match command.as_str() {
        "REGISTER" => register(server, id, &args).await,
        "IDENTIFY" | "LOGIN" => identify(server, id, session, &args).await,
        "LOGOUT" => {
            with_ctx(server, id, |ctx| {
                if ctx.me().account.is_some() {
                    log_out(ctx);
                    tell(ctx, NS, "ns-logged-out", &[]);
                } else {
                    tell(ctx, NS, "ns-not-logged-in", &[]);
                }
            });
        }
        "INFO" => info(server, id, &args),
        "SET" => set(server, id, session, &args).await,
        "PASSWD" => passwd(server, id, session, &args).await,
        "DROP" => drop_account(server, id, session, &args).await,
        "GHOST" | "RECOVER" => ghost(server, id, &args, command == "RECOVER"),
        "CERT" => accounts::certfp::nickserv_cert(server, id, &args).await,
        "HELP" => say(server, id, "ns-help", &[]),
        _ => say(server, id, "service-unknown-command", &[("command", (&command).into())]),
    }
}

async fn register(server: &Arc<Server>, id: ClientId, args: &[&str]) {
    let Some(password) = args.first() else {
        return say(server, id, "ns-usage-register", &[]);
    };
    let Some(nick) = with_ctx(server, id, |ctx| ctx.me().nick.clone()) else { return };
    let result = accounts::create_account(server, id, &nick, args.get(1).copied(), (*password).to_owned()).await;
    let min = server.info.config.accounts.min_password_length;
    match result {
        Ok(account) => say(server, id, "ns-registered", &[("account", (&account).into())]),
        Err(RegisterError::BadName) => say(server, id, "ns-bad-name", &[]),
        Err(RegisterError::Exists) => say(server, id, "ns-exists", &[("nick", (&nick).into())]),
        Err(RegisterError::Disallowed) => say(server, id, "ns-registration-disabled", &[]),
        Err(RegisterError::WeakPassword) => say(server, id, "accounts-weak-password", &[("min", min.into())]),
        Err(RegisterError::UnacceptablePassword) => say(server, id, UNACCEPTABLE, &[]),
        Err(RegisterError::AlreadyLoggedIn) => say(server, id, "ns-already-logged-in", &[]),
        Err(RegisterError::Unavailable) => say(server, id, "ns-register-failed", &[]),
    }
}

async fn identify(server: &Arc<Server>, id: ClientId, session: &mut Session, args: &[&str]) {
    let Some(nick) = with_ctx(server, id, |ctx| ctx.me().nick.clone()) else { return };
    if with_ctx(server, id, |ctx| ctx.me().account.is_some()).unwrap_or(true) {
        return say(server, id, "ns-already-logged-in", &[]);
    }
    // With a registered client certificate, no password is needed (as in
    // Ergo): `IDENTIFY`, or `IDENTIFY <account>` naming its account.
    if let Some(display) = accounts::certfp::account_for(server, id) {
        let named = args.first().filter(|_| args.len() == 1).map(|a| accounts::fold(a));
        if args.is_empty() || named == Some(accounts::fold(&display)) {
            with_ctx(server, id, |ctx| {
                log_in(ctx, &display);
                tell(ctx, NS, "ns-identified-cert", &[("account", (&display).into())]);
            });
            return;
        }
    }
    let (account, password) = match args {
        [password] => (nick, *password),
        [account, password, ..] => ((*account).to_owned(), *password),
        [] => return say(server, id, "ns-usage-identify", &[]),
    };
    match check_login(server, id, session, &account, password.to_owned()).await {
        Ok(display) => {
            with_ctx(server, id, |ctx| {
                if ctx.me().account.is_none() {
                    log_in(ctx, &display);
                    tell(ctx, NS, "ns-identified", &[("account", (&display).into())]);
                }
            });
        }
        Err(e) => say(server, id, refusal(e), &[]),
    }
}

/// The reply (its message id) to a password check that did not succeed.
fn refusal(e: LoginError) -> &'static str {
    match e {
        LoginError::BadPassword => "ns-bad-password",
        LoginError::Throttled => "ns-throttled",
        LoginError::Busy => "ns-busy",
    }
}

/// Checks client `id`'s current password for the account it is logged in
/// to; returns the account (display form), or says why not.
async fn check_current(server: &Arc<Server>, id: ClientId, session: &mut Session, password: &str) -> Option<String> {
    let Some(Some(account)) = with_ctx(server, id, |ctx| ctx.me().account.clone()) else {
        say(server, id, "ns-not-logged-in", &[]);
        return None;
    };
    match check_login(server, id, session, &account, password.to_owned()).await {
        Ok(display) => Some(display),
        Err(LoginError::BadPassword) => {
            say(server, id, "ns-wrong-current-password", &[]);
            None
        }
        Err(e) => {
            say(server, id, refusal(e), &[]);
            None
        }
    }
}

fn info(server: &Arc<Server>, id: ClientId, args: &[&str]) {
    with_ctx(server, id, |ctx| {
        let me = ctx.me();
        let name = args.first().map(|s| (*s).to_owned()).or_else(|| me.account.clone()).unwrap_or(me.nick.clone());
        let mine = me.account.as_deref().is_some_and(|a| accounts::fold(a) == accounts::fold(&name));
        let Some(a) = ctx.state.records.accounts.get(&accounts::fold(&name)).cloned() else {
            return tell(ctx, NS, "ns-not-registered", &[("name", (&name).into())]);
        };
        tell(ctx, NS, "ns-info-account", &[("account", (&a.display).into())]);
        let time = crate::clock::format_utc(a.registered_at);
        tell(ctx, NS, "ns-info-registered", &[("time", (&time).into())]);
        if let (true, Some(email)) = (mine, &a.email) {
            tell(ctx, NS, "ns-info-email", &[("email", email.into())]);
        }
        let online: Vec<String> = ctx
            .state
            .clients
            .values()
            .filter(|c| c.account.as_deref().is_some_and(|x| accounts::fold(x) == a.name))
            .map(|c| c.nick.clone())
            .collect();
        if !online.is_empty() {
            let nicks = online.join(" ");
            tell(ctx, NS, "ns-info-online", &[("nicks", (&nicks).into())]);
        }
    });
}

async fn set(server: &Arc<Server>, id: ClientId, session: &mut Session, args: &[&str]) {
    match args {
        [what, ..] if !what.eq_ignore_ascii_case("PASSWORD") => say(server, id, "ns-set-only-password", &[]),
        [_, current, new] => change_password(server, id, session, current, new).await,
        _ => say(server, id, "ns-usage-set", &[]),
    }
}

/// `PASSWD <current> <new> [<new again>]`, Ergo's form.
async fn passwd(server: &Arc<Server>, id: ClientId, session: &mut Session, args: &[&str]) {
    match args {
        [current, new] => change_password(server, id, session, current, new).await,
        [current, new, again] if new == again => change_password(server, id, session, current, new).await,
        [_, _, _] => say(server, id, "ns-passwords-differ", &[]),
        _ => say(server, id, "ns-usage-passwd", &[]),
    }
}

async fn change_password(server: &Arc<Server>, id: ClientId, session: &mut Session, current: &str, new: &str) {
    let config = &server.info.config.accounts;
    let Ok(password) = accounts::saslprep::Prepared::new(new) else {
        return say(server, id, UNACCEPTABLE, &[]);
    };
    if password.as_str().chars().count() < config.min_password_length {
        return say(server, id, "accounts-weak-password", &[("min", config.min_password_length.into())]);
    }
    let window = Duration::from_secs(config.login_failure_window_secs);
    let max = config.password_changes_per_connection;
    if !session.password_changes.allowed(Instant::now(), window, max) {
        return say(server, id, "ns-too-many-changes", &[]);
    }
    let Some(account) = check_current(server, id, session, current).await else { return };
    session.password_changes.record(Instant::now(), max);
    let Ok(credentials) = accounts::make_credentials_async(server, password).await else {
        return say(server, id, refusal(LoginError::Busy), &[]);
    };
    let folded = accounts::fold(&account);
    let change = Change::SetCredentials { account: folded.clone(), credentials: credentials.clone() };
    match server.store.submit(change).done().await {
        Ok(()) => {
            with_ctx(server, id, |ctx| {
                if let Some(a) = ctx.state.records.accounts.get_mut(&folded) {
                    a.credentials = credentials;
                }
                tell(ctx, NS, "ns-password-changed", &[]);
            });
        }
        Err(e) => {
            tracing::error!(error = %e, "cannot store a password change");
            say(server, id, "ns-password-change-failed", &[]);
        }
    }
}

async fn drop_account(server: &Arc<Server>, id: ClientId, session: &mut Session, args: &[&str]) {
    let [password] = args else {
        return say(server, id, "ns-usage-drop", &[]);
    };
    let Some(account) = check_current(server, id, session, password).await else { return };
    let folded = accounts::fold(&account);
    match server.store.submit(Change::DropAccount(folded.clone())).done().await {
        Ok(()) | Err(StoreError::NotFound) => {}
        Err(e) => {
            tracing::error!(error = %e, "cannot drop an account");
            return say(server, id, "ns-drop-failed", &[]);
        }
    }
    tracing::info!(account = %account, "account dropped");
    with_ctx(server, id, |ctx| {
        let records = &mut ctx.state.records;
        records.accounts.remove(&folded);
        records.certs.retain(|_, a| *a != folded);
        records.channels.retain(|_, c| c.founder != folded);
        for c in records.channels.values_mut() {
            c.access.retain(|(a, _)| *a != folded);
        }
        let me = ctx.id;
        let others: Vec<ClientId> = ctx
            .state
            .clients
            .values()
            .filter(|c| c.id != me && c.account.as_deref().is_some_and(|a| accounts::fold(a) == folded))
            .map(|c| c.id)
            .collect();
        for other in others {
            let mut octx = Ctx { info: ctx.info, state: &mut *ctx.state, id: other, oper_verified: None };
            log_out(&mut octx);
        }
        log_out(ctx);
        tell(ctx, NS, "ns-dropped", &[("account", (&account).into())]);
    });
}

fn ghost(server: &Arc<Server>, id: ClientId, args: &[&str], recover: bool) {
    let Some(target) = args.first().map(|s| (*s).to_owned()) else {
        return say(server, id, "ns-usage-ghost", &[]);
    };
    with_ctx(server, id, |ctx| {
        let Some(account) = ctx.me().account.clone() else {
            return tell(ctx, NS, "ns-not-logged-in", &[]);
        };
        if accounts::fold(&account) != accounts::fold(&target) {
            return tell(ctx, NS, "ns-ghost-not-yours", &[("nick", (&target).into())]);
        }
        let Some(victim) = ctx.state.find_nick(&target).map(|c| c.id) else {
            return tell(ctx, NS, "ns-ghost-offline", &[("nick", (&target).into())]);
        };
        if victim == ctx.id {
            return tell(ctx, NS, "ns-ghost-self", &[]);
        }
        let me = ctx.me().nick.clone();
        let server_name = ctx.info.name.clone();
        ctx.state.remove_client(victim, &format!("Killed (NickServ (GHOST command used by {me}))"), &server_name);
        tell(ctx, NS, "ns-ghost-done", &[("nick", (&target).into())]);
        if recover {
            handlers::dispatch(ctx, &Message::new("NICK", [target.as_str()]));
        }
    });
}

/// Called when client `id` has just registered or changed nick: if the nick
/// belongs to an account the client is not logged in to, warn and schedule
/// the rename.
pub fn check_nick(server: &Arc<Server>, id: ClientId) {
    let grace = server.info.config.accounts.nick_grace_secs;
    let owned = with_ctx(server, id, |ctx| {
        let me = ctx.me();
        if !me.registered || !server.info.config.accounts.enforce_nicks {
            return None;
        }
        let folded = accounts::fold(&me.nick);
        if me.account.as_deref().is_some_and(|a| accounts::fold(a) == folded) {
            return None;
        }
        ctx.state.records.accounts.get(&folded)?;
        let nick = me.nick.clone();
        tell(ctx, NS, "ns-nick-owned", &[("nick", (&nick).into()), ("secs", grace.into())]);
        Some(nick)
    });
    let Some(Some(nick)) = owned else { return };
    let server = server.clone();
    tokio::spawn(async move {
        tokio::time::sleep(Duration::from_secs(grace)).await;
        with_ctx(&server, id, |ctx| {
            let me = ctx.me();
            let folded = accounts::fold(&nick);
            let identified = me.account.as_deref().is_some_and(|a| accounts::fold(a) == folded);
            let still =
                accounts::fold(&me.nick) == folded && !identified && ctx.state.records.accounts.contains_key(&folded);
            if !still {
                return;
            }
            let guest = loop {
                let n = format!("Guest-{:04}", rand::thread_rng().gen_range(0..10_000));
                if ctx.state.find_nick(&n).is_none() {
                    break n;
                }
            };
            tell(ctx, NS, "ns-nick-enforced", &[("nick", (&nick).into()), ("guest", (&guest).into())]);
            tracing::info!(id, nick = %nick, guest = %guest, "nick enforced");
            handlers::dispatch(ctx, &Message::new("NICK", [guest.as_str()]));
        });
    });
}
