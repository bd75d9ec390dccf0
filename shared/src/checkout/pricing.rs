//! The cart as checkout takes it: every line buyable in the units wanted and the coupon still
//! applying. Whether it comes to the total the shopper was shown is known once shipping and
//! tax are added ([`settle`]).

use crate::cart::CartView;
use crate::inventory::Availability;
use crate::money::Money;
use crate::orders::{Failure, OrderLine, Priced};

pub fn price(view: &CartView) -> Result<Priced, Failure> {
    if view.lines.is_empty() {
        return Err(Failure::CartEmpty);
    }
    let short: Vec<_> = view
        .lines
        .iter()
        .filter(|line| {
            let enough = match line.availability {
                Availability::InStock => true,
                Availability::OnlyLeft { quantity } => quantity >= line.quantity,
                Availability::OutOfStock => false,
            };
            !line.purchasable || !enough
        })
        .map(|line| line.sku.clone())
        .collect();
    if !short.is_empty() {
        return Err(Failure::OutOfStock { skus: short });
    }
    if view.coupon.as_ref().is_some_and(|coupon| !coupon.applied) {
        return Err(Failure::CouponInvalid);
    }
    let lines = view
        .lines
        .iter()
        .map(|line| {
            let (Some(product_id), Some(seller_id), Some(title), Some(fulfillment), Some(days)) = (
                line.product_id,
                line.seller_id.clone(),
                line.title.clone(),
                line.fulfillment,
                line.handling_days,
            ) else {
                // A purchasable line's offer is in the catalog.
                return Err(Failure::OutOfStock {
                    skus: vec![line.sku.clone()],
                });
            };
            Ok(OrderLine {
                sku: line.sku.clone(),
                product_id,
                seller_id,
                title,
                quantity: line.quantity,
                unit_price: line.unit_price,
                line_total: line.line_total,
                fulfillment,
                handling_days: days,
                category_path: line.category_path.clone(),
                tax: None,
            })
        })
        .collect::<Result<_, _>>()?;
    Ok(Priced {
        lines,
        subtotal: view.subtotal,
        discount: view.discount,
        shipping: None,
        tax: None,
        total: view.total,
        coupon: view
            .coupon
            .as_ref()
            .filter(|coupon| coupon.applied)
            .map(|coupon| coupon.code.clone()),
    })
}

/// The order with its shipping and tax, taken only if it comes to what the shopper was shown.
pub fn settle(priced: Priced, expected_total: Money) -> Result<Priced, Failure> {
    if priced.total == expected_total {
        Ok(priced)
    } else {
        Err(Failure::PriceChanged {
            total: priced.total,
        })
    }
}
