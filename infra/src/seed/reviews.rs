//! Demo reviews of the demo cart's product: one shoppers vote for (the bench's helpful vote),
//! one its author takes down (the bench's delete), one held for an admin (the bench's decision).

use serde_json::json;
use shared::reviews::{Review, ReviewsStore};

/// customer-03's published review: the bench votes for it.
pub const DEMO_REVIEW: &str = "01KAN0000000000000000000R1";
/// customer-02's published review: the bench takes it down.
pub const DEMO_DELETED_REVIEW: &str = "01KAN0000000000000000000R2";
/// customer-04's review held for its link: the bench's admin approves it.
pub const DEMO_HELD_REVIEW: &str = "01KAN0000000000000000000R3";

pub async fn demo_reviews(store: &ReviewsStore, product: &str) -> anyhow::Result<()> {
    let review = |id: &str, customer: &str, status: &str, text: &str| -> anyhow::Result<Review> {
        let held_for = if status == "held" {
            vec!["link"]
        } else {
            vec![]
        };
        Ok(serde_json::from_value(json!({
            "review_id": id, "product_id": product, "customer_id": customer, "stars": 4,
            "title": "Does the job", "text": text, "verified_purchase": false, "status": status,
            "held_for": held_for, "version": 1,
            "created_at": "2026-11-20T10:00:00Z", "updated_at": "2026-11-20T10:00:00Z",
        }))?)
    };
    let reviews = [
        review(
            DEMO_REVIEW,
            "customer-03",
            "published",
            "Boils fast and pours clean.",
        )?,
        review(
            DEMO_DELETED_REVIEW,
            "customer-02",
            "published",
            "Fine for the price.",
        )?,
        review(
            DEMO_HELD_REVIEW,
            "customer-04",
            "held",
            "Cheaper at www.example.com",
        )?,
    ];
    store.import(&reviews).await
}
