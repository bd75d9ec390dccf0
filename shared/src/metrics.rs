//! Metrics as CloudWatch Embedded Metric Format lines on stdout: Lambda ships them to CloudWatch
//! Logs, which turns them into metrics, with no API call on the request path.

use serde_json::json;
use std::time::{SystemTime, UNIX_EPOCH};

const NAMESPACE: &str = "Rainforest";

/// Counts `value` occurrences of `name`.
pub fn count(name: &str, value: u64) {
    println!("{}", count_line(name, value, SystemTime::now()));
}

fn count_line(name: &str, value: u64, at: SystemTime) -> String {
    let millis = at
        .duration_since(UNIX_EPOCH)
        .unwrap_or_default()
        .as_millis();
    json!({
        "_aws": {
            "Timestamp": millis as u64,
            "CloudWatchMetrics": [{
                "Namespace": NAMESPACE,
                "Dimensions": [[]],
                "Metrics": [{"Name": name, "Unit": "Count"}],
            }],
        },
        name: value,
    })
    .to_string()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_count_is_an_embedded_metric_format_document() {
        let line = count_line("UndecodableItems", 2, UNIX_EPOCH);
        let doc: serde_json::Value = serde_json::from_str(&line).unwrap();
        assert_eq!(doc["UndecodableItems"], 2);
        let directive = &doc["_aws"]["CloudWatchMetrics"][0];
        assert_eq!(directive["Namespace"], "Rainforest");
        assert_eq!(directive["Metrics"][0]["Name"], "UndecodableItems");
        assert_eq!(doc["_aws"]["Timestamp"], 0);
    }
}
