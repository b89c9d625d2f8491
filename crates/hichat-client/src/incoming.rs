//! Applying what the connection reports to the [`State`]: each IRC message
//! becomes lines in the right window and updates nick lists and topics.

use crate::connection::ConnEvent;
use crate::i18n::{t, tr};
use crate::state::{ConnState, Line, LineKind, Shown, State, WindowKind};
use hichat_proto::{casemap, Message, Numeric};

impl State {
    /// Applies one event from the connection; returns the lines it added.
    pub fn on_event(&mut self, ev: &ConnEvent, now: &str) -> Vec<Shown> {
        match ev {
            ConnEvent::Connected => {
                self.conn = ConnState::Registering;
                Vec::new()
            }
            ConnEvent::Registered { nick, caps } => {
                self.nick.clone_from(nick);
                self.caps.clone_from(caps);
                self.conn = ConnState::Connected;
                let text = if std::mem::take(&mut self.was_lost) {
                    t("reconnected")
                } else {
                    tr("connected-as", &[("server", &self.server), ("nick", nick)])
                };
                vec![self.note(now, LineKind::Status, &text)]
            }
            ConnEvent::Message(msg) => self.apply(msg, now),
            ConnEvent::Notice(text) => vec![self.note(now, LineKind::Status, text)],
            ConnEvent::Lag(lag) => {
                self.lag = Some(*lag);
                Vec::new()
            }
            ConnEvent::Disconnected { reason, retry_in } => {
                self.conn = ConnState::Disconnected;
                self.was_lost = true;
                self.lag = None;
                for w in self.windows.iter_mut().filter(|w| w.kind == WindowKind::Channel) {
                    w.joined = false;
                    w.members.clear();
                }
                let secs = retry_in.as_secs().max(1).to_string();
                let text = tr("disconnected", &[("reason", reason), ("secs", &secs)]);
                vec![self.note(now, LineKind::Status, &text)]
            }
            ConnEvent::Closed => {
                self.conn = ConnState::Closed;
                Vec::new()
            }
        }
    }

    /// Applies one message from the server.
    pub fn apply(&mut self, msg: &Message, now: &str) -> Vec<Shown> {
        let stamp = server_time(msg).unwrap_or_else(|| now.to_owned());
        let now = stamp.as_str();
        let from = msg.source_nick().unwrap_or("").to_owned();
        let me = casemap::eq(&from, &self.nick);
        let ev = |text: String| Line::new(now, LineKind::Event, "", &text);
        let mut out = Vec::new();
        match msg.verb().as_str() {
            "PRIVMSG" | "NOTICE" => return self.on_message(msg, &from, now),
            "JOIN" => {
                let chan = msg.param(0);
                let i = match self.find(chan) {
                    Some(i) => i,
                    None => {
                        let i = self.window_for(chan, WindowKind::Channel);
                        if me {
                            self.switch(i);
                        }
                        i
                    }
                };
                if me {
                    let w = &mut self.windows[i];
                    w.joined = true;
                    w.members.clear();
                    w.names_buf = None;
                } else if self.windows[i].member(&from).is_none() {
                    let m = self.parse_member(&from);
                    self.windows[i].members.push(m);
                    let mut members = std::mem::take(&mut self.windows[i].members);
                    self.sort_members(&mut members);
                    self.windows[i].members = members;
                }
                out.push(self.push(i, ev(tr("ev-joined", &[("nick", &from), ("channel", chan)]))));
            }
            "PART" => {
                let chan = msg.param(0);
                if let Some(i) = self.find(chan) {
                    let reason = reason_suffix(msg.param(1));
                    out.push(
                        self.push(i, ev(tr("ev-left", &[("nick", &from), ("channel", chan), ("reason", &reason)]))),
                    );
                    if me {
                        self.close(i);
                    } else {
                        self.remove_member(i, &from);
                    }
                }
            }
            "KICK" => {
                let (chan, victim) = (msg.param(0), msg.param(1));
                if let Some(i) = self.find(chan) {
                    let reason = reason_suffix(msg.param(2));
                    if casemap::eq(victim, &self.nick) {
                        let w = &mut self.windows[i];
                        w.joined = false;
                        w.members.clear();
                        out.push(self.push(
                            i,
                            ev(tr("ev-kicked-you", &[("nick", &from), ("channel", chan), ("reason", &reason)])),
                        ));
                    } else {
                        self.remove_member(i, victim);
                        out.push(self.push(
                            i,
                            ev(tr(
                                "ev-kicked",
                                &[("nick", &from), ("victim", victim), ("channel", chan), ("reason", &reason)],
                            )),
                        ));
                    }
                }
            }
            "QUIT" => {
                let reason = reason_suffix(msg.param(0));
                for i in 0..self.windows.len() {
                    let w = &self.windows[i];
                    let here = match w.kind {
                        WindowKind::Channel => w.member(&from).is_some(),
                        WindowKind::Query => casemap::eq(&w.name, &from),
                        WindowKind::Server => false,
                    };
                    if here {
                        self.remove_member(i, &from);
                        out.push(self.push(i, ev(tr("ev-quit", &[("nick", &from), ("reason", &reason)]))));
                    }
                }
            }
            "NICK" => out = self.on_nick(&from, msg.param(0), now),
            "TOPIC" => {
                let chan = msg.param(0);
                if let Some(i) = self.find(chan) {
                    self.windows[i].topic = crate::state::clean_text(msg.param(1));
                    out.push(self.push(
                        i,
                        ev(tr("ev-topic-changed", &[("nick", &from), ("channel", chan), ("text", msg.param(1))])),
                    ));
                }
            }
            "MODE" => {
                let target = msg.param(0);
                let change = msg.params[1..].join(" ");
                match self.find(target) {
                    Some(i) => {
                        self.apply_modes(i, &msg.params[1..]);
                        out.push(self.push(i, ev(format!("{from} sets mode {change} on {target}"))));
                    }
                    None => out.push(self.push(0, Line::new(now, LineKind::Info, "", &format!("mode {change}")))),
                }
            }
            "INVITE" => out.push(self.note(now, LineKind::Event, &format!("{from} invites you to {}", msg.param(1)))),
            "ERROR" => out.push(self.push(0, Line::new(now, LineKind::Error, "", msg.param(0)))),
            "PING" | "PONG" | "CAP" | "AUTHENTICATE" | "BATCH" | "AWAY" | "ACCOUNT" | "CHGHOST" | "SETNAME" => {}
            _ => match msg.command.parse::<u16>() {
                Ok(code) => return self.on_numeric(code, msg, now),
                Err(_) => out.push(self.push(0, Line::new(now, LineKind::Info, "", &msg.to_string()))),
            },
        }
        out
    }

    fn on_message(&mut self, msg: &Message, from: &str, now: &str) -> Vec<Shown> {
        let (target, text) = (msg.param(0), msg.param(1));
        let notice = msg.verb() == "NOTICE";
        let me = casemap::eq(from, &self.nick);
        let mut kind = if notice { LineKind::Notice } else { LineKind::Message };
        let mut body = text;
        if let Some(ctcp) = text.strip_prefix('\x01') {
            let ctcp = ctcp.strip_suffix('\x01').unwrap_or(ctcp);
            match ctcp.split_once(' ').unwrap_or((ctcp, "")) {
                ("ACTION", action) => {
                    kind = LineKind::Action;
                    body = action;
                }
                (verb, rest) => {
                    let what = if notice { "reply" } else { "request" };
                    let line = Line::new(now, LineKind::Info, "", &format!("CTCP {verb} {what} from {from} {rest}"));
                    return vec![self.push(0, line)];
                }
            }
        }
        let from_server = !msg.source.as_deref().unwrap_or("").contains('!');
        let i = if self.is_channel(target) {
            self.window_for(target, WindowKind::Channel)
        } else if notice && (from_server || self.conn != ConnState::Connected) {
            0
        } else {
            let other = if me { target } else { from };
            match (notice, self.find(other)) {
                (_, Some(i)) => i,
                (true, None) => self.current,
                (false, None) => self.window_for(other, WindowKind::Query),
            }
        };
        let nick = if from.is_empty() { msg.source.as_deref().unwrap_or("*") } else { from };
        vec![self.push(i, Line::new(now, kind, nick, body))]
    }

    fn on_nick(&mut self, old: &str, new: &str, now: &str) -> Vec<Shown> {
        let mut out = Vec::new();
        if casemap::eq(old, &self.nick) {
            self.nick = new.to_owned();
            out.push(self.push(0, Line::new(now, LineKind::Event, "", &tr("ev-you-are-now", &[("nick", new)]))));
        }
        for i in 0..self.windows.len() {
            let w = &mut self.windows[i];
            let here = match w.kind {
                WindowKind::Channel => match w.member(old) {
                    Some(m) => {
                        w.members[m].nick = new.to_owned();
                        true
                    }
                    None => false,
                },
                WindowKind::Query if casemap::eq(&w.name, old) => {
                    w.name = new.to_owned();
                    true
                }
                _ => false,
            };
            if here {
                out.push(
                    self.push(i, Line::new(now, LineKind::Event, "", &tr("ev-nick", &[("nick", old), ("new", new)]))),
                );
            }
        }
        out
    }

    fn on_numeric(&mut self, code: u16, msg: &Message, now: &str) -> Vec<Shown> {
        use Numeric::*;
        let p = |i: usize| msg.param(i);
        let rest = msg.params.get(1..).map(|r| r.join(" ")).unwrap_or_default();
        let info = |text: &str| Line::new(now, LineKind::Info, "", text);
        let ev = |text: String| Line::new(now, LineKind::Event, "", &text);
        let mut out = Vec::new();
        match Numeric::from_code(code) {
            Some(RplWelcome) => {
                self.nick = p(0).to_owned();
                out.push(self.push(0, info(p(1))));
            }
            Some(RplISupport) => {
                for token in &msg.params[1..] {
                    if let Some(spec) = token.strip_prefix("PREFIX=") {
                        self.set_prefix(spec);
                    }
                }
                out.push(self.push(0, info(&rest)));
            }
            Some(RplTopic) => {
                if let Some(i) = self.find(p(1)) {
                    self.windows[i].topic = crate::state::clean_text(p(2));
                    out.push(self.push(i, ev(tr("ev-topic", &[("channel", p(1)), ("text", p(2))]))));
                }
            }
            Some(RplNamReply) => {
                let names: Vec<_> = p(3).split(' ').filter(|n| !n.is_empty()).map(|n| self.parse_member(n)).collect();
                match self.find(p(2)) {
                    Some(i) => self.windows[i].names_buf.get_or_insert_with(Vec::new).extend(names),
                    None => out.push(self.note(
                        now,
                        LineKind::Event,
                        &tr("ev-users", &[("channel", p(2)), ("nicks", p(3))]),
                    )),
                }
            }
            Some(RplEndOfNames) => {
                if let Some(i) = self.find(p(1)) {
                    let mut members = self.windows[i].names_buf.take().unwrap_or_default();
                    self.sort_members(&mut members);
                    let list: Vec<String> = members.iter().map(|m| format!("{}{}", m.prefixes, m.nick)).collect();
                    let line = ev(tr("ev-users", &[("channel", p(1)), ("nicks", &list.join(" "))]));
                    self.windows[i].members = members;
                    let asked = self.names_requested.iter().position(|c| casemap::eq(c, p(1)));
                    let target = match asked {
                        Some(k) => {
                            self.names_requested.remove(k);
                            self.current
                        }
                        None => i,
                    };
                    out.push(self.push(target, line));
                }
            }
            Some(RplAway) => {
                let i = self.find(p(1)).unwrap_or(self.current);
                out.push(self.push(i, ev(tr("ev-away", &[("nick", p(1)), ("text", p(2))]))));
            }
            Some(RplWhoisUser) => {
                out.push(self.note(now, LineKind::Event, &format!("{} is {}@{} ({})", p(1), p(2), p(3), p(5))));
            }
            Some(RplWhoisChannels) => out.push(self.note(
                now,
                LineKind::Event,
                &tr("ev-whois-channels", &[("nick", p(1)), ("channels", p(2))]),
            )),
            Some(RplList) => out.push(self.note(now, LineKind::Event, &format!("{} ({} users) {}", p(1), p(2), p(3)))),
            Some(RplChannelModeIs) => out.push(self.note(now, LineKind::Event, &format!("mode of {}", rest))),
            Some(RplInviting) => {
                out.push(self.note(now, LineKind::Event, &tr("ev-invited", &[("nick", p(1)), ("channel", p(2))])))
            }
            Some(RplUnAway | RplNowAway | RplListEnd) => out.push(self.note(now, LineKind::Event, p(1))),
            Some(RplTopicWhoTime | RplCreationTime | RplListStart | RplEndOfWhois | RplNoTopic) => {}
            _ if (400..600).contains(&code) => {
                let (last, args) = msg.params[1..].split_last().unwrap_or((&msg.command, &[]));
                let text = if args.is_empty() { last.clone() } else { format!("{}: {}", args.join(" "), last) };
                out.push(self.note(now, LineKind::Error, &text));
            }
            _ if (300..400).contains(&code) && !matches!(code, 372 | 375 | 376) => {
                out.push(self.note(now, LineKind::Event, &rest));
            }
            _ => out.push(self.push(0, info(&rest))),
        }
        out
    }

    /// True if `name` is a channel (starts with `#` or `&`).
    pub fn is_channel(&self, name: &str) -> bool {
        name.starts_with(['#', '&'])
    }

    fn remove_member(&mut self, i: usize, nick: &str) {
        if let Some(m) = self.windows[i].member(nick) {
            self.windows[i].members.remove(m);
        }
    }

    /// Reads ISUPPORT `PREFIX=(ov)@+`.
    fn set_prefix(&mut self, spec: &str) {
        if let Some((modes, symbols)) = spec.strip_prefix('(').and_then(|s| s.split_once(')')) {
            self.prefix_modes = modes.chars().zip(symbols.chars()).collect();
        }
    }

    /// Applies `+o bob -v amy`-style changes to a channel's member prefixes.
    fn apply_modes(&mut self, i: usize, params: &[String]) {
        let Some((modes, mut args)) = params.split_first().map(|(m, a)| (m, a.iter())) else { return };
        let mut add = true;
        for c in modes.chars() {
            match c {
                '+' => add = true,
                '-' => add = false,
                _ => {
                    if let Some(&(_, symbol)) = self.prefix_modes.iter().find(|(m, _)| *m == c) {
                        let Some(nick) = args.next() else { return };
                        let Some(m) = self.windows[i].member(nick) else { continue };
                        let mut prefixes: Vec<char> =
                            self.windows[i].members[m].prefixes.chars().filter(|&p| p != symbol).collect();
                        if add {
                            prefixes.push(symbol);
                        }
                        prefixes.sort_by_key(|&p| self.prefix_rank(p));
                        self.windows[i].members[m].prefixes = prefixes.into_iter().collect();
                    } else if "beIk".contains(c) || (c == 'l' && add) {
                        args.next();
                    }
                }
            }
        }
        let mut members = std::mem::take(&mut self.windows[i].members);
        self.sort_members(&mut members);
        self.windows[i].members = members;
    }
}

/// ` (reason)` or nothing.
fn reason_suffix(reason: &str) -> String {
    if reason.is_empty() {
        String::new()
    } else {
        format!(" ({reason})")
    }
}

/// The local `HH:MM` of an IRCv3 `time` tag, if the message has one.
fn server_time(msg: &Message) -> Option<String> {
    let raw = msg.tag("time")??;
    let t = chrono::DateTime::parse_from_rfc3339(raw).ok()?;
    Some(t.with_timezone(&chrono::Local).format("%H:%M").to_string())
}

#[cfg(test)]
#[path = "incoming_tests.rs"]
mod tests;
