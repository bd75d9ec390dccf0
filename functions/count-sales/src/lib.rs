//! Subscribes to `OrderEventsTopic` through `SalesQueue` (its filter policy lets only `OrderPaid`
//! through): each product of a paid order gets its units counted on the day it was paid, in the
//! product's 30-day window, which search ranks best sellers by. Each sale is counted once (a
//! redelivered event finds its sale counted). A message that is not an order event fails,
//! returns to the queue, and ends in `SalesDLQ`.

use anyhow::Context;
use aws_lambda_events::event::sqs::{SqsBatchResponse, SqsEvent};
use shared::catalog::{ProductId, SaleOutcome, day_of};
use shared::orders::OrderEvent;
use std::collections::BTreeMap;

/// What the handler needs, built once per process: the catalog, where the counts live.
pub use shared::catalog::CatalogStore as Deps;

pub async fn handle(catalog: &Deps, event: SqsEvent) -> SqsBatchResponse {
    shared::events::sqs_batch(event, |message| async move {
        let body = message.body.context("a message without a body")?;
        let paid: OrderEvent =
            serde_json::from_str(&body).context("a message that is not an order event")?;
        let day = day_of(&paid.at).context("an order event without a valid time")?;
        let mut units: BTreeMap<ProductId, u32> = BTreeMap::new();
        for line in &paid.lines {
            let sold = units.entry(line.product_id).or_default();
            *sold = sold.saturating_add(line.quantity);
        }
        for (product_id, units) in units {
            let sale = format!("{}#{product_id}", paid.event_id);
            match catalog.record_sale(&sale, product_id, units, day).await? {
                SaleOutcome::Counted => tracing::info!(order_id = %paid.order_id, %product_id, units, "sale counted"),
                SaleOutcome::AlreadyCounted => tracing::info!(order_id = %paid.order_id, %product_id, "sale counted before"),
                SaleOutcome::UnknownProduct => tracing::warn!(order_id = %paid.order_id, %product_id, "a sale of a product the catalog does not have"),
            }
        }
        Ok(())
    })
    .await
}
