//! `GET /api/v1/orders/{id}/returns`: the order's returns, oldest first, each with its status,
//! every step it reached, its label and its refund. Another shopper's order is a 404.

use lambda_http::http::{Method, StatusCode};
use lambda_http::{Body, Request, Response};
use serde::Serialize;
use shared::api::{self, ApiError, Caller, ShopperReadProblems};
use shared::orders::{OrderId, Return};

/// What the handler needs, built once per process.
pub use shared::orders::OrdersStore as Deps;

/// The order's returns.
#[derive(Serialize, utoipa::ToSchema)]
pub struct OrderReturns {
    returns: Vec<Return>,
}

#[utoipa::path(
    get,
    path = "/api/v1/orders/{id}/returns",
    operation_id = "listReturns",
    tag = "orders",
    params(("id" = OrderId, Path, description = "One of the shopper's orders")),
    security(("jwt" = [])),
    responses((status = 200, description = "Its returns, oldest first", body = OrderReturns), ShopperReadProblems)
)]
#[tracing::instrument(skip_all)]
pub async fn handle(orders: &Deps, request: Request) -> Result<Response<Body>, ApiError> {
    api::require_method(&request, Method::GET)?;
    let caller = Caller::from_request(&request)?;
    let id: OrderId = api::path_param(&request, "id")?;
    let (order, (returns, _)) = tokio::try_join!(orders.order(id), orders.returns(id))?;
    if order.is_none_or(|order| order.customer_id != caller.id) {
        return Err(ApiError::NotFound(format!("order {id}")));
    }
    api::json_response(StatusCode::OK, &OrderReturns { returns })
}

/// This route's part of the OpenAPI document.
#[derive(utoipa::OpenApi)]
#[openapi(paths(handle))]
pub struct Api;
