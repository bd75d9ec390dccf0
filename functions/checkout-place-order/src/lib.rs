//! Checkout step: the order counts its use of the cart's coupon (within the coupon's limits,
//! once per order) and becomes `pending` with its priced lines (`OrderPlaced` goes to the outbox
//! in the same write). A coupon used up meanwhile fails the checkout as `coupon_invalid`.

use shared::cart::Redeemed;
use shared::checkout::{Saga, rejected};
use shared::events::StepError;
use shared::orders::{Failure, Transition};

/// What the handler needs, built once per process: orders and coupons.
pub use shared::checkout::OrderStores as Deps;

#[tracing::instrument(skip_all, fields(order_id = %saga.order_id))]
pub async fn handle(deps: &Deps, saga: Saga) -> Result<(), StepError> {
    let priced = saga.priced()?;
    if let Some(code) = &priced.coupon {
        let redeemed = deps
            .carts
            .redeem_coupon(code, &saga.customer_id, saga.order_id)
            .await?;
        if redeemed == Redeemed::LimitReached {
            return Err(rejected(&Failure::CouponInvalid));
        }
    }
    match deps.orders.place(saga.order_id, priced).await? {
        Transition::Moved | Transition::Already => Ok(()),
        other => {
            tracing::error!(?other, "the order cannot be placed");
            Err(rejected(&Failure::CheckoutError))
        }
    }
}
