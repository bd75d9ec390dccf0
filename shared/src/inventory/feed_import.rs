//! Bulk stock feeds through S3: the seller PUTs a CSV file to a presigned URL; S3's
//! object-created event starts the import, which streams the file line by line, queues the good
//! lines on the stock feed's queue (the path every stock update takes) and records the bad ones
//! with their line number. Sends overlap, so a 100,000-line file is queued in seconds, and the
//! consumer applies it in parallel batches.

use super::batch::StockBatchId;
use crate::config::Source;
use crate::ids::SellerId;
use crate::uploads::PresignedUpload;
use std::time::Duration;
#[cfg(all(feature = "sqs", feature = "dynamodb"))]
use {
    super::batch::{BatchLine, LineOutcome},
    super::feed::StockFeed,
    super::feed_file::{FeedHeader, FeedRow},
    super::stock_update::StockUpdate,
    super::store::InventoryStore,
    anyhow::Context,
    futures::StreamExt,
    futures::stream::FuturesUnordered,
    std::future::Future,
    std::pin::Pin,
    tokio::io::AsyncBufReadExt,
};

#[cfg(all(feature = "sqs", feature = "dynamodb"))]
/// Updates per send (SQS takes ten per request; a send makes as many requests as it needs).
const SEND_CHUNK: usize = 100;
#[cfg(all(feature = "sqs", feature = "dynamodb"))]
/// Sends and line records in flight at once.
const IN_FLIGHT: usize = 8;

/// The feeds bucket.
pub struct FeedFiles {
    s3: aws_sdk_s3::Client,
    bucket: String,
    url_ttl: Duration,
    max_bytes: u64,
}

impl FeedFiles {
    pub fn from_source(sdk: &aws_config::SdkConfig, source: &impl Source) -> anyhow::Result<Self> {
        Ok(Self {
            s3: crate::aws::s3(sdk, source.parsed("S3_FORCE_PATH_STYLE", false)?),
            bucket: source.required("FEEDS_BUCKET")?,
            url_ttl: Duration::from_secs(source.parsed("FEED_UPLOAD_TTL_SECONDS", 900)?),
            max_bytes: source.parsed("FEED_MAX_BYTES", 100 * 1024 * 1024)?,
        })
    }

    pub fn max_bytes(&self) -> u64 {
        self.max_bytes
    }

    /// Where a seller's feed file goes: the key names both, so the import needs no lookup.
    pub fn key(seller: &SellerId, id: StockBatchId) -> String {
        format!("feeds/{seller}/{id}.csv")
    }

    /// The feed a key (as an S3 event names it, URL-encoded) is the file of.
    pub fn feed_of(key: &str) -> Option<StockBatchId> {
        let key = key.replace('+', " ");
        let key = percent_encoding::percent_decode_str(&key)
            .decode_utf8()
            .ok()?;
        let (_, file) = key.strip_prefix("feeds/")?.split_once('/')?;
        file.strip_suffix(".csv")?.parse().ok()
    }

    /// A presigned PUT of a CSV file of `content_length` bytes for the seller's feed.
    pub async fn presign(
        &self,
        seller: &SellerId,
        id: StockBatchId,
        content_length: u64,
    ) -> anyhow::Result<PresignedUpload> {
        let key = Self::key(seller, id);
        crate::uploads::presign_put(
            &self.s3,
            &self.bucket,
            key,
            "text/csv",
            content_length,
            self.url_ttl,
        )
        .await
    }
}

#[cfg(all(feature = "sqs", feature = "dynamodb"))]
/// What an import read.
#[derive(Debug, Default, PartialEq, Eq)]
pub struct Imported {
    pub queued: u32,
    pub refused: u32,
}

#[cfg(all(feature = "sqs", feature = "dynamodb"))]
type Pending<'a> = Pin<Box<dyn Future<Output = anyhow::Result<()>> + Send + 'a>>;

#[cfg(all(feature = "sqs", feature = "dynamodb"))]
/// Reads feed files into the stock feed's queue.
pub struct FeedImporter {
    pub files: FeedFiles,
    pub inventory: InventoryStore,
    pub queue: StockFeed,
}

#[cfg(all(feature = "sqs", feature = "dynamodb"))]
impl FeedImporter {
    pub fn from_source(sdk: &aws_config::SdkConfig, source: &impl Source) -> anyhow::Result<Self> {
        Ok(Self {
            files: FeedFiles::from_source(sdk, source)?,
            inventory: InventoryStore::from_source(sdk, source)?,
            queue: StockFeed::from_source(sdk, source)?,
        })
    }

    /// Opens the table's and the queue's connections at init; S3 is read once per file.
    pub async fn connect(&self) {
        tokio::join!(self.inventory.connect(), self.queue.connect());
    }

    /// Imports the feed file at `key`. `None` when it is no feed's, or was imported already.
    #[tracing::instrument(skip(self))]
    pub async fn import(&self, key: &str) -> anyhow::Result<Option<Imported>> {
        let Some(id) = FeedFiles::feed_of(key) else {
            tracing::warn!(key, "an object that is no feed's file");
            return Ok(None);
        };
        let Some(seller) = self.inventory.begin_feed(id).await? else {
            tracing::info!(%id, "no feed awaits this file (imported already?)");
            return Ok(None);
        };
        let object = self
            .files
            .s3
            .get_object()
            .bucket(&self.files.bucket)
            .key(FeedFiles::key(&seller, id))
            .send()
            .await
            .context("opening a feed file")?;
        let mut lines = object.body.into_async_read().lines();
        let mut imported = Imported::default();
        let mut in_flight: FuturesUnordered<Pending<'_>> = FuturesUnordered::new();
        let mut chunk: Vec<StockUpdate> = Vec::with_capacity(SEND_CHUNK);
        let mut header: Option<FeedHeader> = None;
        let mut number: u32 = 0;
        while let Some(line) = lines.next_line().await.context("reading a feed file")? {
            number += 1;
            let line = line.trim_start_matches('\u{feff}').trim_end_matches('\r');
            if line.trim().is_empty() {
                continue;
            }
            let parsed = match &header {
                None => match FeedHeader::parse(line) {
                    Ok(parsed) => {
                        header = Some(parsed);
                        continue;
                    }
                    // Without its columns no line can be read: the feed fails at line 1.
                    Err(error) => Err(error),
                },
                Some(header) => FeedRow::parse(header, line),
            };
            let batch = BatchLine { id, line: number };
            match parsed {
                Ok(row) => {
                    imported.queued += 1;
                    chunk.push(StockUpdate {
                        seller_id: seller.clone(),
                        sku: row.sku,
                        location: row.location,
                        change: row.change,
                        sequence: row.sequence,
                        batch: Some(batch),
                    });
                    if chunk.len() == SEND_CHUNK {
                        let full = std::mem::replace(&mut chunk, Vec::with_capacity(SEND_CHUNK));
                        in_flight.push(Box::pin(async move { self.queue.send(&full).await }));
                    }
                }
                Err(error) => {
                    imported.refused += 1;
                    let failed = LineOutcome::Failed { error };
                    in_flight.push(Box::pin(async move {
                        self.inventory.record_line(&batch, failed).await
                    }));
                }
            }
            if header.is_none() {
                break;
            }
            while in_flight.len() >= IN_FLIGHT {
                in_flight.next().await.transpose()?;
            }
        }
        if !chunk.is_empty() {
            in_flight.push(Box::pin(async move { self.queue.send(&chunk).await }));
        }
        while let Some(done) = in_flight.next().await {
            done?;
        }
        self.inventory
            .finish_feed(id, imported.queued + imported.refused)
            .await?;
        tracing::info!(%id, %seller, queued = imported.queued, refused = imported.refused, "feed imported");
        Ok(Some(imported))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_key_names_its_feed_however_the_event_encodes_it() {
        let id = StockBatchId::generate();
        let seller: SellerId = "seller-01".parse().unwrap();
        let key = FeedFiles::key(&seller, id);
        assert_eq!(key, format!("feeds/seller-01/{id}.csv"));
        assert_eq!(FeedFiles::feed_of(&key), Some(id));
        assert_eq!(FeedFiles::feed_of(&key.replace('/', "%2F")), Some(id));
        assert_eq!(FeedFiles::feed_of("feeds/seller-01/notes.csv"), None);
        assert_eq!(FeedFiles::feed_of(&format!("products/{id}.csv")), None);
        assert_eq!(
            FeedFiles::feed_of(&format!("feeds/seller-01/{id}.txt")),
            None
        );
    }
}
