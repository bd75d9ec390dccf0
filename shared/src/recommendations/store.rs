//! The recommendations table, keyed `pk`/`sk`, `<SIGNAL>` being `BOUGHT` or `VIEWED`:
//! - `ITEM#<id>` / `COUNT#<SIGNAL>`: `n`, how many shoppers bought (viewed) the item;
//! - `ITEM#<id>` / `PAIR#<SIGNAL>#<other>`: `co`, how many bought (viewed) both;
//! - `ITEM#<id>` / `TOP#<SIGNAL>`: the item's best neighbours (`similarity::merge`), what a
//!   product page reads;
//! - `SHOPPER#<key>` / `HISTORY#<SIGNAL>`: the shopper's items, oldest first, the newest kept;
//! - `SHOPPER#<key>` / `<SIGNAL>#<id>`: that the shopper's item was counted, and with which
//!   partners: what makes a replayed order or view change nothing;
//! - `SHOPPER#<key>` / `PERSONAL`: the shopper's own list, kept a while (`ttl`) and only until
//!   they next buy or view something new (it names the histories' versions it came from).
//!
//! An item is counted in one transaction: its marker (only if new), the shopper's history (only
//! if unchanged since read, so concurrent orders of one shopper pair with each other), its count
//! and both halves of each pair. The neighbour lists are then merged in, each write conditional
//! on the list's version. Views' items expire (`ttl`); purchases stay.

use super::similarity::{self, Neighbour};
use super::{Signal, Suggestion};
use crate::config::Source;
use crate::dynamo::{self, decode, is_condition_failure, item, key, put_new};
use crate::ids::ProductId;
use anyhow::Context;
use aws_sdk_dynamodb::Client;
use aws_sdk_dynamodb::types::{AttributeValue, TransactWriteItem, Update};
use futures::{StreamExt, TryStreamExt};
use serde::{Deserialize, Serialize};
use std::collections::{HashMap, HashSet};

/// How often a write is tried again after a concurrent one changed what it read.
const ATTEMPTS: u64 = 12;
/// How long a view is remembered: shoppers' interests move on.
const VIEW_SECS: i64 = 90 * 86_400;
/// How long a shopper's own list is served before it is worked out again (a purchase or a new
/// view ends it at once).
const PERSONAL_SECS: i64 = 30 * 60;

#[derive(Default, Serialize, Deserialize)]
struct HistoryItem {
    #[serde(default)]
    items: Vec<ProductId>,
    #[serde(default)]
    version: u64,
}

#[derive(Serialize, Deserialize)]
struct MarkerItem {
    pk: String,
    sk: String,
    at: String,
    partners: Vec<ProductId>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    ttl: Option<i64>,
}

#[derive(Default, Deserialize)]
struct TopItem {
    #[serde(default)]
    neighbours: Vec<Neighbour>,
    #[serde(default)]
    version: u64,
}

#[derive(Deserialize)]
struct Counted {
    pk: String,
    #[serde(default)]
    n: u32,
}

#[derive(Deserialize)]
struct PairItem {
    sk: String,
    #[serde(default)]
    co: u32,
}

#[derive(Serialize, Deserialize)]
struct PersonalItem {
    pk: String,
    sk: String,
    suggestions: Vec<Suggestion>,
    /// The versions of the shopper's histories it was worked out from, summed (each only grows).
    signals: u64,
    expires_at: i64,
    ttl: i64,
}

/// What counting an event did: how many of its items were new to the shopper, and how many
/// items it wrote (the update cost the replay bench reports).
#[derive(Debug, Default, Clone, Copy, PartialEq, Eq)]
pub struct Recorded {
    pub counted: u32,
    pub writes: u32,
}

/// A shopper's own list as kept.
pub struct Personal {
    /// The list, while it still holds.
    pub fresh: Option<Vec<Suggestion>>,
    /// How many times the shopper's histories have changed: what a new list is kept against.
    pub signals: u64,
}

pub struct RecommendationsStore {
    client: Client,
    table: String,
}

fn item_key(id: ProductId, sk: String) -> (String, String) {
    (format!("ITEM#{id}"), sk)
}

fn count_key(id: ProductId, signal: Signal) -> (String, String) {
    item_key(id, format!("COUNT#{}", signal.code()))
}

fn pair_key(id: ProductId, signal: Signal, other: ProductId) -> (String, String) {
    item_key(id, format!("PAIR#{}#{other}", signal.code()))
}

fn top_key(id: ProductId, signal: Signal) -> (String, String) {
    item_key(id, format!("TOP#{}", signal.code()))
}

fn shopper_key(shopper: &str, sk: String) -> (String, String) {
    (format!("SHOPPER#{shopper}"), sk)
}

fn history_key(shopper: &str, signal: Signal) -> (String, String) {
    shopper_key(shopper, format!("HISTORY#{}", signal.code()))
}

fn marker_key(shopper: &str, signal: Signal, id: ProductId) -> (String, String) {
    shopper_key(shopper, format!("{}#{id}", signal.code()))
}

fn personal_key(shopper: &str) -> (String, String) {
    shopper_key(shopper, "PERSONAL".to_owned())
}

fn number(n: impl ToString) -> AttributeValue {
    AttributeValue::N(n.to_string())
}

/// Before try `attempt` of a write that lost a race: a growing, random pause, so writers that
/// collided do not collide again.
async fn pause(attempt: u64) {
    if attempt > 0 {
        let jitter = ulid::Ulid::new().random() as u64 % (10 * attempt);
        tokio::time::sleep(std::time::Duration::from_millis(5 * attempt + jitter)).await;
    }
}

fn now_secs() -> i64 {
    crate::clock::Timestamp::now().secs()
}

impl RecommendationsStore {
    pub fn new(client: Client, table: String) -> Self {
        Self { client, table }
    }

    pub fn from_source(sdk: &aws_config::SdkConfig, source: &impl Source) -> anyhow::Result<Self> {
        Ok(Self::new(
            crate::aws::dynamodb(sdk),
            source.required("RECOMMENDATIONS_TABLE")?,
        ))
    }

    /// Opens the table's connection at init.
    pub async fn connect(&self) {
        dynamo::connect(&self.client, &self.table).await;
    }

    async fn get<T: serde::de::DeserializeOwned>(
        &self,
        key_pair: (String, String),
    ) -> anyhow::Result<Option<T>> {
        dynamo::get(
            &self.client,
            &self.table,
            key_pair,
            "reading recommendations",
        )
        .await
    }

    /// Counts the shopper's `products` (an order's, or one view) as `signal`s: each product new
    /// to the shopper is counted and, for at most `similarity::PER_EVENT` of an event's, paired
    /// with a bounded sample of their history (`similarity::partners`). `event` seeds the
    /// samples, so a retried event pairs as the first try did; a product counted before counts
    /// nothing.
    #[tracing::instrument(skip(self, products))]
    pub async fn record(
        &self,
        signal: Signal,
        shopper: &str,
        products: &[ProductId],
        event: &str,
    ) -> anyhow::Result<Recorded> {
        let mut distinct: Vec<ProductId> = Vec::new();
        for &id in products {
            if !distinct.contains(&id) {
                distinct.push(id);
            }
        }
        let paired = similarity::sample(&distinct, similarity::PER_EVENT, event);
        let mut recorded = Recorded::default();
        for id in distinct {
            let one = self
                .record_one(signal, shopper, id, event, paired.contains(&id))
                .await?;
            recorded.counted += one.counted;
            recorded.writes += one.writes;
        }
        Ok(recorded)
    }

    async fn record_one(
        &self,
        signal: Signal,
        shopper: &str,
        id: ProductId,
        event: &str,
        paired: bool,
    ) -> anyhow::Result<Recorded> {
        for attempt in 0..ATTEMPTS {
            pause(attempt).await;
            let history: HistoryItem = self
                .get(history_key(shopper, signal))
                .await?
                .unwrap_or_default();
            let earlier: Vec<ProductId> =
                history.items.iter().copied().filter(|&i| i != id).collect();
            let partners = match paired {
                true => similarity::partners(&earlier, event),
                false => Vec::new(),
            };
            let writes = self.counting(signal, shopper, id, &history, &partners)?;
            let written = writes.len() as u32;
            let outcome =
                dynamo::transact(&self.client, writes, "counting a recommendation signal").await;
            // A popular item's count is in many orders' transactions: losing the race for it
            // again and again is a reason to wait and read again, not to fail the order.
            let outcome = match outcome {
                Err(error) if error.downcast_ref::<dynamo::Conflicted>().is_some() => continue,
                other => other?,
            };
            match outcome {
                None => {
                    let merged = self.merge_pairs(signal, id, &partners).await?;
                    return Ok(Recorded {
                        counted: 1,
                        writes: written + merged,
                    });
                }
                Some(failed) if failed.first() == Some(&true) => {
                    // Counted before: finish what that try may not have (its lists).
                    let marker: Option<MarkerItem> =
                        self.get(marker_key(shopper, signal, id)).await?;
                    let partners = marker.map(|m| m.partners).unwrap_or_default();
                    let merged = self.merge_pairs(signal, id, &partners).await?;
                    return Ok(Recorded {
                        counted: 0,
                        writes: merged,
                    });
                }
                Some(_) => continue,
            }
        }
        anyhow::bail!("the history of {shopper} kept changing while counting {id}")
    }

    /// The transaction that counts `id` for the shopper (see the module's doc).
    fn counting(
        &self,
        signal: Signal,
        shopper: &str,
        id: ProductId,
        history: &HistoryItem,
        partners: &[ProductId],
    ) -> anyhow::Result<Vec<TransactWriteItem>> {
        let ttl = (signal == Signal::Viewed).then(|| now_secs() + VIEW_SECS);
        let (pk, sk) = marker_key(shopper, signal, id);
        let marker = item(&MarkerItem {
            pk,
            sk,
            at: crate::clock::now(),
            partners: partners.to_vec(),
            ttl,
        })?;
        let items = serde_dynamo::aws_sdk_dynamodb_1::to_attribute_value(similarity::remembered(
            &history.items,
            id,
        ))
        .context("encoding a history")?;
        let unchanged = if history.version == 0 {
            "attribute_not_exists(version)"
        } else {
            "version = :seen"
        };
        let mut remember = Update::builder()
            .table_name(&self.table)
            .set_key(Some(key(history_key(shopper, signal))))
            .update_expression("SET #items = :items, version = :next")
            .condition_expression(unchanged)
            .expression_attribute_names("#items", "items")
            .expression_attribute_values(":items", items)
            .expression_attribute_values(":next", number(history.version + 1));
        // A customer's purchases are kept; a view history goes with its last view.
        if let Some(ttl) = ttl {
            remember = remember
                .update_expression("SET #items = :items, version = :next, #ttl = :ttl")
                .expression_attribute_names("#ttl", "ttl")
                .expression_attribute_values(":ttl", number(ttl));
        }
        if history.version != 0 {
            remember = remember.expression_attribute_values(":seen", number(history.version));
        }
        let add =
            |key_pair: (String, String), counter: &str| -> anyhow::Result<TransactWriteItem> {
                let update = Update::builder()
                    .table_name(&self.table)
                    .set_key(Some(key(key_pair)))
                    .update_expression(format!("ADD {counter} :one"))
                    .expression_attribute_values(":one", number(1))
                    .build()
                    .context("building a count")?;
                Ok(TransactWriteItem::builder().update(update).build())
            };
        let mut writes = vec![
            put_new(&self.table, marker)?,
            TransactWriteItem::builder()
                .update(remember.build().context("building a history")?)
                .build(),
            add(count_key(id, signal), "n")?,
        ];
        for &other in partners {
            writes.push(add(pair_key(id, signal, other), "co")?);
            writes.push(add(pair_key(other, signal, id), "co")?);
        }
        Ok(writes)
    }

    /// Folds the pairs of `id` with each partner, with their current counts, into both items'
    /// neighbour lists; answers how many lists it wrote.
    async fn merge_pairs(
        &self,
        signal: Signal,
        id: ProductId,
        partners: &[ProductId],
    ) -> anyhow::Result<u32> {
        if partners.is_empty() {
            return Ok(0);
        }
        let counts = self
            .counts(signal, partners.iter().copied().chain([id]), true)
            .await?;
        let keys = partners
            .iter()
            .map(|&other| key(pair_key(id, signal, other)))
            .collect();
        let pairs: HashMap<String, u32> =
            dynamo::batch_get_consistent(&self.client, &self.table, keys)
                .await?
                .into_iter()
                .map(decode::<PairItem>)
                .map(|pair| pair.map(|p| (p.sk, p.co)))
                .collect::<anyhow::Result<_>>()?;
        let co = |other: ProductId| {
            pairs
                .get(&pair_key(id, signal, other).1)
                .copied()
                .unwrap_or(0)
        };
        let n = |of: ProductId| counts.get(&of).copied().unwrap_or(0);
        let own: Vec<Neighbour> = partners
            .iter()
            .map(|&other| Neighbour {
                id: other,
                co: co(other),
                others: n(other),
            })
            .collect();
        let mut lists = vec![(id, own)];
        lists.extend(partners.iter().map(|&other| {
            let back = Neighbour {
                id,
                co: co(other),
                others: n(id),
            };
            (other, vec![back])
        }));
        let written: Vec<bool> = futures::stream::iter(lists)
            .map(|(anchor, updates)| async move { self.merge_top(signal, anchor, &updates).await })
            .buffer_unordered(8)
            .try_collect()
            .await?;
        Ok(written.into_iter().filter(|&w| w).count() as u32)
    }

    /// Merges `updates` into the item's list, again while another writer changes it under
    /// this one; `false` when the list already held them.
    async fn merge_top(
        &self,
        signal: Signal,
        id: ProductId,
        updates: &[Neighbour],
    ) -> anyhow::Result<bool> {
        for attempt in 0..ATTEMPTS {
            pause(attempt).await;
            let top: TopItem = self.get(top_key(id, signal)).await?.unwrap_or_default();
            let merged = similarity::merge(&top.neighbours, updates);
            if merged == top.neighbours {
                return Ok(false);
            }
            let (pk, sk) = top_key(id, signal);
            let next = item(&serde_json::json!({
                "pk": pk, "sk": sk, "neighbours": merged, "version": top.version + 1,
            }))?;
            let mut put = self
                .client
                .put_item()
                .table_name(&self.table)
                .set_item(Some(next));
            put = if top.version == 0 {
                put.condition_expression("attribute_not_exists(pk)")
            } else {
                put.condition_expression("version = :seen")
                    .expression_attribute_values(":seen", number(top.version))
            };
            match put.send().await {
                Ok(_) => return Ok(true),
                Err(error) if is_condition_failure(&error) => continue,
                Err(error) => return Err(anyhow::Error::from(error).context("writing neighbours")),
            }
        }
        anyhow::bail!("the neighbours of {id} kept changing")
    }

    /// How many shoppers bought (viewed) each of `ids`; an item no one has is absent.
    /// `consistent`: when the counts were just written (the lists are merged with them).
    async fn counts(
        &self,
        signal: Signal,
        ids: impl IntoIterator<Item = ProductId>,
        consistent: bool,
    ) -> anyhow::Result<HashMap<ProductId, u32>> {
        let keys = ids
            .into_iter()
            .map(|id| key(count_key(id, signal)))
            .collect();
        let found = if consistent {
            dynamo::batch_get_consistent(&self.client, &self.table, keys).await?
        } else {
            dynamo::batch_get(&self.client, &self.table, keys).await?
        };
        found
            .into_iter()
            .map(|found| {
                let count: Counted = decode(found)?;
                let id = count
                    .pk
                    .strip_prefix("ITEM#")
                    .unwrap_or_default()
                    .parse()
                    .map_err(anyhow::Error::msg)?;
                Ok((id, count.n))
            })
            .collect()
    }

    /// The item's neighbours by `signal`, best first, scored with today's counts.
    #[tracing::instrument(skip(self))]
    pub async fn neighbours(
        &self,
        signal: Signal,
        id: ProductId,
    ) -> anyhow::Result<Vec<(ProductId, f64)>> {
        let Some(top) = self.get::<TopItem>(top_key(id, signal)).await? else {
            return Ok(Vec::new());
        };
        let ids = top.neighbours.iter().map(|n| n.id).chain([id]);
        let counts = self.counts(signal, ids, false).await?;
        Ok(similarity::ranked(id, &top.neighbours, &counts))
    }

    /// The shopper's items by `signal`, oldest first.
    pub async fn history(&self, signal: Signal, shopper: &str) -> anyhow::Result<Vec<ProductId>> {
        Ok(self
            .get::<HistoryItem>(history_key(shopper, signal))
            .await?
            .unwrap_or_default()
            .items)
    }

    /// Which of `ids` the customer has bought, at any time (their history keeps only the newest).
    pub async fn bought(
        &self,
        shopper: &str,
        ids: impl IntoIterator<Item = ProductId>,
    ) -> anyhow::Result<HashSet<ProductId>> {
        let keys = ids
            .into_iter()
            .map(|id| key(marker_key(shopper, Signal::Bought, id)))
            .collect();
        let prefix = format!("{}#", Signal::Bought.code());
        dynamo::batch_get(&self.client, &self.table, keys)
            .await?
            .into_iter()
            .map(|found| {
                let marker: MarkerItem = decode(found)?;
                let id = marker.sk.strip_prefix(&prefix).unwrap_or_default();
                id.parse().map_err(anyhow::Error::msg)
            })
            .collect()
    }

    /// The shopper's own list as kept, `fresh` while it is young and nothing they bought or
    /// viewed came after it (DynamoDB's TTL deletes late; this does not wait for it).
    pub async fn personal(&self, shopper: &str) -> anyhow::Result<Personal> {
        let keys = vec![
            key(personal_key(shopper)),
            key(history_key(shopper, Signal::Bought)),
            key(history_key(shopper, Signal::Viewed)),
        ];
        let (mut kept, mut signals) = (None, 0);
        // Consistent, so a purchase just counted is seen and the list it ends is not served.
        for found in dynamo::batch_get_consistent(&self.client, &self.table, keys).await? {
            if matches!(found.get("sk"), Some(AttributeValue::S(sk)) if sk == "PERSONAL") {
                kept = Some(decode::<PersonalItem>(found)?);
            } else {
                signals += decode::<HistoryItem>(found)?.version;
            }
        }
        let fresh = kept
            .filter(|kept| kept.expires_at > now_secs() && kept.signals == signals)
            .map(|kept| kept.suggestions);
        Ok(Personal { fresh, signals })
    }

    /// Keeps the shopper's list, worked out from their histories as of `signals`.
    pub async fn keep_personal(
        &self,
        shopper: &str,
        suggestions: &[Suggestion],
        signals: u64,
    ) -> anyhow::Result<()> {
        let (pk, sk) = personal_key(shopper);
        let expires_at = now_secs() + PERSONAL_SECS;
        let kept = item(&PersonalItem {
            pk,
            sk,
            suggestions: suggestions.to_vec(),
            signals,
            expires_at,
            ttl: expires_at,
        })?;
        self.client
            .put_item()
            .table_name(&self.table)
            .set_item(Some(kept))
            .send()
            .await
            .context("keeping a shopper's recommendations")?;
        Ok(())
    }
}
