//! A cart as the shopper sees it, worked out at read time: each line at today's price with its
//! availability, and the totals with the coupon's discount. Every cart route answers with it.

use super::{Coupon, CouponCode, Refusal, ScopedAmount, StoredCart};
use crate::catalog::{
    CategoryPath, Fulfillment, HandlingDays, Offer, OfferStatus, ProductId, SellerId, Sku,
};
use crate::clock::Timestamp;
use crate::inventory::Availability;
use crate::money::{Currency, Money};
use serde::Serialize;
use std::collections::HashMap;

/// A line's offer as the catalog has it now, with what the cart shows of its product.
#[derive(Debug, Clone)]
pub struct Sold {
    pub offer: Offer,
    pub title: String,
    pub category_path: CategoryPath,
}

#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct CartLineView {
    pub sku: Sku,
    /// Absent when the offer is no longer in the catalog.
    pub product_id: Option<ProductId>,
    pub title: Option<String>,
    pub seller_id: Option<SellerId>,
    /// Who ships it (absent when the offer is gone).
    pub fulfillment: Option<Fulfillment>,
    /// Days before it leaves (absent when the offer is gone).
    pub handling_days: Option<HandlingDays>,
    /// Where the catalog files it (absent when the offer is gone).
    pub category_path: Option<CategoryPath>,
    pub quantity: u32,
    /// Today's price (the price when added, if the offer is gone).
    pub unit_price: Money,
    pub line_total: Money,
    pub availability: Availability,
    /// The price changed since the line was added (`added_price` was the price then).
    pub price_changed: bool,
    pub added_price: Money,
    /// Whether it can be bought now: the offer is on sale, in the marketplace currency, in
    /// stock. Lines that cannot are left out of the totals.
    pub purchasable: bool,
}

#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct CouponView {
    pub code: CouponCode,
    /// Whether it takes anything off the cart as it is now.
    pub applied: bool,
    /// Why not, when it does not.
    pub reason: Option<Refusal>,
}

#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct CartView {
    pub lines: Vec<CartLineView>,
    /// Units of every purchasable line.
    pub item_count: u32,
    pub subtotal: Money,
    pub discount: Money,
    pub total: Money,
    pub currency: Currency,
    pub coupon: Option<CouponView>,
}

/// The coupon on a cart, as stored (absent when it has been deleted since it was applied),
/// and how often this customer has used it.
pub type AppliedCoupon<'a> = (&'a CouponCode, Option<&'a Coupon>, u32);

impl CartView {
    pub fn of(
        cart: &StoredCart,
        sold: &HashMap<Sku, Sold>,
        available: &HashMap<Sku, u32>,
        coupon: Option<AppliedCoupon<'_>>,
        currency: Currency,
        now: Timestamp,
    ) -> Self {
        let mut lines = Vec::with_capacity(cart.lines.len());
        let mut scoped = Vec::new();
        for line in &cart.lines {
            let units = available.get(&line.sku).copied().unwrap_or(0);
            let now_sold = sold.get(&line.sku);
            let unit_price = now_sold.map_or(line.added_price, |s| s.offer.pricing.price());
            let purchasable = now_sold.is_some_and(|s| {
                s.offer.status == OfferStatus::Active && s.offer.currency() == currency
            }) && units > 0;
            let line_total = unit_price.times(line.quantity);
            if let (true, Some(s)) = (purchasable, now_sold) {
                scoped.push(ScopedAmount {
                    total: line_total,
                    category_path: &s.category_path,
                    seller_id: &s.offer.seller_id,
                });
            }
            lines.push(CartLineView {
                sku: line.sku.clone(),
                product_id: now_sold.map(|s| s.offer.product_id),
                title: now_sold.map(|s| s.title.clone()),
                seller_id: now_sold.map(|s| s.offer.seller_id.clone()),
                fulfillment: now_sold.map(|s| s.offer.fulfillment),
                handling_days: now_sold.map(|s| s.offer.handling_days),
                category_path: now_sold.map(|s| s.category_path.clone()),
                quantity: line.quantity,
                price_changed: unit_price != line.added_price,
                added_price: line.added_price,
                unit_price,
                line_total,
                availability: Availability::of(units),
                purchasable,
            });
        }
        let subtotal = Money::of(scoped.iter().map(|l| l.total.amount.get()).sum(), currency);
        let (discount, coupon) = match coupon {
            None => (Money::of(0, currency), None),
            Some((code, stored, customer_uses)) => {
                let outcome = match stored {
                    Some(coupon) => coupon.discount(&scoped, now, customer_uses),
                    None => Err(Refusal::NotApplicable),
                };
                let view = CouponView {
                    code: code.clone(),
                    applied: outcome.is_ok(),
                    reason: outcome.err(),
                };
                (outcome.unwrap_or(Money::of(0, currency)), Some(view))
            }
        };
        let total = subtotal.amount.get().saturating_sub(discount.amount.get());
        Self {
            item_count: lines
                .iter()
                .filter(|l| l.purchasable)
                .map(|l| l.quantity)
                .sum(),
            lines,
            subtotal,
            discount,
            total: Money::of(total, currency),
            currency,
            coupon,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::cart::{NewCoupon, StoredLine};
    use crate::catalog::OfferTerms;
    use serde_json::json;

    fn usd(amount: u64) -> Money {
        Money::of(amount, Currency::USD)
    }

    fn sold(sku: &str, price: u64, currency: &str) -> Sold {
        let terms: OfferTerms = serde_json::from_value(json!({
            "price": {"amount": price, "currency": currency}, "condition": "new",
            "fulfillment": "rainforest", "handling_days": 1
        }))
        .unwrap();
        let offer = Offer::from_terms(
            sku.parse().unwrap(),
            ProductId::generate(),
            "seller-a".parse().unwrap(),
            terms,
            "",
            "t".into(),
        )
        .unwrap();
        Sold {
            offer,
            title: format!("Item {sku}"),
            category_path: serde_json::from_value(json!(["home", "lamps"])).unwrap(),
        }
    }

    fn line(sku: &str, quantity: u32, added: u64) -> StoredLine {
        StoredLine {
            sku: sku.parse().unwrap(),
            quantity,
            added_price: usd(added),
            added_at: "t".into(),
        }
    }

    fn now() -> Timestamp {
        Timestamp::try_from("2026-11-20T00:00:00Z".to_owned()).unwrap()
    }

    #[test]
    fn lines_are_priced_today_flagged_when_the_price_moved_and_unsellable_ones_left_out() {
        let cart = StoredCart {
            lines: vec![
                line("A", 2, 1_000),
                line("B", 1, 500),
                line("C", 1, 700),
                line("D", 3, 100),
                line("E", 1, 900),
            ],
            coupon: None,
            expired: false,
        };
        let sold: HashMap<Sku, Sold> = [
            sold("A", 1_000, "USD"),
            sold("B", 450, "USD"),
            sold("C", 700, "USD"),
            sold("E", 900, "EUR"),
        ]
        .into_iter()
        .map(|s| (s.offer.sku.clone(), s))
        .collect();
        let available: HashMap<Sku, u32> = [("A", 50), ("B", 3), ("E", 10)]
            .into_iter()
            .map(|(s, n)| (s.parse().unwrap(), n))
            .collect();
        let view = CartView::of(&cart, &sold, &available, None, Currency::USD, now());
        let by_sku = |sku: &str| {
            view.lines
                .iter()
                .find(|l| l.sku.to_string() == sku)
                .unwrap()
        };
        assert_eq!(
            (by_sku("A").line_total, by_sku("A").price_changed),
            (usd(2_000), false)
        );
        assert_eq!(
            (by_sku("B").unit_price, by_sku("B").price_changed),
            (usd(450), true)
        );
        assert_eq!(
            by_sku("B").availability,
            Availability::OnlyLeft { quantity: 3 }
        );
        assert!(!by_sku("C").purchasable, "out of stock");
        assert!(
            !by_sku("D").purchasable && by_sku("D").product_id.is_none(),
            "gone from the catalog"
        );
        assert!(!by_sku("E").purchasable, "another currency");
        assert_eq!(
            (view.subtotal, view.total, view.item_count),
            (usd(2_450), usd(2_450), 3)
        );
    }

    #[test]
    fn a_coupon_that_fits_takes_its_discount_and_one_that_does_not_says_why() {
        let cart = StoredCart {
            lines: vec![line("A", 2, 1_000)],
            coupon: None,
            expired: false,
        };
        let sold: HashMap<Sku, Sold> = [("A".parse().unwrap(), sold("A", 1_000, "USD"))].into();
        let available: HashMap<Sku, u32> = [("A".parse().unwrap(), 10)].into();
        let terms: NewCoupon = serde_json::from_value(json!({
            "code": "TEN", "discount": {"type": "percent", "percent": 10},
            "valid_from": "2026-11-01T00:00:00Z", "valid_until": "2026-12-01T00:00:00Z",
            "minimum_spend": {"amount": 1_500, "currency": "USD"}
        }))
        .unwrap();
        let code = terms.code.clone();
        let coupon = Coupon::new(terms, Currency::USD, "t".into()).unwrap();
        let view = CartView::of(
            &cart,
            &sold,
            &available,
            Some((&code, Some(&coupon), 0)),
            Currency::USD,
            now(),
        );
        assert_eq!(
            (view.subtotal, view.discount, view.total),
            (usd(2_000), usd(200), usd(1_800))
        );
        assert!(view.coupon.as_ref().unwrap().applied);

        let small = StoredCart {
            lines: vec![line("A", 1, 1_000)],
            coupon: None,
            expired: false,
        };
        let view = CartView::of(
            &small,
            &sold,
            &available,
            Some((&code, Some(&coupon), 0)),
            Currency::USD,
            now(),
        );
        assert_eq!((view.discount, view.total), (usd(0), usd(1_000)));
        assert_eq!(view.coupon.unwrap().reason, Some(Refusal::MinimumNotMet));
        let view = CartView::of(
            &small,
            &sold,
            &available,
            Some((&code, None, 0)),
            Currency::USD,
            now(),
        );
        assert_eq!(view.coupon.unwrap().reason, Some(Refusal::NotApplicable));
    }
}
