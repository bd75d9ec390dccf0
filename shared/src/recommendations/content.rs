//! Content likeness: what a product page recommends before anyone has bought or viewed it with
//! anything (a new product, a new marketplace). Two products are alike when they share a leaf
//! category, then more so by brand, attribute values and price band; best sellers break ties.

use crate::catalog::{Listed, today};

/// How alike `other` is to `anchor`; 0 for another category.
pub fn likeness(anchor: &Listed, other: &Listed) -> f64 {
    let (a, b) = (&anchor.product, &other.product);
    if a.category_path.leaf() != b.category_path.leaf() {
        return 0.0;
    }
    let mut score = 1.0;
    if a.brand == b.brand {
        score += 2.0;
    }
    score += 0.5 * a.attributes.in_common(&b.attributes).min(4) as f64;
    if let (Some(p), Some(q)) = (price(anchor), price(other)) {
        let ratio = p.max(q) / p.min(q);
        score += match ratio {
            r if r <= 1.5 => 2.0,
            r if r <= 2.5 => 1.0,
            _ => 0.0,
        };
    }
    let sold = f64::from(other.sales.last_30_days(today()).min(100));
    score + sold / 1_000.0
}

/// What a shopper pays for the product now, when it has a winning offer.
fn price(listed: &Listed) -> Option<f64> {
    let winner = listed.buy_box.as_ref()?.winner.as_ref()?;
    Some(winner.landed_price.amount.get().max(1) as f64)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::catalog::{BuyBoxSummary, Product};
    use serde_json::json;

    fn listed(category: &str, brand: &str, cents: u64, color: &str) -> Listed {
        let product: Product = serde_json::from_value(json!({
            "id": crate::ids::ProductId::generate(), "owner": "seller-a", "title": "A thing",
            "brand": brand, "category_path": ["home", category],
            "attributes": {"color": color}, "variation": {"kind": "standalone"},
            "version": 1, "created_at": "2026-01-01T00:00:00Z", "updated_at": "2026-01-01T00:00:00Z",
        }))
        .unwrap();
        let buy_box: BuyBoxSummary = serde_json::from_value(json!({
            "winner": {"landed_price": {"amount": cents, "currency": "USD"}, "seller_id": "seller-a", "sku": "S-1"},
            "availability": {"status": "in_stock"}, "offer_count": 1, "listed_offers": 1,
        }))
        .unwrap();
        Listed {
            product,
            buy_box: Some(buy_box),
            revision: 1,
            sales: Default::default(),
            rating: None,
        }
    }

    #[test]
    fn the_same_brand_colour_and_price_band_is_most_alike_and_another_category_not_at_all() {
        let anchor = listed("kettles", "Boilo", 4_000, "red");
        let twin = listed("kettles", "Boilo", 4_500, "red");
        let same_brand = listed("kettles", "Boilo", 20_000, "blue");
        let other_brand = listed("kettles", "Acme", 4_200, "blue");
        let elsewhere = listed("toasters", "Boilo", 4_000, "red");
        let scores = [&twin, &same_brand, &other_brand, &elsewhere].map(|o| likeness(&anchor, o));
        assert!(scores[0] > scores[1] && scores[0] > scores[2], "{scores:?}");
        assert_eq!(scores[3], 0.0);
    }
}
