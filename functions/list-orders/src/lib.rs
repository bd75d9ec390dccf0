//! `GET /api/v1/orders`: the shopper's order history, newest first, a page at a time with an
//! opaque cursor to the next.

use lambda_http::http::{Method, StatusCode};
use lambda_http::{Body, Request, Response};
use serde::Serialize;
use shared::api::{self, ApiError, Caller, PageSize, ShopperReadProblems};
use shared::error::Invalid;
use shared::money::Money;
use shared::orders::{Failure, Order, OrderId, OrderStatus};

/// What the handler needs, built once per process.
pub use shared::orders::OrdersStore as Deps;

/// What the history shows of an order; the whole order is at its own URL.
#[derive(Serialize, utoipa::ToSchema)]
pub struct OrderSummary {
    id: OrderId,
    status: OrderStatus,
    created_at: String,
    /// What it came to, once priced (the total shown at checkout before).
    total: Money,
    /// Units over every line (0 before it was priced).
    item_count: u32,
    failure: Option<Failure>,
}

impl From<Order> for OrderSummary {
    fn from(order: Order) -> Self {
        let (total, item_count) = match &order.priced {
            Some(priced) => (priced.total, priced.lines.iter().map(|l| l.quantity).sum()),
            None => (order.expected_total, 0),
        };
        Self {
            id: order.id,
            status: order.status,
            created_at: order.created_at,
            total,
            item_count,
            failure: order.failure,
        }
    }
}

/// One page of the history.
#[derive(Serialize, utoipa::ToSchema)]
pub struct OrderPage {
    items: Vec<OrderSummary>,
    /// Pass as `cursor` for the next page; absent on the last page.
    next_cursor: Option<OrderId>,
}

#[utoipa::path(
    get,
    path = "/api/v1/orders",
    operation_id = "listOrders",
    tag = "orders",
    params(
        ("limit" = Option<u32>, Query, minimum = 1, maximum = 100, description = "Orders per page, 1 to 100 (24)"),
        ("cursor" = Option<OrderId>, Query, description = "The next_cursor of the previous page"),
    ),
    security(("jwt" = [])),
    responses((status = 200, description = "One page, newest order first", body = OrderPage), ShopperReadProblems)
)]
#[tracing::instrument(skip_all)]
pub async fn handle(orders: &Deps, request: Request) -> Result<Response<Body>, ApiError> {
    api::require_method(&request, Method::GET)?;
    let caller = Caller::from_request(&request)?;
    let limit: PageSize = api::query_param(&request, "limit")?.unwrap_or_default();
    let cursor: Option<OrderId> = api::query_param(&request, "cursor")?;
    let Some((page, next)) = orders.history(&caller.id, cursor, limit.get()).await? else {
        let rule = "must be the next_cursor of a page of your orders";
        return Err(Invalid::relational("cursor", rule).into());
    };
    let body = OrderPage {
        items: page.into_iter().map(OrderSummary::from).collect(),
        next_cursor: next,
    };
    api::json_response(StatusCode::OK, &body)
}

/// This route's part of the OpenAPI document.
#[derive(utoipa::OpenApi)]
#[openapi(paths(handle))]
pub struct Api;
