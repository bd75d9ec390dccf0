//! A seller's stock update: the units on hand of one SKU at one location, or a change to them,
//! numbered by the seller. A late count never undoes a newer update, and a change applies once.

use super::batch::BatchLine;
use crate::ids::{LocationId, SellerId, Sku};
use crate::json::{Integer, WholeNumber};
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

/// A change of units on hand: at most a million either way (zero changes nothing but is
/// numbered like any other).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(try_from = "Integer", into = "i64")]
pub struct Delta(i32);

impl Delta {
    const MAX: i32 = 1_000_000;
}

impl TryFrom<Integer> for Delta {
    type Error = String;
    fn try_from(Integer(change): Integer) -> Result<Self, String> {
        i32::try_from(change)
            .ok()
            .filter(|change| change.abs() <= Self::MAX)
            .map(Self)
            .ok_or_else(|| format!("must be -{0} to {0}", Self::MAX))
    }
}

impl From<Delta> for i64 {
    fn from(change: Delta) -> i64 {
        change.0.into()
    }
}

/// What a seller says of one SKU at one location.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum StockChange {
    /// The units on hand now.
    Count(Quantity),
    /// Units received (positive) or gone (negative) since.
    Delta(Delta),
}

impl StockChange {
    /// A message or a line carries exactly one of the two.
    pub fn from_fields(
        quantity: Option<Quantity>,
        delta: Option<Delta>,
    ) -> Result<Self, &'static str> {
        match (quantity, delta) {
            (Some(quantity), None) => Ok(Self::Count(quantity)),
            (None, Some(delta)) => Ok(Self::Delta(delta)),
            _ => Err("must have exactly one of quantity and delta"),
        }
    }
}

#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(try_from = "StockUpdateFields", into = "StockUpdateFields")]
pub struct StockUpdate {
    pub seller_id: SellerId,
    pub sku: Sku,
    pub location: LocationId,
    pub change: StockChange,
    /// Grows with each update the seller sends for this SKU and location.
    pub sequence: u64,
    /// The batch line it came in, if it came through the batch route.
    pub batch: Option<BatchLine>,
}

/// The message as it travels: exactly one of `quantity` and `delta`.
#[derive(Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
struct StockUpdateFields {
    seller_id: SellerId,
    sku: Sku,
    location: LocationId,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    quantity: Option<Quantity>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    delta: Option<Delta>,
    #[serde(deserialize_with = "crate::json::whole_number")]
    sequence: u64,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    batch: Option<BatchLine>,
}

impl TryFrom<StockUpdateFields> for StockUpdate {
    type Error = &'static str;
    fn try_from(fields: StockUpdateFields) -> Result<Self, Self::Error> {
        Ok(Self {
            change: StockChange::from_fields(fields.quantity, fields.delta)?,
            seller_id: fields.seller_id,
            sku: fields.sku,
            location: fields.location,
            sequence: fields.sequence,
            batch: fields.batch,
        })
    }
}

impl From<StockUpdate> for StockUpdateFields {
    fn from(update: StockUpdate) -> Self {
        let (quantity, delta) = match update.change {
            StockChange::Count(quantity) => (Some(quantity), None),
            StockChange::Delta(delta) => (None, Some(delta)),
        };
        Self {
            seller_id: update.seller_id,
            sku: update.sku,
            location: update.location,
            quantity,
            delta,
            sequence: update.sequence,
            batch: update.batch,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn parse(value: serde_json::Value) -> Result<StockUpdate, serde_json::Error> {
        serde_json::from_value(value)
    }

    #[test]
    fn an_update_is_a_count_or_a_change_never_both_nor_neither() {
        let base = json!({"seller_id": "s", "sku": "A", "location": "FC1", "sequence": 3});
        let with = |key: &str, value: serde_json::Value| {
            let mut message = base.clone();
            message[key] = value;
            message
        };
        let count = parse(with("quantity", json!(7))).unwrap();
        assert_eq!(count.change, StockChange::Count(Quantity(7)));
        let delta = parse(with("delta", json!(-2))).unwrap();
        assert_eq!(delta.change, StockChange::Delta(Delta(-2)));
        assert!(parse(base.clone()).is_err());
        let mut both = with("quantity", json!(7));
        both["delta"] = json!(1);
        assert!(parse(both).is_err());
        assert!(parse(with("delta", json!(0))).is_ok());
        assert!(parse(with("delta", json!(2_000_000))).is_err());
        assert_eq!(
            parse(with("delta", json!(-3.0))).unwrap().change,
            StockChange::Delta(Delta(-3))
        );
        assert!(parse(with("delta", json!(-3.5))).is_err());
        let mut whole = with("quantity", json!(1));
        whole["sequence"] = json!(4_701_252_390.0);
        assert_eq!(parse(whole).unwrap().sequence, 4_701_252_390);
        assert!(parse(with("quantity", json!(-1))).is_err());
        let again: StockUpdate = parse(serde_json::to_value(&delta).unwrap()).unwrap();
        assert_eq!(again.change, delta.change);
    }
}
