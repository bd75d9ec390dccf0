//! Inventory's outcomes as HTTP answers.

use super::{ApiError, Caller};
use crate::inventory::{InventoryStore, StockBatchId};
use lambda_http::{Body, Request, Response};

/// A seller's stock batch (or, with `feeds_only`, CSV feed) report. Another seller's is as
/// unknown as one that never was.
pub async fn stock_batch_answer(
    store: &InventoryStore,
    request: &Request,
    feeds_only: bool,
) -> Result<Response<Body>, ApiError> {
    super::require_method(request, http::Method::GET)?;
    let seller = Caller::from_request(request)?.seller_id()?;
    let id: StockBatchId = super::path_param(request, "id")?;
    match store.batch(id).await? {
        Some((owner, report)) if owner == seller && (report.feed.is_some() || !feeds_only) => {
            super::json_response(http::StatusCode::OK, &report)
        }
        _ => Err(ApiError::NotFound(format!(
            "stock {} {id}",
            if feeds_only { "feed" } else { "batch" }
        ))),
    }
}
