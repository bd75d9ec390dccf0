//! Shopping carts and the coupons applied to them. A cart keeps what the shopper chose (SKU,
//! quantity, the price when added); prices, availability and the discount are worked out when it
//! is read, from the catalog, inventory and the coupon as they are then (`view`).

mod coupon;
mod guest;
mod lines;
#[cfg(feature = "dynamodb")]
mod store;
mod view;

pub use coupon::{
    Coupon, CouponCode, CouponDiscount, CouponScope, NewCoupon, Refusal, ScopedAmount,
};
pub use guest::{CartTokens, GuestId, IssuedToken};
pub use lines::{AddItem, CartOwner, LineQuantity, MAX_LINES, SetQuantity, StoredCart, StoredLine};
#[cfg(feature = "dynamodb")]
pub use store::{AddOutcome, CartStore, Redeemed};
pub use view::{AppliedCoupon, CartLineView, CartView, CouponView, Sold};
