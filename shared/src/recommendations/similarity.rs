//! Item-to-item similarity (Linden, Smith and York, 2003): two items are alike when the same
//! shoppers buy (or view) both. Counts are of distinct shoppers: `n(a)` shoppers have `a`,
//! `co(a, b)` have both.
//!
//! The score is the cosine over shoppers, `co / sqrt(n(a)·n(b))`: an item everyone buys has a
//! large `n(b)`, so it ranks below items bought *with* `a` rather than with everything. It is
//! damped by `co / (co + DAMPING)` (significance weighting, Herlocker et al. 1999), so a pair
//! that one shopper happened to buy together does not outrank one that fifty did.

use crate::ids::ProductId;
use serde::{Deserialize, Serialize};

/// How many shoppers a pair needs before its cosine counts at half weight.
const DAMPING: f64 = 2.0;

/// How many neighbours an item keeps: more than any list shows, so items that were filtered
/// out (sold out, the anchor's own variations) leave enough behind.
pub const KEPT: usize = 40;

pub fn score(co: u32, n_anchor: u32, n_other: u32) -> f64 {
    if co == 0 || n_anchor == 0 || n_other == 0 {
        return 0.0;
    }
    let co = f64::from(co);
    let cosine = co / (f64::from(n_anchor) * f64::from(n_other)).sqrt();
    cosine.min(1.0) * co / (co + DAMPING)
}

/// One of an item's neighbours as kept on the item: the pair's count, and the neighbour's own
/// count when the pair was last counted (fresh counts are read when the list is shown).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Neighbour {
    pub id: ProductId,
    pub co: u32,
    pub others: u32,
}

impl Neighbour {
    /// The rank within one item's list: its score without the anchor's count, the same for
    /// every entry (and so without `score`'s cap, which that count keeps from binding).
    fn weight(&self) -> f64 {
        let co = f64::from(self.co);
        co / f64::from(self.others.max(1)).sqrt() * co / (co + DAMPING)
    }
}

/// `kept` with `updates` folded in, the best [`KEPT`] by score. Counts only grow, so when two
/// writers race the larger count of a pair is the newer one and wins.
pub fn merge(kept: &[Neighbour], updates: &[Neighbour]) -> Vec<Neighbour> {
    let mut merged: Vec<Neighbour> = kept.to_vec();
    for update in updates {
        match merged.iter_mut().find(|n| n.id == update.id) {
            Some(existing) => {
                existing.co = existing.co.max(update.co);
                existing.others = existing.others.max(update.others);
            }
            None => merged.push(update.clone()),
        }
    }
    merged.sort_by(|a, b| b.weight().total_cmp(&a.weight()).then(a.id.cmp(&b.id)));
    merged.truncate(KEPT);
    merged
}

/// The item's neighbours ranked by their score with fresh counts (`counts` holds the anchor's
/// and the neighbours'; one missing counts as its kept figure).
pub fn ranked(
    anchor: ProductId,
    neighbours: &[Neighbour],
    counts: &std::collections::HashMap<ProductId, u32>,
) -> Vec<(ProductId, f64)> {
    let n_anchor = counts.get(&anchor).copied().unwrap_or(0);
    let mut ranked: Vec<(ProductId, f64)> = neighbours
        .iter()
        .map(|n| {
            let others = counts.get(&n.id).copied().unwrap_or(n.others).max(n.co);
            (n.id, score(n.co, n_anchor.max(n.co), others))
        })
        .filter(|(_, score)| *score > 0.0)
        .collect();
    ranked.sort_by(|a, b| b.1.total_cmp(&a.1).then(a.0.cmp(&b.0)));
    ranked
}

/// How many items of a shopper's history a new item is paired with: bounds an order's cost
/// whatever the history's length.
pub const PARTNERS: usize = 20;
/// Of those, the most recent; the rest are sampled from the older history.
const RECENT: usize = 10;
/// How much history is kept per shopper and signal to sample from.
pub const HISTORY: usize = 100;
/// How many items of one event (an order's products) are paired with the history; a larger
/// order's others (the event's seed picks which) are counted but start no pairs of their own.
pub const PER_EVENT: usize = 10;

/// The partners a new item is paired with from `history` (oldest first): the [`RECENT`] newest,
/// and a sample of the older seeded by `seed` (the event's id), so a retried event pairs the
/// same way.
pub fn partners(history: &[ProductId], seed: &str) -> Vec<ProductId> {
    let split = history.len().saturating_sub(RECENT);
    let (older, recent) = history.split_at(split);
    let mut chosen: Vec<ProductId> = recent.to_vec();
    chosen.extend(sample(older, PARTNERS - chosen.len(), seed));
    chosen
}

/// `count` of `items` picked at random, the same for the same seed; all of them when fewer.
pub fn sample<T: Clone>(items: &[T], count: usize, seed: &str) -> Vec<T> {
    if items.len() <= count {
        return items.to_vec();
    }
    let mut rng = fastrand::Rng::with_seed(fnv1a(seed));
    let mut indices: Vec<usize> = (0..items.len()).collect();
    rng.shuffle(&mut indices);
    indices.truncate(count);
    indices.sort_unstable();
    indices.into_iter().map(|i| items[i].clone()).collect()
}

/// A stable 64-bit hash (FNV-1a): the standard library's hasher may change between releases.
fn fnv1a(text: &str) -> u64 {
    text.bytes().fold(0xcbf2_9ce4_8422_2325, |hash, byte| {
        (hash ^ u64::from(byte)).wrapping_mul(0x0100_0000_01b3)
    })
}

/// `history` with `item` appended as the most recent, keeping the newest [`HISTORY`].
pub fn remembered(history: &[ProductId], item: ProductId) -> Vec<ProductId> {
    let mut next: Vec<ProductId> = history.iter().copied().filter(|&i| i != item).collect();
    next.push(item);
    let excess = next.len().saturating_sub(HISTORY);
    next.drain(..excess);
    next
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::HashMap;

    fn ids(n: usize) -> Vec<ProductId> {
        (0..n).map(|_| ProductId::generate()).collect()
    }

    #[test]
    fn an_item_everyone_buys_scores_below_one_bought_with_the_anchor() {
        // 1,000 shoppers; 50 bought the anchor, 40 of them also its companion (60 buyers in
        // all), and all 50 the item everyone buys (900 buyers).
        let companion = score(40, 50, 60);
        let popular = score(50, 50, 900);
        assert!(companion > 2.0 * popular, "{companion} vs {popular}");
    }

    #[test]
    fn a_pair_bought_once_ranks_below_one_bought_by_many() {
        assert!(score(1, 1, 1) < score(30, 40, 40));
        assert_eq!(score(0, 5, 5), 0.0);
        assert_eq!(score(3, 0, 5), 0.0);
    }

    #[test]
    fn merging_keeps_the_larger_count_and_the_best_kept_many() {
        let [a, b] = [ProductId::generate(), ProductId::generate()];
        let kept = vec![Neighbour {
            id: a,
            co: 5,
            others: 10,
        }];
        let stale = Neighbour {
            id: a,
            co: 4,
            others: 9,
        };
        let fresh = Neighbour {
            id: b,
            co: 1,
            others: 1,
        };
        let merged = merge(&kept, &[stale, fresh]);
        assert_eq!(merged[0].id, a);
        assert_eq!((merged[0].co, merged[0].others), (5, 10));
        assert_eq!(merged.len(), 2);

        let many: Vec<Neighbour> = ids(KEPT + 5)
            .into_iter()
            .enumerate()
            .map(|(n, id)| Neighbour {
                id,
                co: n as u32 + 1,
                others: 50,
            })
            .collect();
        let merged = merge(&[], &many);
        assert_eq!(merged.len(), KEPT);
        assert_eq!(merged[0].co, KEPT as u32 + 5, "the strongest first");
    }

    #[test]
    fn a_full_list_keeps_a_companion_over_an_item_everyone_buys() {
        // The anchor's list is full of items everyone buys; a companion bought by 40 of the
        // anchor's 50 buyers (60 buyers in all) comes in and stays, the weakest popular one goes.
        let popular: Vec<Neighbour> = ids(KEPT)
            .into_iter()
            .map(|id| Neighbour {
                id,
                co: 50,
                others: 900,
            })
            .collect();
        let companion = Neighbour {
            id: ProductId::generate(),
            co: 40,
            others: 60,
        };
        let merged = merge(&popular, std::slice::from_ref(&companion));
        assert_eq!(merged.len(), KEPT);
        assert_eq!(merged[0], companion);
    }

    #[test]
    fn ranking_uses_fresh_counts() {
        let [anchor, grew, steady] = [
            ProductId::generate(),
            ProductId::generate(),
            ProductId::generate(),
        ];
        let kept = [
            Neighbour {
                id: grew,
                co: 10,
                others: 10,
            },
            Neighbour {
                id: steady,
                co: 8,
                others: 10,
            },
        ];
        let counts = HashMap::from([(anchor, 20), (grew, 1_000), (steady, 10)]);
        let ranked = ranked(anchor, &kept, &counts);
        assert_eq!(ranked[0].0, steady, "{ranked:?}");
    }

    #[test]
    fn partners_are_the_recent_and_a_repeatable_sample_of_the_older() {
        let history = ids(60);
        let chosen = partners(&history, "order-1");
        assert_eq!(chosen.len(), PARTNERS);
        assert!(history[50..].iter().all(|id| chosen.contains(id)));
        assert_eq!(chosen, partners(&history, "order-1"));
        assert_ne!(chosen, partners(&history, "order-2"));
        assert_eq!(partners(&history[..5], "x"), history[..5].to_vec());
    }

    #[test]
    fn history_moves_a_repeated_item_last_and_keeps_the_newest() {
        let history = ids(HISTORY);
        let again = remembered(&history, history[0]);
        assert_eq!(again.len(), HISTORY);
        assert_eq!(again.last(), Some(&history[0]));
        let new = ProductId::generate();
        let next = remembered(&history, new);
        assert_eq!(next.len(), HISTORY);
        assert_eq!(next.first(), Some(&history[1]));
        assert_eq!(next.last(), Some(&new));
    }
}
