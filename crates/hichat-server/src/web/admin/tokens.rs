//! The admin API's settings (`[admin]`), its bearer tokens and the
//! throttle on failed attempts.
//!
//! A token is 32 random bytes, so it cannot be guessed or brute-forced from
//! its hash: the config keeps only the SHA-256 of each token, and a request's
//! token is hashed and compared with every configured hash in constant time
//! (argon2, right for passwords people choose, would cost tens of
//! milliseconds per request and add nothing here).

use crate::accounts::throttle::{source_of, Failures};
use base64::Engine;
use ipnet::IpNet;
use rand::RngCore;
use serde::Deserialize;
use sha2::{Digest, Sha256};
use std::collections::HashMap;
use std::net::IpAddr;
use std::sync::Mutex;
use std::time::{Duration, Instant};
use subtle::ConstantTimeEq;

/// The `[admin]` section: the HTTP admin API on the web listener.
#[derive(Debug, Clone, PartialEq, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct AdminSection {
    /// Serve `/api/v1/` on the web listener. Off by default.
    pub enabled: bool,
    /// Who may call it: one entry per token.
    pub tokens: Vec<AdminToken>,
    /// Largest request body accepted, in bytes (413 past it).
    pub max_body_bytes: usize,
    /// Requests with a missing or wrong token one address (an IPv4 address
    /// or IPv6 /64) may make in the window; past it, 429 without a check.
    pub auth_failures_per_source: usize,
    /// The window failures are counted in, in seconds.
    pub auth_failure_window_secs: u64,
}

impl Default for AdminSection {
    fn default() -> Self {
        Self {
            enabled: false,
            tokens: Vec::new(),
            max_body_bytes: 4096,
            auth_failures_per_source: 10,
            auth_failure_window_secs: 60,
        }
    }
}

/// One bearer token, known by its name in logs.
#[derive(Clone, PartialEq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct AdminToken {
    pub name: String,
    /// The SHA-256 of the token, in hex, as `hichat config admin-token`
    /// prints it.
    pub sha256: String,
}

impl std::fmt::Debug for AdminToken {
    // The hash stays out of logs and panics, like an operator's.
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("AdminToken").field("name", &self.name).finish_non_exhaustive()
    }
}

/// The most tokens a config may list.
const MAX_TOKENS: usize = 100;

impl AdminSection {
    /// Checks what serde cannot (called from [`crate::Config`]'s check).
    pub fn check(&self) -> Result<(), String> {
        if self.enabled && self.tokens.is_empty() {
            return Err("admin.enabled needs at least one admin token (hichat config admin-token NAME)".into());
        }
        if self.tokens.len() > MAX_TOKENS {
            return Err(format!("admin.tokens: at most {MAX_TOKENS}"));
        }
        if !(64..=1 << 20).contains(&self.max_body_bytes) {
            return Err("admin.max_body_bytes must be between 64 and 1048576".into());
        }
        if self.auth_failures_per_source == 0 || self.auth_failures_per_source > 10_000 {
            return Err("admin.auth_failures_per_source must be between 1 and 10000".into());
        }
        if self.auth_failure_window_secs == 0 || self.auth_failure_window_secs > 86_400 {
            return Err("admin.auth_failure_window_secs must be between 1 and 86400".into());
        }
        for (i, t) in self.tokens.iter().enumerate() {
            if !valid_name(&t.name) {
                return Err(format!("admin token {:?}: a name is 1 to 64 letters, digits, '.', '_' or '-'", t.name));
            }
            if decode_hex(&t.sha256).is_none() {
                return Err(format!("admin token {:?}: sha256 must be 64 hex digits", t.name));
            }
            if self.tokens[..i].iter().any(|o| o.name == t.name) {
                return Err(format!("admin token {:?}: the name is used twice", t.name));
            }
            if self.tokens[..i].iter().any(|o| o.sha256.eq_ignore_ascii_case(&t.sha256)) {
                return Err(format!("admin token {:?}: the same token is listed twice", t.name));
            }
        }
        Ok(())
    }
}

/// Whether `name` may name a token: 1 to 64 of `[A-Za-z0-9._-]`.
pub fn valid_name(name: &str) -> bool {
    (1..=64).contains(&name.len()) && name.bytes().all(|b| b.is_ascii_alphanumeric() || b"._-".contains(&b))
}

fn decode_hex(s: &str) -> Option<[u8; 32]> {
    let bytes = s.as_bytes();
    if bytes.len() != 64 {
        return None;
    }
    let mut out = [0u8; 32];
    for (i, pair) in bytes.chunks(2).enumerate() {
        let pair = std::str::from_utf8(pair).ok()?;
        out[i] = u8::from_str_radix(pair, 16).ok()?;
    }
    Some(out)
}

/// The hex SHA-256 of a token: what the config stores.
pub fn token_hash(token: &str) -> String {
    Sha256::digest(token.as_bytes()).iter().map(|b| format!("{b:02x}")).collect()
}

/// A new random token (`hct_` and 43 base64url characters: 256 bits) and
/// its hash.
pub fn new_token() -> (String, String) {
    let mut bytes = [0u8; 32];
    rand::rngs::OsRng.fill_bytes(&mut bytes);
    let token = format!("hct_{}", base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(bytes));
    let hash = token_hash(&token);
    (token, hash)
}

/// The name of the token whose hash is `presented`'s. Every configured hash
/// is compared, in constant time, whatever matches: the time taken does not
/// depend on which token (if any) it is.
pub fn find<'a>(tokens: &'a [AdminToken], presented: &str) -> Option<&'a str> {
    let digest = Sha256::digest(presented.as_bytes());
    let mut found = None;
    for t in tokens {
        let stored = decode_hex(&t.sha256).unwrap_or([0; 32]);
        let equal: bool = stored[..].ct_eq(&digest[..]).into();
        if equal && found.is_none() {
            found = Some(t.name.as_str());
        }
    }
    found
}

/// When the table has this many sources, those with no failure left in the
/// window are dropped before another is added.
const PRUNE_AT: usize = 4096;

/// Failed attempts per source address.
#[derive(Debug, Default)]
pub struct Throttle(Mutex<HashMap<IpNet, Failures>>);

impl Throttle {
    /// Whether `ip` may try a token now.
    pub fn allowed(&self, ip: IpAddr, c: &AdminSection) -> bool {
        let Some(source) = source_of(Some(ip)) else { return true };
        let window = Duration::from_secs(c.auth_failure_window_secs);
        let mut table = self.0.lock().unwrap_or_else(|e| e.into_inner());
        table.get_mut(&source).is_none_or(|f| f.allowed(Instant::now(), window, c.auth_failures_per_source))
    }

    /// Notes a failed attempt from `ip`.
    pub fn failed(&self, ip: IpAddr, c: &AdminSection) {
        let Some(source) = source_of(Some(ip)) else { return };
        let window = Duration::from_secs(c.auth_failure_window_secs);
        let now = Instant::now();
        let mut table = self.0.lock().unwrap_or_else(|e| e.into_inner());
        if table.len() >= PRUNE_AT && !table.contains_key(&source) {
            table.retain(|_, f| f.allowed(now, window, 1));
        }
        table.entry(source).or_default().record(now, c.auth_failures_per_source);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tokens_are_found_by_hash_only() {
        let (token, hash) = new_token();
        assert_eq!(token.len(), 4 + 43);
        assert_eq!(hash, token_hash(&token));
        let tokens = vec![
            AdminToken { name: "other".into(), sha256: token_hash("something else") },
            AdminToken { name: "bot".into(), sha256: hash.to_uppercase() },
        ];
        assert_eq!(find(&tokens, &token), Some("bot"));
        assert_eq!(find(&tokens, &hash), None, "the hash is not the token");
        assert_eq!(find(&tokens, ""), None);
        assert!(!format!("{:?}", tokens[1]).contains(&hash[..8]));
    }

    #[test]
    fn settings_are_checked() {
        let mut s = AdminSection { enabled: true, ..Default::default() };
        assert!(s.check().unwrap_err().contains("at least one"));
        s.tokens.push(AdminToken { name: "bot".into(), sha256: "abc".into() });
        assert!(s.check().unwrap_err().contains("64 hex"));
        s.tokens[0].sha256 = token_hash("x");
        assert_eq!(s.check(), Ok(()));
        s.tokens.push(AdminToken { name: "bot".into(), sha256: token_hash("y") });
        assert!(s.check().unwrap_err().contains("twice"));
        s.tokens[1].name = "bad name".into();
        assert!(s.check().unwrap_err().contains("a name is"));
    }

    #[test]
    fn failures_are_throttled_per_source() {
        let c = AdminSection { auth_failures_per_source: 2, ..Default::default() };
        let t = Throttle::default();
        let a: IpAddr = "192.0.2.1".parse().unwrap();
        let b: IpAddr = "192.0.2.2".parse().unwrap();
        t.failed(a, &c);
        assert!(t.allowed(a, &c));
        t.failed(a, &c);
        assert!(!t.allowed(a, &c));
        assert!(t.allowed(b, &c));
    }
}
