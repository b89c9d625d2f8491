//! Case folding for nicknames and channel names.
//!
//! hichat advertises `CASEMAPPING=ascii`: only `A-Z` fold to `a-z`. Every
//! lookup of a nick or channel goes through [`fold`] so that `Ann`, `ANN`
//! and `ann` are the same user.

/// The casemapping name advertised in ISUPPORT.
pub const CASEMAPPING: &str = "ascii";

/// Folds `name` for comparison under the ascii casemapping.
pub fn fold(name: &str) -> String {
    name.to_ascii_lowercase()
}

/// Compares two names under the ascii casemapping.
pub fn eq(a: &str, b: &str) -> bool {
    a.eq_ignore_ascii_case(b)
}

pub use crate::wildcard::{wildcard_match, Wildcard};

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn folds_ascii_only() {
        assert_eq!(fold("AnN[]"), "ann[]");
        assert_eq!(fold("ÄnN"), "Änn");
        assert!(eq("#Hello", "#hello"));
    }

    #[test]
    fn wildcards() {
        assert!(wildcard_match("*!*@*", "a!b@c"));
        assert!(wildcard_match("Bad*!*@*", "badguy!u@h"));
        assert!(!wildcard_match("bad*!*@*", "good!u@h"));
        assert!(wildcard_match("a?c", "abc"));
        assert!(!wildcard_match("a?c", "ac"));
        assert!(wildcard_match("*", ""));
        assert!(wildcard_match("*@127.0.0.1", "x!y@127.0.0.1"));
        assert!(!wildcard_match(&"*a".repeat(30), &"a".repeat(29)));
    }
}
