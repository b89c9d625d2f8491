//! The hichat IRC server.
//!
//! Bytes arrive on a [`transport`], are cut into lines and parsed by
//! `hichat-proto`, and reach the [`handlers`] with the [`state`] locked. A
//! handler replies and fans messages out by pushing encoded bytes into
//! clients' [`outbox`]es, which their connection tasks ([`conn`]) write.
//!
//! Start one with [`Server::new`] and [`Server::serve`], giving it listeners
//! bound with [`Listener::bind`].

pub mod accounts;
pub mod bans;
mod batch;
pub mod caps;
mod client_tags;
mod clock;
pub mod config;
pub mod config_check;
pub mod conn;
pub mod console;
mod flood;
mod handlers;
pub mod history;
pub mod i18n;
#[doc(hidden)]
pub mod invariants;
pub mod ip_key;
mod isupport;
mod labeled;
pub mod listener;
pub mod live;
pub mod metrics;
mod msgid;
mod multiline;
pub mod operators;
pub mod outbox;
mod plain;
pub mod rehash;
mod reply;
pub mod search;
pub mod server;
pub mod services;
pub mod state;
pub mod store;
pub mod transport;
pub mod web;
pub mod webirc;

pub use config::{Config, ConfigError, DEFAULT_TOML};
pub use console::{Console, ConsoleReply};
pub use listener::{BindError, Listener};
pub use server::Server;
