//! The reviews table, keyed `pk`/`sk`:
//! - `PRODUCT#<id>` / `REVIEW#<customer>`: a customer's review of the product, one each
//!   (`kind` = `review`: what the rating consumer's stream filter lets through). A published
//!   one carries `listed` (the product id), what the `ByRecent`, `ByHelpful` and `ByRating`
//!   indexes list by; a held or rejected one carries `moderation`, the `ByModeration` index's key.
//! - `REVIEW#<review id>` / `REVIEW`: which product and customer a review id names;
//! - `REVIEW#<review id>` / `VOTE#<customer>`: a helpful vote, one per customer;
//! - `CUSTOMER#<id>` / `BOUGHT#<product>`: the customer has had the product delivered;
//! - `CUSTOMER#<id>` / `POSTS#<hour>`: how many reviews they posted in that hour (kept a day);
//! - `PHOTO#<key>` / `PHOTO`: who uploaded a review photo;
//! - `PRODUCT#<id>` / `SUMMARY`: the rating's histogram (`s1`..`s5`) and its `changes`;
//! - `PRODUCT#<id>` / `COUNTED#<customer>`: what the rating holds of that customer's review.
//!
//! A deleted review stays as a tombstone, so its version keeps growing if its author writes
//! again and the rating never counts an older version over a newer.

use super::{
    Counted, Decision, Hold, RatingSummary, Review, ReviewFilter, ReviewId, ReviewRequest,
    ReviewSort, ReviewStatus,
};
use crate::config::Source;
use crate::dynamo::{self, item, key, put_new};
use crate::ids::{OrderId, ProductId};
use anyhow::Context;
use aws_sdk_dynamodb::Client;
use aws_sdk_dynamodb::types::{AttributeValue, Put, TransactWriteItem, Update};
use serde::{Deserialize, Serialize};

/// How often a write is tried again after a concurrent one changed what it read.
const ATTEMPTS: u32 = 8;
/// What the review items' `kind` says: the stream filter's value.
const REVIEW_KIND: &str = "review";
const HELD: &str = "held";
const REJECTED: &str = "rejected";

#[derive(Serialize, Deserialize)]
struct ReviewItem {
    pk: String,
    sk: String,
    kind: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    listed: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    moderation: Option<String>,
    #[serde(flatten)]
    review: Review,
}

impl ReviewItem {
    fn new(review: Review) -> Self {
        let (pk, sk) = review_key(review.product_id, &review.customer_id);
        let listed =
            (review.status == ReviewStatus::Published).then(|| review.product_id.to_string());
        let moderation = match review.status {
            ReviewStatus::Held => Some(HELD.to_owned()),
            ReviewStatus::Rejected => Some(REJECTED.to_owned()),
            ReviewStatus::Published | ReviewStatus::Deleted => None,
        };
        Self {
            pk,
            sk,
            kind: REVIEW_KIND.to_owned(),
            listed,
            moderation,
            review,
        }
    }
}

#[derive(Serialize, Deserialize)]
struct Pointer {
    pk: String,
    sk: String,
    product_id: ProductId,
    customer_id: String,
}

#[derive(Serialize, Deserialize)]
struct CountedItem {
    pk: String,
    sk: String,
    #[serde(flatten)]
    counted: Counted,
}

#[derive(Default, Deserialize)]
struct SummaryItem {
    #[serde(default)]
    s1: u32,
    #[serde(default)]
    s2: u32,
    #[serde(default)]
    s3: u32,
    #[serde(default)]
    s4: u32,
    #[serde(default)]
    s5: u32,
    #[serde(default)]
    changes: u64,
}

fn review_key(product: ProductId, customer: &str) -> (String, String) {
    (format!("PRODUCT#{product}"), format!("REVIEW#{customer}"))
}

fn pointer_key(id: ReviewId) -> (String, String) {
    (format!("REVIEW#{id}"), "REVIEW".to_owned())
}

fn vote_key(id: ReviewId, customer: &str) -> (String, String) {
    (format!("REVIEW#{id}"), format!("VOTE#{customer}"))
}

fn bought_key(customer: &str, product: ProductId) -> (String, String) {
    (format!("CUSTOMER#{customer}"), format!("BOUGHT#{product}"))
}

fn photo_key(key: &str) -> (String, String) {
    (format!("PHOTO#{key}"), "PHOTO".to_owned())
}

fn summary_key(product: ProductId) -> (String, String) {
    (format!("PRODUCT#{product}"), "SUMMARY".to_owned())
}

fn counted_key(product: ProductId, customer: &str) -> (String, String) {
    (format!("PRODUCT#{product}"), format!("COUNTED#{customer}"))
}

fn number(n: impl ToString) -> AttributeValue {
    AttributeValue::N(n.to_string())
}

/// What posting a review did.
#[derive(Debug)]
pub enum Posted {
    Created(Review),
    /// The customer's earlier review of the product, replaced (same id, votes kept).
    Replaced(Review),
}

/// What a helpful vote found.
#[derive(Debug, PartialEq, Eq)]
pub enum Vote {
    Counted(u32),
    /// This customer voted for it before: the count as it is.
    Already(u32),
    OwnReview,
    /// No such review, or not one that is shown.
    NotFound,
}

/// What taking a review down found.
#[derive(Debug, PartialEq, Eq)]
pub enum Removal {
    Removed,
    NotYours,
    NotFound,
}

/// What an admin's decision found.
#[derive(Debug)]
pub enum Decided {
    Done(Review),
    /// It is not held (decided before, or edited since): as it is.
    NotHeld(Review),
    NotFound,
}

/// One page of a listing, and the cursor of the next when there is one.
#[derive(Debug)]
pub struct ReviewPage {
    pub reviews: Vec<Review>,
    pub next: Option<String>,
}

pub struct ReviewsStore {
    client: Client,
    table: String,
}

impl ReviewsStore {
    pub fn new(client: Client, table: String) -> Self {
        Self { client, table }
    }

    pub fn from_source(sdk: &aws_config::SdkConfig, source: &impl Source) -> anyhow::Result<Self> {
        Ok(Self::new(
            crate::aws::dynamodb(sdk),
            source.required("REVIEWS_TABLE")?,
        ))
    }

    pub async fn connect(&self) {
        dynamo::connect(&self.client, &self.table).await;
    }

    async fn get<T: serde::de::DeserializeOwned>(
        &self,
        key_pair: (String, String),
    ) -> anyhow::Result<Option<T>> {
        dynamo::get(
            &self.client,
            &self.table,
            key_pair,
            "reading the reviews table",
        )
        .await
    }

    /// Notes that `order` brought `customer` these products: what makes their reviews of them
    /// verified purchases. Writing it again changes nothing that matters.
    #[tracing::instrument(skip(self, products))]
    pub async fn record_delivery(
        &self,
        customer: &str,
        order: OrderId,
        products: &[ProductId],
        delivered_at: &str,
    ) -> anyhow::Result<()> {
        // An order may hold one product from two sellers: a batch may not name a key twice.
        let products: std::collections::BTreeSet<&ProductId> = products.iter().collect();
        let items = products
            .into_iter()
            .map(|product| {
                let (pk, sk) = bought_key(customer, *product);
                item(&serde_json::json!({
                    "pk": pk, "sk": sk, "order_id": order, "delivered_at": delivered_at,
                }))
            })
            .collect::<anyhow::Result<Vec<_>>>()?;
        dynamo::batch_put(&self.client, &self.table, items).await
    }

    /// Writes reviews as they are given, with their ids: the demo data's.
    pub async fn import(&self, reviews: &[Review]) -> anyhow::Result<()> {
        let mut items = Vec::new();
        for review in reviews {
            let (pk, sk) = pointer_key(review.review_id);
            items.push(item(&ReviewItem::new(review.clone()))?);
            items.push(item(&Pointer {
                pk,
                sk,
                product_id: review.product_id,
                customer_id: review.customer_id.clone(),
            })?);
        }
        dynamo::batch_put(&self.client, &self.table, items).await
    }

    /// Notes that `customer` is uploading the photo `key`: only they may show it in a review.
    pub async fn record_photo(&self, customer: &str, key: &str) -> anyhow::Result<()> {
        let (pk, sk) = photo_key(key);
        let photo = item(&serde_json::json!({"pk": pk, "sk": sk, "customer_id": customer}))?;
        self.client
            .put_item()
            .table_name(&self.table)
            .set_item(Some(photo))
            .send()
            .await
            .context("recording a review photo")?;
        Ok(())
    }

    /// Whether `customer` uploaded the photo `key`.
    pub async fn is_photo_of(&self, customer: &str, key: &str) -> anyhow::Result<bool> {
        #[derive(Deserialize)]
        struct Photo {
            customer_id: String,
        }
        let found: Option<Photo> = self.get(photo_key(key)).await?;
        Ok(found.is_some_and(|photo| photo.customer_id == customer))
    }

    /// Whether `customer` has had `product` delivered.
    pub async fn has_bought(&self, customer: &str, product: ProductId) -> anyhow::Result<bool> {
        let found: Option<serde_json::Value> = self.get(bought_key(customer, product)).await?;
        Ok(found.is_some())
    }

    /// Counts a review posted by `customer` in the current hour; how many they have posted in it.
    pub async fn count_post(&self, customer: &str) -> anyhow::Result<u32> {
        const KEPT_SECS: i64 = 86_400;
        let now = crate::clock::now();
        let hour = now.get(..13).unwrap_or(&now);
        let output = self
            .client
            .update_item()
            .table_name(&self.table)
            .set_key(Some(key((
                format!("CUSTOMER#{customer}"),
                format!("POSTS#{hour}"),
            ))))
            .update_expression("ADD posts :one SET #ttl = :ttl")
            .expression_attribute_names("#ttl", "ttl")
            .expression_attribute_values(":one", number(1))
            .expression_attribute_values(
                ":ttl",
                number(crate::clock::Timestamp::now().secs() + KEPT_SECS),
            )
            .return_values(aws_sdk_dynamodb::types::ReturnValue::UpdatedNew)
            .send()
            .await
            .context("counting a customer's reviews")?;
        let posts = output
            .attributes
            .and_then(|attributes| match attributes.get("posts") {
                Some(AttributeValue::N(n)) => n.parse().ok(),
                _ => None,
            })
            .context("a post count that is not a number")?;
        Ok(posts)
    }

    /// `customer`'s review of `product`, whatever its status.
    pub async fn review_of(
        &self,
        product: ProductId,
        customer: &str,
    ) -> anyhow::Result<Option<Review>> {
        let found: Option<ReviewItem> = self.get(review_key(product, customer)).await?;
        Ok(found.map(|item| item.review))
    }

    /// The review with this id, whatever its status.
    pub async fn review(&self, id: ReviewId) -> anyhow::Result<Option<Review>> {
        let Some(pointer) = self.get::<Pointer>(pointer_key(id)).await? else {
            return Ok(None);
        };
        self.review_of(pointer.product_id, &pointer.customer_id)
            .await
    }

    /// Writes `customer`'s review of `product`, replacing theirs if they wrote one: published,
    /// or held for `holds`. The write is conditional on what was read, so of two posts at once
    /// one replaces the other whole and the version grows by one each.
    #[tracing::instrument(skip(self, request, holds))]
    pub async fn post(
        &self,
        product: ProductId,
        customer: &str,
        request: ReviewRequest,
        verified_purchase: bool,
        holds: Vec<Hold>,
    ) -> anyhow::Result<Posted> {
        let status = match holds.is_empty() {
            true => ReviewStatus::Published,
            false => ReviewStatus::Held,
        };
        for _ in 0..ATTEMPTS {
            let now = crate::clock::now();
            let before = self.review_of(product, customer).await?;
            let review = Review {
                review_id: before
                    .as_ref()
                    .map_or_else(ReviewId::generate, |b| b.review_id),
                product_id: product,
                customer_id: customer.to_owned(),
                stars: request.stars,
                title: request.title.clone(),
                text: request.text.clone(),
                photos: request.photos.clone(),
                verified_purchase,
                status,
                held_for: holds.clone(),
                helpful_votes: before.as_ref().map_or(0, |b| b.helpful_votes),
                version: before.as_ref().map_or(1, |b| b.version + 1),
                created_at: before
                    .as_ref()
                    .map_or_else(|| now.clone(), |b| b.created_at.clone()),
                updated_at: now,
            };
            let written = match &before {
                None => {
                    let (pk, sk) = pointer_key(review.review_id);
                    let pointer = Pointer {
                        pk,
                        sk,
                        product_id: product,
                        customer_id: customer.to_owned(),
                    };
                    let writes = vec![
                        put_new(&self.table, item(&ReviewItem::new(review.clone()))?)?,
                        put_new(&self.table, item(&pointer)?)?,
                    ];
                    dynamo::transact(&self.client, writes, "writing a new review")
                        .await?
                        .is_none()
                }
                Some(before) => self.replace(review.clone(), before.version).await?,
            };
            if written {
                let replaced = before.is_some_and(|b| b.status != ReviewStatus::Deleted);
                return Ok(match replaced {
                    true => Posted::Replaced(review),
                    false => Posted::Created(review),
                });
            }
        }
        anyhow::bail!("the review kept changing while it was written")
    }

    /// Writes `review` over the version `seen`; `false` when another write came first. Its
    /// helpful votes are the ones stored: a vote may land between the read and this write.
    async fn replace(&self, review: Review, seen: u64) -> anyhow::Result<bool> {
        let mut stored = item(&ReviewItem::new(review))?;
        stored.remove("helpful_votes");
        let (pk, sk) = (
            attribute_text(&stored, "pk")?,
            attribute_text(&stored, "sk")?,
        );
        let mut update = self
            .client
            .update_item()
            .table_name(&self.table)
            .set_key(Some(key((pk, sk))))
            .condition_expression("version = :seen")
            .expression_attribute_values(":seen", number(seen));
        let mut set = Vec::new();
        let fields = stored
            .iter()
            .filter(|(name, _)| !matches!(name.as_str(), "pk" | "sk"));
        for (n, (name, value)) in fields.enumerate() {
            set.push(format!("#a{n} = :a{n}"));
            update = update
                .expression_attribute_names(format!("#a{n}"), name)
                .expression_attribute_values(format!(":a{n}"), value.clone());
        }
        // Attributes of the old status that the new one does not have.
        let gone: Vec<&str> = ["listed", "moderation", "held_for"]
            .into_iter()
            .filter(|name| !stored.contains_key(*name))
            .collect();
        let remove = match gone.is_empty() {
            true => String::new(),
            false => format!(" REMOVE {}", gone.join(", ")),
        };
        let result = update
            .update_expression(format!("SET {}{remove}", set.join(", ")))
            .send()
            .await;
        dynamo::written(result, "replacing a review")
    }

    /// Moves a review to `status` as its next version, if `allowed` says it may; the review as
    /// written, or as it is when it may not.
    async fn set_status(
        &self,
        id: ReviewId,
        status: ReviewStatus,
        allowed: impl Fn(&Review) -> bool,
    ) -> anyhow::Result<Option<Result<Review, Review>>> {
        for _ in 0..ATTEMPTS {
            let Some(before) = self.review(id).await? else {
                return Ok(None);
            };
            if !allowed(&before) {
                return Ok(Some(Err(before)));
            }
            let seen = before.version;
            let review = Review {
                status,
                version: seen + 1,
                updated_at: crate::clock::now(),
                ..before
            };
            if self.replace(review.clone(), seen).await? {
                return Ok(Some(Ok(review)));
            }
        }
        anyhow::bail!("review {id} kept changing while its status was set")
    }

    /// Takes `customer`'s review down; taking it down again is a replay.
    #[tracing::instrument(skip(self))]
    pub async fn remove(&self, id: ReviewId, customer: &str) -> anyhow::Result<Removal> {
        let outcome = self
            .set_status(id, ReviewStatus::Deleted, |review| {
                review.customer_id == customer && review.status != ReviewStatus::Deleted
            })
            .await?;
        Ok(match outcome {
            Some(Ok(_)) => Removal::Removed,
            Some(Err(review)) if review.customer_id == customer => Removal::Removed,
            Some(Err(review)) if review.status != ReviewStatus::Deleted => Removal::NotYours,
            Some(Err(_)) | None => Removal::NotFound,
        })
    }

    /// An admin publishes or rejects a held review.
    #[tracing::instrument(skip(self))]
    pub async fn decide(&self, id: ReviewId, decision: Decision) -> anyhow::Result<Decided> {
        let outcome = self
            .set_status(id, decision.status(), |review| {
                review.status == ReviewStatus::Held
            })
            .await?;
        Ok(match outcome {
            None => Decided::NotFound,
            Some(Err(review)) => Decided::NotHeld(review),
            Some(Ok(review)) => Decided::Done(review),
        })
    }

    /// Counts `voter`'s helpful vote for a published review, once.
    #[tracing::instrument(skip(self))]
    pub async fn vote(&self, id: ReviewId, voter: &str) -> anyhow::Result<Vote> {
        for _ in 0..ATTEMPTS {
            let Some(review) = self
                .review(id)
                .await?
                .filter(|r| r.status == ReviewStatus::Published)
            else {
                return Ok(Vote::NotFound);
            };
            if review.customer_id == voter {
                return Ok(Vote::OwnReview);
            }
            let (pk, sk) = vote_key(id, voter);
            let vote = item(&serde_json::json!({"pk": pk, "sk": sk, "at": crate::clock::now()}))?;
            let count = Update::builder()
                .table_name(&self.table)
                .set_key(Some(key(review_key(
                    review.product_id,
                    &review.customer_id,
                ))))
                .update_expression("ADD helpful_votes :one")
                .condition_expression("version = :seen")
                .expression_attribute_values(":one", number(1))
                .expression_attribute_values(":seen", number(review.version))
                .build()
                .context("building a vote count")?;
            let writes = vec![
                put_new(&self.table, vote)?,
                TransactWriteItem::builder().update(count).build(),
            ];
            let written = dynamo::transact(&self.client, writes, "counting a helpful vote").await;
            // Many shoppers voting for one review at once collide on it: read again and retry.
            if written
                .as_ref()
                .is_err_and(|error| error.downcast_ref::<dynamo::Conflicted>().is_some())
            {
                continue;
            }
            match written? {
                None => return Ok(Vote::Counted(review.helpful_votes + 1)),
                Some(failed) if failed.first() == Some(&true) => {
                    return Ok(Vote::Already(review.helpful_votes));
                }
                // Edited, moderated or voted for by another meanwhile: read again.
                Some(_) => continue,
            }
        }
        anyhow::bail!("review {id} kept changing while a vote was counted")
    }

    /// One page of a product's published reviews: in `sort` order, those matching `filter`,
    /// from `after` (a cursor of this product's listing in this order: `None` when it is not).
    #[tracing::instrument(skip(self))]
    pub async fn list(
        &self,
        product: ProductId,
        sort: ReviewSort,
        filter: ReviewFilter,
        after: Option<&str>,
        limit: usize,
    ) -> anyhow::Result<Option<ReviewPage>> {
        let (index, order_by) = match sort {
            ReviewSort::Helpful => ("ByHelpful", "helpful_votes"),
            ReviewSort::Recent => ("ByRecent", "updated_at"),
            ReviewSort::Rating => ("ByRating", "stars"),
        };
        let names = ["pk", "sk", "listed", order_by];
        let listed = AttributeValue::S(product.to_string());
        let start = match after.map(|text| dynamo::decode_cursor(text, &names)) {
            None => None,
            Some(Some(key))
                if key.get("listed") == Some(&listed) && is_review_key(&key, order_by) =>
            {
                Some(key)
            }
            Some(_) => return Ok(None),
        };
        let mut query = self
            .client
            .query()
            .table_name(&self.table)
            .index_name(index)
            .expression_attribute_values(":product", listed)
            .scan_index_forward(false);
        let mut keys = vec!["listed = :product"];
        let mut filters = Vec::new();
        if let Some(stars) = filter.stars {
            // A query filters on what is not its index's key.
            match sort {
                ReviewSort::Rating => keys.push("stars = :stars"),
                _ => filters.push("stars = :stars"),
            }
            query = query.expression_attribute_values(":stars", number(stars.get()));
        }
        if filter.verified_only {
            filters.push("verified_purchase = :true");
            query = query.expression_attribute_values(":true", AttributeValue::Bool(true));
        }
        if !filters.is_empty() {
            query = query.filter_expression(filters.join(" AND "));
        }
        let query = query.key_condition_expression(keys.join(" AND "));
        self.page(query, &names, start, limit).await.map(Some)
    }

    /// Reviews waiting for an admin (or rejected), oldest first, from `after` (a cursor of
    /// this queue: `None` when it is not).
    pub async fn moderation_queue(
        &self,
        status: ReviewStatus,
        after: Option<&str>,
        limit: usize,
    ) -> anyhow::Result<Option<ReviewPage>> {
        let queue = match status {
            ReviewStatus::Held => HELD,
            ReviewStatus::Rejected => REJECTED,
            ReviewStatus::Published | ReviewStatus::Deleted => {
                anyhow::bail!("no queue of {status:?} reviews")
            }
        };
        let names = ["pk", "sk", "moderation", "updated_at"];
        let queued = AttributeValue::S(queue.to_owned());
        let start = match after.map(|text| dynamo::decode_cursor(text, &names)) {
            None => None,
            Some(Some(key))
                if key.get("moderation") == Some(&queued) && is_review_key(&key, "updated_at") =>
            {
                Some(key)
            }
            Some(_) => return Ok(None),
        };
        let query = self
            .client
            .query()
            .table_name(&self.table)
            .index_name("ByModeration")
            .key_condition_expression("moderation = :queue")
            .expression_attribute_values(":queue", queued);
        self.page(query, &names, start, limit).await.map(Some)
    }

    /// Reads `query` from `start` until it has more than `limit` reviews, or has read a few
    /// rounds (a sparse filter): the page, and a cursor (`names`, the index's key) to the next.
    async fn page(
        &self,
        query: aws_sdk_dynamodb::operation::query::builders::QueryFluentBuilder,
        names: &[&str],
        mut start: Option<dynamo::Item>,
        limit: usize,
    ) -> anyhow::Result<ReviewPage> {
        const ROUND: i32 = 100;
        const ROUNDS: usize = 10;
        let mut found = Vec::new();
        let mut rounds = 0;
        let next = loop {
            let output = query
                .clone()
                .limit(ROUND)
                .set_exclusive_start_key(start.take())
                .send()
                .await
                .context("listing reviews")?;
            found.extend(output.items.unwrap_or_default());
            rounds += 1;
            if found.len() > limit {
                found.truncate(limit);
                break found.last().map(|item| dynamo::key_of(item, names));
            }
            match output.last_evaluated_key {
                // The next page goes on from where the reading stopped.
                Some(last) if rounds == ROUNDS => break Some(last),
                Some(last) => start = Some(last),
                None => break None,
            }
        };
        let reviews = dynamo::decode_listed::<ReviewItem>(found, "a review")
            .into_iter()
            .map(|item| item.review)
            .collect();
        let next = next.map(|key| dynamo::encode_cursor(&key)).transpose()?;
        Ok(ReviewPage { reviews, next })
    }

    /// Counts `review` into its product's rating at its version, once: a marker of what was
    /// counted and the histogram change are written together, the marker on condition it is
    /// still what was read. The rating as it then is.
    #[tracing::instrument(skip_all, fields(review_id = %review.review_id, product_id = %review.product_id, version = review.version))]
    pub async fn count(&self, review: &Review) -> anyhow::Result<RatingSummary> {
        let product = review.product_id;
        let now = Counted {
            stars: review.counted_stars(),
            version: review.version,
        };
        for _ in 0..ATTEMPTS {
            let marker: Option<CountedItem> =
                self.get(counted_key(product, &review.customer_id)).await?;
            let before = marker.map(|m| m.counted);
            let Some((taken, added)) = Counted::change(before, now) else {
                tracing::info!("counted at this version or a later one before");
                return self.rating(product).await;
            };
            let (pk, sk) = counted_key(product, &review.customer_id);
            let mut put =
                Put::builder()
                    .table_name(&self.table)
                    .set_item(Some(item(&CountedItem {
                        pk,
                        sk,
                        counted: now,
                    })?));
            put = match before {
                None => put.condition_expression("attribute_not_exists(pk)"),
                Some(before) => put
                    .condition_expression("version = :seen")
                    .expression_attribute_values(":seen", number(before.version)),
            };
            let mut adds = vec!["changes :one".to_owned()];
            let mut summary = Update::builder()
                .table_name(&self.table)
                .set_key(Some(key(summary_key(product))))
                .expression_attribute_values(":one", number(1));
            // The same stars again (a new text) leave the histogram as it is.
            if taken != added {
                if let Some(stars) = taken {
                    adds.push(format!("s{} :minus", stars.get()));
                    summary = summary.expression_attribute_values(":minus", number(-1));
                }
                if let Some(stars) = added {
                    adds.push(format!("s{} :plus", stars.get()));
                    summary = summary.expression_attribute_values(":plus", number(1));
                }
            }
            let summary = summary
                .update_expression(format!("ADD {}", adds.join(", ")))
                .build()
                .context("building a rating change")?;
            let writes = vec![
                TransactWriteItem::builder()
                    .put(put.build().context("building a counted marker")?)
                    .build(),
                TransactWriteItem::builder().update(summary).build(),
            ];
            if dynamo::transact(&self.client, writes, "counting a review")
                .await?
                .is_none()
            {
                tracing::info!(?taken, ?added, "review counted");
                return self.rating(product).await;
            }
        }
        anyhow::bail!("the review's count kept changing while it was counted")
    }

    /// The product's rating as it stands.
    pub async fn rating(&self, product: ProductId) -> anyhow::Result<RatingSummary> {
        let summary: SummaryItem = self.get(summary_key(product)).await?.unwrap_or_default();
        let histogram = super::Histogram::from_counts([
            summary.s1, summary.s2, summary.s3, summary.s4, summary.s5,
        ]);
        Ok(RatingSummary::of(histogram, summary.changes))
    }
}

/// Whether a cursor's key is a review item's, its index's sort key `order_by` of the type the
/// index has: only such a key starts a query.
fn is_review_key(key: &dynamo::Item, order_by: &str) -> bool {
    let text = |name| match key.get(name) {
        Some(AttributeValue::S(text)) => Some(text.as_str()),
        _ => None,
    };
    let sorted_by = match key.get(order_by) {
        Some(AttributeValue::S(_)) => order_by == "updated_at",
        Some(AttributeValue::N(_)) => order_by != "updated_at",
        _ => false,
    };
    text("pk").is_some_and(|pk| pk.starts_with("PRODUCT#"))
        && text("sk").is_some_and(|sk| sk.starts_with("REVIEW#"))
        && sorted_by
}

/// The review in a stream image of the reviews table; `None` for the table's other items.
pub fn review_from_image(image: serde_dynamo::Item) -> anyhow::Result<Option<Review>> {
    let is_review = matches!(image.get("kind"), Some(serde_dynamo::AttributeValue::S(kind)) if kind == REVIEW_KIND);
    if !is_review {
        return Ok(None);
    }
    let item: ReviewItem = serde_dynamo::from_item(image).context("decoding a review image")?;
    Ok(Some(item.review))
}

fn attribute_text(item: &dynamo::Item, name: &str) -> anyhow::Result<String> {
    match item.get(name) {
        Some(AttributeValue::S(text)) => Ok(text.clone()),
        _ => anyhow::bail!("an item without {name}"),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_a_published_review_is_listed_and_only_a_held_or_rejected_one_queued() {
        let review: Review = serde_json::from_value(serde_json::json!({
            "review_id": "01KAJBCH81VH9KJGR0H85FSDA6", "product_id": "01KAJBCH81VH9KJGR0H85FSDA7",
            "customer_id": "c", "stars": 4, "title": "t", "text": "x", "verified_purchase": false,
            "status": "published", "version": 1, "created_at": "a", "updated_at": "a",
        }))
        .unwrap();
        let shown = |status| {
            let item = ReviewItem::new(Review {
                status,
                ..review.clone()
            });
            (item.listed.is_some(), item.moderation)
        };
        assert_eq!(shown(ReviewStatus::Published), (true, None));
        assert_eq!(shown(ReviewStatus::Held), (false, Some(HELD.to_owned())));
        assert_eq!(
            shown(ReviewStatus::Rejected),
            (false, Some(REJECTED.to_owned()))
        );
        assert_eq!(shown(ReviewStatus::Deleted), (false, None));
    }
}
