//! Money in integer minor units with its ISO 4217 currency: never a float.

use crate::json::WholeNumber;
use serde::{Deserialize, Serialize};
use utoipa::openapi::RefOr;
use utoipa::openapi::schema::{KnownFormat, ObjectBuilder, Schema, SchemaFormat, Type};

/// An ISO 4217 currency code such as `USD`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(try_from = "String", into = "String")]
pub struct Currency(iso_currency::Currency);

impl Currency {
    pub const USD: Self = Self(iso_currency::Currency::USD);
}

impl utoipa::PartialSchema for Currency {
    fn schema() -> RefOr<Schema> {
        use iso_currency::IntoEnumIterator;
        let codes: Vec<&str> = iso_currency::Currency::iter().map(|c| c.code()).collect();
        ObjectBuilder::new()
            .schema_type(Type::String)
            .description(Some("An ISO 4217 currency code"))
            .enum_values(Some(codes))
            .examples(["USD"])
            .into()
    }
}

impl utoipa::ToSchema for Currency {}

/// A whole-number schema of `min..=max`.
pub fn integer_schema(description: &str, min: u64, max: u64) -> RefOr<Schema> {
    ObjectBuilder::new()
        .schema_type(Type::Integer)
        .format(Some(SchemaFormat::KnownFormat(KnownFormat::Int64)))
        .description(Some(description))
        .minimum(Some(min))
        .maximum(Some(max))
        .into()
}

impl TryFrom<String> for Currency {
    type Error = String;
    fn try_from(code: String) -> Result<Self, String> {
        iso_currency::Currency::from_code(&code)
            .map(Self)
            .ok_or_else(|| "must be an ISO 4217 currency code such as USD".to_owned())
    }
}

impl std::str::FromStr for Currency {
    type Err = String;
    fn from_str(code: &str) -> Result<Self, String> {
        Self::try_from(code.to_owned())
    }
}

impl From<Currency> for String {
    fn from(currency: Currency) -> String {
        currency.0.code().to_owned()
    }
}

impl std::fmt::Display for Currency {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.0.code())
    }
}

/// An amount in minor units (cents), bounded so sums of a few thousand never overflow.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(try_from = "WholeNumber", into = "u64")]
pub struct MinorUnits(u64);

impl utoipa::PartialSchema for MinorUnits {
    fn schema() -> RefOr<Schema> {
        integer_schema("An amount in minor units (cents)", 0, Self::MAX)
    }
}

impl utoipa::ToSchema for MinorUnits {}

impl MinorUnits {
    pub const MAX: u64 = 100_000_000_000;
    pub const ZERO: Self = Self(0);

    pub fn get(self) -> u64 {
        self.0
    }
}

impl TryFrom<WholeNumber> for MinorUnits {
    type Error = String;
    fn try_from(WholeNumber(amount): WholeNumber) -> Result<Self, String> {
        if amount > Self::MAX {
            return Err(format!("must be at most {} minor units", Self::MAX));
        }
        Ok(Self(amount))
    }
}

impl From<MinorUnits> for u64 {
    fn from(amount: MinorUnits) -> u64 {
        amount.0
    }
}

/// An amount in minor units (cents) of an ISO 4217 currency.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct Money {
    pub amount: MinorUnits,
    pub currency: Currency,
}

impl Money {
    /// The schema of a price: money of at least one minor unit.
    pub fn price_schema() -> RefOr<Schema> {
        let amount = integer_schema("An amount in minor units (cents)", 1, MinorUnits::MAX);
        let mut schema = <Self as utoipa::PartialSchema>::schema();
        if let RefOr::T(Schema::Object(object)) = &mut schema {
            object.properties.insert("amount".to_owned(), amount);
        }
        schema
    }

    /// This amount plus `more` of the same currency (the caller knows it is: see `Pricing`).
    pub(crate) fn plus(self, more: MinorUnits) -> Money {
        Money {
            // Both sides are at most MinorUnits::MAX, so the sum fits in a u64.
            amount: MinorUnits(self.amount.0 + more.0),
            currency: self.currency,
        }
    }

    /// An amount worked out from others (a total, a discount): may exceed what a request may
    /// carry, never `u64`.
    pub fn of(amount: u64, currency: Currency) -> Money {
        Money {
            amount: MinorUnits(amount),
            currency,
        }
    }

    /// This amount `count` times over (a cart line: a unit price by its quantity).
    pub fn times(self, count: u32) -> Money {
        Self::of(
            self.amount.0.saturating_mul(u64::from(count)),
            self.currency,
        )
    }

    /// The sum of two amounts in the same currency; `None` when the currencies differ.
    pub fn checked_add(self, other: Money) -> Option<Money> {
        (self.currency == other.currency).then(|| Money {
            // Both sides are at most MinorUnits::MAX, so the sum fits in a u64.
            amount: MinorUnits(self.amount.0 + other.amount.0),
            currency: self.currency,
        })
    }
}

/// "USD 19.99": the amount in the currency's major units, as messages to people show it.
impl std::fmt::Display for Money {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let exponent = u32::from(self.currency.0.exponent().unwrap_or(0));
        let scale = 10u64.pow(exponent);
        let (major, minor) = (self.amount.0 / scale, self.amount.0 % scale);
        match exponent {
            0 => write!(f, "{} {major}", self.currency),
            _ => write!(
                f,
                "{} {major}.{minor:0width$}",
                self.currency,
                width = exponent as usize
            ),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn usd(amount: u64) -> Money {
        serde_json::from_value(serde_json::json!({"amount": amount, "currency": "USD"})).unwrap()
    }

    #[test]
    fn money_shows_in_major_units_of_its_currency() {
        assert_eq!(usd(1999).to_string(), "USD 19.99");
        assert_eq!(usd(5).to_string(), "USD 0.05");
        assert_eq!(
            Money::of(1500, Currency::try_from("JPY".to_owned()).unwrap()).to_string(),
            "JPY 1500"
        );
    }

    #[test]
    fn money_refuses_floats_unknown_currencies_and_huge_amounts() {
        let float = serde_json::json!({"amount": 19.99, "currency": "USD"});
        assert!(serde_json::from_value::<Money>(float).is_err());
        let unknown = serde_json::json!({"amount": 1999, "currency": "XYZ"});
        assert!(serde_json::from_value::<Money>(unknown).is_err());
        let huge = serde_json::json!({"amount": MinorUnits::MAX + 1, "currency": "USD"});
        assert!(serde_json::from_value::<Money>(huge).is_err());
        let negative = serde_json::json!({"amount": -1, "currency": "USD"});
        assert!(serde_json::from_value::<Money>(negative).is_err());
    }

    #[test]
    fn adding_needs_one_currency() {
        assert_eq!(usd(1999).checked_add(usd(500)), Some(usd(2499)));
        let eur: Money =
            serde_json::from_value(serde_json::json!({"amount": 1, "currency": "EUR"})).unwrap();
        assert_eq!(usd(1).checked_add(eur), None);
    }

    #[test]
    fn money_round_trips_as_json() {
        let json = serde_json::to_value(usd(1999)).unwrap();
        assert_eq!(json, serde_json::json!({"amount": 1999, "currency": "USD"}));
    }
}
