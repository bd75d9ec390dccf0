//! `POST /api/v1/reviews/{id}/helpful`: a shopper found a review helpful. One vote each, never
//! on one's own review; voting again is a replay that counts nothing.

use lambda_http::http::{Method, StatusCode};
use lambda_http::{Body, Request, Response};
use serde::Serialize;
use shared::api::{self, ApiError, Caller, ShopperWriteProblems};
use shared::reviews::{ReviewId, Vote};

/// What the handler needs, built once per process.
pub use shared::reviews::ReviewsStore as Deps;

/// The review's votes with this one.
#[derive(Serialize, utoipa::ToSchema)]
pub struct Voted {
    review_id: ReviewId,
    helpful_votes: u32,
}

#[utoipa::path(
    post,
    path = "/api/v1/reviews/{id}/helpful",
    operation_id = "voteReviewHelpful",
    tag = "reviews",
    params(("id" = ReviewId, Path, description = "A published review")),
    security(("jwt" = [])),
    responses(
        (status = 201, description = "Counted", body = Voted),
        (status = 200, description = "Counted before: the votes as they are", body = Voted),
        ShopperWriteProblems,
    )
)]
#[tracing::instrument(skip_all)]
pub async fn handle(reviews: &Deps, request: Request) -> Result<Response<Body>, ApiError> {
    api::require_method(&request, Method::POST)?;
    let caller = Caller::from_request(&request)?;
    let id: ReviewId = api::path_param(&request, "id")?;
    let (status, helpful_votes) = match reviews.vote(id, &caller.id).await? {
        Vote::Counted(votes) => (StatusCode::CREATED, votes),
        Vote::Already(votes) => (StatusCode::OK, votes),
        Vote::OwnReview => {
            return Err(ApiError::Forbidden(
                "a shopper may not vote on their own review".into(),
            ));
        }
        Vote::NotFound => return Err(ApiError::NotFound(format!("review {id}"))),
    };
    tracing::info!(review_id = %id, helpful_votes, "helpful vote");
    api::json_response(
        status,
        &Voted {
            review_id: id,
            helpful_votes,
        },
    )
}

/// This route's part of the OpenAPI document.
#[derive(utoipa::OpenApi)]
#[openapi(paths(handle))]
pub struct Api;
