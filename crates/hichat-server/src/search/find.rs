//! Running a search: the SQL over `messages` and its full-text index,
//! limited to what the searching user may read.
//!
//! A user reads what CHATHISTORY would give them (docs/history.md): the
//! channels they are in, each from the time they may read it from, and
//! their own side of private conversations — by account when logged in,
//! else by nick and only from the time they took it. [`Reader`] carries exactly that, built by the caller from the live
//! state; the SQL never widens it, and `in:` filters only narrow it.

use super::query::SearchQuery;
use crate::store::history::row_to_line;
use crate::store::HistoryLine;
use hichat_proto::casemap;
use rusqlite::types::Value;
use rusqlite::Connection;

/// Whose history a search may read.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Reader {
    /// Folded names of the channels the user is in, each with the time
    /// (Unix ms) it may read that channel from
    /// ([`crate::history::channel_since`]).
    pub channels: Vec<(String, u64)>,
    /// The user's prefix of private view keys: `a:<account>` or `n:<nick>`
    /// (see [`crate::store::history::private_key`]).
    pub owner: String,
    /// Private lines only from this time on (Unix ms): when a nick-keyed
    /// owner took the nick; 0 for accounts.
    pub private_since: u64,
}

/// A search to run.
#[derive(Debug, Clone)]
pub struct SearchRequest {
    pub query: SearchQuery,
    pub reader: Reader,
    /// Most lines returned (the newest matches).
    pub limit: usize,
    /// Most index matches looked at, newest first, before the reader's
    /// filters: what one search may cost, whatever the reader may read.
    pub scan: usize,
}

/// The columns read, in the order [`row_to_line`] takes them.
const COLUMNS: &str = "m.id, m.msgid, m.time, m.target, m.peer_target, m.command, m.prefix, m.account, m.tags, \
                       m.params, m.text";

/// Runs a search; the newest `limit` matching messages come back oldest
/// first.
///
/// With words to find, the full-text index drives the query: FTS5 yields
/// matches newest-stored first (by row id, which follows the order lines
/// were relayed) and SQLite stops once `limit` of them pass the filters,
/// so a common word costs no more than a rare one. At most `scan` matches
/// are looked at, so a common word searched by someone who may read few
/// of its lines (every match read, then dropped) costs no more than that:
/// such a search finds the matches among the newest `scan` only. Filters alone read each
/// channel (and the private conversations) newest first through the
/// `(target, time)` indexes, `limit` lines at most from each.
pub fn find(db: &Connection, req: &SearchRequest) -> rusqlite::Result<Vec<HistoryLine>> {
    let mut args: Vec<Value> = Vec::new();
    let mut arg = |v: Value| {
        args.push(v);
        format!("?{}", args.len())
    };
    let q = &req.query;
    let r = &req.reader;
    let limit = arg(Value::Integer(req.limit.min(i64::MAX as usize) as i64));

    // Where: the reader's channels and conversations, narrowed by `in:`.
    let (in_channels, in_nicks): (Vec<String>, Vec<String>) =
        q.within.iter().map(|w| casemap::fold(w)).partition(|w| w.starts_with(['#', '&']));
    let channels: Vec<&(String, u64)> = if q.within.is_empty() {
        r.channels.iter().collect()
    } else {
        r.channels.iter().filter(|(c, _)| in_channels.contains(c)).collect()
    };
    // Each scope separately, so that each can use its own index.
    let mut scopes = Vec::new();
    for (c, since) in channels {
        let (c, since) = (arg(Value::Text(c.clone())), arg(Value::Integer(*since as i64)));
        scopes.push(format!("(m.target = {c} AND m.peer_target IS NULL AND m.time >= {since})"));
    }
    let private = if q.within.is_empty() {
        // Every key `<owner> <nick>`: after `<owner> `, before `<owner>!`.
        let (lo, hi) = (arg(Value::Text(format!("{} ", r.owner))), arg(Value::Text(format!("{}!", r.owner))));
        vec![format!("m.target >= {lo} AND m.target < {hi}"), format!("m.peer_target >= {lo} AND m.peer_target < {hi}")]
    } else {
        let keys: Vec<String> = in_nicks.iter().map(|n| arg(Value::Text(format!("{} {n}", r.owner)))).collect();
        let keys = keys.join(",");
        if keys.is_empty() {
            Vec::new()
        } else {
            vec![format!("m.target IN ({keys})"), format!("m.peer_target IN ({keys})")]
        }
    };
    if !private.is_empty() {
        let since = arg(Value::Integer(r.private_since as i64));
        for p in private {
            scopes.push(format!("({p} AND m.peer_target IS NOT NULL AND m.time >= {since})"));
        }
    }
    if scopes.is_empty() {
        return Ok(Vec::new());
    }

    let mut conditions = vec!["m.command IN ('PRIVMSG', 'NOTICE')".to_owned()];
    if !q.from.is_empty() {
        let nicks: Vec<String> = q.from.iter().map(|n| arg(Value::Text(casemap::fold(n)))).collect();
        let nicks = nicks.join(",");
        // The nick the line was sent with, or the account it was sent from.
        conditions.push(format!(
            "(lower(substr(m.prefix, 1, instr(m.prefix, '!') - 1)) IN ({nicks}) OR lower(m.account) IN ({nicks}))"
        ));
    }
    if let Some(after) = q.after {
        conditions.push(format!("m.time >= {}", arg(Value::Integer(after as i64))));
    }
    if let Some(before) = q.before {
        conditions.push(format!("m.time < {}", arg(Value::Integer(before as i64))));
    }
    let conditions = conditions.join(" AND ");
    let sql = match q.fts_expression() {
        Some(expr) => {
            let expr = arg(Value::Text(expr));
            let scan = arg(Value::Integer(req.scan.min(i64::MAX as usize) as i64));
            // CROSS JOIN keeps the index first: driven by the reader's
            // (target, time) ranges instead, each row would be a lookup in
            // the index, every line of the reader's channels.
            format!(
                "SELECT {COLUMNS} FROM (SELECT rowid FROM messages_fts WHERE messages_fts MATCH {expr}
                                       ORDER BY rowid DESC LIMIT {scan}) f
                 CROSS JOIN messages m ON m.id = f.rowid
                 WHERE ({}) AND {conditions}
                 ORDER BY f.rowid DESC LIMIT {limit}",
                scopes.join(" OR ")
            )
        }
        None => {
            let arms: Vec<String> = scopes
                .iter()
                .map(|scope| {
                    format!(
                        "SELECT * FROM (SELECT {COLUMNS} FROM messages m WHERE {scope} AND {conditions}
                         ORDER BY m.time DESC, m.id DESC LIMIT {limit})"
                    )
                })
                .collect();
            format!("SELECT * FROM ({}) ORDER BY 3 DESC, 1 DESC LIMIT {limit}", arms.join(" UNION ALL "))
        }
    };
    let mut stmt = db.prepare(&sql)?;
    let rows = stmt.query_map(rusqlite::params_from_iter(args), row_to_line)?;
    let mut lines = rows.collect::<rusqlite::Result<Vec<_>>>()?;
    // A line to oneself is in both private scopes.
    lines.sort_by_key(|l| (l.time, l.id));
    lines.dedup_by_key(|l| l.id);
    Ok(lines)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::store::{SqliteStore, Store};

    fn line(n: i64, time: u64, target: &str, peer: Option<&str>, nick: &str, text: &str) -> HistoryLine {
        HistoryLine {
            msgid: format!("m{n}"),
            time,
            target: target.into(),
            peer_target: peer.map(str::to_owned),
            command: "PRIVMSG".into(),
            prefix: format!("{nick}!u@h"),
            params: if peer.is_some() { "x".into() } else { target.into() },
            text: Some(text.into()),
            ..HistoryLine::default()
        }
    }

    fn store() -> SqliteStore {
        let store = SqliteStore::in_memory();
        let lines = [
            line(1, 10, "#a", None, "ann", "otter in a"),
            line(2, 11, "#b", None, "bob", "otter in b"),
            line(3, 12, "a:ann bob", Some("n:bob ann"), "Ann", "otter ann to bob"),
            line(4, 13, "n:anna cat", Some("n:cat anna"), "anna", "otter anna to cat"),
            line(5, 14, "n:bob ann", Some("a:ann bob"), "bob", "otter bob to ann"),
            line(6, 15, "a:ann ann", Some("a:ann ann"), "ann", "otter note to self"),
            line(7, 16, "#a", None, "cat", "otter late in a"),
            HistoryLine { command: "TOPIC".into(), ..line(8, 17, "#a", None, "ann", "otter topic") },
        ];
        for l in lines {
            store.append_history(l);
        }
        store.flush().wait().unwrap();
        store
    }

    fn reader(channels: &[&str], owner: &str, since: u64) -> Reader {
        Reader {
            channels: channels.iter().map(|c| ((*c).to_owned(), 0)).collect(),
            owner: owner.into(),
            private_since: since,
        }
    }

    fn ids(store: &SqliteStore, reader: &Reader, query: &str) -> Vec<String> {
        let req = SearchRequest {
            query: SearchQuery::parse(query).unwrap(),
            reader: reader.clone(),
            limit: 50,
            scan: 10_000,
        };
        store.search_history(&req).unwrap().into_iter().map(|l| l.msgid).collect()
    }

    #[test]
    fn only_what_the_reader_may_read() {
        let s = store();
        let ann = reader(&["#a"], "a:ann", 0);
        assert_eq!(ids(&s, &ann, "otter"), ["m1", "m3", "m5", "m6", "m7"]);
        assert_eq!(ids(&s, &ann, "from:ann"), ["m1", "m3", "m6"], "filters alone, account or nick");
        // bob has no account: his side of the conversation, from when he
        // took the nick on.
        assert_eq!(ids(&s, &reader(&["#b"], "n:bob", 0), "otter"), ["m2", "m3", "m5"]);
        assert_eq!(ids(&s, &reader(&["#b"], "n:bob", 13), "otter"), ["m2", "m5"]);
        assert_eq!(ids(&s, &reader(&["#b"], "n:bob", 13), "from:bob"), ["m2", "m5"]);
        // `n:ann` is not a prefix of `n:anna`'s keys, nor `a:ann`'s.
        assert_eq!(ids(&s, &reader(&[], "n:ann", 0), "otter"), Vec::<String>::new());
        assert_eq!(ids(&s, &reader(&[], "n:an", 0), "from:anna"), Vec::<String>::new());
        assert_eq!(ids(&s, &reader(&[], "n:anna", 0), "otter"), ["m4"]);
        assert_eq!(ids(&s, &reader(&[], "n:cat", 0), "otter"), ["m4"]);
    }

    #[test]
    fn in_narrows_and_never_widens() {
        let s = store();
        let ann = reader(&["#a"], "a:ann", 0);
        assert_eq!(ids(&s, &ann, "otter in:#A"), ["m1", "m7"]);
        assert_eq!(ids(&s, &ann, "otter in:#b"), Vec::<String>::new());
        assert_eq!(ids(&s, &ann, "otter in:Bob"), ["m3", "m5"]);
        assert_eq!(ids(&s, &ann, "in:bob"), ["m3", "m5"]);
        assert_eq!(ids(&s, &ann, "otter in:cat"), Vec::<String>::new());
        assert_eq!(ids(&s, &ann, "otter in:ann"), ["m6"]);
        assert_eq!(ids(&s, &ann, "in:ann"), ["m6"], "a line to oneself once");
        assert_eq!(ids(&s, &ann, "otter in:#a in:bob"), ["m1", "m3", "m5", "m7"]);
    }

    #[test]
    fn newest_matches_oldest_first() {
        let s = store();
        let ann = reader(&["#a"], "a:ann", 0);
        let req =
            SearchRequest { query: SearchQuery::parse("otter").unwrap(), reader: ann.clone(), limit: 2, scan: 10_000 };
        let found: Vec<_> = s.search_history(&req).unwrap().into_iter().map(|l| l.msgid).collect();
        assert_eq!(found, ["m6", "m7"]);
        let req = SearchRequest { query: SearchQuery::parse("in:#a").unwrap(), reader: ann, limit: 1, scan: 10_000 };
        let found: Vec<_> = s.search_history(&req).unwrap().into_iter().map(|l| l.msgid).collect();
        assert_eq!(found, ["m7"], "a TOPIC is not a search result");
        assert_eq!(
            ids(&s, &reader(&["#a"], "a:ann", 0), "otter after:1970-01-01 before:1970-01-02"),
            ["m1", "m3", "m5", "m6", "m7"]
        );
    }
}
