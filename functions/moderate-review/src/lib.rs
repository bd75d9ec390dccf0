//! `POST /api/v1/admin/reviews/{id}/decision`: an admin publishes a held review or rejects it.
//! The same decision again is a replay; a review no longer held (decided, or edited since) is a
//! conflict.

use lambda_http::http::{Method, StatusCode};
use lambda_http::{Body, Request, Response};
use serde::Deserialize;
use shared::api::{self, ApiError, Caller, WriteProblems};
use shared::reviews::{Decided, Decision, Review, ReviewId};

/// What the handler needs, built once per process.
pub use shared::reviews::ReviewsStore as Deps;

/// The admin's decision.
#[derive(Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct DecisionRequest {
    decision: Decision,
}

#[utoipa::path(
    post,
    path = "/api/v1/admin/reviews/{id}/decision",
    operation_id = "moderateReview",
    tag = "admin",
    request_body = DecisionRequest,
    params(("id" = ReviewId, Path, description = "A held review")),
    security(("jwt" = ["admin"])),
    responses((status = 200, description = "Published or rejected (again, for a replay)", body = Review), WriteProblems)
)]
#[tracing::instrument(skip_all)]
pub async fn handle(reviews: &Deps, request: Request) -> Result<Response<Body>, ApiError> {
    api::require_method(&request, Method::POST)?;
    Caller::from_request(&request)?.require_admin()?;
    let id: ReviewId = api::path_param(&request, "id")?;
    let DecisionRequest { decision } = api::json_body(&request)?;
    let review = match reviews.decide(id, decision).await? {
        Decided::Done(review) => review,
        Decided::NotHeld(review) if review.status == decision.status() => review,
        Decided::NotHeld(review) => {
            return Err(ApiError::Conflict(format!(
                "review {id} is not held: it is {:?}",
                review.status
            )));
        }
        Decided::NotFound => return Err(ApiError::NotFound(format!("review {id}"))),
    };
    tracing::info!(review_id = %id, ?decision, "review moderated");
    api::json_response(StatusCode::OK, &review)
}

/// This route's part of the OpenAPI document.
#[derive(utoipa::OpenApi)]
#[openapi(paths(handle))]
pub struct Api;
