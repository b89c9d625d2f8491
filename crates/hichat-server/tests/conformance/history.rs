//! Conformance: history.
