//! Checkout compensation, the last: the order ends `failed` with the reason the shopper is told
//! (read from the step that failed), and `OrderFailed` goes to the outbox in the same write.

use serde::Deserialize;
use shared::checkout::CaughtError;
use shared::events::StepError;
use shared::orders::{OrderId, Transition};

/// What the handler needs, built once per process.
pub use shared::orders::OrdersStore as Deps;

/// The state as the saga's `Catch` leaves it: the failed step's error under `error`.
#[derive(Deserialize)]
pub struct Failed {
    order_id: OrderId,
    error: CaughtError,
}

#[tracing::instrument(skip_all, fields(order_id = %failed.order_id))]
pub async fn handle(orders: &Deps, failed: Failed) -> Result<(), StepError> {
    let failure = failed.error.failure();
    match orders.fail(failed.order_id, &failure).await? {
        Transition::Moved | Transition::Already => {
            tracing::info!(?failure, error = %failed.error.error, "order failed");
            Ok(())
        }
        other => Err(anyhow::anyhow!("the order cannot fail: {other:?}").into()),
    }
}
