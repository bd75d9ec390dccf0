//! Checkout step 4: the order becomes `pending` with its priced lines (and `OrderPlaced` goes to
//! the outbox in the same write).

use shared::checkout::{Saga, rejected};
use shared::events::StepError;
use shared::orders::{Failure, Transition};

/// What the handler needs, built once per process.
pub use shared::orders::OrdersStore as Deps;

#[tracing::instrument(skip_all, fields(order_id = %saga.order_id))]
pub async fn handle(orders: &Deps, saga: Saga) -> Result<(), StepError> {
    match orders.place(saga.order_id, saga.priced()?).await? {
        Transition::Moved | Transition::Already => Ok(()),
        other => {
            tracing::error!(?other, "the order cannot be placed");
            Err(rejected(&Failure::CheckoutError))
        }
    }
}
