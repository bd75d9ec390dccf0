//! The cold-start bench (`infra/bench`), run as the README prints it (debug builds, few
//! invocations): every function, run as Lambda runs it under the loopback Runtime API, answers
//! its `bench.json` sample with a success, beside the baseline, and every figure is measured.

use crate::helpers::repo_root;
use serde_json::Value;
use std::process::Command;

/// The shell block of the README's cold-start section.
fn readme_bench_block() -> String {
    let readme = std::fs::read_to_string(repo_root().join("README.md")).unwrap();
    readme
        .split_once("## Cold start")
        .and_then(|(_, rest)| rest.split_once("```sh\n"))
        .and_then(|(_, rest)| rest.split_once("```"))
        .expect("the README's cold-start section has a shell block")
        .0
        .to_owned()
}

#[test]
fn the_readme_bench_runs_every_function_beside_the_baseline_and_each_answers_its_sample() {
    let block = readme_bench_block();
    let local = std::env::temp_dir().join(format!("rainforest-bench-{}", ulid::Ulid::new()));
    let run = Command::new("bash")
        .args(["-euo", "pipefail", "-c", &block])
        .current_dir(repo_root())
        .env("RAINFOREST_LOCAL_DIR", &local)
        .output()
        .unwrap();
    let table = String::from_utf8_lossy(&run.stdout);
    assert!(
        run.status.success(),
        "{block}\n{table}\n{}",
        String::from_utf8_lossy(&run.stderr)
    );
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
