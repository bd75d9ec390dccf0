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

/// The hot-SKU bench (`infra/bench-reservations`), run as the README prints it: every shard
/// count's reservations are held (stock matches them), the units add up, and the figures are
/// measured.
#[test]
fn the_readme_hot_sku_bench_holds_every_reservation_for_each_shard_count() {
    let script = readme_shell_blocks(
        "`infra/bench-reservations` reserves",
        "Its figures also go to",
    )
    .concat();
    let local = std::env::temp_dir().join(format!("rainforest-hot-{}", ulid::Ulid::new()));
    let table = run_as_printed(&script, &[("RAINFOREST_LOCAL_DIR", local.as_os_str())]);
    let json = std::fs::read_to_string(local.join("bench-reservations.json")).unwrap();
    let rows: Vec<Value> = serde_json::from_str(&json).unwrap();
    let shards: Vec<u64> = rows.iter().map(|r| r["shards"].as_u64().unwrap()).collect();
    assert_eq!(shards, [1, 4]);
    for row in &rows {
        assert_eq!(row["held"], 200, "{row}");
        assert_eq!(row["reservations"], 200, "{row}");
        assert!(row["per_second"].as_f64().unwrap() > 0.0, "{row}");
        assert!(row["p99_ms"].as_f64() >= row["p50_ms"].as_f64(), "{row}");
        assert!(row["transactions"].as_u64().unwrap() >= 200, "{row}");
        assert!(
            table.contains(&format!("| {} | 200 | 200 |", row["shards"])),
            "{table}"
        );
    }
    std::fs::remove_dir_all(&local).ok();
}

/// The checkout bench (`infra/bench-checkout`), run as the README prints it: every checkout is
/// answered and confirmed, and the figures are measured.
#[test]
fn the_readme_checkout_bench_confirms_every_checkout_and_measures_it() {
    let script =
        readme_shell_blocks("`infra/bench-checkout` buys", "Its figures also go to").concat();
    let local = std::env::temp_dir().join(format!("rainforest-checkout-{}", ulid::Ulid::new()));
    let table = run_as_printed(&script, &[("RAINFOREST_LOCAL_DIR", local.as_os_str())]);
    let json = std::fs::read_to_string(local.join("bench-checkout.json")).unwrap();
    let figures: Value = serde_json::from_str(&json).unwrap();
    assert_eq!(
        (figures["checkouts"].as_u64(), figures["confirmed"].as_u64()),
        (Some(20), Some(20))
    );
    assert!(
        figures["answer_p99_ms"].as_f64() >= figures["answer_p50_ms"].as_f64(),
        "{figures}"
    );
    let express = figures["express_p50_ms"].as_f64().unwrap();
    assert!(express > 0.0, "{figures}");
    assert!(
        figures["saga_p50_ms"].as_f64().unwrap() >= express,
        "{figures}"
    );
    let share = figures["tasks_share"].as_f64().unwrap();
    assert!(share > 0.0 && share <= 1.0, "{figures}");
    assert!(table.contains("| 20 | 4 |"), "{table}");
    std::fs::remove_dir_all(&local).ok();
}

/// What the ranking scored when it was last changed (`infra/search-relevance`): a change that
/// scores less fails here.
const NDCG_FLOOR: f64 = 0.98;
const BEST_FIRST_FLOOR: f64 = 1.0;

/// Search relevance (`infra/search-relevance`), run as the README prints it: every judged query
/// is graded, and neither figure falls below what the ranking scored when it was last changed.
#[test]
fn the_readme_search_relevance_holds_its_scores() {
    let script = readme_shell_blocks("**Relevance, measured.**", "Its figures also go to").concat();
    let local = std::env::temp_dir().join(format!("rainforest-relevance-{}", ulid::Ulid::new()));
    let table = run_as_printed(&script, &[("RAINFOREST_LOCAL_DIR", local.as_os_str())]);
    let json = std::fs::read_to_string(local.join("search-relevance.json")).unwrap();
    let figures: Value = serde_json::from_str(&json).unwrap();
    assert_eq!(figures["queries"], 58, "{figures}");
    assert!(
        figures["ndcg_at_10"].as_f64().unwrap() >= NDCG_FLOOR,
        "{table}"
    );
    assert!(
        figures["best_first"].as_f64().unwrap() >= BEST_FIRST_FLOOR,
        "{table}"
    );
    std::fs::remove_dir_all(&local).ok();
}

/// The search bench (`infra/bench-search`), run as the README prints it: every document goes
/// through the indexer and the figures are measured.
#[test]
fn the_readme_search_bench_indexes_and_measures() {
    let script =
        readme_shell_blocks("**Speed.** `infra/bench-search`", "Its figures also go to").concat();
    let local = std::env::temp_dir().join(format!("rainforest-search-{}", ulid::Ulid::new()));
    let table = run_as_printed(&script, &[("RAINFOREST_LOCAL_DIR", local.as_os_str())]);
    let json = std::fs::read_to_string(local.join("bench-search.json")).unwrap();
    let figures: Value = serde_json::from_str(&json).unwrap();
    assert_eq!(figures["indexed"], 500, "{figures}");
    assert!(
        figures["indexer_docs_per_s"].as_f64().unwrap() > 0.0,
        "{figures}"
    );
    assert!(
        figures["backfill_docs"].as_u64().unwrap() > 3_000,
        "{figures}"
    );
    let share = figures["emulators_share"].as_f64().unwrap();
    assert!(share > 0.0 && share.is_finite(), "{figures}");
    assert_eq!(figures["searches"], 116, "{figures}");
    for name in ["search", "suggest"] {
        let (p50, p99) = (
            &figures[format!("{name}_p50_ms")],
            &figures[format!("{name}_p99_ms")],
        );
        assert!(
            p50.as_f64().unwrap() > 0.0 && p99.as_f64() >= p50.as_f64(),
            "{figures}"
        );
    }
    assert!(table.contains("| 500 |"), "{table}");
    std::fs::remove_dir_all(&local).ok();
}

/// The recommendations replay (`infra/bench-recommendations`), run as the README prints it:
/// every order goes through the consumer, and the planted pairs are found far more often than
/// recommending best sellers would find them.
#[test]
fn the_readme_recommendations_replay_finds_the_planted_pairs() {
    let script = readme_shell_blocks(
        "**Measured.** `infra/bench-recommendations`",
        "Its figures also go to",
    )
    .concat();
    let local = std::env::temp_dir().join(format!("rainforest-recs-{}", ulid::Ulid::new()));
    let table = run_as_printed(&script, &[("RAINFOREST_LOCAL_DIR", local.as_os_str())]);
    let json = std::fs::read_to_string(local.join("bench-recommendations.json")).unwrap();
    let figures: Value = serde_json::from_str(&json).unwrap();
    assert_eq!(figures["customers"], 100, "{figures}");
    assert_eq!(figures["held_out"], 100, "{figures}");
    let figure = |name: &str| figures[name].as_f64().unwrap();
    assert!(figure("hit_rate_at_10") >= 0.8, "{table}");
    assert!(
        figure("hit_rate_at_10") > 5.0 * figure("best_sellers_hit_rate_at_10"),
        "{table}"
    );
    assert!(figure("popular_first") <= 0.1, "{table}");
    // An order pairs at most 10 products, each with at most 64 writes; every one writes some.
    let (mean, max) = (
        figure("writes_per_order_mean"),
        figure("writes_per_order_max"),
    );
    assert!(mean >= 3.0 && max <= 640.0, "{table}");
    assert!(figure("handler_p50_ms") > 0.0, "{table}");
    std::fs::remove_dir_all(&local).ok();
}
