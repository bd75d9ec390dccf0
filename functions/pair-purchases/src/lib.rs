//! Subscribes to `OrderEventsTopic` through `RecommendationsQueue` (its filter policy lets only
//! `OrderPaid` through): each product of a paid order that is new to its customer is counted and
//! paired with a sample of what they bought before, so "frequently bought together" and their
//! own list move with every order. A redelivered event counts nothing again. A message that is
//! not an order event fails, returns to the queue, and ends in `RecommendationsDLQ`.

use anyhow::Context;
use aws_lambda_events::event::sqs::{SqsBatchResponse, SqsEvent};
use shared::orders::OrderEvent;
use shared::recommendations::{Shopper, Signal};

/// What the handler needs, built once per process: the recommendations table.
pub use shared::recommendations::RecommendationsStore as Deps;

pub async fn handle(store: &Deps, event: SqsEvent) -> SqsBatchResponse {
    shared::events::sqs_batch(event, |message| async move {
        let body = message.body.context("a message without a body")?;
        let paid: OrderEvent =
            serde_json::from_str(&body).context("a message that is not an order event")?;
        // Only a paid order is a purchase (an order placed may still fail), whatever a
        // subscription's filter lets through.
        if paid.event_type != "OrderPaid" {
            tracing::warn!(order_id = %paid.order_id, event_type = %paid.event_type, "not a payment; skipped");
            return Ok(());
        }
        let products: Vec<_> = paid.lines.iter().map(|line| line.product_id).collect();
        let shopper = Shopper::Customer(paid.customer_id.clone()).key();
        let recorded = store
            .record(Signal::Bought, &shopper, &products, &paid.event_id)
            .await?;
        tracing::info!(order_id = %paid.order_id, counted = recorded.counted, writes = recorded.writes, "purchases paired");
        Ok(())
    })
    .await
}
