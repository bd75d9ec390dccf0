//! The catalog table through the DynamoDB SDK (the `dynamodb` feature): its configuration and the
//! store that reads (`reads.rs`) and writes (`writes.rs`) it.

use super::*;
pub(super) use crate::catalog::{
    BuyBoxSummary, FeedbackRequest, FeedbackTally, Gtin, Pricing, Sales, Seller, SellerId, Sku,
    Slug, Variation,
};
use crate::config::Source;
pub(super) use crate::dynamo::{self, Item, decode, is_condition_failure, item, key, put_new};
pub(super) use crate::ids::OrderId;
pub(super) use crate::money::Currency;
pub(super) use crate::reviews::RatingSummary;
pub(super) use aws_sdk_dynamodb::Client;
pub(super) use aws_sdk_dynamodb::types::{AttributeValue, ConditionCheck, TransactWriteItem};
pub(super) use std::collections::HashMap;

pub(super) const BY_CATEGORY: &str = "ByCategory";
pub(super) const BY_PARENT: &str = "ByParent";

#[derive(Serialize, Deserialize)]
pub(super) struct ProductItem {
    pub(super) pk: String,
    pub(super) sk: String,
    pub(super) id: String,
    pub(super) version: u64,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub(super) category: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub(super) parent: Option<String>,
    pub(super) data: Product,
    /// Kept up to date by the price-change subscriber (`CatalogStore::set_buy_box`); product
    /// writes leave it alone.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub(super) buy_box: Option<BuyBoxSummary>,
    /// The sum of the offers' versions `buy_box` was computed from: offer versions only grow, so
    /// a summary of older offers never replaces one of newer.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub(super) buy_box_basis: Option<u64>,
    /// Counts every write of the item, whichever part it changed: what the search index orders
    /// its documents by, so a late stream record never replaces a newer one.
    #[serde(default)]
    pub(super) revision: u64,
    /// Units sold by day, the last 30 days (`CatalogStore::record_sale`).
    #[serde(default, skip_serializing_if = "Sales::is_empty")]
    pub(super) sales: Sales,
    /// The reviews' rating, copied by the rating consumer (`CatalogStore::set_rating`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub(super) rating: Option<RatingSummary>,
}

impl ProductItem {
    pub(super) fn new(product: &Product) -> Self {
        let (pk, sk) = product_key(product.id);
        let (category, parent) = match &product.variation {
            Variation::Child { parent_id, .. } => (None, Some(parent_id.to_string())),
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
            buy_box: None,
            buy_box_basis: None,
            revision: 1,
            sales: Sales::default(),
            rating: None,
        }
    }

    pub(super) fn listed(self) -> Listed {
        Listed {
            product: self.data,
            buy_box: self.buy_box,
            revision: self.revision,
            sales: self.sales,
            rating: self.rating,
        }
    }
}

#[derive(Serialize, Deserialize)]
pub(super) struct SkuItem {
    pub(super) pk: String,
    pub(super) sk: String,
    pub(super) product_id: ProductId,
    pub(super) seller_id: SellerId,
}

/// A SKU item read back: the SKU is in its key.
pub(super) fn sku_owner(item: Item) -> anyhow::Result<(Sku, SkuItem)> {
    let sku = match item.get("pk") {
        Some(AttributeValue::S(pk)) => pk.trim_start_matches("SKU#").to_owned(),
        _ => String::new(),
    };
    let sku: Sku = sku.parse().map_err(anyhow::Error::msg)?;
    Ok((sku, decode(item)?))
}

#[derive(Serialize, Deserialize)]
pub(super) struct GtinItem {
    pub(super) pk: String,
    pub(super) sk: String,
    pub(super) product_id: ProductId,
}

#[derive(Serialize, Deserialize)]
pub(super) struct SellerItem {
    pub(super) pk: String,
    pub(super) sk: String,
    pub(super) data: Seller,
}

pub(super) fn product_key(id: ProductId) -> (String, String) {
    (format!("PRODUCT#{id}"), "PRODUCT".to_owned())
}

pub(super) fn offer_key(offer: &Offer) -> (String, String) {
    sku_offer_key(offer.product_id, &offer.sku)
}

pub(super) fn sku_offer_key(product_id: ProductId, sku: &Sku) -> (String, String) {
    (format!("PRODUCT#{product_id}"), format!("OFFER#{sku}"))
}

pub(super) fn sku_key(sku: &Sku) -> (String, String) {
    (format!("SKU#{sku}"), "SKU".to_owned())
}

pub(super) fn gtin_key(gtin: &Gtin) -> (String, String) {
    (format!("GTIN#{}", gtin.as_ref()), "GTIN".to_owned())
}

pub(super) fn sale_key(sale: &str) -> (String, String) {
    (format!("SALE#{sale}"), "SALE".to_owned())
}

pub(super) fn seller_key(id: &SellerId) -> (String, String) {
    (format!("SELLER#{id}"), "PROFILE".to_owned())
}

pub(super) fn seller_rating_key(id: &SellerId) -> (String, String) {
    (format!("SELLER#{id}"), "RATING".to_owned())
}

pub(super) fn feedback_key(seller: &SellerId, order: OrderId) -> (String, String) {
    (format!("SELLER#{seller}"), format!("FEEDBACK#{order}"))
}

/// A seller's feedback by month, and how many writes it has had.
#[derive(Default, Serialize, Deserialize)]
pub(super) struct RatingItem {
    pub(super) pk: String,
    pub(super) sk: String,
    #[serde(default)]
    pub(super) tally: FeedbackTally,
    #[serde(default)]
    pub(super) version: u64,
}

pub(super) fn offer_item(offer: &Offer) -> OfferItem {
    let (pk, sk) = offer_key(offer);
    OfferItem {
        pk,
        sk,
        seller: offer.seller_id.to_string(),
        version: offer.version,
        data: offer.clone(),
    }
}

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

pub struct CatalogStore {
    pub(super) client: Client,
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

    /// Opens the connection to the table at init with a read of a key no item has.
    pub async fn connect(&self) {
        dynamo::connect(&self.client, self.table()).await;
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
        dynamo::get(
            &self.client,
            self.table(),
            key_pair,
            "reading the catalog table",
        )
        .await
    }
}
