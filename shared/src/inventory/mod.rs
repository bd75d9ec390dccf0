//! Stock per offer (SKU) per location (a fulfillment center, or a merchant-fulfilled seller's
//! own): units on hand, units reservations hold, and what is left for sale. Checkout reserves,
//! then commits or releases; an expired reservation gives its units back by itself.

mod availability;
mod batch;
#[cfg(feature = "sqs")]
mod feed;
mod feed_file;
#[cfg(feature = "s3")]
mod feed_import;
mod reservation;
pub mod shards;
mod stock_update;
#[cfg(feature = "dynamodb")]
mod store;

pub use crate::ids::{LocationId, Sku};
pub use availability::{Availability, LOW_STOCK};
pub use batch::{
    BatchLine, BatchReport, FeedState, LineError, LineOutcome, MAX_BATCH_LINES, StockBatchId,
    StockBatchRequest, StockLine,
};
#[cfg(feature = "sqs")]
pub use feed::StockFeed;
pub use feed_file::{FeedHeader, FeedRow};
#[cfg(feature = "s3")]
pub use feed_import::FeedFiles;
#[cfg(all(feature = "s3", feature = "sqs", feature = "dynamodb"))]
pub use feed_import::{FeedImporter, Imported};
pub use reservation::{
    Hold, MAX_HOLDS, MAX_LINES, MAX_UNITS, Reservation, ReservationId, ReservationLine,
    ReservationRequest, Settle, Shortage, Status, Step, step,
};
pub use shards::{Shard, ShardCount};
pub use stock_update::{Delta, Quantity, StockChange, StockUpdate};
#[cfg(feature = "dynamodb")]
pub use store::{
    Contention, Counted, InventoryStore, LocationStock, Reserved, Settled, SkuStock, StockLevel,
    removed_reservation,
};
