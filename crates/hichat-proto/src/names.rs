//! Validated nicknames and channel names.

use std::fmt;

/// Longest nickname accepted (advertised as NICKLEN).
pub const NICKLEN: usize = 30;
/// Longest channel name accepted (advertised as CHANNELLEN).
pub const CHANNELLEN: usize = 64;

/// Why a name was refused.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
pub enum NameError {
    #[error("name is empty")]
    Empty,
    #[error("name is too long")]
    TooLong,
    #[error("name contains a character that is not allowed")]
    BadChar,
    /// An invisible character, or scripts mixed as look-alikes are
    /// (see [`crate::confusables`]).
    #[error("name could be mistaken for another")]
    LookAlike,
}

/// A nickname that is safe to use on the wire: no spaces, no characters with
/// protocol meaning (`,*?!@.:#&` and control characters), not starting with a
/// digit or `-`, at most `max_len` bytes. Non-ASCII letters are allowed
/// (hichat is UTF-8 only), so `小明` is a valid nickname, but invisible
/// characters and look-alike mixes of scripts (`NickSеrv` with a Cyrillic
/// `е`) are not.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct Nickname(String);

impl Nickname {
    pub fn parse(s: &str, max_len: usize) -> Result<Self, NameError> {
        if s.is_empty() {
            return Err(NameError::Empty);
        }
        if s.len() > max_len {
            return Err(NameError::TooLong);
        }
        let first = s.chars().next().unwrap_or(' ');
        if first.is_ascii_digit() || first == '-' || first == '$' {
            return Err(NameError::BadChar);
        }
        let bad = |c: char| c.is_control() || c.is_whitespace() || ",*?!@.:#&%+~\"'".contains(c);
        if s.chars().any(bad) {
            return Err(NameError::BadChar);
        }
        if !s.is_ascii() && (crate::confusables::has_invisible(s) || crate::confusables::is_mixed_script(s)) {
            return Err(NameError::LookAlike);
        }
        Ok(Self(s.to_owned()))
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

/// A channel name: starts with `#`, at most `max_len` bytes, with no space,
/// comma, BELL or control character.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct ChannelName(String);

impl ChannelName {
    pub fn parse(s: &str, max_len: usize) -> Result<Self, NameError> {
        if s.len() < 2 {
            return Err(NameError::Empty);
        }
        if s.len() > max_len {
            return Err(NameError::TooLong);
        }
        if !s.starts_with('#') || s.chars().any(|c| c.is_control() || c.is_whitespace() || c == ',') {
            return Err(NameError::BadChar);
        }
        Ok(Self(s.to_owned()))
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }

    /// True if `s` looks like a channel (starts with a channel type), so a
    /// target can be routed before it is validated.
    pub fn is_channel_like(s: &str) -> bool {
        s.starts_with('#')
    }
}

impl fmt::Display for Nickname {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl fmt::Display for ChannelName {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn nicknames() {
        for ok in ["ann", "Bob_", "[x]", "小明", "a-b", "emoji🎉", "`x", "a|b", "a^b{}"] {
            assert!(Nickname::parse(ok, NICKLEN).is_ok(), "{ok}");
        }
        for bad in ["", "1abc", "-x", "a b", "a,b", "a!b", "a@b", "#c", ":x", "a*", "a\u{1}"] {
            assert!(Nickname::parse(bad, NICKLEN).is_err(), "{bad:?}");
        }
        assert_eq!(Nickname::parse(&"a".repeat(31), NICKLEN), Err(NameError::TooLong));
        for look_alike in ["NickServ\u{200b}", "Nick\u{200d}Serv", "NickSеrv"] {
            assert_eq!(Nickname::parse(look_alike, NICKLEN), Err(NameError::LookAlike), "{look_alike:?}");
        }
    }

    #[test]
    fn channels() {
        for ok in ["#hello", "#你好", "#a.b-c", "##rust"] {
            assert!(ChannelName::parse(ok, CHANNELLEN).is_ok(), "{ok}");
        }
        for bad in ["", "#", "hello", "#a b", "#a,b", "&x", "#a\u{7}"] {
            assert!(ChannelName::parse(bad, CHANNELLEN).is_err(), "{bad:?}");
        }
    }
}
