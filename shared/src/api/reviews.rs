//! The reviews' answers: what a shopper sees of others' reviews, and the pages of a listing.

use crate::ids::ProductId;
use crate::reviews::{PhotoKey, Review, ReviewId, ReviewPage, ReviewText, ReviewTitle, Stars};
use serde::Serialize;

/// A published review as every shopper sees it: nothing of who wrote it but whether they
/// bought it.
#[derive(Serialize, utoipa::ToSchema)]
pub struct ShownReview {
    review_id: ReviewId,
    product_id: ProductId,
    stars: Stars,
    title: ReviewTitle,
    text: ReviewText,
    photos: Vec<PhotoKey>,
    verified_purchase: bool,
    helpful_votes: u32,
    created_at: String,
    updated_at: String,
}

impl From<Review> for ShownReview {
    fn from(review: Review) -> Self {
        Self {
            review_id: review.review_id,
            product_id: review.product_id,
            stars: review.stars,
            title: review.title,
            text: review.text,
            photos: review.photos,
            verified_purchase: review.verified_purchase,
            helpful_votes: review.helpful_votes,
            created_at: review.created_at,
            updated_at: review.updated_at,
        }
    }
}

/// One page of reviews, as `T` shows them.
#[derive(Serialize, utoipa::ToSchema)]
pub struct ReviewList<T> {
    items: Vec<T>,
    /// Pass as `cursor` for the next page; absent on the last page.
    next_cursor: Option<String>,
}

impl<T: From<Review>> From<ReviewPage> for ReviewList<T> {
    fn from(page: ReviewPage) -> Self {
        Self {
            items: page.reviews.into_iter().map(T::from).collect(),
            next_cursor: page.next,
        }
    }
}
