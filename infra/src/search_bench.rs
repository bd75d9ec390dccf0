//! `rainforest-local search-relevance` and `bench-search`: the demo catalog in a stack of its
//! own, indexed by the real functions, searched through the local gateway as a shopper would.
//!
//! Relevance: the judged queries of `infra/search/judgments.json`, each result graded by the
//! judgments' rules against the demo data (`seed::demo_listings`), scored as nDCG@10, and how
//! often a best product comes first.
//! Speed: the indexer's throughput (documents a second through `index-products`, with the time
//! the same batches spend in the DynamoDB and OpenSearch emulators measured apart), the
//! backfill's, and search and autocomplete latency through the gateway.

use crate::bench::{ms, percentile};
use crate::gateway::Gateway;
use crate::{Template, provision, registry, seed};
use anyhow::{Context, ensure};
use futures::{StreamExt, TryStreamExt};
use serde::{Deserialize, Serialize};
use serde_json::{Value, json};
use shared::catalog::{CatalogStore, Product, ProductId, Variation};
use shared::search::{Indexing, SearchIndex};
use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::{Duration, Instant};

/// The judged queries.
#[derive(Debug, Deserialize)]
pub struct Judgments {
    pub queries: Vec<Judged>,
}

#[derive(Debug, Deserialize)]
pub struct Judged {
    pub query: String,
    pub kind: String,
    pub grades: Vec<Rule>,
}

/// A product matches when every field the rule names matches.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Rule {
    pub grade: u8,
    pub title: Option<String>,
    pub brand: Option<String>,
    /// The product's category or any ancestor.
    pub category: Option<String>,
    /// An attribute's name and value on the product or any of its variations.
    pub attribute: Option<(String, Value)>,
}

impl Judgments {
    pub fn load(path: &Path) -> anyhow::Result<Self> {
        let text =
            std::fs::read_to_string(path).with_context(|| format!("reading {}", path.display()))?;
        serde_json::from_str(&text).with_context(|| format!("parsing {}", path.display()))
    }
}

/// A family as the judgments see it: the head, with its children's attributes.
struct Judgeable {
    product: Product,
    attributes: Vec<serde_json::Map<String, Value>>,
}

impl Judgeable {
    fn grade(&self, rules: &[Rule]) -> u8 {
        rules
            .iter()
            .filter(|rule| self.matches(rule))
            .map(|rule| rule.grade)
            .max()
            .unwrap_or(0)
    }

    fn matches(&self, rule: &Rule) -> bool {
        let product = &self.product;
        rule.title
            .as_ref()
            .is_none_or(|t| t.eq_ignore_ascii_case(product.title.as_ref()))
            && rule
                .brand
                .as_ref()
                .is_none_or(|b| b == product.brand.as_ref())
            && rule.category.as_ref().is_none_or(|c| {
                c.parse()
                    .is_ok_and(|slug| product.category_path.contains(&slug))
            })
            && rule.attribute.as_ref().is_none_or(|(name, value)| {
                self.attributes.iter().any(|a| a.get(name) == Some(value))
            })
    }
}

/// The demo catalog's families by head id.
fn judgeable() -> HashMap<ProductId, Judgeable> {
    let (products, _) = seed::demo_listings();
    let attributes = |p: &Product| match serde_json::to_value(&p.attributes) {
        Ok(Value::Object(map)) => map,
        _ => serde_json::Map::new(),
    };
    let mut families: HashMap<ProductId, Judgeable> = products
        .iter()
        .filter(|p| !matches!(p.variation, Variation::Child { .. }))
        .map(|p| {
            let judgeable = Judgeable {
                product: p.clone(),
                attributes: vec![attributes(p)],
            };
            (p.id, judgeable)
        })
        .collect();
    for child in &products {
        if let Variation::Child { parent_id, .. } = &child.variation
            && let Some(family) = families.get_mut(parent_id)
        {
            family.attributes.push(attributes(child));
        }
    }
    families
}

/// The demo catalog in a stack of its own, searchable through a gateway on loopback.
struct Demo {
    base: String,
    http: reqwest::Client,
    gateway: Arc<Gateway>,
    catalog: CatalogStore,
    index: SearchIndex,
}

impl Demo {
    /// `empty_index_first`: build the index before the demo data arrives (the indexer bench), so
    /// the stream handler then writes every document for real.
    async fn start(template: &Path, empty_index_first: bool) -> anyhow::Result<Self> {
        let template = Template::load(template)?;
        let sdk = aws_config::load_defaults(aws_config::BehaviorVersion::latest()).await;
        let prefix = format!("sb{}", ulid::Ulid::new().to_string()[16..].to_lowercase());
        let mut stack = provision(&sdk, &template, &prefix)
            .await
            .context("creating the template's resources")?;
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await?;
        let served = format!("http://{}", listener.local_addr()?);
        let functions =
            registry::load(&sdk, &template, &stack, &registry::served_settings(&served))?;
        let gateway = Arc::new(Gateway::with_fresh_issuer(functions, &template)?.0);
        let demo = {
            let mut env: HashMap<String, String> = stack
                .function_environment(&template, "IndexProductsFunction")?
                .into_iter()
                .collect();
            env.extend(registry::emulator_settings());
            let base = format!("{served}/api/v1");
            tokio::spawn(gateway.clone().serve(listener, std::future::pending()));
            Self {
                base,
                http: reqwest::Client::new(),
                catalog: CatalogStore::from_source(&sdk, &env)?,
                index: SearchIndex::from_source(&sdk, &env)?,
                gateway,
            }
        };
        if empty_index_first {
            demo.backfill().await?;
        }
        eprintln!("search: loading the demo catalog");
        seed::load_demo_data(&sdk, &template, &mut stack, &demo.catalog)
            .await
            .context("loading the demo catalog")?;
        Ok(demo)
    }

    async fn invoke(&self, function: &str, event: Value) -> anyhow::Result<Value> {
        self.gateway
            .functions
            .get(function)
            .with_context(|| format!("the template has no {function}"))?
            .invoke(event)
            .await
            .map_err(|e| anyhow::anyhow!("{function}: {}: {}", e.error_type, e.message))
    }

    /// Builds a new index from the catalog table; answers how many documents it holds.
    async fn backfill(&self) -> anyhow::Result<u64> {
        let built = self.invoke("ReindexProductsFunction", json!({})).await?;
        built["indexed"]
            .as_u64()
            .context("a backfill without a count")
    }

    async fn search(&self, path_and_query: &str) -> anyhow::Result<(Duration, Value)> {
        let started = Instant::now();
        let answer = self
            .http
            .get(format!("{}{path_and_query}", self.base))
            .send()
            .await?;
        let status = answer.status();
        let body: Value = answer.json().await?;
        let took = started.elapsed();
        ensure!(status.is_success(), "{path_and_query}: {status} {body}");
        Ok((took, body))
    }
}

fn encoded(text: &str) -> String {
    percent_encoding::utf8_percent_encode(text, percent_encoding::NON_ALPHANUMERIC).to_string()
}

#[derive(Debug, Serialize)]
pub struct Relevance {
    pub queries: usize,
    /// Mean nDCG@10 (gains 2^grade - 1).
    pub ndcg_at_10: f64,
    /// Queries whose first result has the best grade any product has for them.
    pub best_first: f64,
    /// The same, by kind of query.
    pub by_kind: Vec<KindScore>,
}

#[derive(Debug, Serialize)]
pub struct KindScore {
    pub kind: String,
    pub queries: usize,
    pub ndcg_at_10: f64,
    pub best_first: f64,
}

fn dcg(grades: impl Iterator<Item = u8>) -> f64 {
    grades
        .enumerate()
        .map(|(i, g)| (2f64.powi(i32::from(g)) - 1.0) / (i as f64 + 2.0).log2())
        .sum()
}

fn round(x: f64) -> f64 {
    (x * 1000.0).round() / 1000.0
}

/// Each judged query's nDCG@10 and whether a best product came first.
async fn judge(demo: &Demo, judgments: &Judgments) -> anyhow::Result<Vec<(String, f64, bool)>> {
    let families = judgeable();
    let mut scores = Vec::new();
    for judged in &judgments.queries {
        let (_, answer) = demo
            .search(&format!(
                "/products/search?size=10&q={}",
                encoded(&judged.query)
            ))
            .await?;
        let got: Vec<u8> = answer["items"]
            .as_array()
            .context("an answer without items")?
            .iter()
            .map(|item| {
                item["id"]
                    .as_str()
                    .and_then(|id| id.parse::<ProductId>().ok())
                    .and_then(|id| families.get(&id))
                    .map_or(0, |f| f.grade(&judged.grades))
            })
            .collect();
        let mut ideal: Vec<u8> = families.values().map(|f| f.grade(&judged.grades)).collect();
        ideal.sort_unstable_by(|a, b| b.cmp(a));
        ideal.truncate(10);
        let best = ideal.first().copied().unwrap_or(0);
        ensure!(
            best > 0,
            "no demo product is relevant to {:?}",
            judged.query
        );
        let ndcg = dcg(got.iter().copied()) / dcg(ideal.into_iter());
        scores.push((judged.kind.clone(), ndcg, got.first() == Some(&best)));
    }
    Ok(scores)
}

fn summary<'a>(scores: impl Iterator<Item = &'a (String, f64, bool)> + Clone) -> (usize, f64, f64) {
    let n = scores.clone().count();
    let ndcg = scores.clone().map(|s| s.1).sum::<f64>() / n as f64;
    let first = scores.filter(|s| s.2).count() as f64 / n as f64;
    (n, round(ndcg), round(first))
}

pub async fn relevance(template: &Path, judgments: &Path) -> anyhow::Result<Relevance> {
    let judgments = Judgments::load(judgments)?;
    let demo = Demo::start(template, false).await?;
    demo.backfill().await?;
    let scores = judge(&demo, &judgments).await?;
    let mut kinds: Vec<String> = scores.iter().map(|s| s.0.clone()).collect();
    kinds.sort();
    kinds.dedup();
    let by_kind = kinds
        .into_iter()
        .map(|kind| {
            let (queries, ndcg_at_10, best_first) = summary(scores.iter().filter(|s| s.0 == kind));
            KindScore {
                kind,
                queries,
                ndcg_at_10,
                best_first,
            }
        })
        .collect();
    let (queries, ndcg_at_10, best_first) = summary(scores.iter());
    Ok(Relevance {
        queries,
        ndcg_at_10,
        best_first,
        by_kind,
    })
}

pub fn relevance_table(relevance: &Relevance) -> String {
    let mut table =
        String::from("| queries | kind | nDCG@10 | best first |\n| --- | --- | --- | --- |\n");
    for kind in &relevance.by_kind {
        table.push_str(&format!(
            "| {} | {} | {} | {} |\n",
            kind.queries, kind.kind, kind.ndcg_at_10, kind.best_first
        ));
    }
    table.push_str(&format!(
        "| {} | all | {} | {} |\n",
        relevance.queries, relevance.ndcg_at_10, relevance.best_first
    ));
    table
}

pub struct Options {
    pub template: PathBuf,
    pub judgments: PathBuf,
    /// Stream batches of 100 product records through the indexer.
    pub batches: usize,
    /// Times each judged query (and its autocomplete prefixes) is sent.
    pub rounds: usize,
}

#[derive(Debug, Serialize)]
pub struct Figures {
    /// Documents written through `index-products`, in batches of 100 stream records.
    pub indexed: usize,
    pub indexer_docs_per_s: f64,
    pub indexer_batch_p50_ms: f64,
    /// Per batch of the same families: reading them from the DynamoDB emulator, and writing
    /// them in one bulk request to the OpenSearch-API emulator.
    pub dynamodb_batch_p50_ms: f64,
    pub opensearch_batch_p50_ms: f64,
    /// The emulators' share of the handler's time.
    pub emulators_share: f64,
    /// The whole demo catalog rebuilt by `reindex-products`.
    pub backfill_docs: u64,
    pub backfill_docs_per_s: f64,
    pub searches: usize,
    pub search_p50_ms: f64,
    pub search_p99_ms: f64,
    pub suggests: usize,
    pub suggest_p50_ms: f64,
    pub suggest_p99_ms: f64,
}

/// A catalog stream batch naming these product items, as DynamoDB Streams delivers it.
fn stream_batch(ids: &[ProductId]) -> Value {
    let records: Vec<Value> = ids
        .iter()
        .enumerate()
        .map(|(n, id)| {
            let key = json!({"pk": {"S": format!("PRODUCT#{id}")}, "sk": {"S": "PRODUCT"}});
            let mut image = key.clone();
            image["id"] = json!({"S": id.to_string()});
            json!({"eventID": format!("bench-{n}"), "eventName": "MODIFY", "eventSource": "aws:dynamodb",
                "awsRegion": "us-east-1", "eventVersion": "1.1",
                "dynamodb": {"SequenceNumber": format!("{n}"), "SizeBytes": 100,
                    "StreamViewType": "NEW_AND_OLD_IMAGES", "Keys": key, "NewImage": image}})
        })
        .collect();
    json!({"Records": records})
}

pub async fn bench(options: &Options) -> anyhow::Result<Figures> {
    let judgments = Judgments::load(&options.judgments)?;
    let demo = Demo::start(&options.template, true).await?;
    let heads: Vec<ProductId> = judgeable().into_keys().collect();
    let batches: Vec<&[ProductId]> = heads.chunks(100).take(options.batches).collect();
    eprintln!(
        "search: {} stream batches through the indexer",
        batches.len()
    );

    let (mut handler, mut reads, mut writes) = (Vec::new(), Vec::new(), Vec::new());
    for (round, batch) in batches.iter().enumerate() {
        let started = Instant::now();
        let answer = demo
            .invoke("IndexProductsFunction", stream_batch(batch))
            .await?;
        handler.push(started.elapsed());
        ensure!(
            answer["batchItemFailures"] == json!([]),
            "the indexer failed: {answer}"
        );

        // The same work apart: the families read, then written again at a newer version.
        let started = Instant::now();
        let families: Vec<_> = futures::stream::iter(batch.iter())
            .map(|id| demo.catalog.family(*id))
            .buffer_unordered(16)
            .try_collect()
            .await?;
        reads.push(started.elapsed());
        let bump = 1_000_000 * (round as u64 + 1);
        let indexings: Vec<Indexing> = families
            .iter()
            .flatten()
            .map(|family| {
                let mut indexing = Indexing::of(family, shared::catalog::today());
                indexing.version += bump;
                indexing
            })
            .collect();
        let started = Instant::now();
        demo.index.apply(&indexings).await?;
        writes.push(started.elapsed());
    }
    let indexed: usize = batches.iter().map(|b| b.len()).sum();
    let handler_total: Duration = handler.iter().sum();
    let emulators: Duration = reads.iter().chain(&writes).sum();

    let started = Instant::now();
    let backfill_docs = demo.backfill().await?;
    let backfill = started.elapsed();

    eprintln!(
        "search: {} rounds of {} queries",
        options.rounds,
        judgments.queries.len()
    );
    let (mut searches, mut suggests) = (Vec::new(), Vec::new());
    for _ in 0..options.rounds {
        for judged in &judgments.queries {
            let q = encoded(&judged.query);
            searches.push(demo.search(&format!("/products/search?q={q}")).await?.0);
            for typed in [3, 5] {
                let prefix: String = judged.query.chars().take(typed).collect();
                let prefix = encoded(&prefix);
                suggests.push(demo.search(&format!("/search/suggest?q={prefix}")).await?.0);
            }
        }
    }
    Ok(Figures {
        indexed,
        indexer_docs_per_s: (indexed as f64 / handler_total.as_secs_f64()).round(),
        indexer_batch_p50_ms: ms(percentile(&handler, 50)),
        dynamodb_batch_p50_ms: ms(percentile(&reads, 50)),
        opensearch_batch_p50_ms: ms(percentile(&writes, 50)),
        emulators_share: round(emulators.as_secs_f64() / handler_total.as_secs_f64()),
        backfill_docs,
        backfill_docs_per_s: (backfill_docs as f64 / backfill.as_secs_f64()).round(),
        searches: searches.len(),
        search_p50_ms: ms(percentile(&searches, 50)),
        search_p99_ms: ms(percentile(&searches, 99)),
        suggests: suggests.len(),
        suggest_p50_ms: ms(percentile(&suggests, 50)),
        suggest_p99_ms: ms(percentile(&suggests, 99)),
    })
}

pub fn bench_table(f: &Figures) -> String {
    format!(
        "| indexed | indexer docs/s | batch p50 ms | DynamoDB p50 ms | OpenSearch p50 ms | emulators' share | backfill docs/s | search p50 ms | search p99 ms | suggest p50 ms | suggest p99 ms |\n\
         | ------- | -------------- | ------------ | --------------- | ----------------- | ---------------- | --------------- | ------------- | ------------- | -------------- | -------------- |\n\
         | {} | {} | {} | {} | {} | {} | {} | {} | {} | {} | {} |\n",
        f.indexed,
        f.indexer_docs_per_s,
        f.indexer_batch_p50_ms,
        f.dynamodb_batch_p50_ms,
        f.opensearch_batch_p50_ms,
        f.emulators_share,
        f.backfill_docs_per_s,
        f.search_p50_ms,
        f.search_p99_ms,
        f.suggest_p50_ms,
        f.suggest_p99_ms,
    )
}
