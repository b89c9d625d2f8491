//! Hostile: channels.
