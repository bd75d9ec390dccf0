//! Checkout step: holds the order's total on the shopper's card, once per order whatever the
//! retries. A gateway that does not answer is `Retryable`; a declined card fails the checkout.

use shared::checkout::{Saga, rejected};
use shared::events::StepError;
use shared::orders::Failure;
use shared::payments::Authorized;

/// What the handler needs, built once per process.
pub use shared::payments::PaymentsStore as Deps;

#[tracing::instrument(skip_all, fields(order_id = %saga.order_id))]
pub async fn handle(payments: &Deps, saga: Saga) -> Result<(), StepError> {
    let total = saga.priced()?.total;
    match payments
        .authorize(saga.order_id, &saga.payment_token, total)
        .await?
    {
        Authorized::Approved => Ok(()),
        Authorized::Declined(decline_code) => {
            Err(rejected(&Failure::PaymentDeclined { decline_code }))
        }
        Authorized::Unavailable => {
            Err(anyhow::anyhow!("the payment gateway did not answer").into())
        }
    }
}
