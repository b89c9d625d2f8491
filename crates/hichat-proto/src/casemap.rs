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

/// Matches `text` against an IRC wildcard `mask` (`*` any run, `?` one
/// character), case-insensitively under the casemapping.
pub fn wildcard_match(mask: &str, text: &str) -> bool {
    let m: Vec<char> = mask.chars().map(|c| c.to_ascii_lowercase()).collect();
    let t: Vec<char> = text.chars().map(|c| c.to_ascii_lowercase()).collect();
    // Iterative matcher with backtracking to the last `*`: linear in
    // practice, and never exponential on hostile masks.
    let (mut mi, mut ti) = (0, 0);
    let mut star: Option<(usize, usize)> = None;
    while ti < t.len() {
        if mi < m.len() && (m[mi] == '?' || m[mi] == t[ti]) {
            mi += 1;
            ti += 1;
        } else if mi < m.len() && m[mi] == '*' {
            star = Some((mi, ti));
            mi += 1;
        } else if let Some((smi, sti)) = star {
            mi = smi + 1;
            ti = sti + 1;
            star = Some((smi, sti + 1));
        } else {
            return false;
        }
    }
    m[mi..].iter().all(|&c| c == '*')
}

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
