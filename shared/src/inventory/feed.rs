//! The seller stock feed's queue, from the sending side: the batch route puts each line on it,
//! and `apply-stock-updates` takes them off.

use super::stock_update::StockUpdate;
use crate::queue::Queue;
use anyhow::{Context, bail};
use aws_sdk_sqs::types::SendMessageBatchRequestEntry;

/// How often entries SQS did not take are sent again before the request fails.
const SEND_ATTEMPTS: usize = 3;

pub struct StockFeed(Queue);

impl StockFeed {
    pub fn from_source(
        sdk: &aws_config::SdkConfig,
        source: &impl crate::config::Source,
    ) -> anyhow::Result<Self> {
        Queue::from_source(sdk, source, "INVENTORY_UPDATES_QUEUE_URL").map(Self)
    }

    pub async fn connect(&self) {
        self.0.connect().await;
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
                    .0
                    .sqs
                    .send_message_batch()
                    .queue_url(&self.0.url)
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
