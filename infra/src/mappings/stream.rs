//! The DynamoDB stream poller, its retries and failure destination, and the records it delivers.

use super::{Mapping, Source, Tuning};
use crate::gateway::Gateway;
use anyhow::Context;
use aws_config::SdkConfig;
use serde_json::{Value, json};
use std::time::Duration;

pub(super) async fn poll_stream(
    sdk: &SdkConfig,
    gateway: &Gateway,
    mapping: &Mapping,
    tuning: Tuning,
) -> anyhow::Result<()> {
    use aws_sdk_dynamodbstreams::types::ShardIteratorType;
    let Source::Stream {
        arn,
        from_start,
        max_retries,
        on_failure,
    } = &mapping.kind
    else {
        unreachable!("a stream mapping");
    };
    let streams = aws_sdk_dynamodbstreams::Client::new(sdk);
    let sqs = aws_sdk_sqs::Client::new(sdk);
    let region = sdk
        .region()
        .map_or("us-east-1".to_owned(), ToString::to_string);
    let description = streams
        .describe_stream()
        .stream_arn(arn)
        .send()
        .await?
        .stream_description
        .context("no stream description")?;
    // The local tables have one shard; a real stream's shard tree is Lambda's business.
    let shard = description
        .shards()
        .first()
        .and_then(|s| s.shard_id())
        .context("a stream without shards")?
        .to_owned();
    let position = if *from_start && !tuning.streams_from_latest {
        ShardIteratorType::TrimHorizon
    } else {
        ShardIteratorType::Latest
    };
    let mut iterator = streams
        .get_shard_iterator()
        .stream_arn(arn)
        .shard_id(&shard)
        .shard_iterator_type(position)
        .send()
        .await?
        .shard_iterator;
    while let Some(current) = iterator {
        let output = streams
            .get_records()
            .shard_iterator(&current)
            .limit(mapping.batch_size as i32)
            .send()
            .await?;
        iterator = output.next_shard_iterator;
        let records: Vec<Value> = output
            .records
            .unwrap_or_default()
            .into_iter()
            .map(|record| stream_record(record, arn, &region))
            .collect::<anyhow::Result<_>>()?;
        let fetched = records.len();
        let records: Vec<Value> = records
            .into_iter()
            .filter(|record| {
                mapping.filters.is_empty()
                    || mapping.filters.iter().any(|p| super::matches(p, record))
            })
            .collect();
        if fetched == 0 {
            tokio::time::sleep(Duration::from_millis(500)).await;
            continue;
        }
        deliver_stream_batch(
            gateway,
            &sqs,
            mapping,
            records,
            *max_retries,
            on_failure.as_deref(),
            arn,
            &shard,
        )
        .await?;
    }
    Ok(())
}

/// Delivers a batch; on failure retries from the failed record, and past `max_retries` sends
/// that record's batch info to the failure destination and goes on after it.
#[allow(clippy::too_many_arguments)]
async fn deliver_stream_batch(
    gateway: &Gateway,
    sqs: &aws_sdk_sqs::Client,
    mapping: &Mapping,
    mut records: Vec<Value>,
    max_retries: Option<u32>,
    on_failure: Option<&str>,
    arn: &str,
    shard: &str,
) -> anyhow::Result<()> {
    let mut attempts = 0;
    while !records.is_empty() {
        let outcome = gateway
            .invoke(&mapping.function, json!({"Records": records}))
            .await
            .context("no function")?;
        let failed_at = match outcome {
            Ok(response) if mapping.report_failures => response["batchItemFailures"]
                .as_array()
                .into_iter()
                .flatten()
                .filter_map(|f| f["itemIdentifier"].as_str())
                .filter_map(|sequence| {
                    records
                        .iter()
                        .position(|r| r["dynamodb"]["SequenceNumber"] == sequence)
                })
                .min(),
            Ok(_) => None,
            Err(error) => {
                tracing::warn!(function = %mapping.function, error_type = %error.error_type, "stream batch failed; retrying it whole");
                Some(0)
            }
        };
        let Some(index) = failed_at else {
            return Ok(());
        };
        // Retries count per failing record: progress past earlier records starts them afresh.
        if index > 0 {
            attempts = 0;
        }
        records.drain(..index);
        attempts += 1;
        if max_retries.is_some_and(|max| attempts > max) {
            let record = records.remove(0);
            let sequence = record["dynamodb"]["SequenceNumber"].clone();
            tracing::error!(function = %mapping.function, %sequence, "stream record failed every retry; sent to the failure destination");
            if let Some(queue) = on_failure {
                let info = json!({
                    "requestContext": {"functionArn": mapping.function, "condition": "RetryAttemptsExhausted", "approximateInvokeCount": attempts},
                    "DDBStreamBatchInfo": {"shardId": shard, "startSequenceNumber": sequence, "endSequenceNumber": sequence,
                                           "batchSize": 1, "streamArn": arn},
                });
                sqs.send_message()
                    .queue_url(queue)
                    .message_body(info.to_string())
                    .send()
                    .await?;
            }
            attempts = 0;
        }
    }
    Ok(())
}

/// A stream record in the shape Lambda's DynamoDB event carries it.
pub fn stream_record(
    record: aws_sdk_dynamodbstreams::types::Record,
    arn: &str,
    region: &str,
) -> anyhow::Result<Value> {
    let change = record.dynamodb.context("a record without its change")?;
    let image = |item: Option<
        std::collections::HashMap<String, aws_sdk_dynamodbstreams::types::AttributeValue>,
    >|
     -> anyhow::Result<Value> {
        match item {
            Some(item) => Ok(serde_json::to_value(serde_dynamo::Item::from(item))?),
            None => Ok(Value::Null),
        }
    };
    let mut dynamodb = json!({
        "Keys": image(change.keys)?,
        "SequenceNumber": change.sequence_number,
        "SizeBytes": change.size_bytes.unwrap_or(0),
        "StreamViewType": change.stream_view_type.map(|v| v.as_str().to_owned()),
        "ApproximateCreationDateTime": change.approximate_creation_date_time.map_or(0.0, |t| t.as_secs_f64()),
    });
    for (name, value) in [
        ("NewImage", image(change.new_image)?),
        ("OldImage", image(change.old_image)?),
    ] {
        if !value.is_null() {
            dynamodb[name] = value;
        }
    }
    let mut event = json!({
        "eventID": record.event_id, "eventName": record.event_name.map(|n| n.as_str().to_owned()),
        "eventVersion": record.event_version, "eventSource": "aws:dynamodb", "awsRegion": region,
        "dynamodb": dynamodb, "eventSourceARN": arn,
    });
    // Only DynamoDB's own TTL deletions carry an identity, and it is always the service's.
    // (dynoxide 3.2.0 spells its members `type` and `principalId`, where the Streams API has
    // `Type` and `PrincipalId`, so the SDK reads them as absent: the presence is what counts.)
    if let Some(identity) = record.user_identity {
        event["userIdentity"] = json!({
            "type": identity.r#type.unwrap_or_else(|| "Service".to_owned()),
            "principalId": identity.principal_id.unwrap_or_else(|| "dynamodb.amazonaws.com".to_owned()),
        });
    }
    Ok(event)
}
