//! What both front ends share: starting the connection, and carrying out a
//! typed line or a connection event against the [`State`].

use crate::args::ConnectArgs;
use crate::commands::{self, Action, COMMANDS};
use crate::connection::{self, ConnEvent, ConnectError, Handle};
use crate::register::Sasl;
use crate::state::{ConnState, LineKind, Shown, State, WindowKind};
use hichat_proto::Message;
use std::time::Duration;

/// The state plus the connection it is fed from.
pub struct Client {
    pub state: State,
    pub conn: Handle,
    /// Set once the user asked to quit.
    pub quitting: bool,
}

/// Connects (retrying with backoff when `args.retry`, calling `on_retry`
/// before each wait) and starts the connection task.
pub async fn start(
    args: &ConnectArgs,
    first_backoff: Duration,
    on_retry: impl FnMut(&ConnectError, Duration),
) -> Result<Client, ConnectError> {
    let addr = args.address();
    let stream = connection::connect_first(&addr, args.retry, first_backoff, on_retry).await?;
    let nick = args.nickname();
    let channels = args.channel_names();
    let sasl = match (&args.sasl_user, &args.sasl_password) {
        (Some(user), Some(password)) => Some(Sasl { user: user.clone(), password: password.clone() }),
        _ => None,
    };
    let config = connection::Config {
        addr: addr.clone(),
        nick: nick.clone(),
        channels: channels.clone(),
        password: args.password.clone(),
        sasl,
        ping_interval: Duration::from_secs(30),
        first_backoff,
    };
    let conn = connection::spawn(stream, config);
    Ok(Client { state: State::new(&addr, &nick, &channels), conn, quitting: false })
}

/// The local time as `HH:MM`.
pub fn now_stamp() -> String {
    chrono::Local::now().format("%H:%M").to_string()
}

impl Client {
    /// Applies an event from the connection.
    pub fn event(&mut self, ev: &ConnEvent, now: &str) -> Vec<Shown> {
        self.state.on_event(ev, now)
    }

    /// Carries out one line typed by the user.
    pub fn input(&mut self, line: &str, now: &str) -> Vec<Shown> {
        let mut out = Vec::new();
        match commands::parse(line, self.state.current_target()) {
            Action::Send(msgs) => {
                for m in msgs {
                    out.extend(self.send(m, now));
                }
            }
            Action::Query { nick, text } => {
                let i = self.state.window_for(&nick, WindowKind::Query);
                self.state.switch(i);
                if let Some(text) = text {
                    for m in commands::say(&nick, &text) {
                        out.extend(self.send(m, now));
                    }
                }
            }
            Action::Names(chan) => {
                self.state.names_requested.push(chan.clone());
                self.conn.send(Message::new("NAMES", [chan]));
            }
            Action::Window(n) => {
                if !self.state.switch(n - 1) {
                    out.push(self.state.note(
                        now,
                        LineKind::Error,
                        &crate::i18n::tr("no-window", &[("n", &n.to_string())]),
                    ));
                }
            }
            Action::Close => {
                let w = self.state.current_window();
                match w.kind {
                    WindowKind::Channel if w.joined => self.conn.send(Message::new("PART", [w.name.clone()])),
                    WindowKind::Server => {
                        out.push(self.state.note(now, LineKind::Error, &crate::i18n::t("server-window-stays")));
                    }
                    _ => self.state.close(self.state.current),
                }
            }
            Action::Help => {
                for (cmd, _) in COMMANDS {
                    let usage = crate::i18n::t(&format!("help-{}", &cmd[1..]));
                    out.push(self.state.note(now, LineKind::Event, &format!("{cmd} {usage}")));
                }
                out.push(self.state.note(now, LineKind::Event, &crate::i18n::t("help-keys")));
            }
            Action::Quit(reason) => self.quit(reason),
            Action::Error(text) => out.push(self.state.note(now, LineKind::Error, &text)),
            Action::Nothing => {}
        }
        out
    }

    /// Asks the connection to quit (once).
    pub fn quit(&mut self, reason: Option<String>) {
        if !self.quitting {
            self.quitting = true;
            self.conn.quit(reason);
        }
    }

    /// Sends `m`, showing our own messages unless the server echoes them.
    fn send(&mut self, m: Message, now: &str) -> Vec<Shown> {
        let verb = m.verb();
        let echo = (verb == "PRIVMSG" || verb == "NOTICE")
            && !self.state.has_cap("echo-message")
            && self.state.conn != ConnState::Disconnected;
        let shown = if echo {
            let nick = self.state.nick.clone();
            self.state.apply(&m.clone().with_source(format!("{nick}!{nick}@local")), now)
        } else {
            Vec::new()
        };
        self.conn.send(m);
        shown
    }
}
