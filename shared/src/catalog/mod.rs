//! The marketplace catalog: one product shared by every seller who sells it, each seller's offer
//! on it, and the Buy Box that picks the offer a shopper buys from by default.

pub mod buy_box;
mod gtin;
mod images;
mod offer;
mod price_changes;
mod product;
mod store;

pub use gtin::{Gtin, Identifiers};
pub use images::{ImageUpload, ImageUploadRequest, ImagesConfig, presign_image_upload};
pub use offer::{
    Condition, Fulfillment, Offer, OfferStatus, OfferTerms, Seller, SellerRating, StockUpdate,
};
pub use price_changes::{PriceChange, PriceChanges};
pub use product::{
    Attributes, CategoryPath, NewListing, Product, ProductPatch, Slug, Variation, VariationSummary,
};
pub use store::{
    BrowsePage, CatalogConfig, CatalogStore, Cursor, ListingOutcome, OfferWrite, ProductPage,
    offer_from_image,
};

use serde::{Deserialize, Serialize};

/// A product's catalog id: a ULID, so ids sort by creation time.
#[derive(
    Debug,
    Clone,
    Copy,
    PartialEq,
    Eq,
    PartialOrd,
    Ord,
    Hash,
    Serialize,
    Deserialize,
    utoipa::ToSchema,
)]
#[serde(try_from = "String", into = "String")]
#[schema(value_type = String, example = "01JD6ZQ3V8E4K2M9N7P5R3T1W0")]
pub struct ProductId(ulid::Ulid);

impl ProductId {
    pub fn generate() -> Self {
        Self(ulid::Ulid::new())
    }
}

impl TryFrom<String> for ProductId {
    type Error = String;
    fn try_from(value: String) -> Result<Self, String> {
        value.parse()
    }
}

impl std::str::FromStr for ProductId {
    type Err = String;
    fn from_str(value: &str) -> Result<Self, String> {
        ulid::Ulid::from_string(value)
            .map(Self)
            .map_err(|_| "must be a product id (26 characters, Crockford base32)".to_owned())
    }
}

impl From<ProductId> for String {
    fn from(id: ProductId) -> String {
        id.0.to_string()
    }
}

impl std::fmt::Display for ProductId {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        self.0.fmt(f)
    }
}

crate::identifier!(
    /// A seller's stock-keeping unit: the id cart, inventory and orders use for an offer.
    Sku, 1, 40, |c: char| c.is_ascii_alphanumeric() || matches!(c, '-' | '_' | '.'),
    "letters, digits, '-', '_' or '.'"
);

crate::identifier!(
    /// A seller, as the identity provider names it (the token's `sub`).
    SellerId, 1, 128, |c: char| c.is_ascii_graphic(), "printable ASCII"
);
