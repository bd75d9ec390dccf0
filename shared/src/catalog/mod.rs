//! The marketplace catalog: one product shared by every seller who sells it, each seller's offer
//! on it, and the Buy Box that picks the offer a shopper buys from by default.

mod alerts;
pub mod buy_box;
mod feedback;
mod gtin;
mod images;
mod offer;
mod price_changes;
mod product;
mod sales;
mod store;

pub use alerts::{AlertKind, ProductAlert};
pub use buy_box::BuyBoxSummary;
pub use feedback::{FeedbackComment, FeedbackRequest, FeedbackTally, MonthTally, this_month};
pub use gtin::{AnyGtin, Ean, Gtin, Identifiers, Upc};
#[cfg(all(feature = "dynamodb", feature = "s3"))]
pub use images::{AcceptedUpload, CatalogImages};
pub use images::{ImageUploadRequest, ImagesConfig};
pub use offer::{
    Condition, Fulfillment, HandlingDays, Offer, OfferStatus, OfferTerms, PriceTerms, Pricing,
    Seller, SellerRating,
};
pub use price_changes::PriceChange;
#[cfg(feature = "sns")]
pub use price_changes::PriceChanges;
pub use product::{
    Attributes, CategoryPath, ImageKey, Images, NewListing, Product, ProductPatch, Slug, Variation,
    VariationSummary,
};
pub use sales::{Day, Sales, WINDOW_DAYS, day_of, today};
pub use store::{
    BrowsePage, Cursor, Family, FeedbackOutcome, Listed, ListingOutcome, OfferWrite, PriceWrite,
    ProductPage, SaleOutcome, family_of_image, offer_from_image, product_alert,
};
#[cfg(feature = "dynamodb")]
pub use store::{CatalogConfig, CatalogStore, FamilyScan};

pub use crate::ids::{ProductId, SellerId, Sku};
