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
/// How many more families than needed are read for a child for sale (some have none).
const FAMILY_SPARE: usize = 4;

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

/// The family a product belongs to: its parent's id, or its own for a product on its own.
fn family_of(listed: &Listed) -> ProductId {
    listed.product.family().unwrap_or(listed.product.id)
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

    /// What a product page shows beside product `id`: its neighbours of `kind` (a family's
    /// parent, its children's), one of a family at most, then, while those are fewer than
    /// `limit` (a new product), the most alike. `None` when there is no such product.
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
            Some(signal) => self.pairs(signal, &anchor).await?,
            None => Vec::new(),
        };
        let listings = self.listings(&suggestions).await?;
        // The families shown (the anchor's first): the likeliest size stands for the others.
        let mut families = HashSet::from([family_of(&anchor)]);
        let mut shown = Vec::new();
        for suggestion in suggestions {
            if shown.len() == limit {
                break;
            }
            let Some(listed) = listings.get(&suggestion.id) else {
                continue;
            };
            if buyable(listed) && families.insert(family_of(listed)) {
                shown.push(Recommended {
                    listed: listed.clone(),
                    reason: suggestion.reason,
                    because: None,
                });
            }
        }
        if shown.len() < limit {
            let alike = self.similar(&anchor, limit - shown.len(), &mut families);
            shown.extend(alike.await?);
        }
        Ok(Some(shown))
    }

    /// The anchor's neighbours by `signal`, best first; a family's parent (what its page shows)
    /// has its children's, summed, since orders and views name the children.
    async fn pairs(&self, signal: Signal, anchor: &Listed) -> anyhow::Result<Vec<Suggestion>> {
        let members: Vec<ProductId> = match anchor.product.variation {
            Variation::Parent { .. } => self
                .catalog
                .family(anchor.product.id)
                .await?
                .map(|family| family.children.iter().map(|c| c.product.id).collect())
                .unwrap_or_default(),
            _ => vec![anchor.product.id],
        };
        let contributions =
            futures::future::try_join_all(members.into_iter().map(|member| async move {
                let neighbours = self.recommendations.neighbours(signal, member).await?;
                anyhow::Ok(Contribution {
                    anchor: member,
                    signal,
                    weight: 1.0,
                    neighbours,
                })
            }))
            .await?;
        Ok(blend(&contributions)
            .into_iter()
            .map(|s| Suggestion {
                reason: Reason::of_pair(signal),
                because: None,
                ..s
            })
            .collect())
    }

    async fn listings(
        &self,
        suggestions: &[Suggestion],
    ) -> anyhow::Result<HashMap<ProductId, Listed>> {
        self.catalog
            .listings(suggestions.iter().take(CANDIDATES).map(|s| s.id))
            .await
    }

    /// The `count` listings of the anchor's category most like it, for sale, of none of
    /// `families` (which each one chosen joins); a family stands in with its first child for
    /// sale.
    async fn similar(
        &self,
        anchor: &Listed,
        count: usize,
        families: &mut HashSet<ProductId>,
    ) -> anyhow::Result<Vec<Recommended>> {
        let leaf = anchor.product.category_path.leaf();
        let page = self.catalog.browse(leaf, None, SIMILAR_POOL).await?;
        let mut scored: Vec<(f64, Listed)> = page
            .products
            .into_iter()
            .filter(|other| !families.contains(&family_of(other)))
            .map(|other| (likeness(anchor, &other), other))
            .filter(|(score, _)| *score > 0.0)
            .collect();
        scored.sort_by(|a, b| b.0.total_cmp(&a.0));
        let heads: Vec<Listed> = scored.into_iter().map(|(_, head)| head).collect();
        // The likeliest families' children are read at once, a few more than needed.
        let parents = heads
            .iter()
            .filter(|head| matches!(head.product.variation, Variation::Parent { .. }))
            .take(count + FAMILY_SPARE)
            .map(|head| self.catalog.family(head.product.id));
        let for_sale: HashMap<ProductId, Listed> = futures::future::try_join_all(parents)
            .await?
            .into_iter()
            .flatten()
            .filter_map(|family| {
                let child = family.children.into_iter().find(buyable)?;
                Some((family.head.product.id, child))
            })
            .collect();
        let mut chosen = Vec::new();
        for head in heads {
            if chosen.len() == count {
                break;
            }
            let pick = match head.product.variation {
                Variation::Parent { .. } => for_sale.get(&head.product.id).cloned(),
                _ => Some(head).filter(buyable),
            };
            if let Some(listed) = pick
                && families.insert(family_of(&listed))
            {
                chosen.push(Recommended {
                    listed,
                    reason: Reason::SimilarItem,
                    because: None,
                });
            }
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
        // Room is left for the consumables to buy again, at most one per anchor.
        blended.truncate(CANDIDATES - ANCHORS);
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
