//! `POST /api/v1/cart/items`: adds units of an offer to the cart, onto its line if it has one.

use lambda_http::http::Method;
use lambda_http::{Body, Request, Response};
use shared::api::{self, ApiError, CartProblems};
use shared::cart::{AddItem, CartView};

/// What the handler needs, built once per process: carts, the catalog and stock.
pub use shared::shopping::Shop as Deps;

#[utoipa::path(
    post,
    path = "/api/v1/cart/items",
    operation_id = "addCartItem",
    tag = "cart",
    request_body = AddItem,
    security(("jwt" = []), ("cartToken" = [])),
    responses((status = 200, description = "The cart with the units added", body = CartView), CartProblems)
)]
#[tracing::instrument(skip_all)]
pub async fn handle(shop: &Deps, request: Request) -> Result<Response<Body>, ApiError> {
    api::require_method(&request, Method::POST)?;
    let owner = api::cart_owner(shop, &request)?;
    let item: AddItem = api::json_body(&request)?;
    let offer = shop
        .offer_for_cart(&item.sku)
        .await?
        .map_err(|reason| api::not_for_sale(reason, shop.carts.currency()))?;
    let outcome = shop
        .carts
        .add(&owner, &item.sku, item.quantity, offer.pricing.price())
        .await?;
    api::added(outcome)?;
    tracing::info!(sku = %item.sku, quantity = item.quantity.get(), "added to cart");
    api::cart_answer(shop, &owner).await
}

/// This route's part of the OpenAPI document.
#[derive(utoipa::OpenApi)]
#[openapi(paths(handle))]
pub struct Api;
