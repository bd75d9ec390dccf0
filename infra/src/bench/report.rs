//! The bench's figures per function, read against the baseline: a table for people, JSON for
//! tools.

use serde_json::{Value, json};
use std::io::Write;
use std::path::Path;
use std::time::Duration;

/// What one function cost.
pub struct Figures {
    pub name: String,
    pub binary_bytes: u64,
    /// The deployment zip: the binary as `bootstrap`, deflated, as `sam build` packages it.
    pub zip_bytes: u64,
    /// `None` when it was built with the others.
    pub build_seconds: Option<f64>,
    /// Spawn to the first `/next`, per cold start.
    pub init: Vec<Duration>,
    pub first: Vec<Duration>,
    pub warm: Vec<Duration>,
    pub cpu_per_invoke: Duration,
    pub peak_rss_bytes: u64,
    /// Invocations answered with an error or a 4xx/5xx.
    pub failures: Vec<String>,
}

impl Figures {
    pub fn new(name: &str, binary: &Path, build_seconds: Option<f64>) -> anyhow::Result<Self> {
        let bytes = std::fs::read(binary)?;
        Ok(Self {
            name: name.to_owned(),
            binary_bytes: bytes.len() as u64,
            zip_bytes: zipped_size(&bytes)?,
            build_seconds,
            init: Vec::new(),
            first: Vec::new(),
            warm: Vec::new(),
            cpu_per_invoke: Duration::ZERO,
            peak_rss_bytes: 0,
            failures: Vec::new(),
        })
    }

    fn summary(&self) -> Summary {
        Summary {
            init: median(&self.init),
            first: median(&self.first),
            warm_p50: median(&self.warm),
            warm_p99: percentile(&self.warm, 99),
        }
    }
}

struct Summary {
    init: Duration,
    first: Duration,
    warm_p50: Duration,
    warm_p99: Duration,
}

fn zipped_size(binary: &[u8]) -> anyhow::Result<u64> {
    let mut zip = zip::ZipWriter::new(std::io::Cursor::new(Vec::new()));
    let options = zip::write::SimpleFileOptions::default()
        .compression_method(zip::CompressionMethod::Deflated)
        .unix_permissions(0o755);
    zip.start_file("bootstrap", options)?;
    zip.write_all(binary)?;
    Ok(zip.finish()?.into_inner().len() as u64)
}

fn median(samples: &[Duration]) -> Duration {
    percentile(samples, 50)
}

/// Nearest-rank percentile.
pub(crate) fn percentile(samples: &[Duration], p: usize) -> Duration {
    let mut sorted = samples.to_vec();
    sorted.sort();
    let rank = (sorted.len() * p).div_ceil(100).max(1);
    sorted.get(rank - 1).copied().unwrap_or_default()
}

pub(crate) fn ms(duration: Duration) -> f64 {
    (duration.as_secs_f64() * 1e5).round() / 100.0
}

fn mb(bytes: u64) -> f64 {
    (bytes as f64 / 1e4).round() / 100.0
}

fn ratio(a: Duration, b: Duration) -> f64 {
    if b.is_zero() {
        return f64::NAN;
    }
    (a.as_secs_f64() / b.as_secs_f64() * 100.0).round() / 100.0
}

/// Every function's figures; the first is the baseline.
pub struct Report {
    profile: String,
    cold_starts: usize,
    invokes: usize,
    one_build: bool,
    functions: Vec<Figures>,
}

impl Report {
    pub fn new(profile: &str, cold_starts: usize, invokes: usize, one_build: bool) -> Self {
        Self {
            profile: profile.to_owned(),
            cold_starts,
            invokes,
            one_build,
            functions: Vec::new(),
        }
    }

    pub fn push(&mut self, figures: Figures) {
        self.functions.push(figures);
    }

    pub fn failures(&self) -> impl Iterator<Item = (&str, &str)> {
        self.functions.iter().flat_map(|f| {
            f.failures
                .iter()
                .map(|failure| (f.name.as_str(), failure.as_str()))
        })
    }

    fn baseline_init(&self) -> Duration {
        self.functions
            .first()
            .map(|f| f.summary().init)
            .unwrap_or_default()
    }

    pub fn json(&self) -> Value {
        let baseline = self.baseline_init();
        let functions: Vec<Value> = self
            .functions
            .iter()
            .map(|f| {
                let s = f.summary();
                json!({
                    "function": f.name,
                    "init_ms": ms(s.init),
                    "first_invoke_ms": ms(s.first),
                    "warm_p50_ms": ms(s.warm_p50),
                    "warm_p99_ms": ms(s.warm_p99),
                    "cpu_per_warm_invoke_us": (f.cpu_per_invoke.as_secs_f64() * 1e7).round() / 10.0,
                    "peak_rss_mb": mb(f.peak_rss_bytes),
                    "binary_mb": mb(f.binary_bytes),
                    "zip_mb": mb(f.zip_bytes),
                    "build_s": f.build_seconds.map(|s| (s * 10.0).round() / 10.0),
                    "init_over_baseline": ratio(s.init, baseline),
                    "first_over_warm_p50": ratio(s.first, s.warm_p50),
                    "failures": f.failures.len(),
                })
            })
            .collect();
        json!({
            "profile": self.profile,
            "cold_starts": self.cold_starts,
            "warm_invokes": self.invokes,
            "one_build": self.one_build,
            "functions": functions,
        })
    }

    pub fn table(&self) -> String {
        let json = self.json();
        let columns = [
            ("function", "function"),
            ("init ms", "init_ms"),
            ("first ms", "first_invoke_ms"),
            ("warm p50", "warm_p50_ms"),
            ("warm p99", "warm_p99_ms"),
            ("CPU µs", "cpu_per_warm_invoke_us"),
            ("RSS MB", "peak_rss_mb"),
            ("bin MB", "binary_mb"),
            ("zip MB", "zip_mb"),
            ("build s", "build_s"),
            ("init/base", "init_over_baseline"),
            ("first/warm", "first_over_warm_p50"),
        ];
        let rows: Vec<Vec<String>> = json["functions"]
            .as_array()
            .into_iter()
            .flatten()
            .map(|f| {
                columns
                    .iter()
                    .map(|(_, key)| match &f[key] {
                        Value::String(text) => text.clone(),
                        Value::Null => "-".to_owned(),
                        other => other.to_string(),
                    })
                    .collect()
            })
            .collect();
        let widths: Vec<usize> = columns
            .iter()
            .enumerate()
            .map(|(i, (title, _))| {
                rows.iter()
                    .map(|row| row[i].chars().count())
                    .chain([title.chars().count()])
                    .max()
                    .unwrap_or_default()
            })
            .collect();
        let line = |cells: Vec<String>| -> String {
            let cells: Vec<String> = cells
                .iter()
                .zip(&widths)
                .enumerate()
                .map(|(i, (cell, width))| {
                    let pad = width - cell.chars().count();
                    match i {
                        0 => format!("{cell}{}", " ".repeat(pad)),
                        _ => format!("{}{cell}", " ".repeat(pad)),
                    }
                })
                .collect();
            format!("| {} |\n", cells.join(" | "))
        };
        let mut table = line(
            columns
                .iter()
                .map(|(title, _)| (*title).to_owned())
                .collect(),
        );
        table.push_str(&line(widths.iter().map(|w| "-".repeat(*w)).collect()));
        for row in rows {
            table.push_str(&line(row));
        }
        let built = if self.one_build {
            "built in one cargo call, features unified"
        } else {
            "each built on its own"
        };
        table.push_str(&format!(
            "\n{} profile, {built}; init and first invoke: medians of {} cold starts; warm: {} \
             invokes; CPU: user+system per warm invoke; first row: the hello-world baseline.\n",
            self.profile, self.cold_starts, self.invokes
        ));
        table
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn percentiles_are_nearest_rank() {
        let samples: Vec<Duration> = (1..=200).rev().map(Duration::from_millis).collect();
        assert_eq!(median(&samples), Duration::from_millis(100));
        assert_eq!(percentile(&samples, 99), Duration::from_millis(198));
        assert_eq!(percentile(&samples[..1], 99), Duration::from_millis(200));
        assert_eq!(median(&[]), Duration::ZERO);
    }
}
