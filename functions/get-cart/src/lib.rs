//! `GET /api/v1/cart`: the shopper's cart (a customer's by JWT, a guest's by cart token), priced
//! now.

use lambda_http::http::Method;
use lambda_http::{Body, Request, Response};
use shared::api::{self, ApiError, CartProblems};
use shared::cart::CartView;

/// What the handler needs, built once per process: carts, the catalog and stock.
pub use shared::shopping::Shop as Deps;

#[utoipa::path(
    get,
    path = "/api/v1/cart",
    operation_id = "getCart",
    tag = "cart",
    security(("jwt" = []), ("cartToken" = [])),
    responses((status = 200, description = "The cart (empty when there is none)", body = CartView), CartProblems)
)]
#[tracing::instrument(skip_all)]
pub async fn handle(shop: &Deps, request: Request) -> Result<Response<Body>, ApiError> {
    api::require_method(&request, Method::GET)?;
    let owner = api::cart_owner(shop, &request)?;
    api::cart_answer(shop, &owner).await
}

/// This route's part of the OpenAPI document.
#[derive(utoipa::OpenApi)]
#[openapi(paths(handle))]
pub struct Api;
