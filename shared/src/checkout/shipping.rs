//! How an order travels: the speeds a country has, what each costs and how long it takes are
//! data (`shared/data/shipping-rates.json`), as they change with carriers' contracts, not code.
//! Same-day needs every unit Rainforest-fulfilled and waiting at a fulfillment center in the
//! shopper's own region, which then ships all of it.

use crate::catalog::{Fulfillment, SellerId};
use crate::ids::Sku;
use crate::inventory::LocationId;
use crate::money::Money;
use crate::orders::{Address, Failure, Priced, ShippingSpeed};
use serde::{Deserialize, Serialize};
use std::collections::{BTreeMap, BTreeSet, HashMap};

/// Each SKU's units that can be sold, per location (what reservation allocates from).
pub type Available = HashMap<Sku, Vec<(LocationId, u32)>>;

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ShippingRates {
    speeds: BTreeMap<ShippingSpeed, SpeedRate>,
    /// The speeds each country (ISO 3166-1 alpha-2) has; a country not named is not served.
    countries: BTreeMap<String, Vec<ShippingSpeed>>,
    fulfillment_centers: BTreeMap<LocationId, Place>,
}

/// Amounts in the marketplace currency's minor units.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct SpeedRate {
    per_parcel: u64,
    /// An order whose goods come to this much ships free at this speed.
    #[serde(default)]
    free_from: Option<u64>,
    transit_days: u32,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct Place {
    country: String,
    region: String,
}

/// How an order travels, as checkout settled it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct ShippingPlan {
    pub speed: ShippingSpeed,
    pub cost: Money,
    /// Days from the order to the door: the slowest line's handling, then the speed's transit.
    pub days: u32,
    /// Days with the carrier.
    pub transit_days: u32,
    /// Same-day's fulfillment center: the reservation takes every unit from it.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub ship_from: Option<LocationId>,
}

impl ShippingPlan {
    /// Days from the order to the door for a parcel whose lines take `handling` days to leave
    /// (same-day's leave at once).
    pub fn days_for(&self, handling: u32) -> u32 {
        match self.speed {
            ShippingSpeed::SameDay => 0,
            _ => handling + self.transit_days,
        }
    }
}

impl ShippingRates {
    /// The rates the team keeps in `shared/data/shipping-rates.json`.
    pub fn standard() -> anyhow::Result<Self> {
        Self::parse(include_str!("../../data/shipping-rates.json"))
    }

    pub fn parse(text: &str) -> anyhow::Result<Self> {
        let rates: Self = serde_json::from_str(text)?;
        for (country, speeds) in &rates.countries {
            if let Some(speed) = speeds.iter().find(|s| !rates.speeds.contains_key(s)) {
                anyhow::bail!("shipping rates: {country} has {speed:?}, which has no rate");
            }
        }
        Ok(rates)
    }

    /// The order as it ships to `to` at `speed`, or why it cannot (with the speeds it can).
    pub fn plan(
        &self,
        speed: ShippingSpeed,
        priced: &Priced,
        to: &Address,
        available: &Available,
    ) -> Result<ShippingPlan, Failure> {
        let options = self.options(priced, to, available);
        options
            .iter()
            .find(|plan| plan.speed == speed)
            .cloned()
            .ok_or_else(|| Failure::AddressNotDeliverable {
                speed,
                speeds: options.iter().map(|plan| plan.speed).collect(),
            })
    }

    /// Every speed the order can have to `to`, slowest first.
    pub fn options(
        &self,
        priced: &Priced,
        to: &Address,
        available: &Available,
    ) -> Vec<ShippingPlan> {
        let Some(speeds) = self.countries.get(to.country.as_ref()) else {
            return Vec::new();
        };
        // A parcel per seller, and per Rainforest's centers or the seller's own place.
        let parcels: BTreeSet<(&SellerId, bool)> = priced
            .lines
            .iter()
            .map(|line| (&line.seller_id, line.fulfillment == Fulfillment::Rainforest))
            .collect();
        let handling = priced
            .lines
            .iter()
            .map(|line| u32::from(line.handling_days))
            .max()
            .unwrap_or(0);
        let goods = priced.total.amount.get();
        let mut plans: Vec<ShippingPlan> = speeds
            .iter()
            .filter_map(|&speed| {
                let rate = self.speeds.get(&speed)?;
                let ship_from = match speed {
                    ShippingSpeed::SameDay => Some(self.local_center(priced, to, available)?),
                    _ => None,
                };
                let free = rate.free_from.is_some_and(|from| goods >= from);
                let count = u64::try_from(parcels.len()).unwrap_or(u64::MAX);
                let cost = if free {
                    0
                } else {
                    rate.per_parcel.saturating_mul(count)
                };
                let mut plan = ShippingPlan {
                    speed,
                    cost: Money::of(cost, priced.total.currency),
                    days: 0,
                    transit_days: rate.transit_days,
                    ship_from,
                };
                plan.days = plan.days_for(handling);
                Some(plan)
            })
            .collect();
        plans.sort_by_key(|plan| plan.speed);
        plans
    }

    /// A fulfillment center in the address's region with every line's units, for same-day.
    fn local_center(
        &self,
        priced: &Priced,
        to: &Address,
        available: &Available,
    ) -> Option<LocationId> {
        if priced
            .lines
            .iter()
            .any(|line| line.fulfillment != Fulfillment::Rainforest)
        {
            return None;
        }
        let region = to.region.as_ref()?;
        self.fulfillment_centers
            .iter()
            .filter(|(_, place)| {
                place.country == to.country.as_ref() && place.region == region.as_ref()
            })
            .map(|(center, _)| center)
            .find(|center| {
                priced.lines.iter().all(|line| {
                    available.get(&line.sku).is_some_and(|here| {
                        here.iter()
                            .any(|(at, units)| at == *center && *units >= line.quantity)
                    })
                })
            })
            .cloned()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::orders::OrderLine;
    use serde_json::json;

    /// `units` at $1 each, from Rainforest's fulfillment centers.
    fn rainforest(sku: &str, units: u32) -> OrderLine {
        OrderLine::sample(sku, "seller-01", Fulfillment::Rainforest, units)
    }

    fn stock(sku: &str, at: &str, units: u32) -> Available {
        [(sku.parse().unwrap(), vec![(at.parse().unwrap(), units)])].into()
    }

    #[test]
    fn each_country_has_its_speeds_and_a_small_order_pays_per_parcel() {
        let rates = ShippingRates::standard().unwrap();
        let merchant = OrderLine {
            handling_days: serde_json::from_value(json!(2)).unwrap(),
            ..OrderLine::sample("SKU-2", "seller-02", Fulfillment::Merchant, 3)
        };
        // Two sellers: two parcels, $4 of goods (standard is free from $25).
        let order = Priced::sample(vec![rainforest("SKU-1", 1), merchant], 0);
        let none = Available::new();
        let us = rates.options(&order, &Address::sample("US", Some("WA")), &none);
        let speeds: Vec<_> = us
            .iter()
            .map(|p| (p.speed, p.cost.amount.get(), p.days))
            .collect();
        assert_eq!(
            speeds,
            [
                (ShippingSpeed::Standard, 2 * 599, 2 + 3),
                (ShippingSpeed::Express, 2 * 1299, 2 + 1)
            ],
            "no same-day: a merchant ships one line"
        );
        let refused = rates
            .plan(
                ShippingSpeed::Express,
                &order,
                &Address::sample("JP", None),
                &none,
            )
            .unwrap_err();
        assert_eq!(
            refused,
            Failure::AddressNotDeliverable {
                speed: ShippingSpeed::Express,
                speeds: vec![]
            }
        );
        let canada = rates.plan(
            ShippingSpeed::SameDay,
            &order,
            &Address::sample("CA", Some("ON")),
            &none,
        );
        assert!(matches!(
            canada,
            Err(Failure::AddressNotDeliverable { speeds, .. }) if speeds == [ShippingSpeed::Standard, ShippingSpeed::Express]
        ));
    }

    #[test]
    fn standard_is_free_from_the_threshold() {
        let rates = ShippingRates::standard().unwrap();
        let order = Priced::sample(vec![rainforest("SKU-1", 25)], 0);
        let plan = rates
            .plan(
                ShippingSpeed::Standard,
                &order,
                &Address::sample("US", Some("OR")),
                &Available::new(),
            )
            .unwrap();
        assert_eq!(plan.cost.amount.get(), 0);
        let small = Priced::sample(vec![rainforest("SKU-1", 24)], 0);
        let plan = rates
            .plan(
                ShippingSpeed::Standard,
                &small,
                &Address::sample("US", Some("OR")),
                &Available::new(),
            )
            .unwrap();
        assert_eq!(plan.cost.amount.get(), 599);
    }

    #[test]
    fn same_day_needs_every_unit_at_a_center_in_the_shoppers_region() {
        let rates = ShippingRates::standard().unwrap();
        let order = Priced::sample(vec![rainforest("SKU-1", 2)], 0);
        let seattle = Address::sample("US", Some("WA"));
        let plan = rates
            .plan(
                ShippingSpeed::SameDay,
                &order,
                &seattle,
                &stock("SKU-1", "FC-SEA1", 2),
            )
            .unwrap();
        assert_eq!(plan.ship_from, Some("FC-SEA1".parse().unwrap()));
        assert_eq!((plan.days, plan.cost.amount.get()), (0, 1999));
        for (available, to) in [
            (stock("SKU-1", "FC-SEA1", 1), &seattle),
            (stock("SKU-1", "FC-DFW2", 5), &seattle),
            (
                stock("SKU-1", "FC-SEA1", 5),
                &Address::sample("US", Some("OR")),
            ),
        ] {
            assert!(
                rates
                    .plan(ShippingSpeed::SameDay, &order, to, &available)
                    .is_err(),
                "{available:?}"
            );
        }
    }

    #[test]
    fn rates_naming_a_speed_without_a_rate_are_refused() {
        let text =
            json!({"speeds": {}, "countries": {"US": ["standard"]}, "fulfillment_centers": {}});
        assert!(ShippingRates::parse(&text.to_string()).is_err());
    }
}
