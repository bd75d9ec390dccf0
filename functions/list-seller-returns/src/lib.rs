//! `GET /api/v1/seller/returns`: the returns of the seller's merchant-fulfilled units waiting
//! for their decision, oldest first, a page at a time. Rainforest decides the returns of what
//! it shipped; they never show here.

use lambda_http::http::{Method, StatusCode};
use lambda_http::{Body, Request, Response};
use serde::Serialize;
use shared::api::{self, ApiError, Caller, PageCursor, PageSize, Problem, SellerReadProblems};
use shared::error::Invalid;
use shared::orders::Return;

/// What the handler needs, built once per process.
pub use shared::orders::OrdersStore as Deps;

/// One page of returns to decide.
#[derive(Serialize, utoipa::ToSchema)]
pub struct ReturnPage {
    items: Vec<Return>,
    /// Pass as `cursor` for the next page; absent on the last page.
    next_cursor: Option<String>,
}

#[utoipa::path(
    get,
    path = "/api/v1/seller/returns",
    operation_id = "listSellerReturns",
    tag = "seller",
    params(
        ("limit" = Option<u32>, Query, minimum = 1, maximum = 100, description = "Returns per page, 1 to 100 (24)"),
        ("cursor" = Option<PageCursor>, Query, description = "The next_cursor of the previous page"),
    ),
    security(("jwt" = ["seller"])),
    responses(
        (status = 200, description = "One page, oldest request first", body = ReturnPage),
        (status = 422, description = "A cursor that is not one of this seller's returns", body = Problem, content_type = "application/problem+json"),
        SellerReadProblems,
    )
)]
#[tracing::instrument(skip_all)]
pub async fn handle(orders: &Deps, request: Request) -> Result<Response<Body>, ApiError> {
    api::require_method(&request, Method::GET)?;
    let seller = Caller::from_request(&request)?.seller_id()?;
    let limit: PageSize = api::query_param(&request, "limit")?.unwrap_or_default();
    let cursor: Option<PageCursor> = api::query_param(&request, "cursor")?;
    let after = cursor.as_ref().map(AsRef::as_ref);
    let Some(page) = orders.returns_awaiting(&seller, after, limit.get()).await? else {
        let rule = "must be the next_cursor of a page of your returns";
        return Err(Invalid::relational("cursor", rule).into());
    };
    let body = ReturnPage {
        items: page.returns,
        next_cursor: page.next,
    };
    api::json_response(StatusCode::OK, &body)
}

/// This route's part of the OpenAPI document.
#[derive(utoipa::OpenApi)]
#[openapi(paths(handle))]
pub struct Api;
