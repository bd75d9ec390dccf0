//! How a confirmed order leaves: one parcel per location and seller, each line's units where
//! the reservation took them.

use super::Saga;
use crate::catalog::{Fulfillment, SellerId};
use crate::inventory::{LocationId, ReservationLine};
use crate::orders::{OrderLine, Shipment, ShipmentLine, ShipmentStatus, TrackingEvent};
use std::collections::BTreeMap;
use std::time::{Duration, SystemTime};

/// The parcels an order's held units make: one per location and seller, each line's units
/// where its reservation took them. `now` is when the order was confirmed.
pub fn split(
    saga: &Saga,
    held: &[ReservationLine],
    now: SystemTime,
) -> anyhow::Result<Vec<Shipment>> {
    let (order_id, lines) = (saga.order_id, &saga.priced()?.lines);
    let plan = saga.shipping()?;
    let at = crate::clock::rfc3339(now);
    let mut parcels: BTreeMap<(SellerId, LocationId), Vec<(&OrderLine, u32)>> = BTreeMap::new();
    for unit in held {
        let line = lines
            .iter()
            .find(|line| line.sku == unit.sku)
            .ok_or_else(|| {
                anyhow::anyhow!("order {order_id} holds {} it has no line for", unit.sku)
            })?;
        parcels
            .entry((line.seller_id.clone(), unit.location.clone()))
            .or_default()
            .push((line, unit.quantity));
    }
    parcels
        .into_iter()
        .enumerate()
        .map(|(n, ((seller_id, location), contents))| {
            let handling = contents
                .iter()
                .map(|(line, _)| u32::from(line.handling_days))
                .max()
                .unwrap_or(0);
            // A parcel's lines share a seller, and a location is either its own or Rainforest's.
            let fulfillment = contents
                .first()
                .map_or(Fulfillment::Rainforest, |(line, _)| line.fulfillment);
            let days = u64::from(plan.days_for(handling));
            Ok(Shipment {
                order_id,
                shipment_id: format!("S{}", n + 1).parse().map_err(anyhow::Error::msg)?,
                customer_id: saga.customer_id.clone(),
                ship_to: saga.shipping_address.clone(),
                seller_id,
                location,
                fulfillment,
                lines: contents
                    .into_iter()
                    .map(|(line, quantity)| ShipmentLine {
                        sku: line.sku.clone(),
                        title: line.title.clone(),
                        quantity,
                    })
                    .collect(),
                status: ShipmentStatus::Preparing,
                handover: None,
                estimated_delivery: crate::clock::rfc3339(now + Duration::from_secs(days * 86_400)),
                timeline: vec![TrackingEvent {
                    status: ShipmentStatus::Preparing,
                    at: at.clone(),
                }],
            })
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn line(sku: &str, seller: &str, fulfillment: Fulfillment, days: u32) -> OrderLine {
        OrderLine {
            handling_days: serde_json::from_value(serde_json::json!(days)).unwrap(),
            ..OrderLine::sample(sku, seller, fulfillment, 5)
        }
    }

    fn saga(lines: Vec<OrderLine>) -> Saga {
        saga_at(lines, crate::orders::ShippingSpeed::Standard)
    }

    fn saga_at(lines: Vec<OrderLine>, speed: crate::orders::ShippingSpeed) -> Saga {
        let nothing = crate::money::Money::of(0, crate::money::Currency::USD);
        Saga {
            order_id: "01KAN0000000000000000000C1".parse().unwrap(),
            customer_id: "c".to_owned(),
            payment_token: "tok_visa".parse().unwrap(),
            expected_total: nothing,
            shipping_address: serde_json::from_value(serde_json::json!({
                "name": "A", "line1": "1 Main St", "city": "Seattle", "postal_code": "98109",
                "country": "US"
            }))
            .unwrap(),
            shipping_speed: speed,
            priced: Some(crate::orders::Priced {
                lines,
                subtotal: nothing,
                discount: nothing,
                shipping: None,
                tax: None,
                total: nothing,
                coupon: None,
            }),
            shipping: Some(crate::checkout::ShippingPlan {
                speed,
                cost: nothing,
                days: 0,
                transit_days: 3,
                ship_from: None,
            }),
            buy_now: None,
        }
    }

    fn held(sku: &str, location: &str, quantity: u32) -> ReservationLine {
        ReservationLine {
            sku: sku.parse().unwrap(),
            location: location.parse().unwrap(),
            quantity,
        }
    }

    #[test]
    fn an_order_ships_one_parcel_per_location_and_seller() {
        let lines = vec![
            line("A", "seller-a", Fulfillment::Rainforest, 1),
            line("B", "seller-a", Fulfillment::Rainforest, 0),
            line("C", "seller-m", Fulfillment::Merchant, 2),
        ];
        let units = [
            held("A", "FC-1", 3),
            held("A", "FC-2", 2),
            held("B", "FC-1", 5),
            held("C", "MF-SELLER-M", 5),
        ];
        let now = std::time::UNIX_EPOCH + Duration::from_secs(1_796_112_000); // 2026-12-01T08:00:00Z
        let shipments = split(&saga(lines), &units, now).unwrap();
        let parcels: Vec<_> = shipments
            .iter()
            .map(|s| {
                let lines: Vec<_> = s
                    .lines
                    .iter()
                    .map(|l| (l.sku.as_ref().to_owned(), l.quantity))
                    .collect();
                (
                    s.shipment_id.as_ref().to_owned(),
                    s.location.as_ref().to_owned(),
                    s.fulfillment,
                    lines,
                )
            })
            .collect();
        assert_eq!(
            parcels,
            [
                (
                    "S1".into(),
                    "FC-1".into(),
                    Fulfillment::Rainforest,
                    vec![("A".into(), 3), ("B".into(), 5)]
                ),
                (
                    "S2".into(),
                    "FC-2".into(),
                    Fulfillment::Rainforest,
                    vec![("A".into(), 2)]
                ),
                (
                    "S3".into(),
                    "MF-SELLER-M".into(),
                    Fulfillment::Merchant,
                    vec![("C".into(), 5)]
                ),
            ]
        );
        // The slowest line's handling, then the carrier's days.
        assert_eq!(shipments[0].estimated_delivery, "2026-12-05T08:00:00Z");
        assert_eq!(shipments[2].estimated_delivery, "2026-12-06T08:00:00Z");
        assert!(
            shipments
                .iter()
                .all(|s| s.status == ShipmentStatus::Preparing && s.timeline.len() == 1)
        );
    }

    #[test]
    fn a_same_day_parcel_arrives_the_day_it_is_ordered() {
        let lines = vec![line("A", "seller-a", Fulfillment::Rainforest, 2)];
        let now = std::time::UNIX_EPOCH + Duration::from_secs(1_796_112_000);
        let same_day = saga_at(lines, crate::orders::ShippingSpeed::SameDay);
        let shipments = split(&same_day, &[held("A", "FC-SEA1", 1)], now).unwrap();
        assert_eq!(shipments[0].estimated_delivery, "2026-12-01T08:00:00Z");
    }

    #[test]
    fn units_held_for_no_line_are_an_error() {
        let lines = vec![line("A", "seller-a", Fulfillment::Rainforest, 1)];
        assert!(split(&saga(lines), &[held("Z", "FC-1", 1)], SystemTime::now()).is_err());
    }
}
