//! The demo purchase history: shoppers who buy bundles (three products of one department from
//! three of its categories: a tent, a mat and a bottle), and now and then something else, counted
//! through the recommendations store as the purchases consumer counts orders. customer-01's
//! demo order joins the first bundle of its product's department, so their own list has
//! something to show.

use super::SEED;
use futures::{StreamExt, TryStreamExt};
use shared::catalog::{Offer, Product, ProductId};
use shared::recommendations::{RecommendationsStore, Shopper, Signal};
use std::collections::{BTreeMap, HashSet};

/// How many demo shoppers buy each bundle.
const BUYERS_PER_BUNDLE: usize = 3;
const BUNDLES_PER_DEPARTMENT: usize = 8;

/// `demo`: the product of customer-01's demo order.
pub async fn demo_purchases(
    store: &RecommendationsStore,
    products: &[Product],
    offers: &[(Offer, u32)],
    demo: ProductId,
) -> anyhow::Result<()> {
    let sellable: HashSet<ProductId> = offers.iter().map(|(offer, _)| offer.product_id).collect();
    // Each department's sellable products by leaf category.
    let mut departments: BTreeMap<String, BTreeMap<String, Vec<ProductId>>> = BTreeMap::new();
    for product in products.iter().filter(|p| sellable.contains(&p.id)) {
        let path = serde_json::to_value(&product.category_path)?;
        let department = path[0].as_str().unwrap_or_default().to_owned();
        let leaf = product.category_path.leaf().to_string();
        let leaves = departments.entry(department).or_default();
        leaves.entry(leaf).or_default().push(product.id);
    }
    let mut rng = fastrand::Rng::with_seed(SEED);
    let mut bundles: Vec<Vec<ProductId>> = Vec::new();
    for leaves in departments.values() {
        let first = bundles.len();
        for _ in 0..BUNDLES_PER_DEPARTMENT {
            let mut picked: Vec<&Vec<ProductId>> = leaves.values().collect();
            rng.shuffle(&mut picked);
            bundles.push(
                picked
                    .iter()
                    .take(3)
                    .map(|ids| ids[rng.usize(..ids.len())])
                    .collect(),
            );
        }
        if leaves.values().flatten().any(|id| *id == demo) {
            bundles[first][0] = demo;
        }
    }
    let everything: Vec<ProductId> = sellable.into_iter().collect();
    let mut orders: Vec<(String, Vec<ProductId>)> = (0..BUYERS_PER_BUNDLE * bundles.len())
        .map(|n| {
            let mut basket = bundles[n % bundles.len()].clone();
            if rng.f64() < 0.4 {
                basket.push(everything[rng.usize(..everything.len())]);
            }
            (format!("demo-shopper-{n}"), basket)
        })
        .collect();
    orders.push(("customer-01".to_owned(), vec![demo]));
    futures::stream::iter(orders)
        .map(|(customer, basket)| async move {
            let shopper = Shopper::Customer(customer.clone()).key();
            store
                .record(
                    Signal::Bought,
                    &shopper,
                    &basket,
                    &format!("demo-{customer}"),
                )
                .await
        })
        .buffer_unordered(8)
        .try_collect::<Vec<_>>()
        .await?;
    Ok(())
}
