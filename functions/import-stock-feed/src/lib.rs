//! Consumes `StockFeedUploadsQueue`, where `FeedsBucket` sends its object-created events: each
//! uploaded CSV feed is streamed line by line, its good lines queued for `apply-stock-updates`
//! and its bad ones recorded with their line number. S3's test event is skipped; a message that
//! is no S3 event fails, returns to the queue and ends in its dead-letter queue.

use anyhow::Context;
use aws_lambda_events::event::sqs::{SqsBatchResponse, SqsEvent};
use serde::Deserialize;

/// What the handler needs, built once per process: the bucket, the queue and where feeds are
/// recorded.
pub use shared::inventory::FeedImporter as Deps;

/// The part of an S3 event notification the import reads: each new object's key. (The full
/// `aws_lambda_events` type also requires fields that some S3 implementations leave out.)
#[derive(Deserialize)]
struct S3Event {
    #[serde(rename = "Records")]
    records: Vec<S3Record>,
}

#[derive(Deserialize)]
struct S3Record {
    s3: S3Entity,
}

#[derive(Deserialize)]
struct S3Entity {
    object: S3Object,
}

#[derive(Deserialize)]
struct S3Object {
    key: String,
}

pub async fn handle(importer: &Deps, event: SqsEvent) -> SqsBatchResponse {
    shared::events::sqs_batch(event, |message| async move {
        let body = message.body.context("a message without a body")?;
        let value: serde_json::Value =
            serde_json::from_str(&body).context("a message that is not JSON")?;
        // Sent once when the bucket's notifications are set up.
        if value.get("Event").and_then(serde_json::Value::as_str) == Some("s3:TestEvent") {
            return Ok(());
        }
        let event: S3Event =
            serde_json::from_value(value).context("a message that is not an S3 event")?;
        for record in event.records {
            importer.import(&record.s3.object.key).await?;
        }
        Ok(())
    })
    .await
}
