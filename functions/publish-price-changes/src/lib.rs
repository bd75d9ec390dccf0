//! Consumes the catalog table's stream: every offer whose landed price changes (or that is new)
//! is published on `PriceChangesTopic` as `price_changed`, and one withdrawn, put back or
//! otherwise changed in what the Buy Box weighs as `offer_changed`; a product whose Buy Box price
//! dropped, or that can be bought again, as `price_dropped` or `back_in_stock` for those watching
//! it. A record that cannot be read stops the batch there;
//! Lambda retries from it and, past `MaximumRetryAttempts`, sends it to the failure queue.

use aws_lambda_events::event::dynamodb::Event;
use aws_lambda_events::event::streams::DynamoDbEventResponse;
use shared::catalog::{PriceChange, offer_from_image, product_alert};

/// What the handler needs, built once per process.
pub use shared::catalog::PriceChanges as Deps;

pub async fn handle(topic: &Deps, event: Event) -> DynamoDbEventResponse {
    shared::events::stream_batch(event, |record| async move {
        let alert = product_alert(
            &record.event_id,
            &record.change.old_image,
            &record.change.new_image,
        )?;
        if let Some(alert) = alert {
            topic.publish_alert(&alert).await?;
            tracing::info!(product_id = %alert.product_id, event_type = alert.event_type.as_str(), "product alert published");
            return Ok(());
        }
        let Some(new) = offer_from_image(record.change.new_image)? else {
            return Ok(()); // a removal, or not an offer
        };
        let old = offer_from_image(record.change.old_image)?;
        let change = PriceChange::between(&record.event_id, old.as_ref(), &new).or_else(|| {
            PriceChange::terms_between(&record.event_id, old.as_ref()?, &new)
        });
        if let Some(change) = change {
            topic.publish(&change).await?;
            tracing::info!(sku = %change.sku, amount = change.new_landed_price.amount.get(), event_type = change.event_type(), "offer change published");
        }
        Ok(())
    })
    .await
}
