//! Checkout step: the units bought leave the cart (units added since stay, however soon the
//! shopper adds them), and so does the coupon the order used.

use shared::cart::CartOwner;
use shared::checkout::Saga;
use shared::events::StepError;

/// What the handler needs, built once per process.
pub use shared::cart::CartStore as Deps;

#[tracing::instrument(skip_all, fields(order_id = %saga.order_id))]
pub async fn handle(carts: &Deps, saga: Saga) -> Result<(), StepError> {
    if saga.buy_now.is_some() {
        // A one-click order bought beside the cart, not from it.
        return Ok(());
    }
    let owner = CartOwner::Customer(saga.customer_id.clone());
    let priced = saga.priced()?;
    for line in &priced.lines {
        carts
            .take_bought(&owner, saga.order_id, &line.sku, line.quantity)
            .await?;
    }
    if priced.discount.amount.get() > 0 {
        carts.set_coupon(&owner, None).await?;
    }
    Ok(())
}
