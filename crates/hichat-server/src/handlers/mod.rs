//! Command handlers, one module per command family, and the dispatcher.
//!
//! [`dispatch`] looks the command up in [`RULES`] (may it come before
//! registration? does it need operator status?), enforces that, and calls the
//! family's handler with a [`Ctx`]. Handlers run with the state locked and
//! never await; an error they return becomes a numeric reply here.

mod channel;
mod info;
mod invite_notify;
pub(crate) mod language;
pub(crate) mod lookalike;
mod message;
mod mode;
mod monitor;
mod multiline;
pub(crate) mod oper;
mod query;
mod read_marker;
mod redact;
mod registration;
mod rename;
mod setname;
mod whox;

use crate::reply::{HandlerError, HandlerResult};
use crate::server::ServerInfo;
use crate::state::client::{Client, ClientId};
use crate::state::State;
use hichat_proto::{Command, Message, Numeric};

pub(crate) use channel::kick_member;
pub use channel::truncate;
pub use monitor::MONITOR_LIMIT;
pub use oper::verify_password as verify_oper_password;
pub use setname::NAMELEN;

/// Everything a handler may touch while it runs.
pub struct Ctx<'a> {
    pub info: &'a ServerInfo,
    pub state: &'a mut State,
    /// The client whose command this is.
    pub id: ClientId,
    /// For OPER: the outcome of the password check made before the lock
    /// was taken (hashing is too slow to do under it).
    pub oper_verified: Option<oper::OperCheck>,
}

impl Ctx<'_> {
    /// The client running the command. It exists for as long as its command
    /// runs: only its own connection task removes it outside a command.
    pub fn me(&self) -> &Client {
        &self.state.clients[&self.id]
    }

    pub fn me_mut(&mut self) -> &mut Client {
        self.state.clients.get_mut(&self.id).expect("the running client is in the state")
    }

    /// A message whose source is this server.
    pub fn server_message<S: Into<String>>(&self, command: &str, params: impl IntoIterator<Item = S>) -> Message {
        Message::new(command, params).with_source(self.info.name.clone())
    }

    /// Sends `:server NNN <nick> args... :<standard text>` to the client;
    /// the standard text is left out when the numeric has none.
    pub fn numeric(&mut self, n: Numeric, args: &[&str]) {
        let text = Some(n.text()).filter(|t| !t.is_empty());
        let msg = crate::reply::numeric(&self.info.name, &self.me().nick, n, args, text);
        self.state.send(self.id, &msg);
    }

    /// Like [`Ctx::numeric`] with a given last parameter, sent even when
    /// empty (an ISON with nobody online, a LIST entry without a topic).
    pub fn numeric_text(&mut self, n: Numeric, args: &[&str], text: &str) {
        let msg = crate::reply::numeric(&self.info.name, &self.me().nick, n, args, Some(text));
        self.state.send(self.id, &msg);
    }

    /// The language of the server's words to this client.
    pub fn lang(&self) -> crate::i18n::Lang {
        self.me().lang
    }

    /// Message `id` of the catalogues, in this client's language.
    pub fn tr(&self, id: &str, args: &[(&str, crate::i18n::Arg<'_>)]) -> String {
        crate::i18n::tr(self.lang(), id, args)
    }

    /// Sends a message to the client itself.
    pub fn send(&mut self, msg: &Message) {
        self.state.send(self.id, msg);
    }

    /// Checks a list of targets against TARGMAX.
    pub fn check_targets(&self, n: usize) -> HandlerResult {
        if n > self.info.config.limits.targets_per_message {
            return Err(HandlerError::numeric(Numeric::ErrTooManyTargets, ["*"]));
        }
        Ok(())
    }
}

/// Per-command rules, enforced by the dispatcher.
struct Rule {
    verb: &'static str,
    /// Allowed before registration completes.
    before_registration: bool,
    /// Needs IRC operator status.
    oper: bool,
}

const fn rule(verb: &'static str, before_registration: bool, oper: bool) -> Rule {
    Rule { verb, before_registration, oper }
}

/// Commands allowed before registration, and those needing operator status.
/// Every other command needs registration and nothing more.
const RULES: &[Rule] = &[
    rule("CAP", true, false),
    rule("PASS", true, false),
    rule("NICK", true, false),
    rule("USER", true, false),
    rule("PING", true, false),
    rule("PONG", true, false),
    rule("QUIT", true, false),
    // Before registration only with draft/pre-away; the handler checks.
    rule("AWAY", true, false),
    rule("LANGUAGE", true, false),
    rule("KILL", false, true),
    rule("WALLOPS", false, true),
];

/// Runs one parsed message from client `ctx.id`.
pub fn dispatch(ctx: &mut Ctx<'_>, msg: &Message) {
    let label = crate::labeled::label_of(ctx.me(), msg);
    // draft/multiline: a batch's lines are collected, not run.
    if ctx.me().registered {
        match multiline::intercept(ctx, msg, label.clone()) {
            multiline::Step::Run => {}
            multiline::Step::Taken => return,
            multiline::Step::Answer(label, f) => return labeled(ctx, label, f),
        }
    }
    labeled(ctx, label, |ctx| run_checked(ctx, msg));
}

/// Runs `f`, answering `label` (labeled-response) with what it sends the
/// client: the lines are held back, then sent marked with the label.
fn labeled(ctx: &mut Ctx<'_>, label: Option<String>, f: impl FnOnce(&mut Ctx<'_>)) {
    if label.is_some() {
        ctx.state.begin_capture(ctx.id);
    }
    f(ctx);
    if let Some(label) = label {
        let captured = ctx.state.end_capture();
        if ctx.state.overflowed(ctx.id) {
            return;
        }
        crate::labeled::respond(ctx.state, ctx.id, &ctx.info.name, &label, captured);
    }
}

/// Runs a message after the registration check.
fn run_checked(ctx: &mut Ctx<'_>, msg: &Message) {
    // Before registration only registration commands are even parsed: any
    // other line, well-formed or not (irssi sends `JOIN :`), gets 451.
    let verb = msg.verb();
    let result = if !ctx.me().registered && !RULES.iter().any(|r| r.verb == verb && r.before_registration) {
        Err(HandlerError::numeric(Numeric::ErrNotRegistered, Vec::<String>::new()))
    } else {
        Command::from_message(msg).map_err(HandlerError::from_command_error).and_then(|cmd| run(ctx, cmd, msg))
    };
    if let Err(e) = result {
        e.send_to(ctx);
    }
    if matches!(verb.as_str(), "TOPIC" | "MODE") && ctx.state.clients.contains_key(&ctx.id) {
        crate::services::chanserv::after_change(ctx, msg.param(0));
    }
}

/// Runs a parsed command; `msg` is the message it came in, for its tags.
fn run(ctx: &mut Ctx<'_>, cmd: Command, msg: &Message) -> HandlerResult {
    let verb = cmd.verb();
    let rule = RULES.iter().find(|r| r.verb == verb);
    if rule.is_some_and(|r| r.oper) && !ctx.me().modes.oper {
        return Err(HandlerError::numeric(Numeric::ErrNoPrivileges, Vec::<String>::new()));
    }
    match cmd {
        Command::Cap { sub, args } => registration::cap(ctx, &sub, &args),
        Command::Pass(p) => registration::pass(ctx, p),
        Command::Nick(n) => registration::nick(ctx, &n),
        Command::User { user, realname } => registration::user(ctx, &user, &realname),
        Command::Ping(token) => registration::ping(ctx, &token),
        Command::Pong(_) => Ok(()),
        Command::Quit(reason) => registration::quit(ctx, reason),
        Command::JoinZero => channel::join_zero(ctx),
        Command::Join(targets) => channel::join(ctx, targets),
        Command::Part { channels, reason } => channel::part(ctx, &channels, reason.as_deref()),
        Command::Topic { channel, topic } => channel::topic(ctx, &channel, topic),
        Command::Names(channels) => channel::names(ctx, &channels),
        Command::List { channels, filters } => channel::list(ctx, &channels, &filters),
        Command::Kick { channels, users, reason } => channel::kick(ctx, &channels, &users, reason),
        Command::Invite { target } => channel::invite(ctx, target),
        Command::Mode { target, modes, args } => mode::mode(ctx, &target, modes.as_deref(), &args),
        Command::Privmsg { targets, text } => message::privmsg(ctx, "PRIVMSG", &targets, Some(&text), &msg.tags),
        Command::Notice { targets, text } => message::privmsg(ctx, "NOTICE", &targets, Some(&text), &msg.tags),
        Command::Tagmsg { targets } => message::tagmsg(ctx, &targets, &msg.tags),
        Command::Away(text) => message::away(ctx, text),
        Command::Setname(realname) => setname::setname(ctx, &realname),
        Command::Monitor { sub, targets } => monitor::monitor(ctx, &sub, &targets),
        Command::Redact { target, msgid, reason } => redact::redact(ctx, &target, &msgid, reason.as_deref()),
        Command::Who { mask, fields } => query::who(ctx, &mask, fields.as_deref()),
        Command::Whois { nick } => query::whois(ctx, &nick),
        Command::Whowas { nick, count } => query::whowas(ctx, &nick, count),
        Command::Ison(nicks) => query::ison(ctx, &nicks),
        Command::Userhost(nicks) => query::userhost(ctx, &nicks),
        Command::Lusers => info::lusers(ctx),
        Command::Motd => info::motd(ctx),
        Command::Version => info::version(ctx),
        Command::Time => info::time(ctx),
        Command::Info => info::info(ctx),
        Command::Admin => info::admin(ctx),
        Command::Help(topic) => info::help(ctx, topic.as_deref()),
        Command::Oper { name, .. } => oper::oper(ctx, &name),
        Command::Kill { nick, reason } => oper::kill(ctx, &nick, &reason),
        Command::Wallops(text) => oper::wallops(ctx, &text),
        Command::Markread { target, timestamp } => read_marker::markread(ctx, target.as_deref(), timestamp.as_deref()),
        Command::Rename { channel, new_name, reason } => rename::rename(ctx, &channel, &new_name, reason.as_deref()),
        Command::Language(codes) => language::language(ctx, &codes),
    }
}
