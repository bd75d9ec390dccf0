//! Checkout compensation, the last: the order's coupon use is given back, then the order ends
//! `failed` with the reason the shopper is told (read from the step that failed), and
//! `OrderFailed` goes to the outbox in the same write. Replays change nothing.

use serde::Deserialize;
use shared::cart::CartStore;
use shared::checkout::CaughtError;
use shared::config::Source;
use shared::events::StepError;
use shared::orders::{OrderId, OrdersStore, Priced, Transition};

/// What the handler needs, built once per process: orders and coupons.
pub struct Deps {
    orders: OrdersStore,
    carts: CartStore,
}

impl Deps {
    pub fn from_source(sdk: &aws_config::SdkConfig, source: &impl Source) -> anyhow::Result<Self> {
        Ok(Self {
            orders: OrdersStore::from_source(sdk, source)?,
            carts: CartStore::from_source(sdk, source)?,
        })
    }

    pub async fn connect(&self) {
        tokio::join!(self.orders.connect(), self.carts.connect());
    }
}

/// The state as the saga's `Catch` leaves it: the failed step's error under `error`.
#[derive(Deserialize)]
pub struct Failed {
    order_id: OrderId,
    customer_id: String,
    /// Absent when the cart was never priced.
    #[serde(default)]
    priced: Option<Priced>,
    error: CaughtError,
}

#[tracing::instrument(skip_all, fields(order_id = %failed.order_id))]
pub async fn handle(deps: &Deps, failed: Failed) -> Result<(), StepError> {
    if let Some(code) = failed.priced.as_ref().and_then(|p| p.coupon.as_ref()) {
        let returned = deps
            .carts
            .return_coupon(code, &failed.customer_id, failed.order_id)
            .await?;
        tracing::info!(%code, returned, "coupon use given back");
    }
    let failure = failed.error.failure();
    match deps.orders.fail(failed.order_id, &failure).await? {
        Transition::Moved | Transition::Already => {
            tracing::info!(?failure, error = %failed.error.error, "order failed");
            Ok(())
        }
        other => Err(anyhow::anyhow!("the order cannot fail: {other:?}").into()),
    }
}
