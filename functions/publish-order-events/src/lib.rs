//! Consumes the orders table's stream, only its outbox items (by the mapping's filter): each
//! order event written in the same transaction as its status change is published on
//! `OrderEventsTopic`, so an event goes out if and only if its change was made. A record that
//! fails stops the batch there; Lambda retries from it and, past `MaximumRetryAttempts`, sends it
//! to the failure queue.

use aws_lambda_events::event::dynamodb::Event;
use aws_lambda_events::event::streams::DynamoDbEventResponse;
use shared::orders::OrderEvent;

/// What the handler needs, built once per process.
pub use shared::orders::OrderEvents as Deps;

pub async fn handle(topic: &Deps, event: Event) -> DynamoDbEventResponse {
    shared::events::stream_batch(event, |record| async move {
        if record.event_name != "INSERT" {
            return Ok(());
        }
        if let Some(event) = OrderEvent::from_image(record.change.new_image)? {
            topic.publish(&event).await?;
            tracing::info!(order_id = %event.order_id, event_type = %event.event_type, "order event published");
        }
        Ok(())
    })
    .await
}
