//! The cold-start bench (`infra/bench`): every function, run as Lambda runs it under the loopback
//! Runtime API, answers its sample with a success, and each figure of the report is measured.
//! The dev profile keeps it quick; the release figures are the closing notes'.

use crate::helpers::{repo_root, unique_prefix};
use serde_json::Value;
use std::process::Command;

#[test]
fn the_bench_runs_every_function_beside_the_baseline_and_each_answers_its_sample() {
    let root = repo_root();
    let target = std::env::var("CARGO_TARGET_DIR")
        .map(std::path::PathBuf::from)
        .unwrap_or_else(|_| root.join("target"));
    let local = std::env::temp_dir().join(format!("rainforest-bench-{}", ulid::Ulid::new()));
    let prefix = unique_prefix();
    let output = Command::new(target.join("debug/rainforest-local"))
        .current_dir(&root)
        .args([
            "--local-dir",
            local.to_str().unwrap(),
            "bench",
            "--profile",
            "dev",
        ])
        .args(["--cold-starts", "2", "--invokes", "5", "--prefix", &prefix])
        .output()
        .expect("rainforest-local is built (infra/test builds it first)");
    assert!(
        output.status.success(),
        "the bench failed:\n{}",
        String::from_utf8_lossy(&output.stderr)
    );
    let table = String::from_utf8_lossy(&output.stdout);
    let report: Value =
        serde_json::from_str(&std::fs::read_to_string(local.join("bench.json")).unwrap()).unwrap();
    let functions = report["functions"].as_array().unwrap();
    let names: Vec<&str> = functions
        .iter()
        .map(|f| f["function"].as_str().unwrap())
        .collect();
    let mut expected = vec!["hello-lambda"];
    expected.extend(rainforest_local::registry::BINARIES);
    assert_eq!(names, expected, "the baseline first, then every function");
    for function in functions {
        let name = function["function"].as_str().unwrap();
        assert!(
            table.contains(&format!("| {name} ")),
            "{name} is in the table"
        );
        assert_eq!(function["failures"], 0, "{name}: {function}");
        for figure in [
            "init_ms",
            "first_invoke_ms",
            "warm_p50_ms",
            "warm_p99_ms",
            "cpu_per_warm_invoke_us",
            "peak_rss_mb",
            "zip_mb",
        ] {
            assert!(
                function[figure].as_f64().unwrap() > 0.0,
                "{name}: {figure} measured: {function}"
            );
        }
        assert!(function["warm_p99_ms"].as_f64() >= function["warm_p50_ms"].as_f64());
        assert!(
            function["zip_mb"].as_f64() < function["binary_mb"].as_f64(),
            "{name}: the zip is deflated"
        );
    }
    assert_eq!(functions[0]["init_over_baseline"], 1.0);
    std::fs::remove_dir_all(&local).ok();
}
