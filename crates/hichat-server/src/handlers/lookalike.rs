//! NICK's look-alike check: a nickname whose skeleton (what it looks like,
//! Unicode TR39) is a service's name, a nick in use or a registered nick
//! is refused, so `ΝickServ` (Greek `Ν`) or a Cyrillic `аlice` cannot pose
//! as them.

use super::Ctx;
use crate::reply::{HandlerError, HandlerResult};
use hichat_proto::{casemap, confusables, Numeric};

/// Refuses `wanted` for client `ctx.id` when it looks like a name it is
/// not: 432 for a service, 433 for a nick in use by someone else or a
/// registered nick whose account the client is not logged in to.
///
/// Only non-ASCII nicks are looked at: the skeleton of an ASCII nick is the
/// nick itself, already checked by its casefolded form.
pub fn check(ctx: &Ctx<'_>, wanted: &str) -> HandlerResult {
    if wanted.is_ascii() {
        return Ok(());
    }
    let skeleton = confusables::skeleton(wanted);
    if skeleton == casemap::fold(wanted) {
        return Ok(());
    }
    if crate::services::is_service_name(&skeleton) {
        return Err(HandlerError::numeric(Numeric::ErrErroneusNickname, [wanted]));
    }
    let folded = casemap::fold(&skeleton);
    if ctx.state.nicks.get(&folded).is_some_and(|&owner| owner != ctx.id) {
        return Err(HandlerError::numeric(Numeric::ErrNicknameInUse, [wanted]));
    }
    let own_account = ctx.me().account.as_deref().is_some_and(|a| crate::accounts::fold(a) == folded);
    if !own_account && ctx.state.records.accounts.contains_key(&folded) {
        return Err(HandlerError::numeric(Numeric::ErrNicknameInUse, [wanted]));
    }
    Ok(())
}
