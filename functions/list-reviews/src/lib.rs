//! `GET /api/v1/products/{id}/reviews`: a product's published reviews, most helpful (or newest,
//! or highest rated) first, optionally only those of some stars or verified purchases, a page at
//! a time with a cursor to the next.

use lambda_http::http::{Method, StatusCode};
use lambda_http::{Body, Request, Response};
use shared::api::{self, ApiError, PageCursor, PageProblems, PageSize, ReviewList, ShownReview};
use shared::catalog::ProductId;
use shared::error::Invalid;
use shared::reviews::{ReviewFilter, ReviewSort, Stars};

/// What the handler needs, built once per process.
pub use shared::reviews::ReviewsStore as Deps;

#[utoipa::path(
    get,
    path = "/api/v1/products/{id}/reviews",
    operation_id = "listReviews",
    tag = "reviews",
    params(
        ("id" = ProductId, Path, description = "The product"),
        ("sort" = Option<String>, Query, pattern = "^(helpful|recent|rating)$", description = "`helpful` (most votes first, the default), `recent` or `rating` (most stars first)"),
        ("stars" = Option<u8>, Query, minimum = 1, maximum = 5, description = "Only reviews of this many stars"),
        ("verified_only" = Option<bool>, Query, description = "Only verified purchases"),
        ("limit" = Option<u32>, Query, minimum = 1, maximum = 100, description = "Reviews per page, 1 to 100 (24)"),
        ("cursor" = Option<PageCursor>, Query, description = "The next_cursor of the previous page"),
    ),
    responses((status = 200, description = "One page of published reviews", body = ReviewList<ShownReview>), PageProblems)
)]
#[tracing::instrument(skip_all)]
pub async fn handle(reviews: &Deps, request: Request) -> Result<Response<Body>, ApiError> {
    api::require_method(&request, Method::GET)?;
    let id: ProductId = api::path_param(&request, "id")?;
    let sort: ReviewSort = api::query_param(&request, "sort")?.unwrap_or_default();
    let filter = ReviewFilter {
        stars: api::query_param::<Stars>(&request, "stars")?,
        verified_only: api::query_param(&request, "verified_only")?.unwrap_or(false),
    };
    let limit: PageSize = api::query_param(&request, "limit")?.unwrap_or_default();
    let cursor: Option<PageCursor> = api::query_param(&request, "cursor")?;
    let after = cursor.as_ref().map(AsRef::as_ref);
    let Some(page) = reviews.list(id, sort, filter, after, limit.get()).await? else {
        let rule = "must be the next_cursor of a page of this product's reviews";
        return Err(Invalid::relational("cursor", rule).into());
    };
    api::json_response(StatusCode::OK, &ReviewList::<ShownReview>::from(page))
}

/// This route's part of the OpenAPI document.
#[derive(utoipa::OpenApi)]
#[openapi(paths(handle))]
pub struct Api;
