//! MODE for channels (`o v b e I i k l m n s t`) and users (`i o w`).

use super::Ctx;
use crate::clock::unix_now;
use crate::isupport::MODES_PER_COMMAND;
use crate::reply::{HandlerError, HandlerResult};
use crate::state::channel::{normalize_mask, ListEntry};
use hichat_proto::{casemap, ChannelName, Message, ModeChange, Numeric};

pub fn mode(ctx: &mut Ctx<'_>, target: &str, modes: Option<&str>, args: &[String]) -> HandlerResult {
    if ChannelName::is_channel_like(target) {
        channel_mode(ctx, target, modes, args)
    } else {
        user_mode(ctx, target, modes)
    }
}

/// Which of a channel's lists a mode letter names.
#[derive(Clone, Copy)]
enum List {
    Ban,
    Except,
    Invex,
}

impl List {
    fn of(mode: char) -> Option<List> {
        match mode {
            'b' => Some(List::Ban),
            'e' => Some(List::Except),
            'I' => Some(List::Invex),
            _ => None,
        }
    }

    fn numerics(self) -> (Numeric, Numeric) {
        match self {
            List::Ban => (Numeric::RplBanList, Numeric::RplEndOfBanList),
            List::Except => (Numeric::RplExceptList, Numeric::RplEndOfExceptList),
            List::Invex => (Numeric::RplInvexList, Numeric::RplEndOfInvexList),
        }
    }
}

/// Splits a mode string into changes, giving each mode that takes one its
/// argument. List modes without an argument are list queries (`arg: None`).
fn parse_changes(modes: &str, args: &[String]) -> Vec<ModeChange> {
    let mut args = args.iter();
    let mut add = true;
    let mut out = Vec::new();
    for c in modes.chars() {
        match c {
            '+' => add = true,
            '-' => add = false,
            'o' | 'v' | 'b' | 'e' | 'I' => out.push(ModeChange { add, mode: c, arg: args.next().cloned() }),
            'k' => out.push(ModeChange { add, mode: c, arg: args.next().cloned() }),
            'l' if add => out.push(ModeChange { add, mode: c, arg: args.next().cloned() }),
            _ => out.push(ModeChange { add, mode: c, arg: None }),
        }
    }
    out
}

fn channel_mode(ctx: &mut Ctx<'_>, name: &str, modes: Option<&str>, args: &[String]) -> HandlerResult {
    let key = casemap::fold(name);
    let id = ctx.id;
    let chan = ctx.state.channels.get(&key).ok_or_else(|| HandlerError::numeric(Numeric::ErrNoSuchChannel, [name]))?;
    // A secret channel does not exist for those outside it: its modes,
    // lists and even whether one may change them are not theirs to learn.
    if chan.modes.secret && !chan.is_member(id) {
        return Err(HandlerError::numeric(Numeric::ErrNoSuchChannel, [name]));
    }
    let display = chan.name.clone();
    let Some(modes) = modes else {
        let params = chan.modes.to_mode_params(chan.is_member(id));
        let created = chan.created.to_string();
        let mut args: Vec<&str> = vec![&display];
        args.extend(params.iter().map(String::as_str));
        ctx.numeric(Numeric::RplChannelModeIs, &args);
        ctx.numeric(Numeric::RplCreationTime, &[&display, &created]);
        return Ok(());
    };
    let is_op = chan.is_op(id);
    let mut applied: Vec<ModeChange> = Vec::new();
    let mut with_arg = 0;
    // A list query counts against MODES like a change with a parameter, and
    // each list is answered once however often it is asked for: `MODE #c
    // bbbb…` must not send the ban list hundreds of times.
    let mut listed = [false; 3];
    for change in parse_changes(modes, args) {
        if let (Some(list), None) = (List::of(change.mode), &change.arg) {
            with_arg += 1;
            if with_arg > MODES_PER_COMMAND {
                break;
            }
            if !std::mem::replace(&mut listed[list as usize], true) {
                send_list(ctx, &key, list);
            }
            continue;
        }
        if !"ovbeIklimnst".contains(change.mode) {
            ctx.numeric(Numeric::ErrUnknownMode, &[&change.mode.to_string()]);
            continue;
        }
        if !is_op {
            ctx.numeric(Numeric::ErrChanOPrivsNeeded, &[&display]);
            return Ok(());
        }
        if change.arg.is_some() {
            with_arg += 1;
            if with_arg > MODES_PER_COMMAND {
                break;
            }
        }
        if let Some(done) = apply(ctx, &key, &display, change) {
            applied.push(done);
        }
    }
    if applied.is_empty() {
        return Ok(());
    }
    let mut params = vec![display, mode_string(&applied)];
    params.extend(applied.into_iter().filter_map(|c| c.arg));
    let msg = Message::new("MODE", params).with_source(ctx.me().prefix.clone());
    ctx.state.channel_event(&key, msg);
    Ok(())
}

/// Applies one change; returns it (with the argument as shown to others)
/// when it changed something.
fn apply(ctx: &mut Ctx<'_>, key: &str, display: &str, change: ModeChange) -> Option<ModeChange> {
    let ModeChange { add, mode, arg } = change;
    let limits = &ctx.info.config.limits;
    match mode {
        'o' | 'v' => {
            let Some(nick) = arg else {
                ctx.numeric(Numeric::ErrNeedMoreParams, &["MODE"]);
                return None;
            };
            let Some(target) = ctx.state.find_nick(&nick).map(|c| (c.id, c.nick.clone())) else {
                ctx.numeric(Numeric::ErrNoSuchNick, &[&nick]);
                return None;
            };
            let chan = ctx.state.channels.get_mut(key)?;
            let Some(member) = chan.members.get_mut(&target.0) else {
                ctx.numeric(Numeric::ErrUserNotInChannel, &[&target.1, display]);
                return None;
            };
            let flag = if mode == 'o' { &mut member.prefixes.op } else { &mut member.prefixes.voice };
            if *flag == add {
                return None;
            }
            *flag = add;
            Some(ModeChange { add, mode, arg: Some(target.1) })
        }
        'b' | 'e' | 'I' => {
            let mask = normalize_mask(&arg?);
            let max_entries = limits.list_entries;
            let setter = ctx.me().prefix.clone();
            let chan = ctx.state.channels.get_mut(key)?;
            let list = match mode {
                'b' => &mut chan.bans,
                'e' => &mut chan.excepts,
                _ => &mut chan.invex,
            };
            let pos = list.iter().position(|e| casemap::eq(&e.mask, &mask));
            match (add, pos) {
                (true, None) if list.len() >= max_entries => {
                    ctx.numeric(Numeric::ErrBanListFull, &[display, &mode.to_string()]);
                    return None;
                }
                (true, None) => list.push(ListEntry { mask: mask.clone(), setter, time: unix_now() }),
                (false, Some(i)) => {
                    list.remove(i);
                }
                _ => return None,
            }
            Some(ModeChange { add, mode, arg: Some(mask) })
        }
        'k' => {
            let chan = ctx.state.channels.get_mut(key)?;
            if add {
                let Some(k) = arg.filter(|k| valid_key(k)) else {
                    ctx.numeric(Numeric::ErrInvalidKey, &[display]);
                    return None;
                };
                chan.modes.key = Some(k.clone());
                Some(ModeChange { add, mode, arg: Some(k) })
            } else {
                chan.modes.key.take()?;
                Some(ModeChange { add, mode, arg: Some("*".into()) })
            }
        }
        'l' => {
            let chan = ctx.state.channels.get_mut(key)?;
            if add {
                let Some(n) = arg.as_deref().and_then(|a| a.parse::<usize>().ok()).filter(|n| *n > 0) else {
                    // An empty parameter cannot be a middle one: `*` stands for it.
                    let shown = arg.filter(|a| !a.is_empty()).unwrap_or_else(|| "*".into());
                    let why = "Invalid limit: must be a positive number";
                    ctx.numeric_text(Numeric::ErrInvalidModeParam, &[display, "l", &shown], why);
                    return None;
                };
                chan.modes.limit = Some(n);
                Some(ModeChange { add, mode, arg: Some(n.to_string()) })
            } else {
                chan.modes.limit.take()?;
                Some(ModeChange { add, mode, arg: None })
            }
        }
        _ => {
            let chan = ctx.state.channels.get_mut(key)?;
            let flag = match mode {
                'i' => &mut chan.modes.invite_only,
                'm' => &mut chan.modes.moderated,
                'n' => &mut chan.modes.no_external,
                's' => &mut chan.modes.secret,
                _ => &mut chan.modes.topic_locked,
            };
            if *flag == add {
                return None;
            }
            *flag = add;
            Some(ModeChange { add, mode, arg: None })
        }
    }
}

/// A key is one word without a comma, at most 32 bytes.
fn valid_key(k: &str) -> bool {
    !k.is_empty() && k.len() <= 32 && !k.contains([',', ' ', ':'])
}

fn send_list(ctx: &mut Ctx<'_>, key: &str, list: List) {
    let Some(chan) = ctx.state.channels.get(key) else { return };
    let display = chan.name.clone();
    let entries = match list {
        List::Ban => chan.bans.clone(),
        List::Except => chan.excepts.clone(),
        List::Invex => chan.invex.clone(),
    };
    let (item, end) = list.numerics();
    for e in entries {
        ctx.numeric(item, &[&display, &e.mask, &e.setter, &e.time.to_string()]);
    }
    ctx.numeric(end, &[&display]);
}

/// `+ov-k` style string for applied changes.
fn mode_string(changes: &[ModeChange]) -> String {
    let mut s = String::new();
    let mut current = None;
    for c in changes {
        if current != Some(c.add) {
            s.push(if c.add { '+' } else { '-' });
            current = Some(c.add);
        }
        s.push(c.mode);
    }
    s
}

fn user_mode(ctx: &mut Ctx<'_>, target: &str, modes: Option<&str>) -> HandlerResult {
    if ctx.state.find_nick(target).is_none() {
        return Err(HandlerError::numeric(Numeric::ErrNoSuchNick, [target]));
    }
    if !casemap::eq(target, &ctx.me().nick) {
        return Err(HandlerError::numeric(Numeric::ErrUsersDontMatch, Vec::<String>::new()));
    }
    let Some(modes) = modes else {
        let current = ctx.me().modes.to_mode_string();
        ctx.numeric(Numeric::RplUmodeIs, &[&current]);
        return Ok(());
    };
    let mut add = true;
    let mut applied = Vec::new();
    let mut unknown = false;
    let before = ctx.state.counted(ctx.id);
    for c in modes.chars() {
        let me = ctx.me_mut();
        let flag = match c {
            '+' | '-' => {
                add = c == '+';
                continue;
            }
            'B' => &mut me.modes.bot,
            'i' => &mut me.modes.invisible,
            'w' => &mut me.modes.wallops,
            // Operator status is gained only through OPER.
            'o' if !add => &mut me.modes.oper,
            'o' => continue,
            _ => {
                unknown = true;
                continue;
            }
        };
        if *flag != add {
            *flag = add;
            if c == 'o' {
                me.oper_name = None;
            }
            applied.push(ModeChange { add, mode: c, arg: None });
        }
    }
    ctx.state.recount(ctx.id, before);
    if unknown {
        ctx.numeric(Numeric::ErrUmodeUnknownFlag, &[]);
    }
    if !applied.is_empty() {
        let nick = ctx.me().nick.clone();
        let msg = Message::new("MODE", [nick, mode_string(&applied)]).with_source(ctx.me().prefix.clone());
        ctx.send(&msg);
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn arguments_go_to_the_right_modes() {
        let args: Vec<String> = ["bob", "secret", "5"].iter().map(|s| s.to_string()).collect();
        let changes = parse_changes("+otk-nl+l", &args);
        let shown: Vec<(bool, char, Option<&str>)> =
            changes.iter().map(|c| (c.add, c.mode, c.arg.as_deref())).collect();
        assert_eq!(
            shown,
            vec![
                (true, 'o', Some("bob")),
                (true, 't', None),
                (true, 'k', Some("secret")),
                (false, 'n', None),
                (false, 'l', None),
                (true, 'l', Some("5")),
            ]
        );
        assert_eq!(mode_string(&changes), "+otk-nl+l");
    }
}
