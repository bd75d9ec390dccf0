//! The seller stock feed's queue, from the sending side: the batch route puts each line on it,
//! and `apply-stock-updates` takes them off.

use super::stock_update::StockUpdate;
use anyhow::{Context, bail};
use aws_sdk_sqs::types::SendMessageBatchRequestEntry;

/// How often entries SQS did not take are sent again before the request fails.
const SEND_ATTEMPTS: usize = 3;

pub struct StockFeed {
    sqs: aws_sdk_sqs::Client,
    queue_url: String,
}

impl StockFeed {
    pub fn from_source(
        sdk: &aws_config::SdkConfig,
        source: &impl crate::config::Source,
    ) -> anyhow::Result<Self> {
        Ok(Self {
            sqs: aws_sdk_sqs::Client::new(sdk),
            queue_url: source.required("INVENTORY_UPDATES_QUEUE_URL")?,
        })
    }

    /// Opens the connection to SQS at init with a read of the queue's attributes.
    pub async fn connect(&self) {
        let probe = self
            .sqs
            .get_queue_attributes()
            .queue_url(&self.queue_url)
            .send();
        crate::aws::connect("sqs", probe).await;
    }

    /// Puts every update on the queue, ten to a request, sending again what SQS hands back.
    pub async fn send(&self, updates: &[StockUpdate]) -> anyhow::Result<()> {
        for chunk in updates.chunks(10) {
            let mut pending = chunk
                .iter()
                .enumerate()
                .map(|(n, update)| {
                    let entry = SendMessageBatchRequestEntry::builder()
                        .id(n.to_string())
                        .message_body(serde_json::to_string(update)?)
                        .build()?;
                    anyhow::Ok(entry)
                })
                .collect::<anyhow::Result<Vec<_>>>()?;
            for _ in 0..SEND_ATTEMPTS {
                let output = self
                    .sqs
                    .send_message_batch()
                    .queue_url(&self.queue_url)
                    .set_entries(Some(pending.clone()))
                    .send()
                    .await
                    .context("sending stock updates")?;
                let failed: Vec<&str> = output.failed().iter().map(|f| f.id()).collect();
                pending.retain(|entry| failed.contains(&entry.id()));
                if pending.is_empty() {
                    break;
                }
            }
            if !pending.is_empty() {
                bail!(
                    "SQS refused {} stock updates {SEND_ATTEMPTS} times",
                    pending.len()
                );
            }
        }
        Ok(())
    }
}
