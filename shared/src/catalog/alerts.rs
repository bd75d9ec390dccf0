//! What a shopper watching a product hears about: its Buy Box price dropping, or it coming back
//! in stock. Worked out from the Buy Box summary on the product item, the price a shopper sees,
//! as the catalog stream shows it change, and published on `PriceChangesTopic` beside the offers'
//! own price changes.

use super::{BuyBoxSummary, ProductId};
use crate::money::Money;
use serde::{Deserialize, Serialize};

/// The least drop worth telling a watcher of, in percent: a cent off is not news.
pub const MIN_DROP_PERCENT: u64 = 5;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum AlertKind {
    PriceDropped,
    BackInStock,
}

impl AlertKind {
    pub fn as_str(self) -> &'static str {
        match self {
            Self::PriceDropped => "price_dropped",
            Self::BackInStock => "back_in_stock",
        }
    }
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ProductAlert {
    /// The stream record's id: delivery is at least once, so subscribers dedupe on it.
    pub event_id: String,
    pub event_type: AlertKind,
    pub product_id: ProductId,
    pub title: String,
    /// What the Buy Box winner costs now, shipping included.
    pub landed_price: Money,
    /// What it cost before a drop.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub was: Option<Money>,
}

impl ProductAlert {
    /// The alert a change of a product's Buy Box summary gives, if any. Only a product that was
    /// listed and could not be bought comes back in stock (a first summary is a new listing);
    /// only a price at least [`MIN_DROP_PERCENT`] lower, in the same currency, is a drop
    /// (whichever offer wins: the shopper pays the winner's price).
    pub fn between(
        event_id: &str,
        product_id: ProductId,
        title: &str,
        old: Option<&BuyBoxSummary>,
        new: Option<&BuyBoxSummary>,
    ) -> Option<Self> {
        let now = new?.winner.as_ref()?.landed_price;
        let (event_type, was) = match old?.winner.as_ref() {
            None => (AlertKind::BackInStock, None),
            Some(before)
                if before.landed_price.currency == now.currency
                    && now.amount.get() * 100
                        <= before.landed_price.amount.get() * (100 - MIN_DROP_PERCENT) =>
            {
                (AlertKind::PriceDropped, Some(before.landed_price))
            }
            Some(_) => return None,
        };
        Some(Self {
            event_id: event_id.to_owned(),
            event_type,
            product_id,
            title: title.to_owned(),
            landed_price: now,
            was,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::catalog::buy_box::Winning;
    use crate::inventory::Availability;
    use serde_json::json;

    fn money(amount: u64, currency: &str) -> Money {
        serde_json::from_value(json!({"amount": amount, "currency": currency})).unwrap()
    }

    fn summary(price: Option<Money>) -> BuyBoxSummary {
        BuyBoxSummary {
            winner: price.map(|landed_price| Winning {
                landed_price,
                seller_id: "s".parse().unwrap(),
                sku: "S".parse().unwrap(),
            }),
            availability: match price {
                Some(_) => Availability::InStock,
                None => Availability::OutOfStock,
            },
            offer_count: u32::from(price.is_some()),
            listed_offers: 1,
        }
    }

    fn alert(old: Option<BuyBoxSummary>, new: Option<BuyBoxSummary>) -> Option<ProductAlert> {
        let id = ProductId::generate();
        ProductAlert::between("e", id, "Kettle", old.as_ref(), new.as_ref())
    }

    #[test]
    fn a_sold_out_product_with_a_winner_again_is_back_in_stock() {
        let back = alert(Some(summary(None)), Some(summary(Some(money(900, "USD"))))).unwrap();
        assert_eq!(back.event_type, AlertKind::BackInStock);
        assert_eq!(back.landed_price, money(900, "USD"));
        assert_eq!(back.was, None);
    }

    #[test]
    fn only_a_lower_price_in_the_same_currency_is_a_drop() {
        let at = |amount, currency| Some(summary(Some(money(amount, currency))));
        let drop = alert(at(1000, "USD"), at(900, "USD")).unwrap();
        assert_eq!(drop.event_type, AlertKind::PriceDropped);
        assert_eq!(drop.was, Some(money(1000, "USD")));
        assert_eq!(alert(at(900, "USD"), at(1000, "USD")), None, "a rise");
        assert_eq!(alert(at(1000, "USD"), at(951, "USD")), None, "under 5% off");
        assert!(alert(at(1000, "USD"), at(950, "USD")).is_some(), "5% off");
        assert_eq!(alert(at(900, "USD"), at(900, "USD")), None, "no change");
        assert_eq!(
            alert(at(1000, "USD"), at(900, "EUR")),
            None,
            "another currency"
        );
    }

    #[test]
    fn new_listings_sell_outs_and_removals_alert_nobody() {
        let in_stock = || Some(summary(Some(money(900, "USD"))));
        assert_eq!(alert(None, in_stock()), None, "a first summary");
        assert_eq!(alert(in_stock(), Some(summary(None))), None, "sold out");
        assert_eq!(alert(in_stock(), None), None, "summary gone");
    }
}
