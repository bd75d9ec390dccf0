//! Consumes the inventory table's stream: a reservation still held when DynamoDB's TTL deleted
//! it gives its units back, without anyone calling release. Replays change nothing (each hold is
//! given back once). A record that fails stops the batch there; Lambda retries from it and,
//! past `MaximumRetryAttempts`, sends it to the failure queue.

use aws_lambda_events::event::dynamodb::Event;
use aws_lambda_events::event::streams::DynamoDbEventResponse;
use shared::inventory::removed_reservation;

/// What the handler needs, built once per process.
pub use shared::inventory::InventoryStore as Deps;

pub async fn handle(store: &Deps, event: Event) -> DynamoDbEventResponse {
    shared::events::stream_batch(event, |record| async move {
        if record.event_name != "REMOVE" {
            return Ok(());
        }
        if let Some(removed) = removed_reservation(record.change.old_image)? {
            let id = removed.id;
            let released = store.expire_removed(removed).await?;
            tracing::info!(reservation = %id, released, "reservation removed by TTL");
        }
        Ok(())
    })
    .await
}
