//! The catalog's outcomes as HTTP answers.

use super::ApiError;
use crate::catalog::{Offer, OfferWrite};
use crate::error::Invalid;

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
