//! Failed-login throttling for SASL, NickServ IDENTIFY (and the password
//! checks of SET PASSWORD and DROP) and OPER.
//!
//! Failures are counted per connection and per source (an IPv4 address, or
//! the /64 network of an IPv6 one), never per account: a stranger guessing
//! someone's password slows and then stops only themselves, and the owner's
//! right password from another source always works. Past the limit an
//! attempt is refused without a password check (so without hashing), and
//! every failure's answer waits `login_failure_delay_ms` first.

use super::Session;
use crate::config::AccountsSection;
use crate::server::Server;
use crate::state::client::ClientId;
use ipnet::{IpNet, Ipv4Net, Ipv6Net};
use std::collections::{HashMap, VecDeque};
use std::net::IpAddr;
use std::time::{Duration, Instant};

/// Recent events (failures, password changes) of one connection or source.
#[derive(Debug, Default, Clone)]
pub struct Failures(VecDeque<Instant>);

impl Failures {
    /// Whether fewer than `max` events are left in `window` before `now`.
    pub fn allowed(&mut self, now: Instant, window: Duration, max: usize) -> bool {
        while self.0.front().is_some_and(|t| now.duration_since(*t) >= window) {
            self.0.pop_front();
        }
        self.0.len() < max
    }

    /// Notes an event, keeping at most `max` of them.
    pub fn record(&mut self, now: Instant, max: usize) {
        if self.0.len() >= max.max(1) {
            self.0.pop_front();
        }
        self.0.push_back(now);
    }
}

/// The source failures are counted for: an IPv4 address, or an IPv6 /64
/// (one host's usual allocation). An IPv4-mapped address counts as IPv4.
/// `None` (a local socket) has no source limit.
pub fn source_of(ip: Option<IpAddr>) -> Option<IpNet> {
    match ip? {
        IpAddr::V4(v4) => Some(IpNet::V4(Ipv4Net::new(v4, 32).expect("/32"))),
        IpAddr::V6(v6) => match v6.to_ipv4_mapped() {
            Some(v4) => Some(IpNet::V4(Ipv4Net::new(v4, 32).expect("/32"))),
            None => Some(IpNet::V6(Ipv6Net::new(v6, 64).expect("/64").trunc())),
        },
    }
}

/// When the source table has this many entries, sources with no failure
/// left in the window are dropped before another is added.
const PRUNE_AT: usize = 4096;

/// Failures per source, server-wide.
#[derive(Debug, Default)]
pub struct SourceFailures(HashMap<IpNet, Failures>);

impl SourceFailures {
    fn allowed(&mut self, source: IpNet, now: Instant, c: &AccountsSection) -> bool {
        let window = Duration::from_secs(c.login_failure_window_secs);
        self.0.get_mut(&source).is_none_or(|f| f.allowed(now, window, c.login_failures_per_source))
    }

    fn record(&mut self, source: IpNet, now: Instant, c: &AccountsSection) {
        let window = Duration::from_secs(c.login_failure_window_secs);
        if self.0.len() >= PRUNE_AT {
            self.0.retain(|_, f| {
                f.allowed(now, window, usize::MAX); // drops failures older than the window
                !f.0.is_empty()
            });
        }
        self.0.entry(source).or_default().record(now, c.login_failures_per_source);
    }

    /// Sources with failures in the table.
    pub fn len(&self) -> usize {
        self.0.len()
    }

    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }
}

/// Whether client `id` may try a password now: its connection and its
/// source are both under their limits. Adds nothing to any table.
pub fn allowed(server: &Server, id: ClientId, session: &mut Session) -> bool {
    let c = &server.info.config.accounts;
    let now = Instant::now();
    let window = Duration::from_secs(c.login_failure_window_secs);
    if !session.failures.allowed(now, window, c.login_failures_per_connection) {
        return false;
    }
    let mut state = server.state();
    let Some(source) = source_of(state.client(id).and_then(|c| c.ip)) else { return true };
    state.accounts.sources.allowed(source, now, c)
}

/// Notes a failed attempt by client `id` on its connection and source.
pub fn record_failure(server: &Server, id: ClientId, session: &mut Session) {
    let c = &server.info.config.accounts;
    let now = Instant::now();
    session.failures.record(now, c.login_failures_per_connection);
    let mut state = server.state();
    if let Some(source) = source_of(state.client(id).and_then(|c| c.ip)) {
        state.accounts.sources.record(source, now, c);
    }
}

/// Waits before a failure is answered (with no lock held).
pub async fn failure_delay(server: &Server) {
    let ms = server.info.config.accounts.login_failure_delay_ms;
    if ms > 0 {
        tokio::time::sleep(Duration::from_millis(ms)).await;
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sources_are_addresses_and_v6_networks() {
        let s = |a: &str| source_of(Some(a.parse().unwrap())).unwrap().to_string();
        assert_eq!(s("10.1.2.3"), "10.1.2.3/32");
        assert_eq!(s("2001:db8:1:2:aaaa::1"), "2001:db8:1:2::/64");
        assert_eq!(s("2001:db8:1:2:bbbb::9"), s("2001:db8:1:2::1"));
        assert_eq!(s("::ffff:10.1.2.3"), "10.1.2.3/32");
        assert!(source_of(None).is_none());
    }

    #[test]
    fn table_is_pruned_and_windows_expire() {
        let c = AccountsSection::default();
        let mut t = SourceFailures::default();
        let now = Instant::now();
        for i in 0..PRUNE_AT as u32 {
            let net = source_of(Some(IpAddr::V4(i.into()))).unwrap();
            t.record(net, now, &c);
        }
        assert_eq!(t.len(), PRUNE_AT);
        let later = now + Duration::from_secs(c.login_failure_window_secs);
        t.record(source_of(Some("10.0.0.1".parse().unwrap())).unwrap(), later, &c);
        assert_eq!(t.len(), 1);
        let mut f = Failures::default();
        let w = Duration::from_secs(60);
        for _ in 0..5 {
            assert!(f.allowed(now, w, 5));
            f.record(now, 5);
        }
        assert!(!f.allowed(now, w, 5));
        assert!(f.allowed(now + w, w, 5));
    }
}
