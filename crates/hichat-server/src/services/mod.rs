//! The built-in services: `NickServ` (accounts for clients without SASL,
//! nickname ownership), `ChanServ` (registered channels) and `HistServ`
//! (history search for any client).
//!
//! They are pseudo-clients: `PRIVMSG NickServ :...` (or `NS ...`) is taken
//! by the connection task before the dispatcher sees it, so it never
//! reaches a user — even one that somehow holds the nick — and is never
//! logged. Replies are NOTICEs from `NickServ!NickServ@<server>`.

pub mod chanserv;
pub mod histserv;
pub mod nickserv;

use crate::accounts::{with_ctx, Session};
use crate::handlers::Ctx;
use crate::i18n::Arg;
use crate::server::Server;
use crate::state::client::ClientId;
use hichat_proto::{casemap, Message, Numeric};
use std::sync::Arc;

/// A service pseudo-client.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Service {
    NickServ,
    ChanServ,
    HistServ,
}

impl Service {
    pub fn name(self) -> &'static str {
        match self {
            Service::NickServ => "NickServ",
            Service::ChanServ => "ChanServ",
            Service::HistServ => "HistServ",
        }
    }

    fn from_target(target: &str) -> Option<Service> {
        // `NickServ@server` is a common way to address services too.
        let nick = target.split('@').next().unwrap_or(target);
        match casemap::fold(nick).as_str() {
            "nickserv" => Some(Service::NickServ),
            "chanserv" => Some(Service::ChanServ),
            "histserv" => Some(Service::HistServ),
            _ => None,
        }
    }

    fn from_alias(verb: &str) -> Option<Service> {
        match verb {
            "NICKSERV" | "NS" => Some(Service::NickServ),
            "CHANSERV" | "CS" => Some(Service::ChanServ),
            "HISTSERV" | "HS" => Some(Service::HistServ),
            _ => None,
        }
    }
}

/// Whether `nick` is a service's name, which no user may take.
pub fn is_service_name(nick: &str) -> bool {
    Service::from_target(nick).is_some()
}

/// Which service a message is for, and the text it carries.
fn addressed(msg: &Message) -> Option<(Service, String, bool)> {
    let verb = msg.command.to_ascii_uppercase();
    if let Some(s) = Service::from_alias(&verb) {
        return Some((s, msg.params.join(" "), false));
    }
    if verb == "PRIVMSG" || verb == "NOTICE" {
        // Any service among several targets: the whole line goes to the
        // service alone, so a password never leaks to the other targets.
        let service = msg.param(0).split(',').find_map(Service::from_target)?;
        return Some((service, msg.param(1).to_owned(), verb == "NOTICE"));
    }
    None
}

/// Whether this message is for a service.
pub fn is_service_command(msg: &Message) -> bool {
    addressed(msg).is_some()
}

/// Sends a NOTICE from a service to the client.
pub fn reply(ctx: &mut Ctx<'_>, service: Service, text: &str) {
    let nick = ctx.me().nick.clone();
    let source = format!("{0}!{0}@{1}", service.name(), ctx.info.name);
    let msg = Message::new("NOTICE", [nick.as_str(), text]).with_source(source);
    ctx.send(&msg);
}

/// Sends a NOTICE from a service with catalogue message `id` in the
/// client's language; a message of several lines goes a NOTICE a line.
pub fn tell(ctx: &mut Ctx<'_>, service: Service, id: &str, args: &[(&str, Arg<'_>)]) {
    let text = ctx.tr(id, args);
    for line in text.lines() {
        reply(ctx, service, line);
    }
}

/// Runs a message for a service.
pub async fn handle(server: &Arc<Server>, id: ClientId, session: &mut Session, msg: &Message) {
    let Some((service, text, is_notice)) = addressed(msg) else { return };
    let registered = with_ctx(server, id, |ctx| ctx.me().registered).unwrap_or(false);
    if !registered {
        with_ctx(server, id, |ctx| ctx.numeric(Numeric::ErrNotRegistered, &[]));
        return;
    }
    if is_notice {
        return; // Services never answer notices.
    }
    match service {
        Service::NickServ => nickserv::handle(server, id, session, &text).await,
        Service::ChanServ => chanserv::handle(server, id, &text).await,
        Service::HistServ => histserv::handle(server, id, &text).await,
    }
}
