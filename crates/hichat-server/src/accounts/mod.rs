//! Accounts: credentials, logging in and out, SASL, REGISTER, and the
//! rate limit on failed logins ([`throttle`]). Hashing runs in the bounded
//! pool of [`hashing`].
//!
//! Commands that need slow work (argon2, PBKDF2) or a store round-trip run
//! in the connection task through [`handle`]: the state is locked briefly
//! to read what is needed, the slow part is awaited with no lock held, and
//! the state is locked again to apply the outcome and reply. A success
//! reply therefore always follows the store's commit.
//!
//! Nothing here logs a password, a hash or a SASL payload.

pub mod certfp;
pub mod hashing;
pub mod sasl;
pub mod saslprep;
pub mod scram;
pub mod throttle;

use crate::handlers::Ctx;
use crate::i18n::Text;
use crate::server::Server;
use crate::state::client::ClientId;
use crate::store::{AccountRecord, Change, Credentials, StoreError};
use crate::{clock, services};
use argon2::password_hash::{rand_core::OsRng, PasswordHasher, SaltString};
use argon2::{Argon2, PasswordHash, PasswordVerifier};
use hashing::Busy;
use hichat_proto::{casemap, Message, Nickname, Numeric};
use rand::RngCore;
use saslprep::Prepared;
use std::sync::Arc;
use throttle::Failures;

/// The stored form of an account name.
pub fn fold(name: &str) -> String {
    casemap::fold(name)
}

/// Whether `name` may be an account name: the same rules as a nickname.
pub fn valid_name(name: &str, max: usize) -> bool {
    Nickname::parse(name, max).is_ok()
}

/// Hashes a new password, in its prepared form (slow: argon2id and PBKDF2;
/// run off the async threads, e.g. with `spawn_blocking`).
pub fn make_credentials(password: &Prepared) -> Credentials {
    let password = password.as_str();
    let salt = SaltString::generate(&mut OsRng);
    let password_hash =
        Argon2::default().hash_password(password.as_bytes(), &salt).expect("argon2 hashes any password").to_string();
    let mut scram_salt = vec![0u8; 16];
    rand::thread_rng().fill_bytes(&mut scram_salt);
    let (stored, server) = scram::derive(password, &scram_salt, scram::ITERATIONS);
    Credentials {
        password_hash,
        scram_salt,
        scram_iterations: scram::ITERATIONS,
        scram_stored_key: stored.to_vec(),
        scram_server_key: server.to_vec(),
    }
}

/// Checks a password as typed against stored credentials (slow: argon2;
/// run off the async threads). The comparison inside argon2 is
/// constant-time. The prepared form is tried first; hashes made before
/// SASLprep was applied are of the password as typed, so when the two
/// differ that is tried as well. A password SASLprep refuses never matches.
pub fn verify(credentials: &Credentials, password: &str) -> bool {
    let Ok(hash) = PasswordHash::new(&credentials.password_hash) else { return false };
    let Ok(prepared) = saslprep::prepare_password(password) else { return false };
    let matches = |p: &str| Argon2::default().verify_password(p.as_bytes(), &hash).is_ok();
    matches(&prepared) || (prepared != password && matches(password))
}

/// Runs [`make_credentials`] in the hashing pool.
pub async fn make_credentials_async(server: &Server, password: Prepared) -> Result<Credentials, Busy> {
    server.hashing.run(move || make_credentials(&password)).await
}

/// Runs [`verify`] in the hashing pool.
pub async fn verify_async(server: &Server, credentials: Credentials, password: String) -> Result<bool, Busy> {
    server.hashing.run(move || verify(&credentials, &password)).await
}

/// Server-wide account bookkeeping that is not stored.
#[derive(Debug, Default)]
pub struct Runtime {
    /// Failed logins per source (see [`throttle`]).
    pub sources: throttle::SourceFailures,
    /// Store changes made under the lock, for the connection task to submit
    /// once it is released (see `services::chanserv::flush`).
    pub outgoing: Vec<crate::store::Change>,
}

/// Per-connection account state, owned by the connection task.
#[derive(Debug, Default)]
pub struct Session {
    pub sasl: sasl::SaslState,
    /// This connection's failed logins.
    pub failures: Failures,
    /// This connection's password changes.
    pub password_changes: Failures,
}

/// Whether this message is one [`handle`] takes (rather than the
/// synchronous dispatcher).
pub fn is_async_command(msg: &Message) -> bool {
    let verb = msg.command.to_ascii_uppercase();
    matches!(verb.as_str(), "AUTHENTICATE" | "REGISTER" | "VERIFY")
        || crate::bans::is_ban_command(&verb)
        || crate::rehash::is_rehash(&verb)
        || crate::operators::is_operator_command(&verb)
        || crate::search::command::is_search(msg)
        || services::is_service_command(msg)
}

/// Runs an account or services command, or a TOPIC or MODE in a registered
/// channel, for client `id`.
pub async fn handle(server: &Arc<Server>, id: ClientId, session: &mut Session, msg: Message) {
    let verb = msg.command.to_ascii_uppercase();
    // TOPIC and MODE run through the dispatcher, which answers labels itself.
    let labeled = !matches!(verb.as_str(), "TOPIC" | "MODE") && crate::labeled::begin_detached(server, id, &msg);
    match verb.as_str() {
        "AUTHENTICATE" => sasl::authenticate(server, id, session, &msg).await,
        "REGISTER" => register_command(server, id, session, &msg).await,
        "VERIFY" => {
            with_ctx(server, id, |ctx| {
                fail(ctx, "VERIFY", "INVALID_CODE", &[msg.param(0)], "fail-verify-disabled");
            });
        }
        v if crate::bans::is_ban_command(v) => crate::bans::handle(server, id, &msg).await,
        v if crate::rehash::is_rehash(v) => crate::rehash::handle(server, id).await,
        "SEARCH" => crate::search::command::handle(server, id, &msg).await,
        "TOPIC" | "MODE" => services::chanserv::run_committed(server, id, &msg).await,
        v if crate::operators::is_operator_command(v) => crate::operators::handle(server, id, &msg).await,
        _ => services::handle(server, id, session, &msg).await,
    }
    if labeled {
        crate::labeled::end_detached(server, id);
    }
}

/// Locks the state and runs `f` for client `id`, if it is still there;
/// removes clients whose queues overflowed afterwards. While a labeled
/// command of `id` runs here, what `f` sends `id` joins its labeled
/// response (see [`crate::labeled::Detached`]).
pub fn with_ctx<R>(server: &Server, id: ClientId, f: impl FnOnce(&mut Ctx<'_>) -> R) -> Option<R> {
    let mut state = server.state();
    if !state.clients.contains_key(&id) {
        return None;
    }
    let labeled = state.detached_labels.active(id);
    if labeled {
        state.begin_capture(id);
    }
    let mut ctx = Ctx { info: &server.info, state: &mut state, id, oper_verified: None };
    let r = f(&mut ctx);
    if labeled {
        let lines = state.end_capture();
        state.detached_labels.add(id, lines);
    }
    state.reap(&server.info.name);
    Some(r)
}

/// Sends `FAIL <command> <code> [context...] :<text>`.
pub fn fail(ctx: &mut Ctx<'_>, command: &str, code: &str, context: &[&str], text: impl Into<Text>) {
    let mut params = vec![command.to_owned(), code.to_owned()];
    params.extend(context.iter().map(|c| (*c).to_owned()));
    params.push(text.into().render(ctx.lang()));
    let msg = ctx.server_message("FAIL", params);
    ctx.send(&msg);
}

/// Logs client `ctx.id` in to `account` (display name): 900, and ACCOUNT
/// to peers with account-notify.
pub fn log_in(ctx: &mut Ctx<'_>, account: &str) {
    let me = ctx.me_mut();
    let before = me.account.replace(account.to_owned());
    let (nick, user, host) = (me.nick.clone(), me.user.clone(), me.host.clone());
    let registered = me.registered;
    tracing::info!(id = ctx.id, nick = %nick, account, "logged in");
    let mask = format!("{nick}!{}@{host}", if user.is_empty() { "*" } else { &user });
    ctx.numeric_text(Numeric::RplLoggedIn, &[&mask, account], &format!("You are now logged in as {account}"));
    if registered {
        notify_account(ctx, account, before.as_deref());
    }
}

/// Logs client `ctx.id` out: 901, and `ACCOUNT *` to peers.
pub fn log_out(ctx: &mut Ctx<'_>) {
    let me = ctx.me_mut();
    let Some(before) = me.account.take() else { return };
    let mask = me.prefix.clone();
    tracing::info!(id = ctx.id, "logged out");
    ctx.numeric(Numeric::RplLoggedOut, &[&mask]);
    notify_account(ctx, "*", Some(&before));
}

/// `:prefix ACCOUNT <account>` to every peer (and the client itself) that
/// has account-notify; its `account` tag (account-tag) is the account
/// `before` the change, as the account-tag spec's example shows.
fn notify_account(ctx: &mut Ctx<'_>, account: &str, before: Option<&str>) {
    use crate::caps::Cap;
    use crate::state::{sender::with_account, Relay};
    let msg = Message::new("ACCOUNT", [account]).with_source(ctx.me().prefix.clone());
    let mut relay = with_account(Relay::stamped(msg), before);
    let mut targets = ctx.state.peers(ctx.id);
    targets.insert(ctx.id);
    // extended-monitor: watchers hear it as if they shared a channel.
    targets.extend(ctx.state.monitor_extended(ctx.id, Cap::AccountNotify));
    for t in targets {
        if ctx.state.client(t).is_some_and(|c| c.caps.has(Cap::AccountNotify)) {
            ctx.state.relay_to(t, &mut relay);
        }
    }
}

/// Sends client `ctx.id`'s JOIN to a channel's members: with account and
/// real name to those with extended-join, plain to the others, both under
/// one msgid and time. Each form is encoded once per capability variant
/// (server-time and the like). Returns the plain form's relay, for history.
pub fn send_join(ctx: &mut Ctx<'_>, chan_key: &str, display: &str) -> crate::state::Relay {
    use crate::caps::Cap;
    let me = ctx.me();
    let account = me.account.clone().unwrap_or_else(|| "*".into());
    let plain = Message::new("JOIN", [display]).with_source(me.prefix.clone());
    let extended =
        Message::new("JOIN", [display, account.as_str(), me.realname.as_str()]).with_source(me.prefix.clone());
    let mut plain = ctx.state.relay_from(ctx.id, plain);
    let mut extended = plain.variant(extended);
    ctx.state.relay_to_channel(chan_key, &mut extended, |_, m| m.caps.has(Cap::ExtendedJoin));
    ctx.state.relay_to_channel(chan_key, &mut plain, |_, m| !m.caps.has(Cap::ExtendedJoin));
    plain
}

/// Why a registration was refused.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum RegisterError {
    /// Registration is closed (`accounts.registration`).
    Disallowed,
    BadName,
    Exists,
    WeakPassword,
    /// SASLprep refuses the password.
    UnacceptablePassword,
    AlreadyLoggedIn,
    Unavailable,
}

/// The reply to a password that is too short or has spaces.
pub fn weak_password_text(server: &Server) -> Text {
    let min = server.info.config.accounts.min_password_length;
    Text::with("accounts-weak-password", [("min", min.to_string())])
}

/// Creates an account and logs the client in to it; the success reply is
/// up to the caller. Checks, hashes off the async threads, waits for the
/// commit, then applies.
pub async fn create_account(
    server: &Arc<Server>,
    id: ClientId,
    name: &str,
    email: Option<&str>,
    password: String,
) -> Result<String, RegisterError> {
    if !server.info.config.accounts.registration {
        return Err(RegisterError::Disallowed);
    }
    let max = server.info.config.limits.nick_length;
    if !valid_name(name, max) || services::is_service_name(name) {
        return Err(RegisterError::BadName);
    }
    // Spaces as typed are refused (NickServ could not take them); a
    // non-ASCII space is allowed and becomes one in the prepared form.
    if password.contains(' ') {
        return Err(RegisterError::WeakPassword);
    }
    let password = Prepared::new(&password).map_err(|_| RegisterError::UnacceptablePassword)?;
    if password.as_str().chars().count() < server.info.config.accounts.min_password_length {
        return Err(RegisterError::WeakPassword);
    }
    let folded = fold(name);
    let check = with_ctx(server, id, |ctx| {
        if ctx.me().account.is_some() {
            Err(RegisterError::AlreadyLoggedIn)
        } else if ctx.state.records.accounts.contains_key(&folded) {
            Err(RegisterError::Exists)
        } else {
            Ok(())
        }
    });
    check.unwrap_or(Err(RegisterError::Unavailable))?;
    let credentials = make_credentials_async(server, password).await.map_err(|Busy| RegisterError::Unavailable)?;
    let record = AccountRecord {
        name: folded.clone(),
        display: name.to_owned(),
        credentials,
        email: email.map(str::to_owned),
        registered_at: clock::unix_now(),
    };
    match server.store.submit(Change::CreateAccount(record.clone())).done().await {
        Ok(()) => {}
        Err(StoreError::Conflict) => return Err(RegisterError::Exists),
        Err(e) => {
            tracing::error!(error = %e, "cannot store a new account");
            return Err(RegisterError::Unavailable);
        }
    }
    let shown = record.display.clone();
    let logged_in = with_ctx(server, id, |ctx| {
        ctx.state.records.accounts.insert(folded, record);
        if ctx.me().account.is_none() {
            log_in(ctx, &shown);
        }
    });
    tracing::info!(account = %shown, "account registered");
    if logged_in.is_none() {
        // The client left meanwhile; the account exists all the same.
        return Err(RegisterError::Unavailable);
    }
    Ok(shown)
}

/// The draft/account-registration capability's value: what the
/// `[accounts]` switches allow.
pub fn registration_cap_value(config: &crate::config::AccountsSection) -> String {
    let keys =
        [(config.register_before_connect, "before-connect"), (config.custom_account_name, "custom-account-name")];
    keys.iter().filter(|(on, _)| *on).map(|(_, k)| *k).collect::<Vec<_>>().join(",")
}

/// `REGISTER <account> <email> <password>` (draft/account-registration).
async fn register_command(server: &Arc<Server>, id: ClientId, _session: &mut Session, msg: &Message) {
    if msg.params.len() < 3 {
        with_ctx(server, id, |ctx| {
            fail(ctx, "REGISTER", "NEED_MORE_PARAMS", &[], "fail-register-usage");
        });
        return;
    }
    let config = &server.info.config.accounts;
    let Some((nick, registered)) = with_ctx(server, id, |ctx| (ctx.me().nick.clone(), ctx.me().registered)) else {
        return;
    };
    let name = match msg.param(0) {
        "*" => nick.clone(),
        n => n.to_owned(),
    };
    let refusal = if !config.registration {
        Some(("DISALLOWED", "ns-registration-disabled"))
    } else if !registered && !config.register_before_connect {
        Some(("COMPLETE_CONNECTION_REQUIRED", "fail-register-complete-connection"))
    } else if nick == "*" {
        Some(("NEED_NICK", "fail-register-need-nick"))
    } else if !config.custom_account_name && fold(&name) != fold(&nick) {
        Some(("ACCOUNT_NAME_MUST_BE_NICK", "fail-register-name-must-be-nick"))
    } else if fold(&name) != fold(&nick)
        && with_ctx(server, id, |ctx| crate::handlers::lookalike::check(ctx, &name).is_err()).unwrap_or(true)
    {
        // A custom name is held to the nick rule: no look-alike of a
        // service, a nick in use or a registered account.
        Some(("BAD_ACCOUNT_NAME", "fail-register-lookalike"))
    } else {
        None
    };
    if let Some((code, text)) = refusal {
        let context = if code == "NEED_NICK" { "*" } else { name.as_str() };
        with_ctx(server, id, |ctx| fail(ctx, "REGISTER", code, &[context], text));
        return;
    }
    let email = Some(msg.param(1)).filter(|e| *e != "*" && !e.is_empty());
    let result = create_account(server, id, &name, email, msg.param(2).to_owned()).await;
    let weak = weak_password_text(server);
    with_ctx(server, id, |ctx| match result {
        Ok(account) => {
            let done = ctx.tr("register-success", &[]);
            let m = ctx.server_message("REGISTER", ["SUCCESS", account.as_str(), done.as_str()]);
            ctx.send(&m);
        }
        Err(e) => {
            let (code, text): (_, Text) = match e {
                RegisterError::Disallowed => ("DISALLOWED", "ns-registration-disabled".into()),
                RegisterError::BadName => ("BAD_ACCOUNT_NAME", "fail-register-bad-name".into()),
                RegisterError::Exists => ("ACCOUNT_EXISTS", "fail-register-exists".into()),
                RegisterError::WeakPassword => ("WEAK_PASSWORD", weak),
                RegisterError::UnacceptablePassword => ("UNACCEPTABLE_PASSWORD", "ns-password-unacceptable".into()),
                RegisterError::AlreadyLoggedIn => ("ALREADY_AUTHENTICATED", "ns-already-logged-in".into()),
                RegisterError::Unavailable => ("TEMPORARILY_UNAVAILABLE", "fail-try-later".into()),
            };
            fail(ctx, "REGISTER", code, &[&name], text);
        }
    });
}

/// Checks `password` for `account` (both as typed; see [`verify`] for
/// SASLprep) for client `id`, with the limits of [`throttle`]. Returns the
/// account's display name when it matches. A failure is answered only after
/// the failure delay; an unknown account takes as long as a wrong password.
pub async fn check_login(
    server: &Arc<Server>,
    id: ClientId,
    session: &mut Session,
    account: &str,
    password: String,
) -> Result<String, LoginError> {
    if !throttle::allowed(server, id, session) {
        return Err(LoginError::Throttled);
    }
    let found = saslprep::prepare(account).ok().and_then(|name| {
        let state = server.state();
        state.records.accounts.get(&fold(&name)).map(|a| (a.display.clone(), a.credentials.clone()))
    });
    let checked = match &found {
        Some((_, creds)) => verify_async(server, creds.clone(), password).await,
        // Spend the same time as a real check, so timing does not tell
        // which accounts exist.
        None => {
            server
                .hashing
                .run(move || {
                    let _ = verify(dummy_credentials(), &password);
                    false
                })
                .await
        }
    };
    match (found, checked) {
        (_, Err(Busy)) => Err(LoginError::Busy),
        (Some((display, _)), Ok(true)) => Ok(display),
        _ => {
            throttle::record_failure(server, id, session);
            tracing::info!(account, "failed login");
            throttle::failure_delay(server).await;
            Err(LoginError::BadPassword)
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum LoginError {
    BadPassword,
    /// Too many failures from this connection or source.
    Throttled,
    /// The hashing pool is full.
    Busy,
}

/// A real hash of a random password, for checks of unknown names.
pub fn dummy_credentials() -> &'static Credentials {
    static DUMMY: std::sync::OnceLock<Credentials> = std::sync::OnceLock::new();
    DUMMY.get_or_init(|| {
        let mut bytes = [0u8; 24];
        rand::thread_rng().fill_bytes(&mut bytes);
        make_credentials(&Prepared::new(&format!("{bytes:?}")).expect("ASCII digits prepare"))
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn credentials_verify() {
        let c = make_credentials(&Prepared::new("correct horse").unwrap());
        assert!(c.password_hash.starts_with("$argon2id$"));
        assert!(verify(&c, "correct horse"));
        assert!(!verify(&c, "correct horsf"));
        assert_eq!(format!("{c:?}"), "Credentials(..)");
    }

    /// New hashes are of the prepared form, so either form as typed
    /// matches; a hash made before SASLprep (of the raw string) still
    /// matches the raw string.
    #[test]
    fn verify_prepared_and_legacy_hashes() {
        let c = make_credentials(&Prepared::new("pass\u{A0}\u{2168}").unwrap());
        assert!(verify(&c, "pass\u{A0}\u{2168}"));
        assert!(verify(&c, "pass IX"));
        assert!(!verify(&c, "pass\u{A0}IY"));
        let salt = SaltString::generate(&mut OsRng);
        let raw = "old\u{A0}\u{2168}pw";
        let hash = Argon2::default().hash_password(raw.as_bytes(), &salt).unwrap().to_string();
        let legacy = Credentials { password_hash: hash, ..c.clone() };
        assert!(verify(&legacy, raw));
        assert!(!verify(&legacy, "old IXpw"), "the raw hash is not of the prepared form");
        // SASLprep refuses a control character: no match, no panic.
        assert!(!verify(&c, "pass\u{7}IX"));
    }
}
