//! MONITOR: being told when nicknames come online and go offline
//! (730-734), and extended-monitor's extra notices.

use super::Ctx;
use crate::reply::HandlerResult;
use crate::state::monitor::comma_chunks;
use hichat_proto::Numeric;

/// The most nicknames one client may monitor (ISUPPORT MONITOR).
pub const MONITOR_LIMIT: usize = 100;

/// MONITOR + / - / C / L / S.
pub fn monitor(ctx: &mut Ctx<'_>, sub: &str, targets: &[String]) -> HandlerResult {
    let id = ctx.id;
    match sub {
        "+" => {
            let mut added = Vec::new();
            for (i, nick) in targets.iter().enumerate() {
                if ctx.state.monitors.list(id).len() >= MONITOR_LIMIT {
                    let rest = targets[i..].join(",");
                    ctx.numeric(Numeric::ErrMonListFull, &[&MONITOR_LIMIT.to_string(), &rest]);
                    break;
                }
                ctx.state.monitors.add(id, nick);
                added.push(nick.clone());
            }
            status(ctx, &added);
        }
        "-" => {
            for nick in targets {
                ctx.state.monitors.remove(id, nick);
            }
        }
        "C" => ctx.state.monitors.clear(id),
        "L" => {
            let list = ctx.state.monitors.list(id).to_vec();
            for chunk in comma_chunks(&list) {
                ctx.numeric_text(Numeric::RplMonList, &[], &chunk);
            }
            ctx.numeric(Numeric::RplEndOfMonList, &[]);
        }
        "S" => {
            let list = ctx.state.monitors.list(id).to_vec();
            status(ctx, &list);
        }
        _ => {}
    }
    Ok(())
}

/// 730 for those of `nicks` online (as `nick!user@host`), 731 for the rest.
fn status(ctx: &mut Ctx<'_>, nicks: &[String]) {
    let (mut online, mut offline) = (Vec::new(), Vec::new());
    for nick in nicks {
        match ctx.state.find_nick(nick) {
            Some(c) => online.push(c.prefix.clone()),
            None => offline.push(nick.clone()),
        }
    }
    for chunk in comma_chunks(&online) {
        ctx.numeric_text(Numeric::RplMonOnline, &[], &chunk);
    }
    for chunk in comma_chunks(&offline) {
        ctx.numeric_text(Numeric::RplMonOffline, &[], &chunk);
    }
}
