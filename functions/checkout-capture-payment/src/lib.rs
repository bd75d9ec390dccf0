//! Checkout step: takes the authorized amount. A capture the card refuses fails the checkout
//! (the compensation voids the authorization).

use shared::checkout::{Saga, rejected};
use shared::events::StepError;
use shared::orders::Failure;
use shared::payments::Captured;

/// What the handler needs, built once per process.
pub use shared::payments::PaymentsStore as Deps;

#[tracing::instrument(skip_all, fields(order_id = %saga.order_id))]
pub async fn handle(payments: &Deps, saga: Saga) -> Result<(), StepError> {
    match payments.capture(saga.order_id).await? {
        Captured::Captured => Ok(()),
        Captured::Declined(decline_code) => {
            Err(rejected(&Failure::PaymentDeclined { decline_code }))
        }
    }
}
