//! How each [`Change`] is written, inside the writer's transaction (each
//! under a savepoint of its own; see `sqlite::commit_batch`).

use super::history;
use super::*;
use rusqlite::{params, Connection};

pub(super) fn apply(db: &Connection, change: &Change) -> Result<(), StoreError> {
    match change {
        Change::CreateAccount(a) => {
            let c = &a.credentials;
            db.execute(
                "INSERT INTO accounts (name, display, password_hash, scram_salt, scram_iterations,
                 scram_stored_key, scram_server_key, email, registered_at) VALUES (?1,?2,?3,?4,?5,?6,?7,?8,?9)",
                params![
                    a.name,
                    a.display,
                    c.password_hash,
                    c.scram_salt,
                    c.scram_iterations,
                    c.scram_stored_key,
                    c.scram_server_key,
                    a.email,
                    a.registered_at as i64
                ],
            )?;
        }
        Change::SetCredentials { account, credentials: c } => {
            let n = db.execute(
                "UPDATE accounts SET password_hash = ?2, scram_salt = ?3, scram_iterations = ?4,
                 scram_stored_key = ?5, scram_server_key = ?6 WHERE name = ?1",
                params![
                    account,
                    c.password_hash,
                    c.scram_salt,
                    c.scram_iterations,
                    c.scram_stored_key,
                    c.scram_server_key
                ],
            )?;
            if n == 0 {
                return Err(StoreError::NotFound);
            }
        }
        Change::DropAccount(name) => {
            if db.execute("DELETE FROM accounts WHERE name = ?1", [name])? == 0 {
                return Err(StoreError::NotFound);
            }
            db.execute("DELETE FROM channel_access WHERE account = ?1", [name])?;
            db.execute("DELETE FROM channels WHERE founder = ?1", [name])?;
        }
        Change::CreateChannel(ch) => {
            insert_channel(db, ch)?;
        }
        Change::UpdateChannel(ch) => {
            // The row is updated, not replaced, so that what other tables
            // keep about the channel (its history settings) stays.
            if update_channel_row(db, ch)? == 0 {
                return Err(StoreError::NotFound);
            }
            db.execute("DELETE FROM channel_lists WHERE channel = ?1", [&ch.name])?;
            db.execute("DELETE FROM channel_access WHERE channel = ?1", [&ch.name])?;
            insert_channel_entries(db, ch)?;
        }
        Change::DropChannel(name) => {
            if db.execute("DELETE FROM channels WHERE name = ?1", [name])? == 0 {
                return Err(StoreError::NotFound);
            }
        }
        Change::PutBan(b) => {
            db.execute(
                "INSERT OR REPLACE INTO bans (kind, mask, reason, setter, set_at, expires_at)
                 VALUES (?1,?2,?3,?4,?5,?6)",
                params![b.kind.code(), b.mask, b.reason, b.setter, b.set_at as i64, b.expires_at.map(|t| t as i64)],
            )?;
        }
        Change::RemoveBan { kind, mask } => {
            if db.execute("DELETE FROM bans WHERE kind = ?1 AND mask = ?2", params![kind.code(), mask])? == 0 {
                return Err(StoreError::NotFound);
            }
        }
        Change::PutOperator(op) => {
            db.execute(
                "INSERT OR REPLACE INTO operators (name, password_hash, hosts) VALUES (?1,?2,?3)",
                params![op.name, op.password_hash, op.hosts.join(" ")],
            )?;
        }
        Change::RedactHistory { msgid, channel } => {
            history::redact(db, msgid, channel.as_deref())?;
        }
        Change::ForgetChannelHistory(channel) => {
            history::forget_channel(db, channel)?;
        }
        Change::ForgetUnregisteredHistory { keep } => {
            history::forget_unregistered(db, keep)?;
        }
        Change::RenameHistory { from, to, display } => {
            history::rename(db, from, to, display)?;
        }
        Change::RemoveOperator(name) => {
            if db.execute("DELETE FROM operators WHERE name = ?1", params![name])? == 0 {
                return Err(StoreError::NotFound);
            }
        }
        Change::AddCert { account, fingerprint, added_at } => {
            // A missing account fails the foreign key, like a taken
            // fingerprint fails the key: both are conflicts for the caller.
            db.execute(
                "INSERT INTO account_certs (fingerprint, account, added_at) VALUES (?1,?2,?3)",
                params![fingerprint, account, *added_at as i64],
            )?;
        }
        Change::RemoveCert { account, fingerprint } => {
            let n = db.execute(
                "DELETE FROM account_certs WHERE fingerprint = ?1 AND account = ?2",
                params![fingerprint, account],
            )?;
            if n == 0 {
                return Err(StoreError::NotFound);
            }
        }
        Change::SetReadMarker { account, target, time } => {
            db.execute(
                "INSERT INTO read_markers (account, target, time) VALUES (?1,?2,?3)
                 ON CONFLICT (account, target) DO UPDATE SET time = max(time, excluded.time)",
                params![account, target, *time as i64],
            )?;
        }
        Change::ForgetReadMarker { account, target } => {
            db.execute("DELETE FROM read_markers WHERE account = ?1 AND target = ?2", params![account, target])?;
        }
        Change::RenameChannel { from, to, display } => rename_channel(db, from, to, display)?,
    }
    Ok(())
}

/// Renames a registered channel. The tables that refer to it do so without
/// `ON UPDATE CASCADE`, so the row is copied under the new name, the
/// references moved, and the old row deleted, all inside the change's
/// savepoint. The columns and the referring tables are read from the schema,
/// so settings added by later migrations move too.
fn rename_channel(db: &Connection, from: &str, to: &str, display: &str) -> Result<(), StoreError> {
    let mut stmt =
        db.prepare("SELECT name FROM pragma_table_info('channels') WHERE name NOT IN ('name', 'display')")?;
    let columns: Vec<String> = stmt.query_map([], |r| r.get(0))?.collect::<Result<_, _>>()?;
    let columns = columns.join(", ");
    let copied = db.execute(
        &format!(
            "INSERT INTO channels (name, display, {columns}) SELECT ?2, ?3, {columns} FROM channels WHERE name = ?1"
        ),
        params![from, to, display],
    )?;
    if copied == 0 {
        return Err(StoreError::NotFound);
    }
    let mut stmt = db.prepare(
        "SELECT m.name, f.\"from\" FROM sqlite_schema AS m, pragma_foreign_key_list(m.name) AS f
         WHERE m.type = 'table' AND f.\"table\" = 'channels' AND f.\"to\" = 'name'",
    )?;
    let refs: Vec<(String, String)> = stmt.query_map([], |r| Ok((r.get(0)?, r.get(1)?)))?.collect::<Result<_, _>>()?;
    for (table, column) in refs {
        db.execute(&format!("UPDATE \"{table}\" SET \"{column}\" = ?2 WHERE \"{column}\" = ?1"), params![from, to])?;
    }
    db.execute("DELETE FROM channels WHERE name = ?1", [from])?;
    Ok(())
}

fn insert_channel(db: &Connection, ch: &ChannelRecord) -> Result<(), StoreError> {
    db.execute(
        "INSERT INTO channels (name, display, founder, registered_at) VALUES (?1,?2,?3,?4)",
        params![ch.name, ch.display, ch.founder, ch.registered_at as i64],
    )?;
    update_channel_row(db, ch)?;
    insert_channel_entries(db, ch)
}

/// Writes everything of a channel's row but its name, and its history
/// retention; returns the rows changed (0 when it is not registered).
fn update_channel_row(db: &Connection, ch: &ChannelRecord) -> Result<usize, StoreError> {
    let topic = ch.topic.as_ref();
    let s = &ch.settings;
    let n = db.execute(
        "UPDATE channels SET display = ?2, founder = ?3, registered_at = ?4, topic = ?5, topic_setter = ?6,
         topic_time = ?7, modes = ?8, mode_key = ?9, mode_limit = ?10, description = ?11, keep_topic = ?12,
         mlock_on = ?13, mlock_off = ?14 WHERE name = ?1",
        params![
            ch.name,
            ch.display,
            ch.founder,
            ch.registered_at as i64,
            topic.map(|t| &t.text),
            topic.map(|t| &t.setter),
            topic.map(|t| t.time as i64),
            ch.modes,
            ch.key,
            ch.limit.map(|l| l as i64),
            s.description,
            s.keep_topic,
            s.mlock_on,
            s.mlock_off
        ],
    )?;
    if n > 0 {
        match s.history {
            Some(r) => db.execute(
                "INSERT OR REPLACE INTO channel_history (channel, max_messages, max_age) VALUES (?1,?2,?3)",
                params![ch.name, r.max_messages as i64, r.max_age_secs as i64],
            )?,
            None => db.execute("DELETE FROM channel_history WHERE channel = ?1", [&ch.name])?,
        };
    }
    Ok(n)
}

/// Inserts a channel's list and access entries.
fn insert_channel_entries(db: &Connection, ch: &ChannelRecord) -> Result<(), StoreError> {
    for l in &ch.lists {
        db.execute(
            "INSERT OR IGNORE INTO channel_lists (channel, list, mask, setter, set_at) VALUES (?1,?2,?3,?4,?5)",
            params![ch.name, l.list.to_string(), l.mask, l.setter, l.time as i64],
        )?;
    }
    for (account, level) in &ch.access {
        db.execute(
            "INSERT OR REPLACE INTO channel_access (channel, account, level) VALUES (?1,?2,?3)",
            params![ch.name, account, level.as_str()],
        )?;
    }
    Ok(())
}
