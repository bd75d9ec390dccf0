//! Consumes `InventoryUpdatesQueue`: each message is one seller's stock count for one SKU. A
//! message that cannot be applied is reported as failed, returns to the queue, and after the
//! queue's `maxReceiveCount` lands in its dead-letter queue; the rest of its batch is applied.

use anyhow::Context;
use aws_lambda_events::event::sqs::{SqsBatchResponse, SqsEvent};
use shared::catalog::StockUpdate;

/// What the handler needs, built once per process.
pub use shared::catalog::CatalogStore as Deps;

pub async fn handle(store: &Deps, event: SqsEvent) -> SqsBatchResponse {
    shared::events::sqs_batch(event, |message| async move {
        let body = message.body.context("a message without a body")?;
        let update: StockUpdate = serde_json::from_str(&body).context("a message that is not a stock update")?;
        let applied = store.apply_stock_update(&update).await?;
        tracing::info!(sku = %update.sku, quantity = u32::from(update.quantity), applied, "stock update");
        Ok(())
    })
    .await
}
