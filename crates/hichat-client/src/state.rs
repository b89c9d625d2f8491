//! The client's picture of the chat: windows, their lines, unread counts,
//! nick lists and the connection's state.
//!
//! Pure data with no I/O and no clock: callers pass the `HH:MM` stamp in, so
//! every rule here is unit-tested. Incoming messages are applied by
//! `incoming.rs`; both front ends (full-screen and plain) read from here.

use hichat_proto::casemap;
use std::collections::VecDeque;
use std::time::Duration;

/// Lines kept per window; older ones are dropped.
pub const MAX_LINES: usize = 5000;

/// What a window shows.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum WindowKind {
    /// Server notices, command replies and connection state.
    Server,
    Channel,
    /// A private conversation with one nick.
    Query,
}

/// How a line is drawn.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum LineKind {
    /// `<nick> text`
    Message,
    /// `* nick text` (CTCP ACTION, `/me`)
    Action,
    /// `-nick- text`
    Notice,
    /// Joins, parts, quits, nick and topic changes: `-- text`.
    Event,
    /// Server chatter (welcome, MOTD, ISUPPORT); plain mode leaves it out.
    Info,
    /// Errors from the server or from a command: `!! text`.
    Error,
    /// Connection state: `-- text`.
    Status,
}

/// One line of a window.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Line {
    /// Local time as `HH:MM`.
    pub stamp: String,
    pub kind: LineKind,
    /// The speaker for messages, actions and notices; empty otherwise.
    pub nick: String,
    pub text: String,
    /// True when the line mentions our nick.
    pub highlight: bool,
}

impl Line {
    pub fn new(stamp: &str, kind: LineKind, nick: &str, text: &str) -> Self {
        Self { stamp: stamp.to_owned(), kind, nick: nick.to_owned(), text: clean_text(text), highlight: false }
    }
}

/// A line as it was added, for front ends that print as they go.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Shown {
    /// Name of the window the line went to.
    pub window: String,
    /// Whether that window was the current one.
    pub current: bool,
    pub line: Line,
}

/// A channel member and its status prefixes (`@`, `+`, ...), highest first.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Member {
    pub nick: String,
    pub prefixes: String,
}

/// One window: the server, a channel or a private conversation.
#[derive(Debug, Clone)]
pub struct Window {
    pub name: String,
    pub kind: WindowKind,
    pub lines: VecDeque<Line>,
    /// Messages added while another window was current.
    pub unread: usize,
    /// Set when an unread line mentions us (or any unread query message).
    pub highlight: bool,
    pub members: Vec<Member>,
    pub topic: String,
    /// For channels: whether we are in it right now.
    pub joined: bool,
    /// Rows scrolled up from the bottom (0 follows new lines).
    pub scroll: usize,
    /// NAMES replies being collected until RPL_ENDOFNAMES.
    pub(crate) names_buf: Option<Vec<Member>>,
}

impl Window {
    pub fn new(name: &str, kind: WindowKind) -> Self {
        Self {
            name: name.to_owned(),
            kind,
            lines: VecDeque::new(),
            unread: 0,
            highlight: false,
            members: Vec::new(),
            topic: String::new(),
            joined: false,
            scroll: 0,
            names_buf: None,
        }
    }

    /// The member with this nick, if present.
    pub fn member(&self, nick: &str) -> Option<usize> {
        self.members.iter().position(|m| casemap::eq(&m.nick, nick))
    }
}

/// Where the connection stands.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ConnState {
    /// Socket open, registration under way.
    Registering,
    Connected,
    /// Lost; a reconnect is pending.
    Disconnected,
    /// Closed for good (after QUIT).
    Closed,
}

impl ConnState {
    pub fn label(self) -> String {
        crate::i18n::t(match self {
            ConnState::Registering => "conn-registering",
            ConnState::Connected => "conn-connected",
            ConnState::Disconnected => "conn-reconnecting",
            ConnState::Closed => "conn-closed",
        })
    }
}

/// Everything the client knows.
#[derive(Debug, Clone)]
pub struct State {
    /// The address we connect to, for the status bar.
    pub server: String,
    pub nick: String,
    pub windows: Vec<Window>,
    pub current: usize,
    pub conn: ConnState,
    pub lag: Option<Duration>,
    /// Capabilities the server acknowledged.
    pub caps: Vec<String>,
    /// Channel prefix modes from ISUPPORT `PREFIX`, highest first: (mode, symbol).
    pub prefix_modes: Vec<(char, char)>,
    /// Set after a lost connection, so the next welcome says "reconnected".
    pub(crate) was_lost: bool,
    /// Channels whose next NAMES reply was asked for by the user.
    pub(crate) names_requested: Vec<String>,
}

impl State {
    /// A server window plus one (not yet joined) window per channel; the
    /// first channel is current.
    pub fn new(server: &str, nick: &str, channels: &[String]) -> Self {
        let mut windows = vec![Window::new(server, WindowKind::Server)];
        windows.extend(channels.iter().map(|c| Window::new(c, WindowKind::Channel)));
        Self {
            server: server.to_owned(),
            nick: nick.to_owned(),
            current: usize::from(windows.len() > 1),
            windows,
            conn: ConnState::Registering,
            lag: None,
            caps: Vec::new(),
            prefix_modes: vec![('q', '~'), ('a', '&'), ('o', '@'), ('h', '%'), ('v', '+')],
            was_lost: false,
            names_requested: Vec::new(),
        }
    }

    pub fn current_window(&self) -> &Window {
        &self.windows[self.current]
    }

    /// The channel or nick that plain text goes to, if any.
    pub fn current_target(&self) -> Option<&str> {
        let w = self.current_window();
        (w.kind != WindowKind::Server).then_some(w.name.as_str())
    }

    pub fn find(&self, name: &str) -> Option<usize> {
        self.windows.iter().position(|w| w.kind != WindowKind::Server && casemap::eq(&w.name, name))
    }

    /// The window named `name`, created at the end if missing.
    pub fn window_for(&mut self, name: &str, kind: WindowKind) -> usize {
        if let Some(i) = self.find(name) {
            return i;
        }
        self.windows.push(Window::new(name, kind));
        self.windows.len() - 1
    }

    /// Makes window `i` current and marks it read. False if there is none.
    pub fn switch(&mut self, i: usize) -> bool {
        if i >= self.windows.len() {
            return false;
        }
        self.current = i;
        let w = &mut self.windows[i];
        w.unread = 0;
        w.highlight = false;
        true
    }

    /// Moves to the next window, wrapping around.
    pub fn next_window(&mut self) {
        self.switch((self.current + 1) % self.windows.len());
    }

    /// Moves to the previous window, wrapping around.
    pub fn prev_window(&mut self) {
        self.switch((self.current + self.windows.len() - 1) % self.windows.len());
    }

    /// Removes window `i` (never the server window), keeping a sensible
    /// current window.
    pub fn close(&mut self, i: usize) {
        if i == 0 || i >= self.windows.len() {
            return;
        }
        self.windows.remove(i);
        if self.current > i || self.current >= self.windows.len() {
            self.current -= 1;
        }
        let cur = self.current;
        self.switch(cur);
    }

    /// Adds a line to window `i`, counting it as unread there if that
    /// window is not current.
    pub fn push(&mut self, i: usize, mut line: Line) -> Shown {
        let current = i == self.current;
        let w = &mut self.windows[i];
        if line.kind == LineKind::Message || line.kind == LineKind::Action || line.kind == LineKind::Notice {
            let me = !line.nick.is_empty() && casemap::eq(&line.nick, &self.nick);
            line.highlight = !me && mentions(&line.text, &self.nick);
            // Server notices don't count: the act list is for conversations.
            if !current && !me && w.kind != WindowKind::Server {
                w.unread += 1;
                w.highlight |= line.highlight || w.kind == WindowKind::Query;
            }
        }
        w.lines.push_back(line.clone());
        if w.lines.len() > MAX_LINES {
            w.lines.pop_front();
        }
        if w.scroll > 0 {
            // Keep the view still while scrolled back.
            w.scroll += 1;
        }
        Shown { window: w.name.clone(), current, line }
    }

    /// A note for the user: shown in the current window and kept in the
    /// server window too.
    pub fn note(&mut self, stamp: &str, kind: LineKind, text: &str) -> Shown {
        let line = Line::new(stamp, kind, "", text);
        if self.current != 0 {
            self.push(0, line.clone());
        }
        let cur = self.current;
        self.push(cur, line)
    }

    pub fn has_cap(&self, cap: &str) -> bool {
        self.caps.iter().any(|c| c.eq_ignore_ascii_case(cap))
    }

    /// Rank of a prefix symbol (0 is highest); members without one sort last.
    pub fn prefix_rank(&self, symbol: char) -> usize {
        self.prefix_modes.iter().position(|&(_, s)| s == symbol).unwrap_or(usize::MAX)
    }

    /// Splits a NAMES entry (`@+ann`) into its member.
    pub fn parse_member(&self, entry: &str) -> Member {
        let split = entry.find(|c| self.prefix_rank(c) == usize::MAX).unwrap_or(entry.len());
        let mut prefixes: Vec<char> = entry[..split].chars().collect();
        prefixes.sort_by_key(|&c| self.prefix_rank(c));
        let nick = entry[split..].split('!').next().unwrap_or("");
        Member { nick: nick.to_owned(), prefixes: prefixes.into_iter().collect() }
    }

    /// Sorts a member list: highest status first, then by nick.
    pub fn sort_members(&self, members: &mut [Member]) {
        members.sort_by_cached_key(|m| {
            (m.prefixes.chars().next().map_or(usize::MAX, |c| self.prefix_rank(c)), casemap::fold(&m.nick))
        });
    }

    /// Nicks of the current window, for completion: members of a channel,
    /// or the other side of a query.
    pub fn completion_nicks(&self) -> Vec<String> {
        let w = self.current_window();
        match w.kind {
            WindowKind::Channel => w.members.iter().map(|m| m.nick.clone()).collect(),
            WindowKind::Query => vec![w.name.clone()],
            WindowKind::Server => Vec::new(),
        }
    }
}

/// True if `text` mentions `nick` as a word.
pub fn mentions(text: &str, nick: &str) -> bool {
    if nick.is_empty() {
        return false;
    }
    let text = casemap::fold(text);
    let nick = casemap::fold(nick);
    // ASCII only: CJK text has no spaces, so a nick right after a Chinese
    // character still counts as a mention.
    let word_char = |c: char| c.is_ascii_alphanumeric() || "_-[]\\`^{}|".contains(c);
    text.match_indices(&nick).any(|(i, _)| {
        let before = text[..i].chars().next_back();
        let after = text[i + nick.len()..].chars().next();
        !before.is_some_and(word_char) && !after.is_some_and(word_char)
    })
}

/// Removes IRC formatting codes (bold, colours, ...) and control characters
/// so that what is stored can be measured and drawn; a tab becomes a space.
pub fn clean_text(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    let mut chars = text.chars().peekable();
    while let Some(c) = chars.next() {
        match c {
            '\x03' => {
                // Colour: up to two digits, optionally `,` and two more.
                for _ in 0..2 {
                    chars.next_if(char::is_ascii_digit);
                }
                if chars.peek() == Some(&',') {
                    let mut ahead = chars.clone();
                    ahead.next();
                    if ahead.peek().is_some_and(char::is_ascii_digit) {
                        chars.next();
                        for _ in 0..2 {
                            chars.next_if(char::is_ascii_digit);
                        }
                    }
                }
            }
            '\x04' => {
                for _ in 0..6 {
                    chars.next_if(char::is_ascii_hexdigit);
                }
            }
            '\t' => out.push(' '),
            c if c.is_control() => {}
            c => out.push(c),
        }
    }
    out
}

#[cfg(test)]
#[path = "state_tests.rs"]
mod tests;
