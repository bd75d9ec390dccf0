//! Checkout's first step: the shopper's cart (or a one-click order's SKU) priced now, taken only
//! if every line can be bought in the units wanted and its coupon still applies; otherwise the
//! checkout fails with the reason (`Rejected.OutOfStock`, `.CouponInvalid`, ...). Whether it
//! comes to the total the shopper was shown is the tax step's check, once shipping and tax are in.

use shared::cart::CartOwner;
use shared::checkout::{Saga, price, rejected};
use shared::events::StepError;

/// What the handler needs, built once per process: carts, the catalog and stock.
pub use shared::shopping::Shop as Deps;

/// The state with the priced cart in it, for the steps after.
#[tracing::instrument(skip_all, fields(order_id = %saga.order_id))]
pub async fn handle(shop: &Deps, mut saga: Saga) -> Result<Saga, StepError> {
    let owner = CartOwner::Customer(saga.customer_id.clone());
    let view = match &saga.buy_now {
        Some(item) => shop.buy_now_view(&owner, item).await?,
        None => shop.view(&owner).await?,
    };
    let priced = price(&view).map_err(|failure| rejected(&failure))?;
    tracing::info!(lines = priced.lines.len(), total = ?priced.total, "cart priced");
    saga.priced = Some(priced);
    Ok(saga)
}
