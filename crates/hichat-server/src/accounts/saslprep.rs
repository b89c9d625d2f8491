//! SASLprep (RFC 4013) for account names and passwords, as SCRAM (RFC 5802
//! section 5.1) and PLAIN (RFC 4616 section 2) ask: non-ASCII spaces become
//! spaces, soft hyphens and the like disappear, compatibility characters
//! are normalized (NFKC: "Ⅸ" is "IX"), and control, private-use and other
//! prohibited characters, or text mixing right-to-left and left-to-right
//! wrongly, are refused.
//!
//! Passwords are hashed in their prepared form ([`Prepared`]). Accounts
//! made before SASLprep was applied hold hashes of the password as typed,
//! so checking tries both ([`super::verify`]).

use std::borrow::Cow;

/// A string that SASLprep refuses, or that it leaves empty.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
#[error("not allowed in a name or password (SASLprep)")]
pub struct Rejected;

/// Prepares a SASL name or a password.
pub fn prepare(s: &str) -> Result<Cow<'_, str>, Rejected> {
    match stringprep::saslprep(s) {
        Ok(p) if !p.is_empty() => Ok(p),
        _ => Err(Rejected),
    }
}

/// A password after SASLprep: the only form new hashes and SCRAM keys are
/// made from.
#[derive(Clone, PartialEq, Eq)]
pub struct Prepared(String);

impl Prepared {
    /// Prepares a password as typed.
    pub fn new(typed: &str) -> Result<Prepared, Rejected> {
        prepare(typed).map(|p| Prepared(p.into_owned()))
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl std::fmt::Debug for Prepared {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("Prepared(..)")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rfc4013_examples() {
        // RFC 4013 section 3: SOFT HYPHEN maps to nothing, NFKC of
        // FEMININE ORDINAL INDICATOR and ROMAN NUMERAL NINE, a control
        // character and an RandAL/LCat mix are refused.
        assert_eq!(prepare("I\u{AD}X").unwrap(), "IX");
        assert_eq!(prepare("user").unwrap(), "user");
        assert_eq!(prepare("USER").unwrap(), "USER");
        assert_eq!(prepare("\u{AA}").unwrap(), "a");
        assert_eq!(prepare("\u{2168}").unwrap(), "IX");
        assert_eq!(prepare("\u{7}"), Err(Rejected));
        assert_eq!(prepare("\u{627}1"), Err(Rejected));
        // Non-ASCII spaces become ASCII spaces; nothing left is refused.
        assert_eq!(prepare("pass\u{A0}word").unwrap(), "pass word");
        assert_eq!(prepare("\u{AD}"), Err(Rejected));
        assert_eq!(prepare(""), Err(Rejected));
        // Private use.
        assert_eq!(prepare("pw\u{E000}"), Err(Rejected));
    }

    #[test]
    fn ascii_is_kept_as_is() {
        let p = prepare("correct-horse battery!~").unwrap();
        assert!(matches!(p, Cow::Borrowed(_)));
        assert_eq!(format!("{:?}", Prepared::new("secret").unwrap()), "Prepared(..)");
    }
}
