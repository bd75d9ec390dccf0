//! Checkout compensation: gives back whatever the order's payment holds or took (voids an
//! authorization, refunds a capture). Nothing to give back is a success; replays change nothing.

use shared::checkout::Saga;
use shared::events::StepError;

/// What the handler needs, built once per process.
pub use shared::payments::PaymentsStore as Deps;

#[tracing::instrument(skip_all, fields(order_id = %saga.order_id))]
pub async fn handle(payments: &Deps, saga: Saga) -> Result<(), StepError> {
    let unwound = payments.unwind(saga.order_id).await?;
    tracing::info!(?unwound, "payment given back");
    Ok(())
}
