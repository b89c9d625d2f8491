//! Conformance: each test sends the lines a client sends and checks the
//! answer the Modern IRC and IRCv3 specifications require.

#[path = "../common/mod.rs"]
mod common;

mod accounts;
mod channels;
mod history;
mod protocol;
mod transport;
