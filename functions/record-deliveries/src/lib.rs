//! Subscribes to `OrderEventsTopic` through `DeliveriesQueue` (its filter policy lets only
//! `OrderDelivered` through): each product of a delivered order is noted as bought by its
//! customer, what makes their review of it a verified purchase. Noting it again changes
//! nothing. A message that is not an order event fails, returns to the queue, and ends in
//! `DeliveriesDLQ`.

use anyhow::Context;
use aws_lambda_events::event::sqs::{SqsBatchResponse, SqsEvent};
use shared::orders::OrderEvent;

/// What the handler needs, built once per process: the reviews table.
pub use shared::reviews::ReviewsStore as Deps;

pub async fn handle(reviews: &Deps, event: SqsEvent) -> SqsBatchResponse {
    shared::events::sqs_batch(event, |message| async move {
        let body = message.body.context("a message without a body")?;
        let delivered: OrderEvent =
            serde_json::from_str(&body).context("a message that is not an order event")?;
        if delivered.event_type != "OrderDelivered" {
            tracing::warn!(order_id = %delivered.order_id, event_type = %delivered.event_type, "not a delivery; skipped");
            return Ok(());
        }
        let products: Vec<_> = delivered.lines.iter().map(|line| line.product_id).collect();
        reviews
            .record_delivery(
                &delivered.customer_id,
                delivered.order_id,
                &products,
                &delivered.at,
            )
            .await?;
        tracing::info!(order_id = %delivered.order_id, products = products.len(), "delivery noted for reviews");
        Ok(())
    })
    .await
}
