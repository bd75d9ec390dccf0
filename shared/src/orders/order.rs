//! An order and the rules of its status: it moves forward only, each step once.

use crate::cart::CouponCode;
use crate::catalog::{CategoryPath, Fulfillment, HandlingDays, ProductId, SellerId, Sku};
use crate::ids::OrderId;
use crate::money::Money;
use crate::payments::{Decline, PaymentToken};
use serde::{Deserialize, Serialize};

crate::bounded_text!(
    /// A line of an address: a name, a street, a city.
    AddressLine, 1, 100
);

crate::bounded_text!(
    /// A postal code as the country writes it.
    PostalCode, 2, 12
);

crate::identifier!(
    /// An ISO 3166-1 alpha-2 country code, upper case.
    CountryCode, 2, 2, "A-Z", "two capital letters (ISO 3166-1 alpha-2)"
);

crate::identifier!(
    /// The client's key for one checkout request (`Idempotency-Key`): a retry with the same key
    /// gets the first request's order.
    IdempotencyKey, 8, 64, "A-Za-z0-9_-", "letters, digits, '-' or '_' (a UUID fits)"
);

/// Where an order goes. Personal data: its `Debug` shows the country alone, so a log never
/// holds the rest.
#[derive(Clone, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct Address {
    pub name: AddressLine,
    pub line1: AddressLine,
    #[serde(default)]
    pub line2: Option<AddressLine>,
    pub city: AddressLine,
    #[serde(default)]
    pub region: Option<AddressLine>,
    pub postal_code: PostalCode,
    pub country: CountryCode,
}

impl std::fmt::Debug for Address {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Address")
            .field("country", &self.country)
            .finish_non_exhaustive()
    }
}

/// Countries whose postal codes and regions have a known shape: the code's pattern, an example,
/// and whether an address there needs a region (a state, a province).
const POSTAL_RULES: [(&str, &str, &str, bool); 6] = [
    ("US", r"^\d{5}(-\d{4})?$", "98109 or 98109-5210", true),
    ("CA", r"^[A-Z]\d[A-Z] ?\d[A-Z]\d$", "K1A 0B1", true),
    (
        "GB",
        r"^[A-Z]{1,2}\d[A-Z\d]? ?\d[A-Z]{2}$",
        "SW1A 1AA",
        false,
    ),
    ("DE", r"^\d{5}$", "10115", false),
    ("FR", r"^\d{5}$", "75001", false),
    ("JP", r"^\d{3}-\d{4}$", "100-0001", false),
];

impl Address {
    /// The rules of the address's own country, which no schema states: a 422 naming the field.
    pub fn check_country_rules(&self) -> Result<(), crate::error::Invalid> {
        let country = self.country.as_ref();
        let Some((_, pattern, example, needs_region)) =
            POSTAL_RULES.iter().find(|(code, ..)| *code == country)
        else {
            return Ok(());
        };
        let fits =
            regex_lite::Regex::new(pattern).is_ok_and(|re| re.is_match(self.postal_code.as_ref()));
        if !fits {
            let rule = format!("must be a postal code of {country}, such as {example}");
            return Err(crate::error::Invalid::relational("postal_code", rule));
        }
        if *needs_region && self.region.is_none() {
            let rule = format!("is required in {country} (the state or province)");
            return Err(crate::error::Invalid::relational("region", rule));
        }
        Ok(())
    }
}

/// How fast the shopper wants it: which ones an address can have, and what they cost, is the
/// shipping rates' say (`shared/data/shipping-rates.json`).
#[derive(
    Debug,
    Clone,
    Copy,
    Default,
    PartialEq,
    Eq,
    PartialOrd,
    Ord,
    Hash,
    Serialize,
    Deserialize,
    utoipa::ToSchema,
)]
#[serde(rename_all = "snake_case")]
pub enum ShippingSpeed {
    #[default]
    Standard,
    Express,
    /// Delivered the day it is ordered, from a fulfillment center in the shopper's region.
    SameDay,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum OrderStatus {
    /// The checkout saga is working on it.
    Processing,
    /// Fraud screening held it for an admin's review; the saga waits for their decision.
    Held,
    /// Priced, stock held, payment authorized; not yet paid.
    Pending,
    /// Paid for and handed to fulfillment.
    Confirmed,
    /// At least one of its parcels has left.
    Shipped,
    /// Every parcel has arrived.
    Delivered,
    /// The shopper cancelled it before anything shipped: refunded, its units back in stock.
    Cancelled,
    Failed,
}

impl OrderStatus {
    /// Whether checkout is over: the shopper's answer is known.
    pub fn is_final(self) -> bool {
        !matches!(self, Self::Processing | Self::Held | Self::Pending)
    }

    /// Whether an order in this status has been `status` already: a step replayed after the
    /// order went on (placing a confirmed order) is a replay, not a refusal.
    pub fn has_reached(self, status: Self) -> bool {
        let progress = |s: Self| match s {
            Self::Processing => Some(0),
            Self::Pending => Some(1),
            Self::Confirmed => Some(2),
            Self::Shipped => Some(3),
            Self::Delivered => Some(4),
            Self::Held | Self::Cancelled | Self::Failed => None,
        };
        self == status || matches!((progress(self), progress(status)), (Some(a), Some(b)) if a >= b)
    }
}

/// Why a checkout failed, as the shopper is told: each reason is something they can act on.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(tag = "reason", rename_all = "snake_case")]
pub enum Failure {
    CartEmpty,
    /// These lines do not have the units wanted.
    OutOfStock {
        skus: Vec<Sku>,
    },
    /// The cart now comes to `total`, not the total the shopper was shown.
    PriceChanged {
        total: Money,
    },
    /// The cart's coupon no longer applies.
    CouponInvalid,
    /// The order cannot go to this address at this speed; `speeds` are those it can have
    /// (none: we do not deliver there).
    AddressNotDeliverable {
        speed: ShippingSpeed,
        speeds: Vec<ShippingSpeed>,
    },
    PaymentDeclined {
        decline_code: Decline,
    },
    /// The payment provider did not answer; nothing was charged.
    PaymentUnavailable,
    /// Our review did not accept the order; nothing was charged or held.
    ReviewRejected,
    /// Something on our side failed; nothing was charged or held.
    CheckoutError,
}

#[cfg(test)]
mod tests {
    use super::OrderStatus::*;

    #[test]
    fn an_address_follows_its_country_s_rules_and_never_shows_in_a_log() {
        let address = |country: &str, code: &str, region: Option<&str>| -> super::Address {
            serde_json::from_value(serde_json::json!({
                "name": "Ada", "line1": "1 Main St", "city": "Town", "postal_code": code,
                "country": country, "region": region,
            }))
            .unwrap()
        };
        assert!(
            address("US", "98109", Some("WA"))
                .check_country_rules()
                .is_ok()
        );
        assert!(
            address("US", "98109-5210", Some("WA"))
                .check_country_rules()
                .is_ok()
        );
        let bad = address("US", "9810", Some("WA"))
            .check_country_rules()
            .unwrap_err();
        assert_eq!(bad.field, "postal_code");
        assert_eq!(
            address("US", "98109", None)
                .check_country_rules()
                .unwrap_err()
                .field,
            "region"
        );
        assert!(
            address("GB", "SW1A 1AA", None)
                .check_country_rules()
                .is_ok()
        );
        assert!(
            address("CA", "K1A0B1", Some("ON"))
                .check_country_rules()
                .is_ok()
        );
        assert!(address("DE", "1011", None).check_country_rules().is_err());
        // Digits are ASCII digits: no carrier reads these five as 98109.
        for other_digits in ["٩٨١٠٩", "９８１０９"] {
            let refused = address("US", other_digits, Some("WA")).check_country_rules();
            assert_eq!(refused.unwrap_err().field, "postal_code");
        }
        assert!(
            address("NZ", "6011", None).check_country_rules().is_ok(),
            "no rules known"
        );
        let logged = format!("{:?}", address("US", "98109", Some("WA")));
        assert!(
            !logged.contains("Main") && !logged.contains("Ada"),
            "{logged}"
        );
    }

    #[test]
    fn an_order_has_reached_the_statuses_before_its_own_on_the_way_to_confirmed() {
        assert!(Confirmed.has_reached(Pending) && Confirmed.has_reached(Processing));
        assert!(Pending.has_reached(Pending) && !Pending.has_reached(Confirmed));
        assert!(!Failed.has_reached(Pending) && !Confirmed.has_reached(Failed));
        assert!(Failed.has_reached(Failed));
        assert!(Delivered.has_reached(Shipped) && Shipped.has_reached(Confirmed));
        assert!(!Cancelled.has_reached(Confirmed) && !Shipped.has_reached(Cancelled));
    }
}

impl Failure {
    /// The saga step error's name for it (`Rejected.<name>`).
    pub fn name(&self) -> &'static str {
        match self {
            Self::CartEmpty => "CartEmpty",
            Self::OutOfStock { .. } => "OutOfStock",
            Self::PriceChanged { .. } => "PriceChanged",
            Self::CouponInvalid => "CouponInvalid",
            Self::AddressNotDeliverable { .. } => "AddressNotDeliverable",
            Self::PaymentDeclined { .. } => "PaymentDeclined",
            Self::PaymentUnavailable => "PaymentUnavailable",
            Self::ReviewRejected => "ReviewRejected",
            Self::CheckoutError => "CheckoutError",
        }
    }
}

/// What a one-click order buys: one SKU, 1 to 30 units.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct BuyNow {
    pub sku: Sku,
    #[schema(value_type = u32, minimum = 1, maximum = 30)]
    pub quantity: crate::cart::LineQuantity,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct OrderLine {
    pub sku: Sku,
    pub product_id: ProductId,
    pub seller_id: SellerId,
    pub title: String,
    pub quantity: u32,
    pub unit_price: Money,
    pub line_total: Money,
    /// Who ships it, and in how many days: how the order splits into parcels.
    pub fulfillment: Fulfillment,
    pub handling_days: HandlingDays,
    /// Where the catalog files it: some places tax some categories at their own rate.
    #[serde(default)]
    pub category_path: Option<CategoryPath>,
    /// The line's sales tax, once checkout has worked it out.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub tax: Option<Money>,
}

/// The cart as checkout priced it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct Priced {
    pub lines: Vec<OrderLine>,
    pub subtotal: Money,
    pub discount: Money,
    /// What the order's parcels cost to send, once checkout has planned them.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub shipping: Option<Money>,
    /// The lines' sales tax and the shipping's, once checkout has worked it out.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub tax: Option<Money>,
    /// Subtotal less discount, plus shipping and tax: what is charged.
    pub total: Money,
    /// The coupon the discount comes from: the order counts one use of it.
    #[serde(default)]
    pub coupon: Option<CouponCode>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct Order {
    pub id: OrderId,
    pub customer_id: String,
    pub status: OrderStatus,
    /// What the shopper was shown and agreed to pay.
    pub expected_total: Money,
    /// Absent until checkout has priced the cart.
    #[serde(default)]
    pub priced: Option<Priced>,
    pub shipping_address: Address,
    #[serde(default)]
    pub shipping_speed: ShippingSpeed,
    /// The gateway's token of the card it is paid with (never a card number).
    pub payment_token: PaymentToken,
    /// Why it failed, once it has.
    #[serde(default)]
    pub failure: Option<Failure>,
    /// When it was confirmed: the money captured.
    #[serde(default)]
    pub paid_at: Option<String>,
    #[serde(default)]
    pub delivered_at: Option<String>,
    #[serde(default)]
    pub cancelled_at: Option<String>,
    /// The one SKU a one-click order buys, in place of the cart.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub buy_now: Option<BuyNow>,
    /// What a cancelled order was given back, once it has been (absent until then: the refund
    /// is recorded on condition there is none).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub refunded: Option<Money>,
    pub created_at: String,
    pub updated_at: String,
}

impl Order {
    /// An order as checkout starts it, `processing`, at `now`.
    pub fn start(
        id: OrderId,
        customer_id: String,
        expected_total: Money,
        shipping_address: Address,
        payment_token: PaymentToken,
        now: String,
    ) -> Self {
        Self {
            id,
            customer_id,
            status: OrderStatus::Processing,
            expected_total,
            priced: None,
            shipping_address,
            shipping_speed: ShippingSpeed::Standard,
            payment_token,
            failure: None,
            paid_at: None,
            delivered_at: None,
            cancelled_at: None,
            refunded: None,
            buy_now: None,
            created_at: now.clone(),
            updated_at: now,
        }
    }
}

#[cfg(test)]
impl OrderLine {
    /// A line of `quantity` units at $1 each, for the rules' tests.
    pub fn sample(sku: &str, seller: &str, fulfillment: Fulfillment, quantity: u32) -> Self {
        let price = Money::of(100, crate::money::Currency::USD);
        Self {
            sku: sku.parse().unwrap(),
            product_id: "01KAJBCH81VH9KJGR0H85FSDA6".parse().unwrap(),
            seller_id: seller.parse().unwrap(),
            title: sku.to_owned(),
            quantity,
            unit_price: price,
            line_total: price.times(quantity),
            fulfillment,
            handling_days: serde_json::from_value(serde_json::json!(1)).unwrap(),
            category_path: None,
            tax: None,
        }
    }
}

#[cfg(test)]
impl Address {
    /// An address in `country` (and `region`), for the rules' tests.
    pub fn sample(country: &str, region: Option<&str>) -> Self {
        serde_json::from_value(serde_json::json!({
            "name": "Ada", "line1": "1 Main St", "city": "Town", "postal_code": "98101",
            "country": country, "region": region,
        }))
        .unwrap()
    }
}

#[cfg(test)]
impl Priced {
    /// `lines` in dollars with `discount` cents off, before shipping and tax.
    pub fn sample(lines: Vec<OrderLine>, discount: u64) -> Self {
        let usd = |cents| Money::of(cents, crate::money::Currency::USD);
        let subtotal: u64 = lines.iter().map(|l| l.line_total.amount.get()).sum();
        Self {
            lines,
            subtotal: usd(subtotal),
            discount: usd(discount),
            shipping: None,
            tax: None,
            total: usd(subtotal - discount),
            coupon: None,
        }
    }
}
