//! The catalog table in DynamoDB. One table, keyed `pk`/`sk`:
//! - `PRODUCT#<id>` / `PRODUCT`: the product (GSI `ByCategory` on `category`+`id` for families'
//!   heads and standalone products; GSI `ByParent` on `parent`+`id` for variation children);
//! - `PRODUCT#<id>` / `OFFER#<sku>`: each offer, beside its product so a product page is one query;
//! - `SKU#<sku>` / `SKU`: which product and seller a SKU belongs to (keeps SKUs unique);
//! - `GTIN#<gtin>` / `GTIN`: which product a GTIN belongs to (keeps GTINs unique);
//! - `SELLER#<id>` / `PROFILE`: the seller's public profile;
//! - `SELLER#<id>` / `RATING`: their customers' feedback by month, what their rating is made of;
//! - `SELLER#<id>` / `FEEDBACK#<order>`: one customer's feedback on an order, one per order.
//!
//! Every write that could clobber another is conditional; multi-item writes are transactions.
//! Reads are in `reads.rs`, writes in `writes.rs`; the items and keys are here.

use super::{BuyBoxSummary, Offer, Product, ProductAlert, ProductId, SellerRating};
use anyhow::Context;
use serde::{Deserialize, Serialize};

#[cfg(feature = "dynamodb")]
mod client;
#[cfg(feature = "dynamodb")]
mod reads;
#[cfg(feature = "dynamodb")]
mod writes;

#[cfg(feature = "dynamodb")]
pub use client::{CatalogConfig, CatalogStore};
#[cfg(feature = "dynamodb")]
pub use reads::FamilyScan;

#[derive(Serialize, Deserialize)]
pub(super) struct OfferItem {
    pk: String,
    sk: String,
    seller: String,
    version: u64,
    data: Offer,
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

/// What became of a customer's feedback on a seller.
#[derive(Debug, PartialEq, Eq)]
pub enum FeedbackOutcome {
    /// Counted: the seller's rating now.
    Recorded(Option<SellerRating>),
    /// The same feedback came before (a retry): the seller's rating now.
    Replayed(Option<SellerRating>),
    /// Other feedback on this seller for this order came before.
    AlreadyGiven,
}

/// What became of a sale counted on a product.
#[derive(Debug, PartialEq, Eq)]
pub enum SaleOutcome {
    Counted,
    /// This sale was counted before (a redelivered event).
    AlreadyCounted,
    UnknownProduct,
}

/// What became of a price change.
#[derive(Debug)]
pub enum PriceWrite {
    Saved(Offer),
    UnknownSku,
    OwnedByAnotherSeller,
    /// An offer's currency is set when it is listed; a price in another is refused.
    OtherCurrency(crate::money::Currency),
}

/// A product with every offer on it, read consistently in one query.
#[derive(Debug)]
pub struct ProductPage {
    pub product: Product,
    pub offers: Vec<Offer>,
    /// Its reviews' rating; absent before the first review is counted.
    pub rating: Option<crate::reviews::RatingSummary>,
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
    pub products: Vec<Listed>,
    pub next: Option<Cursor>,
}

/// A product in a listing, with the Buy Box summary kept on it (absent until its first
/// offer's price is published).
#[derive(Debug, Clone)]
pub struct Listed {
    pub product: Product,
    pub buy_box: Option<BuyBoxSummary>,
    /// How many writes the product's item has had (see `ProductItem::revision`).
    pub revision: u64,
    pub sales: super::Sales,
    pub rating: Option<crate::reviews::RatingSummary>,
}

/// What a shopper finds as one result: a standalone product, or a family's parent with its
/// children (the parent has no offers; its children do).
#[derive(Debug, Clone)]
pub struct Family {
    pub head: Listed,
    pub children: Vec<Listed>,
}

impl Family {
    /// Grows with every write of any member (revisions only grow and members are never
    /// removed), so it orders what is built from the family: its search document.
    pub fn revision(&self) -> u64 {
        self.head.revision + self.children.iter().map(|c| c.revision).sum::<u64>()
    }
}

/// The id of the family a product item in the catalog table's stream belongs to: its own for a
/// standalone product or a parent, its parent's for a child; `None` for the table's other items.
pub fn family_of_image(image: &serde_dynamo::Item) -> anyhow::Result<Option<ProductId>> {
    if !is_product_image(image) {
        return Ok(None);
    }
    let field = |name| match image.get(name) {
        Some(serde_dynamo::AttributeValue::S(id)) => Some(id.as_str()),
        _ => None,
    };
    let id = field("parent")
        .or_else(|| field("id"))
        .context("a product item without an id")?;
    Ok(Some(id.parse().map_err(anyhow::Error::msg)?))
}

impl ProductPage {
    /// The sum of its offers' versions: it grows with every offer write, so it orders what was
    /// computed from them (the Buy Box summary).
    pub fn offers_basis(&self) -> u64 {
        self.offers.iter().map(|offer| offer.version).sum()
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

fn is_product_image(image: &serde_dynamo::Item) -> bool {
    matches!(image.get("sk"), Some(serde_dynamo::AttributeValue::S(sk)) if sk == "PRODUCT")
}

/// The part of a product item its watchers' alerts are made of.
#[derive(Deserialize)]
struct WatchedImage {
    data: Named,
    #[serde(default)]
    buy_box: Option<BuyBoxSummary>,
}

#[derive(Deserialize)]
struct Named {
    id: ProductId,
    title: String,
}

/// The alert a product item's change in the catalog stream gives those watching it, if any;
/// `None` for the table's other items.
pub fn product_alert(
    event_id: &str,
    old_image: &serde_dynamo::Item,
    new_image: &serde_dynamo::Item,
) -> anyhow::Result<Option<ProductAlert>> {
    let decode = |image: &serde_dynamo::Item| -> anyhow::Result<Option<WatchedImage>> {
        if !is_product_image(image) {
            return Ok(None);
        }
        serde_dynamo::from_item(image.clone())
            .map(Some)
            .context("decoding a product image")
    };
    let Some(new) = decode(new_image)? else {
        return Ok(None);
    };
    let old = decode(old_image)?;
    Ok(ProductAlert::between(
        event_id,
        new.data.id,
        &new.data.title,
        old.and_then(|old| old.buy_box).as_ref(),
        new.buy_box.as_ref(),
    ))
}
