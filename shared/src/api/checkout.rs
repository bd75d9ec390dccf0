//! Placing an order from a request, for checkout and one-click ordering alike: the order is
//! recorded (`processing`) under the request's `Idempotency-Key` with a digest of its parsed
//! body, the saga runs, and the answer waits for it up to a budget: 201 with the finished
//! order, else 202 with its `Location`. The same key and body again answers for the same
//! order; the key with another body is a 422.

use super::ApiError;
use crate::checkout::Sagas;
use crate::clock;
use crate::config::Source;
use crate::error::Invalid;
use crate::orders::{IdempotencyKey, Order, OrderId, OrderStatus, OrdersStore, Started};
use http::{StatusCode, header};
use lambda_http::{Body, Response};
use serde::Serialize;
use std::time::{Duration, Instant, SystemTime};

/// Longer than any run of the express part (its `TimeoutSeconds`, 120 s; on AWS at most 5
/// minutes): an order still `processing` this old has no saga.
const EXPRESS_LIMIT: Duration = Duration::from_secs(5 * 60);
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
        let deadline = Instant::now() + self.budget;
        let started = self
            .orders
            .start(&order, key, &super::request_digest(body)?)
            .await?;
        if let Some(first) = first_order(started)? {
            return self.answer(first, deadline).await;
        }
        record_order(order.id);
        let budget = deadline.saturating_duration_since(Instant::now());
        self.sagas.run(&order, budget).await?;
        let order = self.order(order.id).await?;
        self.respond(order, deadline).await
    }

    /// The answer to a request `customer` sent before under `key`, without building its order
    /// again (one-click's defaults may have changed since); `None` for a new key.
    pub async fn replay(
        &self,
        customer: &str,
        key: &IdempotencyKey,
        body: &impl Serialize,
    ) -> Result<Option<Response<Body>>, ApiError> {
        let used = self
            .orders
            .key_use(customer, key, &super::request_digest(body)?)
            .await?;
        match first_order(used)? {
            Some(id) => self
                .answer(id, Instant::now() + self.budget)
                .await
                .map(Some),
            None => Ok(None),
        }
    }

    /// A replay's answer for order `id`. The first request's saga has the order; one still
    /// `processing` after any express run would have handed over was never started (its
    /// request died first), and its saga starts now.
    async fn answer(&self, id: OrderId, deadline: Instant) -> Result<Response<Body>, ApiError> {
        record_order(id);
        let order = self.order(id).await?;
        let then = SystemTime::now().checked_sub(EXPRESS_LIMIT);
        let unstarted = clock::rfc3339(then.unwrap_or(SystemTime::UNIX_EPOCH));
        if order.status == OrderStatus::Processing && order.created_at < unstarted {
            self.sagas.start(&order).await?;
        }
        self.respond(order, deadline).await
    }

    /// The order once finished (201) or as it is at `deadline` (202).
    async fn respond(&self, order: Order, deadline: Instant) -> Result<Response<Body>, ApiError> {
        let id = order.id;
        let order = self.wait(order, deadline).await?;
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

    /// The order once the saga has finished with it, or as it is at `deadline`.
    async fn wait(&self, mut order: Order, deadline: Instant) -> anyhow::Result<Order> {
        while !order.status.is_final() && Instant::now() < deadline {
            tokio::time::sleep(POLL).await;
            order = self.order(order.id).await?;
        }
        Ok(order)
    }

    async fn order(&self, id: OrderId) -> anyhow::Result<Order> {
        let order = self.orders.order(id).await?;
        order.ok_or_else(|| anyhow::anyhow!("order {id} is missing"))
    }
}

fn record_order(id: OrderId) {
    tracing::Span::current().record("order_id", tracing::field::display(id));
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
