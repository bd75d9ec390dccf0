//! The Buy Box: which offer a shopper buys from by default. Product pages, search and the cart
//! all call [`choose`], so the rule lives only here.
//!
//! An offer can win when it is active, has units available (inventory's count, the one source),
//! is new, and is priced in the marketplace currency.
//! Among those the lowest *adjusted* landed price wins: price plus shipping, raised by a few
//! percent for what makes an offer less attractive than its price says:
//! - fulfilled by the merchant rather than Rainforest: +5%;
//! - each handling day beyond 2: +1%;
//! - each tenth of a star the seller is below 5.0: +0.4% (an unrated seller counts as 3.0).
//!
//! Ties go to the better-rated seller, then Rainforest fulfillment, then the lower landed price,
//! then the SKU, so the choice never depends on the order offers were read in.

use super::{Condition, Fulfillment, Offer, OfferStatus, SellerId, SellerRating, Sku};
use crate::inventory::Availability;
use crate::money::{Currency, Money};
use serde::{Deserialize, Serialize};
use std::cmp::Reverse;
use std::collections::HashMap;

const MERCHANT_PENALTY_PERMILLE: u64 = 50;
const HANDLING_DAYS_INCLUDED: u32 = 2;
const PER_EXTRA_DAY_PERMILLE: u64 = 10;
const PER_MISSING_TENTH_PERMILLE: u64 = 4;
const UNRATED_TENTHS: u8 = 30;

/// The winner, if any offer is eligible, and the other offers, cheapest landed price first.
#[derive(Debug, Clone, PartialEq)]
pub struct BuyBox {
    pub winner: Option<Offer>,
    pub others: Vec<Offer>,
}

/// What a listing shows of a product's Buy Box without reading its offers. The price-change
/// subscriber keeps it on the product item; the product page always computes the Buy Box afresh.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct BuyBoxSummary {
    /// Absent when no offer can win (none in stock, say).
    pub winner: Option<Winning>,
    /// The winner's availability, or out of stock when there is none.
    pub availability: Availability,
    /// Offers a shopper can buy now, the winner's included.
    pub offer_count: u32,
    /// Offers on sale, in stock or not: none means the product is delisted (search drops it),
    /// while one out of stock is still listed.
    #[serde(default)]
    pub listed_offers: u32,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct Winning {
    /// What the shopper pays: price plus shipping.
    pub landed_price: Money,
    pub seller_id: SellerId,
    pub sku: Sku,
}

impl BuyBoxSummary {
    pub fn of(chosen: &BuyBox, available: &HashMap<Sku, u32>) -> Self {
        let units = |offer: &Offer| available.get(&offer.sku).copied().unwrap_or(0);
        let listed: Vec<&Offer> = chosen
            .winner
            .iter()
            .chain(&chosen.others)
            .filter(|offer| offer.status == OfferStatus::Active)
            .collect();
        let offer_count = listed.iter().filter(|offer| units(offer) > 0).count();
        let count = |n: usize| u32::try_from(n).unwrap_or(u32::MAX);
        Self {
            winner: chosen.winner.as_ref().map(|offer| Winning {
                landed_price: offer.landed_price(),
                seller_id: offer.seller_id.clone(),
                sku: offer.sku.clone(),
            }),
            availability: Availability::of(chosen.winner.as_ref().map_or(0, units)),
            offer_count: count(offer_count),
            listed_offers: count(listed.len()),
        }
    }
}

pub fn eligible(offer: &Offer, available: u32, currency: Currency) -> bool {
    offer.status == OfferStatus::Active
        && available > 0
        && offer.condition == Condition::New
        && offer.currency() == currency
}

/// Landed price in minor units times (1000 + penalties in permille): lower is better.
fn adjusted_price(offer: &Offer, rating_tenths: u8) -> u128 {
    let mut permille = 1000;
    if offer.fulfillment == Fulfillment::Merchant {
        permille += MERCHANT_PENALTY_PERMILLE;
    }
    permille += u64::from(offer.handling_days().saturating_sub(HANDLING_DAYS_INCLUDED))
        * PER_EXTRA_DAY_PERMILLE;
    permille += u64::from(50u8.saturating_sub(rating_tenths)) * PER_MISSING_TENTH_PERMILLE;
    u128::from(offer.landed_price().amount.get()) * u128::from(permille)
}

/// `available`: each offer's units for sale now; an offer missing from it has none.
pub fn choose(
    offers: Vec<Offer>,
    ratings: &HashMap<SellerId, SellerRating>,
    available: &HashMap<Sku, u32>,
    currency: Currency,
) -> BuyBox {
    let tenths = |offer: &Offer| {
        ratings
            .get(&offer.seller_id)
            .map_or(UNRATED_TENTHS, |r| r.tenths.min(50))
    };
    let winner = offers
        .iter()
        .filter(|offer| {
            let units = available.get(&offer.sku).copied().unwrap_or(0);
            eligible(offer, units, currency)
        })
        .min_by_key(|offer| {
            (
                adjusted_price(offer, tenths(offer)),
                Reverse(tenths(offer)),
                offer.fulfillment != Fulfillment::Rainforest,
                offer.landed_price().amount,
                offer.sku.clone(),
            )
        })
        .cloned();
    let mut others: Vec<Offer> = offers
        .into_iter()
        .filter(|offer| Some(&offer.sku) != winner.as_ref().map(|w| &w.sku))
        .collect();
    others.sort_by_key(|offer| {
        (
            offer.currency() != currency,
            offer.landed_price().amount,
            offer.sku.clone(),
        )
    });
    BuyBox { winner, others }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::catalog::{OfferTerms, ProductId};
    use serde_json::json;

    fn offer(
        sku: &str,
        seller: &str,
        price: u64,
        shipping: u64,
        fulfillment: &str,
        days: u32,
    ) -> Offer {
        let terms: OfferTerms = serde_json::from_value(json!({
            "price": {"amount": price, "currency": "USD"},
            "shipping": {"amount": shipping, "currency": "USD"},
            "condition": "new", "fulfillment": fulfillment, "handling_days": days
        }))
        .unwrap();
        Offer::from_terms(
            sku.parse().unwrap(),
            ProductId::generate(),
            seller.parse().unwrap(),
            terms,
            "",
            "t".into(),
        )
        .unwrap()
    }

    #[test]
    fn a_summary_names_the_winner_and_counts_what_can_be_bought() {
        let offers = vec![
            offer("A", "s1", 1000, 0, "rainforest", 1),
            offer("B", "s2", 900, 0, "rainforest", 1),
            offer("C", "s3", 800, 0, "rainforest", 1),
        ];
        let mut available = in_stock(&offers);
        available.insert("B".parse().unwrap(), 3);
        available.remove(&"C".parse::<Sku>().unwrap());
        let chosen = choose(offers, &HashMap::new(), &available, Currency::USD);
        let summary = BuyBoxSummary::of(&chosen, &available);
        let winner = summary.winner.unwrap();
        assert_eq!(winner.sku, "B".parse().unwrap());
        assert_eq!(winner.landed_price.amount.get(), 900);
        assert_eq!(summary.availability, Availability::OnlyLeft { quantity: 3 });
        assert_eq!(summary.offer_count, 2, "C has no stock");

        let none = choose(vec![], &HashMap::new(), &HashMap::new(), Currency::USD);
        let empty = BuyBoxSummary::of(&none, &HashMap::new());
        assert_eq!(empty.winner, None);
        assert_eq!(empty.availability, Availability::OutOfStock);
        assert_eq!(empty.offer_count, 0);
    }

    /// Ten units of every offer.
    fn in_stock(offers: &[Offer]) -> HashMap<Sku, u32> {
        offers.iter().map(|o| (o.sku.clone(), 10)).collect()
    }

    fn ratings(pairs: &[(&str, u8)]) -> HashMap<SellerId, SellerRating> {
        pairs
            .iter()
            .map(|(s, t)| {
                (
                    s.parse().unwrap(),
                    SellerRating {
                        tenths: *t,
                        count: 100,
                    },
                )
            })
            .collect()
    }

    fn usd() -> Currency {
        "USD".parse().unwrap()
    }

    fn winner(offers: Vec<Offer>, ratings: &HashMap<SellerId, SellerRating>) -> Option<String> {
        choose(offers.clone(), ratings, &in_stock(&offers), usd())
            .winner
            .map(|o| o.sku.to_string())
    }

    #[test]
    fn lowest_landed_price_wins_between_equals() {
        let r = ratings(&[("a", 48), ("b", 48)]);
        let cheap_price_dear_shipping = offer("A", "a", 900, 300, "rainforest", 1);
        let dearer_price_free_shipping = offer("B", "b", 1100, 0, "rainforest", 1);
        assert_eq!(
            winner(
                vec![cheap_price_dear_shipping, dearer_price_free_shipping],
                &r
            )
            .as_deref(),
            Some("B")
        );
    }

    #[test]
    fn rainforest_fulfillment_beats_a_slightly_cheaper_merchant_offer() {
        let r = ratings(&[("a", 48), ("b", 48)]);
        let merchant = offer("M", "a", 1000, 0, "merchant", 1);
        let fba = offer("F", "b", 1030, 0, "rainforest", 1);
        assert_eq!(
            winner(vec![merchant.clone(), fba.clone()], &r).as_deref(),
            Some("F")
        );
        // ...but not a much cheaper one.
        let much_cheaper = offer("M", "a", 900, 0, "merchant", 1);
        assert_eq!(winner(vec![much_cheaper, fba], &r).as_deref(), Some("M"));
    }

    #[test]
    fn poor_ratings_and_slow_handling_cost_the_box() {
        let r = ratings(&[("good", 50), ("poor", 30)]);
        let good = offer("G", "good", 1050, 0, "rainforest", 1);
        let poor = offer("P", "poor", 1000, 0, "rainforest", 1);
        assert_eq!(winner(vec![good.clone(), poor], &r).as_deref(), Some("G"));
        let slow = offer("S", "good", 1000, 0, "rainforest", 10);
        let fast = offer("Q", "good", 1050, 0, "rainforest", 1);
        assert_eq!(winner(vec![slow, fast], &r).as_deref(), Some("Q"));
    }

    #[test]
    fn ineligible_offers_never_win_but_are_listed() {
        let r = ratings(&[("a", 50)]);
        let sold_out = offer("OUT", "a", 100, 0, "rainforest", 1);
        let mut used = offer("USED", "a", 100, 0, "rainforest", 1);
        used.condition = Condition::Used;
        let mut paused = offer("OFF", "a", 100, 0, "rainforest", 1);
        paused.status = OfferStatus::Inactive;
        let only = offer("OK", "a", 5000, 0, "merchant", 5);
        let offers = vec![sold_out, used, paused, only];
        let mut available = in_stock(&offers);
        available.insert("OUT".parse().unwrap(), 0);
        let chosen = choose(offers, &r, &available, usd());
        assert_eq!(
            chosen.winner.map(|o| o.sku.to_string()).as_deref(),
            Some("OK")
        );
        let others: Vec<String> = chosen.others.iter().map(|o| o.sku.to_string()).collect();
        assert_eq!(others, ["OFF", "OUT", "USED"]);
    }

    #[test]
    fn no_eligible_offer_means_no_winner() {
        let uncounted = offer("OUT", "a", 100, 0, "rainforest", 1);
        let chosen = choose(vec![uncounted], &HashMap::new(), &HashMap::new(), usd());
        assert!(chosen.winner.is_none());
        assert_eq!(chosen.others.len(), 1);
    }

    #[test]
    fn the_choice_does_not_depend_on_input_order() {
        let r = ratings(&[("a", 45), ("b", 45)]);
        let x = offer("X", "a", 1000, 0, "rainforest", 1);
        let y = offer("Y", "b", 1000, 0, "rainforest", 1);
        assert_eq!(
            winner(vec![x.clone(), y.clone()], &r),
            winner(vec![y, x], &r)
        );
    }
}
