//! Full-text search over chat history.
//!
//! Messages are indexed by SQLite FTS5 ([`index`]) soon after they are
//! stored (in bulk, by the store's writer, and always before a search), after
//! [`formatting`] codes are removed and the text is [`segment`]ed so that
//! Chinese, Japanese and Korean are searchable character by character. A
//! user's query is parsed by [`query`] into words and filters and turned
//! into an FTS5 expression that cannot inject FTS5 syntax.

pub mod command;
pub mod find;
pub mod formatting;
pub mod index;
pub mod query;
pub mod render;
pub mod segment;
