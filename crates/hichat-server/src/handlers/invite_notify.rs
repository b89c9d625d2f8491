//! IRCv3 invite-notify: channel members who could invite too are told
//! when someone is invited.

use super::Ctx;
use crate::caps::Cap;
use crate::state::client::ClientId;
use hichat_proto::Message;

/// Sends `invite` (`:inviter INVITE nick #chan`) to the members of channel
/// `key` with invite-notify, other than the inviter and the invited: every
/// such member, or on an invite-only channel its operators.
pub fn notify(ctx: &mut Ctx<'_>, key: &str, invited: ClientId, invite: Message) {
    let Some(chan) = ctx.state.channels.get(key) else { return };
    let ops_only = chan.modes.invite_only;
    let inviter = ctx.id;
    let mut relay = ctx.state.relay_from(inviter, invite);
    ctx.state.relay_to_channel(key, &mut relay, |id, m| {
        id != inviter && id != invited && m.caps.has(Cap::InviteNotify) && (!ops_only || m.prefixes.op)
    });
}
