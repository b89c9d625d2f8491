//! Server information: LUSERS, MOTD, VERSION, TIME, INFO, ADMIN, HELP.

use super::Ctx;
use crate::clock;
use crate::reply::{HandlerError, HandlerResult};
use hichat_proto::Numeric;

pub fn lusers(ctx: &mut Ctx<'_>) -> HandlerResult {
    let (users, invisible, opers) = ctx.state.user_counts();
    let unknown = ctx.state.clients.len() - users;
    let channels = ctx.state.channels.len();
    let max = ctx.state.counters.max_local.max(users);
    ctx.numeric_text(
        Numeric::RplLuserClient,
        &[],
        &format!("There are {} users and {invisible} invisible on 1 servers", users - invisible),
    );
    ctx.numeric(Numeric::RplLuserOp, &[&opers.to_string()]);
    if unknown > 0 {
        ctx.numeric(Numeric::RplLuserUnknown, &[&unknown.to_string()]);
    }
    ctx.numeric(Numeric::RplLuserChannels, &[&channels.to_string()]);
    ctx.numeric_text(Numeric::RplLuserMe, &[], &format!("I have {users} clients and 0 servers"));
    let (u, m) = (users.to_string(), max.to_string());
    ctx.numeric_text(Numeric::RplLocalUsers, &[&u, &m], &format!("Current local users {u}, max {m}"));
    ctx.numeric_text(Numeric::RplGlobalUsers, &[&u, &m], &format!("Current global users {u}, max {m}"));
    Ok(())
}

pub fn motd(ctx: &mut Ctx<'_>) -> HandlerResult {
    let configured = &ctx.info.config.server.motd;
    // The built-in MOTD is in the catalogues; a server's own stays as written.
    let motd = if configured == crate::config::DEFAULT_MOTD { ctx.tr("motd-default", &[]) } else { configured.clone() };
    if motd.trim().is_empty() {
        return Err(HandlerError::numeric(Numeric::ErrNoMotd, Vec::<String>::new()));
    }
    let name = ctx.info.name.clone();
    ctx.numeric_text(Numeric::RplMotdStart, &[], &format!("- {name} Message of the day - "));
    for line in motd.lines() {
        ctx.numeric_text(Numeric::RplMotd, &[], &format!("- {line}"));
    }
    ctx.numeric(Numeric::RplEndOfMotd, &[]);
    Ok(())
}

pub fn version(ctx: &mut Ctx<'_>) -> HandlerResult {
    let info = ctx.info;
    ctx.numeric_text(Numeric::RplVersion, &[&info.version, &info.name], "hichat, an IRC server in Rust");
    for line in &info.isupport {
        let args: Vec<&str> = line.iter().map(String::as_str).collect();
        ctx.numeric(Numeric::RplISupport, &args);
    }
    Ok(())
}

pub fn time(ctx: &mut Ctx<'_>) -> HandlerResult {
    let now = clock::unix_now();
    let name = ctx.info.name.clone();
    ctx.numeric_text(Numeric::RplTime, &[&name, &now.to_string(), "0"], &clock::format_utc(now));
    Ok(())
}

pub fn info(ctx: &mut Ctx<'_>) -> HandlerResult {
    let lines = [
        format!("hichat {}", ctx.info.version),
        "An IRC chat server written in Rust: one binary, zero configuration.".to_owned(),
        format!("Started {}", ctx.info.created),
    ];
    for line in &lines {
        ctx.numeric_text(Numeric::RplInfo, &[], line);
    }
    ctx.numeric(Numeric::RplEndOfInfo, &[]);
    Ok(())
}

pub fn admin(ctx: &mut Ctx<'_>) -> HandlerResult {
    let info = ctx.info;
    ctx.numeric(Numeric::RplAdminMe, &[&info.name]);
    ctx.numeric_text(Numeric::RplAdminLoc1, &[], &info.config.server.admin_location);
    ctx.numeric_text(Numeric::RplAdminLoc2, &[], &info.config.server.description);
    ctx.numeric_text(Numeric::RplAdminEmail, &[], &info.config.server.admin_email);
    Ok(())
}

/// The commands HELP lists.
const COMMANDS: &[&str] = &[
    "ADMIN", "AWAY", "CAP", "INFO", "INVITE", "ISON", "JOIN", "KICK", "KILL", "LANGUAGE", "LIST", "LUSERS", "MODE",
    "MOTD", "NAMES", "NICK", "NOTICE", "OPER", "PART", "PASS", "PING", "PONG", "PRIVMSG", "QUIT", "TIME", "TOPIC",
    "USER", "USERHOST", "VERSION", "WALLOPS", "WHO", "WHOIS", "WHOWAS",
];

pub fn help(ctx: &mut Ctx<'_>, topic: Option<&str>) -> HandlerResult {
    let subject = topic.map(str::to_ascii_uppercase).unwrap_or_else(|| "*".into());
    if subject != "*" && !COMMANDS.contains(&subject.as_str()) {
        return Err(HandlerError::numeric(Numeric::ErrHelpNotFound, [subject]));
    }
    if subject == "*" {
        ctx.numeric_text(Numeric::RplHelpStart, &["*"], "hichat speaks IRC. Commands:");
        for chunk in COMMANDS.chunks(8) {
            ctx.numeric_text(Numeric::RplHelpTxt, &["*"], &chunk.join(" "));
        }
    } else {
        ctx.numeric_text(Numeric::RplHelpStart, &[&subject], &format!("{subject}: see https://modern.ircdocs.horse"));
    }
    ctx.numeric(Numeric::RplEndOfHelp, &[&subject]);
    Ok(())
}
