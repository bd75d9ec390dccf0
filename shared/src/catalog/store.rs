//! The catalog table in DynamoDB. One table, keyed `pk`/`sk`:
//! - `PRODUCT#<id>` / `PRODUCT`: the product (GSI `ByCategory` on `category`+`id` for families'
//!   heads and standalone products; GSI `ByParent` on `parent`+`id` for variation children);
//! - `PRODUCT#<id>` / `OFFER#<sku>`: each offer, beside its product so a product page is one query;
//! - `SKU#<sku>` / `SKU`: which product and seller a SKU belongs to (keeps SKUs unique);
//! - `GTIN#<gtin>` / `GTIN`: which product a GTIN belongs to (keeps GTINs unique);
//! - `SELLER#<id>` / `PROFILE`: the seller's public profile and rating.
//!
//! Every write that could clobber another is conditional; multi-item writes are transactions.

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

    fn table(&self) -> &str {
        &self.config.table
    }

    async fn get<T: for<'de> Deserialize<'de>>(
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

    #[tracing::instrument(skip(self))]
    pub async fn product(&self, id: ProductId) -> anyhow::Result<Option<Product>> {
        Ok(self
            .get::<ProductItem>(product_key(id))
            .await?
            .map(|item| item.data))
    }

    pub async fn product_id_by_gtin(&self, gtin: &Gtin) -> anyhow::Result<Option<ProductId>> {
        Ok(self
            .get::<GtinItem>(gtin_key(gtin))
            .await?
            .map(|item| item.product_id))
    }

    /// The product and all its offers.
    #[tracing::instrument(skip(self))]
    pub async fn product_page(&self, id: ProductId) -> anyhow::Result<Option<ProductPage>> {
        let (pk, _) = product_key(id);
        let items: Vec<Item> = self
            .client
            .query()
            .table_name(self.table())
            .key_condition_expression("pk = :pk")
            .expression_attribute_values(":pk", AttributeValue::S(pk))
            .consistent_read(true)
            .into_paginator()
            .items()
            .send()
            .collect::<Result<_, _>>()
            .await
            .context("querying a product's items")?;
        let (products, offers): (Vec<_>, Vec<_>) = items.into_iter().partition(
            |item| matches!(item.get("sk"), Some(AttributeValue::S(sk)) if sk == "PRODUCT"),
        );
        let product = products
            .into_iter()
            .next()
            .map(|item| decode::<ProductItem>(item).context("decoding a product"))
            .transpose()?
            .map(|item| item.data);
        let offers = dynamo::decode_listed::<OfferItem>(offers, "an offer")
            .into_iter()
            .map(|item| item.data)
            .collect();
        Ok(product.map(|product| ProductPage { product, offers }))
    }

    /// The children of a variation family, in id order.
    #[tracing::instrument(skip(self))]
    pub async fn variations(&self, parent: ProductId) -> anyhow::Result<Vec<Product>> {
        let items: Vec<Item> = self
            .client
            .query()
            .table_name(self.table())
            .index_name(BY_PARENT)
            .key_condition_expression("parent = :parent")
            .expression_attribute_values(":parent", AttributeValue::S(parent.to_string()))
            .into_paginator()
            .items()
            .send()
            .collect::<Result<_, _>>()
            .await
            .context("querying a product's variations")?;
        Ok(dynamo::decode_listed::<ProductItem>(items, "a variation")
            .into_iter()
            .map(|item| item.data)
            .collect())
    }

    /// One page of a category, in id (creation) order, after `cursor`.
    #[tracing::instrument(skip(self))]
    pub async fn browse(
        &self,
        category: &Slug,
        cursor: Option<Cursor>,
        limit: usize,
    ) -> anyhow::Result<BrowsePage> {
        let mut query = self
            .client
            .query()
            .table_name(self.table())
            .index_name(BY_CATEGORY)
            .expression_attribute_values(":category", AttributeValue::S(category.to_string()))
            // One more than asked tells whether another page exists.
            .limit(i32::try_from(limit + 1).context("page size")?);
        query = match cursor {
            Some(Cursor(after)) => query
                .key_condition_expression("category = :category AND id > :after")
                .expression_attribute_values(":after", AttributeValue::S(after.to_string())),
            None => query.key_condition_expression("category = :category"),
        };
        let output = query.send().await.context("querying a category")?;
        let mut items = output.items.unwrap_or_default();
        // The cursor is the last item shown, decodable or not, so a bad item is never re-read.
        let next = if items.len() > limit {
            items.truncate(limit);
            let last = items.last().and_then(|item| item.get("id"));
            let Some(AttributeValue::S(last)) = last else {
                anyhow::bail!("a category item without an id");
            };
            Some(Cursor(last.parse().map_err(anyhow::Error::msg)?))
        } else {
            None
        };
        let products = dynamo::decode_listed::<ProductItem>(items, "a product")
            .into_iter()
            .map(|item| item.data)
            .collect();
        Ok(BrowsePage { products, next })
    }

    /// Writes a new product with its first offer, and claims its GTIN and SKU, all or nothing.
    #[tracing::instrument(skip_all, fields(product_id = %product.id, sku = %offer.sku))]
    pub async fn create_listing(
        &self,
        product: &Product,
        offer: &Offer,
    ) -> anyhow::Result<ListingOutcome> {
        let table = self.table();
        let (sku_pk, sku_sk) = sku_key(&offer.sku);
        let mut writes = vec![
            put_new(table, item(&ProductItem::new(product))?)?,
            put_new(
                table,
                item(&SkuItem {
                    pk: sku_pk,
                    sk: sku_sk,
                    product_id: product.id,
                    seller_id: offer.seller_id.clone(),
                })?,
            )?,
            put_new(table, item(&offer_item(offer, None))?)?,
        ];
        if let Some(gtin) = product.gtin() {
            let (pk, sk) = gtin_key(&gtin);
            writes.push(put_new(
                table,
                item(&GtinItem {
                    pk,
                    sk,
                    product_id: product.id,
                })?,
            )?);
        }
        match self
            .client
            .transact_write_items()
            .set_transact_items(Some(writes))
            .send()
            .await
        {
            Ok(_) => Ok(ListingOutcome::Created),
            Err(error) => match failed_conditions(&error) {
                Some(failed) if failed.get(3) == Some(&true) => Ok(ListingOutcome::GtinTaken),
                Some(failed) if failed.get(1) == Some(&true) => Ok(ListingOutcome::SkuTaken),
                _ => Err(anyhow::Error::from(error).context("writing a new listing")),
            },
        }
    }

    /// Creates the seller's offer, or replaces it when the SKU is already theirs on this product.
    /// A request that loses a race to a concurrent write of the same SKU is answered with the
    /// state that write left: the stored offer when it has the requested terms, else a conflict.
    #[tracing::instrument(skip_all, fields(product_id = %offer.product_id, sku = %offer.sku))]
    pub async fn put_offer(&self, offer: Offer) -> anyhow::Result<OfferWrite> {
        // `None` from the creation: another request claimed the SKU first, so this one carries
        // on as a replacement.
        if self.get::<SkuItem>(sku_key(&offer.sku)).await?.is_none()
            && let Some(outcome) = self.create_offer(&offer).await?
        {
            return Ok(outcome);
        }
        let owner = self
            .get::<SkuItem>(sku_key(&offer.sku))
            .await?
            .context("a claimed SKU vanished")?;
        if owner.seller_id != offer.seller_id {
            return Ok(OfferWrite::OwnedByAnotherSeller);
        }
        if owner.product_id != offer.product_id {
            return Ok(OfferWrite::OnAnotherProduct(owner.product_id));
        }
        let current = self.offer_item(&offer).await?;
        if let Some(saved) = self
            .save_offer(&current, offer.clone(), current.stock_sequence)
            .await?
        {
            return Ok(OfferWrite::Updated(saved));
        }
        let now = self.offer_item(&offer).await?.data;
        Ok(if now.same_terms(&offer) {
            OfferWrite::Updated(now)
        } else {
            OfferWrite::ChangedConcurrently
        })
    }

    async fn offer_item(&self, offer: &Offer) -> anyhow::Result<OfferItem> {
        self.get::<OfferItem>(offer_key(offer))
            .await?
            .context("a claimed SKU has no offer")
    }

    /// `None` when another writer claimed the SKU first.
    async fn create_offer(&self, offer: &Offer) -> anyhow::Result<Option<OfferWrite>> {
        let table = self.table();
        let (sku_pk, sku_sk) = sku_key(&offer.sku);
        let product_exists = ConditionCheck::builder()
            .table_name(table)
            .set_key(Some(key(product_key(offer.product_id))))
            .condition_expression("attribute_exists(pk)")
            .build()
            .context("building a condition check")?;
        let writes = vec![
            TransactWriteItem::builder()
                .condition_check(product_exists)
                .build(),
            put_new(
                table,
                item(&SkuItem {
                    pk: sku_pk,
                    sk: sku_sk,
                    product_id: offer.product_id,
                    seller_id: offer.seller_id.clone(),
                })?,
            )?,
            put_new(table, item(&offer_item(offer, None))?)?,
        ];
        match self
            .client
            .transact_write_items()
            .set_transact_items(Some(writes))
            .send()
            .await
        {
            Ok(_) => Ok(Some(OfferWrite::Created(offer.clone()))),
            Err(error) => match failed_conditions(&error) {
                Some(failed) if failed.first() == Some(&true) => {
                    Ok(Some(OfferWrite::ProductMissing))
                }
                Some(failed) if failed.iter().any(|f| *f) => Ok(None),
                _ => Err(anyhow::Error::from(error).context("writing a new offer")),
            },
        }
    }

    /// Writes `offer` as the next version of `current`, if no one else wrote it meanwhile.
    async fn save_offer(
        &self,
        current: &OfferItem,
        mut offer: Offer,
        stock_sequence: Option<u64>,
    ) -> anyhow::Result<Option<Offer>> {
        offer.version = current.version + 1;
        let result = self
            .client
            .put_item()
            .table_name(self.table())
            .set_item(Some(item(&offer_item(&offer, stock_sequence))?))
            .condition_expression("version = :seen AND seller = :seller")
            .expression_attribute_values(":seen", AttributeValue::N(current.version.to_string()))
            .expression_attribute_values(":seller", AttributeValue::S(offer.seller_id.to_string()))
            .send()
            .await;
        match result {
            Ok(_) => Ok(Some(offer)),
            Err(error) if is_condition_failure(&error) => Ok(None),
            Err(error) => Err(anyhow::Error::from(error).context("writing an offer")),
        }
    }

    /// Sets an offer's quantity from the seller's stock feed. `Ok(false)` when a newer count was
    /// already applied (a late or repeated message); an unknown or foreign SKU is an error.
    #[tracing::instrument(skip_all, fields(sku = %update.sku, sequence = update.sequence))]
    pub async fn apply_stock_update(&self, update: &StockUpdate) -> anyhow::Result<bool> {
        for _ in 0..RACE_RETRIES {
            let owner = self
                .get::<SkuItem>(sku_key(&update.sku))
                .await?
                .with_context(|| format!("unknown SKU {}", update.sku))?;
            anyhow::ensure!(
                owner.seller_id == update.seller_id,
                "SKU {} belongs to another seller",
                update.sku
            );
            let key_pair = (
                format!("PRODUCT#{}", owner.product_id),
                format!("OFFER#{}", update.sku),
            );
            let current = self
                .get::<OfferItem>(key_pair)
                .await?
                .context("a claimed SKU has no offer")?;
            if current
                .stock_sequence
                .is_some_and(|applied| applied >= update.sequence)
            {
                return Ok(false);
            }
            let mut offer = current.data.clone();
            offer.quantity = update.quantity;
            offer.updated_at = crate::clock::now();
            if self
                .save_offer(&current, offer, Some(update.sequence))
                .await?
                .is_some()
            {
                return Ok(true);
            }
        }
        anyhow::bail!("offer {} kept changing under concurrent writes", update.sku)
    }

    /// Saves `product` if the stored version is still `seen`; `false` when it has moved on.
    #[tracing::instrument(skip_all, fields(product_id = %product.id, seen))]
    pub async fn replace_product(&self, product: &Product, seen: u64) -> anyhow::Result<bool> {
        let result = self
            .client
            .put_item()
            .table_name(self.table())
            .set_item(Some(item(&ProductItem::new(product))?))
            .condition_expression("version = :seen")
            .expression_attribute_values(":seen", AttributeValue::N(seen.to_string()))
            .send()
            .await;
        match result {
            Ok(_) => Ok(true),
            Err(error) if is_condition_failure(&error) => Ok(false),
            Err(error) => Err(anyhow::Error::from(error).context("replacing a product")),
        }
    }

    /// Whether the table holds no item at all (a fresh local stack, before the demo data).
    pub async fn is_empty(&self) -> anyhow::Result<bool> {
        let page = self
            .client
            .scan()
            .table_name(self.table())
            .limit(1)
            .send()
            .await
            .context("looking into the catalog table")?;
        Ok(page.count == 0 && page.last_evaluated_key.is_none())
    }

    /// Loads listings into an empty table in bulk (demo data, migrations): unconditional
    /// BatchWriteItem, so never for live traffic, where `create_listing` keeps SKUs and GTINs unique.
    pub async fn import(&self, products: &[Product], offers: &[Offer]) -> anyhow::Result<()> {
        let mut items = Vec::with_capacity(products.len() * 2 + offers.len() * 2);
        for product in products {
            items.push(item(&ProductItem::new(product))?);
            if let Some(gtin) = product.gtin() {
                let (pk, sk) = gtin_key(&gtin);
                items.push(item(&GtinItem {
                    pk,
                    sk,
                    product_id: product.id,
                })?);
            }
        }
        for offer in offers {
            let (pk, sk) = sku_key(&offer.sku);
            items.push(item(&SkuItem {
                pk,
                sk,
                product_id: offer.product_id,
                seller_id: offer.seller_id.clone(),
            })?);
            items.push(item(&offer_item(offer, None))?);
        }
        dynamo::batch_put(&self.client, self.table(), items).await
    }

    pub async fn put_seller(&self, seller: &Seller) -> anyhow::Result<()> {
        let (pk, sk) = seller_key(&seller.id);
        self.client
            .put_item()
            .table_name(self.table())
            .set_item(Some(item(&SellerItem {
                pk,
                sk,
                data: seller.clone(),
            })?))
            .send()
            .await
            .context("writing a seller profile")?;
        Ok(())
    }

    /// The ratings of these sellers; unrated and unknown sellers are absent.
    #[tracing::instrument(skip_all)]
    pub async fn seller_ratings(
        &self,
        ids: impl IntoIterator<Item = &SellerId>,
    ) -> anyhow::Result<HashMap<SellerId, SellerRating>> {
        let keys = ids.into_iter().map(|id| key(seller_key(id))).collect();
        let items = dynamo::batch_get(&self.client, self.table(), keys).await?;
        let mut ratings = HashMap::new();
        for seller in dynamo::decode_listed::<SellerItem>(items, "a seller") {
            if let Some(rating) = seller.data.rating {
                ratings.insert(seller.data.id, rating);
            }
        }
        Ok(ratings)
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
