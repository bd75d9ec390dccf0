//! `POST /api/v1/cart/coupon`: puts a coupon on the cart if it fits the cart as it is now;
//! one that does not is refused (422) with the rule's reason, and the cart keeps what it had.

use lambda_http::http::Method;
use lambda_http::{Body, Request, Response};
use serde::Deserialize;
use shared::api::{self, ApiError, CartProblems};
use shared::cart::{CartView, CouponCode};

/// What the handler needs, built once per process: carts, the catalog and stock.
pub use shared::shopping::Shop as Deps;

/// The coupon a shopper enters.
#[derive(Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ApplyCoupon {
    code: CouponCode,
}

#[utoipa::path(
    post,
    path = "/api/v1/cart/coupon",
    operation_id = "applyCoupon",
    tag = "cart",
    request_body = ApplyCoupon,
    security(("jwt" = []), ("cartToken" = [])),
    responses((status = 200, description = "The cart with the coupon's discount", body = CartView), CartProblems)
)]
#[tracing::instrument(skip_all)]
pub async fn handle(shop: &Deps, request: Request) -> Result<Response<Body>, ApiError> {
    api::require_method(&request, Method::POST)?;
    let owner = api::cart_owner(shop, &request)?;
    let ApplyCoupon { code } = api::json_body(&request)?;
    if shop.carts.coupon(&code, None).await?.is_none() {
        return Err(ApiError::NotFound(format!("coupon {code}")));
    }
    // Tried on the cart as it is now, by the rules every read of the cart applies.
    let trial = shop.view_with(&owner, Some(&code)).await?;
    if let Some(refusal) = trial.coupon.and_then(|coupon| coupon.reason) {
        return Err(ApiError::CouponRefused(refusal));
    }
    shop.carts.set_coupon(&owner, Some(&code)).await?;
    tracing::info!(%code, "coupon applied");
    api::cart_answer(shop, &owner).await
}

/// This route's part of the OpenAPI document.
#[derive(utoipa::OpenApi)]
#[openapi(paths(handle))]
pub struct Api;
