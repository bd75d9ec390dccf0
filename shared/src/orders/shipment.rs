//! Shipments: an order leaves in one parcel per fulfillment center and seller. Rainforest's
//! warehouse picks and packs its own; a merchant-fulfilled parcel waits for its seller to ship
//! it; from then on the carrier moves both. Each parcel moves forward one status at a time.

use super::{Address, OrderId};
use crate::catalog::{Fulfillment, SellerId, Sku};
use crate::inventory::LocationId;
use serde::{Deserialize, Serialize};
use std::time::Duration;

crate::identifier!(
    /// A shipment of an order: `S1`, `S2`, ...
    ShipmentId, 2, 3, "A-Z0-9", "S and a number"
);

crate::bounded_text!(
    /// The carrier that moves a parcel, as the seller names it.
    Carrier, 2, 40
);

crate::identifier!(
    /// The carrier's number for a parcel.
    TrackingNumber, 6, 40, "A-Za-z0-9-", "letters, digits or '-'"
);

/// Days a parcel spends with the carrier at standard speed.
pub const TRANSIT_DAYS: u32 = 3;

/// The carrier Rainforest's warehouse hands its parcels to.
pub const RAINFOREST_CARRIER: &str = "Rainforest Logistics";

#[derive(
    Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize, utoipa::ToSchema,
)]
#[serde(rename_all = "snake_case")]
pub enum ShipmentStatus {
    /// Waiting for the warehouse to pick it, or for a merchant to ship it.
    Preparing,
    Picked,
    Packed,
    /// With the carrier, who has given it a tracking number.
    Shipped,
    /// The carrier scanned it on its way.
    InTransit,
    OutForDelivery,
    Delivered,
    /// The order was cancelled before it shipped.
    Cancelled,
}

impl ShipmentStatus {
    /// Whether the parcel has left: an order with one such parcel can no longer be cancelled.
    pub fn has_shipped(self) -> bool {
        matches!(
            self,
            Self::Shipped | Self::InTransit | Self::OutForDelivery | Self::Delivered
        )
    }

    /// The status a parcel comes to next without anyone's say, and how long after this one it
    /// does (at time scale 1): `None` while it waits for its merchant, and once it is done.
    pub fn next(self, fulfillment: Fulfillment) -> Option<(Self, Duration)> {
        const HOUR: u64 = 3600;
        let (next, hours) = match (self, fulfillment) {
            (Self::Preparing, Fulfillment::Rainforest) => (Self::Picked, 2),
            (Self::Picked, _) => (Self::Packed, 1),
            (Self::Packed, _) => (Self::Shipped, 2),
            (Self::Shipped, _) => (Self::InTransit, 8),
            (Self::InTransit, _) => (Self::OutForDelivery, u64::from(TRANSIT_DAYS) * 24 - 20),
            (Self::OutForDelivery, _) => (Self::Delivered, 6),
            (Self::Preparing, Fulfillment::Merchant) | (Self::Delivered | Self::Cancelled, _) => {
                return None;
            }
        };
        Some((next, Duration::from_secs(hours * HOUR)))
    }

    /// The status a parcel must be in to come to this one; `None` for the first.
    pub fn previous(self) -> Option<Self> {
        match self {
            Self::Preparing | Self::Cancelled => None,
            Self::Picked => Some(Self::Preparing),
            Self::Packed => Some(Self::Picked),
            Self::Shipped => None,
            Self::InTransit => Some(Self::Shipped),
            Self::OutForDelivery => Some(Self::InTransit),
            Self::Delivered => Some(Self::OutForDelivery),
        }
    }

    /// Where a parcel comes to `Shipped` from: packed in the warehouse, or straight from
    /// preparing when its merchant ships it.
    pub fn ships_from(fulfillment: Fulfillment) -> Self {
        match fulfillment {
            Fulfillment::Rainforest => Self::Packed,
            Fulfillment::Merchant => Self::Preparing,
        }
    }
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct ShipmentLine {
    pub sku: Sku,
    pub title: String,
    pub quantity: u32,
}

/// One status a parcel reached, and when.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct TrackingEvent {
    pub status: ShipmentStatus,
    pub at: String,
}

/// Who moves a shipped parcel, and its number with them.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct Handover {
    pub carrier: Carrier,
    pub tracking_number: TrackingNumber,
}

impl Handover {
    /// Rainforest's carrier's number for a parcel: the same on every retry.
    #[allow(clippy::expect_used)]
    pub fn rainforest(order_id: OrderId, shipment_id: &ShipmentId) -> Self {
        Self {
            carrier: Carrier::try_from(RAINFOREST_CARRIER.to_owned())
                .expect("the carrier's name fits"),
            tracking_number: format!("RF{order_id}{shipment_id}")
                .parse()
                .expect("an order id and a shipment id make a tracking number"),
        }
    }
}

/// Names one parcel of one order: `<order id>.<shipment id>`, a seller's page cursor.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ShipmentKey {
    pub order_id: OrderId,
    pub shipment_id: ShipmentId,
}

impl ShipmentKey {
    pub fn of(shipment: &Shipment) -> Self {
        Self {
            order_id: shipment.order_id,
            shipment_id: shipment.shipment_id.clone(),
        }
    }
}

impl std::fmt::Display for ShipmentKey {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{}.{}", self.order_id, self.shipment_id)
    }
}

impl std::str::FromStr for ShipmentKey {
    type Err = String;
    fn from_str(text: &str) -> Result<Self, String> {
        let rule = || "must be the next_cursor of a page of shipments".to_owned();
        let (order, shipment) = text.split_once('.').ok_or_else(rule)?;
        Ok(Self {
            order_id: order.parse().map_err(|_| rule())?,
            shipment_id: shipment.parse().map_err(|_| rule())?,
        })
    }
}

impl Serialize for ShipmentKey {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.collect_str(self)
    }
}

impl utoipa::PartialSchema for ShipmentKey {
    fn schema() -> utoipa::openapi::RefOr<utoipa::openapi::schema::Schema> {
        // An order id (26), '.', and a shipment id (2 or 3), as `from_str` reads them.
        crate::text::string_schema(
            "An order's id and a shipment's, joined by '.'",
            29,
            30,
            "^[0-7][0-9A-HJKMNP-TV-Za-hjkmnp-tv-z]{25}\\.[A-Z0-9]{2,3}$".to_owned(),
        )
    }
}

impl utoipa::ToSchema for ShipmentKey {}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct Shipment {
    pub order_id: OrderId,
    pub shipment_id: ShipmentId,
    pub customer_id: String,
    /// Where it goes: what its merchant needs to ship it.
    pub ship_to: Address,
    pub seller_id: SellerId,
    /// The fulfillment center (or the merchant's own place) it leaves from.
    pub location: LocationId,
    pub fulfillment: Fulfillment,
    pub lines: Vec<ShipmentLine>,
    pub status: ShipmentStatus,
    /// Once it has shipped.
    #[serde(default)]
    pub handover: Option<Handover>,
    pub estimated_delivery: String,
    /// Every status it reached, first to last.
    pub timeline: Vec<TrackingEvent>,
}

#[cfg(test)]
mod tests {
    use super::*;
    use ShipmentStatus::*;

    #[test]
    fn the_warehouse_moves_its_parcels_and_the_carrier_everyone_s_once_shipped() {
        let walk = |fulfillment| {
            let mut status = Preparing;
            let mut seen = vec![status];
            while let Some((next, _)) = status.next(fulfillment) {
                assert!(next.previous() == Some(status) || next == Shipped);
                status = next;
                seen.push(status);
            }
            seen
        };
        assert_eq!(
            walk(Fulfillment::Rainforest),
            [
                Preparing,
                Picked,
                Packed,
                Shipped,
                InTransit,
                OutForDelivery,
                Delivered
            ]
        );
        assert_eq!(
            walk(Fulfillment::Merchant),
            [Preparing],
            "its seller ships it"
        );
        assert_eq!(ShipmentStatus::ships_from(Fulfillment::Merchant), Preparing);
        assert_eq!(
            Shipped.next(Fulfillment::Merchant).map(|(s, _)| s),
            Some(InTransit)
        );
        assert!(Shipped.has_shipped() && Delivered.has_shipped() && !Packed.has_shipped());
        assert_eq!(Cancelled.next(Fulfillment::Rainforest), None);
    }

    /// Schemathesis sends whatever the schema allows (an empty cursor found the gap once).
    #[test]
    fn the_cursor_schema_accepts_what_the_parser_accepts() {
        use utoipa::openapi::{RefOr, schema::Schema};
        let RefOr::T(Schema::Object(schema)) = <ShipmentKey as utoipa::PartialSchema>::schema()
        else {
            panic!("a string schema")
        };
        let pattern = regex::Regex::new(schema.pattern.as_deref().unwrap()).unwrap();
        let (min, max) = (schema.min_length.unwrap(), schema.max_length.unwrap());
        for text in [
            "01KAN0000000000000000000C1.S1",
            "01KAN0000000000000000000C1.S12",
            "01kan0000000000000000000c1.S1",
            "",
            ".",
            "01KAN0000000000000000000C1",
            "01KAN0000000000000000000C1.",
            "01KAN0000000000000000000C1.s1",
            "01KAN0000000000000000000C1.S1234",
            "81KAN0000000000000000000C1.S1",
            "01KAN0000000000000000000C1xS1",
            "01KAN0000000000000000000C1.S1.S2",
        ] {
            let by_schema = pattern.is_match(text) && (min..=max).contains(&text.len());
            assert_eq!(by_schema, text.parse::<ShipmentKey>().is_ok(), "{text:?}");
        }
    }

    #[test]
    fn a_rainforest_tracking_number_is_the_same_on_every_retry() {
        let id = "01KAN0000000000000000000C1".parse().unwrap();
        let s1: ShipmentId = "S1".parse().unwrap();
        assert_eq!(Handover::rainforest(id, &s1), Handover::rainforest(id, &s1));
        assert_eq!(
            Handover::rainforest(id, &s1).tracking_number.as_ref(),
            "RF01KAN0000000000000000000C1S1"
        );
    }
}
