//! Event source mappings as Lambda runs them, for the `SQS` and `DynamoDB` events of
//! template.yaml: poll the emulator, hand batches to the function, honour
//! `ReportBatchItemFailures`, retries and failure destinations.

mod sqs;
mod stream;

pub use stream::stream_record;

use crate::gateway::Gateway;
use crate::provision::Stack;
use crate::template::Template;
use anyhow::Context;
use aws_config::SdkConfig;
use serde_json::Value;
use std::sync::Arc;
use std::time::Duration;

/// One `SQS` or `DynamoDB` event of a function.
#[derive(Debug, Clone)]
pub struct Mapping {
    pub function: String,
    pub kind: Source,
    pub batch_size: usize,
    pub report_failures: bool,
    /// `FilterCriteria`: a record reaches the function when any pattern matches it.
    pub filters: Vec<Value>,
}

#[derive(Debug, Clone)]
pub enum Source {
    Queue {
        arn: String,
        url: String,
    },
    Stream {
        arn: String,
        from_start: bool,
        max_retries: Option<u32>,
        on_failure: Option<String>,
    },
}

/// The mappings declared in `template`, their ARNs resolved against `stack`.
pub fn mappings(template: &Template, stack: &Stack) -> anyhow::Result<Vec<Mapping>> {
    let mut found = Vec::new();
    for (id, name, kind, properties) in template.function_events(&["SQS", "DynamoDB"]) {
        let context = || format!("{id}.{name}");
        let properties = stack.resolve(properties).with_context(context)?;
        let text = |key: &str| {
            properties
                .get(key)
                .and_then(Value::as_str)
                .map(str::to_owned)
        };
        let number = |key: &str| properties.get(key).and_then(Value::as_u64);
        let local_queue = |arn: &str| {
            stack
                .find_by_attribute("Arn", arn)
                .with_context(|| format!("{}: no local queue {arn}", context()))
        };
        let (source, default_batch) = if kind == "SQS" {
            let arn = text("Queue").with_context(context)?;
            (
                Source::Queue {
                    url: local_queue(&arn)?,
                    arn,
                },
                10,
            )
        } else {
            let destination = properties
                .pointer("/DestinationConfig/OnFailure/Destination")
                .and_then(Value::as_str);
            let source = Source::Stream {
                arn: text("Stream").with_context(context)?,
                from_start: text("StartingPosition").as_deref() == Some("TRIM_HORIZON"),
                // -1 (the default) retries until the record expires.
                max_retries: number("MaximumRetryAttempts").and_then(|n| u32::try_from(n).ok()),
                on_failure: destination.map(local_queue).transpose()?,
            };
            (source, 100)
        };
        let filters = filter_patterns(&properties).with_context(context)?;
        if kind == "SQS" && !filters.is_empty() {
            anyhow::bail!("{}: the local queue mappings do not filter", context());
        }
        found.push(Mapping {
            filters,
            function: stack.reference(id)?,
            kind: source,
            batch_size: number("BatchSize").map_or(default_batch, |n| n as usize),
            report_failures: properties["FunctionResponseTypes"]
                .as_array()
                .is_some_and(|types| types.iter().any(|t| t == "ReportBatchItemFailures")),
        });
    }
    Ok(found)
}

/// The patterns of `FilterCriteria`, each checked to use only what [`matches`] understands.
fn filter_patterns(properties: &Value) -> anyhow::Result<Vec<Value>> {
    fn supported(pattern: &Value) -> bool {
        match pattern {
            Value::Object(fields) => !fields.is_empty() && fields.values().all(supported),
            Value::Array(values) => values.iter().all(|v| !v.is_object() && !v.is_array()),
            _ => false,
        }
    }
    let filters = properties
        .pointer("/FilterCriteria/Filters")
        .and_then(Value::as_array);
    filters
        .into_iter()
        .flatten()
        .map(|filter| {
            let text = filter["Pattern"]
                .as_str()
                .context("a filter without a Pattern")?;
            let pattern: Value =
                serde_json::from_str(text).context("a Pattern that is not JSON")?;
            anyhow::ensure!(
                supported(&pattern),
                "the local mappings match only exact values (fields of lists of values): {text}"
            );
            Ok(pattern)
        })
        .collect()
}

/// Whether `record` matches an event filter pattern: each field present, a list of values
/// holding the record's.
fn matches(pattern: &Value, record: &Value) -> bool {
    match pattern {
        Value::Object(fields) => fields
            .iter()
            .all(|(name, inner)| record.get(name).is_some_and(|value| matches(inner, value))),
        Value::Array(values) => values.contains(record),
        _ => false,
    }
}

/// How the local mappings differ from Lambda's: how soon a failed message is retried.
#[derive(Debug, Clone, Copy)]
pub struct Tuning {
    /// `None`: after the queue's visibility timeout, as on AWS.
    pub queue_retry_delay: Option<Duration>,
    /// Start streams at their end whatever `StartingPosition` says: the demo catalog loaded
    /// before the mappings start is history, not news.
    pub streams_from_latest: bool,
}

/// Runs every mapping until the process ends.
pub fn start(sdk: &SdkConfig, gateway: Arc<Gateway>, mappings: Vec<Mapping>, tuning: Tuning) {
    for mapping in mappings {
        let sdk = sdk.clone();
        let gateway = gateway.clone();
        tokio::spawn(async move {
            let outcome = match &mapping.kind {
                Source::Queue { arn, url } => {
                    sqs::poll_queue(&sdk, &gateway, &mapping, arn, url, tuning).await
                }
                Source::Stream { .. } => {
                    stream::poll_stream(&sdk, &gateway, &mapping, tuning).await
                }
            };
            if let Err(error) = outcome {
                tracing::error!(function = %mapping.function, error = format!("{error:#}"), "event source mapping stopped");
            }
        });
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn filters_match_exact_values_in_nested_fields() {
        let stock = json!({"eventName": "MODIFY", "dynamodb": {"Keys": {"sk": {"S": "#STOCK"}}}});
        let hold = json!({"eventName": "MODIFY", "dynamodb": {"Keys": {"sk": {"S": "HOLD#1"}}}});
        let pattern = json!({"dynamodb": {"Keys": {"sk": {"S": ["#STOCK"]}}}});
        assert!(matches(&pattern, &stock));
        assert!(!matches(&pattern, &hold));
        assert!(matches(&json!({"eventName": ["INSERT", "MODIFY"]}), &stock));
        assert!(!matches(&json!({"eventName": ["REMOVE"]}), &stock));
        assert!(
            !matches(&json!({"userIdentity": {"type": ["Service"]}}), &stock),
            "a field the record lacks"
        );
    }

    #[test]
    fn filter_patterns_the_local_mappings_cannot_honour_are_refused() {
        let with = |pattern: &str| json!({"FilterCriteria": {"Filters": [{"Pattern": pattern}]}});
        assert_eq!(
            filter_patterns(&with(r#"{"eventName": ["REMOVE"]}"#))
                .unwrap()
                .len(),
            1
        );
        assert!(filter_patterns(&with(r#"{"eventName": [{"prefix": "RE"}]}"#)).is_err());
        assert!(filter_patterns(&with(r#"{"eventName": "REMOVE"}"#)).is_err());
        assert!(filter_patterns(&json!({})).unwrap().is_empty());
    }
}
