//! `GET /api/v1/orders/{id}/tracking`: where the shopper's order is, parcel by parcel: each
//! status it reached and when (placed, paid, picked, packed, shipped with its carrier and
//! number, in transit, out for delivery, delivered) and when it should arrive. Another shopper's
//! order is a 404, as an unknown one is.

use lambda_http::http::{Method, StatusCode};
use lambda_http::{Body, Request, Response};
use serde::Serialize;
use shared::api::{self, ApiError, Caller, ShopperReadProblems};
use shared::orders::{OrderId, OrderStatus, Shipment};

/// What the handler needs, built once per process.
pub use shared::orders::OrdersStore as Deps;

#[derive(Serialize, utoipa::ToSchema)]
pub struct Tracking {
    order_id: OrderId,
    status: OrderStatus,
    placed_at: String,
    /// Once it is confirmed.
    paid_at: Option<String>,
    delivered_at: Option<String>,
    cancelled_at: Option<String>,
    /// None until it is confirmed; one per fulfillment center and seller.
    shipments: Vec<Shipment>,
}

#[utoipa::path(
    get,
    path = "/api/v1/orders/{id}/tracking",
    operation_id = "trackOrder",
    tag = "orders",
    params(("id" = OrderId, Path, description = "The order's id")),
    security(("jwt" = [])),
    responses((status = 200, description = "The order's parcels and their timelines", body = Tracking), ShopperReadProblems)
)]
#[tracing::instrument(skip_all, fields(order_id))]
pub async fn handle(orders: &Deps, request: Request) -> Result<Response<Body>, ApiError> {
    api::require_method(&request, Method::GET)?;
    let caller = Caller::from_request(&request)?;
    let id: OrderId = api::path_param(&request, "id")?;
    tracing::Span::current().record("order_id", tracing::field::display(id));
    let Some(order) = orders
        .order(id)
        .await?
        .filter(|o| o.customer_id == caller.id)
    else {
        return Err(ApiError::NotFound(format!("order {id}")));
    };
    let tracking = Tracking {
        order_id: order.id,
        status: order.status,
        placed_at: order.created_at,
        paid_at: order.paid_at,
        delivered_at: order.delivered_at,
        cancelled_at: order.cancelled_at,
        shipments: orders.shipments(id).await?,
    };
    api::json_response(StatusCode::OK, &tracking)
}

/// This route's part of the OpenAPI document.
#[derive(utoipa::OpenApi)]
#[openapi(paths(handle))]
pub struct Api;
