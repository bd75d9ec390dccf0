//! Placing an order from a request, for checkout and one-click ordering alike: the order is
//! recorded (`processing`) under the request's `Idempotency-Key` with a digest of its parsed
//! body, the saga starts with the order's id as its execution name, and the answer waits for
//! the saga up to a budget: 201 with the finished order, else 202 with its `Location`. The
//! same key and body again answers for the same order; the key with another body is a 422.

use super::ApiError;
use crate::checkout::Sagas;
use crate::config::Source;
use crate::error::Invalid;
use crate::orders::{IdempotencyKey, Order, OrderId, OrdersStore, Started};
use aws_lc_rs::digest;
use http::{StatusCode, header};
use lambda_http::{Body, Request, Response};
use serde::Serialize;
use std::time::{Duration, Instant};

const IDEMPOTENCY_KEY: &str = "idempotency-key";
/// How often the answer looks at the order while it waits.
const POLL: Duration = Duration::from_millis(50);

pub struct Checkout {
    pub orders: OrdersStore,
    sagas: Sagas,
    /// How long the answer waits for the saga before it says 202.
    budget: Duration,
}

impl Checkout {
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

    /// Places `order`, which `body` (the request as parsed) asked for under `key`.
    pub async fn place(
        &self,
        order: Order,
        key: &IdempotencyKey,
        body: &impl Serialize,
    ) -> Result<Response<Body>, ApiError> {
        let started = self.orders.start(&order, key, &digest(body)?).await?;
        let id = first_order(started)?.unwrap_or(order.id);
        self.answer(id).await
    }

    /// The answer to a request `customer` sent before under `key`, without building its order
    /// again (one-click's defaults may have changed since); `None` for a new key.
    pub async fn replay(
        &self,
        customer: &str,
        key: &IdempotencyKey,
        body: &impl Serialize,
    ) -> Result<Option<Response<Body>>, ApiError> {
        let used = self.orders.key_use(customer, key, &digest(body)?).await?;
        match first_order(used)? {
            Some(id) => self.answer(id).await.map(Some),
            None => Ok(None),
        }
    }

    /// The order `id`, its saga started if it was not, once finished or when the budget is up.
    async fn answer(&self, id: OrderId) -> Result<Response<Body>, ApiError> {
        tracing::Span::current().record("order_id", tracing::field::display(id));
        let order = self
            .orders
            .order(id)
            .await?
            .ok_or_else(|| anyhow::anyhow!("order {id} is missing"))?;
        if order.status == crate::orders::OrderStatus::Processing {
            self.sagas.start(&order).await?;
        }
        let order = self.wait(order).await?;
        let status = if order.status.is_final() {
            StatusCode::CREATED
        } else {
            StatusCode::ACCEPTED
        };
        tracing::info!(status = ?order.status, "checkout answered");
        super::json_response_with(
            status,
            &order,
            [(header::LOCATION, format!("/api/v1/orders/{id}"))],
        )
    }

    /// The order once the saga has finished with it, or as it is when the budget runs out.
    async fn wait(&self, mut order: Order) -> anyhow::Result<Order> {
        let deadline = Instant::now() + self.budget;
        while !order.status.is_final() && Instant::now() < deadline {
            tokio::time::sleep(POLL).await;
            order = self
                .orders
                .order(order.id)
                .await?
                .ok_or_else(|| anyhow::anyhow!("order {} vanished", order.id))?;
        }
        Ok(order)
    }
}

/// The order a key was used for: `None` for a new key, a 422 for another request's key.
fn first_order(started: Started) -> Result<Option<OrderId>, ApiError> {
    match started {
        Started::New => Ok(None),
        Started::Replay(first) => Ok(Some(first)),
        Started::KeyReused => Err(Invalid::relational(
            "Idempotency-Key",
            "was used for another checkout request; use a new key for a new purchase",
        )
        .into()),
    }
}

pub fn idempotency_key(request: &Request) -> Result<IdempotencyKey, ApiError> {
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
fn digest(body: &impl Serialize) -> anyhow::Result<String> {
    let canonical = serde_json::to_vec(body)?;
    let sum = digest::digest(&digest::SHA256, &canonical);
    Ok(sum.as_ref().iter().map(|b| format!("{b:02x}")).collect())
}
