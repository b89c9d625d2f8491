//! The `BATCH` command for draft/multiline: opening a batch, collecting its
//! lines instead of running them, and sending the message when it closes.
//!
//! The label of the `BATCH +` line is answered when the batch ends: with
//! echo-message the echo (a batch, labeled on its start), otherwise an ACK,
//! or the `FAIL` that refused the batch. A message sent is stored in
//! history as one message (see `history::multiline`).

use super::message::{channel_route, user_route, user_tags};
use super::Ctx;
use crate::caps::Cap;
use crate::multiline::{Invalid, MultilineRelay, OpenBatch, BATCH_TYPE};
use crate::reply::HandlerError;
use crate::state::recent::{Recent, Sent};
use crate::{client_tags, clock, history, msgid};
use hichat_proto::{ChannelName, Message, Numeric};

/// What the dispatcher does with a line.
pub enum Step {
    /// Not batch business: run it as usual.
    Run,
    /// Taken (collected, or the batch was opened); nothing to answer now.
    Taken,
    /// Answer with this label (if any) by running `f`.
    Answer(Option<String>, Box<dyn FnOnce(&mut Ctx<'_>)>),
}

fn fail(e: Invalid) -> HandlerError {
    HandlerError::Fail { command: "BATCH".into(), code: e.code, context: e.context, text: e.text.into() }
}

/// Looks at a line from a registered client: `BATCH` commands, and the
/// lines of an open batch.
pub fn intercept(ctx: &mut Ctx<'_>, msg: &Message, label: Option<String>) -> Step {
    let verb = msg.verb();
    if verb == "BATCH" {
        return batch_command(ctx, msg, label);
    }
    let Some(open) = ctx.me().multiline.as_ref() else { return Step::Run };
    match msg.tag("batch") {
        Some(Some(r)) if r == open.reference => {
            if open.failed {
                return Step::Taken;
            }
            let open = ctx.me_mut().multiline.as_mut().expect("checked above");
            match open.add(msg) {
                Ok(()) => Step::Taken,
                Err(e) => {
                    open.failed = true;
                    open.lines = Vec::new();
                    let label = open.label.take();
                    Step::Answer(label, Box::new(move |ctx| fail(e).send_to(ctx)))
                }
            }
        }
        // A line for some other batch.
        Some(_) => {
            let open = ctx.me_mut().multiline.as_mut().expect("checked above");
            let answered = open.failed;
            open.failed = true;
            open.lines = Vec::new();
            let label = open.label.take();
            if answered {
                return Step::Taken;
            }
            Step::Answer(label, Box::new(|ctx| fail(Invalid::other("fail-batch-unexpected-tag")).send_to(ctx)))
        }
        // Keep-alives may come in the middle of a batch.
        None if verb == "PING" || verb == "PONG" => Step::Run,
        // Anything else ends the batch as invalid; the line itself runs.
        None => {
            let open = ctx.me_mut().multiline.take().expect("checked above");
            if !open.failed {
                fail(Invalid::other("fail-batch-interrupted")).send_to(ctx);
            }
            Step::Run
        }
    }
}

fn batch_command(ctx: &mut Ctx<'_>, msg: &Message, label: Option<String>) -> Step {
    let Some(reference) = msg.params.first().cloned() else {
        return Step::Answer(
            label,
            Box::new(|ctx| HandlerError::numeric(Numeric::ErrNeedMoreParams, ["BATCH"]).send_to(ctx)),
        );
    };
    if let Some(reference) = reference.strip_prefix('+') {
        let refuse = |label, e: Invalid| Step::Answer(label, Box::new(move |ctx: &mut Ctx<'_>| fail(e).send_to(ctx)));
        if msg.param(1) != BATCH_TYPE {
            let e = Invalid {
                code: "UNKNOWN_TYPE",
                context: vec![msg.param(1).to_owned()],
                text: "fail-batch-unknown-type",
            };
            return refuse(label, e);
        }
        let caps = ctx.me().caps;
        if !caps.has(Cap::Multiline) || !caps.has(Cap::Batch) {
            return refuse(label, Invalid::other("fail-batch-needs-caps"));
        }
        if ctx.me().multiline.is_some() {
            ctx.me_mut().multiline = None;
            return refuse(label, Invalid::other("fail-batch-already-open"));
        }
        if reference.is_empty() || msg.params.len() < 3 {
            return refuse(label, Invalid::other("fail-batch-usage"));
        }
        let tags = client_tags::relayed(&msg.tags);
        let open = OpenBatch::new(reference, msg.param(2), label, tags);
        ctx.me_mut().multiline = Some(Box::new(open));
        return Step::Taken;
    }
    let closes =
        reference.strip_prefix('-').is_some_and(|r| ctx.me().multiline.as_ref().is_some_and(|b| b.reference == r));
    if !closes {
        return Step::Answer(label, Box::new(|ctx| fail(Invalid::other("fail-batch-not-open")).send_to(ctx)));
    }
    let open = ctx.me_mut().multiline.take().expect("checked above");
    if open.failed {
        // The FAIL has answered the label already.
        return Step::Taken;
    }
    let label = open.label.clone().or(label);
    Step::Answer(
        label,
        Box::new(move |ctx| {
            if let Err(e) = open.finish().map_err(fail).and_then(|()| send(ctx, &open)) {
                e.send_to(ctx);
            }
        }),
    )
}

/// Sends a finished batch to its target, with the checks a PRIVMSG gets.
fn send(ctx: &mut Ctx<'_>, open: &OpenBatch) -> Result<(), HandlerError> {
    let verb = open.verb.unwrap_or("PRIVMSG");
    let notice = verb == "NOTICE";
    let now = clock::stamp_millis();
    let msgid = msgid::new_msgid(now);
    let id = ctx.id;
    ctx.me_mut().last_message = std::time::Instant::now();
    ctx.state.counters.messages_in += 1;
    let relay = |ctx: &Ctx<'_>, target: &str| {
        let me = ctx.me();
        MultilineRelay::new(&me.prefix, verb, target, &open.lines, |relay, first| {
            let mut relay = user_tags(relay, me, now, first.then_some(msgid.as_str()));
            for t in &open.tags {
                relay = relay.tag(Cap::MessageTags, t.key.clone(), t.value.clone());
            }
            relay
        })
    };
    let echo = ctx.me().caps.has(Cap::EchoMessage);
    if ChannelName::is_channel_like(open.target.trim_start_matches(['@', '+'])) {
        let route = channel_route(ctx, &open.target).map_err(|e| if notice { HandlerError::Silent } else { e })?;
        let mut relay = relay(ctx, &route.shown);
        let to = history::To::Channel { key: &route.key, shown: &route.shown };
        history::multiline::record(ctx.state, id, to, verb, &msgid, &open.lines, &open.tags);
        ctx.state.recent.remember(msgid, Recent { sender: id, to: Sent::Channel(route.key.clone()) });
        ctx.state.relay_to_channel(&route.key, &mut relay, |m, member| route.reaches(id, echo, m, member));
    } else {
        let (target_id, nick, away) =
            user_route(ctx, &open.target).map_err(|e| if notice { HandlerError::Silent } else { e })?;
        let mut relay = relay(ctx, &nick);
        let to = history::To::User(target_id);
        history::multiline::record(ctx.state, id, to, verb, &msgid, &open.lines, &open.tags);
        ctx.state.recent.remember(msgid, Recent { sender: id, to: Sent::User(target_id) });
        if target_id == id {
            ctx.state.uncaptured(|state| state.relay_to(target_id, &mut relay));
        } else {
            ctx.state.relay_to(target_id, &mut relay);
        }
        if echo {
            ctx.state.relay_to(id, &mut relay);
        }
        if let (Some(away), false) = (away, notice) {
            ctx.numeric_text(Numeric::RplAway, &[&nick], &away);
        }
    }
    Ok(())
}
