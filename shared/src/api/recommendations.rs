//! Recommendations as HTTP answers.

use super::{ApiError, ProductSummary};
use crate::ids::ProductId;
use crate::recommendations::Reason;
use crate::recommender::Recommended;
use lambda_http::{Body, Response};
use serde::Serialize;

/// A recommended product and why.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct RecommendedItem {
    product: ProductSummary,
    reason: Reason,
    /// The reason as a shopper reads it.
    reason_text: &'static str,
    /// The item of the shopper's history it comes from (personal lists).
    #[serde(skip_serializing_if = "Option::is_none")]
    because: Option<ProductId>,
}

/// Recommended products, best first.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct Recommendations {
    items: Vec<RecommendedItem>,
}

pub fn recommendations_answer(items: Vec<Recommended>) -> Result<Response<Body>, ApiError> {
    let items = items
        .into_iter()
        .map(|item| RecommendedItem {
            product: item.listed.into(),
            reason: item.reason,
            reason_text: item.reason.text(),
            because: item.because,
        })
        .collect();
    super::json_response(http::StatusCode::OK, &Recommendations { items })
}
