//! Consumes `InventoryUpdatesQueue`: each message is one seller's count of one SKU at one
//! location, applied to inventory unless a count the seller numbered higher was applied already.
//! A message that cannot be applied (not a count, an unknown SKU, another seller's SKU, below
//! what reservations hold) is reported as failed, returns to the queue, and after the queue's
//! `maxReceiveCount` lands in its dead-letter queue; the rest of its batch is applied.

use anyhow::{Context, bail};
use aws_lambda_events::event::sqs::{SqsBatchResponse, SqsEvent};
use shared::inventory::{Counted, StockCount};

/// What the handler needs, built once per process: who owns a SKU, and its stock.
pub use shared::storefront::Storefront as Deps;

pub async fn handle(deps: &Deps, event: SqsEvent) -> SqsBatchResponse {
    shared::events::sqs_batch(event, |message| async move {
        let body = message.body.context("a message without a body")?;
        let count: StockCount =
            serde_json::from_str(&body).context("a message that is not a stock count")?;
        match deps.catalog.seller_of(&count.sku).await? {
            None => bail!("unknown SKU {}", count.sku),
            Some(owner) if owner != count.seller_id => {
                bail!("SKU {} belongs to another seller", count.sku)
            }
            Some(_) => {}
        }
        let counted = deps.inventory.apply_count(&count).await?;
        if let Counted::BelowReserved(reserved) = counted {
            bail!("{} units on hand is below the {reserved} reservations hold", u32::from(count.quantity));
        }
        let (sku, location) = (&count.sku, &count.location);
        tracing::info!(%sku, %location, quantity = u32::from(count.quantity), sequence = count.sequence, ?counted, "stock count");
        Ok(())
    })
    .await
}
