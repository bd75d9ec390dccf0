//! Recommendations as a shopper sees them: the recommendations area's suggestions read against
//! the catalog, which says what is still for sale, what belongs to one family and what is alike.
//! The two areas stay apart and meet here, at the functions' edge.

use crate::catalog::{CatalogStore, Listed, ProductId, Variation};
use crate::config::Source;
use crate::inventory::Availability;
use crate::recommendations::{
    Contribution, Kind, Reason, RecommendationsStore, Shopper, Signal, Suggestion, blend,
    diversified, is_consumable, likeness,
};
use std::collections::{HashMap, HashSet};

/// How many of a shopper's newest purchases, and of their newest views, their list is made from.
const ANCHORS: usize = 10;
/// How many suggestions a list is chosen from: room for those filtered out when shown.
const CANDIDATES: usize = 60;
/// How many of a category's listings content likeness compares.
const SIMILAR_POOL: usize = 200;

pub struct Recommender {
    pub catalog: CatalogStore,
    pub recommendations: RecommendationsStore,
}

/// An item to show, with why.
#[derive(Debug)]
pub struct Recommended {
    pub listed: Listed,
    pub reason: Reason,
    /// The item of the shopper's history it comes from.
    pub because: Option<ProductId>,
}

/// Whether a shopper can buy the product now: it has a winning offer with stock.
fn buyable(listed: &Listed) -> bool {
    listed.buy_box.as_ref().is_some_and(|summary| {
        summary.winner.is_some() && summary.availability != Availability::OutOfStock
    })
}

/// Whether `other` is `anchor` itself or one of its variations.
fn same_family(anchor: &Listed, other: &Listed) -> bool {
    let family = |listed: &Listed| listed.product.family().unwrap_or(listed.product.id);
    family(anchor) == family(other)
}

impl Recommender {
    pub fn from_source(sdk: &aws_config::SdkConfig, source: &impl Source) -> anyhow::Result<Self> {
        Ok(Self {
            catalog: CatalogStore::from_source(sdk, source)?,
            recommendations: RecommendationsStore::from_source(sdk, source)?,
        })
    }

    /// Opens both tables' connections at init: every request reads both.
    pub async fn connect(&self) {
        tokio::join!(self.catalog.connect(), self.recommendations.connect());
    }

    /// What a product page shows beside product `id`: its neighbours of `kind`, then, while
    /// those are fewer than `limit` (a new product), the most alike. `None` when there is no
    /// such product.
    #[tracing::instrument(skip(self))]
    pub async fn for_product(
        &self,
        id: ProductId,
        kind: Kind,
        limit: usize,
    ) -> anyhow::Result<Option<Vec<Recommended>>> {
        let Some(anchor) = self.catalog.listings([id]).await?.remove(&id) else {
            return Ok(None);
        };
        let suggestions = match kind.signal() {
            Some(signal) => self
                .recommendations
                .neighbours(signal, id)
                .await?
                .into_iter()
                .map(|(id, score)| Suggestion {
                    id,
                    score,
                    reason: Reason::of_pair(signal),
                    because: None,
                })
                .collect(),
            None => Vec::new(),
        };
        let listings = self.listings(&suggestions).await?;
        let mut shown: Vec<Recommended> = suggestions
            .into_iter()
            .filter_map(|s| {
                let listed = listings.get(&s.id)?;
                (buyable(listed) && !same_family(&anchor, listed)).then(|| Recommended {
                    listed: listed.clone(),
                    reason: s.reason,
                    because: None,
                })
            })
            .take(limit)
            .collect();
        if shown.len() < limit {
            let taken: HashSet<ProductId> = shown.iter().map(|r| r.listed.product.id).collect();
            shown.extend(self.similar(&anchor, limit - shown.len(), &taken).await?);
        }
        Ok(Some(shown))
    }

    async fn listings(
        &self,
        suggestions: &[Suggestion],
    ) -> anyhow::Result<HashMap<ProductId, Listed>> {
        self.catalog
            .listings(suggestions.iter().take(CANDIDATES).map(|s| s.id))
            .await
    }

    /// The `count` listings of the anchor's category most like it, for sale, neither of its
    /// family nor `taken`; a family stands in with its first child for sale.
    async fn similar(
        &self,
        anchor: &Listed,
        count: usize,
        taken: &HashSet<ProductId>,
    ) -> anyhow::Result<Vec<Recommended>> {
        let leaf = anchor.product.category_path.leaf();
        let page = self.catalog.browse(leaf, None, SIMILAR_POOL).await?;
        let mut scored: Vec<(f64, Listed)> = page
            .products
            .into_iter()
            .filter(|other| !same_family(anchor, other) && !taken.contains(&other.product.id))
            .map(|other| (likeness(anchor, &other), other))
            .filter(|(score, _)| *score > 0.0)
            .collect();
        scored.sort_by(|a, b| b.0.total_cmp(&a.0));
        let mut chosen = Vec::new();
        for (_, head) in scored {
            if chosen.len() == count {
                break;
            }
            let pick = match head.product.variation {
                Variation::Parent { .. } => self
                    .catalog
                    .family(head.product.id)
                    .await?
                    .and_then(|family| family.children.into_iter().find(buyable)),
                _ => Some(head).filter(buyable),
            };
            chosen.extend(pick.map(|listed| Recommended {
                listed,
                reason: Reason::SimilarItem,
                because: None,
            }));
        }
        Ok(chosen)
    }

    /// The signed-in customer's own list: kept for a while, worked out again after they buy or
    /// view something new.
    #[tracing::instrument(skip(self))]
    pub async fn for_customer(
        &self,
        customer: &str,
        limit: usize,
    ) -> anyhow::Result<Vec<Recommended>> {
        let shopper = Shopper::Customer(customer.to_owned()).key();
        let kept = self.recommendations.personal(&shopper).await?;
        let suggestions = match kept.fresh {
            Some(suggestions) => suggestions,
            None => {
                let worked_out = self.work_out(&shopper).await?;
                self.recommendations
                    .keep_personal(&shopper, &worked_out, kept.signals)
                    .await?;
                worked_out
            }
        };
        let listings = self.listings(&suggestions).await?;
        let for_sale: Vec<Suggestion> = suggestions
            .into_iter()
            .filter(|s| listings.get(&s.id).is_some_and(buyable))
            .collect();
        let leaf = |id| {
            listings
                .get(&id)
                .map(|l: &Listed| l.product.category_path.leaf().clone())
        };
        Ok(diversified(for_sale, leaf, limit)
            .into_iter()
            .filter_map(|s| {
                Some(Recommended {
                    listed: listings.get(&s.id)?.clone(),
                    reason: s.reason,
                    because: s.because,
                })
            })
            .collect())
    }

    /// The neighbours of the shopper's newest purchases and views, blended; what they bought is
    /// left out unless it is a consumable, which comes back as "Buy it again".
    async fn work_out(&self, shopper: &str) -> anyhow::Result<Vec<Suggestion>> {
        let (bought, viewed) = tokio::try_join!(
            self.recommendations.history(Signal::Bought, shopper),
            self.recommendations.history(Signal::Viewed, shopper),
        )?;
        let newest = |items: &[ProductId], signal: Signal, weight: f64| {
            items
                .iter()
                .rev()
                .take(ANCHORS)
                .enumerate()
                .map(move |(age, &id)| (id, signal, weight / (1.0 + 0.2 * age as f64)))
                .collect::<Vec<_>>()
        };
        let anchors = newest(&bought, Signal::Bought, 1.0)
            .into_iter()
            .chain(newest(&viewed, Signal::Viewed, 0.6));
        let contributions =
            futures::future::try_join_all(anchors.map(|(anchor, signal, weight)| async move {
                let neighbours = self.recommendations.neighbours(signal, anchor).await?;
                anyhow::Ok(Contribution {
                    anchor,
                    signal,
                    weight,
                    neighbours,
                })
            }))
            .await?;
        let mut blended = blend(&contributions);
        blended.truncate(CANDIDATES);
        let recent: Vec<ProductId> = bought.iter().rev().take(ANCHORS).copied().collect();
        let purchased = self
            .recommendations
            .bought(shopper, blended.iter().map(|s| s.id))
            .await?;
        let consumables: HashSet<ProductId> = self
            .catalog
            .listings(purchased.iter().chain(&recent).copied())
            .await?
            .into_values()
            .filter(|listed| is_consumable(&listed.product.category_path))
            .map(|listed| listed.product.id)
            .collect();
        let mut chosen: Vec<Suggestion> = blended
            .into_iter()
            .filter(|s| !purchased.contains(&s.id) || consumables.contains(&s.id))
            .map(|mut s| {
                if purchased.contains(&s.id) {
                    (s.reason, s.because) = (Reason::BuyItAgain, None);
                }
                s
            })
            .collect();
        let again: Vec<ProductId> = recent
            .into_iter()
            .filter(|id| consumables.contains(id) && !chosen.iter().any(|s| s.id == *id))
            .collect();
        chosen.extend(again.into_iter().map(|id| Suggestion {
            id,
            score: 0.0,
            reason: Reason::BuyItAgain,
            because: None,
        }));
        Ok(chosen)
    }
}
