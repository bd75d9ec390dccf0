//! Checkout compensation, the last: the order's coupon use is given back, then the order ends
//! `failed` with the reason the shopper is told (read from the step that failed), and
//! `OrderFailed` goes to the outbox in the same write. Replays change nothing.

use serde::Deserialize;
use shared::checkout::CaughtError;
use shared::events::StepError;
use shared::orders::{OrderId, Priced, Transition};

/// What the handler needs, built once per process: orders and coupons.
pub use shared::checkout::OrderStores as Deps;

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
