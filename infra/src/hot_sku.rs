//! `rainforest-local bench-reservations`: one hot SKU, a crowd of buyers at once, against the
//! local stack's DynamoDB. For each shard count: reservations a second, their latency, and the
//! share of reservation transactions that lost a race for a shard (its units went between the
//! read and the write, or another reservation took the shard's last) and were sent again. Every
//! run ends by checking that no unit was lost or made.

use crate::{Template, provision};
use anyhow::{Context, ensure};
use futures::StreamExt;
use serde::Serialize;
use shared::inventory::{
    InventoryStore, LocationId, ReservationId, ReservationLine, ReservationRequest, Reserved,
    ShardCount, Sku,
};
use std::path::PathBuf;
use std::sync::atomic::Ordering;
use std::time::{Duration, Instant};

pub struct Options {
    pub template: PathBuf,
    pub shards: Vec<ShardCount>,
    /// Reservations per shard count, one unit each; each run has as many units as reservations.
    pub reservations: usize,
    /// Reservations in flight at once.
    pub concurrency: usize,
    /// Runs per shard count, the counts taking turns: the emulator slows as its data grows, and
    /// taking turns spreads that over every count alike.
    pub rounds: usize,
}

#[derive(Debug, Serialize)]
pub struct Row {
    pub shards: u8,
    pub reservations: usize,
    pub held: usize,
    pub per_second: f64,
    pub p50_ms: f64,
    pub p99_ms: f64,
    pub transactions: u64,
    pub conflicts: u64,
    pub conflict_rate: f64,
}

/// One shard count's runs so far.
#[derive(Default)]
struct Tally {
    reservations: usize,
    held: usize,
    busy: Duration,
    latencies: Vec<Duration>,
    transactions: u64,
    conflicts: u64,
}

pub async fn run(options: &Options) -> anyhow::Result<Vec<Row>> {
    let template = Template::load(&options.template)?;
    let sdk = aws_config::load_defaults(aws_config::BehaviorVersion::latest()).await;
    let prefix = format!("hot{}", ulid::Ulid::new().to_string()[16..].to_lowercase());
    let stack = provision(&sdk, &template, &prefix)
        .await
        .context("creating the template's resources")?;
    let table = stack.reference("InventoryTable")?;
    let per_run = options.reservations.div_ceil(options.rounds);
    let mut tallies: Vec<Tally> = options.shards.iter().map(|_| Tally::default()).collect();
    for round in 0..options.rounds {
        eprintln!(
            "bench-reservations: round {} of {}",
            round + 1,
            options.rounds
        );
        let turn = (0..options.shards.len()).map(|i| (i + round) % options.shards.len());
        for i in turn {
            // A store per run: its contention counters are the run's alone.
            let store = InventoryStore::new(shared::aws::dynamodb(&sdk), table.clone());
            let sku: Sku = format!("HOT-{round}-{i}")
                .parse()
                .map_err(anyhow::Error::msg)?;
            let count = options.shards[i];
            one_run(
                &store,
                &sku,
                count,
                per_run,
                options.concurrency,
                &mut tallies[i],
            )
            .await?;
        }
    }
    let rows = options
        .shards
        .iter()
        .zip(tallies)
        .map(|(count, mut tally)| {
            tally.latencies.sort();
            let percentile = |p: f64| {
                let rank = ((p * tally.latencies.len() as f64).ceil() as usize)
                    .clamp(1, tally.latencies.len());
                tally.latencies[rank - 1].as_secs_f64() * 1000.0
            };
            Row {
                shards: count.get(),
                reservations: tally.reservations,
                held: tally.held,
                per_second: tally.reservations as f64 / tally.busy.as_secs_f64(),
                p50_ms: percentile(0.5),
                p99_ms: percentile(0.99),
                transactions: tally.transactions,
                conflicts: tally.conflicts,
                conflict_rate: tally.conflicts as f64 / tally.transactions.max(1) as f64,
            }
        });
    Ok(rows.collect())
}

/// `reservations` buyers of one unit each, `concurrency` at a time, for as many units split
/// over `count` shards.
async fn one_run(
    store: &InventoryStore,
    sku: &Sku,
    count: ShardCount,
    reservations: usize,
    concurrency: usize,
    tally: &mut Tally,
) -> anyhow::Result<()> {
    let location: LocationId = "FC-BENCH".parse().map_err(anyhow::Error::msg)?;
    let units = u32::try_from(reservations)?;
    store.set_shards(sku, &location, count).await?;
    store.set_on_hand(sku, &location, units).await?;
    let line = ReservationLine {
        sku: sku.clone(),
        location: location.clone(),
        quantity: 1,
    };
    let request = ReservationRequest::new(vec![line]).map_err(|e| anyhow::anyhow!("{e}"))?;
    let started = Instant::now();
    let outcomes: Vec<anyhow::Result<(bool, Duration)>> = futures::stream::iter(0..reservations)
        .map(|_| async {
            let began = Instant::now();
            let outcome = store
                .reserve(
                    ReservationId::generate(),
                    &request,
                    Duration::from_secs(900),
                )
                .await?;
            Ok((matches!(outcome, Reserved::Held(_)), began.elapsed()))
        })
        .buffer_unordered(concurrency)
        .collect()
        .await;
    tally.busy += started.elapsed();
    let mut held = 0;
    for outcome in outcomes {
        let (was_held, latency) = outcome?;
        held += usize::from(was_held);
        tally.latencies.push(latency);
    }
    let stock = store.stock(sku).await?;
    let here = stock
        .locations
        .get(&location)
        .context("the bench SKU has no stock")?;
    let on_hand: u32 = here.shards.iter().map(|s| s.on_hand).sum();
    let reserved: u32 = here.shards.iter().map(|s| s.reserved).sum();
    ensure!(
        on_hand == units && reserved as usize == held,
        "{on_hand} on hand and {reserved} reserved after {held} of {units} units were held"
    );
    tally.reservations += reservations;
    tally.held += held;
    let contention = store.contention();
    tally.transactions += contention.transactions.load(Ordering::Relaxed);
    tally.conflicts += contention.conflicts.load(Ordering::Relaxed);
    Ok(())
}

pub fn table(rows: &[Row]) -> String {
    let mut text = String::from(
        "| shards | reservations | held | per second | p50 ms | p99 ms | transactions | conflicts | conflict rate |\n\
         | ------ | ------------ | ---- | ---------- | ------ | ------ | ------------ | --------- | ------------- |\n",
    );
    for row in rows {
        text.push_str(&format!(
            "| {} | {} | {} | {:.0} | {:.1} | {:.1} | {} | {} | {:.3} |\n",
            row.shards,
            row.reservations,
            row.held,
            row.per_second,
            row.p50_ms,
            row.p99_ms,
            row.transactions,
            row.conflicts,
            row.conflict_rate
        ));
    }
    text
}
