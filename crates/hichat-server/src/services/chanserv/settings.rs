//! `ChanServ SET #chan <setting> [value]`, founders only:
//!
//! - `FOUNDER <account>` hands the channel over.
//! - `DESCRIPTION [text]` is shown by `INFO`; no text clears it.
//! - `KEEPTOPIC ON|OFF`: whether the topic is put back when the channel is
//!   created again after emptying or a restart (on by default, as in Anope).
//! - `MLOCK [+modes-modes]` locks flag modes of `imnst` on or off: they are
//!   set at once, put back on re-creation, and a MODE that changes them is
//!   reversed by ChanServ right away; no value clears the lock.
//! - `HISTORY <count> <age>` keeps at most `count` lines of history for
//!   `age` (`90d`, `12h`, `30m`, `45s`; a bare number is days; 0 for no
//!   limit on either); `HISTORY DEFAULT` goes back to the server's.
//!
//! Every setting is stored before it is confirmed.

use super::{commit, lacks, level_of, require, say, source};
use crate::accounts;
use crate::handlers::Ctx;
use crate::i18n::Text;
use crate::server::Server;
use crate::state::channel::Channel;
use crate::state::client::ClientId;
use crate::store::{AccessLevel, Change, ChannelSettings, Retention};
use hichat_proto::{casemap, Message};
use std::sync::Arc;

/// The flag modes a lock may hold.
const LOCKABLE: &str = "imnst";

const USAGE: &str = "cs-usage-set";

pub async fn set(server: &Arc<Server>, id: ClientId, args: &[&str]) {
    let (Some(name), Some(what)) = (args.first(), args.get(1)) else { return say(server, id, USAGE, &[]) };
    let name = *name;
    let rest = &args[2..];
    match what.to_ascii_uppercase().as_str() {
        "FOUNDER" => founder(server, id, name, rest).await,
        "DESCRIPTION" | "DESC" => {
            let text = rest.join(" ");
            let description = (!text.is_empty()).then_some(text);
            let done = match &description {
                Some(d) => Text::with("cs-set-description", [("channel", name), ("text", d.as_str())]),
                None => Text::with("cs-set-description-cleared", [("channel", name)]),
            };
            change(server, id, name, done, move |s| {
                s.description = description;
                Ok(())
            })
            .await
        }
        "KEEPTOPIC" => {
            let on = match rest.first().map(|v| v.to_ascii_uppercase()).as_deref() {
                Some("ON") => true,
                Some("OFF") => false,
                _ => return say(server, id, "cs-usage-keeptopic", &[]),
            };
            let done = Text::with("cs-set-keeptopic", [("channel", name), ("state", if on { "on" } else { "off" })]);
            change(server, id, name, done, move |s| {
                s.keep_topic = on;
                Ok(())
            })
            .await
        }
        "MLOCK" => {
            let (on, off) = match parse_mlock(rest.first().copied().unwrap_or("")) {
                Ok(lock) => lock,
                Err(text) => return super::say_text_of(server, id, &text),
            };
            let shown =
                mlock_string(&ChannelSettings { mlock_on: on.clone(), mlock_off: off.clone(), ..Default::default() });
            let done = match shown {
                Some(m) => Text::with("cs-set-mlock", [("channel", name), ("modes", m.as_str())]),
                None => Text::with("cs-set-mlock-cleared", [("channel", name)]),
            };
            change(server, id, name, done, move |s| {
                s.mlock_on = on;
                s.mlock_off = off;
                Ok(())
            })
            .await;
            apply_mlock_now(server, id, name);
        }
        "HISTORY" => {
            let history = match rest {
                [d] if d.eq_ignore_ascii_case("DEFAULT") => None,
                [count, age] => match (count.parse::<u64>(), parse_age(age)) {
                    (Ok(max_messages), Some(max_age_secs)) => Some(Retention { max_messages, max_age_secs }),
                    _ => return say(server, id, HISTORY_USAGE, &[]),
                },
                _ => return say(server, id, HISTORY_USAGE, &[]),
            };
            let done = match history {
                Some(r) => Text::with(
                    "cs-set-history",
                    [
                        ("channel", name.to_owned()),
                        ("count", if r.max_messages == 0 { "none".to_owned() } else { r.max_messages.to_string() }),
                        ("age", if r.max_age_secs == 0 { "none".to_owned() } else { r.max_age_secs.to_string() }),
                    ],
                ),
                None => Text::with("cs-set-history-default", [("channel", name)]),
            };
            change(server, id, name, done, move |s| {
                s.history = history;
                Ok(())
            })
            .await
        }
        _ => say(server, id, USAGE, &[]),
    }
}

const HISTORY_USAGE: &str = "cs-usage-history";

/// `90d`, `12h`, `30m`, `45s` or `2w` in seconds; a bare number is days.
fn parse_age(s: &str) -> Option<u64> {
    let (digits, unit) = match s.find(|c: char| !c.is_ascii_digit()) {
        Some(i) => s.split_at(i),
        None => (s, "d"),
    };
    let n: u64 = digits.parse().ok()?;
    let scale = match unit.to_ascii_lowercase().as_str() {
        "s" => 1,
        "m" => 60,
        "h" => 3600,
        "d" => 86_400,
        "w" => 7 * 86_400,
        _ => return None,
    };
    n.checked_mul(scale)
}

/// Changes a registered channel's settings (founder only), stored before
/// `done` is said.
async fn change(
    server: &Arc<Server>,
    id: ClientId,
    name: &str,
    done: Text,
    edit: impl FnOnce(&mut ChannelSettings) -> Result<(), String>,
) {
    commit(server, id, |ctx| {
        let record = require(ctx, name, AccessLevel::Founder)?;
        edit(&mut record.settings)?;
        let change = Change::UpdateChannel(record.clone());
        Ok((change, done.render(ctx.lang())))
    })
    .await;
}

async fn founder(server: &Arc<Server>, id: ClientId, name: &str, rest: &[&str]) {
    let Some(value) = rest.first().copied() else { return say(server, id, "cs-usage-founder", &[]) };
    commit(server, id, |ctx| {
        let new = accounts::fold(value);
        if !ctx.state.records.accounts.contains_key(&new) {
            return Err(ctx.tr("cs-not-an-account", &[("account", value.into())]));
        }
        let record = require(ctx, name, AccessLevel::Founder)?;
        let old = std::mem::replace(&mut record.founder, new.clone());
        record.access.retain(|(a, _)| *a != old && *a != new);
        record.access.push((new, AccessLevel::Founder));
        let change = Change::UpdateChannel(record.clone());
        Ok((change, ctx.tr("cs-set-founder", &[("account", value.into()), ("channel", name.into())])))
    })
    .await;
}

/// `+nt-s` into the modes locked on and off; empty clears the lock.
fn parse_mlock(spec: &str) -> Result<(String, String), Text> {
    let (mut on, mut off) = (String::new(), String::new());
    let mut adding = true;
    for c in spec.chars() {
        match c {
            '+' => adding = true,
            '-' => adding = false,
            c if LOCKABLE.contains(c) => {
                on.retain(|m| m != c);
                off.retain(|m| m != c);
                if adding { &mut on } else { &mut off }.push(c);
            }
            c => {
                return Err(Text::with("cs-mlock-bad-mode", [("mode", c.to_string()), ("modes", LOCKABLE.to_owned())]))
            }
        }
    }
    Ok((on, off))
}

/// The lock as `+nt-s`, or `None` when nothing is locked.
pub fn mlock_string(s: &ChannelSettings) -> Option<String> {
    let mut out = String::new();
    if !s.mlock_on.is_empty() {
        out.push('+');
        out.push_str(&s.mlock_on);
    }
    if !s.mlock_off.is_empty() {
        out.push('-');
        out.push_str(&s.mlock_off);
    }
    (!out.is_empty()).then_some(out)
}

fn flag(chan: &mut Channel, mode: char) -> Option<&mut bool> {
    let m = &mut chan.modes;
    Some(match mode {
        'i' => &mut m.invite_only,
        'm' => &mut m.moderated,
        'n' => &mut m.no_external,
        's' => &mut m.secret,
        't' => &mut m.topic_locked,
        _ => return None,
    })
}

/// Makes a channel's flag modes agree with its lock; returns the modes
/// changed, as a mode string (`+n-s`), if any.
pub fn enforce_mlock(chan: &mut Channel, s: &ChannelSettings) -> Option<String> {
    let (mut set, mut unset) = (String::new(), String::new());
    for (wanted, modes, out) in [(true, &s.mlock_on, &mut set), (false, &s.mlock_off, &mut unset)] {
        for c in modes.chars() {
            if let Some(f) = flag(chan, c).filter(|f| **f != wanted) {
                *f = wanted;
                out.push(c);
            }
        }
    }
    mlock_string(&ChannelSettings { mlock_on: set, mlock_off: unset, ..Default::default() })
}

/// After a change on registered channel `key`: puts locked modes back,
/// telling the channel with a MODE from ChanServ.
pub fn correct_mlock(ctx: &mut Ctx<'_>, key: &str) {
    let Some(settings) = ctx.state.records.channels.get(key).map(|r| r.settings.clone()) else { return };
    let Some(chan) = ctx.state.channels.get_mut(key) else { return };
    let Some(modes) = enforce_mlock(chan, &settings) else { return };
    let display = chan.name.clone();
    let msg = Message::new("MODE", [display.as_str(), modes.as_str()]).with_source(source(ctx));
    ctx.state.channel_event(key, msg);
}

/// After a new lock: applies it to the channel if it exists, and stores
/// the modes it changed (written behind: the lock itself is stored).
fn apply_mlock_now(server: &Arc<Server>, id: ClientId, name: &str) {
    let key = casemap::fold(name);
    accounts::with_ctx(server, id, |ctx| {
        let Some(record) = ctx.state.records.channels.get(&key) else { return };
        if lacks(level_of(ctx, record, ctx.id), AccessLevel::Founder) {
            return;
        }
        correct_mlock(ctx, &key);
        super::after_change(ctx, name);
    });
    super::flush(server);
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn mlock_specs() {
        assert_eq!(parse_mlock("+nt-s"), Ok(("nt".into(), "s".into())));
        assert_eq!(parse_mlock("+n-n"), Ok(("".into(), "n".into())));
        assert_eq!(parse_mlock(""), Ok(("".into(), "".into())));
        assert!(parse_mlock("+k").is_err());
        let s = ChannelSettings { mlock_on: "nt".into(), mlock_off: "s".into(), ..Default::default() };
        assert_eq!(mlock_string(&s).as_deref(), Some("+nt-s"));
        let mut chan = Channel::new("#a".into(), 0);
        chan.modes.secret = true;
        chan.modes.no_external = false;
        chan.modes.topic_locked = false;
        assert_eq!(enforce_mlock(&mut chan, &s).as_deref(), Some("+nt-s"));
        assert!(chan.modes.no_external && chan.modes.topic_locked && !chan.modes.secret);
        assert_eq!(enforce_mlock(&mut chan, &s), None);
    }
}
