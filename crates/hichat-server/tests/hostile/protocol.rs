//! Hostile: protocol.
