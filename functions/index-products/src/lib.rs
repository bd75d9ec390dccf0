//! Consumes the catalog table's stream (its product items, by the mapping's filter; stock
//! changes arrive as the Buy Box summary that `refresh-availability` keeps on them) and keeps
//! the search index in step: each family a batch touches is read as it is now and written once,
//! in one bulk request, at the family's revision. The index refuses a version it already has or
//! has passed, so a replayed or late record never takes a document back in time. A family that
//! fails stops the batch at its first record; Lambda retries from there and, past
//! `MaximumRetryAttempts`, sends the record to the failure queue.

use aws_lambda_events::event::dynamodb::{Event, EventRecord};
use aws_lambda_events::event::streams::DynamoDbEventResponse;
use futures::{StreamExt, TryStreamExt};
use shared::catalog::{ProductId, family_of_image};
use shared::search::{IndexOutcome, Indexing};
use std::collections::HashSet;

/// What the handler needs, built once per process: the catalog to read, the index to write.
pub use shared::search::CatalogIndex as Deps;

/// Families read at once.
const READS_IN_FLIGHT: usize = 16;

pub async fn handle(deps: &Deps, event: Event) -> DynamoDbEventResponse {
    shared::events::stream_batch_keyed(event, family_of_record, |families| async move {
        match index(deps, &families).await {
            Ok(failed) => failed,
            Err(error) => {
                tracing::error!(error = format!("{error:#}"), "indexing a batch failed");
                families.into_iter().collect()
            }
        }
    })
    .await
}

/// The family a record is about, from its new image (its old one for a removal).
fn family_of_record(record: &EventRecord) -> anyhow::Result<Option<ProductId>> {
    let image = if record.change.new_image.is_empty() {
        &record.change.old_image
    } else {
        &record.change.new_image
    };
    family_of_image(image)
}

/// Writes every family as it is now; answers the ones that failed.
async fn index(deps: &Deps, families: &[ProductId]) -> anyhow::Result<HashSet<ProductId>> {
    let read: Vec<_> = futures::stream::iter(families.iter().copied())
        .map(|id| async move { deps.catalog.family(id).await.map(|family| (id, family)) })
        .buffer_unordered(READS_IN_FLIGHT)
        .try_collect()
        .await?;
    let mut indexings = Vec::with_capacity(read.len());
    let today = shared::catalog::today();
    for (id, family) in read {
        match family {
            Some(family) => indexings.push(Indexing::of(&family, today)),
            None => {
                tracing::info!(product_id = %id, "a product that left the catalog: its document goes too");
                indexings.push(Indexing::gone(id));
            }
        }
    }
    let outcomes = deps.index.apply(&indexings).await?;
    let mut failed = HashSet::new();
    for (indexing, outcome) in indexings.iter().zip(outcomes) {
        match outcome {
            IndexOutcome::Done => {
                tracing::info!(product_id = %indexing.id, version = indexing.version, "indexed")
            }
            IndexOutcome::Failed(reason) => {
                tracing::error!(product_id = %indexing.id, reason, "indexing failed");
                failed.insert(indexing.id);
            }
        }
    }
    Ok(failed)
}
