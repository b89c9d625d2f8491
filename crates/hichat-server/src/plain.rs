//! Plain-text mode, for someone who runs `nc 127.0.0.1 6666` and types.
//!
//! A connection whose first line is not IRC is greeted in plain words, asked
//! for a nickname, and joined to the default channel. From then on each line
//! it types is said there, and what is said there reaches it as
//! `<nick> text`. Underneath it is an ordinary client: its typed lines become
//! IRC commands ([`PlainSession::input`]) and the IRC lines sent to it are
//! rendered as text ([`PlainSession::render`]) on their way out.
//!
//! Its words come from the catalogues in the session's language: the
//! server's default, Chinese when the first line typed is Chinese, or what
//! `/lang zh` (or `LANGUAGE zh-CN`, as IRC clients send it) chose.

use crate::i18n::{self, Arg, Lang};
use hichat_proto::{Message, Numeric};

/// Commands that only a real IRC client sends as its first line. A line that
/// starts with one of these (or with a tag or source) is never taken for a
/// plain-text user.
const IRC_OPENERS: &[&str] = &["CAP", "NICK", "USER", "PASS", "PING", "PONG", "QUIT", "WEBIRC", "AUTHENTICATE"];

/// Whether a first line comes from an IRC client.
pub fn looks_like_irc(line: &[u8]) -> bool {
    if line.first().is_some_and(|b| *b == b'@' || *b == b':') {
        return true;
    }
    let word = line.split(|b| *b == b' ').next().unwrap_or_default();
    // LANGUAGE as IRC clients send it, in capitals: a person who types the
    // word means plain-text mode's `/lang`.
    IRC_OPENERS.iter().any(|c| c.as_bytes().eq_ignore_ascii_case(word)) || word == b"LANGUAGE"
}

/// Removes the characters that would end or corrupt an IRC line (CR, LF,
/// NUL) from typed text, so a person can never inject a second command.
pub fn clean(text: &str) -> String {
    text.chars().filter(|c| !matches!(c, '\r' | '\n' | '\0')).collect()
}

/// `text` as it may safely reach a terminal: IRC formatting codes (bold,
/// colour and the like) are removed, and every other control character,
/// C0 (ESC, BEL, ...), DEL or C1, is shown as a visible symbol, so that
/// nothing another user says can retitle, clear or reprogram the
/// terminal of someone reading with netcat.
pub fn visible(text: &str) -> std::borrow::Cow<'_, str> {
    let is_control = |c: char| c.is_control();
    if !text.contains(is_control) {
        return text.into();
    }
    let mut out = String::with_capacity(text.len());
    let mut chars = text.chars().peekable();
    while let Some(c) = chars.next() {
        match c {
            // Bold, italics, underline, strike-through, monospace, reverse, reset.
            '\x02' | '\x1d' | '\x1f' | '\x1e' | '\x11' | '\x16' | '\x0f' => {}
            // Colour: up to two digits, then optionally a comma and two more.
            '\x03' => skip_colour(&mut chars, |c| c.is_ascii_digit(), 2),
            // Hex colour: six hex digits, then optionally a comma and six more.
            '\x04' => skip_colour(&mut chars, |c| c.is_ascii_hexdigit(), 6),
            // The Unicode "control pictures" block has one symbol per C0 code.
            '\0'..='\x1f' => out.push(char::from_u32(0x2400 + c as u32).unwrap_or('\u{fffd}')),
            '\x7f' => out.push('\u{2421}'),
            c if c.is_control() => out.push('\u{fffd}'),
            c => out.push(c),
        }
    }
    out.into()
}

/// Skips the digits after a colour code: `fg` and optionally `,bg`, each at
/// most `max` long.
fn skip_colour(chars: &mut std::iter::Peekable<std::str::Chars<'_>>, digit: impl Fn(char) -> bool, max: usize) {
    let take = |chars: &mut std::iter::Peekable<std::str::Chars<'_>>| {
        let mut n = 0;
        while n < max && chars.next_if(|c| digit(*c)).is_some() {
            n += 1;
        }
        n
    };
    if take(chars) > 0 {
        let mut ahead = chars.clone();
        if ahead.next() == Some(',') && ahead.peek().is_some_and(|c| digit(*c)) {
            chars.next();
            take(chars);
        }
    }
}

/// Where a plain-text user is in the conversation.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Stage {
    /// Waiting for a nickname.
    AskNick,
    /// Registered and in the channel.
    Chatting,
}

/// Something a typed line asks for.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Action {
    /// Run this IRC command as the user.
    Send(Message),
    /// Tell the user this, from the server.
    Say(String),
}

/// The plain-text side of one connection.
#[derive(Debug, Clone)]
pub struct PlainSession {
    pub stage: Stage,
    pub channel: String,
    /// The language its words are rendered in; the connection keeps it in
    /// step with the client's (LANGUAGE).
    pub lang: Lang,
    sent_user: bool,
}

/// The language a first typed line suggests: Chinese for a line with Han
/// characters (someone who types 你好 reads Chinese), else none.
pub fn guess_language(line: &str) -> Option<Lang> {
    if let Some(code) = language_request(line) {
        return i18n::find(code);
    }
    let han = |c: char| matches!(c as u32, 0x3400..=0x4dbf | 0x4e00..=0x9fff | 0xf900..=0xfaff | 0x20000..=0x2ffff);
    line.chars().any(han).then(|| i18n::find("zh")).flatten()
}

/// The code of `/lang CODE`, `/language CODE` or `LANGUAGE CODE`, if the
/// line is one of those.
fn language_request(line: &str) -> Option<&str> {
    let line = line.trim();
    let (verb, rest) = line.split_once(' ').unwrap_or((line, ""));
    let verb = verb.strip_prefix('/').unwrap_or(verb);
    (verb.eq_ignore_ascii_case("lang") || verb.eq_ignore_ascii_case("language")).then(|| rest.trim())
}

impl PlainSession {
    pub fn new(channel: &str, lang: Lang) -> Self {
        Self { stage: Stage::AskNick, channel: channel.to_owned(), lang, sent_user: false }
    }

    fn tr(&self, id: &str, args: &[(&str, Arg<'_>)]) -> String {
        i18n::tr(self.lang, id, args)
    }

    /// The first words a plain-text user sees, a line each.
    pub fn greeting(&self, server: &str) -> String {
        self.tr("plain-greeting", &[("server", server.into())])
    }

    /// Turns a typed line into actions.
    pub fn input(&mut self, line: &str) -> Vec<Action> {
        let line = clean(line);
        let line = line.trim_end();
        if line.trim().is_empty() {
            return Vec::new();
        }
        // Choosing a language works at any stage, even before a nickname.
        if let Some(code) = language_request(line) {
            if code.is_empty() {
                let codes: Vec<&str> = i18n::languages().map(|l| l.code()).collect();
                let codes = codes.join(", ");
                return vec![Action::Say(self.tr("plain-usage-lang", &[("codes", (&codes).into())]))];
            }
            let codes: Vec<&str> = code.split_whitespace().collect();
            return vec![Action::Send(Message::new("LANGUAGE", codes))];
        }
        if self.stage == Stage::AskNick {
            let nick = line.trim();
            let mut out = vec![Action::Send(Message::new("NICK", [nick]))];
            if !self.sent_user {
                self.sent_user = true;
                out.push(Action::Send(Message::new("USER", ["plain", "0", "*", "plain text user"])));
            }
            return out;
        }
        if line.trim() == "exit" {
            return vec![Action::Send(Message::new("QUIT", ["exit"]))];
        }
        let chan = self.channel.as_str();
        let Some(command) = line.strip_prefix('/') else {
            return vec![Action::Send(Message::new("PRIVMSG", [chan, line]))];
        };
        let (verb, rest) = command.split_once(' ').unwrap_or((command, ""));
        let rest = rest.trim();
        let send = |m: Message| vec![Action::Send(m)];
        match verb.to_ascii_lowercase().as_str() {
            "me" if !rest.is_empty() => {
                send(Message::new("PRIVMSG", [chan.to_owned(), format!("\x01ACTION {rest}\x01")]))
            }
            "nick" if !rest.is_empty() => send(Message::new("NICK", [rest])),
            "who" | "names" => send(Message::new("NAMES", [chan])),
            "msg" => match rest.split_once(' ') {
                Some((to, text)) if !text.trim().is_empty() => send(Message::new("PRIVMSG", [to, text.trim()])),
                _ => vec![Action::Say(self.tr("plain-usage-msg", &[]))],
            },
            "quit" | "exit" => send(Message::new("QUIT", ["exit"])),
            _ => vec![Action::Say(self.tr("plain-help", &[]))],
        }
    }

    /// Renders one IRC message sent to this user as a line of text, or
    /// `None` for what a plain-text user need not see.
    pub fn render(&self, msg: &Message, me: &str) -> Option<String> {
        let from = msg.source_nick().unwrap_or("");
        let last = msg.params.last().map(String::as_str).unwrap_or("");
        if let Ok(code) = msg.command.parse::<u16>() {
            return self.render_numeric(Numeric::from_code(code), msg, last);
        }
        let text = match msg.command.as_str() {
            "PRIVMSG" => {
                let target = msg.param(0);
                let private = !target.starts_with(['#', '@', '+']);
                match (last.strip_prefix("\x01ACTION ").map(|a| a.trim_end_matches('\x01')), private) {
                    (Some(action), _) => format!("* {from} {action}"),
                    (None, true) => format!("*{from}* {last}"),
                    (None, false) => format!("<{from}> {last}"),
                }
            }
            "NOTICE" if !msg.source.as_deref().unwrap_or("").contains('!') => last.to_owned(),
            "NOTICE" => format!("-{from}- {last}"),
            "JOIN" if from == me => return None,
            "JOIN" => self.tr("plain-joined", &[("nick", from.into()), ("channel", msg.param(0).into())]),
            "PART" => {
                let why = reason(msg.params.get(1));
                self.tr(
                    "plain-left",
                    &[("nick", from.into()), ("channel", msg.param(0).into()), ("reason", (&why).into())],
                )
            }
            "QUIT" => {
                let why = reason(msg.params.first());
                self.tr("plain-quit", &[("nick", from.into()), ("reason", (&why).into())])
            }
            "NICK" => self.tr("plain-nick", &[("nick", from.into()), ("new", msg.param(0).into())]),
            "KICK" => {
                let why = reason(msg.params.get(2));
                let args = [("nick", msg.param(1).into()), ("channel", msg.param(0).into()), ("by", from.into())];
                self.tr("plain-kicked", &[args[0], args[1], args[2], ("reason", (&why).into())])
            }
            "TOPIC" => self.tr(
                "plain-topic-set",
                &[("nick", from.into()), ("channel", msg.param(0).into()), ("text", last.into())],
            ),
            "ERROR" if last.ends_with("(Quit: exit)") => self.tr("plain-bye", &[]),
            "ERROR" => format!("-- {last}"),
            "FAIL" if msg.param(1) == "INVALID_UTF8" => self.tr("plain-not-utf8", &[]),
            "FAIL" | "WARN" | "NOTE" => format!("-- {last}"),
            "KILL" => self.tr("plain-killed", &[("nick", from.into()), ("text", last.into())]),
            _ => return None,
        };
        Some(text)
    }

    fn render_numeric(&self, n: Option<Numeric>, msg: &Message, last: &str) -> Option<String> {
        let text = match n? {
            Numeric::RplWelcome => {
                let help = self.tr("plain-help", &[]);
                let args =
                    [("nick", msg.param(0).into()), ("channel", (&self.channel).into()), ("help", (&help).into())];
                self.tr("plain-welcome", &args)
            }
            Numeric::RplMotd => format!("-- {}", last.trim_start_matches("- ")),
            Numeric::RplTopic => self.tr("plain-topic", &[("text", last.into())]),
            Numeric::RplNamReply => self.tr("plain-names", &[("nicks", last.into())]),
            Numeric::ErrNicknameInUse => self.tr("plain-nick-taken", &[("nick", msg.param(1).into())]),
            Numeric::ErrErroneusNickname => self.tr("plain-nick-bad", &[("nick", msg.param(1).into())]),
            Numeric::RplYourLanguagesAre => self.tr("plain-language-set", &[]),
            Numeric::ErrNoLanguage | Numeric::ErrTooManyLanguages => format!("-- {last}"),
            n if n.code() >= 400 && n.code() < 600 => format!("-- {last}"),
            _ => return None,
        };
        Some(text)
    }
}

fn reason(r: Option<&String>) -> String {
    r.filter(|r| !r.is_empty()).map(|r| format!(" ({r})")).unwrap_or_default()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn irc_clients_are_recognised() {
        for line in ["CAP LS 302", "NICK ann", "user a 0 * :a", "PASS x", "PING 1", "@time=x PRIVMSG", ":a NICK b"] {
            assert!(looks_like_irc(line.as_bytes()), "{line}");
        }
        for line in ["hello", "hi there", "你好", "nickname please", "JOIN #a"] {
            assert!(!looks_like_irc(line.as_bytes()), "{line}");
        }
    }

    #[test]
    fn typed_lines_become_commands() {
        let mut s = PlainSession::new("#hello", Lang::EN);
        assert_eq!(
            s.input("ann"),
            vec![
                Action::Send(Message::new("NICK", ["ann"])),
                Action::Send(Message::new("USER", ["plain", "0", "*", "plain text user"]))
            ]
        );
        assert_eq!(s.input("ann2"), vec![Action::Send(Message::new("NICK", ["ann2"]))]);
        s.stage = Stage::Chatting;
        assert_eq!(s.input("你好 world"), vec![Action::Send(Message::new("PRIVMSG", ["#hello", "你好 world"]))]);
        assert_eq!(s.input("exit"), vec![Action::Send(Message::new("QUIT", ["exit"]))]);
        assert_eq!(s.input("   "), vec![]);
        assert_eq!(
            s.input("hi\rQUIT :x\0"),
            vec![Action::Send(Message::new("PRIVMSG", ["#hello", "hiQUIT :x"]))],
            "a CR inside a typed line must not start a new command"
        );
        assert!(matches!(s.input("/frobnicate")[0], Action::Say(_)));
    }

    #[test]
    fn lines_render_as_text() {
        let s = PlainSession::new("#hello", Lang::EN);
        let r = |line: &str| s.render(&Message::parse(line).unwrap(), "ann");
        assert_eq!(r(":bob!b@h PRIVMSG #hello :你好 🎉").as_deref(), Some("<bob> 你好 🎉"));
        assert_eq!(r(":bob!b@h PRIVMSG ann :psst").as_deref(), Some("*bob* psst"));
        assert_eq!(r(":bob!b@h PRIVMSG #hello :\x01ACTION waves\x01").as_deref(), Some("* bob waves"));
        assert_eq!(r(":bob!b@h JOIN #hello").as_deref(), Some("-- bob joined #hello"));
        assert_eq!(r(":ann!a@h JOIN #hello"), None);
        assert_eq!(r(":bob!b@h QUIT :Quit: bye").as_deref(), Some("-- bob quit (Quit: bye)"));
        assert_eq!(
            r(":srv 433 * bob :Nickname is already in use").as_deref(),
            Some("-- the nickname bob is taken; choose another:")
        );
        assert_eq!(r(":srv 005 ann A B :are supported"), None);
        assert_eq!(r("PING :srv"), None);
    }

    #[test]
    fn controls_are_made_visible_and_formatting_removed() {
        assert_eq!(visible("plain 你好"), "plain 你好");
        assert_eq!(visible("\x1b]0;owned\x07\x1b[2J"), "\u{241b}]0;owned\u{2407}\u{241b}[2J");
        assert_eq!(visible("\x02bold\x02 \x0304,12red\x03 \x0399x \x03,5 \x1fu\x0f"), "bold red x ,5 u");
        assert_eq!(visible("\x04ff00aa,000000hex\x04"), "hex");
        assert_eq!(visible("c1:\u{9b}2J del:\x7f"), "c1:\u{fffd}2J del:\u{2421}");
    }
}
