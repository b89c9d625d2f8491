//! `WEBIRC <password> <gateway> <hostname> <ip> [:options]`
//! (<https://ircv3.net/specs/extensions/webirc>): a web gateway such as
//! Kiwi IRC, connecting on behalf of one of its users, tells the server
//! that user's real address and host name.
//!
//! Only a connection from one of a `[[webirc]]` block's `hosts` that gives
//! its password (checked against the argon2 hash in the hashing pool, with
//! no lock held) may do so, once, before registration. From then on the
//! client *is* at the reported address: per-address connection limits,
//! failed-login limits, D-lines (checked at once), K-lines (at
//! registration), WHOIS and WHO all see it. A wrong password or a source
//! that is not a gateway counts as a failed login and closes the
//! connection with `ERROR`, changing nothing; an address that does not
//! parse does too. A host name that is not a plain DNS name (spaces,
//! controls, too long) is replaced by the address, as the specification
//! says for an unverified name.
//!
//! A gateway opens one connection per user, and after a restart all of
//! them at once: one argon2 run each would fill the hashing pool and turn
//! most of them away. So a password that has been verified against a
//! block's hash is remembered for that hash, as a keyed HMAC-SHA256 (a key
//! made at start-up; [`Verified`]), and the same password again is accepted
//! without argon2. Wrong passwords are never remembered: each costs a run.

use crate::accounts::{self, with_ctx};
use crate::config::{Config, WebircGateway};
use crate::handlers::Ctx;
use crate::server::Server;
use crate::state::client::ClientId;
use argon2::{Argon2, PasswordHash, PasswordVerifier};
use hichat_proto::{Message, Numeric};
use hmac::{Hmac, KeyInit, Mac};
use rand::RngCore;
use sha2::Sha256;
use std::collections::HashMap;
use std::net::IpAddr;
use std::sync::{Arc, Mutex, OnceLock};

/// Passwords already verified, by the hash they matched: the HMAC of the
/// password under a random key of this process.
struct Verified {
    key: [u8; 32],
    by_hash: Mutex<HashMap<String, Vec<u8>>>,
}

/// At most this many remembered hashes (one per gateway block, and blocks
/// a REHASH replaced); past it the memory starts again.
const MAX_VERIFIED: usize = 64;

fn verified() -> &'static Verified {
    static V: OnceLock<Verified> = OnceLock::new();
    V.get_or_init(|| {
        let mut key = [0u8; 32];
        rand::thread_rng().fill_bytes(&mut key);
        Verified { key, by_hash: Mutex::new(HashMap::new()) }
    })
}

impl Verified {
    fn mac(&self, password: &str) -> Hmac<Sha256> {
        let mut mac = <Hmac<Sha256> as KeyInit>::new_from_slice(&self.key).expect("HMAC takes any key length");
        mac.update(password.as_bytes());
        mac
    }

    /// The first of `gateways` whose hash `password` was verified against
    /// before (compared in constant time).
    fn find(&self, gateways: &[WebircGateway], password: &str) -> Option<WebircGateway> {
        let known = self.by_hash.lock().unwrap_or_else(|e| e.into_inner());
        gateways
            .iter()
            .find(|g| known.get(&g.password_hash).is_some_and(|tag| self.mac(password).verify_slice(tag).is_ok()))
            .cloned()
    }

    fn remember(&self, hash: &str, password: &str) {
        let tag = self.mac(password).finalize().into_bytes().to_vec();
        let mut known = self.by_hash.lock().unwrap_or_else(|e| e.into_inner());
        if known.len() >= MAX_VERIFIED {
            known.clear();
        }
        known.insert(hash.to_owned(), tag);
    }
}

/// The longest host name taken from a gateway (Solanum's HOSTLEN).
pub const MAX_HOST: usize = 63;

/// What the connection task keeps about where a connection comes from.
#[derive(Debug, Clone)]
pub struct Origin {
    /// The socket's address: the gateway's, after a WEBIRC.
    pub socket_ip: Option<IpAddr>,
    /// Whether the link to this server is TLS.
    pub tls: bool,
    /// The address key this connection counts against in `per_ip`
    /// (changed by WEBIRC to the reported address's).
    pub ip_key: Option<IpAddr>,
    /// A WEBIRC was tried (it may be tried once).
    pub tried: bool,
}

/// Whether this message is WEBIRC.
pub fn is_webirc(msg: &Message) -> bool {
    msg.command.eq_ignore_ascii_case("WEBIRC")
}

/// Whether `host` may be shown as a client's host: a DNS name or address
/// of letters, digits, `.`, `-` and `:`, that does not start with `:`
/// (which would end an IRC line's parameters) or `-`/`.`.
pub fn valid_host(host: &str) -> bool {
    !host.is_empty()
        && host.len() <= MAX_HOST
        && host.bytes().all(|b| b.is_ascii_alphanumeric() || matches!(b, b'.' | b'-' | b':'))
        && !host.starts_with([':', '-', '.'])
}

/// An address as a host: IPv6 ones starting with `:` get a leading `0`.
pub fn host_of(ip: IpAddr) -> String {
    let s = ip.to_string();
    if s.starts_with(':') {
        format!("0{s}")
    } else {
        s
    }
}

/// The gateway blocks a connection from `ip` may use.
fn gateways_for(config: &Config, ip: Option<IpAddr>) -> Vec<WebircGateway> {
    let Some(ip) = ip else { return Vec::new() };
    config.webirc.iter().filter(|g| Config::ip_in(&g.hosts, ip.to_canonical())).cloned().collect()
}

/// Why a WEBIRC closed the connection (said in `ERROR`, and logged).
fn close(server: &Server, id: ClientId, text: &str) {
    let mut state = server.state();
    state.remove_client(id, text, &server.info.name);
    state.reap(&server.info.name);
}

fn fail(ctx: &mut Ctx<'_>, code: &str, text: &str) {
    let msg = ctx.server_message("FAIL", ["WEBIRC", code, text]);
    ctx.send(&msg);
}

/// Handles a WEBIRC line from client `id`.
pub async fn handle(
    server: &Arc<Server>,
    id: ClientId,
    session: &mut accounts::Session,
    origin: &mut Origin,
    msg: &Message,
) {
    let registered = server.state().client(id).is_some_and(|c| c.registered);
    if registered || origin.tried {
        with_ctx(server, id, |ctx| {
            let text = if registered { "WEBIRC must come before registration" } else { "WEBIRC may be sent once" };
            fail(ctx, "ALREADY_SENT", text);
        });
        return;
    }
    if msg.params.len() < 4 {
        with_ctx(server, id, |ctx| ctx.numeric(Numeric::ErrNeedMoreParams, &["WEBIRC"]));
        return;
    }
    origin.tried = true;
    let config = &server.info.config;
    let gateways = gateways_for(config, origin.socket_ip);
    if gateways.is_empty() {
        tracing::info!(id, addr = ?origin.socket_ip, "WEBIRC refused: not from a gateway's address");
        accounts::throttle::record_failure(server, id, session);
        accounts::throttle::failure_delay(server).await;
        return close(server, id, "WEBIRC refused");
    }
    if !accounts::throttle::allowed(server, id, session) {
        tracing::info!(id, addr = ?origin.socket_ip, "WEBIRC refused: too many failed attempts");
        return close(server, id, "WEBIRC refused: too many failed attempts, try again later");
    }
    let password = msg.param(0).to_owned();
    let checked = match verified().find(&gateways, &password) {
        Some(g) => Ok(Some(g)),
        None => {
            let password = password.clone();
            server
                .hashing
                .run(move || {
                    gateways.into_iter().find(|g| {
                        PasswordHash::new(&g.password_hash)
                            .is_ok_and(|h| Argon2::default().verify_password(password.as_bytes(), &h).is_ok())
                    })
                })
                .await
        }
    };
    let gateway = match checked {
        Ok(Some(g)) => {
            verified().remember(&g.password_hash, &password);
            g
        }
        Ok(None) => {
            tracing::info!(id, addr = ?origin.socket_ip, "WEBIRC refused: wrong password");
            accounts::throttle::record_failure(server, id, session);
            accounts::throttle::failure_delay(server).await;
            return close(server, id, "WEBIRC refused");
        }
        Err(_) => return close(server, id, "WEBIRC refused: server busy, try again later"),
    };
    let Ok(ip) = msg.param(3).parse::<IpAddr>().map(|ip| ip.to_canonical()) else {
        tracing::info!(id, gateway = %gateway.name, "WEBIRC refused: the address is not an IP address");
        return close(server, id, "WEBIRC refused: invalid IP address");
    };
    let host = if valid_host(msg.param(2)) { msg.param(2).to_owned() } else { host_of(ip) };
    let secure = msg.params.get(4).is_some_and(|o| o.split(' ').any(|w| w == "secure" || w == "secure=1"));
    // The gateway's word on TLS counts only when its own link cannot be
    // read on the way: TLS, or this machine.
    let secure = secure && (origin.tls || origin.socket_ip.is_some_and(|ip| ip.to_canonical().is_loopback()));
    apply(server, id, origin, &gateway.name, ip, host, secure);
}

/// Moves client `id` to the reported address: its per-address slot, a
/// D-line check, and its host.
fn apply(server: &Server, id: ClientId, origin: &mut Origin, gateway: &str, ip: IpAddr, host: String, secure: bool) {
    let limits = &server.info.config.limits;
    let mut state = server.state();
    if !state.clients.contains_key(&id) {
        return;
    }
    if let Some(ban) = crate::bans::dline_on(&state, ip) {
        tracing::info!(id, gateway, addr = %ip, mask = %ban.mask, "WEBIRC client refused: D-lined");
        state.remove_client(id, &format!("D-lined: {}", ban.reason), &server.info.name);
        return;
    }
    let key = crate::ip_key::ip_key(ip, limits.ipv6_prefix);
    if Some(key) != origin.ip_key {
        let count = state.per_ip.get(&key).copied().unwrap_or(0);
        if count >= limits.connections_per_ip && !Config::ip_in(&limits.connections_exempt, ip) {
            tracing::info!(id, gateway, addr = %ip, "WEBIRC client refused: too many from this address");
            state.remove_client(id, "too many connections from your address", &server.info.name);
            return;
        }
        *state.per_ip.entry(key).or_insert(0) += 1;
        if let Some(old) = origin.ip_key.replace(key) {
            crate::conn::release_ip(&mut state, old);
        }
    }
    let Some(client) = state.clients.get_mut(&id) else { return };
    client.ip = Some(ip);
    client.host.clone_from(&host);
    client.tls |= secure;
    client.update_prefix();
    tracing::info!(id, gateway, via = ?origin.socket_ip, addr = %ip, host = %host, "WEBIRC: client address set");
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn hosts() {
        assert!(valid_host("user-1.example.org"));
        assert!(valid_host("2001:db8::1"));
        assert!(!valid_host("::1"), "a leading colon would end the parameters");
        assert!(!valid_host("a b"));
        assert!(!valid_host("evil\u{1}host"));
        assert!(!valid_host("x!y@z"));
        assert!(!valid_host(""));
        assert!(!valid_host(&"a".repeat(MAX_HOST + 1)));
        assert_eq!(host_of("::1".parse().unwrap()), "0::1");
        assert_eq!(host_of("192.0.2.1".parse().unwrap()), "192.0.2.1");
    }
}
