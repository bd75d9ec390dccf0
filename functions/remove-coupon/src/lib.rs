//! `DELETE /api/v1/cart/coupon`: takes the coupon off the cart (none on it changes nothing).

use lambda_http::http::Method;
use lambda_http::{Body, Request, Response};
use shared::api::{self, ApiError, CartProblems};
use shared::cart::CartView;

/// What the handler needs, built once per process: carts, the catalog and stock.
pub use shared::shopping::Shop as Deps;

#[utoipa::path(
    delete,
    path = "/api/v1/cart/coupon",
    operation_id = "removeCoupon",
    tag = "cart",
    security(("jwt" = []), ("cartToken" = [])),
    responses((status = 200, description = "The cart without a coupon", body = CartView), CartProblems)
)]
#[tracing::instrument(skip_all)]
pub async fn handle(shop: &Deps, request: Request) -> Result<Response<Body>, ApiError> {
    api::require_method(&request, Method::DELETE)?;
    let owner = api::cart_owner(shop, &request)?;
    shop.carts.set_coupon(&owner, None).await?;
    tracing::info!("coupon removed");
    api::cart_answer(shop, &owner).await
}

/// This route's part of the OpenAPI document.
#[derive(utoipa::OpenApi)]
#[openapi(paths(handle))]
pub struct Api;
