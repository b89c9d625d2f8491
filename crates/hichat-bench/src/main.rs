//! hichat-bench (work in progress).
fn main() {}
