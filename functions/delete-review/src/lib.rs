//! `DELETE /api/v1/reviews/{id}`: a shopper takes their review down (again: a replay, 204
//! still); the rating consumer takes it out of the product's rating.

use lambda_http::http::Method;
use lambda_http::{Body, Request, Response};
use shared::api::{self, ApiError, Caller, ShopperWriteProblems};
use shared::reviews::{Removal, ReviewId};

/// What the handler needs, built once per process.
pub use shared::reviews::ReviewsStore as Deps;

#[utoipa::path(
    delete,
    path = "/api/v1/reviews/{id}",
    operation_id = "deleteReview",
    tag = "reviews",
    params(("id" = ReviewId, Path, description = "The review")),
    security(("jwt" = [])),
    responses((status = 204, description = "Taken down (or down already)"), ShopperWriteProblems)
)]
#[tracing::instrument(skip_all)]
pub async fn handle(reviews: &Deps, request: Request) -> Result<Response<Body>, ApiError> {
    api::require_method(&request, Method::DELETE)?;
    let caller = Caller::from_request(&request)?;
    let id: ReviewId = api::path_param(&request, "id")?;
    match reviews.remove(id, &caller.id).await? {
        Removal::Removed => {
            tracing::info!(review_id = %id, "review taken down");
            Ok(api::no_content())
        }
        Removal::NotYours => Err(ApiError::Forbidden(
            "only its author may take a review down".into(),
        )),
        Removal::NotFound => Err(ApiError::NotFound(format!("review {id}"))),
    }
}

/// This route's part of the OpenAPI document.
#[derive(utoipa::OpenApi)]
#[openapi(paths(handle))]
pub struct Api;
