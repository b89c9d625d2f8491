//! Registration with the server: CAP negotiation, SASL PLAIN, NICK/USER, and
//! what to do when the nick is taken.
//!
//! A pure state machine: the connection feeds it each message received
//! before the welcome (001) and sends what it returns, so every path is
//! tested without a socket.

use hichat_proto::{Message, Numeric};

/// Capabilities requested when the server offers them.
pub const WANTED_CAPS: &[&str] =
    &["echo-message", "server-time", "message-tags", "batch", "away-notify", "multi-prefix"];

/// What registration asks the connection to do.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Step {
    /// Send this message.
    Send(Message),
    /// Tell the user.
    Tell(String),
    /// Pass the message on to the user interface.
    Forward,
    /// The welcome arrived: registered under `nick` with these capabilities.
    Registered { nick: String, caps: Vec<String> },
}

/// SASL PLAIN credentials.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Sasl {
    pub user: String,
    pub password: String,
}

/// Registration in progress.
#[derive(Debug, Clone)]
pub struct Registration {
    /// The nick asked for first.
    wanted: String,
    /// The nick last sent.
    nick: String,
    tried_alt: bool,
    password: Option<String>,
    sasl: Option<Sasl>,
    offered: Vec<String>,
    acked: Vec<String>,
}

impl Registration {
    pub fn new(nick: &str, password: Option<String>, sasl: Option<Sasl>) -> Self {
        Self {
            wanted: nick.to_owned(),
            nick: nick.to_owned(),
            tried_alt: false,
            password,
            sasl,
            offered: Vec::new(),
            acked: Vec::new(),
        }
    }

    /// The opening lines: PASS (if any), `CAP LS 302`, NICK, USER.
    pub fn start(&self) -> Vec<Message> {
        let mut out = Vec::new();
        if let Some(pass) = &self.password {
            out.push(Message::new("PASS", [pass.as_str()]));
        }
        out.push(Message::new("CAP", ["LS", "302"]));
        out.push(Message::new("NICK", [self.nick.as_str()]));
        out.push(Message::new("USER", [username(&self.wanted).as_str(), "0", "*", "hichat"]));
        out
    }

    /// The user chose another nick before registration finished.
    pub fn set_nick(&mut self, nick: &str) {
        self.nick = nick.to_owned();
    }

    /// Handles one message received before registration is complete.
    pub fn handle(&mut self, msg: &Message) -> Vec<Step> {
        let send = |m: Message| Step::Send(m);
        match msg.verb().as_str() {
            "CAP" => return self.on_cap(msg),
            "AUTHENTICATE" if msg.param(0) == "+" => {
                let Some(sasl) = &self.sasl else { return vec![send(cap_end())] };
                let raw = format!("{}\0{}\0{}", sasl.user, sasl.user, sasl.password);
                return vec![send(Message::new("AUTHENTICATE", [base64(raw.as_bytes()).as_str()]))];
            }
            "AUTHENTICATE" => return Vec::new(),
            _ => {}
        }
        let Ok(code) = msg.command.parse::<u16>() else { return vec![Step::Forward] };
        match Numeric::from_code(code) {
            Some(Numeric::RplWelcome) => {
                vec![Step::Forward, Step::Registered { nick: msg.param(0).to_owned(), caps: self.acked.clone() }]
            }
            Some(Numeric::ErrNicknameInUse) if !self.tried_alt => {
                self.tried_alt = true;
                let taken = std::mem::replace(&mut self.nick, format!("{}_", self.wanted));
                vec![
                    Step::Tell(crate::i18n::tr("nick-in-use-trying", &[("nick", &taken), ("next", &self.nick)])),
                    send(Message::new("NICK", [self.nick.as_str()])),
                ]
            }
            Some(Numeric::ErrNicknameInUse) => {
                vec![Step::Tell(crate::i18n::tr("nick-in-use-too", &[("nick", &self.nick)]))]
            }
            Some(Numeric::ErrErroneusNickname) => {
                vec![Step::Tell(crate::i18n::tr("nick-not-allowed", &[("nick", msg.param(1))]))]
            }
            Some(Numeric::RplSaslSuccess) => vec![send(cap_end())],
            Some(
                Numeric::ErrSaslFail | Numeric::ErrSaslTooLong | Numeric::ErrSaslAborted | Numeric::ErrSaslAlready,
            ) => vec![Step::Tell(crate::i18n::t("sasl-failed")), send(cap_end())],
            // A server without CAP, or one that wants NICK/USER first.
            Some(Numeric::ErrUnknownCommand) if msg.param(1).eq_ignore_ascii_case("CAP") => Vec::new(),
            Some(Numeric::ErrNotRegistered) => Vec::new(),
            _ => vec![Step::Forward],
        }
    }

    fn on_cap(&mut self, msg: &Message) -> Vec<Step> {
        let sub = msg.param(1).to_ascii_uppercase();
        let more = msg.params.len() > 3 && msg.param(2) == "*";
        let list = msg.params.last().map(String::as_str).unwrap_or("");
        let names = list.split(' ').filter(|c| !c.is_empty()).map(|c| c.split('=').next().unwrap_or(c).to_owned());
        match sub.as_str() {
            "LS" => {
                self.offered.extend(names);
                if more {
                    return Vec::new();
                }
                let mut req: Vec<&str> =
                    WANTED_CAPS.iter().copied().filter(|w| self.offered.iter().any(|o| o == w)).collect();
                if self.sasl.is_some() && self.offered.iter().any(|o| o == "sasl") {
                    req.push("sasl");
                }
                if req.is_empty() {
                    vec![Step::Send(cap_end())]
                } else {
                    vec![Step::Send(Message::new("CAP", ["REQ".to_owned(), req.join(" ")]))]
                }
            }
            "ACK" => {
                self.acked.extend(names.filter(|c| !c.starts_with('-')));
                if more {
                    Vec::new()
                } else if self.acked.iter().any(|c| c == "sasl") {
                    vec![Step::Send(Message::new("AUTHENTICATE", ["PLAIN"]))]
                } else {
                    vec![Step::Send(cap_end())]
                }
            }
            "NAK" => vec![Step::Send(cap_end())],
            _ => Vec::new(),
        }
    }
}

fn cap_end() -> Message {
    Message::new("CAP", ["END"])
}

/// An ASCII user name from the nick (servers are picky about it).
fn username(nick: &str) -> String {
    let u: String = nick.chars().filter(char::is_ascii_alphanumeric).take(10).collect();
    if u.is_empty() || u.starts_with(|c: char| c.is_ascii_digit()) {
        "hichat".into()
    } else {
        u
    }
}

/// Standard base64 with padding, for SASL.
pub fn base64(data: &[u8]) -> String {
    const ABC: &[u8; 64] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
    let mut out = String::with_capacity(data.len().div_ceil(3) * 4);
    for chunk in data.chunks(3) {
        let b = [chunk[0], *chunk.get(1).unwrap_or(&0), *chunk.get(2).unwrap_or(&0)];
        let n = (u32::from(b[0]) << 16) | (u32::from(b[1]) << 8) | u32::from(b[2]);
        for k in 0..4 {
            if k <= chunk.len() {
                out.push(ABC[(n >> (18 - 6 * k) & 63) as usize] as char);
            } else {
                out.push('=');
            }
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn msg(line: &str) -> Message {
        Message::parse(line).unwrap()
    }

    fn sent(steps: &[Step]) -> Vec<String> {
        steps
            .iter()
            .filter_map(|s| match s {
                Step::Send(m) => Some(m.to_string()),
                _ => None,
            })
            .collect()
    }

    #[test]
    fn opening_lines() {
        let r = Registration::new("ann", Some("pw".into()), None);
        let lines: Vec<String> = r.start().iter().map(|m| m.to_string()).collect();
        assert_eq!(lines, vec!["PASS pw", "CAP LS 302", "NICK ann", "USER ann 0 * hichat"]);
        assert_eq!(username("小明"), "hichat");
    }

    #[test]
    fn requests_only_offered_wanted_caps_across_multiline_ls() {
        let mut r = Registration::new("ann", None, None);
        assert!(r.handle(&msg(":s CAP * LS * :multi-prefix sasl=PLAIN")).is_empty());
        let steps = r.handle(&msg(":s CAP * LS :echo-message server-time draft/foo"));
        assert_eq!(sent(&steps), vec!["CAP REQ :echo-message server-time multi-prefix"]);
        let steps = r.handle(&msg(":s CAP ann ACK :echo-message server-time multi-prefix"));
        assert_eq!(sent(&steps), vec!["CAP END"]);
        let steps = r.handle(&msg(":s 001 ann :Welcome"));
        assert_eq!(
            steps[1],
            Step::Registered {
                nick: "ann".into(),
                caps: vec!["echo-message".into(), "server-time".into(), "multi-prefix".into()]
            }
        );
    }

    #[test]
    fn nothing_wanted_ends_and_nak_ends() {
        let mut r = Registration::new("ann", None, None);
        assert_eq!(sent(&r.handle(&msg(":s CAP * LS :sasl"))), vec!["CAP END"]);
        assert_eq!(sent(&r.handle(&msg(":s CAP * NAK :batch"))), vec!["CAP END"]);
    }

    #[test]
    fn server_without_cap() {
        let mut r = Registration::new("ann", None, None);
        assert!(r.handle(&msg(":s 421 ann CAP :Unknown command")).is_empty());
        assert!(matches!(r.handle(&msg(":s 001 ann :hi"))[1], Step::Registered { .. }));
    }

    #[test]
    fn nick_in_use_tries_underscore_then_tells() {
        let mut r = Registration::new("ann", None, None);
        let steps = r.handle(&msg(":s 433 * ann :Nickname is already in use"));
        assert_eq!(sent(&steps), vec!["NICK ann_"]);
        assert!(matches!(&steps[0], Step::Tell(t) if t.contains("trying ann_")));
        let steps = r.handle(&msg(":s 433 * ann_ :Nickname is already in use"));
        assert!(sent(&steps).is_empty());
        assert!(matches!(&steps[0], Step::Tell(t) if t.contains("/nick")));
    }

    #[test]
    fn sasl_plain() {
        let sasl = Sasl { user: "ann".into(), password: "secret".into() };
        let mut r = Registration::new("ann", None, Some(sasl));
        assert_eq!(sent(&r.handle(&msg(":s CAP * LS :sasl=PLAIN,EXTERNAL batch"))), vec!["CAP REQ :batch sasl"]);
        assert_eq!(sent(&r.handle(&msg(":s CAP * ACK :batch sasl"))), vec!["AUTHENTICATE PLAIN"]);
        assert_eq!(sent(&r.handle(&msg("AUTHENTICATE +"))), vec!["AUTHENTICATE YW5uAGFubgBzZWNyZXQ="]);
        assert_eq!(sent(&r.handle(&msg(":s 903 ann :ok"))), vec!["CAP END"]);
        let mut r = Registration::new("ann", None, Some(Sasl { user: "a".into(), password: "b".into() }));
        let steps = r.handle(&msg(":s 904 ann :SASL authentication failed"));
        assert_eq!(sent(&steps), vec!["CAP END"]);
    }

    #[test]
    fn base64_vectors() {
        assert_eq!(base64(b""), "");
        assert_eq!(base64(b"f"), "Zg==");
        assert_eq!(base64(b"fo"), "Zm8=");
        assert_eq!(base64(b"foo"), "Zm9v");
        assert_eq!(base64(b"foobar"), "Zm9vYmFy");
    }
}
