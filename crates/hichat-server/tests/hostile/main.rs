//! The attack suite: each test sends the lines a hostile user sent when
//! hichat was attacked on purpose, over real sockets, and asserts the safe
//! behaviour (see docs/security.md). Where the finding was a stall, an
//! unrelated client's PING round trip is checked while the attack runs.

#[path = "../common/mod.rs"]
mod common;
#[path = "../web_common/mod.rs"]
mod web_common;

mod accounts;
mod channels;
mod history;
mod protocol;
mod transport;
