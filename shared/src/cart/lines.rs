//! What a cart holds, and its limits.

use crate::ids::Sku;
use crate::json::WholeNumber;
use crate::money::Money;
use serde::{Deserialize, Serialize};

/// Lines per cart: what one checkout reservation (a single transaction) can hold.
pub const MAX_LINES: usize = crate::inventory::MAX_LINES;

/// Units of one SKU in a cart, 1 to 30.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(try_from = "WholeNumber", into = "u32")]
pub struct LineQuantity(u32);

impl LineQuantity {
    pub const MAX: u32 = 30;

    pub fn get(self) -> u32 {
        self.0
    }

    /// `units`, or `None` when it is not 1 to [`Self::MAX`].
    pub fn new(units: u32) -> Option<Self> {
        (1..=Self::MAX).contains(&units).then_some(Self(units))
    }
}

impl utoipa::PartialSchema for LineQuantity {
    fn schema() -> utoipa::openapi::RefOr<utoipa::openapi::schema::Schema> {
        crate::money::integer_schema("Units of the SKU", 1, Self::MAX.into())
    }
}

impl utoipa::ToSchema for LineQuantity {}

impl TryFrom<WholeNumber> for LineQuantity {
    type Error = String;
    fn try_from(WholeNumber(units): WholeNumber) -> Result<Self, String> {
        u32::try_from(units)
            .ok()
            .and_then(Self::new)
            .ok_or_else(|| format!("must be 1 to {}", Self::MAX))
    }
}

impl From<LineQuantity> for u32 {
    fn from(units: LineQuantity) -> u32 {
        units.0
    }
}

/// `POST /api/v1/cart/items`.
#[derive(Debug, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct AddItem {
    pub sku: Sku,
    pub quantity: LineQuantity,
}

/// `PATCH /api/v1/cart/items/{sku}`.
#[derive(Debug, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct SetQuantity {
    pub quantity: LineQuantity,
}

/// Whose cart: a signed-in customer's lives 30 days from its last change, a guest's 7.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum CartOwner {
    Customer(String),
    Guest(super::GuestId),
}

impl CartOwner {
    /// The cart's partition key.
    pub fn key(&self) -> String {
        match self {
            Self::Customer(id) => format!("CUSTOMER#{id}"),
            Self::Guest(id) => format!("GUEST#{id}"),
        }
    }

    pub fn lifetime_days(&self) -> u64 {
        match self {
            Self::Customer(_) => 30,
            Self::Guest(_) => 7,
        }
    }

    /// Who coupon use limits count against.
    pub fn customer(&self) -> Option<&str> {
        match self {
            Self::Customer(id) => Some(id),
            Self::Guest(_) => None,
        }
    }
}

/// A line as stored: the price is the one the shopper saw when adding, to flag a change.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct StoredLine {
    pub sku: Sku,
    pub quantity: u32,
    pub added_price: Money,
    pub added_at: String,
}

/// A cart as stored, its expired lines already dropped.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct StoredCart {
    pub lines: Vec<StoredLine>,
    pub coupon: Option<super::CouponCode>,
    /// Its lifetime passed without a change, but TTL has not deleted it yet.
    pub expired: bool,
}

impl StoredCart {
    pub fn line(&self, sku: &Sku) -> Option<&StoredLine> {
        self.lines.iter().find(|line| &line.sku == sku)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn a_line_holds_1_to_30_units() {
        let parse = |v| serde_json::from_value::<LineQuantity>(v);
        assert_eq!(parse(json!(1)).unwrap().get(), 1);
        assert_eq!(parse(json!(30)).unwrap().get(), 30);
        for bad in [json!(0), json!(31), json!(-1), json!(1.5), json!("2")] {
            assert!(parse(bad.clone()).is_err(), "{bad}");
        }
    }
}
