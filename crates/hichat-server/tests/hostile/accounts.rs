//! Hostile: accounts.
