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

/// Prepares a password: SASLprep, except that code points unassigned in
/// Unicode 3.2 (which SASLprep's tables date from: most emoji, newer
/// scripts) are kept as typed, as stringprep's profile for queries allows
/// (RFC 3454 section 7). Strict SASLprep would refuse `sesame-🔑`; the runs
/// between such characters are still prepared and checked.
pub fn prepare_password(s: &str) -> Result<Cow<'_, str>, Rejected> {
    use stringprep::tables::unassigned_code_point;
    if !s.chars().any(unassigned_code_point) {
        return prepare(s);
    }
    let mut out = String::with_capacity(s.len());
    let mut run = String::new();
    let flush = |run: &mut String, out: &mut String| -> Result<(), Rejected> {
        if !run.is_empty() {
            out.push_str(&stringprep::saslprep(run).map_err(|_| Rejected)?);
            run.clear();
        }
        Ok(())
    };
    for c in s.chars() {
        if unassigned_code_point(c) {
            flush(&mut run, &mut out)?;
            out.push(c);
        } else {
            run.push(c);
        }
    }
    flush(&mut run, &mut out)?;
    Ok(Cow::Owned(out))
}

/// A password after SASLprep: the only form new hashes and SCRAM keys are
/// made from.
#[derive(Clone, PartialEq, Eq)]
pub struct Prepared(String);

impl Prepared {
    /// Prepares a password as typed.
    pub fn new(typed: &str) -> Result<Prepared, Rejected> {
        prepare_password(typed).map(|p| Prepared(p.into_owned()))
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
    fn passwords_keep_emoji_and_newer_characters() {
        assert_eq!(prepare_password("sesame-秘密-🔑").unwrap(), "sesame-秘密-🔑");
        assert_eq!(prepare_password("🔑\u{A0}Ⅸ🔑").unwrap(), "🔑 IX🔑");
        assert_eq!(prepare_password("pw\u{7}🔑"), Err(Rejected));
        assert_eq!(prepare_password("pw\u{E000}🔑"), Err(Rejected));
        // Without such characters it is plain SASLprep.
        assert_eq!(prepare_password("pass\u{A0}word").unwrap(), "pass word");
    }

    #[test]
    fn ascii_is_kept_as_is() {
        let p = prepare("correct-horse battery!~").unwrap();
        assert!(matches!(p, Cow::Borrowed(_)));
        assert_eq!(format!("{:?}", Prepared::new("secret").unwrap()), "Prepared(..)");
    }
}
