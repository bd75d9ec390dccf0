//! The cold-start bench (`infra/bench`), run as the README prints it (debug builds, few
//! invocations): every function, run as Lambda runs it under the loopback Runtime API, answers
//! its `bench.json` sample with a success, beside the baseline, and every figure is measured.

use crate::helpers::{readme_shell_blocks, run_as_printed};
use serde_json::Value;

#[test]
fn the_readme_bench_runs_every_function_beside_the_baseline_and_each_answers_its_sample() {
    let script = readme_shell_blocks("## Cold start", "| column |").concat();
    let local = std::env::temp_dir().join(format!("rainforest-bench-{}", ulid::Ulid::new()));
    let table = run_as_printed(&script, &[("RAINFOREST_LOCAL_DIR", local.as_os_str())]);
    let report: Value =
        serde_json::from_str(&std::fs::read_to_string(local.join("bench.json")).unwrap()).unwrap();
    let functions = report["functions"].as_array().unwrap();
    let names: Vec<&str> = functions
        .iter()
        .map(|f| f["function"].as_str().unwrap())
        .collect();
    let mut expected = vec!["hello-lambda"];
    expected.extend(rainforest_local::registry::BINARIES);
    assert_eq!(names, expected, "the baseline, then every function");
    for function in functions {
        let name = function["function"].as_str().unwrap();
        assert!(table.contains(&format!("| {name} ")), "{name} in {table}");
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
