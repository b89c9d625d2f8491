//! Conformance: protocol.
