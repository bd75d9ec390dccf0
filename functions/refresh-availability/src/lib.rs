//! Consumes the inventory table's stream (its stock shard items, by the mapping's filter): a
//! write that may move a SKU between in stock, "only N left" and out of stock works its
//! product's Buy Box summary out again, so browse stops showing a sold-out winner and shows a
//! restocked one. The summary is worked out from the stock as it is now, after every record of
//! the batch, so each SKU is looked at once per batch and replays change nothing. A record that
//! fails stops the batch there; Lambda retries from it and, past `MaximumRetryAttempts`, sends it
//! to the failure queue.

use aws_lambda_events::event::dynamodb::Event;
use aws_lambda_events::event::streams::DynamoDbEventResponse;
use shared::inventory::StockLevel;
use std::collections::HashSet;
use std::sync::{Mutex, PoisonError};

/// What the handler needs, built once per process: the offers, their sellers and their stock.
pub use shared::storefront::Storefront as Deps;

pub async fn handle(deps: &Deps, event: Event) -> DynamoDbEventResponse {
    let seen = Mutex::new(HashSet::new());
    shared::events::stream_batch(event, |record| {
        let seen = &seen;
        async move {
            let Some(level) =
                StockLevel::of_record(record.change.old_image, record.change.new_image)?
            else {
                return Ok(());
            };
            if !level.may_change_availability() {
                return Ok(());
            }
            let first = seen
                .lock()
                .unwrap_or_else(PoisonError::into_inner)
                .insert(level.sku.clone());
            if !first {
                return Ok(());
            }
            let Some((product_id, _)) = deps.catalog.owner_of(&level.sku).await? else {
                tracing::warn!(sku = %level.sku, "stock of a SKU the catalog does not have");
                return Ok(());
            };
            let summary = deps.refresh_buy_box(product_id).await?;
            tracing::info!(sku = %level.sku, %product_id, ?summary, "Buy Box summary worked out after a stock change");
            Ok(())
        }
    })
    .await
}
