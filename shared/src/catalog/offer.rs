use super::{ProductId, SellerId, Sku};
use crate::error::Invalid;
use crate::json::WholeNumber;
use crate::money::{Currency, MinorUnits, Money};
use serde::{Deserialize, Serialize};

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum Condition {
    New,
    Used,
    Refurbished,
}

/// Who ships the order: Rainforest's fulfillment centers or the seller.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum Fulfillment {
    Rainforest,
    Merchant,
}

#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum OfferStatus {
    #[default]
    Active,
    Inactive,
}

/// Days between order and dispatch.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(try_from = "WholeNumber", into = "u32")]
pub struct HandlingDays(u8);

impl utoipa::PartialSchema for HandlingDays {
    fn schema() -> utoipa::openapi::RefOr<utoipa::openapi::schema::Schema> {
        crate::money::integer_schema("Days between order and dispatch", 0, 30)
    }
}

impl utoipa::ToSchema for HandlingDays {}

impl TryFrom<WholeNumber> for HandlingDays {
    type Error = String;
    fn try_from(WholeNumber(days): WholeNumber) -> Result<Self, String> {
        u8::try_from(days)
            .ok()
            .filter(|d| *d <= 30)
            .map(Self)
            .ok_or_else(|| "must be 0 to 30 days".to_owned())
    }
}

impl From<HandlingDays> for u32 {
    fn from(days: HandlingDays) -> u32 {
        u32::from(days.0)
    }
}

/// The terms of a seller's offer as the seller sends them.
#[derive(Debug, Clone, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct OfferTerms {
    /// The product offered: required by the offer route, absent in a listing (which creates it).
    #[serde(default)]
    #[schema(value_type = ProductId, required = true)]
    pub product_id: Option<ProductId>,
    #[serde(deserialize_with = "crate::json::object")]
    #[schema(schema_with = Money::price_schema)]
    pub price: Money,
    /// Shipping charged to the shopper; none means free.
    #[serde(default, deserialize_with = "crate::json::optional_object")]
    pub shipping: Option<Money>,
    pub condition: Condition,
    pub fulfillment: Fulfillment,
    pub handling_days: HandlingDays,
    #[serde(default)]
    pub status: OfferStatus,
}

impl OfferTerms {
    /// The schema of the terms inside a listing, which has no product yet: no `product_id`.
    pub fn in_listing_schema() -> utoipa::openapi::RefOr<utoipa::openapi::schema::Schema> {
        use utoipa::openapi::{RefOr, schema::Schema};
        let mut schema = <Self as utoipa::PartialSchema>::schema();
        if let RefOr::T(Schema::Object(object)) = &mut schema {
            object.properties.remove("product_id");
            object.required.retain(|name| name != "product_id");
        }
        schema
    }
}

/// An offer's price and shipping, always in one currency: the type refuses any other pair, so
/// the landed price always adds up, and a stored offer that broke the rule would fail to decode
/// (and be skipped) rather than fail a page.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(try_from = "PricingFields", into = "PricingFields")]
pub struct Pricing {
    price: Money,
    shipping: Money,
}

/// An offer's price, and the shipping charged on top in the same currency.
#[derive(Serialize, Deserialize, utoipa::ToSchema)]
#[schema(as = Pricing)]
struct PricingFields {
    price: Money,
    /// Shipping charged to the shopper, in the price's currency.
    shipping: Money,
}

impl TryFrom<PricingFields> for Pricing {
    type Error = &'static str;
    fn try_from(PricingFields { price, shipping }: PricingFields) -> Result<Self, Self::Error> {
        if shipping.currency != price.currency {
            return Err("shipping.currency must equal price.currency");
        }
        Ok(Self { price, shipping })
    }
}

impl From<Pricing> for PricingFields {
    fn from(Pricing { price, shipping }: Pricing) -> Self {
        Self { price, shipping }
    }
}

impl utoipa::PartialSchema for Pricing {
    fn schema() -> utoipa::openapi::RefOr<utoipa::openapi::schema::Schema> {
        <PricingFields as utoipa::PartialSchema>::schema()
    }
}

impl utoipa::ToSchema for Pricing {
    fn schemas(
        schemas: &mut Vec<(
            String,
            utoipa::openapi::RefOr<utoipa::openapi::schema::Schema>,
        )>,
    ) {
        <PricingFields as utoipa::ToSchema>::schemas(schemas);
    }
}

impl Pricing {
    /// A seller's price, and shipping (free when absent); `field` is where they sit in the
    /// request, so errors name the right field.
    pub fn new(price: Money, shipping: Option<Money>, field: &str) -> Result<Self, Invalid> {
        if price.amount.get() == 0 {
            return Err(Invalid::new(
                format!("{field}price.amount"),
                "must be greater than 0",
            ));
        }
        let shipping = shipping.unwrap_or(Money {
            amount: MinorUnits::ZERO,
            currency: price.currency,
        });
        Self::try_from(PricingFields { price, shipping }).map_err(|_| {
            Invalid::relational(
                format!("{field}shipping.currency"),
                "must equal price.currency",
            )
        })
    }

    pub fn price(&self) -> Money {
        self.price
    }

    pub fn shipping(&self) -> Money {
        self.shipping
    }

    /// What the shopper pays to get the item: price plus shipping.
    pub fn landed(&self) -> Money {
        self.price.plus(self.shipping.amount)
    }
}

/// A seller's new price for its offer (`PUT /api/v1/seller/offers/{sku}/price`).
#[derive(Debug, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct PriceTerms {
    #[serde(deserialize_with = "crate::json::object")]
    #[schema(schema_with = Money::price_schema)]
    pub price: Money,
    /// Shipping charged on top, in the price's currency; free when absent.
    #[serde(default, deserialize_with = "crate::json::optional_object")]
    pub shipping: Option<Money>,
}

/// A seller's offer on one product.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct Offer {
    pub sku: Sku,
    pub product_id: ProductId,
    pub seller_id: SellerId,
    #[serde(flatten)]
    pub pricing: Pricing,
    pub condition: Condition,
    pub fulfillment: Fulfillment,
    pub handling_days: HandlingDays,
    pub status: OfferStatus,
    pub version: u64,
    pub updated_at: String,
}

impl Offer {
    /// Builds an offer from the seller's terms; `field` is where the terms sit in the request
    /// (`offer.` in a listing, empty for the offer route), so errors name the right field.
    pub fn from_terms(
        sku: Sku,
        product_id: ProductId,
        seller_id: SellerId,
        terms: OfferTerms,
        field: &str,
        now: String,
    ) -> Result<Self, Invalid> {
        let pricing = Pricing::new(terms.price, terms.shipping, field)?;
        Ok(Self {
            sku,
            product_id,
            seller_id,
            pricing,
            condition: terms.condition,
            fulfillment: terms.fulfillment,
            handling_days: terms.handling_days,
            status: terms.status,
            version: 1,
            updated_at: now,
        })
    }

    /// Whether `other` offers the same thing on the same terms (versions and times aside).
    pub fn same_terms(&self, other: &Offer) -> bool {
        fn terms(o: &Offer) -> impl PartialEq + '_ {
            (
                &o.sku,
                o.product_id,
                &o.seller_id,
                o.pricing,
                o.condition,
                o.fulfillment,
                o.handling_days,
                o.status,
            )
        }
        terms(self) == terms(other)
    }

    /// What the shopper pays to get the item: price plus shipping.
    pub fn landed_price(&self) -> Money {
        self.pricing.landed()
    }

    pub fn currency(&self) -> Currency {
        self.pricing.price.currency
    }

    pub fn handling_days(&self) -> u32 {
        self.handling_days.into()
    }
}

/// A seller's feedback rating over the last twelve months: tenths of a star, 0 to 50, over
/// `count` ratings.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct SellerRating {
    pub tenths: u8,
    pub count: u32,
}

/// A seller's public profile.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Seller {
    pub id: SellerId,
    pub display_name: String,
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn terms(body: serde_json::Value) -> Result<OfferTerms, serde_json::Error> {
        serde_json::from_value(body)
    }

    fn base() -> serde_json::Value {
        json!({"price": {"amount": 1000, "currency": "USD"}, "condition": "new",
               "fulfillment": "merchant", "handling_days": 2})
    }

    fn offer(terms: OfferTerms) -> Result<Offer, Invalid> {
        Offer::from_terms(
            "SKU-1".parse().unwrap(),
            crate::catalog::ProductId::generate(),
            "s".parse().unwrap(),
            terms,
            "offer.",
            "t".into(),
        )
    }

    #[test]
    fn free_shipping_by_default_and_landed_price_adds_shipping() {
        let free = offer(terms(base()).unwrap()).unwrap();
        assert_eq!(free.landed_price().amount.get(), 1000);
        let mut body = base();
        body["shipping"] = json!({"amount": 499, "currency": "USD"});
        assert_eq!(
            offer(terms(body).unwrap())
                .unwrap()
                .landed_price()
                .amount
                .get(),
            1499
        );
    }

    #[test]
    fn a_stored_offer_whose_shipping_is_in_another_currency_does_not_decode() {
        let mut stored = serde_json::to_value(offer(terms(base()).unwrap()).unwrap()).unwrap();
        assert!(serde_json::from_value::<Offer>(stored.clone()).is_ok());
        stored["shipping"] = json!({"amount": 100, "currency": "EUR"});
        let error = serde_json::from_value::<Offer>(stored).unwrap_err();
        assert!(error.to_string().contains("shipping.currency"), "{error}");
    }

    #[test]
    fn terms_are_checked_with_field_names() {
        let mut zero = base();
        zero["price"]["amount"] = json!(0);
        assert_eq!(
            offer(terms(zero).unwrap()).unwrap_err().field,
            "offer.price.amount"
        );
        let mut mixed = base();
        mixed["shipping"] = json!({"amount": 1, "currency": "EUR"});
        assert_eq!(
            offer(terms(mixed).unwrap()).unwrap_err().field,
            "offer.shipping.currency"
        );
        let mut slow = base();
        slow["handling_days"] = json!(31);
        assert!(terms(slow).is_err());
        let mut odd = base();
        odd["condition"] = json!("like-new");
        assert!(terms(odd).is_err());
    }
}
