//! The server's CPU time and memory, read from `/proc/<pid>`.
//!
//! `/proc/<pid>/stat` gives user and system time for the whole process (all
//! threads) in clock ticks; `/proc/<pid>/status` gives the resident set size.

use std::io;

/// Clock ticks per second in `/proc/<pid>/stat` (`USER_HZ`), fixed at 100
/// by the kernel ABI on the platforms this tool runs on.
pub const TICKS_PER_SEC: f64 = 100.0;

/// One reading of a process.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct ProcSample {
    /// User plus system CPU time, in seconds.
    pub cpu_secs: f64,
    /// Resident set size, in KiB.
    pub rss_kib: u64,
}

/// Reads the CPU time and RSS of process `pid`.
pub fn sample(pid: u32) -> io::Result<ProcSample> {
    let stat = std::fs::read_to_string(format!("/proc/{pid}/stat"))?;
    let status = std::fs::read_to_string(format!("/proc/{pid}/status"))?;
    let bad = |what| io::Error::new(io::ErrorKind::InvalidData, format!("cannot parse /proc/{pid}/{what}"));
    let ticks = parse_stat_ticks(&stat).ok_or_else(|| bad("stat"))?;
    let rss_kib = parse_status_rss(&status).ok_or_else(|| bad("status"))?;
    Ok(ProcSample { cpu_secs: ticks as f64 / TICKS_PER_SEC, rss_kib })
}

/// Reads `pid` if given, ignoring errors (the report then has no server
/// figures).
pub fn sample_opt(pid: Option<u32>) -> Option<ProcSample> {
    pid.and_then(|p| sample(p).ok())
}

/// utime + stime (fields 14 and 15) from the text of `/proc/<pid>/stat`.
/// The command name (field 2) may hold spaces and parentheses, so fields
/// are counted from the last `)`.
pub fn parse_stat_ticks(stat: &str) -> Option<u64> {
    let after = &stat[stat.rfind(')')? + 1..];
    let mut fields = after.split_whitespace();
    // After ")" comes field 3 (state); utime is field 14.
    let utime: u64 = fields.nth(11)?.parse().ok()?;
    let stime: u64 = fields.next()?.parse().ok()?;
    Some(utime + stime)
}

/// The `VmRSS` line of `/proc/<pid>/status`, in KiB.
pub fn parse_status_rss(status: &str) -> Option<u64> {
    let line = status.lines().find(|l| l.starts_with("VmRSS:"))?;
    let mut words = line["VmRSS:".len()..].split_whitespace();
    let value: u64 = words.next()?.parse().ok()?;
    match words.next() {
        Some("kB") | None => Some(value),
        _ => None,
    }
}

/// The one-minute load average of the machine, from `/proc/loadavg`. The
/// machine may be shared: a high figure before a run explains noisy results.
pub fn load_average() -> Option<f64> {
    parse_loadavg(&std::fs::read_to_string("/proc/loadavg").ok()?)
}

/// The first field of `/proc/loadavg`.
pub fn parse_loadavg(text: &str) -> Option<f64> {
    text.split_whitespace().next()?.parse().ok()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn stat_fields_after_the_name() {
        let stat = "1234 (odd) name)) S 1 1234 1234 0 -1 4194560 100 0 0 0 250 75 0 0 20 0 3 0 555 1000 200 \
                    18446744073709551615 1 1 0 0 0 0 0 4096 0 0 0 17 1 0 0 0 0 0";
        assert_eq!(parse_stat_ticks(stat), Some(325));
        assert_eq!(parse_stat_ticks("garbage"), None);
        assert_eq!(parse_stat_ticks("1 (x) S 1 2"), None);
    }

    #[test]
    fn rss_from_status() {
        let status = "Name:\tngircd\nVmPeak:\t  9000 kB\nVmRSS:\t    5312 kB\nThreads:\t1\n";
        assert_eq!(parse_status_rss(status), Some(5312));
        assert_eq!(parse_status_rss("Name:\tx\n"), None);
        assert_eq!(parse_status_rss("VmRSS:\t 12 MB\n"), None);
    }

    #[test]
    fn load_average_first_field() {
        assert_eq!(parse_loadavg("3.66 3.14 1.79 2/105 28388\n"), Some(3.66));
        assert_eq!(parse_loadavg(""), None);
    }

    #[test]
    fn this_process_can_be_read() {
        let s = sample(std::process::id()).unwrap();
        assert!(s.rss_kib > 0);
        assert!(s.cpu_secs >= 0.0);
    }
}
