//! `hichat config check FILE` as a user runs it: the default file is "ok"
//! (exit 0, one line); a typo'd key and a wrong type are each named with
//! their line, all of them rather than the first (exit 2).

use std::path::PathBuf;
use std::process::{Command, Output};

const BIN: &str = env!("CARGO_BIN_EXE_hichat");

fn write(name: &str, text: &[u8]) -> PathBuf {
    let dir = std::env::temp_dir().join(format!("hichat-config-check-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let path = dir.join(name);
    std::fs::write(&path, text).unwrap();
    path
}

fn check(path: &PathBuf) -> (Option<i32>, String, String) {
    let Output { status, stdout, stderr } = Command::new(BIN).args(["config", "check"]).arg(path).output().unwrap();
    (status.code(), String::from_utf8(stdout).unwrap(), String::from_utf8(stderr).unwrap())
}

#[test]
fn the_default_file_is_ok() {
    let default = Command::new(BIN).args(["config", "default"]).output().unwrap();
    assert!(default.status.success());
    let path = write("default.toml", &default.stdout);
    let (code, out, err) = check(&path);
    assert_eq!(code, Some(0), "{err}");
    assert_eq!(err, "");
    assert_eq!(out.lines().count(), 1, "{out}");
    assert!(out.starts_with(&format!("{}: ok: IRC on 127.0.0.1:6666", path.display())), "{out}");
}

#[test]
fn a_typo_and_a_wrong_type_are_both_named_with_their_lines() {
    let path =
        write("bad.toml", b"[server]\nname = \"chat.example\"\n\n[limits]\nnick_lenght = 20\nsendq_bytes = \"1M\"\n");
    let (code, out, err) = check(&path);
    assert_eq!(code, Some(2), "{out}");
    assert_eq!(out, "");
    let p = path.display();
    let lines: Vec<&str> = err.lines().collect();
    assert_eq!(lines.len(), 3, "{err}");
    assert_eq!(lines[0], format!("{p}:5: unknown key `nick_lenght` in [limits]; did you mean `nick_length`?"));
    assert!(lines[1].starts_with(&format!("{p}:6: limits.sendq_bytes: invalid type: string \"1M\"")), "{err}");
    assert_eq!(lines[2], format!("hichat: {p}: 2 problems"));
}

#[test]
fn a_missing_file_is_one_line() {
    let (code, _, err) = check(&PathBuf::from("/nonexistent/hichat.toml"));
    assert_eq!(code, Some(2));
    assert_eq!(err.lines().count(), 1, "{err}");
    assert!(err.starts_with("hichat: cannot read /nonexistent/hichat.toml"), "{err}");
}
