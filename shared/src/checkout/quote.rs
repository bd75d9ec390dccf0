//! What the checkout page shows before "Buy": the cart priced now and, for every speed the
//! address can have, the shipping, the tax and the total. Worked out by the same rules as the
//! saga's steps, so the total a shopper picks here is the one checkout takes.

use super::{Available, ShippingRates, TaxRates};
use crate::cart::CouponCode;
use crate::money::Money;
use crate::orders::{Address, Failure, OrderLine, Priced, ShippingSpeed};
use serde::Serialize;

#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct Quote {
    pub lines: Vec<OrderLine>,
    pub subtotal: Money,
    pub discount: Money,
    pub coupon: Option<CouponCode>,
    /// The speeds there are, in the rates' order (standard first): send the chosen one's
    /// `total` as `expected_total`.
    pub options: Vec<QuoteOption>,
}

#[derive(Debug, PartialEq, Eq, Serialize, utoipa::ToSchema)]
pub struct QuoteOption {
    pub speed: ShippingSpeed,
    pub shipping: Money,
    pub tax: Money,
    pub total: Money,
    /// Days from the order to the door.
    pub days: u32,
}

/// `priced` (the cart as [`super::price`] takes it) going to `to`; an address none of the
/// speeds reach is `address_not_deliverable` with no speeds.
pub fn quote(
    priced: Priced,
    to: &Address,
    available: &Available,
    shipping: &ShippingRates,
    tax: &TaxRates,
) -> Result<Quote, Failure> {
    let options: Vec<QuoteOption> = shipping
        .options(&priced, to, available)
        .into_iter()
        .map(|plan| {
            let taxed = tax.apply(&priced, plan.cost, to);
            QuoteOption {
                speed: plan.speed,
                shipping: plan.cost,
                tax: taxed.tax.unwrap_or(Money::of(0, plan.cost.currency)),
                total: taxed.total,
                days: plan.days,
            }
        })
        .collect();
    if options.is_empty() {
        return Err(Failure::AddressNotDeliverable {
            speed: ShippingSpeed::default(),
            speeds: Vec::new(),
        });
    }
    Ok(Quote {
        lines: priced.lines,
        subtotal: priced.subtotal,
        discount: priced.discount,
        coupon: priced.coupon,
        options,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::catalog::Fulfillment;
    use crate::checkout::settle;

    fn electronics(units: u32) -> OrderLine {
        OrderLine {
            category_path: Some(
                serde_json::from_value(serde_json::json!(["electronics"])).unwrap(),
            ),
            ..OrderLine::sample("TV", "seller-01", Fulfillment::Rainforest, units)
        }
    }

    #[test]
    fn each_speed_s_total_is_the_one_its_checkout_settles_on() {
        let (shipping, tax) = (
            ShippingRates::standard().unwrap(),
            TaxRates::standard().unwrap(),
        );
        let seattle = Address::sample("US", Some("WA"));
        let none = Available::new();
        let order = Priced::sample(vec![electronics(3)], 0);
        let quoted = quote(order.clone(), &seattle, &none, &shipping, &tax).unwrap();
        let speeds: Vec<_> = quoted.options.iter().map(|o| o.speed).collect();
        assert_eq!(
            speeds,
            [ShippingSpeed::Standard, ShippingSpeed::Express],
            "same-day needs a local center with the units"
        );
        assert_eq!(quoted.subtotal, order.subtotal);
        for option in &quoted.options {
            // What the saga's shipping and tax steps work out for this speed...
            let plan = shipping
                .plan(option.speed, &order, &seattle, &none)
                .unwrap();
            let taxed = tax.apply(&order, plan.cost, &seattle);
            // ...and checkout with the quoted total takes it.
            let settled = settle(taxed, option.total).unwrap();
            assert_eq!(settled.tax, Some(option.tax));
            assert_eq!((option.shipping, option.days), (plan.cost, plan.days));
            assert!(option.tax.amount.get() > 0, "Washington taxes electronics");
        }
    }

    #[test]
    fn an_address_no_speed_reaches_is_not_deliverable() {
        let (shipping, tax) = (
            ShippingRates::standard().unwrap(),
            TaxRates::standard().unwrap(),
        );
        let order = Priced::sample(vec![electronics(1)], 0);
        let tokyo = Address::sample("JP", None);
        assert_eq!(
            quote(order, &tokyo, &Available::new(), &shipping, &tax).unwrap_err(),
            Failure::AddressNotDeliverable {
                speed: ShippingSpeed::Standard,
                speeds: vec![],
            }
        );
    }
}
