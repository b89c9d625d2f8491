//! Chat history in SQLite: the `messages` table (docs/store.md describes
//! its rows and who may read them).
//!
//! Writes happen on the store's writer thread, inside its batch
//! transactions: [`insert_line`] appends one line, [`redact`] deletes one,
//! [`prune`] applies retention. Reads ([`query`], [`targets`]) run on the
//! read-only connections of [`super::SqliteStore`], never on the writer.
//!
//! Lines are ordered by (`time`, `id`): the time clients were shown, and
//! the row id (insertion order) to break ties within a millisecond. An
//! anchor is turned into such a position, so paging by msgid returns every
//! line exactly once.

use rusqlite::{params, Connection, OptionalExtension};
use std::collections::HashSet;

/// One line of history, as stored and as read back.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct HistoryLine {
    /// Row id (insertion order); ignored when appending.
    pub id: i64,
    pub msgid: String,
    /// Unix milliseconds: the `time` tag the line was relayed with.
    pub time: u64,
    /// A channel's folded name, or the sender's view key of a private
    /// message (see [`private_key`]).
    pub target: String,
    /// The recipient's view key of a private message; `None` in a channel.
    pub peer_target: Option<String>,
    /// PRIVMSG, NOTICE, TAGMSG, JOIN, PART, QUIT, NICK, TOPIC, KICK, MODE.
    pub command: String,
    /// `nick!user@host` of the sender.
    pub prefix: String,
    /// The sender's account, when logged in.
    pub account: Option<String>,
    /// Client-only tags in wire form without `@` (`+a=b;+c`), or empty.
    pub tags: String,
    /// Parameters before `text`, space-separated.
    pub params: String,
    /// The last parameter when it is free text (message, reason, topic,
    /// a JOIN's real name); `None` for TAGMSG and MODE.
    pub text: Option<String>,
}

#[cfg(test)]
impl HistoryLine {
    /// A channel PRIVMSG from an account, with client tags: for tests of
    /// how stored lines are shown.
    pub fn sample() -> Self {
        HistoryLine {
            id: 1,
            msgid: "M1".into(),
            time: 1_795_618_253_007,
            target: "#hello".into(),
            command: "PRIVMSG".into(),
            prefix: "ann!a@h".into(),
            account: Some("Ann".into()),
            tags: "+draft/reply=X;+a=b\\sc".into(),
            params: "#Hello".into(),
            text: Some("hi there".into()),
            ..HistoryLine::default()
        }
    }
}

/// The view key of one party to a private conversation: whose history it
/// is (`a:<account>` when logged in, else `n:<nick>`) and the nick of the
/// other party, all casefolded.
pub fn private_key(owner_account: Option<&str>, owner_nick: &str, correspondent_nick: &str) -> String {
    let fold = hichat_proto::casemap::fold;
    match owner_account {
        Some(a) => format!("a:{} {}", fold(a), fold(correspondent_nick)),
        None => format!("n:{} {}", fold(owner_nick), fold(correspondent_nick)),
    }
}

/// Whose lines a query reads.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum View {
    /// A channel, by folded name.
    Channel(String),
    /// One side of a private conversation, by its view key.
    Private(String),
}

/// A point in a conversation.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Anchor {
    Msgid(String),
    /// Unix milliseconds.
    Time(u64),
}

/// Which lines, relative to anchors (all bounds exclusive, as
/// draft/chathistory has them; AROUND keeps the anchored line).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Selection {
    /// The newest lines, after the anchor when there is one.
    Latest(Option<Anchor>),
    Before(Anchor),
    After(Anchor),
    Around(Anchor),
    Between(Anchor, Anchor),
}

/// A history read.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct HistoryQuery {
    pub view: View,
    pub selection: Selection,
    pub limit: usize,
    /// Only lines from this time (Unix ms) on.
    pub since: u64,
    /// Only these commands.
    pub commands: Vec<&'static str>,
}

/// For TARGETS: which conversations had lines in a time window.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TargetsQuery {
    /// Channels (folded names) the user may read, each from the time (Unix
    /// ms) it may read from.
    pub channels: Vec<(String, u64)>,
    /// The user's own prefix of private view keys (`a:ann` or `n:ann`).
    pub owner: String,
    /// Only lines from this time on (for nick-keyed owners).
    pub since: u64,
    /// Exclusive bounds, Unix ms, in either order.
    pub from: u64,
    pub to: u64,
    pub limit: usize,
    pub commands: Vec<&'static str>,
}

/// How long lines are kept. Zero means no limit.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct Retention {
    /// Lines kept per channel.
    pub max_messages: u64,
    /// Seconds a line is kept.
    pub max_age_secs: u64,
}

/// Appends one line (on the writer, inside its transaction). A line whose
/// msgid is already stored for the same target is ignored.
pub fn insert_line(db: &Connection, line: &HistoryLine) -> rusqlite::Result<()> {
    let mut stmt = db.prepare_cached(
        "INSERT OR IGNORE INTO messages (msgid, time, target, peer_target, command, prefix, account, tags,
         params, text) VALUES (?1,?2,?3,?4,?5,?6,?7,?8,?9,?10)",
    )?;
    stmt.execute(params![
        line.msgid,
        line.time as i64,
        line.target,
        line.peer_target,
        line.command,
        line.prefix,
        line.account,
        line.tags,
        line.params,
        line.text
    ])?;
    Ok(())
}

/// Deletes a redacted message: in a channel (`channel` is its folded name),
/// or a private one (`None`). Returns how many rows went.
pub fn redact(db: &Connection, msgid: &str, channel: Option<&str>) -> rusqlite::Result<usize> {
    match channel {
        Some(c) => db.execute("DELETE FROM messages WHERE msgid = ?1 AND target = ?2", params![msgid, c]),
        None => db.execute("DELETE FROM messages WHERE msgid = ?1 AND peer_target IS NOT NULL", [msgid]),
    }
}

/// Deletes an unregistered channel's lines (folded name) when it ends, or
/// (`None`) those of every channel that is not registered. Returns how many
/// rows went.
pub fn forget_channel(db: &Connection, channel: &str) -> rusqlite::Result<usize> {
    db.execute("DELETE FROM messages WHERE target = ?1 AND peer_target IS NULL", [channel])
}

/// Deletes every unregistered channel's lines but `keep`'s (the server's
/// own channel, folded).
pub fn forget_unregistered(db: &Connection, keep: &str) -> rusqlite::Result<usize> {
    db.execute(
        "DELETE FROM messages WHERE peer_target IS NULL AND target <> ?1 AND target NOT IN (SELECT name FROM channels)",
        [keep],
    )
}

/// Moves a channel's lines from `from` to `to` (folded names) after a
/// RENAME, and shows them as sent to `display`: the channel is the first of
/// a line's parameters, except for QUIT and NICK, which name no channel. A
/// line whose msgid the new name already holds stays where it was.
pub fn rename(db: &Connection, from: &str, to: &str, display: &str) -> rusqlite::Result<usize> {
    db.execute(
        "UPDATE OR IGNORE messages SET target = ?2,
            params = CASE WHEN command IN ('QUIT', 'NICK') THEN params
                          ELSE ?3 || substr(params, instr(params || ' ', ' ')) END
         WHERE target = ?1",
        params![from, to, display],
    )
}

/// Applies retention at `now_ms`: the server default, or a registered
/// channel's own (`channel_history`). Counts are checked only for the
/// channels in `touched` (lines were added since the last prune), or for
/// every channel when `touched` is `None`. Private conversations are
/// pruned by age only. Returns how many rows went.
pub fn prune(
    db: &Connection,
    default: Retention,
    now_ms: u64,
    touched: Option<&HashSet<String>>,
) -> rusqlite::Result<usize> {
    let cutoff = |secs: u64| now_ms.saturating_sub(secs.saturating_mul(1000)) as i64;
    let mut removed = 0;
    // Channels with their own retention.
    let own: Vec<(String, Option<i64>, Option<i64>)> = {
        let mut stmt = db.prepare_cached("SELECT channel, max_messages, max_age FROM channel_history")?;
        let rows = stmt.query_map([], |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)))?;
        rows.collect::<Result<_, _>>()?
    };
    // By age: the default everywhere except channels with an age of their own.
    if default.max_age_secs > 0 {
        removed += db.execute(
            "DELETE FROM messages WHERE time < ?1 AND target NOT IN
             (SELECT channel FROM channel_history WHERE max_age IS NOT NULL)",
            [cutoff(default.max_age_secs)],
        )?;
    }
    for (channel, _, age) in &own {
        if let Some(age) = age.filter(|a| *a > 0) {
            removed += db.execute(
                "DELETE FROM messages WHERE target = ?1 AND time < ?2",
                params![channel, cutoff(age as u64)],
            )?;
        }
    }
    // By count, per channel.
    let channels: Vec<String> = match touched {
        Some(t) => t.iter().filter(|k| !k.contains(' ')).cloned().collect(),
        None => {
            let mut stmt = db.prepare("SELECT DISTINCT target FROM messages WHERE peer_target IS NULL")?;
            let rows = stmt.query_map([], |r| r.get(0))?;
            rows.collect::<Result<_, _>>()?
        }
    };
    for channel in channels {
        let max = match own.iter().find(|(n, _, _)| *n == channel).and_then(|(_, m, _)| *m) {
            Some(m) => m.max(0) as u64,
            None => default.max_messages,
        };
        if max > 0 {
            removed += keep_newest(db, &channel, max)?;
        }
    }
    Ok(removed)
}

/// Deletes all but the newest `max` lines of one channel.
fn keep_newest(db: &Connection, channel: &str, max: u64) -> rusqlite::Result<usize> {
    let oldest_kept: Option<(i64, i64)> = db
        .prepare_cached(
            "SELECT time, id FROM messages WHERE target = ?1 AND peer_target IS NULL
             ORDER BY time DESC, id DESC LIMIT 1 OFFSET ?2",
        )?
        .query_row(params![channel, (max - 1) as i64], |r| Ok((r.get(0)?, r.get(1)?)))
        .optional()?;
    let Some((time, id)) = oldest_kept else { return Ok(0) };
    db.prepare_cached("DELETE FROM messages WHERE target = ?1 AND peer_target IS NULL AND (time, id) < (?2, ?3)")?
        .execute(params![channel, time, id])
}

/// A position in the (time, id) order.
type Pos = (i64, i64);

const COLUMNS: &str = "id, msgid, time, target, peer_target, command, prefix, account, tags, params, text";

/// A `messages` row, read in [`COLUMNS`]' order, as a line (also used by search).
pub(crate) fn row_to_line(r: &rusqlite::Row<'_>) -> rusqlite::Result<HistoryLine> {
    Ok(HistoryLine {
        id: r.get(0)?,
        msgid: r.get(1)?,
        time: r.get::<_, i64>(2)? as u64,
        target: r.get(3)?,
        peer_target: r.get(4)?,
        command: r.get(5)?,
        prefix: r.get(6)?,
        account: r.get(7)?,
        tags: r.get(8)?,
        params: r.get(9)?,
        text: r.get(10)?,
    })
}

/// Where a msgid sits in a view, if the view holds it.
fn locate(db: &Connection, view: &View, msgid: &str) -> rusqlite::Result<Option<Pos>> {
    let sql = match view {
        View::Channel(_) => "SELECT time, id FROM messages WHERE msgid = ?1 AND target = ?2",
        View::Private(_) => "SELECT time, id FROM messages WHERE msgid = ?1 AND (target = ?2 OR peer_target = ?2)",
    };
    let key = match view {
        View::Channel(k) | View::Private(k) => k,
    };
    db.prepare_cached(sql)?.query_row(params![msgid, key], |r| Ok((r.get(0)?, r.get(1)?))).optional()
}

/// An anchor as a position: a msgid is its line's; a time sorts before
/// every line of that millisecond when `upper` (an upper bound), after
/// them otherwise. `None` when the msgid is not in the view.
fn resolve(db: &Connection, view: &View, anchor: &Anchor, upper: bool) -> rusqlite::Result<Option<Pos>> {
    match anchor {
        Anchor::Msgid(m) => locate(db, view, m),
        Anchor::Time(t) => Ok(Some((*t as i64, if upper { 0 } else { i64::MAX }))),
    }
}

/// One side of a range scan.
#[derive(Clone, Copy)]
enum Side {
    /// Lines before `pos` (exclusive), newest first.
    Before(Pos),
    /// Lines after `pos` (exclusive), oldest first.
    After(Pos),
    /// Lines at or after `pos`, oldest first.
    From(Pos),
}

/// Reads lines in one direction from a position, at most `limit`, in
/// ascending order. `lower`/`upper` further bound the scan (exclusive).
fn scan(
    db: &Connection,
    q: &HistoryQuery,
    side: Option<Side>,
    bound: Option<Side>,
    newest_first: bool,
    limit: usize,
) -> rusqlite::Result<Vec<HistoryLine>> {
    if limit == 0 {
        return Ok(Vec::new());
    }
    let mut cond = String::from("time >= ?2");
    let commands = q.commands.iter().map(|c| format!("'{c}'")).collect::<Vec<_>>().join(",");
    if !q.commands.is_empty() {
        cond.push_str(&format!(" AND command IN ({commands})"));
    }
    let mut args: Vec<i64> = Vec::new();
    for s in [side, bound].into_iter().flatten() {
        let (op, pos) = match s {
            Side::Before(p) => ("<", p),
            Side::After(p) => (">", p),
            Side::From(p) => (">=", p),
        };
        let n = 4 + args.len();
        cond.push_str(&format!(" AND (time, id) {op} (?{n}, ?{})", n + 1));
        args.extend([pos.0, pos.1]);
    }
    let order = if newest_first { "time DESC, id DESC" } else { "time ASC, id ASC" };
    let sql = match q.view {
        View::Channel(_) => {
            format!("SELECT {COLUMNS} FROM messages WHERE target = ?1 AND {cond} ORDER BY {order} LIMIT ?3")
        }
        // Each side of the conversation through its own index, then merged.
        View::Private(_) => format!(
            "SELECT * FROM (SELECT {COLUMNS} FROM messages WHERE target = ?1 AND {cond} ORDER BY {order} LIMIT ?3)
             UNION ALL
             SELECT * FROM (SELECT {COLUMNS} FROM messages WHERE peer_target = ?1 AND target != ?1 AND {cond}
                            ORDER BY {order} LIMIT ?3)
             ORDER BY {order} LIMIT ?3"
        ),
    };
    let key = match &q.view {
        View::Channel(k) | View::Private(k) => k.clone(),
    };
    let mut stmt = db.prepare_cached(&sql)?;
    let mut values: Vec<rusqlite::types::Value> =
        vec![key.into(), (q.since as i64).into(), (limit.min(i64::MAX as usize) as i64).into()];
    values.extend(args.into_iter().map(rusqlite::types::Value::from));
    let rows = stmt.query_map(rusqlite::params_from_iter(values), row_to_line)?;
    let mut lines: Vec<HistoryLine> = rows.collect::<Result<_, _>>()?;
    if newest_first {
        lines.reverse();
    }
    Ok(lines)
}

/// Runs a history read; lines come back oldest first.
pub fn query(db: &Connection, q: &HistoryQuery) -> rusqlite::Result<Vec<HistoryLine>> {
    let n = q.limit;
    match &q.selection {
        Selection::Latest(None) => scan(db, q, None, None, true, n),
        Selection::Latest(Some(a)) => match resolve(db, &q.view, a, false)? {
            Some(p) => scan(db, q, Some(Side::After(p)), None, true, n),
            None => Ok(Vec::new()),
        },
        Selection::Before(a) => match resolve(db, &q.view, a, true)? {
            Some(p) => scan(db, q, Some(Side::Before(p)), None, true, n),
            None => Ok(Vec::new()),
        },
        Selection::After(a) => match resolve(db, &q.view, a, false)? {
            Some(p) => scan(db, q, Some(Side::After(p)), None, false, n),
            None => Ok(Vec::new()),
        },
        Selection::Around(a) => {
            // Half before; the anchored line and the rest after it.
            let Some(p) = resolve(db, &q.view, a, true)? else { return Ok(Vec::new()) };
            let mut lines = scan(db, q, Some(Side::Before(p)), None, true, n / 2)?;
            let rest = n - lines.len();
            lines.extend(scan(db, q, Some(Side::From(p)), None, false, rest)?);
            Ok(lines)
        }
        Selection::Between(a, b) => {
            // Work out the direction from the anchors' times, then bound
            // each end the right way.
            let (Some(pa), Some(pb)) = (resolve(db, &q.view, a, true)?, resolve(db, &q.view, b, true)?) else {
                return Ok(Vec::new());
            };
            if pa <= pb {
                let lo = resolve(db, &q.view, a, false)?.unwrap_or(pa);
                scan(db, q, Some(Side::After(lo)), Some(Side::Before(pb)), false, n)
            } else {
                let lo = resolve(db, &q.view, b, false)?.unwrap_or(pb);
                scan(db, q, Some(Side::Before(pa)), Some(Side::After(lo)), true, n)
            }
        }
    }
}

/// The conversations whose newest line is strictly between two times:
/// (channel's folded name, or the correspondent's nick as spelled in the
/// newest line with them; the time of that line), oldest first, at most
/// `limit`. A conversation is placed by its newest line overall, as
/// draft/chathistory has it: one whose newest line is after the window is
/// left out, not listed at an older line inside it.
pub fn targets(db: &Connection, q: &TargetsQuery) -> rusqlite::Result<Vec<(String, u64)>> {
    let (lo, hi) = if q.from <= q.to { (q.from, q.to) } else { (q.to, q.from) };
    let (lo, hi) = (lo as i64, hi as i64);
    let inside = |t: i64| t > lo && t < hi;
    let commands = q.commands.iter().map(|c| format!("'{c}'")).collect::<Vec<_>>().join(",");
    let mut found: Vec<(String, u64)> = Vec::new();
    let mut stmt = db.prepare_cached(&format!(
        "SELECT max(time) FROM messages WHERE target = ?1 AND peer_target IS NULL AND time >= ?2
         AND command IN ({commands})"
    ))?;
    for (channel, since) in &q.channels {
        let t: Option<i64> = stmt.query_row(params![channel, *since as i64], |r| r.get(0))?;
        if let Some(t) = t.filter(|t| inside(*t)) {
            found.push((channel.clone(), t as u64));
        }
    }
    // View keys of this owner are `<owner> <nick>`: the range just past
    // `<owner> ` and before `<owner>!` (`!` follows space). The key holds
    // the nick folded; the row spells it as it was: the recipient
    // (`params`) on the sender's side, the prefix's nick on the
    // recipient's. SQLite takes bare columns from the row with the max().
    let (start, end) = (format!("{} ", q.owner), format!("{}!", q.owner));
    let mut private: Vec<(String, String, u64)> = Vec::new();
    for (column, spelling) in [("target", "params"), ("peer_target", "prefix")] {
        let mut stmt = db.prepare_cached(&format!(
            "SELECT {column}, max(time), {spelling} FROM messages WHERE {column} >= ?1 AND {column} < ?2
             AND peer_target IS NOT NULL AND time >= ?3 AND command IN ({commands}) GROUP BY {column}"
        ))?;
        let rows = stmt.query_map(params![start, end, q.since as i64], |r| {
            Ok((r.get::<_, String>(0)?, r.get::<_, i64>(1)?, r.get::<_, String>(2)?))
        })?;
        for row in rows {
            let (key, t, spelled) = row?;
            let folded = key[start.len()..].to_owned();
            let nick = spelled.split('!').next().filter(|n| hichat_proto::casemap::fold(n) == folded);
            let nick = nick.map_or_else(|| folded.clone(), str::to_owned);
            match private.iter_mut().find(|(k, _, _)| *k == folded) {
                Some(f) if t as u64 > f.2 => (f.1, f.2) = (nick, t as u64),
                Some(_) => {}
                None => private.push((folded, nick, t as u64)),
            }
        }
    }
    // Newest across both sides first, then whether that is in the window.
    found.extend(private.into_iter().filter(|(_, _, t)| inside(*t as i64)).map(|(_, nick, t)| (nick, t)));
    found.sort_by(|a, b| a.1.cmp(&b.1).then_with(|| a.0.cmp(&b.0)));
    found.truncate(q.limit);
    Ok(found)
}

#[cfg(test)]
#[path = "history_tests.rs"]
mod tests;
