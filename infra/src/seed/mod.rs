//! The demo catalog: a deterministic marketplace (the same seed gives the same data) large
//! enough for browse, search and recommendations to show something: 5,000+ products in 32
//! categories, variation families, 12 sellers competing for Buy Boxes, and demo customers.
// Demo data is built by this code from constants: a slip is a bug to see at once, so it may panic.
#![allow(clippy::expect_used, clippy::unwrap_used)]

mod catalog;

pub use catalog::{catalog_store, demo_catalog, load_demo_catalog};

pub const SELLERS: usize = 12;
pub const DEMO_CUSTOMERS: &[&str] = &[
    "customer-01",
    "customer-02",
    "customer-03",
    "customer-04",
    "customer-05",
];
const SEED: u64 = 20_261_121;

/// What the demo catalog holds, for the ready message.
pub struct Summary {
    pub products: usize,
    pub offers: usize,
    pub categories: usize,
    pub sellers: usize,
}

pub fn seller_id(n: usize) -> String {
    format!("seller-{:02}", n + 1)
}
