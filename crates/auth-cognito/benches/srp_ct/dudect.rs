//! A dudect-style timing test (Reparaz, Balasch and Verbauwhede, "Dude, is
//! my code constant time?", 2017): time one operation on inputs of two
//! classes, in a random interleaving, and compare the two distributions
//! with Welch's t-test. `|t|` above 4.5 says the classes take measurably
//! different times; below it, no difference was found in these samples.
//!
//! As in dudect, the test is repeated on the samples below several
//! percentiles of the pooled distribution, because a leak can hide in the
//! tail that scheduling noise adds; the largest `|t|` is the verdict.

use std::time::Instant;

use rand::RngExt as _;

/// Running mean and variance of one class (Welford's method).
#[derive(Clone, Copy, Default)]
struct Moments {
    n: f64,
    mean: f64,
    m2: f64,
}

impl Moments {
    fn push(&mut self, x: f64) {
        self.n += 1.0;
        let d = x - self.mean;
        self.mean += d / self.n;
        self.m2 += d * (x - self.mean);
    }

    fn variance(&self) -> f64 {
        if self.n < 2.0 {
            return 0.0;
        }
        self.m2 / (self.n - 1.0)
    }
}

/// Welch's t-statistic of two classes; infinite when a crop left fewer
/// than two samples of a class (the classes do not even overlap).
fn welch(a: &Moments, b: &Moments) -> f64 {
    if a.n < 2.0 || b.n < 2.0 {
        return f64::INFINITY;
    }
    let se = (a.variance() / a.n + b.variance() / b.n).sqrt();
    if se == 0.0 {
        return 0.0;
    }
    (a.mean - b.mean) / se
}

/// The outcome of one test.
pub(crate) struct Verdict {
    /// `(percentile the samples were cropped at, t)`; 100 is uncropped.
    pub(crate) t_by_crop: Vec<(u32, f64)>,
    /// Samples per class.
    pub(crate) per_class: [usize; 2],
    /// Mean time of each class, in µs.
    pub(crate) mean_us: [f64; 2],
}

impl Verdict {
    /// The largest `|t|` over the crops.
    pub(crate) fn max_abs_t(&self) -> f64 {
        self.t_by_crop
            .iter()
            .map(|(_, t)| t.abs())
            .fold(0.0, f64::max)
    }
}

/// Runs `op(class)` `samples` times in all, each time on a class drawn at
/// random, and tests the two timing distributions. `prepare(class)` runs
/// before each timed call, outside the timing, and makes its input.
pub(crate) fn run<I, P, O>(samples: usize, mut prepare: P, mut op: O) -> Verdict
where
    P: FnMut(usize) -> I,
    O: FnMut(I),
{
    let mut rng = rand::rng();
    let mut times: Vec<(usize, f64)> = Vec::with_capacity(samples);
    for _ in 0..samples {
        let class = usize::from(rng.random::<bool>());
        let input = prepare(class);
        let t = Instant::now();
        op(input);
        times.push((class, t.elapsed().as_secs_f64() * 1e9));
    }
    let mut pooled: Vec<f64> = times.iter().map(|(_, t)| *t).collect();
    pooled.sort_by(f64::total_cmp);
    let mut t_by_crop = Vec::new();
    let mut per_class = [0; 2];
    let mut mean_us = [0.0; 2];
    for pct in [100u32, 99, 90, 75, 50] {
        let cut = if pct == 100 {
            f64::INFINITY
        } else {
            pooled[(pooled.len() - 1) * pct as usize / 100]
        };
        let mut m = [Moments::default(); 2];
        for &(class, t) in &times {
            if t <= cut {
                m[class].push(t);
            }
        }
        if pct == 100 {
            per_class = [m[0].n as usize, m[1].n as usize];
            mean_us = [m[0].mean / 1e3, m[1].mean / 1e3];
        }
        t_by_crop.push((pct, welch(&m[0], &m[1])));
    }
    Verdict {
        t_by_crop,
        per_class,
        mean_us,
    }
}
