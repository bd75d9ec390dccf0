//! `PATCH /api/v1/cart/items/{sku}`: sets a line's quantity (1 to 30; DELETE removes it).

use lambda_http::http::Method;
use lambda_http::{Body, Request, Response};
use shared::api::{self, ApiError, CartProblems};
use shared::cart::{CartView, SetQuantity};
use shared::catalog::Sku;

/// What the handler needs, built once per process: carts, the catalog and stock.
pub use shared::shopping::Shop as Deps;

#[utoipa::path(
    patch,
    path = "/api/v1/cart/items/{sku}",
    operation_id = "updateCartItem",
    tag = "cart",
    request_body = SetQuantity,
    params(("sku" = Sku, Path, description = "The line's SKU")),
    security(("jwt" = []), ("cartToken" = [])),
    responses((status = 200, description = "The cart with the line's new quantity", body = CartView), CartProblems)
)]
#[tracing::instrument(skip_all)]
pub async fn handle(shop: &Deps, request: Request) -> Result<Response<Body>, ApiError> {
    api::require_method(&request, Method::PATCH)?;
    let owner = api::cart_owner(shop, &request)?;
    let sku: Sku = api::path_param(&request, "sku")?;
    let change: SetQuantity = api::json_body(&request)?;
    if !shop
        .carts
        .set_quantity(&owner, &sku, change.quantity)
        .await?
    {
        return Err(ApiError::NotFound(format!("a cart line of {sku}")));
    }
    tracing::info!(%sku, quantity = change.quantity.get(), "cart line changed");
    api::cart_answer(shop, &owner).await
}

/// This route's part of the OpenAPI document.
#[derive(utoipa::OpenApi)]
#[openapi(paths(handle))]
pub struct Api;
