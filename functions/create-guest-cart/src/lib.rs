//! `POST /api/v1/guest/cart`: a shopper who has not signed in gets a cart token, to send in
//! `X-Cart-Token` on the cart routes where a customer sends a JWT. The cart itself appears
//! with its first line; signing in and calling `POST /api/v1/cart/merge` folds it into theirs.

use lambda_http::http::{Method, StatusCode};
use lambda_http::{Body, Request, Response};
use shared::api::{self, ApiError, ReadProblems};
use shared::cart::IssuedToken;

/// What the handler needs, built once per process: the deployment's token secret.
pub use shared::cart::CartTokens as Deps;

#[utoipa::path(
    post,
    path = "/api/v1/guest/cart",
    operation_id = "createGuestCart",
    tag = "cart",
    responses((status = 201, description = "A new guest's cart token", body = IssuedToken), ReadProblems)
)]
#[tracing::instrument(skip_all)]
pub async fn handle(tokens: &Deps, request: Request) -> Result<Response<Body>, ApiError> {
    api::require_method(&request, Method::POST)?;
    let now = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_err(anyhow::Error::from)?
        .as_secs();
    let issued = tokens.issue(now);
    tracing::info!(expires_at = issued.expires_at, "guest cart token issued");
    api::json_response(StatusCode::CREATED, &issued)
}

/// This route's part of the OpenAPI document.
#[derive(utoipa::OpenApi)]
#[openapi(paths(handle))]
pub struct Api;
