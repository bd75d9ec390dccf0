//! A stock count from a seller's feed: the units on hand of one SKU at one location, numbered by
//! the seller, so a late or repeated count never undoes a newer one.

use crate::ids::{LocationId, SellerId, Sku};
use crate::json::WholeNumber;
use serde::{Deserialize, Serialize};

/// Units on hand, as a seller counts them.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(try_from = "WholeNumber", into = "u32")]
pub struct Quantity(u32);

impl Quantity {
    const MAX: u32 = 1_000_000;
}

impl utoipa::PartialSchema for Quantity {
    fn schema() -> utoipa::openapi::RefOr<utoipa::openapi::schema::Schema> {
        crate::money::integer_schema("Units", 0, Self::MAX.into())
    }
}

impl utoipa::ToSchema for Quantity {}

impl TryFrom<WholeNumber> for Quantity {
    type Error = String;
    fn try_from(WholeNumber(units): WholeNumber) -> Result<Self, String> {
        u32::try_from(units)
            .ok()
            .filter(|units| *units <= Self::MAX)
            .map(Self)
            .ok_or_else(|| format!("must be at most {} units", Self::MAX))
    }
}

impl From<Quantity> for u32 {
    fn from(units: Quantity) -> u32 {
        units.0
    }
}

#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct StockCount {
    pub seller_id: SellerId,
    pub sku: Sku,
    pub location: LocationId,
    pub quantity: Quantity,
    /// Grows with each count the seller sends for this SKU and location.
    pub sequence: u64,
}
