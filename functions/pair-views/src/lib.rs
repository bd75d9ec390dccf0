//! Counts the views `record-view` queued on `ViewsQueue`: a product new to the shopper's recent
//! views is paired with a sample of the others, for "customers who viewed this also viewed" and
//! the shopper's own list. A redelivered view counts nothing again; a message that is not a view
//! fails, returns to the queue, and ends in `ViewsDLQ`.

use anyhow::Context;
use aws_lambda_events::event::sqs::{SqsBatchResponse, SqsEvent};
use shared::recommendations::{Signal, View};

/// What the handler needs, built once per process: the recommendations table.
pub use shared::recommendations::RecommendationsStore as Deps;

pub async fn handle(store: &Deps, event: SqsEvent) -> SqsBatchResponse {
    shared::events::sqs_batch(event, |message| async move {
        let body = message.body.context("a message without a body")?;
        let view: View = serde_json::from_str(&body).context("a message that is not a view")?;
        let recorded = store
            .record(Signal::Viewed, &view.shopper, &[view.product_id], &view.view_id)
            .await?;
        tracing::info!(view_id = %view.view_id, product_id = %view.product_id, counted = recorded.counted, "view paired");
        Ok(())
    })
    .await
}
