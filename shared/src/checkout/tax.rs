//! Sales tax by destination: the rates per country, per region within it, and per category
//! where a place taxes one at its own rate, are data (`shared/data/tax-rates.json`), as they
//! change by law, not by release. A place the table does not name has no tax we collect.

use crate::catalog::Slug;
use crate::money::Money;
use crate::orders::{Address, OrderLine, Priced};
use serde::Deserialize;
use std::collections::BTreeMap;

/// Basis points: 1025 is 10.25 %.
type BasisPoints = u32;

#[derive(Debug, Deserialize)]
pub struct TaxRates(BTreeMap<String, Jurisdiction>);

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct Jurisdiction {
    rate_bp: BasisPoints,
    /// Whether shipping is taxed, at the general rate.
    #[serde(default)]
    shipping: bool,
    /// Categories (and those under them) taxed at their own rate.
    #[serde(default)]
    categories: BTreeMap<Slug, BasisPoints>,
    /// Regions (states, provinces) with their own rates, in place of the country's.
    #[serde(default)]
    regions: BTreeMap<String, Jurisdiction>,
}

impl TaxRates {
    /// The rates the team keeps in `shared/data/tax-rates.json`.
    pub fn standard() -> anyhow::Result<Self> {
        Self::parse(include_str!("../../data/tax-rates.json"))
    }

    pub fn parse(text: &str) -> anyhow::Result<Self> {
        let rates: Self = serde_json::from_str(text)?;
        Ok(rates)
    }

    /// `priced` going to `to` with `shipping`: each line's tax (on its price less its share of
    /// the discount), the shipping's where the place taxes it, and the total of it all.
    pub fn apply(&self, priced: &Priced, shipping: Money, to: &Address) -> Priced {
        let place = self.0.get(to.country.as_ref()).map(|country| {
            to.region
                .as_ref()
                .and_then(|region| country.regions.get(region.as_ref()))
                .unwrap_or(country)
        });
        let currency = priced.total.currency;
        let shares = discount_shares(&priced.lines, priced.discount.amount.get());
        let lines: Vec<OrderLine> = priced
            .lines
            .iter()
            .zip(shares)
            .map(|(line, share)| {
                let taxable = line.line_total.amount.get().saturating_sub(share);
                let rate = place.map_or(0, |place| place.rate_for(line));
                OrderLine {
                    tax: Some(Money::of(tax(taxable, rate), currency)),
                    ..line.clone()
                }
            })
            .collect();
        let shipping_tax = place
            .filter(|place| place.shipping)
            .map_or(0, |place| tax(shipping.amount.get(), place.rate_bp));
        let line_tax: u64 = lines
            .iter()
            .filter_map(|line| line.tax)
            .map(|t| t.amount.get())
            .sum();
        let all_tax = line_tax + shipping_tax;
        let goods = priced
            .subtotal
            .amount
            .get()
            .saturating_sub(priced.discount.amount.get());
        Priced {
            lines,
            shipping: Some(shipping),
            tax: Some(Money::of(all_tax, currency)),
            total: Money::of(goods + shipping.amount.get() + all_tax, currency),
            ..priced.clone()
        }
    }
}

impl Jurisdiction {
    /// The line's category's own rate (its leaf's before a parent's), else the general one.
    fn rate_for(&self, line: &OrderLine) -> BasisPoints {
        let Some(path) = &line.category_path else {
            return self.rate_bp;
        };
        self.categories
            .get(path.leaf())
            .or_else(|| {
                self.categories
                    .iter()
                    .find(|(category, _)| path.contains(category))
                    .map(|(_, rate)| rate)
            })
            .copied()
            .unwrap_or(self.rate_bp)
    }
}

/// Tax on `amount` minor units at `rate`, half a minor unit rounded up.
fn tax(amount: u64, rate: BasisPoints) -> u64 {
    let exact = u128::from(amount) * u128::from(rate);
    u64::try_from((exact + 5_000) / 10_000).unwrap_or(u64::MAX)
}

/// The discount spread over the lines in proportion to their totals; the cents rounding leaves
/// go to the last line, so the shares add up to the discount.
fn discount_shares(lines: &[OrderLine], discount: u64) -> Vec<u64> {
    let whole: u128 = lines
        .iter()
        .map(|l| u128::from(l.line_total.amount.get()))
        .sum();
    if whole == 0 {
        return vec![0; lines.len()];
    }
    let mut shares: Vec<u64> = lines
        .iter()
        .map(|line| {
            let share = u128::from(discount) * u128::from(line.line_total.amount.get()) / whole;
            u64::try_from(share).unwrap_or(u64::MAX)
        })
        .collect();
    let given: u64 = shares.iter().sum();
    if let Some(last) = shares.last_mut() {
        *last += discount.saturating_sub(given);
    }
    shares
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::catalog::Fulfillment;
    use crate::money::Currency;
    use serde_json::json;

    fn line(sku: &str, cents: u64, category: &[&str]) -> OrderLine {
        let price = Money::of(cents, Currency::USD);
        OrderLine {
            unit_price: price,
            line_total: price,
            category_path: Some(serde_json::from_value(json!(category)).unwrap()),
            ..OrderLine::sample(sku, "seller-01", Fulfillment::Rainforest, 1)
        }
    }

    fn usd(cents: u64) -> Money {
        Money::of(cents, Currency::USD)
    }

    #[test]
    fn a_region_s_rate_taxes_the_goods_and_the_shipping_where_it_does() {
        let rates = TaxRates::standard().unwrap();
        let order = Priced::sample(vec![line("TV", 10_000, &["electronics", "televisions"])], 0);
        let seattle = rates.apply(&order, usd(599), &Address::sample("US", Some("WA")));
        // 10.25 % of $100 and of $5.99 (61.3975 cents: 61).
        assert_eq!(seattle.lines[0].tax, Some(usd(1_025)));
        assert_eq!(seattle.tax, Some(usd(1_025 + 61)));
        assert_eq!(seattle.total, usd(10_000 + 599 + 1_086));
        let portland = rates.apply(&order, usd(599), &Address::sample("US", Some("OR")));
        assert_eq!(portland.tax, Some(usd(0)));
        assert_eq!(portland.total, usd(10_599));
        // California taxes goods, not shipping.
        let california = rates.apply(&order, usd(599), &Address::sample("US", Some("CA")));
        assert_eq!(california.tax, Some(usd(725)));
        // A country's rate where its region has none of its own.
        let alberta = rates.apply(&order, usd(0), &Address::sample("CA", Some("AB")));
        assert_eq!(alberta.tax, Some(usd(500)));
        let nowhere = rates.apply(&order, usd(0), &Address::sample("JP", None));
        assert_eq!(nowhere.tax, Some(usd(0)));
    }

    #[test]
    fn a_category_with_its_own_rate_keeps_it_under_its_parent() {
        let rates = TaxRates::standard().unwrap();
        let order = Priced::sample(
            vec![
                line("SHIRT", 5_000, &["fashion", "t-shirts"]),
                line("LAMP", 5_000, &["home-kitchen", "lamps"]),
            ],
            0,
        );
        let new_york = rates.apply(&order, usd(0), &Address::sample("US", Some("NY")));
        assert_eq!(new_york.lines[0].tax, Some(usd(0)), "fashion is exempt");
        assert_eq!(new_york.lines[1].tax, Some(usd(444)), "8.88 % of $50");
        let books = Priced::sample(vec![line("NOVEL", 2_000, &["books", "fiction"])], 0);
        let london = rates.apply(&books, usd(500), &Address::sample("GB", None));
        assert_eq!(
            london.tax,
            Some(usd(100)),
            "no VAT on books; 20 % on shipping"
        );
    }

    #[test]
    fn the_discount_is_taken_off_before_tax_and_shared_to_the_cent() {
        let rates = TaxRates::standard().unwrap();
        let order = Priced::sample(
            vec![
                line("A", 3_333, &["office", "notebooks"]),
                line("B", 6_667, &["office", "notebooks"]),
            ],
            1_001,
        );
        assert_eq!(discount_shares(&order.lines, 1_001), [333, 668]);
        let taxed = rates.apply(&order, usd(0), &Address::sample("US", Some("WA")));
        // 10.25 % of $30.00 and of $59.99.
        assert_eq!(taxed.lines[0].tax, Some(usd(308)));
        assert_eq!(taxed.lines[1].tax, Some(usd(615)));
        assert_eq!(taxed.total, usd(10_000 - 1_001 + 308 + 615));
        assert_eq!(discount_shares(&[], 5), Vec::<u64>::new());
    }

    #[test]
    fn every_country_we_ship_to_has_its_tax_rates() {
        let rates = TaxRates::standard().unwrap();
        let shipping: serde_json::Value =
            serde_json::from_str(include_str!("../../data/shipping-rates.json")).unwrap();
        for country in shipping["countries"].as_object().unwrap().keys() {
            assert!(rates.0.contains_key(country), "{country}");
        }
    }
}
