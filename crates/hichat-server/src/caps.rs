//! IRCv3 capabilities hichat offers, and the set a client has enabled.

/// One capability.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Cap {
    CapNotify,
    EchoMessage,
    MultiPrefix,
    UserhostInNames,
    AwayNotify,
    Sasl,
    AccountNotify,
    ExtendedJoin,
    AccountRegistration,
}

impl Cap {
    /// Every capability offered, in the order CAP LS lists them.
    pub const ALL: &'static [Cap] = &[
        Cap::AccountNotify,
        Cap::AwayNotify,
        Cap::CapNotify,
        Cap::AccountRegistration,
        Cap::EchoMessage,
        Cap::ExtendedJoin,
        Cap::MultiPrefix,
        Cap::Sasl,
        Cap::UserhostInNames,
    ];

    pub fn name(self) -> &'static str {
        match self {
            Cap::CapNotify => "cap-notify",
            Cap::EchoMessage => "echo-message",
            Cap::MultiPrefix => "multi-prefix",
            Cap::UserhostInNames => "userhost-in-names",
            Cap::AwayNotify => "away-notify",
            Cap::Sasl => "sasl",
            Cap::AccountNotify => "account-notify",
            Cap::ExtendedJoin => "extended-join",
            Cap::AccountRegistration => "draft/account-registration",
        }
    }

    /// The value shown after `=` in CAP LS to clients of version 302 on.
    pub fn value(self) -> Option<&'static str> {
        match self {
            Cap::Sasl => Some(crate::accounts::sasl::MECHANISMS),
            Cap::AccountRegistration => Some("before-connect"),
            _ => None,
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

/// The CAP LS value for CAP 302 clients: with values (`sasl=PLAIN,...`).
pub fn ls_line_302() -> String {
    let item = |c: &Cap| match c.value() {
        Some(v) => format!("{}={v}", c.name()),
        None => c.name().to_owned(),
    };
    Cap::ALL.iter().map(item).collect::<Vec<_>>().join(" ")
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
