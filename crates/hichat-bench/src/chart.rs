//! Charts of side-by-side results: fan-out deliveries/s and p99 latency
//! against channel size, one line per server, as SVG.
//!
//! Points come from the `fanout` and `latency` reports whose case fixes
//! the other load parameters (`S=` senders for fan-out, `rate=` for
//! latency), so that only the channel size `C=` varies along a line; each
//! point is the median of its rounds. The SVG backend writes text as SVG
//! `<text>` and estimates its size itself, so no font files are needed.

use crate::report::Report;
use crate::stats::spread;
use anyhow::Context;
use plotters::prelude::*;
use std::path::{Path, PathBuf};

/// One server's line: (channel size, median value) in channel-size order.
#[derive(Debug, Clone, PartialEq)]
pub struct Series {
    pub label: String,
    pub points: Vec<(f64, f64)>,
}

/// The value of `key=` in a case such as `C=200 S=10 M=1000`.
pub fn case_field<'a>(case: &'a str, key: &str) -> Option<&'a str> {
    case.split_whitespace().find_map(|w| w.strip_prefix(key)?.strip_prefix('='))
}

/// Medians of `metric` per server and channel size, over the reports of
/// `scenario` whose case has `fixed` (e.g. `("S", "10")`).
pub fn series(reports: &[Report], scenario: &str, fixed: (&str, &str), metric: &str) -> Vec<Series> {
    let mut out: Vec<Series> = Vec::new();
    let runs = reports.iter().filter(|r| r.scenario == scenario && case_field(&r.case, fixed.0) == Some(fixed.1));
    let mut labels: Vec<&str> = Vec::new();
    for r in runs.clone() {
        if !labels.contains(&r.label.as_str()) {
            labels.push(&r.label);
        }
    }
    for label in labels {
        let mut sizes: Vec<f64> =
            runs.clone().filter(|r| r.label == label).filter_map(|r| case_field(&r.case, "C")?.parse().ok()).collect();
        sizes.sort_by(f64::total_cmp);
        sizes.dedup();
        let points = sizes
            .into_iter()
            .filter_map(|c| {
                let values: Vec<f64> = runs
                    .clone()
                    .filter(|r| r.label == label && case_field(&r.case, "C").and_then(|v| v.parse().ok()) == Some(c))
                    .filter_map(|r| r.metric(metric))
                    .collect();
                Some((c, spread(&values)?.median))
            })
            .collect();
        out.push(Series { label: label.to_owned(), points });
    }
    out
}

/// Line colours, in the order servers first appear (hichat first in
/// `bench/run.sh` results): red, green, blue, grey, orange.
const COLORS: [RGBColor; 5] = [
    RGBColor(214, 39, 40),
    RGBColor(44, 160, 44),
    RGBColor(31, 119, 180),
    RGBColor(127, 127, 127),
    RGBColor(255, 127, 14),
];

/// What one chart shows.
pub struct ChartSpec<'a> {
    pub title: &'a str,
    pub y_label: &'a str,
    /// Values are divided by this before plotting (e.g. 1e6 for millions).
    pub y_scale: f64,
    /// A logarithmic value axis, for figures spanning orders of magnitude.
    pub log_y: bool,
}

/// Where a value is drawn: itself, or its logarithm on a log axis (drawn
/// on a linear axis whose labels undo it, so ticks fall on powers of ten).
fn y_pos(spec: &ChartSpec, v: f64) -> f64 {
    let v = v / spec.y_scale;
    if spec.log_y {
        v.max(1e-3).log10()
    } else {
        v
    }
}

/// Draws `series` as lines with points against channel size (log scale).
pub fn draw(path: &Path, spec: &ChartSpec, series: &[Series]) -> anyhow::Result<()> {
    let all: Vec<(f64, f64)> = series.iter().flat_map(|s| s.points.iter().copied()).collect();
    anyhow::ensure!(!all.is_empty(), "no points for {}", spec.title);
    let x_min = all.iter().map(|p| p.0).fold(f64::INFINITY, f64::min);
    let x_max = all.iter().map(|p| p.0).fold(0.0, f64::max);
    let y_max = all.iter().map(|p| y_pos(spec, p.1)).fold(f64::NEG_INFINITY, f64::max);
    let y_min = all.iter().map(|p| y_pos(spec, p.1)).fold(f64::INFINITY, f64::min);
    let (y_lo, y_hi, y_ticks) = if spec.log_y {
        let (lo, hi) = (y_min.floor(), y_max.ceil().max(y_min.floor() + 1.0));
        (lo, hi, (hi - lo) as usize + 1)
    } else {
        (0.0, y_max * 1.15, 10)
    };
    let (x_lo, x_hi) = (x_min / 1.5, x_max * 1.5);
    // Ticks at the measured channel sizes.
    let mut sizes: Vec<f64> = all.iter().map(|p| p.0).collect();
    sizes.sort_by(f64::total_cmp);
    sizes.dedup();

    let root = SVGBackend::new(path, (720, 420)).into_drawing_area();
    root.fill(&WHITE)?;
    let mut chart = ChartBuilder::on(&root)
        .caption(spec.title, ("sans-serif", 20))
        .margin(12)
        .x_label_area_size(40)
        .y_label_area_size(64)
        .build_cartesian_2d((x_lo..x_hi).log_scale().with_key_points(sizes), y_lo..y_hi)?;
    chart
        .configure_mesh()
        .light_line_style(WHITE)
        .x_desc("clients in the channel")
        .y_desc(spec.y_label)
        .x_label_formatter(&|x| format!("{x:.0}"))
        .y_labels(y_ticks)
        .y_label_formatter(&|y| if spec.log_y { format!("{}", 10f64.powf(*y)) } else { format!("{y:.1}") })
        .draw()?;
    for (i, s) in series.iter().enumerate() {
        let color = COLORS[i % COLORS.len()];
        let points: Vec<(f64, f64)> = s.points.iter().map(|(x, y)| (*x, y_pos(spec, *y))).collect();
        chart
            .draw_series(LineSeries::new(points.clone(), color.stroke_width(2)))?
            .label(s.label.clone())
            .legend(move |(x, y)| PathElement::new(vec![(x, y), (x + 18, y)], color.stroke_width(2)));
        chart.draw_series(points.into_iter().map(|p| Circle::new(p, 4, color.filled())))?;
    }
    chart
        .configure_series_labels()
        .position(SeriesLabelPosition::UpperLeft)
        .background_style(WHITE.mix(0.85))
        .border_style(BLACK)
        .draw()?;
    root.present().with_context(|| format!("cannot write {}", path.display()))?;
    Ok(())
}

/// Writes `fanout-deliveries.svg` and `latency-p99.svg` into `out_dir` from
/// the fan-out runs with `senders` senders and the latency runs at `rate`
/// messages/s. Returns the files written.
pub fn write_charts(reports: &[Report], out_dir: &Path, senders: u64, rate: u64) -> anyhow::Result<Vec<PathBuf>> {
    std::fs::create_dir_all(out_dir).with_context(|| format!("cannot create {}", out_dir.display()))?;
    let mut written = Vec::new();
    let fanout = series(reports, "fanout", ("S", &senders.to_string()), "deliveries_per_s");
    let path = out_dir.join("fanout-deliveries.svg");
    let title = format!("fan-out: deliveries/s, {senders} senders");
    draw(&path, &ChartSpec { title: &title, y_label: "million deliveries/s", y_scale: 1e6, log_y: false }, &fanout)?;
    written.push(path);
    let latency = series(reports, "latency", ("rate", &format!("{rate}/s")), "p99");
    let path = out_dir.join("latency-p99.svg");
    let title = format!("p99 delivery latency at {rate} msg/s");
    draw(
        &path,
        &ChartSpec { title: &title, y_label: "p99 latency (ms, log scale)", y_scale: 1.0, log_y: true },
        &latency,
    )?;
    written.push(path);
    Ok(written)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn report(scenario: &str, label: &str, case: &str, metric: &str, value: f64) -> Report {
        let mut r = Report::new(scenario, label.into(), "t".into(), case.into());
        r.headline(metric, value, "", true);
        r
    }

    #[test]
    fn fields_of_a_case() {
        assert_eq!(case_field("C=200 S=10 M=1000", "S"), Some("10"));
        assert_eq!(case_field("C=200 rate=500/s", "rate"), Some("500/s"));
        assert_eq!(case_field("C=200", "M"), None);
        assert_eq!(case_field("CC=5", "C"), None);
    }

    #[test]
    fn medians_per_server_and_size_with_other_loads_left_out() {
        let reports = vec![
            report("fanout", "hichat", "C=200 S=10 M=1000", "deliveries_per_s", 3.0),
            report("fanout", "hichat", "C=200 S=10 M=1000", "deliveries_per_s", 5.0),
            report("fanout", "hichat", "C=200 S=10 M=1000", "deliveries_per_s", 4.0),
            report("fanout", "hichat", "C=50 S=10 M=1000", "deliveries_per_s", 1.0),
            report("fanout", "hichat", "C=500 S=100 M=200", "deliveries_per_s", 9.0),
            report("fanout", "ngircd", "C=50 S=10 M=1000", "deliveries_per_s", 2.0),
            report("latency", "hichat", "C=50 rate=500/s", "p99", 1.0),
        ];
        let s = series(&reports, "fanout", ("S", "10"), "deliveries_per_s");
        assert_eq!(
            s,
            vec![
                Series { label: "hichat".into(), points: vec![(50.0, 1.0), (200.0, 4.0)] },
                Series { label: "ngircd".into(), points: vec![(50.0, 2.0)] },
            ]
        );
    }

    #[test]
    fn charts_are_svg_with_every_label() {
        let reports = vec![
            report("fanout", "hichat", "C=50 S=10 M=1000", "deliveries_per_s", 3e6),
            report("fanout", "hichat", "C=200 S=10 M=1000", "deliveries_per_s", 4e6),
            report("fanout", "relay", "C=200 S=10 M=1000", "deliveries_per_s", 9e6),
            report("latency", "hichat", "C=200 rate=500/s", "p99", 2.5),
        ];
        let dir = std::env::temp_dir().join(format!("hichat-chart-{}", std::process::id()));
        let files = write_charts(&reports, &dir, 10, 500).unwrap();
        let svg = std::fs::read_to_string(&files[0]).unwrap();
        assert!(svg.starts_with("<svg") && svg.contains("hichat") && svg.contains("relay"), "{svg}");
        assert!(std::fs::read_to_string(&files[1]).unwrap().contains("p99"));
        let _ = std::fs::remove_dir_all(dir);
    }
}
