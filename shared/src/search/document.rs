//! What one family (a standalone product, or a parent with its children) becomes in the index:
//! one denormalized document, so a search never joins.

use super::suggest::category_inputs;
use crate::catalog::{BuyBoxSummary, Day, Family, Listed, ProductId, SellerId, Slug};
use crate::inventory::Availability;
use crate::money::Currency;
use crate::reviews::{Histogram, RatingSummary};
use serde::{Deserialize, Serialize};

/// One search result's document.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct SearchDocument {
    pub id: ProductId,
    pub title: String,
    pub brand: String,
    pub description: String,
    pub bullet_points: Vec<String>,
    /// Every category from the department down, so a search in `electronics` finds televisions.
    pub categories: Vec<Slug>,
    /// Attributes as words ("screen size 55 inch"), searched like the description.
    pub attributes: Vec<String>,
    /// The lowest Buy Box price of the family in minor units; absent when nothing can be bought.
    pub price: Option<u64>,
    pub currency: Option<Currency>,
    /// The Buy Box winner's seller (of the cheapest member, for a family).
    pub seller_id: Option<SellerId>,
    /// Offers a shopper can buy now, over the family.
    pub offer_count: u32,
    pub in_stock: bool,
    pub availability: Availability,
    /// Variations a family has (0 for a standalone product).
    pub variations: u32,
    /// Units sold in the 30 days to the day the document was built, over the family.
    pub sales_30d: u32,
    /// Mean review stars over the family, to one decimal; absent before the first review.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub rating: Option<f64>,
    pub image: Option<String>,
    pub created_at: String,
    /// Added to the text score: in stock first, sold out last (but still found). See [`rank`].
    pub rank: f64,
    /// What autocomplete offers for this document.
    pub suggest: Suggest,
}

/// Completion inputs by kind, so a suggestion says whether it is a product, brand or category.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Suggest {
    pub title: Vec<String>,
    pub brand: Vec<String>,
    pub category: Vec<String>,
}

/// What the index should do about a family, at the family's revision.
#[derive(Debug, Clone, PartialEq)]
pub struct Indexing {
    pub id: ProductId,
    /// The index's external version: a write with a lower or equal one is refused, so a replayed
    /// or late record never replaces a newer document.
    pub version: u64,
    pub action: Action,
}

#[derive(Debug, Clone, PartialEq)]
pub enum Action {
    Index(Box<SearchDocument>),
    /// Delisted: no offer of the family is on sale (out of stock is still listed).
    Delete,
}

/// The largest external version the index takes.
const GONE: u64 = 9_223_372_036_854_775_807;

impl Indexing {
    /// A family whose head left the catalog table: deleted at the largest version, so no late
    /// write brings it back (product ids are never reused).
    pub fn gone(id: ProductId) -> Self {
        Self {
            id,
            version: GONE,
            action: Action::Delete,
        }
    }

    /// The family as it should be found on `today`, or its removal when it has nothing on sale.
    pub fn of(family: &Family, today: Day) -> Self {
        let version = family.revision();
        let id = family.head.product.id;
        let members: Vec<&Listed> = if family.children.is_empty() {
            vec![&family.head]
        } else {
            family.children.iter().collect()
        };
        let summaries: Vec<&BuyBoxSummary> =
            members.iter().filter_map(|m| m.buy_box.as_ref()).collect();
        if summaries.iter().all(|s| s.listed_offers == 0) {
            return Self {
                id,
                version,
                action: Action::Delete,
            };
        }
        Self {
            id,
            version,
            action: Action::Index(Box::new(document(family, &summaries, today))),
        }
    }
}

fn document(family: &Family, summaries: &[&BuyBoxSummary], today: Day) -> SearchDocument {
    let product = &family.head.product;
    let sales_30d = std::iter::once(&family.head)
        .chain(&family.children)
        .fold(0u32, |sum, m| {
            sum.saturating_add(m.sales.last_30_days(today))
        });
    let cheapest = summaries
        .iter()
        .filter_map(|s| s.winner.as_ref())
        .min_by_key(|w| w.landed_price.amount);
    let availability = summaries
        .iter()
        .map(|s| s.availability)
        .max_by_key(|a| match a {
            Availability::OutOfStock => 0,
            Availability::OnlyLeft { quantity } => *quantity,
            Availability::InStock => u32::MAX,
        })
        .unwrap_or(Availability::OutOfStock);
    let offer_count = summaries.iter().map(|s| s.offer_count).sum();
    let categories: Vec<Slug> = product.category_path.clone().into();
    let title = String::from(product.title.clone());
    let brand = String::from(product.brand.clone());
    SearchDocument {
        id: product.id,
        description: product
            .description
            .clone()
            .map(String::from)
            .unwrap_or_default(),
        bullet_points: product
            .bullet_points
            .items()
            .iter()
            .map(|b| b.to_string())
            .collect(),
        attributes: product
            .attributes
            .words()
            .chain(
                family
                    .children
                    .iter()
                    .flat_map(|c| c.product.attributes.words()),
            )
            .collect::<std::collections::BTreeSet<_>>()
            .into_iter()
            .collect(),
        price: cheapest.map(|w| w.landed_price.amount.get()),
        currency: cheapest.map(|w| w.landed_price.currency),
        seller_id: cheapest.map(|w| w.seller_id.clone()),
        offer_count,
        in_stock: availability.can_sell(),
        availability,
        variations: u32::try_from(family.children.len()).unwrap_or(u32::MAX),
        sales_30d,
        rating: family_rating(family),
        image: product.images.items().first().map(ToString::to_string),
        created_at: product.created_at.clone(),
        rank: rank(availability, offer_count, sales_30d),
        suggest: Suggest {
            title: title_inputs(&title),
            brand: vec![brand.clone()],
            category: categories.iter().flat_map(category_inputs).collect(),
        },
        categories,
        title,
        brand,
    }
}

/// The mean stars of every review of the family's members.
fn family_rating(family: &Family) -> Option<f64> {
    let histogram = std::iter::once(&family.head)
        .chain(&family.children)
        .filter_map(|m| m.rating.as_ref())
        .fold(Histogram::default(), |sum, r| sum.plus(r.histogram));
    let rating = RatingSummary::of(histogram, 0);
    (rating.count > 0).then_some(rating.average)
}

/// Completion inputs of a title: the title from each of its first words on, so "slim"
/// completes "Lumina Slim 4K TV".
fn title_inputs(title: &str) -> Vec<String> {
    let words: Vec<&str> = title.split_whitespace().collect();
    (0..words.len().min(6))
        .map(|i| words[i..].join(" "))
        .collect()
}

/// What a document adds to its text score, as a buy-box-aware ranking weighs it: among products
/// that match as well, one a shopper can buy now ranks above one nearly gone, and one sold out
/// sinks to the end (found, but after them); each competing offer adds a little (more sellers,
/// a better price likely), up to five; and best sellers rise, by the doubling of their month's
/// sales (0.1 for 1 sold, 0.2 for 3, at most 0.6). At most 2.8, less than a title word (3): how
/// well a product matches comes first. A multiple of 1/1024, so a score (weights in halves plus
/// the rank) is exact in the engine's 32-bit floats and a cursor's score compares equal.
pub fn rank(availability: Availability, offer_count: u32, sales_30d: u32) -> f64 {
    let stock = match availability {
        Availability::InStock => 2.0,
        Availability::OnlyLeft { .. } => 1.9,
        Availability::OutOfStock => 1.0,
    };
    let sellers = stock * (1.0 + 0.02 * f64::from(offer_count.min(5)));
    let best_seller = (0.1 * (1.0 + f64::from(sales_30d)).log2()).min(0.6);
    ((sellers + best_seller) * 1024.0).round() / 1024.0
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::catalog::{Product, buy_box::Winning};
    use crate::money::Money;
    use serde_json::json;

    fn product(id: u8, variation: serde_json::Value) -> Product {
        serde_json::from_value(json!({
            "id": format!("01JA0000000000000000000{id:03}"),
            "owner": "seller-1", "title": format!("Lumina Slim 4K TV {id}"), "brand": "Lumina",
            "description": "A bright screen.", "bullet_points": ["Thin"],
            "category_path": ["electronics", "televisions"],
            "attributes": {"screen_size_in": 55, "smart": true},
            "variation": variation, "version": 1,
            "created_at": "2026-11-01T00:00:00Z", "updated_at": "2026-11-01T00:00:00Z"
        }))
        .unwrap()
    }

    fn summary(cents: Option<u64>, units: u32, listed: u32) -> BuyBoxSummary {
        BuyBoxSummary {
            winner: cents.map(|cents| Winning {
                landed_price: Money::of(cents, Currency::USD),
                seller_id: "seller-2".parse().unwrap(),
                sku: "SKU-1".parse().unwrap(),
            }),
            availability: Availability::of(units),
            offer_count: u32::from(units > 0),
            listed_offers: listed,
        }
    }

    fn listed(product: Product, buy_box: Option<BuyBoxSummary>, revision: u64) -> Listed {
        Listed {
            product,
            buy_box,
            revision,
            sales: crate::catalog::Sales::default(),
            rating: None,
        }
    }

    fn indexed(indexing: &Indexing) -> &SearchDocument {
        match &indexing.action {
            Action::Index(document) => document,
            Action::Delete => panic!("deleted: {indexing:?}"),
        }
    }

    #[test]
    fn a_standalone_product_is_found_in_every_category_of_its_path_at_its_revision() {
        let family = Family {
            head: listed(
                product(1, json!({"kind": "standalone"})),
                Some(summary(Some(49_900), 30, 1)),
                7,
            ),
            children: vec![],
        };
        let indexing = Indexing::of(&family, 100);
        assert_eq!(indexing.version, 7);
        let document = indexed(&indexing);
        assert_eq!(document.categories.len(), 2);
        assert_eq!(document.categories[0].to_string(), "electronics");
        assert_eq!(document.price, Some(49_900));
        assert!(document.in_stock);
        assert_eq!(
            document.attributes,
            vec!["screen size 55 inch".to_owned(), "smart".to_owned()]
        );
        assert_eq!(
            document.suggest.category,
            vec!["electronics", "televisions"]
        );
        assert_eq!(document.suggest.title[1], "Slim 4K TV 1");
    }

    #[test]
    fn a_family_is_rated_by_every_review_of_its_members() {
        let rated = |n: u8, counts: Option<[u32; 5]>| {
            let mut member = listed(
                product(n, json!({"kind": "standalone"})),
                Some(summary(Some(1_000), 3, 1)),
                1,
            );
            member.rating = counts.map(|c| RatingSummary::of(Histogram::from_counts(c), 1));
            member
        };
        let family = Family {
            head: rated(1, None),
            children: vec![
                rated(2, Some([0, 0, 0, 0, 3])),
                rated(3, Some([1, 0, 0, 0, 0])),
                rated(4, None),
            ],
        };
        assert_eq!(indexed(&Indexing::of(&family, 100)).rating, Some(4.0));
        let unrated = Family {
            head: rated(1, None),
            children: vec![],
        };
        assert_eq!(indexed(&Indexing::of(&unrated, 100)).rating, None);
    }

    #[test]
    fn a_family_is_one_document_at_its_cheapest_member_and_the_sum_of_revisions() {
        let parent = product(1, json!({"kind": "parent", "theme": ["size"]}));
        let child = |id, cents, units, revision| {
            listed(
                product(
                    id,
                    json!({"kind": "child", "parent_id": parent.id, "values": {"size": "M"}}),
                ),
                Some(summary(cents, units, 1)),
                revision,
            )
        };
        let family = Family {
            head: listed(parent.clone(), None, 2),
            children: vec![child(2, Some(5_000), 3, 4), child(3, None, 0, 5)],
        };
        let indexing = Indexing::of(&family, 100);
        assert_eq!((indexing.id, indexing.version), (parent.id, 11));
        let document = indexed(&indexing);
        assert_eq!(document.price, Some(5_000));
        assert_eq!(
            document.availability,
            Availability::OnlyLeft { quantity: 3 }
        );
        assert_eq!(document.variations, 2);
    }

    #[test]
    fn sold_out_is_still_listed_but_ranks_low_and_nothing_on_sale_is_delisted() {
        let sold_out = Family {
            head: listed(
                product(1, json!({"kind": "standalone"})),
                Some(summary(None, 0, 1)),
                3,
            ),
            children: vec![],
        };
        let document = indexed(&Indexing::of(&sold_out, 100)).clone();
        assert!(!document.in_stock);
        assert!(document.rank < rank(Availability::OnlyLeft { quantity: 1 }, 0, 0));
        for buy_box in [None, Some(summary(None, 0, 0))] {
            let delisted = Family {
                head: listed(product(1, json!({"kind": "standalone"})), buy_box, 4),
                children: vec![],
            };
            assert_eq!(Indexing::of(&delisted, 100).action, Action::Delete);
            assert_eq!(Indexing::of(&delisted, 100).version, 4);
        }
        let gone = Indexing::gone(sold_out.head.product.id);
        assert_eq!((gone.action, gone.version), (Action::Delete, GONE));
        assert_eq!(i64::try_from(GONE).ok(), Some(i64::MAX));
    }

    #[test]
    fn best_sellers_rise_by_their_month_of_sales_and_no_more_than_a_little() {
        let mut sold = listed(
            product(1, json!({"kind": "standalone"})),
            Some(summary(Some(1_000), 30, 1)),
            3,
        );
        sold.sales = crate::catalog::Sales::default().with(60, 100).with(95, 4);
        let family = Family {
            head: sold,
            children: vec![],
        };
        let document = indexed(&Indexing::of(&family, 100)).clone();
        assert_eq!(document.sales_30d, 4, "day 60 is out of the window");
        assert_eq!(document.rank, rank(Availability::InStock, 1, 4));
        assert!(rank(Availability::InStock, 1, 4) > rank(Availability::InStock, 1, 0));
        let most = rank(Availability::InStock, 1, u32::MAX) - rank(Availability::InStock, 1, 0);
        assert!(most <= 0.6 + 1e-9, "{most}");
    }

    #[test]
    fn more_competing_offers_rank_a_little_higher_up_to_five() {
        let (one, five, nine) = (
            rank(Availability::InStock, 1, 0),
            rank(Availability::InStock, 5, 0),
            rank(Availability::InStock, 9, 0),
        );
        assert!(one < five);
        assert!((five - nine).abs() < f64::EPSILON);
        assert!(
            rank(Availability::OutOfStock, 5, 0)
                < rank(Availability::OnlyLeft { quantity: 1 }, 0, 0)
        );
        assert!(
            rank(Availability::InStock, 5, u32::MAX) < 3.0,
            "less than one title word"
        );
    }
}
