//! Hostile: history.
