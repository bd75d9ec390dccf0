//! `POST /api/v1/orders/{id}/cancel`: the shopper cancels a confirmed order before any parcel
//! has shipped. The order and its parcels turn `cancelled` in one transaction, conditional on
//! none having left, with `OrderCancelled` in the outbox; `settle-cancelled-orders` refunds the
//! payment and puts the units back on hand from there. After shipping: 409 (return it instead).

use lambda_http::http::{Method, StatusCode};
use lambda_http::{Body, Request, Response};
use shared::api::{self, ApiError, Caller, Problem, ShopperReadProblems};
use shared::orders::{Order, OrderId, OrderStatus, Transition};

/// What the handler needs, built once per process.
pub use shared::orders::OrdersStore as Deps;

#[utoipa::path(
    post,
    path = "/api/v1/orders/{id}/cancel",
    operation_id = "cancelOrder",
    tag = "orders",
    params(("id" = OrderId, Path, description = "The order's id")),
    security(("jwt" = [])),
    responses(
        (status = 200, description = "Cancelled (again, for a replay); the refund follows", body = Order),
        (status = 409, description = "It has shipped, is still being checked out, or failed", body = Problem, content_type = "application/problem+json"),
        ShopperReadProblems,
    )
)]
#[tracing::instrument(skip_all, fields(order_id))]
pub async fn handle(orders: &Deps, request: Request) -> Result<Response<Body>, ApiError> {
    api::require_method(&request, Method::POST)?;
    let caller = Caller::from_request(&request)?;
    let id: OrderId = api::path_param(&request, "id")?;
    tracing::Span::current().record("order_id", tracing::field::display(id));
    let not_found = || ApiError::NotFound(format!("order {id}"));
    if orders
        .order(id)
        .await?
        .filter(|o| o.customer_id == caller.id)
        .is_none()
    {
        return Err(not_found());
    }
    match orders.cancel(id).await? {
        Transition::Moved | Transition::Already => {}
        Transition::Refused(status) => return Err(ApiError::Conflict(refusal(status).to_owned())),
        Transition::NotFound => return Err(not_found()),
    }
    let order = orders.order(id).await?.ok_or_else(not_found)?;
    tracing::info!("order cancelled");
    api::json_response(StatusCode::OK, &order)
}

/// Why an order in `status` cannot be cancelled, as the shopper is told.
fn refusal(status: OrderStatus) -> &'static str {
    match status {
        OrderStatus::Shipped | OrderStatus::Delivered => {
            "it has shipped: return it once it arrives instead"
        }
        OrderStatus::Processing | OrderStatus::Held | OrderStatus::Pending => {
            "checkout is still placing it: cancel it once it is confirmed"
        }
        OrderStatus::Failed => "it failed: nothing was charged or held",
        OrderStatus::Confirmed | OrderStatus::Cancelled => "it changed meanwhile: try again",
    }
}

/// This route's part of the OpenAPI document.
#[derive(utoipa::OpenApi)]
#[openapi(paths(handle))]
pub struct Api;
