//! IRCv3 setname: `SETNAME :new real name`.

use super::Ctx;
use crate::caps::Cap;
use crate::reply::{HandlerError, HandlerResult};
use hichat_proto::Message;

/// The longest real name (ISUPPORT NAMELEN), in bytes.
pub const NAMELEN: usize = 200;

/// Changes the real name; the client and its peers with the setname
/// capability see `:nick!user@host SETNAME :name`.
pub fn setname(ctx: &mut Ctx<'_>, realname: &str) -> HandlerResult {
    if realname.len() > NAMELEN || realname.chars().any(char::is_control) {
        return Err(HandlerError::Fail {
            command: "SETNAME".into(),
            code: "INVALID_REALNAME",
            context: Vec::new(),
            text: crate::i18n::Text::with("fail-setname-invalid", [("max", NAMELEN.to_string())]),
        });
    }
    ctx.me_mut().realname = realname.to_owned();
    let msg = Message::new("SETNAME", [realname]).with_source(ctx.me().prefix.clone());
    let id = ctx.id;
    let mut relay = ctx.state.relay_from(id, msg);
    let mut to: Vec<_> = ctx.state.peers(id).into_iter().collect();
    to.push(id);
    // extended-monitor: watchers hear it as if they shared a channel.
    to.extend(ctx.state.monitor_extended(id, Cap::Setname));
    for peer in to {
        if ctx.state.client(peer).is_some_and(|c| c.caps.has(Cap::Setname)) {
            ctx.state.relay_to(peer, &mut relay);
        }
    }
    Ok(())
}
