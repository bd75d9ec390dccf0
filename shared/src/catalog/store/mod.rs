//! The catalog table in DynamoDB. One table, keyed `pk`/`sk`:
//! - `PRODUCT#<id>` / `PRODUCT`: the product (GSI `ByCategory` on `category`+`id` for families'
//!   heads and standalone products; GSI `ByParent` on `parent`+`id` for variation children);
//! - `PRODUCT#<id>` / `OFFER#<sku>`: each offer, beside its product so a product page is one query;
//! - `SKU#<sku>` / `SKU`: which product and seller a SKU belongs to (keeps SKUs unique);
//! - `GTIN#<gtin>` / `GTIN`: which product a GTIN belongs to (keeps GTINs unique);
//! - `SELLER#<id>` / `PROFILE`: the seller's public profile and rating.
//!
//! Every write that could clobber another is conditional; multi-item writes are transactions.
//! Reads are in `reads.rs`, writes in `writes.rs`; the items and keys are here.

use super::{
    Gtin, Offer, Product, ProductId, Seller, SellerId, SellerRating, Sku, Slug, StockUpdate,
};
use crate::config::Source;
use crate::dynamo::{
    self, Item, decode, failed_conditions, is_condition_failure, item, key, put_new,
};
use crate::money::Currency;
use anyhow::Context;
use aws_sdk_dynamodb::Client;
use aws_sdk_dynamodb::types::{AttributeValue, ConditionCheck, TransactWriteItem};
use serde::{Deserialize, Serialize};
use std::collections::HashMap;

mod reads;
mod writes;

const BY_CATEGORY: &str = "ByCategory";
const BY_PARENT: &str = "ByParent";
/// How often a conditional write is retried after losing a race before giving up.
const RACE_RETRIES: usize = 3;

#[derive(Debug, Clone)]
pub struct CatalogConfig {
    pub table: String,
    /// The Buy Box compares offers in this currency.
    pub currency: Currency,
}

impl CatalogConfig {
    pub fn from_source(source: &impl Source) -> anyhow::Result<Self> {
        Ok(Self {
            table: source.required("CATALOG_TABLE")?,
            currency: source.parsed("MARKETPLACE_CURRENCY", Currency::USD)?,
        })
    }
}

#[derive(Serialize, Deserialize)]
struct ProductItem {
    pk: String,
    sk: String,
    id: String,
    version: u64,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    category: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    parent: Option<String>,
    data: Product,
}

impl ProductItem {
    fn new(product: &Product) -> Self {
        let (pk, sk) = product_key(product.id);
        let (category, parent) = match &product.variation {
            super::Variation::Child { parent_id, .. } => (None, Some(parent_id.to_string())),
            _ => (Some(product.category_path.leaf().to_string()), None),
        };
        Self {
            pk,
            sk,
            id: product.id.to_string(),
            version: product.version,
            category,
            parent,
            data: product.clone(),
        }
    }
}

#[derive(Serialize, Deserialize)]
struct OfferItem {
    pk: String,
    sk: String,
    seller: String,
    version: u64,
    /// The newest stock-feed sequence applied, so older feed messages are ignored.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    stock_sequence: Option<u64>,
    data: Offer,
}

#[derive(Serialize, Deserialize)]
struct SkuItem {
    pk: String,
    sk: String,
    product_id: ProductId,
    seller_id: SellerId,
}

#[derive(Serialize, Deserialize)]
struct GtinItem {
    pk: String,
    sk: String,
    product_id: ProductId,
}

#[derive(Serialize, Deserialize)]
struct SellerItem {
    pk: String,
    sk: String,
    data: Seller,
}

fn product_key(id: ProductId) -> (String, String) {
    (format!("PRODUCT#{id}"), "PRODUCT".to_owned())
}

fn offer_key(offer: &Offer) -> (String, String) {
    (
        format!("PRODUCT#{}", offer.product_id),
        format!("OFFER#{}", offer.sku),
    )
}

fn sku_key(sku: &Sku) -> (String, String) {
    (format!("SKU#{sku}"), "SKU".to_owned())
}

fn gtin_key(gtin: &Gtin) -> (String, String) {
    (format!("GTIN#{}", gtin.as_ref()), "GTIN".to_owned())
}

fn seller_key(id: &SellerId) -> (String, String) {
    (format!("SELLER#{id}"), "PROFILE".to_owned())
}

/// What became of a new listing.
#[derive(Debug)]
pub enum ListingOutcome {
    Created,
    /// Another product has this GTIN: the offer belongs on it instead.
    GtinTaken,
    SkuTaken,
}

/// What became of an offer write.
#[derive(Debug)]
pub enum OfferWrite {
    Created(Offer),
    Updated(Offer),
    ProductMissing,
    OwnedByAnotherSeller,
    OnAnotherProduct(ProductId),
    /// A concurrent request wrote other terms between this one's read and write.
    ChangedConcurrently,
}

/// A product with every offer on it, read consistently in one query.
#[derive(Debug)]
pub struct ProductPage {
    pub product: Product,
    pub offers: Vec<Offer>,
}

/// A position in a category listing: the id of the last product shown; the next page starts
/// after it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Cursor(ProductId);

impl std::str::FromStr for Cursor {
    type Err = String;
    fn from_str(value: &str) -> Result<Self, String> {
        value
            .parse()
            .map(Cursor)
            .map_err(|_| "must be a next_cursor value from a previous page".to_owned())
    }
}

impl std::fmt::Display for Cursor {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        self.0.fmt(f)
    }
}

#[derive(Debug)]
pub struct BrowsePage {
    pub products: Vec<Product>,
    pub next: Option<Cursor>,
}

pub struct CatalogStore {
    client: Client,
    config: CatalogConfig,
}

impl CatalogStore {
    pub fn new(client: Client, config: CatalogConfig) -> Self {
        Self { client, config }
    }

    /// The store a function uses, configured from its environment.
    pub fn from_source(sdk: &aws_config::SdkConfig, source: &impl Source) -> anyhow::Result<Self> {
        Ok(Self::new(
            crate::aws::dynamodb(sdk),
            CatalogConfig::from_source(source)?,
        ))
    }

    pub fn currency(&self) -> Currency {
        self.config.currency
    }

    pub(super) fn table(&self) -> &str {
        &self.config.table
    }

    pub(super) async fn get<T: for<'de> Deserialize<'de>>(
        &self,
        key_pair: (String, String),
    ) -> anyhow::Result<Option<T>> {
        let output = self
            .client
            .get_item()
            .table_name(self.table())
            .set_key(Some(key(key_pair)))
            .consistent_read(true)
            .send()
            .await
            .context("reading the catalog table")?;
        output.item.map(decode).transpose()
    }
}

fn offer_item(offer: &Offer, stock_sequence: Option<u64>) -> OfferItem {
    let (pk, sk) = offer_key(offer);
    OfferItem {
        pk,
        sk,
        seller: offer.seller_id.to_string(),
        version: offer.version,
        stock_sequence,
        data: offer.clone(),
    }
}

/// The offer in a stream image of the catalog table; `None` for the table's other items.
pub fn offer_from_image(image: serde_dynamo::Item) -> anyhow::Result<Option<Offer>> {
    let is_offer = matches!(image.get("sk"), Some(serde_dynamo::AttributeValue::S(sk)) if sk.starts_with("OFFER#"));
    if !is_offer {
        return Ok(None);
    }
    Ok(Some(
        serde_dynamo::from_item::<_, OfferItem>(image)
            .context("decoding an offer image")?
            .data,
    ))
}
