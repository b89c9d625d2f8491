//! Wall-clock helpers: Unix time and a readable UTC date, without a date crate.

use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{SystemTime, UNIX_EPOCH};

/// Seconds since the Unix epoch.
pub fn unix_now() -> u64 {
    SystemTime::now().duration_since(UNIX_EPOCH).map(|d| d.as_secs()).unwrap_or(0)
}

/// `YYYY-MM-DD HH:MM:SS UTC` for a Unix time.
pub fn format_utc(secs: u64) -> String {
    let days = (secs / 86_400) as i64;
    let rem = secs % 86_400;
    let (y, m, d) = civil_from_days(days);
    format!("{y:04}-{m:02}-{d:02} {:02}:{:02}:{:02} UTC", rem / 3600, rem % 3600 / 60, rem % 60)
}

/// The newest time [`stamp_millis`] or [`after_stamps_millis`] gave.
static LAST_STAMP: AtomicU64 = AtomicU64::new(0);

/// The time (Unix ms) to stamp an event with: the wall clock, but never
/// earlier than a stamp already given, so that a wall clock stepped back
/// (as a loaded virtual machine's is, by a few milliseconds) cannot put an
/// event before one that happened earlier.
pub fn stamp_millis() -> u64 {
    let now = unix_millis();
    LAST_STAMP.fetch_max(now, Ordering::Relaxed).max(now)
}

/// A time (Unix ms) strictly after every stamp given so far, and no earlier
/// than any given next: a member's JOIN time, so that what was said before
/// it is older than it and what is said after it is not. Each call may put
/// stamps one millisecond ahead of the wall clock while calls come faster
/// than one a millisecond.
pub fn after_stamps_millis() -> u64 {
    let now = unix_millis();
    let mut last = LAST_STAMP.load(Ordering::Relaxed);
    loop {
        let t = now.max(last + 1);
        match LAST_STAMP.compare_exchange_weak(last, t, Ordering::Relaxed, Ordering::Relaxed) {
            Ok(_) => return t,
            Err(seen) => last = seen,
        }
    }
}

/// Milliseconds since the Unix epoch.
pub fn unix_millis() -> u64 {
    SystemTime::now().duration_since(UNIX_EPOCH).map(|d| d.as_millis() as u64).unwrap_or(0)
}

/// `YYYY-MM-DDThh:mm:ss.sssZ`, the IRCv3 server-time format.
pub fn format_server_time(millis: u64) -> String {
    let secs = millis / 1000;
    let (y, m, d) = civil_from_days((secs / 86_400) as i64);
    let rem = secs % 86_400;
    format!("{y:04}-{m:02}-{d:02}T{:02}:{:02}:{:02}.{:03}Z", rem / 3600, rem % 3600 / 60, rem % 60, millis % 1000)
}

/// Parses a UTC instant to Unix milliseconds: `YYYY-MM-DD` (midnight UTC)
/// or an RFC 3339 timestamp such as the server-time format
/// (`2026-11-25T17:02:00.123Z`, `2026-11-25T18:02:00+01:00`; seconds and
/// fractions optional). `None` for anything else or a date before 1970.
pub fn parse_utc_millis(s: &str) -> Option<u64> {
    let b = s.as_bytes();
    let num = |r: std::ops::Range<usize>| -> Option<u32> {
        let digits = b.get(r)?;
        digits.iter().all(u8::is_ascii_digit).then(|| digits.iter().fold(0, |n, d| n * 10 + u32::from(d - b'0')))
    };
    if b.len() < 10 || b[4] != b'-' || b[7] != b'-' {
        return None;
    }
    let (y, m, d) = (num(0..4)?, num(5..7)?, num(8..10)?);
    if !(1..=12).contains(&m) || d == 0 || d > days_in_month(y, m) {
        return None;
    }
    let mut millis = days_from_civil(i64::from(y), m, d) * 86_400_000;
    if b.len() > 10 {
        if !matches!(b[10], b'T' | b't' | b' ') || b.len() < 16 || b[13] != b':' {
            return None;
        }
        let (hh, mm) = (num(11..13)?, num(14..16)?);
        let mut i = 16;
        let mut ss = 0;
        if b.get(i) == Some(&b':') {
            ss = num(i + 1..i + 3)?;
            i += 3;
        }
        let mut frac = 0;
        if b.get(i) == Some(&b'.') {
            let start = i + 1;
            i = start;
            while b.get(i).is_some_and(u8::is_ascii_digit) {
                i += 1;
            }
            if i == start {
                return None;
            }
            // Milliseconds: the first three digits, padded.
            let digits = &s[start..i.min(start + 3)];
            frac = digits.parse::<u32>().ok()? * 10u32.pow(3 - digits.len() as u32);
        }
        if hh > 23 || mm > 59 || ss > 60 {
            return None;
        }
        let offset_min: i64 = match &b[i..] {
            b"Z" | b"z" => 0,
            [sign @ (b'+' | b'-'), ..] if b.len() == i + 6 && b[i + 3] == b':' => {
                let off = i64::from(num(i + 1..i + 3)? * 60 + num(i + 4..i + 6)?);
                if *sign == b'+' {
                    off
                } else {
                    -off
                }
            }
            _ => return None,
        };
        millis +=
            (i64::from(hh) * 3600 + i64::from(mm) * 60 + i64::from(ss) - offset_min * 60) * 1000 + i64::from(frac);
    } else if b.len() != 10 {
        return None;
    }
    u64::try_from(millis).ok()
}

fn days_in_month(y: u32, m: u32) -> u32 {
    match m {
        2 if y.is_multiple_of(4) && (!y.is_multiple_of(100) || y.is_multiple_of(400)) => 29,
        2 => 28,
        4 | 6 | 9 | 11 => 30,
        _ => 31,
    }
}

/// Days since 1970-01-01 of a (year, month, day) date (H. Hinnant's
/// algorithm, the inverse of [`civil_from_days`]).
fn days_from_civil(y: i64, m: u32, d: u32) -> i64 {
    let y = if m <= 2 { y - 1 } else { y };
    let era = y.div_euclid(400);
    let yoe = y.rem_euclid(400);
    let mp = i64::from((m + 9) % 12);
    let doy = (153 * mp + 2) / 5 + i64::from(d) - 1;
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    era * 146_097 + doe - 719_468
}

/// Converts days since 1970-01-01 to a (year, month, day) date
/// (H. Hinnant's algorithm).
fn civil_from_days(z: i64) -> (i64, u32, u32) {
    let z = z + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z.rem_euclid(146_097);
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let d = (doy - (153 * mp + 2) / 5 + 1) as u32;
    let m = if mp < 10 { mp + 3 } else { mp - 9 } as u32;
    let y = yoe + era * 400 + i64::from(m <= 2);
    (y, m, d)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_join_time_is_after_every_stamp_and_before_the_next() {
        let before = stamp_millis();
        let joined = after_stamps_millis();
        let after = stamp_millis();
        assert!(before < joined && joined <= after, "{before} {joined} {after}");
    }

    #[test]
    fn known_dates() {
        assert_eq!(format_utc(0), "1970-01-01 00:00:00 UTC");
        assert_eq!(format_utc(951_782_400), "2000-02-29 00:00:00 UTC");
        assert_eq!(format_utc(1795618253), "2026-11-25 14:50:53 UTC");
        assert_eq!(format_server_time(1_795_618_253_007), "2026-11-25T14:50:53.007Z");
    }

    #[test]
    fn parses_dates_and_timestamps() {
        assert_eq!(parse_utc_millis("1970-01-01"), Some(0));
        assert_eq!(parse_utc_millis("2026-11-25"), Some(1_795_564_800_000));
        assert_eq!(parse_utc_millis("2026-11-25T14:50:53.007Z"), Some(1_795_618_253_007));
        assert_eq!(parse_utc_millis("2026-11-25T14:50:53Z"), Some(1_795_618_253_000));
        assert_eq!(parse_utc_millis("2026-11-25T14:50Z"), Some(1_795_618_200_000));
        assert_eq!(parse_utc_millis("2026-11-25T15:50:53.0071+01:00"), Some(1_795_618_253_007));
        assert_eq!(parse_utc_millis("2026-11-25T13:50:53.5-01:00"), Some(1_795_618_253_500));
        assert_eq!(parse_utc_millis("2000-02-29"), Some(951_782_400_000));
        for bad in [
            "",
            "2026-13-01",
            "2026-02-30",
            "2026-11-25T",
            "2026-11-25T25:00Z",
            "2026-11-25T14:50",
            "1969-12-31",
            "2026-11-25x",
            "２０２６-11-25",
            "2026-11-25T14:50:53.Z",
            "yesterday",
        ] {
            assert_eq!(parse_utc_millis(bad), None, "{bad}");
        }
        for secs in [0u64, 951_782_400, 1_795_618_253, 4_102_444_800] {
            let text = format_server_time(secs * 1000 + 42);
            assert_eq!(parse_utc_millis(&text), Some(secs * 1000 + 42), "{text}");
        }
    }
}
