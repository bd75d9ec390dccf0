//! `rainforest-local bench-feed`: how long the import of one CSV stock feed takes, from the S3
//! event to every line queued or refused, for a file of `--lines` lines (one in a hundred bad),
//! against the local stack. Each run checks that every good line reached the queue and every
//! bad one was recorded with its line number. Locally the figure is moto's: its
//! SendMessageBatch slows with every message waiting (39 ms at an empty queue, 300 ms at 1,000
//! waiting), so the requests an import makes (`requests`) are what carries over to AWS.

use crate::{Template, provision, registry};
use anyhow::{Context, ensure};
use serde::Serialize;
use shared::inventory::{FeedFiles, FeedImporter, Imported, StockBatchId};
use std::collections::HashMap;
use std::path::PathBuf;
use std::time::Instant;

pub struct Options {
    pub template: PathBuf,
    pub lines: usize,
    pub runs: usize,
}

#[derive(Debug, Serialize)]
pub struct Figures {
    pub lines: usize,
    pub runs: usize,
    pub bytes: usize,
    pub median_seconds: f64,
    pub lines_per_second: f64,
    /// SendMessageBatch requests a run makes (ten updates each), eight in flight at once.
    pub requests: usize,
}

/// A feed of `lines` lines: counts and changes over many SKUs; every hundredth line is bad.
fn csv(lines: usize) -> String {
    let mut text = String::from("sku,location,quantity,delta,sequence\n");
    for n in 0..lines {
        let line = match n % 100 {
            99 => format!("BENCH-{n},FC-SEA1,-1,,{n}\n"),
            m if m % 2 == 0 => format!("BENCH-{},FC-SEA1,{},,{n}\n", n % 5_000, n % 50),
            _ => format!("BENCH-{},FC-DFW2,,{},{n}\n", n % 5_000, n % 7),
        };
        text.push_str(&line);
    }
    text
}

pub async fn run(options: &Options) -> anyhow::Result<Figures> {
    let template = Template::load(&options.template)?;
    let sdk = aws_config::load_defaults(aws_config::BehaviorVersion::latest()).await;
    let s3 = shared::aws::s3(&sdk, true);
    let sqs = aws_sdk_sqs::Client::new(&sdk);
    let body = csv(options.lines);
    let bad = options.lines / 100;
    let mut times = Vec::with_capacity(options.runs);
    for run in 0..options.runs {
        eprintln!("bench-feed: run {} of {}", run + 1, options.runs);
        // A stack per run: its queue starts empty (SQS purges at most once a minute).
        let prefix = format!("feed{}", ulid::Ulid::new().to_string()[16..].to_lowercase());
        let stack = provision(&sdk, &template, &prefix)
            .await
            .context("creating the template's resources")?;
        let mut env: HashMap<String, String> = stack
            .function_environment(&template, "ImportStockFeedFunction")?
            .into_iter()
            .collect();
        env.extend(registry::emulator_settings());
        let importer = FeedImporter::from_source(&sdk, &env)?;
        let queue = stack.reference("InventoryUpdatesQueue")?;
        let seller = "seller-01".parse().map_err(anyhow::Error::msg)?;
        let id = StockBatchId::generate();
        importer.inventory.create_feed(id, &seller).await?;
        let key = FeedFiles::key(&seller, id);
        s3.put_object()
            .bucket(stack.reference("FeedsBucket")?)
            .key(&key)
            .content_type("text/csv")
            .body(body.clone().into_bytes().into())
            .send()
            .await
            .context("uploading the feed")?;
        let started = Instant::now();
        let imported = importer.import(&key).await?;
        times.push(started.elapsed());
        let expected = Imported {
            queued: u32::try_from(options.lines - bad)?,
            refused: u32::try_from(bad)?,
        };
        ensure!(
            imported.as_ref() == Some(&expected),
            "imported {imported:?}, not {expected:?}"
        );
        let (_, report) = importer
            .inventory
            .batch(id)
            .await?
            .context("the feed's report")?;
        ensure!(
            report.failed as usize == bad,
            "{} lines recorded failed, not {bad}",
            report.failed
        );
        ensure!(
            report
                .errors
                .iter()
                .all(|e| e.line % 100 == 1 && e.line > 1),
            "a bad line recorded under the wrong number"
        );
        let queued = queue_depth(&sqs, &queue).await?;
        ensure!(
            queued == options.lines - bad,
            "{queued} updates queued, not {}",
            options.lines - bad
        );
    }
    times.sort();
    let median = times[times.len() / 2];
    Ok(Figures {
        lines: options.lines,
        runs: options.runs,
        bytes: body.len(),
        median_seconds: median.as_secs_f64(),
        lines_per_second: options.lines as f64 / median.as_secs_f64().max(f64::EPSILON),
        requests: (options.lines - bad).div_ceil(10),
    })
}

async fn queue_depth(sqs: &aws_sdk_sqs::Client, queue: &str) -> anyhow::Result<usize> {
    let attributes = sqs
        .get_queue_attributes()
        .queue_url(queue)
        .attribute_names(aws_sdk_sqs::types::QueueAttributeName::ApproximateNumberOfMessages)
        .send()
        .await?
        .attributes
        .unwrap_or_default();
    let depth = attributes
        .get(&aws_sdk_sqs::types::QueueAttributeName::ApproximateNumberOfMessages)
        .context("no queue depth")?;
    Ok(depth.parse()?)
}

pub fn table(figures: &Figures) -> String {
    format!(
        "| lines | bytes | runs | median s | lines per second | SQS requests |\n\
         | ----- | ----- | ---- | -------- | ---------------- | ------------ |\n\
         | {} | {} | {} | {:.2} | {:.0} | {} |\n",
        figures.lines,
        figures.bytes,
        figures.runs,
        figures.median_seconds,
        figures.lines_per_second,
        figures.requests
    )
}
