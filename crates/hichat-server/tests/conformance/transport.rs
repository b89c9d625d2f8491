//! Conformance: transport.
