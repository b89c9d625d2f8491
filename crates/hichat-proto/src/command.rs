//! Typed commands: a [`Message`] from a client, checked once at the edge.
//!
//! [`Command::from_message`] checks the parameter count (giving
//! [`CommandError::NeedMoreParams`], which becomes `ERR_NEEDMOREPARAMS`) and
//! splits comma lists, so handlers never index into raw parameters. Names are
//! kept as strings here because a bad nick or channel has its own numeric
//! that names it; handlers validate them with [`crate::Nickname`] and
//! [`crate::ChannelName`].

use crate::message::Message;

/// One channel (and optional key) from a JOIN.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct JoinTarget {
    pub channel: String,
    pub key: Option<String>,
}

/// One `+x arg` / `-x` item of a MODE string, after the server has decided
/// which modes take an argument.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ModeChange {
    pub add: bool,
    pub mode: char,
    pub arg: Option<String>,
}

/// A command from a client.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Command {
    Cap {
        sub: String,
        args: Vec<String>,
    },
    Pass(String),
    Nick(String),
    User {
        user: String,
        realname: String,
    },
    Ping(String),
    Pong(String),
    Quit(Option<String>),
    /// `JOIN 0`: part every channel.
    JoinZero,
    Join(Vec<JoinTarget>),
    Part {
        channels: Vec<String>,
        reason: Option<String>,
    },
    Topic {
        channel: String,
        topic: Option<String>,
    },
    Names(Vec<String>),
    List {
        channels: Vec<String>,
        filters: Vec<String>,
    },
    /// `KICK #a,#b u1,u2` pairs channels and users (RFC 2812 §3.2.8); one
    /// channel with several users kicks them all from it.
    Kick {
        channels: Vec<String>,
        users: Vec<String>,
        reason: Option<String>,
    },
    /// `INVITE` alone lists the channels one is invited to.
    Invite {
        target: Option<(String, String)>,
    },
    Mode {
        target: String,
        modes: Option<String>,
        args: Vec<String>,
    },
    Privmsg {
        targets: Vec<String>,
        text: String,
    },
    Notice {
        targets: Vec<String>,
        text: String,
    },
    /// IRCv3 message-tags: a message that is only its tags.
    Tagmsg {
        targets: Vec<String>,
    },
    Away(Option<String>),
    /// MONITOR `+`/`-` targets, `C`, `L` or `S`.
    Monitor {
        sub: String,
        targets: Vec<String>,
    },
    /// draft/message-redaction: `REDACT <target> <msgid> [:reason]`.
    Redact {
        target: String,
        msgid: String,
        reason: Option<String>,
    },
    /// IRCv3 setname: change the real name.
    Setname(String),
    Who {
        mask: String,
        fields: Option<String>,
    },
    Whois {
        nick: String,
    },
    Whowas {
        nick: String,
        count: Option<usize>,
    },
    Ison(Vec<String>),
    Userhost(Vec<String>),
    Lusers,
    Motd,
    Version,
    Time,
    Info,
    Admin,
    Help(Option<String>),
    Oper {
        name: String,
        password: String,
    },
    Kill {
        nick: String,
        reason: String,
    },
    Wallops(String),
    /// draft/read-marker: `MARKREAD <target> [timestamp]`. Both optional
    /// here: a missing target gets a FAIL, not 461.
    Markread {
        target: Option<String>,
        timestamp: Option<String>,
    },
    /// draft/channel-rename: `RENAME <channel> <new name> [reason]`.
    Rename {
        channel: String,
        new_name: String,
        reason: Option<String>,
    },
    /// draft/languages: `LANGUAGE <code> [<code>...]`, the languages the
    /// server's own words should come in, most wanted first.
    Language(Vec<String>),
}

/// Why a message is not a usable command.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum CommandError {
    #[error("{0}: not enough parameters")]
    NeedMoreParams(String),
    #[error("{0}: unknown command")]
    Unknown(String),
    /// PRIVMSG/NOTICE with no target.
    #[error("no recipient given")]
    NoRecipient(String),
    /// PRIVMSG/NOTICE with no text.
    #[error("no text to send")]
    NoTextToSend,
    #[error("no nickname given")]
    NoNicknameGiven,
    #[error("no origin")]
    NoOrigin,
}

impl Command {
    /// Builds the typed command from a parsed message.
    pub fn from_message(msg: &Message) -> Result<Command, CommandError> {
        let verb = msg.verb();
        let p = &msg.params;
        let need = |n: usize| {
            if p.len() < n || p[..n].iter().any(|s| s.is_empty()) {
                Err(CommandError::NeedMoreParams(verb.clone()))
            } else {
                Ok(())
            }
        };
        let opt = |i: usize| p.get(i).filter(|s| !s.is_empty()).cloned();
        let list = |s: &str| s.split(',').filter(|x| !x.is_empty()).map(str::to_owned).collect::<Vec<_>>();
        let cmd = match verb.as_str() {
            "CAP" => {
                need(1)?;
                Command::Cap { sub: p[0].to_ascii_uppercase(), args: p[1..].to_vec() }
            }
            "PASS" => {
                need(1)?;
                Command::Pass(p[0].clone())
            }
            "NICK" => match opt(0) {
                Some(n) => Command::Nick(n),
                None => return Err(CommandError::NoNicknameGiven),
            },
            "USER" => {
                // An empty real name is refused too, as most servers do.
                if p.len() < 4 || p[0].is_empty() || p[3].is_empty() {
                    return Err(CommandError::NeedMoreParams(verb));
                }
                Command::User { user: p[0].clone(), realname: p[3].clone() }
            }
            "PING" => match p.first() {
                Some(t) => Command::Ping(t.clone()),
                None => return Err(CommandError::NoOrigin),
            },
            "PONG" => Command::Pong(p.first().cloned().unwrap_or_default()),
            "QUIT" => Command::Quit(opt(0)),
            "JOIN" => {
                need(1)?;
                if p[0] == "0" {
                    Command::JoinZero
                } else {
                    let keys =
                        p.get(1).map(|k| k.split(',').map(str::to_owned).collect::<Vec<_>>()).unwrap_or_default();
                    let targets = p[0]
                        .split(',')
                        .filter(|c| !c.is_empty())
                        .enumerate()
                        .map(|(i, c)| JoinTarget {
                            channel: c.to_owned(),
                            key: keys.get(i).filter(|k| !k.is_empty()).cloned(),
                        })
                        .collect();
                    Command::Join(targets)
                }
            }
            "PART" => {
                need(1)?;
                Command::Part { channels: list(&p[0]), reason: opt(1) }
            }
            "TOPIC" => {
                need(1)?;
                Command::Topic { channel: p[0].clone(), topic: p.get(1).cloned() }
            }
            "NAMES" => Command::Names(p.first().map(|s| list(s)).unwrap_or_default()),
            "LIST" => {
                let (mut channels, mut filters) = (Vec::new(), Vec::new());
                for item in p.iter().flat_map(|s| s.split(',')).filter(|s| !s.is_empty()) {
                    if item.starts_with('#') {
                        channels.push(item.to_owned());
                    } else {
                        filters.push(item.to_owned());
                    }
                }
                Command::List { channels, filters }
            }
            "KICK" => {
                need(2)?;
                Command::Kick { channels: list(&p[0]), users: list(&p[1]), reason: opt(2) }
            }
            "INVITE" => {
                if p.is_empty() {
                    Command::Invite { target: None }
                } else {
                    need(2)?;
                    Command::Invite { target: Some((p[0].clone(), p[1].clone())) }
                }
            }
            "MODE" => {
                need(1)?;
                Command::Mode { target: p[0].clone(), modes: opt(1), args: p.iter().skip(2).cloned().collect() }
            }
            "PRIVMSG" | "NOTICE" => {
                let targets = match p.first() {
                    Some(t) if !t.is_empty() => list(t),
                    _ => return Err(CommandError::NoRecipient(verb)),
                };
                let text = match p.get(1) {
                    Some(t) if !t.is_empty() => t.clone(),
                    _ => return Err(CommandError::NoTextToSend),
                };
                if verb == "PRIVMSG" {
                    Command::Privmsg { targets, text }
                } else {
                    Command::Notice { targets, text }
                }
            }
            "TAGMSG" => match p.first() {
                Some(t) if !t.is_empty() => Command::Tagmsg { targets: list(t) },
                _ => return Err(CommandError::NoRecipient(verb)),
            },
            "AWAY" => Command::Away(opt(0)),
            "MONITOR" => {
                need(1)?;
                Command::Monitor {
                    sub: p[0].to_ascii_uppercase(),
                    targets: p.get(1).map(|t| list(t)).unwrap_or_default(),
                }
            }
            "REDACT" => {
                need(2)?;
                Command::Redact { target: p[0].clone(), msgid: p[1].clone(), reason: opt(2) }
            }
            "SETNAME" => {
                need(1)?;
                Command::Setname(p[0].clone())
            }
            "WHO" => Command::Who { mask: p.first().cloned().unwrap_or_else(|| "*".into()), fields: opt(1) },
            "WHOIS" => {
                need(1)?;
                // `WHOIS server nick` asks a given server; the nick is last.
                let nick = p.get(1).filter(|s| !s.is_empty()).unwrap_or(&p[0]);
                Command::Whois { nick: nick.clone() }
            }
            "WHOWAS" => {
                need(1)?;
                Command::Whowas { nick: p[0].clone(), count: p.get(1).and_then(|c| c.parse().ok()) }
            }
            "ISON" => {
                need(1)?;
                Command::Ison(
                    p.iter().flat_map(|s| s.split(' ')).filter(|s| !s.is_empty()).map(str::to_owned).collect(),
                )
            }
            "USERHOST" => {
                need(1)?;
                Command::Userhost(p.iter().take(5).cloned().collect())
            }
            "LUSERS" => Command::Lusers,
            "MOTD" => Command::Motd,
            "VERSION" => Command::Version,
            "TIME" => Command::Time,
            "INFO" => Command::Info,
            "ADMIN" => Command::Admin,
            "HELP" | "HELPOP" => Command::Help(opt(0)),
            "OPER" => {
                need(2)?;
                Command::Oper { name: p[0].clone(), password: p[1].clone() }
            }
            "KILL" => {
                need(1)?;
                Command::Kill { nick: p[0].clone(), reason: opt(1).unwrap_or_else(|| "Killed".into()) }
            }
            "WALLOPS" => {
                need(1)?;
                Command::Wallops(p[0].clone())
            }
            "MARKREAD" => Command::Markread { target: opt(0), timestamp: opt(1) },
            "RENAME" => {
                need(2)?;
                Command::Rename { channel: p[0].clone(), new_name: p[1].clone(), reason: opt(2) }
            }
            "LANGUAGE" => {
                need(1)?;
                Command::Language(p.clone())
            }
            _ => return Err(CommandError::Unknown(msg.command.clone())),
        };
        Ok(cmd)
    }

    /// The verb this command is sent as.
    pub fn verb(&self) -> &'static str {
        match self {
            Command::Cap { .. } => "CAP",
            Command::Pass(_) => "PASS",
            Command::Nick(_) => "NICK",
            Command::User { .. } => "USER",
            Command::Ping(_) => "PING",
            Command::Pong(_) => "PONG",
            Command::Quit(_) => "QUIT",
            Command::JoinZero | Command::Join(_) => "JOIN",
            Command::Part { .. } => "PART",
            Command::Topic { .. } => "TOPIC",
            Command::Names(_) => "NAMES",
            Command::List { .. } => "LIST",
            Command::Kick { .. } => "KICK",
            Command::Invite { .. } => "INVITE",
            Command::Mode { .. } => "MODE",
            Command::Privmsg { .. } => "PRIVMSG",
            Command::Notice { .. } => "NOTICE",
            Command::Tagmsg { .. } => "TAGMSG",
            Command::Away(_) => "AWAY",
            Command::Setname(_) => "SETNAME",
            Command::Redact { .. } => "REDACT",
            Command::Monitor { .. } => "MONITOR",
            Command::Who { .. } => "WHO",
            Command::Whois { .. } => "WHOIS",
            Command::Whowas { .. } => "WHOWAS",
            Command::Ison(_) => "ISON",
            Command::Userhost(_) => "USERHOST",
            Command::Lusers => "LUSERS",
            Command::Motd => "MOTD",
            Command::Version => "VERSION",
            Command::Time => "TIME",
            Command::Info => "INFO",
            Command::Admin => "ADMIN",
            Command::Help(_) => "HELP",
            Command::Oper { .. } => "OPER",
            Command::Kill { .. } => "KILL",
            Command::Wallops(_) => "WALLOPS",
            Command::Markread { .. } => "MARKREAD",
            Command::Rename { .. } => "RENAME",
            Command::Language(_) => "LANGUAGE",
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn cmd(line: &str) -> Result<Command, CommandError> {
        Command::from_message(&Message::parse(line).unwrap())
    }

    #[test]
    fn join_with_keys_and_zero() {
        assert_eq!(
            cmd("JOIN #a,#b,#c k1,,k3").unwrap(),
            Command::Join(vec![
                JoinTarget { channel: "#a".into(), key: Some("k1".into()) },
                JoinTarget { channel: "#b".into(), key: None },
                JoinTarget { channel: "#c".into(), key: Some("k3".into()) },
            ])
        );
        assert_eq!(cmd("join 0").unwrap(), Command::JoinZero);
        assert_eq!(cmd("JOIN :"), Err(CommandError::NeedMoreParams("JOIN".into())));
    }

    #[test]
    fn privmsg_errors() {
        assert_eq!(cmd("PRIVMSG"), Err(CommandError::NoRecipient("PRIVMSG".into())));
        assert_eq!(cmd("PRIVMSG #a"), Err(CommandError::NoTextToSend));
        assert_eq!(
            cmd("PRIVMSG #a,bob :hi").unwrap(),
            Command::Privmsg { targets: vec!["#a".into(), "bob".into()], text: "hi".into() }
        );
    }

    #[test]
    fn misc() {
        assert_eq!(cmd("QUIT bye").unwrap(), Command::Quit(Some("bye".into())));
        assert_eq!(
            cmd("USER u 0 * :Real Name").unwrap(),
            Command::User { user: "u".into(), realname: "Real Name".into() }
        );
        assert_eq!(cmd("USER u 0 *"), Err(CommandError::NeedMoreParams("USER".into())));
        assert_eq!(cmd("USER u 0 * :"), Err(CommandError::NeedMoreParams("USER".into())));
        assert_eq!(cmd("NICK"), Err(CommandError::NoNicknameGiven));
        assert_eq!(cmd("FOO x"), Err(CommandError::Unknown("FOO".into())));
        assert_eq!(cmd("WHOIS srv nick").unwrap(), Command::Whois { nick: "nick".into() });
        assert_eq!(
            cmd("LIST >3,#a").unwrap(),
            Command::List { channels: vec!["#a".into()], filters: vec![">3".into()] }
        );
    }
}
