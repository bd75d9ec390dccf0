//! Event source mappings as Lambda runs them, for the `SQS` and `DynamoDB` events of
//! template.yaml: poll the emulator, hand batches to the function, honour
//! `ReportBatchItemFailures`, retries and failure destinations.

use crate::gateway::Gateway;
use crate::provision::Stack;
use crate::template::Template;
use anyhow::Context;
use aws_config::SdkConfig;
use aws_sdk_sqs::types::{DeleteMessageBatchRequestEntry, MessageSystemAttributeName};
use serde_json::{Value, json};
use std::collections::HashSet;
use std::sync::Arc;
use std::time::Duration;

/// One `SQS` or `DynamoDB` event of a function.
#[derive(Debug, Clone)]
pub struct Mapping {
    pub function: String,
    pub kind: Source,
    pub batch_size: usize,
    pub report_failures: bool,
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
        found.push(Mapping {
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
                    poll_queue(&sdk, &gateway, &mapping, arn, url, tuning).await
                }
                Source::Stream { .. } => poll_stream(&sdk, &gateway, &mapping, tuning).await,
            };
            if let Err(error) = outcome {
                tracing::error!(function = %mapping.function, error = format!("{error:#}"), "event source mapping stopped");
            }
        });
    }
}

async fn poll_queue(
    sdk: &SdkConfig,
    gateway: &Gateway,
    mapping: &Mapping,
    arn: &str,
    url: &str,
    tuning: Tuning,
) -> anyhow::Result<()> {
    let sqs = aws_sdk_sqs::Client::new(sdk);
    let region = sdk
        .region()
        .map_or("us-east-1".to_owned(), ToString::to_string);
    loop {
        let received = sqs
            .receive_message()
            .queue_url(url)
            .max_number_of_messages(mapping.batch_size.min(10) as i32)
            .wait_time_seconds(1)
            .message_system_attribute_names(MessageSystemAttributeName::All)
            .message_attribute_names("All")
            .send()
            .await;
        let messages = match received {
            Ok(output) => output.messages.unwrap_or_default(),
            Err(error) => {
                tracing::warn!(queue = %url, error = %aws_sdk_sqs::error::DisplayErrorContext(&error), "receive failed; retrying");
                tokio::time::sleep(Duration::from_secs(1)).await;
                continue;
            }
        };
        if messages.is_empty() {
            continue;
        }
        let records: Vec<Value> = messages
            .iter()
            .map(|m| {
                let attributes: serde_json::Map<String, Value> = m
                    .attributes()
                    .map(|a| a.iter().map(|(k, v)| (k.as_str().to_owned(), Value::String(v.clone()))).collect())
                    .unwrap_or_default();
                json!({
                    "messageId": m.message_id(), "receiptHandle": m.receipt_handle(), "body": m.body(),
                    "attributes": attributes, "messageAttributes": {}, "md5OfBody": m.md5_of_body(),
                    "eventSource": "aws:sqs", "eventSourceARN": arn, "awsRegion": region,
                })
            })
            .collect();
        let failed: HashSet<String> = match gateway
            .invoke(&mapping.function, json!({"Records": records}))
            .await
        {
            Some(Ok(response)) if mapping.report_failures => response["batchItemFailures"]
                .as_array()
                .into_iter()
                .flatten()
                .filter_map(|f| f["itemIdentifier"].as_str().map(str::to_owned))
                .collect(),
            Some(Ok(_)) => HashSet::new(),
            Some(Err(error)) => {
                tracing::warn!(function = %mapping.function, error_type = %error.error_type, "batch failed; every message returns to the queue");
                messages
                    .iter()
                    .filter_map(|m| m.message_id().map(str::to_owned))
                    .collect()
            }
            None => anyhow::bail!("no function {}", mapping.function),
        };
        let done: Vec<_> = messages
            .iter()
            .filter(|m| !m.message_id().is_some_and(|id| failed.contains(id)))
            .enumerate()
            .map(|(i, m)| {
                DeleteMessageBatchRequestEntry::builder()
                    .id(i.to_string())
                    .set_receipt_handle(m.receipt_handle.clone())
                    .build()
            })
            .collect::<Result<_, _>>()?;
        if !done.is_empty() {
            let deleted = sqs
                .delete_message_batch()
                .queue_url(url)
                .set_entries(Some(done))
                .send()
                .await?;
            anyhow::ensure!(
                deleted.failed.is_empty(),
                "deleting handled messages failed: {:?}",
                deleted.failed
            );
        }
        if let Some(delay) = tuning.queue_retry_delay {
            for message in messages
                .iter()
                .filter(|m| m.message_id().is_some_and(|id| failed.contains(id)))
            {
                sqs.change_message_visibility()
                    .queue_url(url)
                    .set_receipt_handle(message.receipt_handle.clone())
                    .visibility_timeout(delay.as_secs() as i32)
                    .send()
                    .await?;
            }
        }
    }
}

async fn poll_stream(
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
        if records.is_empty() {
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
