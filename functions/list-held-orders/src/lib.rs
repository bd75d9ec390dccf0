//! `GET /api/v1/admin/orders?status=held`: the orders fraud screening held for review, oldest
//! first, each with its score and the reasons, a page at a time (the sparse `ByReview` index:
//! only held orders are in it).

use lambda_http::http::{Method, StatusCode};
use lambda_http::{Body, Request, Response};
use serde::Serialize;
use shared::api::{self, AdminReadProblems, ApiError, Caller, PageSize};
use shared::error::Invalid;
use shared::orders::{HeldOrder, OrderId};

/// What the handler needs, built once per process.
pub use shared::orders::OrdersStore as Deps;

/// One page of the review queue.
#[derive(Serialize, utoipa::ToSchema)]
pub struct HeldOrderPage {
    items: Vec<HeldOrder>,
    /// Pass as `cursor` for the next page; absent on the last page.
    next_cursor: Option<OrderId>,
}

#[utoipa::path(
    get,
    path = "/api/v1/admin/orders",
    operation_id = "listHeldOrders",
    tag = "admin",
    params(
        ("status" = String, Query, pattern = "^held$", description = "`held`: the orders waiting for review"),
        ("limit" = Option<u32>, Query, minimum = 1, maximum = 100, description = "Orders per page, 1 to 100 (24)"),
        ("cursor" = Option<OrderId>, Query, description = "The next_cursor of the previous page"),
    ),
    security(("jwt" = ["admin"])),
    responses((status = 200, description = "One page, oldest held first", body = HeldOrderPage), AdminReadProblems)
)]
#[tracing::instrument(skip_all)]
pub async fn handle(orders: &Deps, request: Request) -> Result<Response<Body>, ApiError> {
    api::require_method(&request, Method::GET)?;
    Caller::from_request(&request)?.require_admin()?;
    let status: Option<String> = api::query_param(&request, "status")?;
    if status.as_deref() != Some("held") {
        return Err(Invalid::new("status", "must be held: the orders waiting for review").into());
    }
    let limit: PageSize = api::query_param(&request, "limit")?.unwrap_or_default();
    let cursor: Option<OrderId> = api::query_param(&request, "cursor")?;
    let Some((items, next_cursor)) = orders.review_queue(cursor, limit.get()).await? else {
        let rule = "must be the next_cursor of a page of held orders";
        return Err(Invalid::relational("cursor", rule).into());
    };
    api::json_response(StatusCode::OK, &HeldOrderPage { items, next_cursor })
}

/// This route's part of the OpenAPI document.
#[derive(utoipa::OpenApi)]
#[openapi(paths(handle))]
pub struct Api;
