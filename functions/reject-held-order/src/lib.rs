//! `POST /api/v1/admin/orders/{id}/reject`: an admin rejects an order fraud screening held: it fails as `review_rejected` and the waiting checkout saga runs its compensations (nothing was held or charged yet). Sending it again is a replay; an order that is not held is a 409.

use lambda_http::{Body, Request, Response};
use shared::api::{self, ApiError, WriteProblems};
use shared::checkout::Verdict;
use shared::orders::{HeldOrder, OrderId};

/// What the handler needs, built once per process: the orders and the sagas waiting on them.
pub use shared::checkout::Reviews as Deps;

#[utoipa::path(
    post,
    path = "/api/v1/admin/orders/{id}/reject",
    operation_id = "rejectHeldOrder",
    tag = "admin",
    params(("id" = OrderId, Path, description = "The held order")),
    security(("jwt" = ["admin"])),
    responses((status = 200, description = "Rejected (again, for a replay)", body = HeldOrder), WriteProblems)
)]
#[tracing::instrument(skip_all)]
pub async fn handle(reviews: &Deps, request: Request) -> Result<Response<Body>, ApiError> {
    api::review_answer(reviews, &request, Verdict::Reject).await
}

/// This route's part of the OpenAPI document.
#[derive(utoipa::OpenApi)]
#[openapi(paths(handle))]
pub struct Api;
