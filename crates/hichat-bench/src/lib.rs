//! hichat-bench: a load generator for IRC servers, built on `hichat-proto`.
//!
//! It drives hichat and established servers (ngIRCd, InspIRCd) with the same
//! load so their figures can be compared side by side, and it carries a
//! zero-logic line relay ([`relay`]) that shows the ceiling the machine allows
//! for the same traffic.
//!
//! - [`args`]: the command line; every scenario is bounded in count and time,
//!   and targets are refused unless they are loopback addresses.
//! - [`client`]: one benchmark connection (connect, register, join, wait).
//! - [`scenario`]: the scenarios (`fanout`, `latency`, `connect`, `idle`,
//!   `storm`, `history`, and `sim`, which runs hichat itself in this
//!   process over in-memory transports), each producing a
//!   [`report::Report`].
//! - [`procstat`]: the server's CPU time and RSS from `/proc/<pid>`.
//! - [`stats`]: percentiles and medians.
//! - [`report`]: the human table and the JSON form of a result.
//! - [`summary`]: medians over rounds and ratios, as a markdown table.
//! - [`chart`]: deliveries/s and p99 latency against channel size, as SVG.

pub mod args;
pub mod chart;
pub mod client;
pub mod procstat;
pub mod relay;
pub mod report;
pub mod scenario;
pub mod stats;
pub mod summary;
