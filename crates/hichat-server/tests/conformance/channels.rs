//! Conformance: channels.
