//! Checkout: the saga that turns a cart into an order (statemachines/checkout.asl.json). Each
//! step is its own Lambda over [`Saga`], the execution's state; the rules the steps apply live
//! here: pricing the cart against what the shopper was shown, and where the units come from.

mod allocation;
#[cfg(feature = "dynamodb")]
mod confirmation;
#[cfg(feature = "dynamodb")]
mod order_stores;
mod parcels;
mod pricing;
mod quote;
#[cfg(all(feature = "sfn", feature = "dynamodb"))]
mod reviews;
#[cfg(feature = "sfn")]
mod sagas;
mod shipping;
mod tax;

pub use allocation::allocate;
#[cfg(feature = "dynamodb")]
pub use confirmation::confirm;
#[cfg(feature = "dynamodb")]
pub use order_stores::OrderStores;
pub use parcels::split;
pub use pricing::{price, settle};
pub use quote::{Quote, QuoteOption, quote};
#[cfg(all(feature = "sfn", feature = "dynamodb"))]
pub use reviews::{Decided, Reviews, Verdict};
#[cfg(feature = "sfn")]
pub use sagas::Sagas;
pub use shipping::{Available, ShippingPlan, ShippingRates};
pub use tax::TaxRates;

use crate::ids::OrderId;
use crate::inventory::ReservationId;
use crate::money::Money;
use crate::orders::{Address, BuyNow, Failure, Priced, ShippingSpeed};
use crate::payments::PaymentToken;
use serde::{Deserialize, Serialize};

/// How long stock is held for a checkout: longer than the saga takes, short enough that a
/// checkout that died gives its units back soon.
pub const HOLD: std::time::Duration = std::time::Duration::from_secs(15 * 60);

/// The execution's state: what checkout started with, and what the steps added.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Saga {
    pub order_id: OrderId,
    pub customer_id: String,
    pub payment_token: PaymentToken,
    pub expected_total: Money,
    pub shipping_address: Address,
    #[serde(default)]
    pub shipping_speed: ShippingSpeed,
    /// Set by the cart's validation (and taxed, with the shipping, by the tax step).
    #[serde(default)]
    pub priced: Option<Priced>,
    /// Set by the shipping step.
    #[serde(default)]
    pub shipping: Option<ShippingPlan>,
    /// A one-click order's SKU, bought in place of the cart.
    #[serde(default)]
    pub buy_now: Option<BuyNow>,
}

impl Saga {
    /// The saga's input for an order that checkout has just started: built from the order
    /// alone, so a replayed request starts the same execution with the same input.
    pub fn of(order: &crate::orders::Order) -> Self {
        Self {
            order_id: order.id,
            customer_id: order.customer_id.clone(),
            payment_token: order.payment_token.clone(),
            expected_total: order.expected_total,
            shipping_address: order.shipping_address.clone(),
            shipping_speed: order.shipping_speed,
            priced: None,
            shipping: None,
            buy_now: order.buy_now.clone(),
        }
    }

    /// The priced cart, which every step after validation has.
    pub fn priced(&self) -> anyhow::Result<&Priced> {
        self.priced
            .as_ref()
            .ok_or_else(|| anyhow::anyhow!("order {}: the cart was not priced", self.order_id))
    }

    /// The shipping step's plan, which every step after it has.
    pub fn shipping(&self) -> anyhow::Result<&ShippingPlan> {
        self.shipping
            .as_ref()
            .ok_or_else(|| anyhow::anyhow!("order {}: shipping was not planned", self.order_id))
    }

    /// The reservation's id is the order's: a retried reserve is the same reservation.
    pub fn reservation_id(&self) -> ReservationId {
        ReservationId::from(self.order_id.ulid())
    }
}

/// What a failed step left in the state for the compensations (`Catch`'s `ResultPath`).
#[derive(Debug, Clone, Deserialize)]
pub struct CaughtError {
    #[serde(rename = "Error")]
    pub error: String,
    #[serde(rename = "Cause", default)]
    pub cause: Option<String>,
}

impl CaughtError {
    /// The shopper's reason: a rejection's detail (the Lambda error's message, which the cause
    /// wraps), or a checkout error for anything else.
    pub fn failure(&self) -> Failure {
        if !self.error.starts_with("Rejected.") {
            return Failure::CheckoutError;
        }
        let Some(cause) = &self.cause else {
            return Failure::CheckoutError;
        };
        let message = serde_json::from_str::<serde_json::Value>(cause)
            .ok()
            .and_then(|v| v["errorMessage"].as_str().map(str::to_owned))
            .unwrap_or_else(|| cause.clone());
        serde_json::from_str(&message).unwrap_or(Failure::CheckoutError)
    }
}

#[cfg(feature = "events")]
/// A business refusal as the step's error: `Rejected.<reason>`, the failure as its message.
pub fn rejected(failure: &Failure) -> crate::events::StepError {
    crate::events::StepError::Rejected {
        reason: failure.name(),
        detail: serde_json::to_string(failure).unwrap_or_else(|_| failure.name().to_owned()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn a_caught_rejection_gives_the_shoppers_reason() {
        let caught = |error: &str, cause: &str| CaughtError {
            error: error.to_owned(),
            cause: Some(cause.to_owned()),
        };
        let detail = json!({"reason": "out_of_stock", "skus": ["SKU-1"]}).to_string();
        let expected = Failure::OutOfStock {
            skus: vec!["SKU-1".parse().unwrap()],
        };
        // As Lambda's error reaches the state: its message inside the cause...
        let wrapped =
            json!({"errorType": "Rejected.OutOfStock", "errorMessage": detail}).to_string();
        assert_eq!(caught("Rejected.OutOfStock", &wrapped).failure(), expected);
        // ...or the message alone.
        assert_eq!(caught("Rejected.OutOfStock", &detail).failure(), expected);
        assert_eq!(
            caught("States.Timeout", &detail).failure(),
            Failure::CheckoutError,
            "only rejections carry a shopper's reason"
        );
        assert_eq!(
            caught("Rejected.OutOfStock", "garbled").failure(),
            Failure::CheckoutError
        );
    }
}
