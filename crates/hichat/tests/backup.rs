//! `hichat backup` and `hichat restore` with the real binary: a backup
//! taken while clients register accounts and channels and talk holds every
//! account, registration and history line acknowledged before it began,
//! and restored into a fresh directory a server starts on it and has them
//! all, in an intact file; and every refusal (paths, a file in the way, a
//! running server's directory, files that are not a good hichat database)
//! is one line and exit code 2. A second server refuses a directory a
//! running one holds.

use std::io::{BufRead, BufReader, Write};
use std::net::TcpStream;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Output, Stdio};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};

mod common;
use common::{free_port, temp_dir, BIN};

/// Starts `hichat serve` on `port` storing in `data`, with flood control
/// and the history byte budget off and no web listener.
fn serve(data: &Path, port: u16) -> Child {
    let config = data.with_extension("toml");
    let text = "[flood]\nenabled = false\n[limits]\nconnections_per_ip = 1000\n[web]\nlisten = \"\"\n\
                [history]\nuser_bytes_per_minute = 0\n";
    std::fs::write(&config, text).unwrap();
    let child = Command::new(BIN)
        .args(["serve", "--listen", &format!("127.0.0.1:{port}"), "--config"])
        .arg(&config)
        .arg("--data-dir")
        .arg(data)
        .env("RUST_LOG", "warn")
        .stdin(Stdio::null())
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    let deadline = Instant::now() + Duration::from_secs(20);
    while TcpStream::connect(("127.0.0.1", port)).is_err() {
        assert!(Instant::now() < deadline, "server did not start");
        std::thread::sleep(Duration::from_millis(20));
    }
    child
}

/// Stops the server with SIGTERM (through `kill`: the crate forbids
/// unsafe code) and waits for it.
fn sigterm(child: &mut Child) {
    let _ = Command::new("kill").args(["-TERM", &child.id().to_string()]).status();
    let deadline = Instant::now() + Duration::from_secs(10);
    while child.try_wait().unwrap().is_none() {
        if Instant::now() > deadline {
            let _ = child.kill();
            panic!("server did not stop on SIGTERM");
        }
        std::thread::sleep(Duration::from_millis(20));
    }
}

/// Runs `hichat ARGS...` to the end.
fn hichat(args: &[&str]) -> Output {
    Command::new(BIN).args(args).stdin(Stdio::null()).output().unwrap()
}

fn text(bytes: &[u8]) -> String {
    String::from_utf8_lossy(bytes).into_owned()
}

/// Asserts a refusal: exit code 2, one line on stderr containing `needle`.
fn refused(out: &Output, needle: &str) {
    let err = text(&out.stderr);
    assert_eq!(out.status.code(), Some(2), "expected exit 2 ({needle}); stderr: {err}");
    assert_eq!(err.lines().count(), 1, "one line: {err}");
    assert!(err.starts_with("hichat: ") && err.contains(needle), "{needle:?} not in {err:?}");
}

fn path(p: &Path) -> &str {
    p.to_str().unwrap()
}

struct Client {
    reader: BufReader<TcpStream>,
    writer: TcpStream,
}

impl Client {
    /// Registers as `nick` with draft/chathistory and batch.
    fn register(port: u16, nick: &str) -> std::io::Result<Client> {
        let stream = TcpStream::connect(("127.0.0.1", port))?;
        stream.set_read_timeout(Some(Duration::from_secs(20)))?;
        let mut c = Client { reader: BufReader::new(stream.try_clone()?), writer: stream };
        c.send(&format!("CAP REQ :draft/chathistory batch\r\nNICK {nick}\r\nUSER {nick} 0 * :{nick}\r\nCAP END"))?;
        c.wait_for(" 001 ")?;
        Ok(c)
    }

    fn send(&mut self, line: &str) -> std::io::Result<()> {
        self.writer.write_all(format!("{line}\r\n").as_bytes())
    }

    fn line(&mut self) -> std::io::Result<String> {
        let mut line = String::new();
        if self.reader.read_line(&mut line)? == 0 {
            return Err(std::io::ErrorKind::UnexpectedEof.into());
        }
        Ok(line)
    }

    /// The next line containing `needle`; an error if the connection ends.
    fn wait_for(&mut self, needle: &str) -> std::io::Result<String> {
        loop {
            let line = self.line()?;
            if line.contains(needle) {
                return Ok(line);
            }
        }
    }

    /// `CHATHISTORY LATEST chan * n`: the lines of the batch it answers
    /// with (the server commits what is queued before it reads).
    fn latest(&mut self, chan: &str, n: usize) -> std::io::Result<Vec<String>> {
        self.send(&format!("CHATHISTORY LATEST {chan} * {n}"))?;
        let mut lines = Vec::new();
        self.wait_for(" BATCH +")?;
        loop {
            let line = self.line()?;
            if line.contains(" BATCH -") || line.starts_with("BATCH -") {
                return Ok(lines);
            }
            lines.push(line);
        }
    }
}

/// Something a client was told is stored, and when.
#[derive(Debug, Clone)]
enum Acked {
    Account(String),
    /// A registered channel and its founder.
    Channel(String, String),
    /// A history line: channel and text.
    Line(String, String),
}

/// Registers an account and a channel and says three lines in it, each
/// acknowledged once CHATHISTORY returns it, in a loop until `stop`.
fn write_load(port: u16, worker: usize, stop: Arc<AtomicBool>) -> Vec<(Instant, Acked)> {
    let mut acked = Vec::new();
    for i in 0.. {
        if stop.load(Ordering::Relaxed) {
            break;
        }
        let nick = format!("w{worker}n{i}");
        let chan = format!("#c{worker}x{i}");
        let result = (|| -> std::io::Result<()> {
            let mut c = Client::register(port, &nick)?;
            c.send(&format!("PRIVMSG NickServ :REGISTER pass-{nick}"))?;
            c.wait_for("registered; you are now logged in")?;
            acked.push((Instant::now(), Acked::Account(nick.clone())));
            c.send(&format!("JOIN {chan}"))?;
            c.wait_for(" 366 ")?;
            c.send(&format!("PRIVMSG ChanServ :REGISTER {chan}"))?;
            c.wait_for("is now registered to you")?;
            acked.push((Instant::now(), Acked::Channel(chan.clone(), nick.clone())));
            for k in 0..3 {
                let said = format!("{nick} says line {k}");
                c.send(&format!("PRIVMSG {chan} :{said}"))?;
                if c.latest(&chan, 5)?.iter().any(|l| l.trim_end().ends_with(&format!(" :{said}"))) {
                    acked.push((Instant::now(), Acked::Line(chan.clone(), said)));
                }
            }
            c.send("QUIT")
        })();
        if let Err(e) = result {
            panic!("worker {worker} failed under load: {e}");
        }
    }
    acked
}

/// The counts in a backup's or restore's summary: accounts, channels, bans,
/// history lines.
fn counts(summary: &str) -> [u64; 4] {
    let after = |word: &str| -> u64 {
        let at = summary.find(word).unwrap_or_else(|| panic!("{word:?} not in {summary:?}"));
        summary[..at].trim_end().rsplit([' ', ':']).next().unwrap().parse().unwrap()
    };
    [after(" account"), after(" registered channel"), after(" ban"), after(" history line")]
}

#[test]
fn a_backup_under_write_load_restores_everything_acknowledged_before_it() {
    let dir = temp_dir("load");
    let data = dir.join("data");
    let port = free_port();
    let mut server = serve(&data, port);
    let stop = Arc::new(AtomicBool::new(false));
    let workers: Vec<_> = (0..4)
        .map(|w| {
            let stop = stop.clone();
            std::thread::spawn(move || write_load(port, w, stop))
        })
        .collect();
    std::thread::sleep(Duration::from_millis(1500));

    // Backups while the load runs; the newest that ran while a client was
    // told a change was stored is the one restored.
    let out = dir.join("backup.db");
    let mut windows = Vec::new();
    for _ in 0..5 {
        let began = Instant::now();
        let result = hichat(&["backup", "--data-dir", path(&data), "--out", path(&out), "--force"]);
        let ended = Instant::now();
        assert!(result.status.success(), "backup failed: {}", text(&result.stderr));
        windows.push((began, ended, text(&result.stdout)));
        std::thread::sleep(Duration::from_millis(150));
    }
    std::thread::sleep(Duration::from_millis(500));
    stop.store(true, Ordering::Relaxed);
    let acked: Vec<(Instant, Acked)> = workers.into_iter().flat_map(|w| w.join().unwrap()).collect();
    let during = |w: &(Instant, Instant, String)| acked.iter().filter(|(t, _)| w.0 <= *t && *t <= w.1).count();
    let (began, _, summary) = windows.iter().rev().find(|w| during(w) > 0).unwrap_or_else(|| {
        panic!("no backup ran while changes were acknowledged ({} tries)", windows.len());
    });
    let before: Vec<&Acked> = acked.iter().filter(|(t, _)| t < began).map(|(_, a)| a).collect();
    let after = acked.iter().filter(|(t, _)| t > began).count();
    let n = |f: fn(&Acked) -> bool| before.iter().filter(|a| f(a)).count() as u64;
    let (accounts, channels, lines) = (
        n(|a| matches!(a, Acked::Account(_))),
        n(|a| matches!(a, Acked::Channel(..))),
        n(|a| matches!(a, Acked::Line(..))),
    );
    eprintln!(
        "backup: {summary}acknowledged before it: {accounts} accounts, {channels} channels, {lines} lines; \
         after it began: {after}"
    );
    assert!(accounts >= 4 && channels >= 4 && lines >= 4, "the load acknowledged too little to test");
    assert!(after > 0, "the load did not go on while the backup ran");
    let [a, c, b, h] = counts(summary);
    assert!(a >= accounts && c >= channels && h >= lines, "the summary counts too little: {summary}");
    assert_eq!(b, 0, "{summary}");
    // The backup is the server's only: password hashes are in it.
    let mode = std::os::unix::fs::PermissionsExt::mode(&std::fs::metadata(&out).unwrap().permissions());
    assert_eq!(mode & 0o077, 0, "the backup is readable by others: {mode:o}");
    sigterm(&mut server);

    // Restored into a directory that does not exist yet.
    let fresh = dir.join("fresh").join("data");
    let restored = hichat(&["restore", "--from", path(&out), "--data-dir", path(&fresh)]);
    assert!(restored.status.success(), "restore failed: {}", text(&restored.stderr));
    assert_eq!(counts(&text(&restored.stdout)), [a, c, b, h], "{}", text(&restored.stdout));

    // A server on it: a founder logs in and reads their channel's lines.
    let port = free_port();
    let mut server = serve(&fresh, port);
    let (chan, founder) = before
        .iter()
        .find_map(|a| match a {
            Acked::Channel(chan, founder) => Some((chan.clone(), founder.clone())),
            _ => None,
        })
        .unwrap();
    let mut c = Client::register(port, "checker").unwrap();
    c.send(&format!("PRIVMSG NickServ :IDENTIFY {founder} pass-{founder}")).unwrap();
    c.wait_for("You are now identified").unwrap();
    c.send(&format!("JOIN {chan}")).unwrap();
    c.wait_for(" 366 ").unwrap();
    let history = c.latest(&chan, 50).unwrap();
    for a in &before {
        if let Acked::Line(ch, said) = a {
            if *ch == chan {
                assert!(history.iter().any(|l| l.contains(said.as_str())), "{said:?} not replayed: {history:#?}");
            }
        }
    }
    sigterm(&mut server);

    // And the file has every acknowledged change, and is intact.
    let db = rusqlite::Connection::open(fresh.join("hichat.db")).unwrap();
    let ok: String = db.query_row("PRAGMA integrity_check", [], |r| r.get(0)).unwrap();
    assert_eq!(ok, "ok");
    let one = |sql: &str, params: &[&str]| -> i64 {
        db.query_row(sql, rusqlite::params_from_iter(params), |r| r.get(0)).unwrap()
    };
    for a in &before {
        match a {
            Acked::Account(name) => {
                assert_eq!(one("SELECT count(*) FROM accounts WHERE name = ?1", &[name]), 1, "account {name}");
            }
            Acked::Channel(chan, founder) => {
                let sql = "SELECT count(*) FROM channels WHERE name = ?1 AND founder = ?2";
                assert_eq!(one(sql, &[chan, founder]), 1, "channel {chan}");
            }
            Acked::Line(chan, said) => {
                let sql = "SELECT count(*) FROM messages WHERE target = ?1 AND command = 'PRIVMSG' AND text = ?2";
                assert_eq!(one(sql, &[chan, said]), 1, "history line {said:?} in {chan}");
            }
        }
    }
    drop(db);
    let _ = std::fs::remove_dir_all(&dir);
}

/// Overwrites the accounts table's first page with bytes no page begins
/// with: the schema still reads, the table does not.
fn damage(file: &Path) {
    let db = rusqlite::Connection::open(file).unwrap();
    let page: i64 =
        db.query_row("SELECT rootpage FROM sqlite_schema WHERE name = 'accounts'", [], |r| r.get(0)).unwrap();
    drop(db);
    let mut bytes = std::fs::read(file).unwrap();
    bytes[(page as usize - 1) * 4096..][..64].fill(0xee);
    std::fs::write(file, bytes).unwrap();
}

#[test]
fn refusals_are_one_line_and_exit_2() {
    let dir = temp_dir("refusals");
    let data = dir.join("data");
    let port = free_port();
    let mut server = serve(&data, port);
    let mut c = Client::register(port, "keeper").unwrap();
    c.send("PRIVMSG NickServ :REGISTER pass-keeper").unwrap();
    c.wait_for("registered; you are now logged in").unwrap();

    // Backups: no such directory, no database, a file in the way, a
    // directory that cannot be written, the database itself.
    let out = dir.join("b.db");
    let backup = |data: &Path, out: &Path, force: bool| {
        let mut args = vec!["backup", "--data-dir", path(data), "--out", path(out)];
        args.extend(force.then_some("--force"));
        hichat(&args)
    };
    refused(&backup(&dir.join("nowhere"), &out, false), "no data directory");
    refused(&backup(&dir, &out, false), "no database in");
    assert!(backup(&data, &out, false).status.success());
    let first = std::fs::read(&out).unwrap();
    std::fs::write(dir.join("taken"), "mine").unwrap();
    refused(&backup(&data, &dir.join("taken"), false), "exists; add --force");
    assert_eq!(std::fs::read_to_string(dir.join("taken")).unwrap(), "mine", "the file in the way is untouched");
    let forced = backup(&data, &dir.join("taken"), true);
    assert!(forced.status.success(), "{}", text(&forced.stderr));
    assert!(text(&forced.stdout).contains("1 account,"), "{}", text(&forced.stdout));
    refused(&backup(&data, &dir.join("no-such-dir").join("b.db"), false), "cannot write");
    refused(&backup(&data, &data.join("hichat.db"), true), "the data directory's own files");

    // A restore into the running server's directory is refused, and the
    // server's database is untouched.
    let into = |from: &Path, data: &Path| hichat(&["restore", "--from", path(from), "--data-dir", path(data)]);
    let before = std::fs::read(data.join("hichat.db")).unwrap();
    refused(&into(&out, &data), "in use by a running hichat");
    assert_eq!(std::fs::read(data.join("hichat.db")).unwrap(), before);
    let names: Vec<String> =
        std::fs::read_dir(&data).unwrap().map(|e| e.unwrap().file_name().to_string_lossy().into_owned()).collect();
    assert!(!names.iter().any(|n| n.contains("replaced") || n.contains("restoring")), "{names:?}");

    // A second server on the same directory refuses to start.
    let second = Command::new(BIN)
        .args(["serve", "--listen", &format!("127.0.0.1:{}", free_port()), "--web", "off", "--data-dir", path(&data)])
        .stdin(Stdio::null())
        .output()
        .unwrap();
    assert_eq!(second.status.code(), Some(2), "{}", text(&second.stderr));
    assert!(text(&second.stderr).contains("in use by a running hichat"), "{}", text(&second.stderr));
    c.send("PING :still-here").unwrap();
    c.wait_for("still-here").unwrap();

    // Files that are not a good hichat database, into a fresh directory.
    let fresh = dir.join("fresh");
    std::fs::write(dir.join("junk"), "not a database at all, just some text ".repeat(200)).unwrap();
    refused(&into(&dir.join("junk"), &fresh), "is not an SQLite database");
    refused(&into(&dir.join("missing"), &fresh), "no backup file");
    let other = rusqlite::Connection::open(dir.join("other.db")).unwrap();
    other.execute_batch("CREATE TABLE notes (x TEXT); PRAGMA user_version = 3;").unwrap();
    drop(other);
    refused(&into(&dir.join("other.db"), &fresh), "is not a hichat database of schema version 3");
    let plain = rusqlite::Connection::open(dir.join("plain.db")).unwrap();
    plain.execute_batch("CREATE TABLE notes (x TEXT);").unwrap();
    drop(plain);
    refused(&into(&dir.join("plain.db"), &fresh), "no schema version");
    let edited = |name: &str, sql: &str| {
        let file = dir.join(name);
        std::fs::write(&file, &first).unwrap();
        rusqlite::Connection::open(&file).unwrap().execute_batch(sql).unwrap();
        file
    };
    let newer = edited("newer.db", "PRAGMA user_version = 1000;");
    refused(&into(&newer, &fresh), "newer than this hichat knows");
    let trigger = edited("trigger.db", "CREATE TRIGGER t AFTER INSERT ON accounts BEGIN DELETE FROM bans; END;");
    refused(&into(&trigger, &fresh), "it has a trigger t that hichat's has not");
    let damaged = dir.join("damaged.db");
    std::fs::write(&damaged, &first).unwrap();
    damage(&damaged);
    refused(&into(&damaged, &fresh), "is damaged");
    assert!(!fresh.join("hichat.db").exists(), "nothing was restored");

    // Stopped, the server's database is moved aside, not deleted, and the
    // backup is in its place.
    drop(c);
    let later = Client::register(port, "later").and_then(|mut l| {
        l.send("PRIVMSG NickServ :REGISTER pass-later")?;
        l.wait_for("registered; you are now logged in")
    });
    later.unwrap();
    sigterm(&mut server);
    let done = into(&out, &data);
    assert!(done.status.success(), "{}", text(&done.stderr));
    let said = text(&done.stdout);
    let aside = said.split("is now ").nth(1).map(|s| PathBuf::from(s.trim())).expect("says where the old one went");
    let names = |file: &Path| -> Vec<String> {
        let db = rusqlite::Connection::open_with_flags(file, rusqlite::OpenFlags::SQLITE_OPEN_READ_ONLY).unwrap();
        let mut stmt = db.prepare("SELECT name FROM accounts ORDER BY name").unwrap();
        stmt.query_map([], |r| r.get(0)).unwrap().map(Result::unwrap).collect()
    };
    assert_eq!(names(&aside), ["keeper", "later"], "the old database is kept whole");
    assert_eq!(names(&data.join("hichat.db")), ["keeper"], "the backup is in place");
    let _ = std::fs::remove_dir_all(&dir);
}
