//! Hostile: transport.
