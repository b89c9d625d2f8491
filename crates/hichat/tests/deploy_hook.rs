//! contrib/certbot-deploy-hook.sh as certbot runs it after a renewal: the
//! new certificate and key are copied where hichat reads them, the key
//! readable by its owner and group only, and the running server (found by
//! a pid file) reloads them on the SIGHUP the hook sends. Needs root (the
//! hook sets owners); skipped, saying so, otherwise.

use std::io::{BufRead, Read, Write};
use std::net::TcpListener;
use std::os::unix::fs::PermissionsExt;
use std::path::Path;
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

const BIN: &str = env!("CARGO_BIN_EXE_hichat");

fn hook() -> std::path::PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../../contrib/certbot-deploy-hook.sh")
}

/// A certbot-like lineage directory with a fresh self-signed pair.
fn lineage(dir: &Path) {
    std::fs::create_dir_all(dir).unwrap();
    assert!(Command::new(BIN).args(["cert", "self-signed", "--out"]).arg(dir).output().unwrap().status.success());
    std::fs::rename(dir.join("cert.pem"), dir.join("fullchain.pem")).unwrap();
    std::fs::rename(dir.join("key.pem"), dir.join("privkey.pem")).unwrap();
}

fn run_hook(lineage: &Path, tls: &Path, pidfile: Option<&Path>) -> std::process::Output {
    let mut c = Command::new("sh");
    c.arg(hook()).env("RENEWED_LINEAGE", lineage).env("HICHAT_TLS_DIR", tls).env("HICHAT_GROUP", "root");
    if let Some(p) = pidfile {
        c.env("HICHAT_PIDFILE", p);
    }
    c.output().unwrap()
}

fn mode(p: &Path) -> u32 {
    std::fs::metadata(p).unwrap().permissions().mode() & 0o777
}

#[test]
fn renewal_copies_safely_and_reloads() {
    let uid = String::from_utf8(Command::new("id").arg("-u").output().unwrap().stdout).unwrap();
    if uid.trim() != "0" {
        eprintln!("SKIP: the deploy hook sets file owners and must run as root");
        return;
    }
    let dir = std::env::temp_dir().join(format!("hichat-hook-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    let (first, second, tls) = (dir.join("live-1"), dir.join("live-2"), dir.join("tls"));
    lineage(&first);
    lineage(&second);
    let out = run_hook(&first, &tls, None);
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    assert_eq!(mode(&tls), 0o750);
    assert_eq!(mode(&tls.join("privkey.pem")), 0o640, "the key is not for everyone");
    assert_eq!(mode(&tls.join("fullchain.pem")), 0o644);

    let port = TcpListener::bind("127.0.0.1:0").unwrap().local_addr().unwrap().port();
    let tls_port = TcpListener::bind("127.0.0.1:0").unwrap().local_addr().unwrap().port();
    let mut child = Command::new(BIN)
        .args(["serve", "--web", "off", "--log-format", "json", "--listen", &format!("127.0.0.1:{port}")])
        .args(["--tls-listen", &format!("127.0.0.1:{tls_port}"), "--tls-cert"])
        .arg(tls.join("fullchain.pem"))
        .arg("--tls-key")
        .arg(tls.join("privkey.pem"))
        .arg("--data-dir")
        .arg(dir.join("data"))
        .stdin(Stdio::null())
        .stdout(Stdio::null())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let deadline = Instant::now() + Duration::from_secs(20);
    while std::net::TcpStream::connect(("127.0.0.1", tls_port)).is_err() {
        assert!(Instant::now() < deadline, "server did not start");
        std::thread::sleep(Duration::from_millis(20));
    }
    // A registered client means the server runs, its SIGHUP handler too.
    let irc = std::net::TcpStream::connect(("127.0.0.1", port)).unwrap();
    irc.set_read_timeout(Some(Duration::from_secs(5))).unwrap();
    let mut reader = std::io::BufReader::new(irc.try_clone().unwrap());
    (&irc).write_all(b"NICK ann\r\nUSER ann 0 * :ann\r\n").unwrap();
    let mut line = String::new();
    while !line.contains(" 001 ") {
        line.clear();
        assert!(reader.read_line(&mut line).unwrap() > 0, "closed before 001");
    }
    let pidfile = dir.join("hichat.pid");
    std::fs::write(&pidfile, child.id().to_string()).unwrap();
    let out = run_hook(&second, &tls, Some(&pidfile));
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    assert_eq!(std::fs::read(tls.join("privkey.pem")).unwrap(), std::fs::read(second.join("privkey.pem")).unwrap());
    assert_eq!(mode(&tls.join("privkey.pem")), 0o640);
    let leftovers: Vec<_> = std::fs::read_dir(&tls).unwrap().map(|e| e.unwrap().file_name()).collect();
    assert_eq!(leftovers.len(), 2, "no temporary files left: {leftovers:?}");
    std::thread::sleep(Duration::from_millis(500));
    let _ = Command::new("kill").args(["-TERM", &child.id().to_string()]).status();
    let mut err = String::new();
    child.stderr.take().unwrap().read_to_string(&mut err).unwrap();
    child.wait().unwrap();
    assert!(err.contains("\"message\":\"TLS certificate reloaded\""), "the server did not reload:\n{err}");
    let _ = std::fs::remove_dir_all(&dir);
}
