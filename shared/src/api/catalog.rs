//! The catalog's outcomes as HTTP answers.

use super::ApiError;
use crate::catalog::{BuyBoxSummary, CategoryPath, Listed, Offer, OfferWrite, ProductId};
use crate::error::Invalid;
use crate::reviews::RatingSummary;
use serde::Serialize;

/// The offer as written and whether it is new, or the answer to a refusal.
pub fn offer_written(write: OfferWrite) -> Result<(Offer, bool), ApiError> {
    match write {
        OfferWrite::Created(offer) => Ok((offer, true)),
        OfferWrite::Updated(offer) => Ok((offer, false)),
        OfferWrite::ProductMissing => {
            Err(Invalid::relational("product_id", "must name an existing product").into())
        }
        OfferWrite::OwnedByAnotherSeller => Err(ApiError::Forbidden(
            "this SKU belongs to another seller".into(),
        )),
        OfferWrite::OnAnotherProduct(product) => Err(ApiError::Conflict(format!(
            "this SKU is already offered on product {product}"
        ))),
        OfferWrite::ChangedConcurrently => Err(ApiError::Conflict(
            "another request changed this offer at the same time; send yours again to replace it"
                .into(),
        )),
    }
}
/// What a listing (a category, recommendations) shows of each product.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct ProductSummary {
    id: ProductId,
    title: String,
    brand: String,
    category_path: CategoryPath,
    image: Option<String>,
    /// The price and availability to show: the Buy Box as of the last price change.
    buy_box: Option<BuyBoxSummary>,
    /// Its reviews' rating; absent before the first review.
    rating: Option<RatingSummary>,
}

impl From<Listed> for ProductSummary {
    fn from(
        Listed {
            product,
            buy_box,
            rating,
            ..
        }: Listed,
    ) -> Self {
        Self {
            id: product.id,
            buy_box,
            rating,
            image: product.images.items().first().map(ToString::to_string),
            title: product.title.into(),
            brand: product.brand.into(),
            category_path: product.category_path,
        }
    }
}
