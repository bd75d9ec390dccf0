//! The demo catalog: a deterministic marketplace (the same seed gives the same data) large
//! enough for browse, search and recommendations to show something: 5,000+ products in 32
//! categories, variation families, 12 sellers competing for Buy Boxes, and demo customers.
// Demo data is built by this code from constants: a slip is a bug to see at once, so it may panic.
#![allow(clippy::expect_used, clippy::unwrap_used)]

mod cart;
mod catalog;
mod inventory;
mod notifications;
mod orders;
mod recommendations;
mod reviews;

pub use cart::DEMO_COUPON;
pub use catalog::{catalog_store, demo_catalog, generated as demo_listings};
pub use inventory::{
    DEMO_BATCH, DEMO_FEED, FULFILLMENT_CENTERS, demo_batch, demo_feed, demo_stock,
};
pub use orders::{DEMO_CANCELLED_ORDER, DEMO_FAILED_ORDER, DEMO_ORDER};

use crate::{Stack, Template};
use anyhow::Context;
use shared::inventory::InventoryStore;

pub const SELLERS: usize = 12;
pub const DEMO_CUSTOMERS: &[&str] = &[
    "customer-01",
    "customer-02",
    "customer-03",
    "customer-04",
    "customer-05",
];
const SEED: u64 = 20_261_121;
/// The SKU in customer-01's demo cart: seller-09's, fulfilled by Rainforest.
pub const DEMO_CART_SKU: &str = "SELLER-09-01KAJBCH81VH9KJGR0H85FSDA6-0";
/// An offer seller-09 ships itself (the bench's seller samples change it, no cart holds it).
pub const DEMO_MERCHANT_SKU: &str = "SELLER-09-01KAJBCH82J05GS16WE5B2ZTBN-1";

/// What the demo catalog holds, for the ready message.
pub struct Summary {
    pub products: usize,
    pub offers: usize,
    pub categories: usize,
    pub sellers: usize,
    /// Counts of a SKU at a location.
    pub stock_counts: usize,
}

pub fn seller_id(n: usize) -> String {
    format!("seller-{:02}", n + 1)
}

/// Loads the demo catalog and its stock, each table's stream off meanwhile: dynoxide 3.2.0
/// numbers each stream record after a scan of the table's stream, so 25,000 writes with it on
/// take minutes; and no consumer should see the demo data anyway.
pub async fn load_demo_data(
    sdk: &aws_config::SdkConfig,
    template: &Template,
    stack: &mut Stack,
    catalog: &shared::catalog::CatalogStore,
) -> anyhow::Result<Summary> {
    pause_stream(sdk, stack, "CatalogTable").await?;
    let (mut summary, offers) = demo_catalog(catalog).await?;
    resume_stream(sdk, template, stack, "CatalogTable").await?;

    let stock = demo_stock(&offers);
    let inventory = InventoryStore::new(
        aws_sdk_dynamodb::Client::new(sdk),
        stack.reference("InventoryTable")?,
    );
    pause_stream(sdk, stack, "InventoryTable").await?;
    inventory
        .import(&stock)
        .await
        .context("loading the demo stock")?;
    demo_batch(&inventory)
        .await
        .context("recording the demo stock batch")?;
    demo_feed(&inventory)
        .await
        .context("recording the demo stock feed")?;
    resume_stream(sdk, template, stack, "InventoryTable").await?;
    summary.stock_counts = stock.len();

    let carts = shared::cart::CartStore::new(
        aws_sdk_dynamodb::Client::new(sdk),
        stack.reference("CartsTable")?,
        catalog.currency(),
    );
    // The bench's and the README's offers: in stock, sold by a merchant (seller-09).
    let demo_offer = |sku: &str| {
        offers
            .iter()
            .map(|(offer, _)| offer)
            .find(|offer| offer.sku.as_ref() == sku)
            .with_context(|| format!("{sku} is in the demo catalog"))
    };
    let offer = demo_offer(DEMO_CART_SKU)?;
    cart::demo_carts(&carts, offer)
        .await
        .context("loading the demo carts")?;
    let client = aws_sdk_dynamodb::Client::new(sdk);
    let stores = orders::Stores {
        catalog,
        inventory: &inventory,
        orders: shared::orders::OrdersStore::new(client.clone(), stack.reference("OrdersTable")?),
        payments: shared::payments::PaymentsStore::new(client, stack.reference("PaymentsTable")?),
    };
    orders::demo_orders(&stores, offer, demo_offer(DEMO_MERCHANT_SKU)?)
        .await
        .context("loading the demo orders")?;
    let reviews = shared::reviews::ReviewsStore::new(
        aws_sdk_dynamodb::Client::new(sdk),
        stack.reference("ReviewsTable")?,
    );
    reviews::demo_reviews(&reviews, &offer.product_id.to_string())
        .await
        .context("loading the demo reviews")?;
    // As the account functions see it: their table and key.
    let settings: std::collections::HashMap<String, String> = stack
        .function_environment(template, "AddAddressFunction")?
        .into_iter()
        .collect();
    let accounts = shared::account::AccountsStore::from_source(sdk, &settings)?;
    orders::demo_account(&accounts)
        .await
        .context("loading the demo account")?;
    let purchases = shared::recommendations::RecommendationsStore::new(
        aws_sdk_dynamodb::Client::new(sdk),
        stack.reference("RecommendationsTable")?,
    );
    recommendations::demo_purchases(&purchases, &demo_listings().0, &offers, offer.product_id)
        .await
        .context("loading the demo purchases")?;
    let settings: std::collections::HashMap<String, String> = stack
        .function_environment(template, "GetNotificationPreferencesFunction")?
        .into_iter()
        .collect();
    let recipients = shared::notifications::NotificationsStore::from_source(sdk, &settings)?;
    notifications::demo_recipients(&recipients, offer.product_id)
        .await
        .context("loading the demo customers' notification settings")?;
    Ok(summary)
}

/// Builds the search index from the catalog table, as the backfill function does: what the
/// search functions answer from.
pub async fn search_index(
    sdk: &aws_config::SdkConfig,
    template: &Template,
    stack: &Stack,
) -> anyhow::Result<shared::search::Backfill> {
    let settings: std::collections::HashMap<String, String> = stack
        .function_environment(template, "ReindexProductsFunction")?
        .into_iter()
        .chain(crate::registry::emulator_settings())
        .collect();
    let catalog = shared::catalog::CatalogStore::from_source(sdk, &settings)?;
    shared::search::SearchIndex::from_source(sdk, &settings)?
        .backfill(catalog.families())
        .await
}

async fn pause_stream(
    sdk: &aws_config::SdkConfig,
    stack: &Stack,
    table: &str,
) -> anyhow::Result<()> {
    use aws_sdk_dynamodb::types::StreamSpecification;
    aws_sdk_dynamodb::Client::new(sdk)
        .update_table()
        .table_name(stack.reference(table)?)
        .stream_specification(
            StreamSpecification::builder()
                .stream_enabled(false)
                .build()?,
        )
        .send()
        .await
        .with_context(|| format!("pausing the stream of {table}"))?;
    Ok(())
}

/// Turns the stream on again as the template declares it; a new stream, with a new ARN.
async fn resume_stream(
    sdk: &aws_config::SdkConfig,
    template: &Template,
    stack: &mut Stack,
    table: &str,
) -> anyhow::Result<()> {
    use aws_sdk_dynamodb::types::{StreamSpecification, StreamViewType};
    let view = template
        .resources
        .get(table)
        .and_then(|t| t.properties.pointer("/StreamSpecification/StreamViewType"))
        .and_then(serde_json::Value::as_str)
        .with_context(|| format!("{table} has a stream"))?;
    let spec = StreamSpecification::builder()
        .stream_enabled(true)
        .stream_view_type(StreamViewType::from(view))
        .build()?;
    let updated = aws_sdk_dynamodb::Client::new(sdk)
        .update_table()
        .table_name(stack.reference(table)?)
        .stream_specification(spec)
        .send()
        .await
        .with_context(|| format!("resuming the stream of {table}"))?;
    let arn = updated
        .table_description
        .and_then(|t| t.latest_stream_arn)
        .context("the resumed stream's ARN")?;
    stack.set_attribute(table, "StreamArn", arn);
    Ok(())
}
