//! `GET /api/v1/admin/reviews?status=held|rejected`: the reviews moderation held for an admin
//! (or those rejected), oldest first, each with why it was held, a page at a time.

use lambda_http::http::{Method, StatusCode};
use lambda_http::{Body, Request, Response};
use shared::api::{self, AdminReadProblems, ApiError, Caller, PageCursor, PageSize, ReviewList};
use shared::error::Invalid;
use shared::reviews::{Review, ReviewStatus};

/// What the handler needs, built once per process.
pub use shared::reviews::ReviewsStore as Deps;

#[utoipa::path(
    get,
    path = "/api/v1/admin/reviews",
    operation_id = "listModeratedReviews",
    tag = "admin",
    params(
        ("status" = String, Query, pattern = "^(held|rejected)$", description = "`held`: waiting for a decision; `rejected`: refused"),
        ("limit" = Option<u32>, Query, minimum = 1, maximum = 100, description = "Reviews per page, 1 to 100 (24)"),
        ("cursor" = Option<PageCursor>, Query, description = "The next_cursor of the previous page"),
    ),
    security(("jwt" = ["admin"])),
    responses((status = 200, description = "One page, oldest first", body = ReviewList<Review>), AdminReadProblems)
)]
#[tracing::instrument(skip_all)]
pub async fn handle(reviews: &Deps, request: Request) -> Result<Response<Body>, ApiError> {
    api::require_method(&request, Method::GET)?;
    Caller::from_request(&request)?.require_admin()?;
    let status = match api::query_param::<String>(&request, "status")?.as_deref() {
        Some("held") => ReviewStatus::Held,
        Some("rejected") => ReviewStatus::Rejected,
        _ => return Err(Invalid::new("status", "must be held or rejected").into()),
    };
    let limit: PageSize = api::query_param(&request, "limit")?.unwrap_or_default();
    let cursor: Option<PageCursor> = api::query_param(&request, "cursor")?;
    let after = cursor.as_ref().map(AsRef::as_ref);
    let Some(page) = reviews.moderation_queue(status, after, limit.get()).await? else {
        let rule = "must be the next_cursor of a page of this list";
        return Err(Invalid::relational("cursor", rule).into());
    };
    api::json_response(StatusCode::OK, &ReviewList::<Review>::from(page))
}

/// This route's part of the OpenAPI document.
#[derive(utoipa::OpenApi)]
#[openapi(paths(handle))]
pub struct Api;
