//! Reading everything the server keeps in memory ([`Records`]) from the
//! database at start-up.

use super::*;
use rusqlite::Connection;

pub(super) fn read_all(db: &Connection) -> rusqlite::Result<Records> {
    let mut records = Records::default();
    let mut stmt = db.prepare(
        "SELECT name, display, password_hash, scram_salt, scram_iterations, scram_stored_key,
         scram_server_key, email, registered_at FROM accounts",
    )?;
    let rows = stmt.query_map([], |r| {
        Ok(AccountRecord {
            name: r.get(0)?,
            display: r.get(1)?,
            credentials: Credentials {
                password_hash: r.get(2)?,
                scram_salt: r.get(3)?,
                scram_iterations: r.get(4)?,
                scram_stored_key: r.get(5)?,
                scram_server_key: r.get(6)?,
            },
            email: r.get(7)?,
            registered_at: r.get::<_, i64>(8)? as u64,
        })
    })?;
    for a in rows {
        let a = a?;
        records.accounts.insert(a.name.clone(), a);
    }
    let mut stmt = db.prepare(
        "SELECT name, display, founder, registered_at, topic, topic_setter, topic_time, modes, mode_key,
         mode_limit, description, keep_topic, mlock_on, mlock_off FROM channels",
    )?;
    let rows = stmt.query_map([], |r| {
        let text: Option<String> = r.get(4)?;
        let topic = match text {
            Some(text) => Some(TopicRecord {
                text,
                setter: r.get::<_, Option<String>>(5)?.unwrap_or_default(),
                time: r.get::<_, Option<i64>>(6)?.unwrap_or(0) as u64,
            }),
            None => None,
        };
        Ok(ChannelRecord {
            name: r.get(0)?,
            display: r.get(1)?,
            founder: r.get(2)?,
            registered_at: r.get::<_, i64>(3)? as u64,
            topic,
            modes: r.get(7)?,
            key: r.get(8)?,
            limit: r.get::<_, Option<i64>>(9)?.map(|l| l as u64),
            lists: Vec::new(),
            access: Vec::new(),
            settings: ChannelSettings {
                description: r.get(10)?,
                keep_topic: r.get(11)?,
                mlock_on: r.get(12)?,
                mlock_off: r.get(13)?,
                history: None,
            },
        })
    })?;
    for c in rows {
        let c = c?;
        records.channels.insert(c.name.clone(), c);
    }
    let mut stmt = db.prepare("SELECT channel, max_messages, max_age FROM channel_history")?;
    let rows = stmt.query_map([], |r| {
        let retention = Retention {
            max_messages: r.get::<_, Option<i64>>(1)?.unwrap_or(0).max(0) as u64,
            max_age_secs: r.get::<_, Option<i64>>(2)?.unwrap_or(0).max(0) as u64,
        };
        Ok((r.get::<_, String>(0)?, retention))
    })?;
    for row in rows {
        let (channel, retention) = row?;
        if let Some(c) = records.channels.get_mut(&channel) {
            c.settings.history = Some(retention);
        }
    }
    let mut stmt =
        db.prepare("SELECT channel, list, mask, setter, set_at FROM channel_lists ORDER BY channel, set_at, mask")?;
    let rows = stmt.query_map([], |r| {
        let list: String = r.get(1)?;
        Ok((
            r.get::<_, String>(0)?,
            ListRecord {
                list: list.chars().next().unwrap_or('b'),
                mask: r.get(2)?,
                setter: r.get(3)?,
                time: r.get::<_, i64>(4)? as u64,
            },
        ))
    })?;
    for row in rows {
        let (channel, entry) = row?;
        if let Some(c) = records.channels.get_mut(&channel) {
            c.lists.push(entry);
        }
    }
    let mut stmt = db.prepare("SELECT channel, account, level FROM channel_access ORDER BY channel, account")?;
    let rows = stmt.query_map([], |r| Ok((r.get::<_, String>(0)?, r.get::<_, String>(1)?, r.get::<_, String>(2)?)))?;
    for row in rows {
        let (channel, account, level) = row?;
        if let (Some(c), Some(level)) = (records.channels.get_mut(&channel), AccessLevel::parse(&level)) {
            c.access.push((account, level));
        }
    }
    let mut stmt = db.prepare("SELECT kind, mask, reason, setter, set_at, expires_at FROM bans ORDER BY set_at")?;
    let rows = stmt.query_map([], |r| {
        let kind: String = r.get(0)?;
        Ok(BanRecord {
            kind: if kind == "D" { BanKind::Dline } else { BanKind::Kline },
            mask: r.get(1)?,
            reason: r.get(2)?,
            setter: r.get(3)?,
            set_at: r.get::<_, i64>(4)? as u64,
            expires_at: r.get::<_, Option<i64>>(5)?.map(|t| t as u64),
        })
    })?;
    for b in rows {
        records.bans.push(b?);
    }
    let mut stmt = db.prepare("SELECT name, password_hash, hosts FROM operators ORDER BY name")?;
    let rows = stmt.query_map([], |r| {
        let hosts: String = r.get(2)?;
        Ok(OperatorRecord {
            name: r.get(0)?,
            password_hash: r.get(1)?,
            hosts: hosts.split_whitespace().map(str::to_owned).collect(),
        })
    })?;
    for o in rows {
        records.operators.push(o?);
    }
    records.scram_secret =
        db.query_row("SELECT value FROM secrets WHERE name = 'scram_fake_salt'", [], |r| r.get(0))?;
    // The newest of each account's only, however many an older hichat kept.
    let mut stmt = db.prepare(
        "SELECT account, target, time FROM (SELECT account, target, time,
         row_number() OVER (PARTITION BY account ORDER BY time DESC) AS n FROM read_markers) WHERE n <= ?1",
    )?;
    let rows = stmt.query_map([MAX_READ_MARKERS as i64], |r| {
        Ok((r.get::<_, String>(0)?, r.get::<_, String>(1)?, r.get::<_, i64>(2)?))
    })?;
    for row in rows {
        let (account, target, time) = row?;
        records.read_markers.entry(account).or_default().insert(target, time as u64);
    }
    let mut stmt = db.prepare("SELECT fingerprint, account FROM account_certs")?;
    let rows = stmt.query_map([], |r| Ok((r.get::<_, String>(0)?, r.get::<_, String>(1)?)))?;
    for row in rows {
        let (fingerprint, account) = row?;
        records.certs.insert(fingerprint, account);
    }
    Ok(records)
}
