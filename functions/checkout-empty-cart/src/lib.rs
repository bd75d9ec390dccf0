//! Checkout step 7: the lines bought leave the cart (lines added since stay), and so does the
//! coupon the order used.

use shared::cart::CartOwner;
use shared::checkout::Saga;
use shared::events::StepError;

/// What the handler needs, built once per process.
pub use shared::cart::CartStore as Deps;

#[tracing::instrument(skip_all, fields(order_id = %saga.order_id))]
pub async fn handle(carts: &Deps, saga: Saga) -> Result<(), StepError> {
    let owner = CartOwner::Customer(saga.customer_id.clone());
    let priced = saga.priced()?;
    for line in &priced.lines {
        carts.remove(&owner, &line.sku).await?;
    }
    if priced.discount.amount.get() > 0 {
        carts.set_coupon(&owner, None).await?;
    }
    Ok(())
}
