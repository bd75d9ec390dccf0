//! `POST /api/v1/products/{id}/reviews`: a shopper rates a product, one review each (posting
//! again replaces theirs, keeping its votes). "Verified Purchase" comes from their deliveries,
//! never from the request; a review that moderation flags waits for an admin. The rating
//! consumer counts it once it is published.

use lambda_http::http::{Method, StatusCode};
use lambda_http::{Body, Request, Response};
use shared::api::{self, ApiError, Caller, ShopperWriteProblems};
use shared::catalog::ProductId;
use shared::reviews::{Posted, Review, ReviewRequest, screen};

/// What the handler needs, built once per process: which products exist and which photos were
/// uploaded, and the reviews.
pub use shared::reviewing::Reviewing as Deps;

#[utoipa::path(
    post,
    path = "/api/v1/products/{id}/reviews",
    operation_id = "postReview",
    tag = "reviews",
    request_body = ReviewRequest,
    params(("id" = ProductId, Path, description = "The product")),
    security(("jwt" = [])),
    responses(
        (status = 201, description = "Written: published, or held for an admin (`held_for` says why)", body = Review),
        (status = 200, description = "The shopper's earlier review, replaced", body = Review),
        ShopperWriteProblems,
    )
)]
#[tracing::instrument(skip_all)]
pub async fn handle(deps: &Deps, request: Request) -> Result<Response<Body>, ApiError> {
    api::require_method(&request, Method::POST)?;
    let caller = Caller::from_request(&request)?;
    let id: ProductId = api::path_param(&request, "id")?;
    let body: ReviewRequest = api::json_body(&request)?;
    body.check_photos(id)?;
    let product = deps
        .images
        .store
        .product(id)
        .await?
        .ok_or_else(|| ApiError::NotFound(format!("product {id}")))?;
    if product.owner.as_ref() == caller.id {
        return Err(ApiError::Forbidden(
            "a seller may not review their own product".into(),
        ));
    }
    deps.check_photos(&caller.id, &body.photos).await??;
    let (verified, posts) = tokio::try_join!(
        deps.reviews.has_bought(&caller.id, id),
        deps.reviews.count_post(&caller.id)
    )?;
    let holds = screen(body.title.as_ref(), body.text.as_ref(), posts);
    let (status, review) = match deps
        .reviews
        .post(id, &caller.id, body, verified, holds)
        .await?
    {
        Posted::Created(review) => (StatusCode::CREATED, review),
        Posted::Replaced(review) => (StatusCode::OK, review),
    };
    tracing::info!(review_id = %review.review_id, product_id = %id, status = ?review.status, held_for = ?review.held_for, "review written");
    api::json_response(status, &review)
}

/// This route's part of the OpenAPI document.
#[derive(utoipa::OpenApi)]
#[openapi(paths(handle))]
pub struct Api;
