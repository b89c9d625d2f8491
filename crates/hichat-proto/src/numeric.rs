//! Every numeric reply hichat sends, named, with its standard text.
//!
//! Code never writes `"433"` inline: it names [`Numeric::ErrNicknameInUse`].
//! The text here is the fixed trailing parameter for numerics whose last
//! parameter is always the same sentence; numerics that carry data build
//! their own parameters and have an empty text.

macro_rules! numerics {
    ($($name:ident = $code:literal, $text:literal;)*) => {
        /// A numeric reply (Modern IRC, "Numerics").
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
        #[repr(u16)]
        pub enum Numeric {
            $($name = $code,)*
        }

        impl Numeric {
            /// The standard trailing text, or `""` for data-carrying replies.
            pub fn text(self) -> &'static str {
                match self {
                    $(Numeric::$name => $text,)*
                }
            }

            /// Looks a numeric up by its code.
            pub fn from_code(code: u16) -> Option<Numeric> {
                match code {
                    $($code => Some(Numeric::$name),)*
                    _ => None,
                }
            }

            /// Every numeric, for tests and documentation.
            pub const ALL: &'static [Numeric] = &[$(Numeric::$name,)*];
        }
    };
}

numerics! {
    RplWelcome = 1, "";
    RplYourHost = 2, "";
    RplCreated = 3, "";
    RplMyInfo = 4, "";
    RplISupport = 5, "are supported by this server";
    RplUmodeIs = 221, "";
    RplLuserClient = 251, "";
    RplLuserOp = 252, "operator(s) online";
    RplLuserUnknown = 253, "unknown connection(s)";
    RplLuserChannels = 254, "channels formed";
    RplLuserMe = 255, "";
    RplAdminMe = 256, "Administrative info";
    RplAdminLoc1 = 257, "";
    RplAdminLoc2 = 258, "";
    RplAdminEmail = 259, "";
    RplLocalUsers = 265, "";
    RplGlobalUsers = 266, "";
    RplWhoisCertFp = 276, "";
    RplAway = 301, "";
    RplUserHost = 302, "";
    RplIsOn = 303, "";
    RplUnAway = 305, "You are no longer marked as being away";
    RplNowAway = 306, "You have been marked as being away";
    RplWhoisUser = 311, "";
    RplWhoisServer = 312, "";
    RplWhoisOperator = 313, "is an IRC operator";
    RplWhoisBot = 335, "is a bot";
    RplWhowasUser = 314, "";
    RplEndOfWho = 315, "End of WHO list";
    RplWhoisIdle = 317, "seconds idle, signon time";
    RplEndOfWhois = 318, "End of /WHOIS list";
    RplWhoisChannels = 319, "";
    RplListStart = 321, "Users  Name";
    RplList = 322, "";
    RplListEnd = 323, "End of /LIST";
    RplChannelModeIs = 324, "";
    RplCreationTime = 329, "";
    RplWhoisAccount = 330, "is logged in as";
    RplNoTopic = 331, "No topic is set";
    RplTopic = 332, "";
    RplTopicWhoTime = 333, "";
    RplInviteList = 336, "";
    RplEndOfInviteList = 337, "End of /INVITE list";
    RplWhoisActually = 338, "is actually using host";
    RplInviting = 341, "";
    RplInvexList = 346, "";
    RplEndOfInvexList = 347, "End of channel invite exception list";
    RplExceptList = 348, "";
    RplEndOfExceptList = 349, "End of channel exception list";
    RplVersion = 351, "";
    RplWhoReply = 352, "";
    RplWhoSpcRpl = 354, "";
    RplNamReply = 353, "";
    RplEndOfNames = 366, "End of /NAMES list";
    RplBanList = 367, "";
    RplEndOfBanList = 368, "End of channel ban list";
    RplEndOfWhowas = 369, "End of WHOWAS";
    RplInfo = 371, "";
    RplMotd = 372, "";
    RplEndOfInfo = 374, "End of INFO list";
    RplMotdStart = 375, "";
    RplEndOfMotd = 376, "End of /MOTD command.";
    RplWhoisHost = 378, "";
    RplWhoisModes = 379, "";
    RplYoureOper = 381, "You are now an IRC operator";
    RplRehashing = 382, "Rehashing";
    RplTime = 391, "";
    ErrUnknownError = 400, "";
    ErrNoSuchNick = 401, "No such nick/channel";
    ErrNoSuchServer = 402, "No such server";
    ErrNoSuchChannel = 403, "No such channel";
    ErrCannotSendToChan = 404, "Cannot send to channel";
    ErrTooManyChannels = 405, "You have joined too many channels";
    ErrWasNoSuchNick = 406, "There was no such nickname";
    ErrTooManyTargets = 407, "Too many targets";
    ErrNoOrigin = 409, "No origin specified";
    ErrInvalidCapCmd = 410, "Invalid CAP subcommand";
    ErrNoRecipient = 411, "No recipient given";
    ErrNoTextToSend = 412, "No text to send";
    ErrInputTooLong = 417, "Input line was too long";
    ErrUnknownCommand = 421, "Unknown command";
    ErrNoMotd = 422, "MOTD File is missing";
    ErrNoNicknameGiven = 431, "No nickname given";
    ErrErroneusNickname = 432, "Erroneous nickname";
    ErrNicknameInUse = 433, "Nickname is already in use";
    ErrUserNotInChannel = 441, "They aren't on that channel";
    ErrNotOnChannel = 442, "You're not on that channel";
    ErrUserOnChannel = 443, "is already on channel";
    ErrNotRegistered = 451, "You have not registered";
    ErrNeedMoreParams = 461, "Not enough parameters";
    ErrAlreadyRegistered = 462, "You may not reregister";
    ErrPasswdMismatch = 464, "Password incorrect";
    ErrYoureBannedCreep = 465, "You are banned from this server";
    ErrKeySet = 467, "Channel key already set";
    ErrChannelIsFull = 471, "Cannot join channel (+l)";
    ErrUnknownMode = 472, "is unknown mode char to me";
    ErrInviteOnlyChan = 473, "Cannot join channel (+i)";
    ErrBannedFromChan = 474, "Cannot join channel (+b)";
    ErrBadChannelKey = 475, "Cannot join channel (+k)";
    ErrBadChanMask = 476, "Bad Channel Mask";
    ErrBanListFull = 478, "Channel list is full";
    ErrNoPrivileges = 481, "Permission Denied- You're not an IRC operator";
    ErrChanOPrivsNeeded = 482, "You're not channel operator";
    ErrCantKillServer = 483, "You cant kill a server!";
    ErrNoOperHost = 491, "No O-lines for your host";
    ErrUmodeUnknownFlag = 501, "Unknown MODE flag";
    ErrUsersDontMatch = 502, "Cant change mode for other users";
    ErrHelpNotFound = 524, "No help available on this topic";
    ErrInvalidKey = 525, "Key is not well-formed";
    RplWhoisSecure = 671, "is using a secure connection";
    RplYourLanguagesAre = 687, "Language preferences have been set";
    ErrInvalidModeParam = 696, "";
    RplHelpStart = 704, "";
    RplHelpTxt = 705, "";
    RplEndOfHelp = 706, "End of /HELP";
    RplMonOnline = 730, "";
    RplMonOffline = 731, "";
    RplMonList = 732, "";
    RplEndOfMonList = 733, "End of MONITOR list";
    ErrMonListFull = 734, "Monitor list is full";
    RplLoggedIn = 900, "";
    ErrTooManyLanguages = 981, "You specified too many languages";
    ErrNoLanguage = 982, "";
    RplLoggedOut = 901, "You are now logged out";
    ErrNickLocked = 902, "You must use a nick assigned to you";
    RplSaslSuccess = 903, "SASL authentication successful";
    ErrSaslFail = 904, "SASL authentication failed";
    ErrSaslTooLong = 905, "SASL message too long";
    ErrSaslAborted = 906, "SASL authentication aborted";
    ErrSaslAlready = 907, "You have already authenticated using SASL";
    RplSaslMechs = 908, "are available SASL mechanisms";
}

impl Numeric {
    /// The numeric code, e.g. `433`.
    pub fn code(self) -> u16 {
        self as u16
    }

    /// The three-digit command form, e.g. `"001"`.
    pub fn as_command(self) -> String {
        format!("{:03}", self.code())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn codes_are_three_digits_and_unique() {
        let mut seen = std::collections::HashSet::new();
        for n in Numeric::ALL {
            assert!(seen.insert(n.code()), "{n:?} twice");
            assert_eq!(n.as_command().len(), 3);
            assert_eq!(Numeric::from_code(n.code()), Some(*n));
        }
        assert_eq!(Numeric::RplWelcome.as_command(), "001");
        assert_eq!(Numeric::ErrNicknameInUse.code(), 433);
    }
}
