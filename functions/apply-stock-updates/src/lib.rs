//! Consumes `InventoryUpdatesQueue`: each message is one seller's update of one SKU at one
//! location (the units on hand, or a change to them), applied to inventory once and never over a
//! newer one. A message that cannot be applied (not an update, an unknown SKU, another seller's
//! SKU, on hand below what reservations hold) is reported as failed, returns to the queue, and
//! after the queue's `maxReceiveCount` lands in its dead-letter queue; the rest of its batch is
//! applied. An update from the batch route has its outcome recorded on its batch line.

use anyhow::{Context, bail};
use aws_lambda_events::event::sqs::{SqsBatchResponse, SqsEvent};
use shared::inventory::{Counted, LineOutcome, StockUpdate};

/// What the handler needs, built once per process: who owns a SKU, and its stock.
pub use shared::storefront::Storefront as Deps;

pub async fn handle(deps: &Deps, event: SqsEvent) -> SqsBatchResponse {
    shared::events::sqs_batch(event, |message| async move {
        let body = message.body.context("a message without a body")?;
        let update: StockUpdate =
            serde_json::from_str(&body).context("a message that is not a stock update")?;
        let outcome = apply(deps, &update).await;
        if let Some(line) = &update.batch {
            let recorded = match &outcome {
                Ok(Counted::Stale) => LineOutcome::Stale,
                Ok(_) => LineOutcome::Applied,
                // The rule it broke, not the cause chain: the seller reads this.
                Err(error) => LineOutcome::Failed { error: error.to_string() },
            };
            deps.inventory.record_line(line, recorded).await?;
        }
        let counted = outcome?;
        let (sku, location, change) = (&update.sku, &update.location, &update.change);
        tracing::info!(%sku, %location, ?change, sequence = update.sequence, ?counted, "stock update");
        Ok(())
    })
    .await
}

/// Applies an update of the seller's own SKU.
async fn apply(deps: &Deps, update: &StockUpdate) -> anyhow::Result<Counted> {
    match deps
        .catalog
        .owner_of(&update.sku)
        .await?
        .map(|(_, seller)| seller)
    {
        None => bail!("unknown SKU {}", update.sku),
        // Whose it is instead is not this seller's business.
        Some(owner) if owner != update.seller_id => {
            bail!("{} is not one of this seller's SKUs", update.sku)
        }
        Some(_) => {}
    }
    let counted = deps.inventory.apply_update(update).await?;
    match counted {
        Counted::BelowReserved(0) => bail!("units on hand would fall below zero"),
        Counted::BelowReserved(held) => {
            bail!("units on hand would fall below the {held} that reservations hold")
        }
        _ => {}
    }
    Ok(counted)
}
