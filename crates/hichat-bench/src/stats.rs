//! Percentiles of a latency histogram, and the median and range of a few
//! repeated measurements.

use hdrhistogram::Histogram;

/// Latency percentiles, in milliseconds.
#[derive(Debug, Clone, Copy, PartialEq, Default)]
pub struct Percentiles {
    pub count: u64,
    pub p50: f64,
    pub p90: f64,
    pub p99: f64,
    pub p999: f64,
    pub max: f64,
    pub mean: f64,
}

/// A histogram of nanoseconds from 1 ns to 10 minutes, 3 significant digits.
pub fn new_histogram() -> Histogram<u64> {
    Histogram::new_with_bounds(1, 600_000_000_000, 3).expect("valid histogram bounds")
}

/// The percentiles of a histogram of nanoseconds, in milliseconds.
pub fn percentiles(h: &Histogram<u64>) -> Percentiles {
    if h.is_empty() {
        return Percentiles::default();
    }
    let ms = |ns: u64| ns as f64 / 1e6;
    Percentiles {
        count: h.len(),
        p50: ms(h.value_at_quantile(0.50)),
        p90: ms(h.value_at_quantile(0.90)),
        p99: ms(h.value_at_quantile(0.99)),
        p999: ms(h.value_at_quantile(0.999)),
        max: ms(h.max()),
        mean: h.mean() / 1e6,
    }
}

/// Median, minimum and maximum of repeated measurements.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Spread {
    pub median: f64,
    pub min: f64,
    pub max: f64,
    pub n: usize,
}

/// The median (mean of the middle two for an even count), minimum and
/// maximum; `None` when there are no finite values.
pub fn spread(values: &[f64]) -> Option<Spread> {
    let mut v: Vec<f64> = values.iter().copied().filter(|x| x.is_finite()).collect();
    if v.is_empty() {
        return None;
    }
    v.sort_by(f64::total_cmp);
    let n = v.len();
    let median = if n % 2 == 1 { v[n / 2] } else { (v[n / 2 - 1] + v[n / 2]) / 2.0 };
    Some(Spread { median, min: v[0], max: v[n - 1], n })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn percentiles_of_a_uniform_spread() {
        let mut h = new_histogram();
        for us in 1..=1000u64 {
            h.record(us * 1000).unwrap();
        }
        let p = percentiles(&h);
        assert_eq!(p.count, 1000);
        assert!((p.p50 - 0.5).abs() < 0.001, "{p:?}");
        assert!((p.p90 - 0.9).abs() < 0.001, "{p:?}");
        assert!((p.p99 - 0.99).abs() < 0.001, "{p:?}");
        assert!((p.p999 - 0.999).abs() < 0.001, "{p:?}");
        assert!((p.max - 1.0).abs() < 0.001, "{p:?}");
        assert!((p.mean - 0.5005).abs() < 0.001, "{p:?}");
    }

    #[test]
    fn empty_histogram_gives_zeros() {
        assert_eq!(percentiles(&new_histogram()), Percentiles::default());
    }

    #[test]
    fn median_and_range() {
        assert_eq!(spread(&[3.0, 1.0, 2.0]), Some(Spread { median: 2.0, min: 1.0, max: 3.0, n: 3 }));
        assert_eq!(spread(&[4.0, 1.0, 2.0, 3.0]).unwrap().median, 2.5);
        assert_eq!(spread(&[f64::NAN, 5.0]).unwrap().n, 1);
        assert_eq!(spread(&[]), None);
    }
}
