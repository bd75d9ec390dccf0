//! `POST /api/v1/cart/merge`: a guest who signs in folds their guest cart (the one
//! `X-Cart-Token` names) into their own: quantities added within the limits, the guest's coupon
//! kept if theirs has none; the guest cart is then gone, so merging again changes nothing.

use lambda_http::http::Method;
use lambda_http::{Body, Request, Response};
use shared::api::{self, ApiError, Caller, CartProblems, Invalid};
use shared::cart::{CartOwner, CartView};

/// What the handler needs, built once per process: carts, the catalog and stock.
pub use shared::shopping::Shop as Deps;

#[utoipa::path(
    post,
    path = "/api/v1/cart/merge",
    operation_id = "mergeCart",
    tag = "cart",
    params(("X-Cart-Token" = String, Header, description = "The guest's cart token")),
    security(("jwt" = [])),
    responses((status = 200, description = "The signed-in shopper's cart, the guest's lines in it", body = CartView), CartProblems)
)]
#[tracing::instrument(skip_all)]
pub async fn handle(shop: &Deps, request: Request) -> Result<Response<Body>, ApiError> {
    api::require_method(&request, Method::POST)?;
    let customer = Caller::from_request(&request)?.cart();
    // A token no schema can check: whether this deployment signed it, and when.
    let guest = api::guest(&shop.tokens, &request).map_err(|_| {
        ApiError::from(Invalid::relational(
            "X-Cart-Token",
            "must be a guest cart token this service issued, not expired",
        ))
    })?;
    let left_out = shop
        .carts
        .merge(&CartOwner::Guest(guest), &customer)
        .await?;
    tracing::info!(?left_out, "guest cart merged");
    api::cart_answer(shop, &customer).await
}

/// This route's part of the OpenAPI document.
#[derive(utoipa::OpenApi)]
#[openapi(paths(handle))]
pub struct Api;
