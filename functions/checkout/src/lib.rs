//! `POST /api/v1/orders/checkout`: the signed-in shopper buys their cart. The order is recorded
//! (`processing`) under the request's `Idempotency-Key` and the checkout saga is started with
//! the order's id as its execution name; the answer waits for the saga up to a budget: 201 with
//! the order when it has finished (confirmed, or failed with the reason), else 202 with its
//! `Location` to poll. The same key and body again answers for the same order; the same key
//! with another body is a 422.

use aws_lc_rs::digest;
use lambda_http::http::{Method, StatusCode, header};
use lambda_http::{Body, Request, Response};
use serde::{Deserialize, Serialize};
use shared::api::{self, ApiError, Caller, CartProblems};
use shared::checkout::Sagas;
use shared::clock;
use shared::config::Source;
use shared::error::Invalid;
use shared::money::Money;
use shared::orders::{Address, IdempotencyKey, Order, OrderId, OrderStatus, OrdersStore, Started};
use shared::payments::PaymentToken;
use std::time::{Duration, Instant};

/// What the handler needs, built once per process.
pub struct Deps {
    orders: OrdersStore,
    sagas: Sagas,
    /// How long the answer waits for the saga before it says 202.
    budget: Duration,
}

impl Deps {
    pub fn from_source(sdk: &aws_config::SdkConfig, source: &impl Source) -> anyhow::Result<Self> {
        Ok(Self {
            orders: OrdersStore::from_source(sdk, source)?,
            sagas: Sagas::from_source(sdk, source)?,
            budget: Duration::from_millis(source.parsed("CHECKOUT_SYNC_BUDGET_MS", 3000)?),
        })
    }

    pub async fn connect(&self) {
        self.orders.connect().await;
    }
}

/// What the shopper confirms at the "Buy" button.
#[derive(Serialize, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct CheckoutRequest {
    shipping_address: Address,
    /// The gateway's token of the card (`tok_visa`; never a card number).
    payment_token: PaymentToken,
    /// The total the shopper was shown: a cart that comes to another fails as `price_changed`.
    expected_total: Money,
}

const IDEMPOTENCY_KEY: &str = "idempotency-key";
/// How often the answer looks at the order while it waits.
const POLL: Duration = Duration::from_millis(50);

#[utoipa::path(
    post,
    path = "/api/v1/orders/checkout",
    operation_id = "checkout",
    tag = "orders",
    request_body = CheckoutRequest,
    params(("Idempotency-Key" = IdempotencyKey, Header, description = "The client's key for this purchase: a retry with the same key and body answers for the same order")),
    security(("jwt" = [])),
    responses(
        (status = 201, description = "Checkout finished: the order, `confirmed` or `failed` with the reason the shopper can act on", body = Order,
         headers(("Location" = String, description = "The order's URL"))),
        (status = 202, description = "Checkout is still running: poll the order at `Location`", body = Order,
         headers(("Location" = String, description = "The order's URL"))),
        CartProblems
    )
)]
#[tracing::instrument(skip_all, fields(order_id))]
pub async fn handle(deps: &Deps, request: Request) -> Result<Response<Body>, ApiError> {
    api::require_method(&request, Method::POST)?;
    let caller = Caller::from_request(&request)?;
    let key = idempotency_key(&request)?;
    let body: CheckoutRequest = api::json_body(&request)?;
    let order = Order::start(
        OrderId::generate(),
        caller.id,
        body.expected_total,
        body.shipping_address.clone(),
        body.payment_token.clone(),
        clock::now(),
    );
    let id = match deps.orders.start(&order, &key, &digest(&body)?).await? {
        Started::New => order.id,
        Started::Replay(first) => first,
        Started::KeyReused => {
            return Err(Invalid::relational(
                "Idempotency-Key",
                "was used for another checkout request; use a new key for a new purchase",
            )
            .into());
        }
    };
    tracing::Span::current().record("order_id", tracing::field::display(id));
    let order = deps
        .orders
        .order(id)
        .await?
        .ok_or_else(|| anyhow::anyhow!("order {id} is missing"))?;
    if order.status == OrderStatus::Processing {
        deps.sagas.start(&order).await?;
    }
    let order = wait(deps, order).await?;
    let status = if order.status.is_final() {
        StatusCode::CREATED
    } else {
        StatusCode::ACCEPTED
    };
    tracing::info!(status = ?order.status, "checkout answered");
    api::json_response_with(
        status,
        &order,
        [(header::LOCATION, format!("/api/v1/orders/{id}"))],
    )
}

fn idempotency_key(request: &Request) -> Result<IdempotencyKey, ApiError> {
    let invalid = |rule: String| ApiError::from(Invalid::new("Idempotency-Key", rule));
    let value = request
        .headers()
        .get(IDEMPOTENCY_KEY)
        .ok_or_else(|| invalid("is required: a new key per purchase".to_owned()))?;
    value
        .to_str()
        .map_err(|_| invalid("must be ASCII".to_owned()))?
        .parse()
        .map_err(invalid)
}

/// The request as parsed, so the same purchase written differently is still the same.
fn digest(body: &CheckoutRequest) -> anyhow::Result<String> {
    let canonical = serde_json::to_vec(body)?;
    let sum = digest::digest(&digest::SHA256, &canonical);
    Ok(sum.as_ref().iter().map(|b| format!("{b:02x}")).collect())
}

/// The order once the saga has finished with it, or as it is when the budget runs out.
async fn wait(deps: &Deps, mut order: Order) -> anyhow::Result<Order> {
    let deadline = Instant::now() + deps.budget;
    while !order.status.is_final() && Instant::now() < deadline {
        tokio::time::sleep(POLL).await;
        order = deps
            .orders
            .order(order.id)
            .await?
            .ok_or_else(|| anyhow::anyhow!("order {} vanished", order.id))?;
    }
    Ok(order)
}

/// This route's part of the OpenAPI document.
#[derive(utoipa::OpenApi)]
#[openapi(paths(handle), components(schemas(IdempotencyKey)))]
pub struct Api;
