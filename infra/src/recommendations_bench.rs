//! `rainforest-local bench-recommendations`: a synthetic purchase history with planted structure
//! replayed through the real purchases consumer (`pair-purchases`, one `OrderPaid` message per
//! invocation, as SQS would deliver it) on a stack of its own.
//!
//! The history: groups of four items that go together (a customer with that interest buys two
//! to four of them in one order), a few popular items most orders hold, and noise items bought
//! at random. For each customer one item of one interest order is held out; after the replay
//! each held-out item is looked for among the top 10 neighbours of an item it was bought with.
//! Figures: that hit rate at 10 (and what recommending the 10 best sellers would score), the
//! share of those top-10 lists that are popular items, and the cost of an order: DynamoDB items
//! written (the consumer's own count, from its log) and handler time.

use crate::bench::{ms, percentile};
use crate::{Template, provision, registry};
use anyhow::{Context, ensure};
use futures::{StreamExt, TryStreamExt};
use serde::Serialize;
use serde_json::{Value, json};
use shared::catalog::ProductId;
use shared::recommendations::{RecommendationsStore, Signal};
use std::collections::{HashMap, HashSet};
use std::path::PathBuf;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

pub struct Options {
    pub template: PathBuf,
    pub customers: usize,
    /// Orders in flight at once.
    pub concurrency: usize,
}

#[derive(Debug, Serialize)]
pub struct Figures {
    pub customers: usize,
    pub orders: usize,
    pub items: usize,
    pub held_out: usize,
    pub hit_rate_at_10: f64,
    /// What recommending the 10 best sellers to everyone scores on the same held-out items.
    pub best_sellers_hit_rate_at_10: f64,
    /// The share of the evaluated top-10 lists' entries that are popular items.
    pub popular_share: f64,
    /// The share of those lists a popular item heads.
    pub popular_first: f64,
    /// The share of orders holding a popular item.
    pub popular_in_orders: f64,
    pub writes_per_order_mean: f64,
    pub writes_per_order_max: u64,
    pub handler_p50_ms: f64,
    pub handler_p99_ms: f64,
}

const GROUP_SIZE: usize = 4;
const POPULAR: usize = 5;

/// The planted history.
struct History {
    items: usize,
    popular: Vec<ProductId>,
    /// Each order: its customer and products.
    orders: Vec<(String, Vec<ProductId>)>,
    /// An item of an order, and the item held out of it.
    held_out: Vec<(ProductId, ProductId)>,
}

fn ids(count: usize) -> Vec<ProductId> {
    (0..count).map(|_| ProductId::generate()).collect()
}

fn plant(customers: usize, rng: &mut fastrand::Rng) -> History {
    let groups: Vec<Vec<ProductId>> = (0..(customers / 10).max(10))
        .map(|_| ids(GROUP_SIZE))
        .collect();
    let popular = ids(POPULAR);
    let noise = ids(2 * groups.len());
    let mut orders = Vec::new();
    let mut held_out = Vec::new();
    for customer in 0..customers {
        let name = format!("replay-{customer}");
        let mut interests: Vec<usize> = (0..groups.len()).collect();
        rng.shuffle(&mut interests);
        interests.truncate(1 + rng.usize(..2));
        for (n, interest) in interests.into_iter().enumerate() {
            let mut basket = groups[interest].clone();
            rng.shuffle(&mut basket);
            basket.truncate(rng.usize(2..=GROUP_SIZE));
            if n == 0 {
                let kept = basket[0];
                let held = basket.pop().unwrap_or(kept);
                held_out.push((kept, held));
            }
            if rng.f64() < 0.7 {
                basket.push(popular[rng.usize(..POPULAR)]);
            }
            if rng.f64() < 0.5 {
                basket.push(noise[rng.usize(..noise.len())]);
            }
            rng.shuffle(&mut basket);
            orders.push((name.clone(), basket));
        }
    }
    rng.shuffle(&mut orders);
    History {
        items: groups.len() * GROUP_SIZE + POPULAR + noise.len(),
        popular,
        orders,
        held_out,
    }
}

/// The `writes` the purchases consumer logs for each order, by order id.
#[derive(Clone, Default)]
struct WritesLogged(Arc<Mutex<HashMap<String, u64>>>);

impl<S: tracing::Subscriber> tracing_subscriber::Layer<S> for WritesLogged {
    fn on_event(&self, event: &tracing::Event<'_>, _: tracing_subscriber::layer::Context<'_, S>) {
        #[derive(Default)]
        struct Fields {
            order: Option<String>,
            writes: Option<u64>,
        }
        impl tracing::field::Visit for Fields {
            fn record_u64(&mut self, field: &tracing::field::Field, value: u64) {
                if field.name() == "writes" {
                    self.writes = Some(value);
                }
            }
            fn record_debug(&mut self, field: &tracing::field::Field, value: &dyn std::fmt::Debug) {
                if field.name() == "order_id" {
                    self.order = Some(format!("{value:?}"));
                }
            }
        }
        if event.metadata().target() != "pair_purchases" {
            return;
        }
        let mut fields = Fields::default();
        event.record(&mut fields);
        if let (Some(order), Some(writes), Ok(mut logged)) =
            (fields.order, fields.writes, self.0.lock())
        {
            *logged.entry(order).or_default() += writes;
        }
    }
}

pub async fn run(options: &Options) -> anyhow::Result<Figures> {
    use tracing_subscriber::layer::SubscriberExt;
    let logged = WritesLogged::default();
    let subscriber = tracing_subscriber::registry().with(logged.clone());
    tracing::subscriber::set_global_default(subscriber).context("installing the write counter")?;

    let template = Template::load(&options.template)?;
    let sdk = aws_config::load_defaults(aws_config::BehaviorVersion::latest()).await;
    let prefix = format!("rb{}", ulid::Ulid::new().to_string()[16..].to_lowercase());
    let stack = provision(&sdk, &template, &prefix)
        .await
        .context("creating the template's resources")?;
    let extra = HashMap::from(registry::emulator_settings());
    let functions = registry::load(&sdk, &template, &stack, &extra)?;
    let consumer = functions
        .get("PairPurchasesFunction")
        .context("the template has no PairPurchasesFunction")?;
    let store = RecommendationsStore::new(
        shared::aws::dynamodb(&sdk),
        stack.reference("RecommendationsTable")?,
    );

    let mut rng = fastrand::Rng::with_seed(2003);
    let history = plant(options.customers, &mut rng);
    eprintln!(
        "recommendations: replaying {} orders of {} customers",
        history.orders.len(),
        options.customers
    );
    let handler: Vec<Duration> = futures::stream::iter(&history.orders)
        .map(|(customer, products)| {
            let lines: Vec<Value> = products
                .iter()
                .map(|id| json!({"product_id": id, "sku": "REPLAY", "quantity": 1}))
                .collect();
            let order = ulid::Ulid::new().to_string();
            let paid = json!({"event_id": format!("{order}#OrderPaid"), "event_type": "OrderPaid",
                "order_id": order, "customer_id": customer, "status": "confirmed",
                "at": shared::clock::now(), "lines": lines});
            let event = json!({"Records": [{"messageId": order, "body": paid.to_string(),
                "attributes": {}, "messageAttributes": {}}]});
            async move {
                let started = Instant::now();
                let answer = consumer
                    .invoke(event)
                    .await
                    .map_err(|e| anyhow::anyhow!("{}: {}", e.error_type, e.message))?;
                ensure!(
                    answer["batchItemFailures"] == json!([]),
                    "the consumer failed: {answer}"
                );
                anyhow::Ok(started.elapsed())
            }
        })
        .buffer_unordered(options.concurrency)
        .try_collect()
        .await?;
    let writes: Vec<u64> = logged
        .0
        .lock()
        .map_err(|_| anyhow::anyhow!("the write counter's lock"))?
        .values()
        .copied()
        .collect();
    ensure!(
        writes.len() == history.orders.len(),
        "{} orders logged their writes, of {}",
        writes.len(),
        history.orders.len()
    );

    let popular: HashSet<ProductId> = history.popular.iter().copied().collect();
    let mut sold: HashMap<ProductId, usize> = HashMap::new();
    for (_, products) in &history.orders {
        for id in products {
            *sold.entry(*id).or_default() += 1;
        }
    }
    let mut best_sellers: Vec<(ProductId, usize)> = sold.into_iter().collect();
    best_sellers.sort_by(|a, b| b.1.cmp(&a.1).then(a.0.cmp(&b.0)));
    let best_sellers: Vec<ProductId> = best_sellers.into_iter().map(|(id, _)| id).collect();

    let (mut hits, mut best_seller_hits, mut shown, mut shown_popular, mut headed) =
        (0, 0, 0, 0, 0);
    let lists: Vec<Vec<ProductId>> = futures::stream::iter(&history.held_out)
        .map(|(kept, _)| async {
            let ranked = store.neighbours(Signal::Bought, *kept).await?;
            anyhow::Ok(ranked.into_iter().take(10).map(|(id, _)| id).collect())
        })
        .buffered(16)
        .try_collect()
        .await?;
    for ((kept, held), top) in history.held_out.iter().zip(&lists) {
        hits += usize::from(top.contains(held));
        let others: Vec<&ProductId> = best_sellers
            .iter()
            .filter(|id| *id != kept)
            .take(10)
            .collect();
        best_seller_hits += usize::from(others.contains(&held));
        shown += top.len();
        shown_popular += top.iter().filter(|id| popular.contains(id)).count();
        headed += usize::from(top.first().is_some_and(|id| popular.contains(id)));
    }
    let orders = history.orders.len();
    let share =
        |part: usize, whole: usize| (part as f64 / whole.max(1) as f64 * 1000.0).round() / 1000.0;
    let with_popular = history
        .orders
        .iter()
        .filter(|(_, products)| products.iter().any(|id| popular.contains(id)))
        .count();
    Ok(Figures {
        customers: options.customers,
        orders,
        items: history.items,
        held_out: history.held_out.len(),
        hit_rate_at_10: share(hits, history.held_out.len()),
        best_sellers_hit_rate_at_10: share(best_seller_hits, history.held_out.len()),
        popular_share: share(shown_popular, shown),
        popular_first: share(headed, lists.len()),
        popular_in_orders: share(with_popular, orders),
        writes_per_order_mean: (writes.iter().sum::<u64>() as f64 / orders.max(1) as f64 * 10.0)
            .round()
            / 10.0,
        writes_per_order_max: writes.iter().copied().max().unwrap_or(0),
        handler_p50_ms: ms(percentile(&handler, 50)),
        handler_p99_ms: ms(percentile(&handler, 99)),
    })
}

pub fn table(figures: &Figures) -> String {
    format!(
        "| customers | orders | items | held out | hit rate@10 | best sellers' hit rate@10 | popular share | popular first | orders with a popular item | writes/order mean | writes/order max | handler p50 ms | handler p99 ms |\n\
         | --------- | ------ | ----- | -------- | ----------- | ------------------------- | ------------- | ------------- | -------------------------- | ----------------- | ---------------- | -------------- | -------------- |\n\
         | {} | {} | {} | {} | {} | {} | {} | {} | {} | {} | {} | {} | {} |\n",
        figures.customers,
        figures.orders,
        figures.items,
        figures.held_out,
        figures.hit_rate_at_10,
        figures.best_sellers_hit_rate_at_10,
        figures.popular_share,
        figures.popular_first,
        figures.popular_in_orders,
        figures.writes_per_order_mean,
        figures.writes_per_order_max,
        figures.handler_p50_ms,
        figures.handler_p99_ms,
    )
}
