//! Demo stock: four fulfillment centers. A Rainforest-fulfilled offer's units are spread over one
//! to three of them, a merchant-fulfilled offer's are at its seller's own location, and about one
//! SKU in twelve is nearly sold out (one to three units left).

use super::SEED;
use shared::catalog::SellerId;
use shared::catalog::{Fulfillment, Offer};
use shared::inventory::{BatchLine, InventoryStore, LineOutcome, LocationId, Sku, StockBatchId};

pub const FULFILLMENT_CENTERS: [&str; 4] = ["FC-SEA1", "FC-DFW2", "FC-ATL3", "FC-ONT4"];

/// A stock batch seller-09 sent earlier, to follow at `/api/v1/seller/inventory/batches/{id}`.
pub const DEMO_BATCH: &str = "01KAM00000000000000000000A";

/// Records the demo batch: three lines, one applied, one stale, one failed.
pub async fn demo_batch(store: &InventoryStore) -> anyhow::Result<()> {
    let id: StockBatchId = DEMO_BATCH.parse().map_err(anyhow::Error::msg)?;
    let seller: SellerId = super::seller_id(8).parse().map_err(anyhow::Error::msg)?;
    store.create_batch(id, &seller, 3).await?;
    let outcomes = [
        LineOutcome::Applied,
        LineOutcome::Stale,
        LineOutcome::Failed {
            error: "unknown SKU SELLER-09-GONE".to_owned(),
        },
    ];
    for (line, outcome) in (0..).zip(outcomes) {
        store.record_line(&BatchLine { id, line }, outcome).await?;
    }
    Ok(())
}

/// A CSV feed seller-09 uploaded earlier, to follow at `/api/v1/seller/inventory/feeds/{id}`.
pub const DEMO_FEED: &str = "01KAM00000000000000000000B";

/// Records the demo feed as imported: two lines, one applied, one refused.
pub async fn demo_feed(store: &InventoryStore) -> anyhow::Result<()> {
    let id: StockBatchId = DEMO_FEED.parse().map_err(anyhow::Error::msg)?;
    let seller: SellerId = super::seller_id(8).parse().map_err(anyhow::Error::msg)?;
    store.create_feed(id, &seller).await?;
    let outcomes = [
        (2, LineOutcome::Applied),
        (
            3,
            LineOutcome::Failed {
                error: "quantity: must be 0 or more".to_owned(),
            },
        ),
    ];
    for (line, outcome) in outcomes {
        store.record_line(&BatchLine { id, line }, outcome).await?;
    }
    store.finish_feed(id, 2).await
}

/// Each offer's units (the seller's, a few of them cut to nearly none) at each location it is
/// stocked at.
pub fn demo_stock(offers: &[(Offer, u32)]) -> Vec<(Sku, LocationId, u32)> {
    let mut rng = fastrand::Rng::with_seed(SEED);
    let mut counts = Vec::new();
    for (offer, units) in offers {
        let units = if *units > 0 && rng.u8(..12) == 0 {
            rng.u32(1..=3)
        } else {
            *units
        };
        let locations: Vec<String> = match offer.fulfillment {
            Fulfillment::Merchant => {
                vec![format!("MF-{}", offer.seller_id.as_ref().to_uppercase())]
            }
            Fulfillment::Rainforest => {
                let first = rng.usize(..FULFILLMENT_CENTERS.len());
                let spread = rng.usize(1..=3).min(units.max(1) as usize);
                (0..spread)
                    .map(|n| {
                        FULFILLMENT_CENTERS[(first + n) % FULFILLMENT_CENTERS.len()].to_owned()
                    })
                    .collect()
            }
        };
        let share = units / locations.len() as u32;
        for (n, location) in locations.iter().enumerate() {
            // The first location takes what does not divide evenly.
            let here = if n == 0 {
                units - share * (locations.len() as u32 - 1)
            } else {
                share
            };
            counts.push((
                offer.sku.clone(),
                location.parse().expect("a location id"),
                here,
            ));
        }
    }
    counts
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::{BTreeMap, BTreeSet};

    #[test]
    fn the_demo_stock_spreads_every_offer_s_units_over_its_locations() {
        let (_, offers) = crate::seed::catalog::generated();
        let stock = demo_stock(&offers);
        let mut per_sku: BTreeMap<&Sku, (u32, Vec<&LocationId>)> = BTreeMap::new();
        for (sku, location, units) in &stock {
            let entry = per_sku.entry(sku).or_default();
            entry.0 += units;
            entry.1.push(location);
        }
        let mut nearly_sold_out = 0;
        for (offer, listed) in &offers {
            let (units, locations) = &per_sku[&offer.sku];
            let listed = *listed;
            assert!(
                *units == listed || (listed > 0 && (1..=3).contains(units)),
                "{offer:?}"
            );
            nearly_sold_out += usize::from(*units != listed);
            match offer.fulfillment {
                Fulfillment::Merchant => {
                    assert_eq!(locations.len(), 1);
                    assert!(
                        locations[0].as_ref().starts_with("MF-SELLER-"),
                        "{locations:?}"
                    );
                }
                Fulfillment::Rainforest => {
                    assert!((1..=3).contains(&locations.len()));
                    assert!(
                        locations
                            .iter()
                            .all(|l| FULFILLMENT_CENTERS.contains(&l.as_ref()))
                    );
                }
            }
        }
        assert!(
            nearly_sold_out > offers.len() / 20,
            "{nearly_sold_out} nearly sold out"
        );
        let none = offers
            .iter()
            .filter(|(offer, _)| per_sku[&offer.sku].0 == 0)
            .count();
        assert!(none > offers.len() / 40, "{none} offers out of stock");
        let centers: BTreeSet<&str> = stock
            .iter()
            .map(|(_, l, _)| l.as_ref())
            .filter(|l| l.starts_with("FC-"))
            .collect();
        assert_eq!(centers.len(), FULFILLMENT_CENTERS.len());
        assert_eq!(
            stock,
            demo_stock(&offers),
            "the same seed gives the same stock"
        );
    }
}
