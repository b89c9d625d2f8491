//! Conformance: accounts.
