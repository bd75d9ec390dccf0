//! The inventory table, keyed `pk`/`sk`. DynamoDB gives one partition key about 1,000 writes a
//! second, so each shard of a SKU's stock is a partition of its own:
//! - `STOCK#<sku>#<location>#<shard>` / `#STOCK`: the shard's `on_hand`, `reserved` and
//!   `available` (kept equal to on hand less reserved by every write, so a condition can guard it);
//! - `STOCK#<sku>#<location>#<shard>` / `HOLD#<expires at>#<reservation>`: units a reservation
//!   holds on the shard, sorted by expiry after the shard (`#` sorts before `H`), so the shard and
//!   its expired holds are one range read;
//! - `SKU#<sku>` / `SHARDS#<location>`: the active shard count and the most there ever were
//!   (retired shards may still hold reserved units);
//! - `RESERVATION#<id>` / `RESERVATION`: the reservation, deleted by TTL after it expires.
//!
//! Every change of units is a conditional write, in one transaction with the reservation's own
//! conditional status change.

use super::batch::{BatchLine, BatchReport, FeedState, LineOutcome, StockBatchId};
use super::reservation::{
    Hold, MAX_HOLDS, Reservation, ReservationId, ReservationLine, ReservationRequest, Settle,
    Shortage, Status, Step, step,
};
use super::shards::{self, Shard, ShardCount};
use super::stock_update::{StockChange, StockUpdate};
use crate::config::Source;
use crate::dynamo::{self, decode, item, key, put_new};
use crate::ids::SellerId;
use crate::ids::{LocationId, Sku};
use anyhow::{Context, bail};
use aws_sdk_dynamodb::Client;
use aws_sdk_dynamodb::types::{AttributeValue, Delete, Put, TransactWriteItem, Update};
use serde::{Deserialize, Serialize};
use std::collections::{BTreeMap, HashMap};
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{Duration, SystemTime, UNIX_EPOCH};

/// How often a reservation re-reads stock after losing a race for a shard before giving up.
const RESERVE_ATTEMPTS: usize = 12;
/// How often a count or a settlement is retried after losing a race.
const RACE_RETRIES: usize = 12;
/// How long a seller can follow a batch.
const KEEP_BATCHES: Duration = Duration::from_secs(30 * 24 * 3600);
/// Expired holds one reservation gives back on its way, at most.
const SWEEP_LIMIT: usize = 25;
/// How long a settled reservation is kept, so a replayed commit or release finds it.
const KEEP_SETTLED: Duration = Duration::from_secs(7 * 24 * 3600);

/// Everything the table says about a SKU's stock.
#[derive(Debug, Default)]
pub struct SkuStock {
    pub locations: BTreeMap<LocationId, LocationStock>,
}

#[derive(Debug, Default)]
pub struct LocationStock {
    pub count: ShardCount,
    /// The most shards there ever were (0 before the first count).
    pub high_water: u8,
    /// The newest seller count applied here, and the changes applied since, by number.
    pub sequence: Option<u64>,
    pub(super) deltas: Vec<AppliedDelta>,
    pub shards: Vec<Shard>,
    /// Holds whose time is up but whose units are not yet given back: free for anyone to take.
    pub expired: Vec<ExpiredHold>,
}

/// A hold whose time is up, where it is.
#[derive(Debug, Clone)]
pub struct ExpiredHold {
    pub reservation: ReservationId,
    pub shard: u8,
    pub quantity: u32,
    pub expires_at: u64,
}

impl LocationStock {
    pub fn available(&self) -> u32 {
        let expired: u32 = self.expired.iter().map(|hold| hold.quantity).sum();
        self.shards.iter().map(|s| s.available).sum::<u32>() + expired
    }
}

impl SkuStock {
    pub fn available(&self) -> u32 {
        self.locations.values().map(LocationStock::available).sum()
    }
}

/// What became of a reservation.
#[derive(Debug)]
pub enum Reserved {
    Held(Reservation),
    /// Nothing is held: these lines are short.
    Short(Vec<Shortage>),
    /// The id is another reservation's.
    IdTaken,
    /// A replay of a reservation that no longer holds its units: settled so, or expired.
    Settled(Status),
}

/// What became of a commit, release or expiry.
#[derive(Debug, PartialEq, Eq)]
pub enum Settled {
    Applied,
    /// It was already so: nothing changed.
    AlreadyDone,
    Refused(Status),
    NotFound,
}

/// What became of a new on-hand count.
#[derive(Debug, PartialEq, Eq)]
pub enum Counted {
    Set,
    /// A count numbered as high or higher was applied already: this one changes nothing.
    Stale,
    /// On hand can never drop below the units reservations hold.
    BelowReserved(u32),
}

/// That a change made once (a restock) was made.
#[derive(Serialize, Deserialize)]
struct Marker {
    pk: String,
    sk: String,
}

#[derive(Serialize, Deserialize)]
struct StockItem {
    pk: String,
    sk: String,
    #[serde(flatten)]
    shard: Shard,
}

/// A seller's change applied since its last count.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub(super) struct AppliedDelta {
    sequence: u64,
    change: i64,
}

#[derive(Serialize, Deserialize)]
struct ShardsItem {
    pk: String,
    sk: String,
    location: LocationId,
    count: ShardCount,
    /// The most shards there ever were: 0 to this may exist.
    high_water: u8,
    /// The newest seller count applied here.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    sequence: Option<u64>,
    /// The seller's changes applied since that count, each once; a later count numbered below
    /// some of them still adds them.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    deltas: Vec<AppliedDelta>,
}

#[derive(Serialize, Deserialize)]
struct HoldItem {
    pk: String,
    sk: String,
    reservation: ReservationId,
    quantity: u32,
    expires_at: u64,
}

#[derive(Serialize, Deserialize)]
struct ReservationItem {
    pk: String,
    sk: String,
    ttl: u64,
    #[serde(flatten)]
    reservation: Reservation,
}

/// The shard item's key; its holds share the partition.
fn stock_key(sku: &Sku, location: &LocationId, shard: u8) -> (String, String) {
    (
        format!("STOCK#{sku}#{location}#{shard:02}"),
        "#STOCK".to_owned(),
    )
}

fn hold_key(hold: &Hold, reservation: ReservationId, expires_at: u64) -> (String, String) {
    let (pk, _) = stock_key(&hold.sku, &hold.location, hold.shard);
    (pk, format!("HOLD#{expires_at:010}#{reservation}"))
}

fn sku_pk(sku: &Sku) -> String {
    format!("SKU#{sku}")
}

fn shards_key(sku: &Sku, location: &LocationId) -> (String, String) {
    (sku_pk(sku), format!("SHARDS#{location}"))
}

fn batch_key(id: StockBatchId) -> (String, String) {
    (format!("BATCH#{id}"), "BATCH".to_owned())
}

fn batch_line_key(line: &BatchLine) -> (String, String) {
    (
        format!("BATCH#{}", line.id),
        format!("LINE#{:05}", line.line),
    )
}

#[derive(Serialize, Deserialize)]
struct BatchItem {
    pk: String,
    sk: String,
    seller: SellerId,
    lines: u32,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    feed: Option<FeedState>,
    ttl: u64,
}

#[derive(Serialize, Deserialize)]
struct LineItem {
    pk: String,
    sk: String,
    line: u32,
    #[serde(flatten)]
    outcome: LineOutcome,
    ttl: u64,
}

fn reservation_key(id: ReservationId) -> (String, String) {
    (format!("RESERVATION#{id}"), "RESERVATION".to_owned())
}

fn unix_now() -> u64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map_or(0, |elapsed| elapsed.as_secs())
}

fn number(n: impl std::fmt::Display) -> AttributeValue {
    AttributeValue::N(n.to_string())
}

pub struct InventoryStore {
    client: Client,
    table: String,
    contention: Contention,
}

/// Reservation transactions sent, and how many lost a race for a shard (its stock sold between
/// the read and the write): what the reservations bench reports per shard count.
#[derive(Debug, Default)]
pub struct Contention {
    pub transactions: AtomicU64,
    pub conflicts: AtomicU64,
}

impl InventoryStore {
    pub fn new(client: Client, table: String) -> Self {
        Self {
            client,
            table,
            contention: Contention::default(),
        }
    }

    /// The store a function uses, configured from its environment.
    pub fn from_source(sdk: &aws_config::SdkConfig, source: &impl Source) -> anyhow::Result<Self> {
        Ok(Self::new(
            crate::aws::dynamodb(sdk),
            source.required("INVENTORY_TABLE")?,
        ))
    }

    /// Opens the connection to the table at init with a read of a key no item has.
    pub async fn connect(&self) {
        dynamo::connect(&self.client, &self.table).await;
    }

    pub fn contention(&self) -> &Contention {
        &self.contention
    }

    /// A SKU's shard counts, shards and expired holds at every location, read consistently.
    pub async fn stock(&self, sku: &Sku) -> anyhow::Result<SkuStock> {
        let counts = self.locations(sku, true).await?;
        let now = unix_now();
        let reads = counts.into_iter().map(|counted| async move {
            let shards =
                (0..counted.high_water).map(|index| self.shard(sku, &counted.location, index, now));
            let shards = futures::future::try_join_all(shards).await?;
            let mut here = LocationStock {
                count: counted.count,
                high_water: counted.high_water,
                sequence: counted.sequence,
                deltas: counted.deltas.clone(),
                ..LocationStock::default()
            };
            for (shard, expired) in shards.into_iter().flatten() {
                here.shards.push(shard);
                here.expired.extend(expired);
            }
            anyhow::Ok((counted.location, here))
        });
        let locations = futures::future::try_join_all(reads).await?;
        Ok(SkuStock {
            locations: locations.into_iter().collect(),
        })
    }

    /// Each SKU's units that can be sold now, per location, read consistently: what checkout
    /// plans shipping and allocates a reservation from.
    pub async fn available_by_location(
        &self,
        skus: impl IntoIterator<Item = &Sku>,
    ) -> anyhow::Result<HashMap<Sku, Vec<(LocationId, u32)>>> {
        let reads = skus.into_iter().map(|sku| async move {
            let stock = self.stock(sku).await?;
            let here = stock
                .locations
                .iter()
                .map(|(location, at)| (location.clone(), at.available()))
                .collect();
            anyhow::Ok((sku.clone(), here))
        });
        Ok(futures::future::try_join_all(reads)
            .await?
            .into_iter()
            .collect())
    }

    /// The locations a SKU is stocked at, with their shard counts.
    async fn locations(&self, sku: &Sku, consistent: bool) -> anyhow::Result<Vec<ShardsItem>> {
        let output = self
            .client
            .query()
            .table_name(&self.table)
            .key_condition_expression("pk = :pk")
            .expression_attribute_values(":pk", AttributeValue::S(sku_pk(sku)))
            .consistent_read(consistent)
            .send()
            .await
            .context("reading a SKU's locations")?;
        let items = output.items.unwrap_or_default().into_iter();
        items.map(decode).collect()
    }

    /// One shard and its holds expired at `now`, in one range read; `None` if it has no item.
    async fn shard(
        &self,
        sku: &Sku,
        location: &LocationId,
        index: u8,
        now: u64,
    ) -> anyhow::Result<Option<(Shard, Vec<ExpiredHold>)>> {
        let (pk, _) = stock_key(sku, location, index);
        let output = self
            .client
            .query()
            .table_name(&self.table)
            .key_condition_expression("pk = :pk AND sk <= :expired")
            .expression_attribute_values(":pk", AttributeValue::S(pk))
            .expression_attribute_values(":expired", AttributeValue::S(format!("HOLD#{now:010}#~")))
            .consistent_read(true)
            .send()
            .await
            .context("reading a stock shard")?;
        let mut items = output.items.unwrap_or_default().into_iter();
        let Some(first) = items.next() else {
            return Ok(None);
        };
        let StockItem { shard, .. } = decode(first)?;
        let expired = items
            .map(|item| {
                let hold: HoldItem = decode(item)?;
                anyhow::Ok(ExpiredHold {
                    reservation: hold.reservation,
                    shard: index,
                    quantity: hold.quantity,
                    expires_at: hold.expires_at,
                })
            })
            .collect::<anyhow::Result<_>>()?;
        Ok(Some((shard, expired)))
    }

    /// Units each SKU has for sale now, every location together.
    pub async fn available(
        &self,
        skus: impl IntoIterator<Item = &Sku>,
    ) -> anyhow::Result<HashMap<Sku, u32>> {
        let reads = skus.into_iter().map(|sku| async move {
            let stock = self.stock(sku).await?;
            anyhow::Ok((sku.clone(), stock.available()))
        });
        futures::future::try_join_all(reads)
            .await
            .map(HashMap::from_iter)
    }

    /// Loads counts, each on one shard, into a table that has none of these SKUs yet (demo data):
    /// plain batch writes, no conditions.
    pub async fn import(&self, counts: &[(Sku, LocationId, u32)]) -> anyhow::Result<()> {
        let mut items = Vec::with_capacity(counts.len() * 2);
        for (sku, location, on_hand) in counts {
            let (pk, sk) = shards_key(sku, location);
            let count = ShardCount::ONE;
            let location = location.clone();
            items.push(item(&ShardsItem {
                pk,
                sk,
                location: location.clone(),
                count,
                high_water: 1,
                sequence: None,
                deltas: Vec::new(),
            })?);
            let (pk, sk) = stock_key(sku, &location, 0);
            let shard = Shard {
                index: 0,
                on_hand: *on_hand,
                reserved: 0,
                available: *on_hand,
            };
            items.push(item(&StockItem { pk, sk, shard })?);
        }
        dynamo::batch_put(&self.client, &self.table, items).await
    }

    /// Sets the units on hand at a location (a fulfillment center's count), spread over the
    /// active shards; units held for reservations stay where they are held.
    pub async fn set_on_hand(
        &self,
        sku: &Sku,
        location: &LocationId,
        on_hand: u32,
    ) -> anyhow::Result<Counted> {
        let on_hand = crate::json::WholeNumber(on_hand.into());
        let count = StockChange::Count(on_hand.try_into().map_err(anyhow::Error::msg)?);
        self.count(sku, location, count, None, None).await
    }

    /// Applies a seller's update. A count numbered no higher than the last count is stale; a
    /// change is stale when a count numbered as high or higher includes it, or when it was
    /// applied already; changes numbered above a count apply on top of it, whatever the order.
    pub async fn apply_update(&self, update: &StockUpdate) -> anyhow::Result<Counted> {
        let (sku, location) = (&update.sku, &update.location);
        self.count(sku, location, update.change, Some(update.sequence), None)
            .await
    }

    /// Puts units an order took back on hand where they were taken from (a cancelled order's,
    /// which never left): once per `origin` and line, whatever the retries.
    pub async fn restock(&self, origin: &str, line: &ReservationLine) -> anyhow::Result<Counted> {
        let units = crate::json::Integer(line.quantity.into());
        let change = StockChange::Delta(units.try_into().map_err(anyhow::Error::msg)?);
        let done = (
            format!("RESTOCK#{origin}"),
            format!("{}#{}", line.sku, line.location),
        );
        self.count(&line.sku, &line.location, change, None, Some(done))
            .await
    }

    async fn count(
        &self,
        sku: &Sku,
        location: &LocationId,
        change: StockChange,
        sequence: Option<u64>,
        once: Option<(String, String)>,
    ) -> anyhow::Result<Counted> {
        for _ in 0..RACE_RETRIES {
            if let Some(done) = &once {
                let found: Option<Marker> =
                    dynamo::get(&self.client, &self.table, done.clone(), "reading a marker")
                        .await?;
                if found.is_some() {
                    return Ok(Counted::Stale);
                }
            }
            let stock = self.stock(sku).await?;
            let read = stock.locations.get(location);
            let count = read.map(|l| l.count).unwrap_or_default();
            let current: Vec<Shard> = read.map(|l| l.shards.clone()).unwrap_or_default();
            let reserved: u32 = current.iter().map(|s| s.reserved).sum();
            let on_hand_now: i64 = current.iter().map(|s| i64::from(s.on_hand)).sum();
            let (mut counted, mut deltas) =
                read.map_or((None, Vec::new()), |l| (l.sequence, l.deltas.clone()));
            let on_hand = match (change, sequence) {
                (StockChange::Count(quantity), None) => i64::from(u32::from(quantity)),
                (StockChange::Delta(delta), None) => on_hand_now + i64::from(delta),
                // A count includes the changes numbered below it, not those above: they apply on
                // top of it, whatever order they came in.
                (StockChange::Count(quantity), Some(n)) => {
                    if Some(n) <= counted {
                        return Ok(Counted::Stale);
                    }
                    deltas.retain(|applied| applied.sequence > n);
                    counted = Some(n);
                    i64::from(u32::from(quantity)) + deltas.iter().map(|d| d.change).sum::<i64>()
                }
                (StockChange::Delta(delta), Some(n)) => {
                    if Some(n) <= counted || deltas.iter().any(|applied| applied.sequence == n) {
                        return Ok(Counted::Stale);
                    }
                    deltas.push(AppliedDelta {
                        sequence: n,
                        change: delta.into(),
                    });
                    on_hand_now + i64::from(delta)
                }
            };
            let numbering = (counted, deltas);
            let free = on_hand - i64::from(reserved);
            let Ok(free) = u32::try_from(free) else {
                return Ok(Counted::BelowReserved(reserved));
            };
            let target = shards::spread(free, count);
            let mut writes = vec![self.count_write(sku, location, read, count, numbering)?];
            if let Some((pk, sk)) = once.clone() {
                writes.push(put_new(&self.table, item(&Marker { pk, sk })?)?);
            }
            let retired = current
                .iter()
                .map(|s| s.index)
                .filter(|i| !count.is_active(*i));
            for index in (0..count.get()).chain(retired) {
                let was = current
                    .iter()
                    .find(|s| s.index == index)
                    .copied()
                    .unwrap_or_default();
                let available = target.get(usize::from(index)).copied().unwrap_or(0);
                let shard = Shard {
                    index,
                    on_hand: was.reserved + available,
                    reserved: was.reserved,
                    available,
                };
                writes.push(self.put_shard(sku, location, shard, was)?);
            }
            if self.written(writes, "setting stock on hand").await? {
                return Ok(Counted::Set);
            }
        }
        bail!("stock of {sku} at {location} kept changing while it was counted")
    }

    /// Runs a transaction that was planned on a read: `false` when the items moved on since (a
    /// condition failed, or it kept colliding with other writes), for the caller to read again.
    async fn written(
        &self,
        writes: Vec<TransactWriteItem>,
        what: &'static str,
    ) -> anyhow::Result<bool> {
        match dynamo::transact(&self.client, writes, what).await {
            Ok(failed) => Ok(failed.is_none()),
            Err(error) if error.downcast_ref::<dynamo::Conflicted>().is_some() => Ok(false),
            Err(error) => Err(error),
        }
    }

    /// A transaction's write of a location's shard count, on condition it is still as `read`.
    fn count_write(
        &self,
        sku: &Sku,
        location: &LocationId,
        read: Option<&LocationStock>,
        count: ShardCount,
        (sequence, deltas): (Option<u64>, Vec<AppliedDelta>),
    ) -> anyhow::Result<TransactWriteItem> {
        let (pk, sk) = shards_key(sku, location);
        let high_water = read.map_or(0, |l| l.high_water).max(count.get());
        let record = ShardsItem {
            pk,
            sk,
            location: location.clone(),
            count,
            high_water,
            sequence,
            deltas,
        };
        let put = Put::builder()
            .table_name(&self.table)
            .set_item(Some(item(&record)?));
        let put = match read {
            None => put.condition_expression("attribute_not_exists(pk)"),
            Some(read) => {
                let put = put
                    .expression_attribute_names("#count", "count")
                    .expression_attribute_names("#sequence", "sequence")
                    .expression_attribute_values(":count", number(read.count.get()))
                    .expression_attribute_values(":high_water", number(read.high_water));
                // The numbering is as read: no other update came in between.
                let (put, guard) = if read.deltas.is_empty() {
                    let guard = "#count = :count AND high_water = :high_water AND attribute_not_exists(deltas)";
                    (put, guard)
                } else {
                    let put = put.expression_attribute_values(":deltas", number(read.deltas.len()));
                    (
                        put,
                        "#count = :count AND high_water = :high_water AND size(deltas) = :deltas",
                    )
                };
                match read.sequence {
                    Some(applied) => put
                        .condition_expression(format!("{guard} AND #sequence = :sequence"))
                        .expression_attribute_values(":sequence", number(applied)),
                    None => put.condition_expression(format!(
                        "{guard} AND attribute_not_exists(#sequence)"
                    )),
                }
            }
        };
        let put = put.build().context("building a shard count write")?;
        Ok(TransactWriteItem::builder().put(put).build())
    }

    /// A transaction's write of a shard, on condition it still holds what was read (`was`).
    fn put_shard(
        &self,
        sku: &Sku,
        location: &LocationId,
        shard: Shard,
        was: Shard,
    ) -> anyhow::Result<TransactWriteItem> {
        let (pk, sk) = stock_key(sku, location, shard.index);
        let put = Put::builder()
            .table_name(&self.table)
            .set_item(Some(item(&StockItem { pk, sk, shard })?))
            .condition_expression(
                "(attribute_not_exists(pk) AND :on_hand = :zero) OR (on_hand = :on_hand AND reserved = :reserved)",
            )
            .expression_attribute_values(":on_hand", number(was.on_hand))
            .expression_attribute_values(":reserved", number(was.reserved))
            .expression_attribute_values(":zero", number(0))
            .build()
            .context("building a shard write")?;
        Ok(TransactWriteItem::builder().put(put).build())
    }

    /// Splits a SKU's stock at a location over `count` shards (or joins it into fewer) while it
    /// sells: free units move between shards in one transaction, so none is lost or made.
    pub async fn set_shards(
        &self,
        sku: &Sku,
        location: &LocationId,
        count: ShardCount,
    ) -> anyhow::Result<()> {
        for _ in 0..RACE_RETRIES {
            let stock = self.stock(sku).await?;
            let read = stock.locations.get(location);
            let current = read.map(|l| l.shards.clone()).unwrap_or_default();
            let numbering = read.map_or((None, Vec::new()), |l| (l.sequence, l.deltas.clone()));
            let mut writes = vec![self.count_write(sku, location, read, count, numbering)?];
            for (index, change) in shards::rebalance(&current, count) {
                // A shard giving units must still have them; a new one starts empty.
                let (condition, bound) = if change < 0 {
                    ("available >= :bound", -change)
                } else {
                    ("attribute_not_exists(pk) OR available >= :bound", 0)
                };
                let update = Update::builder()
                    .table_name(&self.table)
                    .set_key(Some(key(stock_key(sku, location, index))))
                    .update_expression(
                        "SET on_hand = if_not_exists(on_hand, :zero) + :change, \
                         available = if_not_exists(available, :zero) + :change, \
                         reserved = if_not_exists(reserved, :zero), #index = :index",
                    )
                    .condition_expression(condition)
                    .expression_attribute_names("#index", "index")
                    .expression_attribute_values(":change", number(change))
                    .expression_attribute_values(":bound", number(bound))
                    .expression_attribute_values(":zero", number(0))
                    .expression_attribute_values(":index", number(index))
                    .build()
                    .context("building a shard move")?;
                writes.push(TransactWriteItem::builder().update(update).build());
            }
            if self.written(writes, "resharding stock").await? {
                return Ok(());
            }
        }
        bail!("stock of {sku} at {location} kept changing while it was resharded")
    }

    /// Holds the units of `request` for `hold_for`, all lines or none, under the caller's `id`
    /// (a replay with the same lines answers the same reservation).
    ///
    /// First without reading any stock: each line whole from one active shard (a shard of the
    /// reservation's own, then the next on a lost race), so a hot SKU costs one transaction
    /// whatever its shard count. When a line finds no shard with all its units, the stock is read
    /// and the units planned over every shard, retired ones and expired holds included.
    pub async fn reserve(
        &self,
        id: ReservationId,
        request: &ReservationRequest,
        hold_for: Duration,
    ) -> anyhow::Result<Reserved> {
        let expires_at = unix_now() + hold_for.as_secs().max(1);
        let counts = self.shard_counts(request).await?;
        let mut turns = vec![0_usize; request.lines().len()];
        loop {
            let holds = request
                .lines()
                .iter()
                .zip(&turns)
                .map(|(line, turn)| {
                    let count = counts
                        .get(&(&line.sku, &line.location))
                        .copied()
                        .unwrap_or_default();
                    let shard = (id.spread() + turn) % usize::from(count.get());
                    Hold {
                        sku: line.sku.clone(),
                        location: line.location.clone(),
                        shard: u8::try_from(shard).unwrap_or(0),
                        quantity: line.quantity,
                    }
                })
                .collect();
            match self.hold(id, request, holds, expires_at).await? {
                Attempt::Done(reserved) => return Ok(reserved),
                Attempt::ShardsShort(failed) if !failed.is_empty() => {
                    for line in failed {
                        turns[line] += 1;
                    }
                }
                Attempt::ShardsShort(_) => {
                    return self.reserve_planned(id, request, expires_at).await;
                }
            }
            let exhausted = request.lines().iter().zip(&turns).any(|(line, turn)| {
                let count = counts
                    .get(&(&line.sku, &line.location))
                    .copied()
                    .unwrap_or_default();
                *turn >= usize::from(count.get())
            });
            if exhausted {
                return self.reserve_planned(id, request, expires_at).await;
            }
        }
    }

    /// Each line's active shard count, from an eventually consistent read: a count just changed
    /// only sends a first attempt to a shard that then fails its condition.
    async fn shard_counts<'r>(
        &self,
        request: &'r ReservationRequest,
    ) -> anyhow::Result<HashMap<(&'r Sku, &'r LocationId), ShardCount>> {
        let mut skus: Vec<&Sku> = request.lines().iter().map(|line| &line.sku).collect();
        skus.dedup();
        let reads = skus.into_iter().map(|sku| self.locations(sku, false));
        let mut counts = HashMap::new();
        for items in futures::future::try_join_all(reads).await? {
            for counted in items {
                if let Some(line) = request.lines().iter().find(|line| {
                    line.location == counted.location && sku_pk(&line.sku) == counted.pk
                }) {
                    counts.insert((&line.sku, &line.location), counted.count);
                }
            }
        }
        Ok(counts)
    }

    /// The reservation from a read of the stock: units split over shards where no one has them
    /// all, retired shards used, expired holds in the way given back first.
    async fn reserve_planned(
        &self,
        id: ReservationId,
        request: &ReservationRequest,
        expires_at: u64,
    ) -> anyhow::Result<Reserved> {
        let mut swept = false;
        for _ in 0..RESERVE_ATTEMPTS {
            let skus: Vec<&Sku> = request.lines().iter().map(|line| &line.sku).collect();
            let stocks =
                futures::future::try_join_all(skus.iter().map(|sku| self.stock(sku))).await?;
            let stock: HashMap<&Sku, SkuStock> = skus.into_iter().zip(stocks).collect();
            let holds = match plan(id, request, &stock) {
                Ok(holds) => holds,
                Err(short) => {
                    if swept || !self.sweep(&short, &stock).await {
                        return Ok(Reserved::Short(short));
                    }
                    // Expired holds were in the way: plan again with their units.
                    swept = true;
                    continue;
                }
            };
            if holds.len() > MAX_HOLDS {
                bail!("the stock is split over too many shards to hold in one transaction");
            }
            // A shard sold out between the read and the write: read again.
            if let Attempt::Done(reserved) = self.hold(id, request, holds, expires_at).await? {
                return Ok(reserved);
            }
        }
        bail!(
            "stock kept selling out from under the reservation: the SKU is too hot for its shards"
        )
    }

    /// Settles as expired the reservations whose expired holds are on the short lines' SKUs and
    /// locations (at most [`SWEEP_LIMIT`], at once); a hold whose reservation the TTL already
    /// deleted is given back by itself. Whether any units came back. One that fails is logged
    /// and left to the next sweep or to the TTL's stream record.
    async fn sweep(&self, short: &[Shortage], stock: &HashMap<&Sku, SkuStock>) -> bool {
        let mut expired: BTreeMap<ReservationId, Vec<(Hold, u64)>> = BTreeMap::new();
        for line in short {
            let here = stock
                .get(&line.sku)
                .and_then(|s| s.locations.get(&line.location));
            for found in here.into_iter().flat_map(|l| &l.expired) {
                let hold = Hold {
                    sku: line.sku.clone(),
                    location: line.location.clone(),
                    shard: found.shard,
                    quantity: found.quantity,
                };
                expired
                    .entry(found.reservation)
                    .or_default()
                    .push((hold, found.expires_at));
            }
        }
        let sweeps = expired
            .into_iter()
            .take(SWEEP_LIMIT)
            .map(|(id, holds)| async move {
                let freed = match self.settle(id, Settle::Expire).await? {
                    Settled::Applied | Settled::AlreadyDone => true,
                    Settled::NotFound => {
                        let mut freed = false;
                        for (hold, expires_at) in &holds {
                            freed |= self.release_hold(hold, id, *expires_at).await?;
                        }
                        freed
                    }
                    Settled::Refused(_) => false,
                };
                anyhow::Ok(freed)
            });
        let outcomes = futures::future::join_all(sweeps).await;
        outcomes
            .into_iter()
            .fold(false, |freed, outcome| match outcome {
                Ok(this) => freed | this,
                Err(error) => {
                    let error = format!("{error:#}");
                    tracing::warn!(error, "an expired reservation was not given back");
                    freed
                }
            })
    }

    /// Gives back one hold's units, whatever became of its reservation; `false` when they were
    /// given back before (its hold item is gone).
    async fn release_hold(
        &self,
        hold: &Hold,
        reservation: ReservationId,
        expires_at: u64,
    ) -> anyhow::Result<bool> {
        let writes = vec![
            self.move_units(hold, Units::Free)?,
            self.delete_hold(hold, reservation, expires_at)?,
        ];
        let released = dynamo::transact(&self.client, writes, "giving back a hold")
            .await?
            .is_none();
        if released {
            tracing::info!(%reservation, sku = %hold.sku, quantity = hold.quantity, "expired hold given back");
        }
        Ok(released)
    }

    /// A transaction's delete of a hold item, on condition it is there: each hold is given back
    /// once, whichever of settling, sweeping or the TTL's stream record comes first.
    fn delete_hold(
        &self,
        hold: &Hold,
        reservation: ReservationId,
        expires_at: u64,
    ) -> anyhow::Result<TransactWriteItem> {
        let delete = Delete::builder()
            .table_name(&self.table)
            .set_key(Some(key(hold_key(hold, reservation, expires_at))))
            .condition_expression("attribute_exists(pk)")
            .build()
            .context("building a hold delete")?;
        Ok(TransactWriteItem::builder().delete(delete).build())
    }

    /// One transaction: the reservation, and per hold its shard's units and its hold item.
    async fn hold(
        &self,
        id: ReservationId,
        request: &ReservationRequest,
        holds: Vec<Hold>,
        expires_at: u64,
    ) -> anyhow::Result<Attempt> {
        let reservation = Reservation {
            id,
            status: Status::Held,
            holds,
            expires_at,
        };
        let (pk, sk) = reservation_key(id);
        let record = ReservationItem {
            pk,
            sk,
            ttl: expires_at,
            reservation: reservation.clone(),
        };
        let mut writes = vec![put_new(&self.table, item(&record)?)?];
        for hold in &reservation.holds {
            writes.push(self.move_units(hold, Units::Hold)?);
            let (pk, sk) = hold_key(hold, id, expires_at);
            let hold_item = HoldItem {
                pk,
                sk,
                reservation: id,
                quantity: hold.quantity,
                expires_at,
            };
            let put = Put::builder()
                .table_name(&self.table)
                .set_item(Some(item(&hold_item)?))
                .build()?;
            writes.push(TransactWriteItem::builder().put(put).build());
        }
        self.contention.transactions.fetch_add(1, Ordering::Relaxed);
        let every_hold = (0..reservation.holds.len()).collect();
        let failed = match dynamo::transact(&self.client, writes, "reserving stock").await {
            Ok(None) => return Ok(Attempt::Done(Reserved::Held(reservation))),
            Ok(Some(failed)) => failed,
            // Other reservations kept taking these shards at the same moment: try others.
            Err(error) if error.downcast_ref::<dynamo::Conflicted>().is_some() => {
                self.contention.conflicts.fetch_add(1, Ordering::Relaxed);
                return Ok(Attempt::ShardsShort(every_hold));
            }
            Err(error) => return Err(error),
        };
        if failed.first() == Some(&true) {
            let existing = self.reservation(id).await?;
            return Ok(Attempt::Done(match existing {
                Some(existing) if existing.lines() == request.lines() => {
                    match step(&existing, Settle::Commit, unix_now()) {
                        Step::Apply => Reserved::Held(existing),
                        Step::Done => Reserved::Settled(Status::Committed),
                        Step::Refused(status) => Reserved::Settled(status),
                    }
                }
                _ => Reserved::IdTaken,
            }));
        }
        self.contention.conflicts.fetch_add(1, Ordering::Relaxed);
        // Item 1 + 2i is hold i's shard.
        let short = (0..reservation.holds.len())
            .filter(|i| failed.get(1 + 2 * i) == Some(&true))
            .collect();
        Ok(Attempt::ShardsShort(short))
    }

    /// Records a new batch of `lines` lines from `seller`, before its lines are queued.
    pub async fn create_batch(
        &self,
        id: StockBatchId,
        seller: &SellerId,
        lines: u32,
    ) -> anyhow::Result<()> {
        self.put_batch(id, seller, lines, None).await
    }

    /// Records a CSV feed that `seller` is about to upload; its lines are counted on import.
    pub async fn create_feed(&self, id: StockBatchId, seller: &SellerId) -> anyhow::Result<()> {
        self.put_batch(id, seller, 0, Some(FeedState::AwaitingUpload))
            .await
    }

    async fn put_batch(
        &self,
        id: StockBatchId,
        seller: &SellerId,
        lines: u32,
        feed: Option<FeedState>,
    ) -> anyhow::Result<()> {
        let (pk, sk) = batch_key(id);
        let ttl = unix_now() + KEEP_BATCHES.as_secs();
        let record = BatchItem {
            pk,
            sk,
            seller: seller.clone(),
            lines,
            feed,
            ttl,
        };
        self.client
            .put_item()
            .table_name(&self.table)
            .set_item(Some(item(&record)?))
            .condition_expression("attribute_not_exists(pk)")
            .send()
            .await
            .context("recording a stock batch")?;
        Ok(())
    }

    /// Marks a feed's file as being imported: the seller it was created for, or `None` when
    /// there is no such feed or it was imported already (S3 may deliver an event twice).
    pub async fn begin_feed(&self, id: StockBatchId) -> anyhow::Result<Option<SellerId>> {
        let output = self
            .client
            .get_item()
            .table_name(&self.table)
            .set_key(Some(key(batch_key(id))))
            .consistent_read(true)
            .send()
            .await
            .context("reading a stock feed")?;
        let Some(feed) = output.item.map(decode::<BatchItem>).transpose()? else {
            return Ok(None);
        };
        if matches!(feed.feed, None | Some(FeedState::Imported)) {
            return Ok(None);
        }
        self.set_feed(id, FeedState::Importing, None).await?;
        Ok(Some(feed.seller))
    }

    /// Marks a feed imported with its count of lines: what is not yet recorded is pending.
    pub async fn finish_feed(&self, id: StockBatchId, lines: u32) -> anyhow::Result<()> {
        self.set_feed(id, FeedState::Imported, Some(lines)).await
    }

    async fn set_feed(
        &self,
        id: StockBatchId,
        state: FeedState,
        lines: Option<u32>,
    ) -> anyhow::Result<()> {
        let state = serde_dynamo::aws_sdk_dynamodb_1::to_attribute_value(state)?;
        let mut update = self
            .client
            .update_item()
            .table_name(&self.table)
            .set_key(Some(key(batch_key(id))))
            .expression_attribute_values(":state", state);
        update = match lines {
            Some(lines) => update
                .update_expression("SET feed = :state, #lines = :lines")
                .expression_attribute_names("#lines", "lines")
                .expression_attribute_values(":lines", AttributeValue::N(lines.to_string())),
            None => update.update_expression("SET feed = :state"),
        };
        update
            .send()
            .await
            .context("recording a stock feed's state")?;
        Ok(())
    }

    /// Records what became of a batch line. The first outcome stands, unless it was a failure
    /// (the line is retried): a redelivered line that finds itself applied is not "stale".
    pub async fn record_line(&self, line: &BatchLine, outcome: LineOutcome) -> anyhow::Result<()> {
        let (pk, sk) = batch_line_key(line);
        let ttl = unix_now() + KEEP_BATCHES.as_secs();
        let record = LineItem {
            pk,
            sk,
            line: line.line,
            outcome,
            ttl,
        };
        let result = self
            .client
            .put_item()
            .table_name(&self.table)
            .set_item(Some(item(&record)?))
            .condition_expression("attribute_not_exists(pk) OR #status = :failed")
            .expression_attribute_names("#status", "status")
            .expression_attribute_values(":failed", AttributeValue::S("failed".to_owned()))
            .send()
            .await;
        match result {
            Ok(_) => Ok(()),
            Err(error) if dynamo::is_condition_failure(&error) => Ok(()),
            Err(error) => Err(anyhow::Error::from(error).context("recording a batch line")),
        }
    }

    /// A batch's progress, and who sent it.
    pub async fn batch(&self, id: StockBatchId) -> anyhow::Result<Option<(SellerId, BatchReport)>> {
        let (pk, _) = batch_key(id);
        let mut pages = self
            .client
            .query()
            .table_name(&self.table)
            .key_condition_expression("pk = :pk")
            .expression_attribute_values(":pk", AttributeValue::S(pk))
            .into_paginator()
            .items()
            .send();
        let (mut batch, mut outcomes) = (None, Vec::new());
        while let Some(found) = pages.next().await {
            let found = found.context("reading a stock batch")?;
            if matches!(found.get("sk"), Some(AttributeValue::S(sk)) if sk == "BATCH") {
                batch = Some(decode::<BatchItem>(found)?);
            } else {
                let line: LineItem = decode(found)?;
                outcomes.push((line.line, line.outcome));
            }
        }
        Ok(batch.map(|batch| {
            let report = BatchReport::of(id, batch.feed, batch.lines, outcomes);
            (batch.seller, report)
        }))
    }

    pub async fn reservation(&self, id: ReservationId) -> anyhow::Result<Option<Reservation>> {
        let output = self
            .client
            .get_item()
            .table_name(&self.table)
            .set_key(Some(key(reservation_key(id))))
            .consistent_read(true)
            .send()
            .await
            .context("reading a reservation")?;
        let record: Option<ReservationItem> = output.item.map(decode).transpose()?;
        Ok(record.map(|r| r.reservation))
    }

    /// The order takes the held units: they leave on hand. Refused once the hold expired.
    pub async fn commit(&self, id: ReservationId) -> anyhow::Result<Settled> {
        self.settle(id, Settle::Commit).await
    }

    /// The held units are for sale again.
    pub async fn release(&self, id: ReservationId) -> anyhow::Result<Settled> {
        self.settle(id, Settle::Release).await
    }

    async fn settle(&self, id: ReservationId, settle: Settle) -> anyhow::Result<Settled> {
        for _ in 0..RACE_RETRIES {
            let Some(reservation) = self.reservation(id).await? else {
                return Ok(Settled::NotFound);
            };
            let now = unix_now();
            match step(&reservation, settle, now) {
                Step::Done => return Ok(Settled::AlreadyDone),
                Step::Refused(status) => return Ok(Settled::Refused(status)),
                Step::Apply => {}
            }
            let guard = match settle {
                Settle::Commit => "#status = :held AND expires_at > :now",
                Settle::Release => "#status = :held",
                Settle::Expire => "#status = :held AND expires_at <= :now",
            };
            let update = Update::builder()
                .table_name(&self.table)
                .set_key(Some(key(reservation_key(id))))
                .update_expression("SET #status = :status, #ttl = :ttl")
                .condition_expression(guard)
                .expression_attribute_names("#status", "status")
                .expression_attribute_names("#ttl", "ttl")
                .expression_attribute_values(":status", status_value(settle.status())?)
                .expression_attribute_values(":held", status_value(Status::Held)?)
                .expression_attribute_values(":ttl", number(now + KEEP_SETTLED.as_secs()));
            // DynamoDB refuses a value no expression uses.
            let update = if guard.contains(":now") {
                update.expression_attribute_values(":now", number(now))
            } else {
                update
            };
            let update = update.build().context("building a reservation update")?;
            let status_change = TransactWriteItem::builder().update(update).build();
            let mut writes = vec![status_change.clone()];
            writes.extend(self.give_back(&reservation, settle)?);
            let outcome =
                match dynamo::transact(&self.client, writes, "settling a reservation").await {
                    Err(error) if error.downcast_ref::<dynamo::Conflicted>().is_some() => continue,
                    outcome => outcome?,
                };
            let given_back = match outcome {
                None => true,
                // A lost race re-reads: the winner's status then decides.
                Some(failed) if failed.first() == Some(&true) => continue,
                // Its expired holds were given back already (a sweep, the TTL's stream record):
                // only the status is left to change.
                Some(_) if settle != Settle::Commit => {
                    dynamo::transact(&self.client, vec![status_change], "settling a reservation")
                        .await?
                        .is_none()
                }
                Some(_) => continue,
            };
            if given_back {
                tracing::info!(reservation = %id, status = ?settle.status(), "reservation settled");
                return Ok(Settled::Applied);
            }
        }
        bail!("reservation {id} kept changing while it was settled")
    }

    /// Gives back the units of a held reservation DynamoDB's TTL deleted (its stream's REMOVE
    /// record), hold by hold: a replayed record, or one a sweep beat, finds the holds gone.
    /// `false` when there was nothing left to give back.
    pub async fn expire_removed(&self, removed: Reservation) -> anyhow::Result<bool> {
        if removed.status != Status::Held {
            return Ok(false);
        }
        let mut released = false;
        for hold in &removed.holds {
            released |= self
                .release_hold(hold, removed.id, removed.expires_at)
                .await?;
        }
        Ok(released)
    }

    /// Per hold of `reservation`: its shard's units moved as `settle` says, and its hold item gone.
    fn give_back(
        &self,
        reservation: &Reservation,
        settle: Settle,
    ) -> anyhow::Result<Vec<TransactWriteItem>> {
        let mut writes = Vec::new();
        for hold in &reservation.holds {
            let units = match settle {
                Settle::Commit => Units::Ship,
                Settle::Release | Settle::Expire => Units::Free,
            };
            writes.push(self.move_units(hold, units)?);
            writes.push(self.delete_hold(hold, reservation.id, reservation.expires_at)?);
        }
        Ok(writes)
    }

    /// The shard update that moves a hold's units.
    fn move_units(&self, hold: &Hold, units: Units) -> anyhow::Result<TransactWriteItem> {
        let (set, condition) = match units {
            Units::Hold => (
                "SET available = available - :q, reserved = reserved + :q",
                "available >= :q",
            ),
            Units::Ship => (
                "SET on_hand = on_hand - :q, reserved = reserved - :q",
                "reserved >= :q",
            ),
            Units::Free => (
                "SET available = available + :q, reserved = reserved - :q",
                "reserved >= :q",
            ),
        };
        let update = Update::builder()
            .table_name(&self.table)
            .set_key(Some(key(stock_key(&hold.sku, &hold.location, hold.shard))))
            .update_expression(set)
            .condition_expression(condition)
            .expression_attribute_values(":q", number(hold.quantity))
            .build()
            .context("building a shard update")?;
        Ok(TransactWriteItem::builder().update(update).build())
    }
}

/// What became of one reservation transaction.
enum Attempt {
    Done(Reserved),
    /// These holds' shards had fewer units than they asked for: nothing was written.
    ShardsShort(Vec<usize>),
}

/// Where a hold's units go on its shard.
enum Units {
    /// From available to reserved.
    Hold,
    /// Out of reserved and on hand: the order ships them.
    Ship,
    /// From reserved back to available.
    Free,
}

fn status_value(status: Status) -> anyhow::Result<AttributeValue> {
    serde_dynamo::aws_sdk_dynamodb_1::to_attribute_value(status).context("encoding a status")
}

/// Which shard each line's units come from, or every line that is short.
fn plan(
    id: ReservationId,
    request: &ReservationRequest,
    stock: &HashMap<&Sku, SkuStock>,
) -> Result<Vec<Hold>, Vec<Shortage>> {
    let mut holds = Vec::new();
    let mut short = Vec::new();
    for line in request.lines() {
        let here = stock
            .get(&line.sku)
            .and_then(|s| s.locations.get(&line.location));
        let (shards, count) = here.map_or((&[][..], ShardCount::ONE), |l| (&l.shards[..], l.count));
        match shards::take(shards, count, line.quantity, id.spread()) {
            Some(parts) => holds.extend(parts.into_iter().map(|(shard, quantity)| Hold {
                sku: line.sku.clone(),
                location: line.location.clone(),
                shard,
                quantity,
            })),
            None => short.push(Shortage {
                sku: line.sku.clone(),
                location: line.location.clone(),
                requested: line.quantity,
                available: here.map_or(0, LocationStock::available),
            }),
        }
    }
    if short.is_empty() {
        Ok(holds)
    } else {
        Err(short)
    }
}

/// A stock shard's units for sale before and after one write (a stream record of its item).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StockLevel {
    pub sku: Sku,
    pub before: u32,
    pub after: u32,
}

impl StockLevel {
    /// Whether what shoppers see of the SKU may have changed: its availability only moves
    /// between in stock, "only N left" and out of stock while fewer than [`LOW_STOCK`] units are
    /// left, and no shard then holds more than the SKU's total, so a change above the threshold
    /// in every shard it touches changes nothing shown.
    ///
    /// [`LOW_STOCK`]: super::LOW_STOCK
    pub fn may_change_availability(&self) -> bool {
        self.before != self.after && self.before.min(self.after) < super::LOW_STOCK
    }

    /// The shard's levels in a stream record's images (a missing image is a shard with none);
    /// `None` for the table's other items.
    pub fn of_record(
        old: serde_dynamo::Item,
        new: serde_dynamo::Item,
    ) -> anyhow::Result<Option<Self>> {
        let image = if new.is_empty() { &old } else { &new };
        let is_stock =
            matches!(image.get("sk"), Some(serde_dynamo::AttributeValue::S(sk)) if sk == "#STOCK");
        let Some(serde_dynamo::AttributeValue::S(pk)) = image.get("pk").filter(|_| is_stock) else {
            return Ok(None);
        };
        // `STOCK#<sku>#<location>#<shard>`: SKUs and locations hold no '#'.
        let sku = pk
            .strip_prefix("STOCK#")
            .and_then(|rest| rest.split('#').next())
            .with_context(|| format!("a stock item key {pk:?}"))?
            .parse::<Sku>()
            .map_err(|rule| anyhow::anyhow!("a stock item key {pk:?}: {rule}"))?;
        let available = |image: serde_dynamo::Item| -> anyhow::Result<u32> {
            if image.is_empty() {
                return Ok(0);
            }
            let item: StockItem =
                serde_dynamo::from_item(image).context("decoding a stock image")?;
            Ok(item.shard.available)
        };
        Ok(Some(Self {
            sku,
            before: available(old)?,
            after: available(new)?,
        }))
    }
}

/// The reservation in a stream image of the inventory table; `None` for the table's other items.
pub fn removed_reservation(image: serde_dynamo::Item) -> anyhow::Result<Option<Reservation>> {
    let is_reservation =
        matches!(image.get("sk"), Some(serde_dynamo::AttributeValue::S(sk)) if sk == "RESERVATION");
    if !is_reservation {
        return Ok(None);
    }
    let record: ReservationItem =
        serde_dynamo::from_item(image).context("decoding a reservation image")?;
    Ok(Some(record.reservation))
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn image(pk: &str, sk: &str, available: u32) -> serde_dynamo::Item {
        serde_dynamo::to_item(json!({
            "pk": pk, "sk": sk, "index": 0, "on_hand": available + 2, "reserved": 2, "available": available,
        }))
        .unwrap()
    }

    fn level(before: u32, after: u32) -> StockLevel {
        StockLevel {
            sku: "SKU-1".parse().unwrap(),
            before,
            after,
        }
    }

    #[test]
    fn stock_levels_are_read_from_shard_images_only() {
        let pk = "STOCK#SKU-1#FC-SEA1#03";
        let changed = StockLevel::of_record(image(pk, "#STOCK", 4), image(pk, "#STOCK", 3));
        assert_eq!(changed.unwrap(), Some(level(4, 3)));
        let created = StockLevel::of_record(
            serde_dynamo::Item::from(HashMap::<String, serde_dynamo::AttributeValue>::new()),
            image(pk, "#STOCK", 7),
        );
        assert_eq!(created.unwrap(), Some(level(0, 7)));
        let hold = StockLevel::of_record(image(pk, "HOLD#0001#R", 1), image(pk, "HOLD#0001#R", 0));
        assert_eq!(hold.unwrap(), None, "a hold is not a level");
        let broken =
            StockLevel::of_record(image("STOCK#", "#STOCK", 1), image("STOCK#", "#STOCK", 0));
        assert!(
            broken.is_err(),
            "a stock key without a SKU is an error, not skipped"
        );
    }

    #[test]
    fn only_changes_under_the_low_stock_threshold_can_change_what_shoppers_see() {
        assert!(level(1, 0).may_change_availability(), "sold out");
        assert!(level(0, 5).may_change_availability(), "back in stock");
        assert!(level(10, 9).may_change_availability(), "only 9 left");
        assert!(level(9, 10).may_change_availability(), "in stock again");
        assert!(!level(30, 29).may_change_availability());
        assert!(!level(10, 11).may_change_availability());
        assert!(!level(3, 3).may_change_availability(), "nothing moved");
    }
}
