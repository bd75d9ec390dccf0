//! Where an order's units come from: per line, the location with the most units first, so a
//! line one location can send whole is one shipment, and a line none can is split, most first.

use crate::catalog::Sku;
use crate::inventory::{LocationId, ReservationLine, ReservationRequest};
use crate::orders::{Failure, OrderLine};
use std::collections::HashMap;

/// `available`: each SKU's units for sale by location.
pub fn allocate(
    lines: &[OrderLine],
    available: &HashMap<Sku, Vec<(LocationId, u32)>>,
) -> Result<ReservationRequest, Failure> {
    let mut reserved = Vec::new();
    let mut short = Vec::new();
    for line in lines {
        let mut locations: Vec<&(LocationId, u32)> = available
            .get(&line.sku)
            .into_iter()
            .flatten()
            .filter(|(_, units)| *units > 0)
            .collect();
        locations.sort_by(|a, b| b.1.cmp(&a.1).then(a.0.cmp(&b.0)));
        let mut wanted = line.quantity;
        for (location, units) in locations {
            if wanted == 0 {
                break;
            }
            let take = (*units).min(wanted);
            reserved.push(ReservationLine {
                sku: line.sku.clone(),
                location: location.clone(),
                quantity: take,
            });
            wanted -= take;
        }
        if wanted > 0 {
            short.push(line.sku.clone());
        }
    }
    if !short.is_empty() {
        return Err(Failure::OutOfStock { skus: short });
    }
    ReservationRequest::new(reserved).map_err(|invalid| {
        tracing::error!(%invalid, "an order's units do not fit one reservation");
        Failure::CheckoutError
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn line(sku: &str, quantity: u32) -> OrderLine {
        OrderLine::sample(
            sku,
            "seller-a",
            crate::catalog::Fulfillment::Rainforest,
            quantity,
        )
    }

    fn stock(entries: &[(&str, &[(&str, u32)])]) -> HashMap<Sku, Vec<(LocationId, u32)>> {
        entries
            .iter()
            .map(|(sku, at)| {
                let at = at.iter().map(|(l, n)| (l.parse().unwrap(), *n)).collect();
                (sku.parse().unwrap(), at)
            })
            .collect()
    }

    fn held(request: &ReservationRequest) -> Vec<(String, String, u32)> {
        request
            .lines()
            .iter()
            .map(|l| (l.sku.to_string(), l.location.to_string(), l.quantity))
            .collect()
    }

    #[test]
    fn a_line_comes_from_one_location_when_one_has_it_all() {
        let available = stock(&[("A", &[("FC-1", 2), ("FC-2", 5)])]);
        let request = allocate(&[line("A", 3)], &available).unwrap();
        assert_eq!(held(&request), [("A".into(), "FC-2".into(), 3)]);
    }

    #[test]
    fn a_line_no_location_can_send_whole_is_split_most_first() {
        let available = stock(&[("A", &[("FC-1", 2), ("FC-2", 3), ("FC-3", 0)])]);
        let request = allocate(&[line("A", 4)], &available).unwrap();
        assert_eq!(
            held(&request),
            [
                ("A".into(), "FC-1".into(), 1),
                ("A".into(), "FC-2".into(), 3)
            ]
        );
    }

    #[test]
    fn short_lines_are_named_and_nothing_is_asked_for() {
        let available = stock(&[("A", &[("FC-1", 9)]), ("B", &[("FC-1", 1)])]);
        let outcome = allocate(&[line("A", 1), line("B", 2), line("C", 1)], &available);
        assert_eq!(
            outcome,
            Err(Failure::OutOfStock {
                skus: vec!["B".parse().unwrap(), "C".parse().unwrap()]
            })
        );
    }
}
