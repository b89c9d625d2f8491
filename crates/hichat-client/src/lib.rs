//! hichat terminal client (work in progress).
