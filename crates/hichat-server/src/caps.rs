//! IRCv3 capabilities hichat offers, and the set a client has enabled.

/// One capability.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Cap {
    CapNotify,
    EchoMessage,
    MultiPrefix,
    UserhostInNames,
    AwayNotify,
}

impl Cap {
    /// Every capability offered, in the order CAP LS lists them.
    pub const ALL: &'static [Cap] =
        &[Cap::AwayNotify, Cap::CapNotify, Cap::EchoMessage, Cap::MultiPrefix, Cap::UserhostInNames];

    pub fn name(self) -> &'static str {
        match self {
            Cap::CapNotify => "cap-notify",
            Cap::EchoMessage => "echo-message",
            Cap::MultiPrefix => "multi-prefix",
            Cap::UserhostInNames => "userhost-in-names",
            Cap::AwayNotify => "away-notify",
        }
    }

    pub fn from_name(name: &str) -> Option<Cap> {
        Cap::ALL.iter().copied().find(|c| c.name() == name)
    }

    fn bit(self) -> u32 {
        1 << (self as u32)
    }
}

/// A set of enabled capabilities.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Caps(u32);

impl Caps {
    pub fn has(self, cap: Cap) -> bool {
        self.0 & cap.bit() != 0
    }

    pub fn set(&mut self, cap: Cap, on: bool) {
        if on {
            self.0 |= cap.bit();
        } else {
            self.0 &= !cap.bit();
        }
    }

    /// Names of the enabled capabilities, space-separated.
    pub fn names(self) -> String {
        Cap::ALL.iter().filter(|c| self.has(**c)).map(|c| c.name()).collect::<Vec<_>>().join(" ")
    }
}

/// The CAP LS value: every capability, space-separated.
pub fn ls_line() -> String {
    Cap::ALL.iter().map(|c| c.name()).collect::<Vec<_>>().join(" ")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn set_and_names() {
        let mut c = Caps::default();
        c.set(Cap::EchoMessage, true);
        c.set(Cap::MultiPrefix, true);
        assert!(c.has(Cap::EchoMessage));
        assert_eq!(c.names(), "echo-message multi-prefix");
        c.set(Cap::EchoMessage, false);
        assert_eq!(c.names(), "multi-prefix");
        assert_eq!(Cap::from_name("away-notify"), Some(Cap::AwayNotify));
        assert_eq!(Cap::from_name("sts"), None);
    }
}
