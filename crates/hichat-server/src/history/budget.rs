//! The per-user history write budget: how many bytes of history each
//! client may have stored, as a token bucket refilled evenly over a minute.
//! A line over budget is still relayed, only not stored, so a few users
//! cannot fill the disk or saturate the store's writer for everyone.

use crate::state::client::ClientId;
use std::collections::HashMap;

/// Milliseconds over which a whole budget refills.
const WINDOW_MS: u64 = 60_000;

/// Entries kept before full (forgotten) buckets are swept out.
const SWEEP_AT: usize = 4_096;

/// Each client's bucket: bytes left, and when it was last refilled.
#[derive(Debug, Default)]
pub struct Budgets {
    /// Bytes a minute (and the burst); 0 for no limit.
    per_minute: u64,
    buckets: HashMap<ClientId, (u64, u64)>,
    /// Size of the map after the last sweep.
    swept: usize,
}

impl Budgets {
    pub fn new(per_minute: usize) -> Self {
        Budgets { per_minute: per_minute as u64, buckets: HashMap::new(), swept: 0 }
    }

    /// Takes `cost` bytes from client `id`'s budget at `now_ms`; false (and
    /// nothing taken) when there is not enough left.
    pub fn charge(&mut self, id: ClientId, cost: usize, now_ms: u64) -> bool {
        let cap = self.per_minute;
        if cap == 0 {
            return true;
        }
        if self.buckets.len() >= SWEEP_AT.max(self.swept * 2) {
            self.sweep(now_ms);
        }
        let (left, at) = self.buckets.entry(id).or_insert((cap, now_ms));
        let refill = now_ms.saturating_sub(*at).saturating_mul(cap) / WINDOW_MS;
        if refill > 0 {
            *left = (*left).saturating_add(refill).min(cap);
            *at = now_ms;
        }
        let cost = cost as u64;
        if cost > *left {
            return false;
        }
        *left -= cost;
        true
    }

    /// Forgets the buckets that have refilled: they hold nothing a new one
    /// would not (so the map stays about as big as the active writers).
    fn sweep(&mut self, now_ms: u64) {
        let cap = self.per_minute;
        self.buckets.retain(|_, (left, at)| {
            let refill = now_ms.saturating_sub(*at).saturating_mul(cap) / WINDOW_MS;
            left.saturating_add(refill) < cap
        });
        self.swept = self.buckets.len();
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn spends_then_refills_evenly() {
        let mut b = Budgets::new(600);
        assert!(b.charge(1, 500, 0));
        assert!(!b.charge(1, 200, 0), "100 left");
        assert!(b.charge(2, 600, 0), "each client has its own");
        assert!(b.charge(1, 200, 10_000), "100 refilled in 10 s");
        assert!(!b.charge(1, 1, 10_000));
        assert!(b.charge(1, 600, 120_000), "full again, never more than full");
        assert!(!b.charge(1, 1, 120_000));
        assert!(Budgets::new(0).charge(1, usize::MAX, 0), "0: no limit");
    }

    #[test]
    fn full_buckets_are_forgotten() {
        let mut b = Budgets::new(100);
        for id in 0..SWEEP_AT as u64 {
            b.charge(id, 10, 0);
        }
        b.charge(99_999, 10, WINDOW_MS);
        assert!(b.buckets.len() <= 2, "{}", b.buckets.len());
    }
}
