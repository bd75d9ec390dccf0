//! Demo carts and coupons: a welcome coupon any customer can use once, and a cart for
//! customer-01 (and customer-05) holding one offer, so the cart routes have something to show
//! from the start.

use serde_json::json;
use shared::cart::{CartOwner, CartStore, Coupon, LineQuantity, NewCoupon};
use shared::catalog::Offer;

pub const DEMO_COUPON: &str = "WELCOME10";

pub async fn demo_carts(store: &CartStore, offer: &Offer) -> anyhow::Result<()> {
    let terms: NewCoupon = serde_json::from_value(json!({
        "code": DEMO_COUPON,
        "discount": {"type": "percent", "percent": 10},
        "minimum_spend": {"amount": 2_500, "currency": store.currency().to_string()},
        "valid_from": "2026-01-01T00:00:00Z",
        "valid_until": "2031-01-01T00:00:00Z",
        "max_uses_per_customer": 1
    }))?;
    store
        .create_coupon(
            &Coupon::new(terms, store.currency(), shared::clock::now())
                .expect("the demo coupon is valid"),
        )
        .await?;
    // customer-05's is the checkout bench sample's, which no other sample changes (the seller
    // samples reprice another of seller-09's offers).
    for customer in [super::DEMO_CUSTOMERS[0], super::DEMO_CUSTOMERS[4]] {
        let owner = CartOwner::Customer(customer.to_owned());
        let one = LineQuantity::new(1).expect("1 unit is a quantity");
        store
            .add(&owner, &offer.sku, one, offer.pricing.price())
            .await?;
    }
    Ok(())
}
