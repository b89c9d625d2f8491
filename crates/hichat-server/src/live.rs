//! [`Live`]: a value that REHASH replaces while the server runs.
//!
//! Readers get a plain `&T` (through `Deref`), so code reads
//! `info.config.limits.nick_length` whether or not the config can change,
//! and never holds a lock: the lock is taken only to copy out a reference.
//! That reference must stay valid after a replacement, which is why an old
//! value is leaked rather than freed. Values are replaced only by a REHASH
//! (an operator's command or SIGHUP), each leaking one configuration of a
//! few kilobytes; a reference-counted swap would instead cost every reader
//! a counter update, on the hot path.

use std::ops::Deref;
use std::sync::RwLock;

/// A value that can be replaced as a whole; readers see one version or
/// the other, never a mix.
pub struct Live<T: 'static>(RwLock<&'static T>);

impl<T: 'static> Live<T> {
    pub fn new(value: T) -> Live<T> {
        Live(RwLock::new(Box::leak(Box::new(value))))
    }

    /// The current version. It stays valid (and unchanged) for as long as
    /// the caller keeps it, even across a [`Live::replace`].
    pub fn get(&self) -> &'static T {
        *self.0.read().unwrap_or_else(|e| e.into_inner())
    }

    /// Makes `value` the current version (see the module notes on why the
    /// old one is not freed).
    pub fn replace(&self, value: T) {
        *self.0.write().unwrap_or_else(|e| e.into_inner()) = Box::leak(Box::new(value));
    }
}

impl<T: 'static> Deref for Live<T> {
    type Target = T;

    fn deref(&self) -> &T {
        self.get()
    }
}

impl<T: 'static> IntoIterator for &Live<Vec<T>> {
    type Item = &'static T;
    type IntoIter = std::slice::Iter<'static, T>;

    fn into_iter(self) -> Self::IntoIter {
        self.get().iter()
    }
}

impl<T: std::fmt::Debug + 'static> std::fmt::Debug for Live<T> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        self.get().fmt(f)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn old_versions_stay_valid() {
        let live = Live::new(vec![1, 2]);
        let old = live.get();
        live.replace(vec![3]);
        assert_eq!(old, &[1, 2]);
        assert_eq!(*live, vec![3]);
        assert_eq!((&live).into_iter().copied().collect::<Vec<_>>(), [3]);
    }
}
