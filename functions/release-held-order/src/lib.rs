//! `POST /api/v1/admin/orders/{id}/release`: an admin releases an order fraud screening held: the waiting checkout saga goes on to reserve, charge and confirm it. Sending it again is a replay; an order that is not held is a 409.

use lambda_http::{Body, Request, Response};
use shared::api::{self, ApiError, WriteProblems};
use shared::checkout::Verdict;
use shared::orders::{HeldOrder, OrderId};

/// What the handler needs, built once per process: the orders and the sagas waiting on them.
pub use shared::checkout::Reviews as Deps;

#[utoipa::path(
    post,
    path = "/api/v1/admin/orders/{id}/release",
    operation_id = "releaseHeldOrder",
    tag = "admin",
    params(("id" = OrderId, Path, description = "The held order")),
    security(("jwt" = ["admin"])),
    responses((status = 200, description = "Released (again, for a replay)", body = HeldOrder), WriteProblems)
)]
#[tracing::instrument(skip_all)]
pub async fn handle(reviews: &Deps, request: Request) -> Result<Response<Body>, ApiError> {
    api::review_answer(reviews, &request, Verdict::Release).await
}

/// This route's part of the OpenAPI document.
#[derive(utoipa::OpenApi)]
#[openapi(paths(handle))]
pub struct Api;
