//! The SQS queue poller: batches of messages to the function, failed ones back to the queue.

use super::{Mapping, Tuning};
use crate::gateway::Gateway;
use aws_config::SdkConfig;
use aws_sdk_sqs::types::{DeleteMessageBatchRequestEntry, MessageSystemAttributeName};
use serde_json::{Value, json};
use std::collections::HashSet;
use std::time::Duration;

pub(super) async fn poll_queue(
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
