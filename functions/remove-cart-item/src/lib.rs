//! `DELETE /api/v1/cart/items/{sku}`: removes a line; removing one that is gone changes nothing.

use lambda_http::http::Method;
use lambda_http::{Body, Request, Response};
use shared::api::{self, ApiError, CartProblems};
use shared::cart::CartView;
use shared::catalog::Sku;

/// What the handler needs, built once per process: carts, the catalog and stock.
pub use shared::shopping::Shop as Deps;

#[utoipa::path(
    delete,
    path = "/api/v1/cart/items/{sku}",
    operation_id = "removeCartItem",
    tag = "cart",
    params(("sku" = Sku, Path, description = "The line's SKU")),
    security(("jwt" = []), ("cartToken" = [])),
    responses((status = 200, description = "The cart without the line", body = CartView), CartProblems)
)]
#[tracing::instrument(skip_all)]
pub async fn handle(shop: &Deps, request: Request) -> Result<Response<Body>, ApiError> {
    api::require_method(&request, Method::DELETE)?;
    let owner = api::cart_owner(shop, &request)?;
    let sku: Sku = api::path_param(&request, "sku")?;
    shop.carts.remove(&owner, &sku).await?;
    tracing::info!(%sku, "cart line removed");
    api::cart_answer(shop, &owner).await
}

/// This route's part of the OpenAPI document.
#[derive(utoipa::OpenApi)]
#[openapi(paths(handle))]
pub struct Api;
