//! Connection registration and keep-alive: CAP, PASS, NICK, USER, PING,
//! QUIT, and the welcome burst.

use super::{info, Ctx};
use crate::caps::{self, Cap};
use crate::reply::{HandlerError, HandlerResult};
use hichat_proto::{casemap, Message, Nickname, Numeric};

/// CAP LS / LIST / REQ / END (IRCv3 capability negotiation, 302).
pub fn cap(ctx: &mut Ctx<'_>, sub: &str, args: &[String]) -> HandlerResult {
    let nick = ctx.me().nick.clone();
    match sub {
        "LS" => {
            if !ctx.me().registered {
                ctx.me_mut().cap_negotiating = true;
            }
            // A 302 client implicitly enables cap-notify.
            let version = args.first().and_then(|v| v.parse::<u32>().ok()).unwrap_or(0);
            let v302 = version >= 302;
            let me = ctx.me_mut();
            me.cap_version = me.cap_version.max(version);
            if v302 {
                let mut caps = ctx.me().caps;
                caps.set(Cap::CapNotify, true);
                ctx.state.set_caps(ctx.id, caps);
            }
            let accounts = &ctx.info.config.accounts;
            let mut line =
                if v302 { caps::ls_line_302_for(ctx.me().tls, accounts) } else { caps::ls_line_for(accounts) };
            // sts has a value, which only 302 clients may be sent; it is
            // never requested, so it is not in Cap.
            if let Some(sts) = ctx.info.sts_value(ctx.me().tls).filter(|_| v302) {
                line.push_str(" sts=");
                line.push_str(&sts);
            }
            // A 302 client may be sent the list over several lines, each but
            // the last marked `*`; older clients get one line.
            let chunks =
                if v302 { caps::split_list(&line, caps::list_chunk(&ctx.info.name, &nick)) } else { vec![line] };
            let last = chunks.len() - 1;
            for (i, chunk) in chunks.into_iter().enumerate() {
                let mut params = vec![nick.clone(), "LS".into()];
                if i < last {
                    params.push("*".into());
                }
                params.push(chunk);
                let msg = ctx.server_message("CAP", params);
                ctx.send(&msg);
            }
        }
        "LIST" => {
            let msg = ctx.server_message("CAP", [nick, "LIST".into(), ctx.me().caps.names()]);
            ctx.send(&msg);
        }
        "REQ" => {
            if !ctx.me().registered {
                ctx.me_mut().cap_negotiating = true;
            }
            let requested = args.first().cloned().unwrap_or_default();
            let mut changes = Vec::new();
            let mut ok = true;
            for item in requested.split(' ').filter(|s| !s.is_empty()) {
                let (on, name) = match item.strip_prefix('-') {
                    Some(name) => (false, name),
                    None => (true, item),
                };
                match Cap::from_name(name) {
                    // A capability left out of LS is not offered: while
                    // registration is closed, draft/account-registration.
                    Some(Cap::AccountRegistration) if on && !ctx.info.config.accounts.registration => ok = false,
                    Some(cap) => changes.push((cap, on)),
                    None => ok = false,
                }
            }
            // All or nothing: one unknown capability refuses the request.
            let verdict = if ok && !changes.is_empty() { "ACK" } else { "NAK" };
            if verdict == "ACK" {
                let mut caps = ctx.me().caps;
                for (cap, on) in changes {
                    caps.set(cap, on);
                }
                ctx.state.set_caps(ctx.id, caps);
            }
            let msg = ctx.server_message("CAP", [nick, verdict.into(), requested]);
            ctx.send(&msg);
        }
        "END" => {
            ctx.me_mut().cap_negotiating = false;
            welcome_if_ready(ctx);
        }
        _ => return Err(HandlerError::numeric(Numeric::ErrInvalidCapCmd, [sub])),
    }
    Ok(())
}

/// PASS: remembered until registration completes, then checked.
pub fn pass(ctx: &mut Ctx<'_>, password: String) -> HandlerResult {
    if ctx.me().registered {
        return Err(HandlerError::numeric(Numeric::ErrAlreadyRegistered, Vec::<String>::new()));
    }
    ctx.me_mut().pass = Some(password);
    Ok(())
}

/// NICK: sets the nickname before registration, changes it after.
pub fn nick(ctx: &mut Ctx<'_>, wanted: &str) -> HandlerResult {
    let max = ctx.info.config.limits.nick_length;
    let Ok(wanted) = Nickname::parse(wanted, max) else {
        return Err(HandlerError::numeric(Numeric::ErrErroneusNickname, [wanted]));
    };
    let wanted = wanted.as_str().to_owned();
    let folded = casemap::fold(&wanted);
    if crate::services::is_service_name(&wanted) {
        return Err(HandlerError::numeric(Numeric::ErrErroneusNickname, [wanted]));
    }
    super::lookalike::check(ctx, &wanted)?;
    let id = ctx.id;
    if ctx.state.nicks.get(&folded).is_some_and(|&owner| owner != id) {
        return Err(HandlerError::numeric(Numeric::ErrNicknameInUse, [wanted]));
    }
    if wanted == ctx.me().nick {
        return Ok(());
    }
    let old_folded = casemap::fold(&ctx.me().nick);
    if ctx.state.nicks.get(&old_folded) == Some(&id) {
        ctx.state.nicks.remove(&old_folded);
    }
    if old_folded != folded {
        // The next holder of the nick must not inherit its read markers.
        ctx.state.nick_markers.forget(&old_folded);
    }
    ctx.state.nicks.insert(folded, id);
    if ctx.me().registered {
        let server = ctx.info.name.clone();
        let client = &ctx.state.clients[&id];
        ctx.state.whowas.remember(client, &server);
        let msg = Message::new("NICK", [wanted.as_str()]).with_source(ctx.me().prefix.clone());
        let mut relay = ctx.state.relay_from(id, msg);
        crate::history::record_event_in_channels(ctx.state, id, &relay);
        ctx.state.relay_to_peers(id, &mut relay, true);
        let me = ctx.me_mut();
        let old_nick = std::mem::replace(&mut me.nick, wanted);
        me.nick_since = crate::clock::unix_millis();
        me.update_prefix();
        let (nick, prefix) = (me.nick.clone(), me.prefix.clone());
        // A change of case only (`qux` to `QUX`) is the same nick to
        // MONITOR: the user never went offline, so watchers hear nothing.
        if !casemap::eq(&old_nick, &nick) {
            ctx.state.monitor_signal(&old_nick, None, &server);
            ctx.state.monitor_signal(&nick, Some(&prefix), &server);
        }
    } else {
        let me = ctx.me_mut();
        me.nick = wanted;
        me.nick_since = crate::clock::unix_millis();
        welcome_if_ready(ctx);
    }
    Ok(())
}

/// USER: the username and real name, once.
pub fn user(ctx: &mut Ctx<'_>, user: &str, realname: &str) -> HandlerResult {
    if ctx.me().registered || !ctx.me().user.is_empty() {
        return Err(HandlerError::numeric(Numeric::ErrAlreadyRegistered, Vec::<String>::new()));
    }
    // Usernames are shown as `~user` style idents elsewhere; keep them short
    // and free of characters that would break `nick!user@host`.
    let clean: String =
        user.chars().filter(|c| !c.is_whitespace() && !c.is_control() && *c != '@' && *c != '!').take(18).collect();
    // The real name gets SETNAME's limits, but is cleaned rather than
    // refused, so a client with a long or coloured one still connects.
    let realname: String = realname.chars().filter(|c| !c.is_control()).collect();
    let realname = super::truncate(&realname, super::setname::NAMELEN);
    if realname.is_empty() {
        return Err(HandlerError::numeric(Numeric::ErrNeedMoreParams, ["USER"]));
    }
    let realname = realname.to_owned();
    let me = ctx.me_mut();
    me.user = if clean.is_empty() { "user".into() } else { clean };
    me.realname = realname;
    welcome_if_ready(ctx);
    Ok(())
}

/// PING: answered with PONG carrying the same token.
pub fn ping(ctx: &mut Ctx<'_>, token: &str) -> HandlerResult {
    let msg = ctx.server_message("PONG", [ctx.info.name.as_str(), token]);
    ctx.send(&msg);
    Ok(())
}

/// QUIT: peers see `QUIT :Quit: reason`; the client gets ERROR and is closed.
pub fn quit(ctx: &mut Ctx<'_>, reason: Option<String>) -> HandlerResult {
    let reason = match reason {
        Some(r) => format!("Quit: {r}"),
        None => "Client Quit".to_owned(),
    };
    let server = ctx.info.name.clone();
    ctx.state.remove_client(ctx.id, &reason, &server);
    Ok(())
}

/// Completes registration when NICK and USER are in and CAP negotiation is
/// over: checks the server password, then sends 001-005, LUSERS and MOTD.
pub fn welcome_if_ready(ctx: &mut Ctx<'_>) {
    let me = ctx.me();
    if me.registered || me.nick == "*" || me.user.is_empty() || me.cap_negotiating {
        return;
    }
    let password = &ctx.info.config.server.password;
    if !password.is_empty() && me.pass.as_deref() != Some(password.as_str()) {
        ctx.numeric(Numeric::ErrPasswdMismatch, &[]);
        let server = ctx.info.name.clone();
        ctx.state.remove_client(ctx.id, "Bad password", &server);
        return;
    }
    if crate::bans::refuse_if_banned(ctx) {
        return;
    }
    let before = ctx.state.counted(ctx.id);
    let me = ctx.me_mut();
    me.registered = true;
    me.pass = None;
    me.update_prefix();
    let nick = me.nick.clone();
    let prefix = me.prefix.clone();
    ctx.state.recount(ctx.id, before);
    let local = ctx.state.user_counts().0;
    ctx.state.counters.max_local = ctx.state.counters.max_local.max(local);
    tracing::debug!(id = ctx.id, nick = %nick, host = %ctx.me().host, "registered");
    ctx.state.monitor_signal(&nick, Some(&prefix), &ctx.info.name);

    let info = ctx.info;
    let network = &info.config.server.network;
    ctx.numeric_text(Numeric::RplWelcome, &[], &format!("Welcome to the {network} IRC Network {prefix}"));
    ctx.numeric_text(
        Numeric::RplYourHost,
        &[],
        &format!("Your host is {}, running version {}", info.name, info.version),
    );
    ctx.numeric_text(Numeric::RplCreated, &[], &format!("This server was created {}", info.created));
    ctx.numeric(Numeric::RplMyInfo, &[&info.name, &info.version, "Biow", "beIiklmnostv", "beIklov"]);
    for line in &info.isupport {
        let args: Vec<&str> = line.iter().map(String::as_str).collect();
        ctx.numeric(Numeric::RplISupport, &args);
    }
    let _ = info::lusers(ctx);
    // An empty MOTD ends the burst with 422, which clients wait for as
    // much as for 376.
    if let Err(e) = info::motd(ctx) {
        e.send_to(ctx);
    }
}
