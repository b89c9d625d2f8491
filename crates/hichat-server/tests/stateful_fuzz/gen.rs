//! What the simulated clients send: random IRC lines from small pools of
//! nicks, channels and words, so that names collide and channels empty and
//! fill again. Nothing here reads the server's answers, so a seed always
//! sends the same lines.
//!
//! Text that could identify a message (a [`token`]: `ZQ<n>Q`) appears only
//! as the first word of a PRIVMSG or NOTICE; nothing else generated holds
//! a `Z` or a `q`, so a token seen in a line comes from that one message.

use rand::rngs::StdRng;
use rand::seq::SliceRandom;
use rand::Rng;

/// Nicks, without `z` or `q` (no case change can spell a token).
pub const NICKS: &[&str] = &["ann", "bob", "cat", "dan", "eve", "fin", "gus", "hal", "ivy", "jo"];
/// Channels, overlapping so they empty and are re-created.
pub const CHANNELS: &[&str] = &["#a", "#b", "#c", "#dev", "&loc"];
const WORDS: &[&str] = &["hello", "secret", "lunch", "deploy", "bug", "yes", "no", "ok"];
const CAPS: &[&str] = &[
    "echo-message",
    "server-time",
    "batch",
    "labeled-response",
    "draft/chathistory",
    "draft/event-playback",
    "message-tags",
    "multi-prefix",
    "userhost-in-names",
    "extended-join",
    "invite-notify",
    "away-notify",
    "account-tag",
    "draft/search",
    "draft/no-implicit-names",
    "setname",
    "bogus-cap",
];

/// The token of message number `n`.
pub fn token(n: u64) -> String {
    format!("ZQ{n}Q")
}

/// Every token in `line`: `ZQ<digits>Q` as a whole word (after `:` or a
/// space, before a space or the end), so one inside a msgid never counts.
pub fn tokens_in(line: &str) -> Vec<u64> {
    let b = line.as_bytes();
    let mut found = Vec::new();
    let mut i = 0;
    while let Some(at) = line[i..].find("ZQ").map(|p| p + i) {
        i = at + 2;
        if at > 0 && !matches!(b[at - 1], b':' | b' ') {
            continue;
        }
        let digits = b[i..].iter().take_while(|c| c.is_ascii_digit()).count();
        let end = i + digits;
        if digits > 0 && b.get(end) == Some(&b'Q') && matches!(b.get(end + 1), None | Some(b' ')) {
            if let Ok(n) = line[i..end].parse() {
                found.push(n);
            }
        }
    }
    found
}

fn pick<'a>(rng: &mut StdRng, from: &[&'a str]) -> &'a str {
    from.choose(rng).copied().unwrap_or("x")
}

/// A nick from the pool, sometimes in another case (a case change is a
/// NICK to the same folded nick).
pub fn nick(rng: &mut StdRng) -> String {
    let n = pick(rng, NICKS);
    match rng.gen_range(0..6) {
        0 => n.to_uppercase(),
        1 => n[..1].to_uppercase() + &n[1..],
        _ => n.to_owned(),
    }
}

pub fn channel(rng: &mut StdRng) -> String {
    let c = pick(rng, CHANNELS);
    if rng.gen_ratio(1, 5) {
        c.to_uppercase()
    } else {
        c.to_owned()
    }
}

fn words(rng: &mut StdRng, max: usize) -> String {
    let n = rng.gen_range(1..=max);
    (0..n).map(|_| pick(rng, WORDS)).collect::<Vec<_>>().join(" ")
}

fn target(rng: &mut StdRng) -> String {
    if rng.gen_bool(0.7) {
        channel(rng)
    } else {
        nick(rng)
    }
}

/// A few client-only tags, sometimes long.
fn tags(rng: &mut StdRng) -> String {
    let mut t = Vec::new();
    for _ in 0..rng.gen_range(0..3) {
        t.push(match rng.gen_range(0..5) {
            0 => "+draft/reply=01abc".to_owned(),
            1 => format!("+draft/react={}", pick(rng, WORDS)),
            2 => format!("+x-long={}", "v".repeat(rng.gen_range(100..5000))),
            3 => "+typing=active".to_owned(),
            _ => "label=l1".to_owned(),
        });
    }
    if t.is_empty() {
        String::new()
    } else {
        format!("@{} ", t.join(";"))
    }
}

/// The lines a new connection sends to register (or to try to).
pub fn registration(rng: &mut StdRng) -> Vec<String> {
    let mut lines = Vec::new();
    let cap = rng.gen_bool(0.7);
    if cap {
        lines.push("CAP LS 302".to_owned());
        let mut caps: Vec<&str> = CAPS.iter().copied().filter(|_| rng.gen_bool(0.4)).collect();
        if caps.is_empty() {
            caps.push("batch");
        }
        lines.push(format!("CAP REQ :{}", caps.join(" ")));
    }
    lines.push(format!("NICK {}", nick(rng)));
    let realname = if rng.gen_ratio(1, 10) { "r".repeat(rng.gen_range(100..500)) } else { words(rng, 3) };
    lines.push(format!("USER u{} 0 * :{realname}", rng.gen_range(0..100)));
    if cap && rng.gen_ratio(9, 10) {
        lines.push("CAP END".to_owned());
    }
    lines
}

fn mode(rng: &mut StdRng) -> String {
    let chan = channel(rng);
    let sign = if rng.gen_bool(0.7) { "+" } else { "-" };
    match rng.gen_range(0..11) {
        0 => format!("MODE {chan} {sign}o {}", nick(rng)),
        1 => format!("MODE {chan} {sign}b {}!*@*", nick(rng)),
        2 => format!("MODE {chan} b"),
        3 => format!("MODE {chan} {sign}i"),
        4 => format!("MODE {chan} {sign}k key{}", rng.gen_range(0..3)),
        5 => format!("MODE {chan} {sign}l {}", rng.gen_range(0..4)),
        6 => format!("MODE {chan} {sign}s"),
        7 => format!("MODE {chan} {}", "b".repeat(rng.gen_range(2..60))),
        8 => format!("MODE {chan} {sign}imntsv {}", nick(rng)),
        9 => format!("MODE {chan}"),
        _ => format!("MODE {} {sign}i", nick(rng)),
    }
}

fn chathistory(rng: &mut StdRng) -> String {
    let t = target(rng);
    let n = rng.gen_range(1..60);
    match rng.gen_range(0..6) {
        0 | 1 => format!("CHATHISTORY LATEST {t} * {n}"),
        2 => format!("CHATHISTORY BEFORE {t} timestamp=2099-01-01T00:00:00.000Z {n}"),
        3 => format!("CHATHISTORY AFTER {t} timestamp=2000-01-01T00:00:00.000Z {n}"),
        4 => {
            format!("CHATHISTORY BETWEEN {t} timestamp=2000-01-01T00:00:00.000Z timestamp=2099-01-01T00:00:00.000Z {n}")
        }
        _ => "CHATHISTORY TARGETS timestamp=2000-01-01T00:00:00.000Z timestamp=2099-01-01T00:00:00.000Z 20".to_owned(),
    }
}

/// Bytes that are not a line ending and not `z` or `Z`, so never a token
/// even when the server uppercases a verb to quote it back.
fn garbage(rng: &mut StdRng) -> String {
    let len = rng.gen_range(0..80);
    let bytes: Vec<u8> = (0..len)
        .map(|_| match rng.gen_range(0..4) {
            0 => rng.gen_range(0x01..0x20u8),
            _ => rng.gen_range(0x20..0x7fu8),
        })
        .map(|b| if matches!(b, b'\r' | b'\n' | b'Z' | b'z') { b'.' } else { b })
        .collect();
    String::from_utf8_lossy(&bytes).into_owned()
}

/// One line from a registered client; `next_token` numbers the messages
/// that carry a token.
pub fn command(rng: &mut StdRng, next_token: &mut u64) -> String {
    let label = if rng.gen_ratio(1, 8) { format!("@label=f{} ", rng.gen_range(0..1000)) } else { String::new() };
    let line = match rng.gen_range(0..100) {
        0..=7 => format!("NICK {}", nick(rng)),
        8..=19 => {
            let chans = (0..rng.gen_range(1..3)).map(|_| channel(rng)).collect::<Vec<_>>().join(",");
            match rng.gen_range(0..4) {
                0 => format!("JOIN {chans} key{}", rng.gen_range(0..3)),
                _ => format!("JOIN {chans}"),
            }
        }
        20..=24 => format!("PART {} :{}", channel(rng), words(rng, 2)),
        25..=27 => format!("KICK {} {} :{}", channel(rng), nick(rng), words(rng, 2)),
        28..=35 => mode(rng),
        36..=38 => format!("TOPIC {} :{}", channel(rng), words(rng, 3)),
        39 => format!("TOPIC {}", channel(rng)),
        40..=42 => format!("INVITE {} {}", nick(rng), channel(rng)),
        43..=57 => {
            let verb = if rng.gen_ratio(1, 4) { "NOTICE" } else { "PRIVMSG" };
            let t = match rng.gen_range(0..8) {
                0 => format!("@{}", channel(rng)),
                _ => target(rng),
            };
            *next_token += 1;
            return format!("{}{verb} {t} :{} {}", tags(rng), token(*next_token), words(rng, 4));
        }
        58..=60 => return format!("{}TAGMSG {}", tags(rng), target(rng)),
        61..=68 => chathistory(rng),
        69..=70 => format!("SEARCH text={}", pick(rng, WORDS)),
        71..=72 => format!("SEARCH in={};limit={}", channel(rng), rng.gen_range(1..20)),
        73..=75 => format!("WHO {}", target(rng)),
        76..=77 => format!("WHOIS {}", nick(rng)),
        78..=79 => format!("NAMES {}", channel(rng)),
        80 => "LIST".to_owned(),
        81 => "JOIN 0".to_owned(),
        82 => format!("AWAY :{}", words(rng, 2)),
        83 => format!("SETNAME :{}", words(rng, 3)),
        84 => format!("WHOWAS {}", nick(rng)),
        85..=87 => garbage(rng),
        88 => format!("PRIVMSG {} :{}", channel(rng), "x".repeat(rng.gen_range(400..700))),
        89 => format!("TOPIC {} :{}", channel(rng), "t".repeat(rng.gen_range(300..520))),
        90 => format!("NICK {}", "n".repeat(rng.gen_range(20..60))),
        91 => format!("PART {},{},{}", channel(rng), channel(rng), channel(rng)),
        92 => format!("KICK {} {},{}", channel(rng), nick(rng), nick(rng)),
        93 => format!("MONITOR + {},{}", nick(rng), nick(rng)),
        94 => format!("CAP REQ :{}", pick(rng, CAPS)),
        95 => format!("CAP REQ :-{}", pick(rng, CAPS)),
        96 => format!("USER x 0 * :{}", words(rng, 2)),
        97 => ["OPER fz pw", "OPER fz wrong", "OPER nobody pw"][rng.gen_range(0..3)].to_owned(),
        98 => match rng.gen_range(0..3) {
            0 => format!("KILL {} :{}", nick(rng), words(rng, 2)),
            1 => format!("MODE {} -o", nick(rng)),
            _ => format!("WALLOPS :{}", words(rng, 2)),
        },
        _ => format!("PING :{}", words(rng, 1)),
    };
    format!("{label}{line}")
}
