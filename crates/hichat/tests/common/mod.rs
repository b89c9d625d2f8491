//! Shared fixtures for the tests that run the `hichat` binary: its path, a
//! free loopback port and a fresh data directory.
#![allow(dead_code)]

use std::net::TcpListener;
use std::path::PathBuf;

/// The `hichat` binary cargo built for these tests.
pub const BIN: &str = env!("CARGO_BIN_EXE_hichat");

/// A loopback port nothing listens on (right now).
pub fn free_port() -> u16 {
    TcpListener::bind("127.0.0.1:0").unwrap().local_addr().unwrap().port()
}

/// A fresh, empty directory for one test, named by `name` (unique within a
/// test file; each file runs in a process of its own).
pub fn temp_dir(name: &str) -> PathBuf {
    let dir = std::env::temp_dir().join(format!("hichat-bin-{name}-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    dir
}
