//! `GET /api/v1/seller/inventory/batches/{id}`: how far a seller's stock batch has got: lines
//! applied, stale, failed (with the reason, by line number) and pending. Another seller's batch
//! is as unknown as one that never was.

use lambda_http::{Body, Request, Response};
use shared::api::{self, ApiError, SellerReadProblems};
use shared::inventory::{BatchReport, StockBatchId};

/// What the handler needs, built once per process.
pub use shared::inventory::InventoryStore as Deps;

#[utoipa::path(
    get,
    path = "/api/v1/seller/inventory/batches/{id}",
    operation_id = "getStockBatch",
    tag = "seller",
    params(("id" = StockBatchId, Path, description = "The batch")),
    security(("jwt" = ["seller"])),
    responses(
        (status = 200, description = "The batch's progress", body = BatchReport),
        SellerReadProblems,
    )
)]
#[tracing::instrument(skip_all)]
pub async fn handle(store: &Deps, request: Request) -> Result<Response<Body>, ApiError> {
    api::stock_batch_answer(store, &request, false).await
}

/// This route's part of the OpenAPI document.
#[derive(utoipa::OpenApi)]
#[openapi(paths(handle))]
pub struct Api;
