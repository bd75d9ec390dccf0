//! `GET /api/v1/seller/inventory/feeds/{id}`: how far a seller's CSV stock feed has got: whether
//! its file arrived and was read, then its lines applied, stale, failed (with the reason, by the
//! file's line number) and pending. Another seller's feed is as unknown as one that never was.

use lambda_http::{Body, Request, Response};
use shared::api::{self, ApiError, SellerReadProblems};
use shared::inventory::{BatchReport, StockBatchId};

/// What the handler needs, built once per process.
pub use shared::inventory::InventoryStore as Deps;

#[utoipa::path(
    get,
    path = "/api/v1/seller/inventory/feeds/{id}",
    operation_id = "getStockFeed",
    tag = "seller",
    params(("id" = StockBatchId, Path, description = "The feed")),
    security(("jwt" = ["seller"])),
    responses(
        (status = 200, description = "The feed's progress", body = BatchReport),
        SellerReadProblems,
    )
)]
#[tracing::instrument(skip_all)]
pub async fn handle(store: &Deps, request: Request) -> Result<Response<Body>, ApiError> {
    api::stock_batch_answer(store, &request, true).await
}

/// This route's part of the OpenAPI document.
#[derive(utoipa::OpenApi)]
#[openapi(paths(handle))]
pub struct Api;
