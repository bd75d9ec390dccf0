//! Coupons: what an admin creates, and the rules that decide whether one fits a cart. Uses are
//! counted when an order is placed (checkout), not when a coupon is applied.

use crate::catalog::{CategoryPath, SellerId, Slug};
use crate::clock::Timestamp;
use crate::error::Invalid;
use crate::json::WholeNumber;
use crate::money::{Currency, MinorUnits, Money};
use serde::{Deserialize, Serialize};

/// A coupon's code: 3 to 32 letters, digits or '-'; shoppers may type it in either case.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(try_from = "String", into = "String")]
pub struct CouponCode(String);

impl CouponCode {
    const RULE: &str = "must be 3 to 32 letters, digits or '-'";
}

impl TryFrom<String> for CouponCode {
    type Error = String;
    fn try_from(code: String) -> Result<Self, String> {
        let fits = (3..=32).contains(&code.len())
            && code.chars().all(|c| c.is_ascii_alphanumeric() || c == '-');
        if !fits {
            return Err(Self::RULE.to_owned());
        }
        Ok(Self(code.to_ascii_uppercase()))
    }
}

impl From<CouponCode> for String {
    fn from(code: CouponCode) -> String {
        code.0
    }
}

impl std::fmt::Display for CouponCode {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.0)
    }
}

impl utoipa::PartialSchema for CouponCode {
    fn schema() -> utoipa::openapi::RefOr<utoipa::openapi::schema::Schema> {
        crate::text::string_schema(Self::RULE, 3, 32, "^[A-Za-z0-9-]{3,32}$".to_owned())
    }
}

impl utoipa::ToSchema for CouponCode {}

/// A whole percentage, 1 to 100.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(try_from = "WholeNumber", into = "u64")]
pub struct Percent(u8);

impl TryFrom<WholeNumber> for Percent {
    type Error = String;
    fn try_from(WholeNumber(n): WholeNumber) -> Result<Self, String> {
        u8::try_from(n)
            .ok()
            .filter(|n| (1..=100).contains(n))
            .map(Self)
            .ok_or_else(|| "must be 1 to 100".to_owned())
    }
}

impl From<Percent> for u64 {
    fn from(percent: Percent) -> u64 {
        percent.0.into()
    }
}

impl utoipa::PartialSchema for Percent {
    fn schema() -> utoipa::openapi::RefOr<utoipa::openapi::schema::Schema> {
        crate::money::integer_schema("A percentage", 1, 100)
    }
}

impl utoipa::ToSchema for Percent {}

/// How many times a coupon may be used: at least once.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(try_from = "WholeNumber", into = "u64")]
pub struct UseLimit(u32);

impl TryFrom<WholeNumber> for UseLimit {
    type Error = String;
    fn try_from(WholeNumber(n): WholeNumber) -> Result<Self, String> {
        u32::try_from(n)
            .ok()
            .filter(|n| *n >= 1)
            .map(Self)
            .ok_or_else(|| "must be 1 to 4294967295".to_owned())
    }
}

impl From<UseLimit> for u64 {
    fn from(limit: UseLimit) -> u64 {
        limit.0.into()
    }
}

impl utoipa::PartialSchema for UseLimit {
    fn schema() -> utoipa::openapi::RefOr<utoipa::openapi::schema::Schema> {
        crate::money::integer_schema("Uses", 1, u32::MAX.into())
    }
}

impl utoipa::ToSchema for UseLimit {}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(tag = "type", rename_all = "snake_case", deny_unknown_fields)]
pub enum CouponDiscount {
    /// This share of what the coupon applies to, rounded down to the minor unit.
    Percent { percent: Percent },
    /// This amount off, at most what the coupon applies to.
    Fixed {
        #[schema(schema_with = Money::price_schema)]
        amount: Money,
    },
}

/// What a coupon applies to: the whole cart, one category (and those under it), or one seller.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(tag = "type", rename_all = "snake_case", deny_unknown_fields)]
pub enum CouponScope {
    #[default]
    All,
    Category {
        category: Slug,
    },
    Seller {
        seller_id: SellerId,
    },
}

/// `POST /api/v1/admin/coupons`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct NewCoupon {
    pub code: CouponCode,
    pub discount: CouponDiscount,
    /// What the cart's lines in scope must come to, before the discount.
    #[serde(default)]
    pub minimum_spend: Option<Money>,
    pub valid_from: Timestamp,
    /// The first moment it no longer applies.
    pub valid_until: Timestamp,
    /// Orders it may be used in, in all.
    #[serde(default)]
    pub max_uses: Option<UseLimit>,
    #[serde(default)]
    pub max_uses_per_customer: Option<UseLimit>,
    #[serde(default)]
    pub scope: CouponScope,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct Coupon {
    #[serde(flatten)]
    pub terms: NewCoupon,
    /// Orders placed with it so far.
    pub uses: u32,
    pub created_at: String,
}

/// Why a coupon does not fit a cart: `reason` in the 422 problem a shopper gets.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
pub enum Refusal {
    #[error("the coupon is not valid yet")]
    NotYetValid,
    #[error("the coupon has expired")]
    Expired,
    #[error("the cart's items it applies to come to less than its minimum spend")]
    MinimumNotMet,
    #[error("the coupon applies to none of the cart's items")]
    NotApplicable,
    #[error("the coupon has been used as often as it may be")]
    UsageLimitReached,
}

/// Written as its machine-readable reason.
impl Serialize for Refusal {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.serialize_str(self.reason())
    }
}

impl utoipa::PartialSchema for Refusal {
    fn schema() -> utoipa::openapi::RefOr<utoipa::openapi::schema::Schema> {
        let reasons = [
            Self::NotYetValid,
            Self::Expired,
            Self::MinimumNotMet,
            Self::NotApplicable,
            Self::UsageLimitReached,
        ];
        utoipa::openapi::ObjectBuilder::new()
            .schema_type(utoipa::openapi::schema::Type::String)
            .enum_values(Some(reasons.map(Self::reason)))
            .into()
    }
}

impl utoipa::ToSchema for Refusal {}

impl Refusal {
    /// The machine-readable reason.
    pub fn reason(self) -> &'static str {
        match self {
            Self::NotYetValid => "coupon_not_yet_valid",
            Self::Expired => "coupon_expired",
            Self::MinimumNotMet => "minimum_not_met",
            Self::NotApplicable => "not_applicable",
            Self::UsageLimitReached => "usage_limit_reached",
        }
    }
}

/// One cart line as a coupon sees it.
#[derive(Debug, Clone, Copy)]
pub struct ScopedAmount<'a> {
    pub total: Money,
    pub category_path: &'a CategoryPath,
    pub seller_id: &'a SellerId,
}

impl Coupon {
    /// A coupon from an admin's request, in the marketplace's currency.
    pub fn new(terms: NewCoupon, currency: Currency, now: String) -> Result<Self, Invalid> {
        if terms.valid_until <= terms.valid_from {
            return Err(Invalid::relational(
                "valid_until",
                "must be after valid_from",
            ));
        }
        let rule = format!("must be {currency}, the marketplace currency");
        if let CouponDiscount::Fixed { amount } = &terms.discount {
            if amount.amount == MinorUnits::ZERO {
                return Err(Invalid::new(
                    "discount.amount.amount",
                    "must be greater than 0",
                ));
            }
            if amount.currency != currency {
                return Err(Invalid::relational("discount.amount.currency", rule));
            }
        }
        if terms.minimum_spend.is_some_and(|m| m.currency != currency) {
            return Err(Invalid::relational("minimum_spend.currency", rule));
        }
        Ok(Self {
            terms,
            uses: 0,
            created_at: now,
        })
    }

    /// The discount on `lines` at `now` for a customer who has used it `customer_uses` times.
    pub fn discount(
        &self,
        lines: &[ScopedAmount<'_>],
        now: Timestamp,
        customer_uses: u32,
    ) -> Result<Money, Refusal> {
        let terms = &self.terms;
        if now < terms.valid_from {
            return Err(Refusal::NotYetValid);
        }
        if now >= terms.valid_until {
            return Err(Refusal::Expired);
        }
        let used_up = |limit: Option<UseLimit>, used: u32| limit.is_some_and(|l| used >= l.0);
        if used_up(terms.max_uses, self.uses) || used_up(terms.max_uses_per_customer, customer_uses)
        {
            return Err(Refusal::UsageLimitReached);
        }
        let in_scope = lines.iter().filter(|line| match &terms.scope {
            CouponScope::All => true,
            CouponScope::Category { category } => line.category_path.contains(category),
            CouponScope::Seller { seller_id } => line.seller_id == seller_id,
        });
        let mut total: Option<Money> = None;
        for line in in_scope {
            total = Some(match total {
                None => line.total,
                Some(sum) => sum.checked_add(line.total).ok_or(Refusal::NotApplicable)?,
            });
        }
        let total = total.ok_or(Refusal::NotApplicable)?;
        if terms
            .minimum_spend
            .is_some_and(|minimum| total.amount < minimum.amount)
        {
            return Err(Refusal::MinimumNotMet);
        }
        let off = match &terms.discount {
            CouponDiscount::Percent { percent } => total.amount.get() * u64::from(*percent) / 100,
            CouponDiscount::Fixed { amount } => amount.amount.get().min(total.amount.get()),
        };
        Ok(Money::of(off, total.currency))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn coupon(extra: serde_json::Value) -> Coupon {
        let mut terms = json!({
            "code": "save10", "discount": {"type": "percent", "percent": 10},
            "valid_from": "2026-11-01T00:00:00Z", "valid_until": "2026-12-01T00:00:00Z"
        });
        terms
            .as_object_mut()
            .unwrap()
            .extend(extra.as_object().unwrap().clone());
        let terms: NewCoupon = serde_json::from_value(terms).unwrap();
        Coupon::new(terms, Currency::USD, "t".into()).unwrap()
    }

    fn at(text: &str) -> Timestamp {
        Timestamp::try_from(text.to_owned()).unwrap()
    }

    fn usd(amount: u64) -> Money {
        Money::of(amount, Currency::USD)
    }

    struct Lines {
        lamps: CategoryPath,
        desks: CategoryPath,
        a: SellerId,
        b: SellerId,
    }

    impl Lines {
        fn new() -> Self {
            Self {
                lamps: serde_json::from_value(json!(["home", "lamps"])).unwrap(),
                desks: serde_json::from_value(json!(["office", "desks"])).unwrap(),
                a: "seller-a".parse().unwrap(),
                b: "seller-b".parse().unwrap(),
            }
        }

        /// A $30.00 lamp from seller a and a $70.00 desk from seller b.
        fn cart(&self) -> Vec<ScopedAmount<'_>> {
            vec![
                ScopedAmount {
                    total: usd(3_000),
                    category_path: &self.lamps,
                    seller_id: &self.a,
                },
                ScopedAmount {
                    total: usd(7_000),
                    category_path: &self.desks,
                    seller_id: &self.b,
                },
            ]
        }
    }

    const NOW: &str = "2026-11-20T12:00:00Z";

    #[test]
    fn codes_are_read_in_either_case() {
        let code: CouponCode = serde_json::from_value(json!("Save-10")).unwrap();
        assert_eq!(code.to_string(), "SAVE-10");
        for bad in ["ab", "has space", "x".repeat(33).as_str(), "ünï"] {
            assert!(CouponCode::try_from(bad.to_owned()).is_err(), "{bad}");
        }
    }

    #[test]
    fn percent_and_fixed_discounts_are_worked_out_on_what_is_in_scope() {
        let lines = Lines::new();
        let cart = lines.cart();
        assert_eq!(
            coupon(json!({})).discount(&cart, at(NOW), 0),
            Ok(usd(1_000))
        );
        let fixed = coupon(
            json!({"discount": {"type": "fixed", "amount": {"amount": 500, "currency": "USD"}}}),
        );
        assert_eq!(fixed.discount(&cart, at(NOW), 0), Ok(usd(500)));
        let larger = coupon(
            json!({"discount": {"type": "fixed", "amount": {"amount": 5_000, "currency": "USD"}},
                                   "scope": {"type": "category", "category": "lamps"}}),
        );
        assert_eq!(
            larger.discount(&cart, at(NOW), 0),
            Ok(usd(3_000)),
            "never more than the lamp"
        );
        let home = coupon(json!({"scope": {"type": "category", "category": "home"}}));
        assert_eq!(
            home.discount(&cart, at(NOW), 0),
            Ok(usd(300)),
            "a parent category counts"
        );
        let seller = coupon(json!({"scope": {"type": "seller", "seller_id": "seller-b"}}));
        assert_eq!(seller.discount(&cart, at(NOW), 0), Ok(usd(700)));
    }

    #[test]
    fn each_rule_refuses_with_its_reason() {
        let lines = Lines::new();
        let cart = lines.cart();
        let plain = coupon(json!({}));
        assert_eq!(
            plain.discount(&cart, at("2026-10-31T23:59:59Z"), 0),
            Err(Refusal::NotYetValid)
        );
        assert_eq!(
            plain.discount(&cart, at("2026-12-01T00:00:00Z"), 0),
            Err(Refusal::Expired)
        );
        let minimum = coupon(json!({"minimum_spend": {"amount": 10_001, "currency": "USD"}}));
        assert_eq!(
            minimum.discount(&cart, at(NOW), 0),
            Err(Refusal::MinimumNotMet)
        );
        let exactly = coupon(json!({"minimum_spend": {"amount": 10_000, "currency": "USD"}}));
        assert!(exactly.discount(&cart, at(NOW), 0).is_ok());
        let other = coupon(json!({"scope": {"type": "seller", "seller_id": "seller-z"}}));
        assert_eq!(
            other.discount(&cart, at(NOW), 0),
            Err(Refusal::NotApplicable)
        );
        assert_eq!(plain.discount(&[], at(NOW), 0), Err(Refusal::NotApplicable));
        let mut once = coupon(json!({"max_uses": 1}));
        assert!(once.discount(&cart, at(NOW), 0).is_ok());
        once.uses = 1;
        assert_eq!(
            once.discount(&cart, at(NOW), 0),
            Err(Refusal::UsageLimitReached)
        );
        let per_customer = coupon(json!({"max_uses_per_customer": 2}));
        assert!(per_customer.discount(&cart, at(NOW), 1).is_ok());
        assert_eq!(
            per_customer.discount(&cart, at(NOW), 2),
            Err(Refusal::UsageLimitReached)
        );
        let reasons: Vec<&str> = [
            Refusal::Expired,
            Refusal::MinimumNotMet,
            Refusal::NotApplicable,
            Refusal::UsageLimitReached,
        ]
        .iter()
        .map(|r| r.reason())
        .collect();
        assert_eq!(
            reasons,
            [
                "coupon_expired",
                "minimum_not_met",
                "not_applicable",
                "usage_limit_reached"
            ]
        );
    }

    #[test]
    fn a_coupon_must_end_after_it_starts_and_be_in_the_marketplace_currency() {
        let terms = |extra: serde_json::Value| {
            let mut terms = json!({"code": "X-1", "discount": {"type": "percent", "percent": 5},
                                   "valid_from": "2026-11-01T00:00:00Z", "valid_until": "2026-12-01T00:00:00Z"});
            terms
                .as_object_mut()
                .unwrap()
                .extend(extra.as_object().unwrap().clone());
            serde_json::from_value::<NewCoupon>(terms).unwrap()
        };
        let field = |extra| {
            Coupon::new(terms(extra), Currency::USD, "t".into())
                .unwrap_err()
                .field
        };
        assert_eq!(
            field(json!({"valid_until": "2026-11-01T00:00:00Z"})),
            "valid_until"
        );
        assert_eq!(
            field(
                json!({"discount": {"type": "fixed", "amount": {"amount": 5, "currency": "EUR"}}})
            ),
            "discount.amount.currency"
        );
        assert_eq!(
            field(json!({"minimum_spend": {"amount": 5, "currency": "EUR"}})),
            "minimum_spend.currency"
        );
        for bad in [
            json!({"type": "percent", "percent": 0}),
            json!({"type": "percent", "percent": 101}),
            json!({"type": "bogus"}),
        ] {
            let mut body = serde_json::to_value(terms(json!({}))).unwrap();
            body["discount"] = bad.clone();
            assert!(serde_json::from_value::<NewCoupon>(body).is_err(), "{bad}");
        }
    }
}
