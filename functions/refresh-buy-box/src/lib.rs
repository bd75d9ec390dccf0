//! Subscribes to `PriceChangesTopic` through `BuyBoxQueue` (its filter policy lets only
//! `price_changed` and `offer_changed` through): each change works its product's Buy Box out again and keeps the
//! summary on the product item, where category listings read their prices. Working it out from
//! the current offers and stock makes a redelivered or reordered message harmless. A message that
//! is not a price change fails, returns to the queue, and ends in `BuyBoxDLQ`.

use anyhow::Context;
use aws_lambda_events::event::sqs::{SqsBatchResponse, SqsEvent};
use shared::catalog::PriceChange;

/// What the handler needs, built once per process: the offers, their sellers and their stock.
pub use shared::storefront::Storefront as Deps;

pub async fn handle(deps: &Deps, event: SqsEvent) -> SqsBatchResponse {
    shared::events::sqs_batch(event, |message| async move {
        let body = message.body.context("a message without a body")?;
        let change: PriceChange =
            serde_json::from_str(&body).context("a message that is not a price change")?;
        match deps.refresh_buy_box(change.product_id).await? {
            Some(summary) => tracing::info!(product_id = %change.product_id, event_id = %change.event_id, ?summary, "Buy Box summary kept"),
            None => tracing::warn!(product_id = %change.product_id, "a price change of a product that is gone"),
        }
        Ok(())
    })
    .await
}
