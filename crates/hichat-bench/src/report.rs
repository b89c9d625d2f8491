//! The result of one scenario run: a human table, or one line of JSON.

use serde::{Deserialize, Serialize};
use std::fmt::Write;

/// One run of one scenario against one server.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Report {
    /// `fanout`, `latency`, `connect`, `idle` or `storm`.
    pub scenario: String,
    /// The server's name (`--label`).
    pub label: String,
    pub target: String,
    /// The load in a few words, e.g. `C=500 S=100 M=200`; runs with the same
    /// scenario and case are comparable.
    pub case: String,
    /// False when the run hit its deadline or lost clients; the figures then
    /// describe what was done before that.
    pub complete: bool,
    pub metrics: Vec<Metric>,
    /// Anything the reader should know (failures, missing server figures).
    pub notes: Vec<String>,
}

/// One measured figure.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Metric {
    /// A stable machine name, e.g. `deliveries_per_s`.
    pub name: String,
    pub value: f64,
    /// `/s`, `s`, `ms`, `KiB`, `%` or empty for a count.
    pub unit: String,
    /// Whether the side-by-side summary shows this figure.
    pub headline: bool,
    pub higher_is_better: bool,
}

impl Report {
    pub fn new(scenario: &str, label: String, target: String, case: String) -> Self {
        Self { scenario: scenario.into(), label, target, case, complete: true, metrics: Vec::new(), notes: Vec::new() }
    }

    /// Adds a figure shown in the table only.
    pub fn add(&mut self, name: &str, value: f64, unit: &str) -> &mut Self {
        self.metrics.push(Metric {
            name: name.into(),
            value,
            unit: unit.into(),
            headline: false,
            higher_is_better: true,
        });
        self
    }

    /// Adds a figure the side-by-side summary compares.
    pub fn headline(&mut self, name: &str, value: f64, unit: &str, higher_is_better: bool) -> &mut Self {
        self.metrics.push(Metric { name: name.into(), value, unit: unit.into(), headline: true, higher_is_better });
        self
    }

    /// Adds the server's CPU time and RSS, when both readings exist.
    pub fn server_usage(
        &mut self,
        before: Option<crate::procstat::ProcSample>,
        after: Option<crate::procstat::ProcSample>,
        wall_secs: f64,
    ) {
        match (before, after) {
            (Some(b), Some(a)) => {
                let cpu = a.cpu_secs - b.cpu_secs;
                self.add("server_cpu", cpu, "s");
                if wall_secs > 0.0 {
                    self.add("server_cpu_util", 100.0 * cpu / wall_secs, "%");
                }
                self.add("server_rss", a.rss_kib as f64, "KiB");
            }
            _ => self.notes.push("no server figures (give --server-pid)".into()),
        }
    }

    /// Adds this tool's own CPU use over the run: near 100% of its cores
    /// means the load generator, not the server, set the pace.
    pub fn bench_usage(
        &mut self,
        before: Option<crate::procstat::ProcSample>,
        after: Option<crate::procstat::ProcSample>,
        wall_secs: f64,
    ) {
        if let (Some(b), Some(a)) = (before, after) {
            if wall_secs > 0.0 {
                self.add("bench_cpu_util", 100.0 * (a.cpu_secs - b.cpu_secs) / wall_secs, "%");
            }
        }
    }

    /// The value of a named metric.
    pub fn metric(&self, name: &str) -> Option<f64> {
        self.metrics.iter().find(|m| m.name == name).map(|m| m.value)
    }

    /// One line of JSON.
    pub fn to_json(&self) -> String {
        serde_json::to_string(self).expect("a report always serializes")
    }

    /// A small table for people.
    pub fn to_table(&self) -> String {
        let mut out = String::new();
        let state = if self.complete { "" } else { "  [INCOMPLETE]" };
        let _ = writeln!(out, "{} against {} ({}): {}{state}", self.scenario, self.label, self.target, self.case);
        for m in &self.metrics {
            let _ = writeln!(out, "  {:<24} {:>14} {}", m.name, format_value(m.value), m.unit);
        }
        for n in &self.notes {
            let _ = writeln!(out, "  note: {n}");
        }
        out
    }
}

/// A figure for people: thousands separated from 1,000 up, otherwise up to
/// three decimals.
pub fn format_value(v: f64) -> String {
    if !v.is_finite() {
        return v.to_string();
    }
    if v.abs() >= 1000.0 {
        let digits = format!("{:.0}", v.abs());
        let mut grouped = String::new();
        for (i, c) in digits.chars().enumerate() {
            if i > 0 && (digits.len() - i) % 3 == 0 {
                grouped.push(',');
            }
            grouped.push(c);
        }
        return if v < 0.0 { format!("-{grouped}") } else { grouped };
    }
    if v.fract() == 0.0 {
        return format!("{v:.0}");
    }
    let s = if v.abs() >= 10.0 { format!("{v:.1}") } else { format!("{v:.3}") };
    s.trim_end_matches('0').trim_end_matches('.').to_string()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn values_for_people() {
        assert_eq!(format_value(1_873_204.4), "1,873,204");
        assert_eq!(format_value(1000.0), "1,000");
        assert_eq!(format_value(-12345.0), "-12,345");
        assert_eq!(format_value(944.0), "944");
        assert_eq!(format_value(12.345), "12.3");
        assert_eq!(format_value(0.7301), "0.73");
        assert_eq!(format_value(5.8126), "5.813");
        assert_eq!(format_value(0.0), "0");
    }

    #[test]
    fn table_and_json() {
        let mut r = Report::new("fanout", "relay".into(), "127.0.0.1:6699".into(), "C=3 S=1 M=10".into());
        r.headline("deliveries_per_s", 2_000_000.0, "/s", true).add("elapsed", 0.5, "s");
        r.complete = false;
        let table = r.to_table();
        assert!(table.starts_with("fanout against relay (127.0.0.1:6699): C=3 S=1 M=10  [INCOMPLETE]\n"));
        assert!(table.contains("deliveries_per_s") && table.contains("2,000,000 /s"));
        let back: Report = serde_json::from_str(&r.to_json()).unwrap();
        assert_eq!(back, r);
        assert_eq!(back.metric("elapsed"), Some(0.5));
    }
}
