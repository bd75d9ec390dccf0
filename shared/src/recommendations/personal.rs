//! A shopper's own list: the neighbours of what they bought and viewed, blended by how recent
//! and how strong each signal is, then spread over categories so one interest does not fill it.

use super::{Reason, Signal, Suggestion};
use crate::catalog::{CategoryPath, Slug};
use crate::ids::ProductId;
use std::collections::HashMap;

/// Departments whose products run out and are bought again: a customer who bought one is
/// shown it again ("Buy it again") instead of having it excluded.
const CONSUMABLE_DEPARTMENTS: [&str; 5] = [
    "beauty",
    "grocery",
    "health-household",
    "pet-supplies",
    "baby",
];

/// How many of a list's first places one leaf category may take.
const PER_CATEGORY: usize = 2;

pub fn is_consumable(path: &CategoryPath) -> bool {
    CONSUMABLE_DEPARTMENTS.iter().any(|department| {
        department
            .parse::<Slug>()
            .is_ok_and(|slug| path.contains(&slug))
    })
}

/// One item of the shopper's history and its neighbours by `signal`, weighted by recency.
#[derive(Debug, Clone)]
pub struct Contribution {
    pub anchor: ProductId,
    pub signal: Signal,
    pub weight: f64,
    pub neighbours: Vec<(ProductId, f64)>,
}

/// Every neighbour's summed, weighted score, best first; each names the history item that
/// contributed most to it.
pub fn blend(contributions: &[Contribution]) -> Vec<Suggestion> {
    let mut scores: HashMap<ProductId, (f64, f64, &Contribution)> = HashMap::new();
    for contribution in contributions {
        for &(id, score) in &contribution.neighbours {
            let part = contribution.weight * score;
            let entry = scores.entry(id).or_insert((0.0, part, contribution));
            entry.0 += part;
            if part > entry.1 {
                (entry.1, entry.2) = (part, contribution);
            }
        }
    }
    let mut blended: Vec<Suggestion> = scores
        .into_iter()
        .map(|(id, (score, _, top))| Suggestion {
            id,
            score,
            reason: Reason::of_history(top.signal),
            because: Some(top.anchor),
        })
        .collect();
    blended.sort_by(|a, b| b.score.total_cmp(&a.score).then(a.id.cmp(&b.id)));
    blended
}

/// The first `limit` of `ranked` (best first), taking at most [`PER_CATEGORY`] of a leaf
/// category until every category has had its turn, then the best of the rest.
pub fn diversified(
    ranked: Vec<Suggestion>,
    category: impl Fn(ProductId) -> Option<Slug>,
    limit: usize,
) -> Vec<Suggestion> {
    let mut taken: HashMap<Option<Slug>, usize> = HashMap::new();
    let (mut chosen, mut rest) = (Vec::new(), Vec::new());
    for suggestion in ranked {
        let count = taken.entry(category(suggestion.id)).or_default();
        if *count < PER_CATEGORY && chosen.len() < limit {
            *count += 1;
            chosen.push(suggestion);
        } else {
            rest.push(suggestion);
        }
    }
    let room = limit.saturating_sub(chosen.len());
    chosen.extend(rest.into_iter().take(room));
    chosen
}

#[cfg(test)]
mod tests {
    use super::*;

    fn path(slugs: &[&str]) -> CategoryPath {
        let slugs: Vec<Slug> = slugs.iter().map(|s| s.parse().unwrap()).collect();
        CategoryPath::try_from(slugs).unwrap()
    }

    #[test]
    fn beauty_is_consumable_and_televisions_are_not() {
        assert!(is_consumable(&path(&["beauty", "skincare"])));
        assert!(!is_consumable(&path(&["electronics", "televisions"])));
    }

    #[test]
    fn blending_sums_what_each_history_item_gives_and_names_the_strongest() {
        let [bought, viewed, common, only_viewed] = [(); 4].map(|()| ProductId::generate());
        let contributions = [
            Contribution {
                anchor: bought,
                signal: Signal::Bought,
                weight: 1.0,
                neighbours: vec![(common, 0.5)],
            },
            Contribution {
                anchor: viewed,
                signal: Signal::Viewed,
                weight: 0.5,
                neighbours: vec![(common, 0.4), (only_viewed, 0.9)],
            },
        ];
        let blended = blend(&contributions);
        assert_eq!(blended[0].id, common);
        assert!((blended[0].score - 0.7).abs() < 1e-9);
        assert_eq!(blended[0].because, Some(bought));
        assert_eq!(blended[0].reason, Reason::InspiredByYourPurchases);
        assert_eq!(blended[1].reason, Reason::SimilarToItemsYouViewed);
    }

    #[test]
    fn one_category_takes_at_most_two_first_places_while_others_wait() {
        let ranked: Vec<Suggestion> = (0..6)
            .map(|n| Suggestion {
                id: ProductId::generate(),
                score: 10.0 - f64::from(n),
                reason: Reason::InspiredByYourPurchases,
                because: None,
            })
            .collect();
        let kettle: Slug = "kettles".parse().unwrap();
        let book: Slug = "fiction".parse().unwrap();
        // The first five are kettles, the last a book.
        let category = |id| {
            let n = ranked.iter().position(|s| s.id == id).unwrap();
            Some(if n < 5 { kettle.clone() } else { book.clone() })
        };
        let chosen = diversified(ranked.clone(), category, 4);
        let ids: Vec<ProductId> = chosen.iter().map(|s| s.id).collect();
        assert_eq!(
            ids,
            [ranked[0].id, ranked[1].id, ranked[5].id, ranked[2].id]
        );
    }
}
