//! What the user types, turned into IRC messages or client actions.
//!
//! Pure: [`parse`] takes the line and the current window's target and says
//! what to do; the front ends carry it out. Long text is split into several
//! messages at grapheme boundaries so that no line exceeds the IRC limit
//! and no character is ever cut in two.

use hichat_proto::Message;
use unicode_segmentation::UnicodeSegmentation;

/// Bytes of text per message, leaving room for the source prefix the server
/// adds (`:nick!user@host `) and the command within the 512-byte line.
pub const TEXT_BUDGET: usize = 400;

/// Every command, with its usage, for `/help` and Tab completion.
pub const COMMANDS: &[(&str, &str)] = &[
    ("/away", "[message]          mark yourself away (no message: back)"),
    ("/close", "                  close this window (parts a channel)"),
    ("/help", "                   this list"),
    ("/invite", "nick [#channel]  invite someone here"),
    ("/join", "#channel [key]     join a channel"),
    ("/kick", "nick [reason]      remove someone from this channel"),
    ("/list", "[#channels]        list channels"),
    ("/me", "action               say an action"),
    ("/mode", "[target] modes     show or change modes"),
    ("/msg", "nick text           private message"),
    ("/names", "[#channel]        who is in a channel"),
    ("/nick", "newnick            change your nick"),
    ("/notice", "target text      send a notice"),
    ("/part", "[#channel] [reason] leave a channel"),
    ("/query", "nick [text]       open a private window"),
    ("/quit", "[reason]           leave (so does `exit` alone)"),
    ("/quote", "RAW LINE          send a raw IRC line"),
    ("/topic", "[text]            show or set the topic"),
    ("/whois", "nick              about someone"),
    ("/win", "N                   go to window N"),
];

/// What a line of input asks for.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Action {
    /// Send these messages (PRIVMSG/NOTICE are also shown locally when the
    /// server does not echo them).
    Send(Vec<Message>),
    /// Open (or go to) a private window, optionally saying something.
    Query {
        nick: String,
        text: Option<String>,
    },
    /// NAMES asked for by the user: show the reply in this window.
    Names(String),
    /// Go to window N (1-based).
    Window(usize),
    /// Close the current window.
    Close,
    Help,
    Quit(Option<String>),
    /// Tell the user something is wrong with what they typed.
    Error(String),
    /// Nothing to do (empty line).
    Nothing,
}

/// Parses one line typed in a window whose target is `target` (a channel,
/// a nick, or `None` for the server window).
pub fn parse(input: &str, target: Option<&str>) -> Action {
    let input = input.trim_end_matches(['\r', '\n']);
    if input.trim() == "exit" {
        return Action::Quit(None);
    }
    if input.trim().is_empty() {
        return Action::Nothing;
    }
    let Some(cmdline) = input.strip_prefix('/').filter(|rest| !rest.starts_with('/')) else {
        // `//text` says `/text`.
        let text = input.strip_prefix('/').unwrap_or(input);
        return match target {
            Some(t) => Action::Send(say(t, text)),
            None => Action::Error(crate::i18n::t("need-window")),
        };
    };
    let (cmd, rest) = cmdline.split_once(' ').unwrap_or((cmdline, ""));
    let rest = rest.trim();
    let cmd = cmd.to_ascii_lowercase();
    let words: Vec<&str> = rest.split_whitespace().collect();
    let chan = target.filter(|t| is_channel(t));
    let need = |usage: &str| Action::Error(crate::i18n::tr("usage", &[("cmd", &cmd), ("usage", usage)]));
    let send = |m: Message| Action::Send(vec![m]);
    match cmd.as_str() {
        "join" | "j" => match words.first() {
            Some(c) => {
                let chans: Vec<String> = c.split(',').map(channel_name).collect();
                let mut params = vec![chans.join(",")];
                params.extend(words.get(1).map(|k| k.to_string()));
                send(Message::new("JOIN", params))
            }
            None => need("#channel [key]"),
        },
        "part" | "leave" => {
            let (c, reason) = match words.first() {
                Some(w) if is_channel(w) => (Some(w.to_string()), after_words(rest, 1)),
                _ => (chan.map(str::to_owned), rest),
            };
            match c {
                Some(c) if reason.is_empty() => send(Message::new("PART", [c])),
                Some(c) => send(Message::new("PART", [c, reason.to_owned()])),
                None => need("#channel [reason]"),
            }
        }
        "msg" | "m" => match (words.first(), after_words(rest, 1)) {
            (Some(to), text) if !text.is_empty() => Action::Send(say(to, text)),
            _ => need("nick text"),
        },
        "notice" => match (words.first(), after_words(rest, 1)) {
            (Some(to), text) if !text.is_empty() => Action::Send(
                split_text(text, budget(to)).into_iter().map(|t| Message::new("NOTICE", [*to, t])).collect(),
            ),
            _ => need("target text"),
        },
        "query" | "q" => match words.first() {
            Some(nick) if !is_channel(nick) => {
                let text = after_words(rest, 1);
                Action::Query { nick: nick.to_string(), text: (!text.is_empty()).then(|| text.to_owned()) }
            }
            _ => need("nick [text]"),
        },
        "me" => match target {
            Some(t) if !rest.is_empty() => Action::Send(
                split_text(rest, budget(t) - 9)
                    .into_iter()
                    .map(|a| Message::new("PRIVMSG", [t.to_owned(), format!("\x01ACTION {a}\x01")]))
                    .collect(),
            ),
            Some(_) => need("action"),
            None => Action::Error("/me needs a channel or query window".into()),
        },
        "nick" => match words.as_slice() {
            [nick] => send(Message::new("NICK", [*nick])),
            _ => need("newnick"),
        },
        "topic" | "t" => {
            let (c, text) = match words.first() {
                Some(w) if is_channel(w) => (Some(w.to_string()), after_words(rest, 1)),
                _ => (chan.map(str::to_owned), rest),
            };
            match c {
                Some(c) if text.is_empty() => send(Message::new("TOPIC", [c])),
                Some(c) => send(Message::new("TOPIC", [c, text.to_owned()])),
                None => need("[#channel] [text]"),
            }
        }
        "names" => match words.first().map(|c| channel_name(c)).or(chan.map(str::to_owned)) {
            Some(c) => Action::Names(c),
            None => need("#channel"),
        },
        "whois" | "wi" => match words.first() {
            Some(nick) => send(Message::new("WHOIS", [*nick])),
            None => need("nick"),
        },
        "away" if rest.is_empty() => send(Message::new("AWAY", Vec::<String>::new())),
        "away" => send(Message::new("AWAY", [rest])),
        "back" => send(Message::new("AWAY", Vec::<String>::new())),
        "list" => send(Message::new("LIST", words.iter().copied())),
        "mode" => match words.first() {
            Some(w) if w.starts_with(['+', '-']) => match target {
                Some(t) => send(Message::new("MODE", std::iter::once(t).chain(words.iter().copied()))),
                None => need("target modes"),
            },
            Some(_) => send(Message::new("MODE", words.iter().copied())),
            None => match target {
                Some(t) => send(Message::new("MODE", [t])),
                None => need("target [modes]"),
            },
        },
        "kick" | "k" => {
            let (c, rest) = match words.first() {
                Some(w) if is_channel(w) => (Some(w.to_string()), after_words(rest, 1)),
                _ => (chan.map(str::to_owned), rest),
            };
            let nick = rest.split_whitespace().next();
            match (c, nick) {
                (Some(c), Some(nick)) => {
                    let reason = after_words(rest, 1);
                    let mut params = vec![c, nick.to_owned()];
                    if !reason.is_empty() {
                        params.push(reason.to_owned());
                    }
                    send(Message::new("KICK", params))
                }
                _ => need("nick [reason]"),
            }
        }
        "invite" => match (words.first(), words.get(1).map(|c| channel_name(c)).or(chan.map(str::to_owned))) {
            (Some(nick), Some(c)) => send(Message::new("INVITE", [nick.to_string(), c])),
            _ => need("nick [#channel]"),
        },
        "quote" | "raw" => match Message::parse(rest) {
            Ok(m) => send(m),
            Err(e) => Action::Error(format!("/quote: {e}")),
        },
        "quit" | "exit" => Action::Quit((!rest.is_empty()).then(|| rest.to_owned())),
        "help" | "h" => Action::Help,
        "close" | "wc" => Action::Close,
        "win" | "w" | "window" => match words.first().and_then(|n| n.parse::<usize>().ok()) {
            Some(n) if n >= 1 => Action::Window(n),
            _ => need("N"),
        },
        _ => Action::Error(crate::i18n::tr("unknown-command", &[("cmd", &cmd)])),
    }
}

/// PRIVMSGs saying `text` to `target`, split to fit.
pub fn say(target: &str, text: &str) -> Vec<Message> {
    split_text(text, budget(target)).into_iter().map(|t| Message::new("PRIVMSG", [target, t])).collect()
}

fn budget(target: &str) -> usize {
    TEXT_BUDGET.saturating_sub(target.len()).max(64)
}

/// Splits `text` into pieces of at most `max` bytes, cutting only between
/// grapheme clusters and preferring a space in the second half of a piece.
pub fn split_text(text: &str, max: usize) -> Vec<&str> {
    let mut out = Vec::new();
    let mut rest = text;
    while rest.len() > max {
        let mut cut = 0;
        let mut space = None;
        for (i, g) in rest.grapheme_indices(true) {
            if i + g.len() > max {
                break;
            }
            cut = i + g.len();
            if g == " " && i >= max / 2 {
                space = Some(i);
            }
        }
        if cut == 0 {
            // A single cluster longer than the budget: cut at a char boundary.
            cut = rest.char_indices().map(|(i, c)| i + c.len_utf8()).take_while(|&e| e <= max).last().unwrap_or(1);
        }
        let (piece, next) = match space {
            Some(sp) => (&rest[..sp], &rest[sp + 1..]),
            None => (&rest[..cut], &rest[cut..]),
        };
        out.push(piece);
        rest = next;
    }
    if !rest.is_empty() || out.is_empty() {
        out.push(rest);
    }
    out
}

/// True for channel names.
pub fn is_channel(name: &str) -> bool {
    name.starts_with(['#', '&'])
}

/// `hello` becomes `#hello`.
fn channel_name(name: &str) -> String {
    if is_channel(name) {
        name.to_owned()
    } else {
        format!("#{name}")
    }
}

/// What follows the first `n` words of `s`.
fn after_words(s: &str, n: usize) -> &str {
    let mut rest = s.trim_start();
    for _ in 0..n {
        rest = rest.split_once(char::is_whitespace).map_or("", |(_, r)| r).trim_start();
    }
    rest
}

#[cfg(test)]
#[path = "commands_tests.rs"]
mod tests;
