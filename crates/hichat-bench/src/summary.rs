//! The side-by-side table: for each scenario, load and headline figure, the
//! median of every server's rounds with their range, and the ratio of one
//! server (the subject, hichat) to each of the others.

use crate::report::Report;
use crate::stats::spread;
use std::fmt::Write;

/// Reads reports from JSON lines, skipping lines that are not reports.
pub fn parse_reports(text: &str) -> Vec<Report> {
    text.lines().filter_map(|l| serde_json::from_str(l.trim()).ok()).collect()
}

/// A markdown table of medians (min–max) per server and the ratios
/// `subject / other` for every headline figure.
pub fn summarize(reports: &[Report], subject: &str) -> String {
    let mut labels: Vec<&str> = Vec::new();
    let mut rows: Vec<(&str, &str, &str, &str)> = Vec::new();
    for r in reports {
        if !labels.contains(&r.label.as_str()) {
            labels.push(&r.label);
        }
        for m in r.metrics.iter().filter(|m| m.headline) {
            let row = (r.scenario.as_str(), r.case.as_str(), m.name.as_str(), m.unit.as_str());
            if !rows.iter().any(|x| (x.0, x.1, x.2) == (row.0, row.1, row.2)) {
                rows.push(row);
            }
        }
    }
    // The subject first, the others in the order they were run.
    labels.sort_by_key(|l| *l != subject);
    let others: Vec<&str> = labels.iter().copied().filter(|l| *l != subject).collect();

    let mut out = String::new();
    let _ = write!(out, "| scenario | load | figure |");
    for l in &labels {
        let _ = write!(out, " {l} |");
    }
    for o in &others {
        let _ = write!(out, " {subject}/{o} |");
    }
    let _ = write!(out, "\n|---|---|---|");
    for _ in 0..labels.len() + others.len() {
        out.push_str("---|");
    }
    out.push('\n');

    let mut any_incomplete = false;
    for (scenario, case, name, unit) in rows {
        let pick = |label: &str| {
            let runs: Vec<&Report> =
                reports.iter().filter(|r| r.label == label && r.scenario == scenario && r.case == case).collect();
            let values: Vec<f64> = runs.iter().filter_map(|r| r.metric(name)).collect();
            (spread(&values), runs.iter().any(|r| !r.complete))
        };
        let unit = if unit.is_empty() { String::new() } else { format!(" ({unit})") };
        let _ = write!(out, "| {scenario} | {case} | {name}{unit} |");
        for l in &labels {
            let (s, incomplete) = pick(l);
            any_incomplete |= incomplete && s.is_some();
            let mark = if incomplete { "\\*" } else { "" };
            match s {
                Some(s) if s.n > 1 => {
                    let _ = write!(out, " {}{mark} ({}–{}) |", short(s.median), short(s.min), short(s.max));
                }
                Some(s) => {
                    let _ = write!(out, " {}{mark} |", short(s.median));
                }
                None => out.push_str(" – |"),
            }
        }
        let mine = pick(subject).0;
        for o in &others {
            match (mine, pick(o).0) {
                (Some(a), Some(b)) if b.median != 0.0 => {
                    let _ = write!(out, " {:.2}× |", a.median / b.median);
                }
                _ => out.push_str(" – |"),
            }
        }
        out.push('\n');
    }
    if any_incomplete {
        out.push_str("\n\\* at least one round was incomplete (deadline reached or clients lost).\n");
    }
    out
}

/// A figure in a few characters: 1.88M, 944, 12.5k, 0.73.
pub fn short(v: f64) -> String {
    let a = v.abs();
    if a >= 1e6 {
        format!("{:.2}M", v / 1e6)
    } else if a >= 1e4 {
        format!("{:.1}k", v / 1e3)
    } else if a >= 100.0 || v.fract() == 0.0 {
        format!("{v:.0}")
    } else if a >= 10.0 {
        format!("{v:.1}")
    } else if a >= 0.1 {
        format!("{v:.2}")
    } else {
        format!("{v:.3}")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn fanout(label: &str, rate: f64) -> Report {
        let mut r = Report::new("fanout", label.into(), "127.0.0.1:1".into(), "C=500 S=100 M=200".into());
        r.headline("deliveries_per_s", rate, "/s", true).add("elapsed", 1.0, "s");
        r
    }

    #[test]
    fn short_figures() {
        assert_eq!(short(1_880_000.0), "1.88M");
        assert_eq!(short(12_500.0), "12.5k");
        assert_eq!(short(944.0), "944");
        assert_eq!(short(24.64), "24.6");
        assert_eq!(short(0.731), "0.73");
        assert_eq!(short(0.0123), "0.012");
        assert_eq!(short(0.0), "0");
        assert_eq!(short(7.0), "7");
    }

    #[test]
    fn medians_ranges_and_ratios() {
        let mut reports = vec![
            fanout("ngircd", 1.8e6),
            fanout("hichat", 3.0e6),
            fanout("ngircd", 2.0e6),
            fanout("hichat", 2.0e6),
            fanout("ngircd", 1.9e6),
            fanout("hichat", 4.0e6),
        ];
        let mut late = fanout("relay", 5.0e6);
        late.complete = false;
        reports.push(late);
        let table = summarize(&reports, "hichat");
        let lines: Vec<&str> = table.lines().collect();
        assert_eq!(lines[0], "| scenario | load | figure | hichat | ngircd | relay | hichat/ngircd | hichat/relay |");
        assert_eq!(
            lines[2],
            "| fanout | C=500 S=100 M=200 | deliveries_per_s (/s) | 3.00M (2.00M–4.00M) | 1.90M (1.80M–2.00M) \
             | 5.00M\\* | 1.58× | 0.60× |"
        );
        assert_eq!(lines.len(), 5, "{table}");
        assert!(!table.contains("elapsed"));
    }

    #[test]
    fn missing_subject_gives_dashes() {
        let table = summarize(&[fanout("ngircd", 1.0e6)], "hichat");
        assert!(table.lines().nth(2).unwrap().ends_with("| 1.00M | – |"), "{table}");
    }

    #[test]
    fn reports_round_trip_through_json_lines() {
        let text = format!("{}\nnot json\n{}\n", fanout("a", 1.0).to_json(), fanout("b", 2.0).to_json());
        assert_eq!(parse_reports(&text).len(), 2);
    }
}
