//! Consumes the reviews table's stream (its review items, by the mapping's filter): each new
//! version of a review moves its product's rating once (an edit from 2 to 4 stars takes one
//! from 2 and adds one to 4; publishing counts it, rejecting or deleting takes it out), and a
//! replayed or late record moves nothing. The rating is then copied onto the catalog's product,
//! for its page and, through the catalog's stream, its search document. A record that fails
//! stops the batch there; Lambda retries from it and, past `MaximumRetryAttempts`, sends it to
//! the failure queue.

use aws_lambda_events::event::dynamodb::Event;
use aws_lambda_events::event::streams::DynamoDbEventResponse;
use shared::catalog::CatalogStore;
use shared::config::Source;
use shared::reviews::{ReviewsStore, review_from_image};

/// What the handler needs, built once per process: the reviews, and the catalog that shows
/// their rating.
pub struct Deps {
    reviews: ReviewsStore,
    catalog: CatalogStore,
}

impl Deps {
    pub fn from_source(sdk: &aws_config::SdkConfig, source: &impl Source) -> anyhow::Result<Self> {
        Ok(Self {
            reviews: ReviewsStore::from_source(sdk, source)?,
            catalog: CatalogStore::from_source(sdk, source)?,
        })
    }

    /// Opens both tables' connections at init.
    pub async fn connect(&self) {
        tokio::join!(self.reviews.connect(), self.catalog.connect());
    }
}

pub async fn handle(deps: &Deps, event: Event) -> DynamoDbEventResponse {
    shared::events::stream_batch(event, |record| async move {
        let Some(review) = review_from_image(record.change.new_image)? else {
            return Ok(());
        };
        let rating = deps.reviews.count(&review).await?;
        let copied = deps.catalog.set_rating(review.product_id, &rating).await?;
        tracing::info!(review_id = %review.review_id, product_id = %review.product_id, version = review.version, average = rating.average, count = rating.count, copied, "rating counted");
        Ok(())
    })
    .await
}
