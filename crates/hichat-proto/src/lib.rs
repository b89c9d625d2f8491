//! The IRC wire protocol for hichat, with no I/O.
//!
//! Bytes go in, [`Message`]s come out, and back again. The server, the
//! terminal client, the benchmark tool and the fuzzers all share this crate,
//! so it knows nothing about sockets or async runtimes.
//!
//! - [`LineDecoder`] cuts a byte stream into lines, bounded in length.
//! - [`Message`] parses one line into tags, source, command and parameters,
//!   and writes itself back out.
//! - [`Command`] is the typed form of the commands hichat understands.
//! - [`Numeric`] names every numeric reply hichat sends.
//! - [`casemap`] folds nicknames and channel names for comparison, and
//!   [`Nickname`] / [`ChannelName`] are their validated forms;
//!   [`confusables`] tells names that look alike.

pub mod casemap;
mod command;
pub mod confusables;
mod decoder;
mod message;
mod names;
mod numeric;
mod tags;
mod wildcard;

pub use command::{Command, CommandError, JoinTarget, ModeChange};
pub use decoder::{DecodeError, LineDecoder, MAX_CLIENT_TAGS_LEN, MAX_LINE_LEN, MAX_TAGS_LEN};
pub use message::{Message, ParseError};
pub use names::{ChannelName, NameError, Nickname, CHANNELLEN, NICKLEN};
pub use numeric::Numeric;
pub use tags::{escape_tag_value, unescape_tag_value, Tag};
