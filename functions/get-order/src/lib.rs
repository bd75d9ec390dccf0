//! `GET /api/v1/orders/{id}`: one of the shopper's orders, with its status and, once it has
//! failed, the reason. Another shopper's order is a 404, as an unknown one is.

use lambda_http::http::{Method, StatusCode};
use lambda_http::{Body, Request, Response};
use shared::api::{self, ApiError, Caller, ShopperReadProblems};
use shared::orders::{Order, OrderId};

/// What the handler needs, built once per process.
pub use shared::orders::OrdersStore as Deps;

#[utoipa::path(
    get,
    path = "/api/v1/orders/{id}",
    operation_id = "getOrder",
    tag = "orders",
    params(("id" = OrderId, Path, description = "The order's id")),
    security(("jwt" = [])),
    responses((status = 200, description = "The order", body = Order), ShopperReadProblems)
)]
#[tracing::instrument(skip_all)]
pub async fn handle(orders: &Deps, request: Request) -> Result<Response<Body>, ApiError> {
    api::require_method(&request, Method::GET)?;
    let caller = Caller::from_request(&request)?;
    let id: OrderId = api::path_param(&request, "id")?;
    match orders.order(id).await? {
        Some(order) if order.customer_id == caller.id => api::json_response(StatusCode::OK, &order),
        _ => Err(ApiError::NotFound(format!("order {id}"))),
    }
}

/// This route's part of the OpenAPI document.
#[derive(utoipa::OpenApi)]
#[openapi(paths(handle))]
pub struct Api;
