//! Subscribes to `OrderEventsTopic` (orders and returns) and to `PriceChangesTopic` (price drops
//! and back-in-stock alerts) through `NotificationsQueue`: each event becomes a message from the
//! templates, emailed through SES and pushed to the devices of each customer it concerns, as
//! their preferences allow, once per event (the claims in the notifications table). A message
//! that fails returns to the queue and, after its retries, ends in `NotificationsDLQ`.

use anyhow::Context;
use aws_lambda_events::event::sqs::{SqsBatchResponse, SqsEvent};
use shared::notifications::Notice;

/// What the handler needs, built once per process: the table, SES and SNS.
pub use shared::notifications::Notifier as Deps;

pub async fn handle(notifier: &Deps, event: SqsEvent) -> SqsBatchResponse {
    shared::events::sqs_batch(event, |message| async move {
        let body = message.body.context("a message without a body")?;
        let notice = Notice::parse(&body)?;
        let told = notifier.notify(&notice).await?;
        tracing::info!(
            event_id = notice.event_id(),
            sent = told.sent,
            refused = told.refused,
            already = told.already,
            "event told"
        );
        Ok(())
    })
    .await
}
