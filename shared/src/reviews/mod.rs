//! Product reviews: what shoppers say of what they bought. A review that looks like spam waits
//! for an admin instead of going up; a published one counts, once, into its product's rating.

mod moderation;
mod rating;
#[cfg(feature = "dynamodb")]
mod store;

pub use moderation::{Hold, screen};
pub use rating::{Counted, Histogram, RatingSummary};
#[cfg(feature = "dynamodb")]
pub use store::{Decided, Posted, Removal, ReviewPage, ReviewsStore, Vote, review_from_image};

use crate::error::Invalid;
use crate::ids::ProductId;
use crate::json::WholeNumber;
use serde::{Deserialize, Serialize};

crate::ulid_identifier!(
    /// A review's id: what helpful votes and moderation name it by.
    ReviewId, "a review id"
);

crate::bounded_text!(ReviewTitle, 1, 150);

/// Photos one review can carry.
pub const MAX_PHOTOS: usize = 5;

/// A rating: 1 to 5 stars.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(try_from = "WholeNumber", into = "u8")]
pub struct Stars(u8);

impl Stars {
    pub fn get(self) -> u8 {
        self.0
    }

    /// Every rating, one star first.
    pub fn all() -> impl Iterator<Item = Self> {
        (1..=5).map(Self)
    }
}

impl TryFrom<WholeNumber> for Stars {
    type Error = String;
    fn try_from(WholeNumber(n): WholeNumber) -> Result<Self, String> {
        match u8::try_from(n) {
            Ok(stars @ 1..=5) => Ok(Self(stars)),
            _ => Err("must be 1 to 5 stars".to_owned()),
        }
    }
}

impl std::str::FromStr for Stars {
    type Err = String;
    fn from_str(text: &str) -> Result<Self, String> {
        let n: u64 = text
            .parse()
            .map_err(|_| "must be 1 to 5 stars".to_owned())?;
        Self::try_from(WholeNumber(n))
    }
}

impl From<Stars> for u8 {
    fn from(stars: Stars) -> u8 {
        stars.0
    }
}

impl utoipa::PartialSchema for Stars {
    fn schema() -> utoipa::openapi::RefOr<utoipa::openapi::schema::Schema> {
        crate::money::integer_schema("A rating, 1 to 5 stars", 1, 5)
    }
}

impl utoipa::ToSchema for Stars {}

/// A review's text: 1 to 5,000 characters in paragraphs (line breaks are its only control
/// characters), with a visible one.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(try_from = "String", into = "String")]
pub struct ReviewText(String);

impl ReviewText {
    const MAX: usize = 5000;
    const RULE: &str = "must be 1 to 5000 characters with a visible one; line breaks are the only control characters allowed";
}

impl TryFrom<String> for ReviewText {
    type Error = String;
    fn try_from(text: String) -> Result<Self, String> {
        let len = text.chars().count();
        let controls = text.chars().any(|c| c.is_control() && c != '\n');
        let visible = text.chars().any(|c| !c.is_whitespace() && !c.is_control());
        if (1..=Self::MAX).contains(&len) && !controls && visible {
            Ok(Self(text))
        } else {
            Err(Self::RULE.to_owned())
        }
    }
}

impl utoipa::PartialSchema for ReviewText {
    fn schema() -> utoipa::openapi::RefOr<utoipa::openapi::schema::Schema> {
        use utoipa::openapi::schema::{ObjectBuilder, Type};
        ObjectBuilder::new()
            .schema_type(Type::String)
            .description(Some(Self::RULE))
            .min_length(Some(1))
            .max_length(Some(Self::MAX))
            .pattern(Some(r"^[^\x00-\x09\x0b-\x1f\x7f-\x9f]*[^\s\x00-\x1f\x7f-\x9f][^\x00-\x09\x0b-\x1f\x7f-\x9f]*$"))
            .into()
    }
}

impl utoipa::ToSchema for ReviewText {}

crate::text_impls!(ReviewText);

crate::identifier!(
    /// Where an uploaded review photo is kept: a `key` from the review photo upload route.
    PhotoKey, 1, 300, "A-Za-z0-9/._-", "letters, digits, '/', '.', '_' or '-'"
);

/// Where photos for reviews of `product` are uploaded. Who uploaded each is recorded beside
/// the reviews, not in its name: shoppers see the photos, never who took them.
pub fn photo_prefix(product: ProductId) -> String {
    format!("reviews/{product}/")
}

/// `POST /api/v1/products/{id}/reviews`: posting again replaces the shopper's review.
#[derive(Debug, Clone, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ReviewRequest {
    pub stars: Stars,
    pub title: ReviewTitle,
    pub text: ReviewText,
    /// Keys of photos uploaded through `POST /api/v1/products/{id}/reviews/photos`, at most 5.
    #[serde(default)]
    #[schema(max_items = 5)]
    pub photos: Vec<PhotoKey>,
}

/// What a photo a review names must be.
pub const PHOTO_RULE: &str = "must be the key of a photo you uploaded for this product";

impl ReviewRequest {
    /// Photos must be uploads for this product, each once (whose they are, the store knows).
    pub fn check_photos(&self, product: ProductId) -> Result<(), Invalid> {
        if self.photos.len() > MAX_PHOTOS {
            return Err(Invalid::new("photos", "must hold at most 5 photos"));
        }
        let prefix = photo_prefix(product);
        for (n, photo) in self.photos.iter().enumerate() {
            if !photo.as_ref().starts_with(&prefix) || photo.as_ref().contains("..") {
                return Err(Invalid::relational(format!("photos[{n}]"), PHOTO_RULE));
            }
            if self.photos[..n].contains(photo) {
                return Err(Invalid::new(
                    format!("photos[{n}]"),
                    "must not repeat a photo",
                ));
            }
        }
        Ok(())
    }
}

/// Where a review stands. Only a published one is shown and counted.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum ReviewStatus {
    Published,
    /// Waiting for an admin (see `held_for`).
    Held,
    Rejected,
    /// Its author took it down; kept so its place in the rating is known.
    Deleted,
}

/// A review as it is kept.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct Review {
    pub review_id: ReviewId,
    pub product_id: ProductId,
    pub customer_id: String,
    pub stars: Stars,
    pub title: ReviewTitle,
    pub text: ReviewText,
    #[serde(default)]
    pub photos: Vec<PhotoKey>,
    /// The reviewer had a delivered order of the product when they wrote it: decided by the
    /// system from their deliveries, never by the request.
    pub verified_purchase: bool,
    pub status: ReviewStatus,
    /// Why it waits (or waited) for an admin.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub held_for: Vec<Hold>,
    #[serde(default)]
    pub helpful_votes: u32,
    /// Grows with every change of what it says or of its status: what the rating counts it at.
    pub version: u64,
    pub created_at: String,
    pub updated_at: String,
}

impl Review {
    /// Its stars as the rating should count them: only while published.
    pub fn counted_stars(&self) -> Option<Stars> {
        (self.status == ReviewStatus::Published).then_some(self.stars)
    }
}

/// How a product's reviews are listed.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, utoipa::ToSchema)]
pub enum ReviewSort {
    /// Most helpful votes first.
    #[default]
    Helpful,
    /// Newest (or newest edited) first.
    Recent,
    /// Most stars first.
    Rating,
}

impl std::str::FromStr for ReviewSort {
    type Err = String;
    fn from_str(text: &str) -> Result<Self, String> {
        match text {
            "helpful" => Ok(Self::Helpful),
            "recent" => Ok(Self::Recent),
            "rating" => Ok(Self::Rating),
            _ => Err("must be helpful, recent or rating".to_owned()),
        }
    }
}

/// Which of a product's reviews a listing shows.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct ReviewFilter {
    pub stars: Option<Stars>,
    pub verified_only: bool,
}

/// An admin's decision on a held review.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum Decision {
    Approve,
    Reject,
}

impl Decision {
    pub fn status(self) -> ReviewStatus {
        match self {
            Self::Approve => ReviewStatus::Published,
            Self::Reject => ReviewStatus::Rejected,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn request(body: serde_json::Value) -> Result<ReviewRequest, serde_json::Error> {
        serde_json::from_value(body)
    }

    #[test]
    fn stars_are_one_to_five_whole() {
        for ok in [1, 5] {
            assert!(request(json!({"stars": ok, "title": "t", "text": "x"})).is_ok());
        }
        for bad in [json!(0), json!(6), json!(4.5), json!("5"), json!(-1)] {
            assert!(request(json!({"stars": bad, "title": "t", "text": "x"})).is_err());
        }
        assert_eq!("3".parse::<Stars>().map(u8::from), Ok(3));
        assert!("0".parse::<Stars>().is_err());
    }

    #[test]
    fn text_keeps_paragraphs_but_no_other_control_characters() {
        assert!(ReviewText::try_from("Good.\n\nWould buy again.".to_owned()).is_ok());
        for bad in ["", " \n ", "tab\there", "nul\0", &"x".repeat(5001)] {
            assert!(ReviewText::try_from(bad.to_owned()).is_err(), "{bad:?}");
        }
        let schema = serde_json::to_value(<ReviewText as utoipa::PartialSchema>::schema()).unwrap();
        let pattern = regex::Regex::new(schema["pattern"].as_str().unwrap()).unwrap();
        for text in [
            "Good.\n\nWould buy again.",
            "a",
            " \n ",
            "tab\there",
            "a\u{85}",
        ] {
            assert_eq!(
                pattern.is_match(text),
                ReviewText::try_from(text.to_owned()).is_ok(),
                "{text:?}"
            );
        }
    }

    #[test]
    fn photos_are_uploads_for_the_product_each_once() {
        let product: ProductId = "01KAJBCH81VH9KJGR0H85FSDA6".parse().unwrap();
        let other: ProductId = "01KAJBCH81VH9KJGR0H85FSDA7".parse().unwrap();
        let mine = format!("{}a.jpg", photo_prefix(product));
        let with = |photos: Vec<String>| {
            request(json!({"stars": 4, "title": "t", "text": "x", "photos": photos}))
                .unwrap()
                .check_photos(product)
        };
        assert!(with(vec![mine.clone()]).is_ok());
        let elsewhere = format!("{}a.jpg", photo_prefix(other));
        assert_eq!(with(vec![elsewhere]).unwrap_err().field, "photos[0]");
        let escape = format!("{}../{other}/a.jpg", photo_prefix(product));
        assert!(with(vec![escape]).is_err());
        assert_eq!(
            with(vec![mine.clone(), mine.clone()]).unwrap_err().field,
            "photos[1]"
        );
        let six = (0..6).map(|n| format!("{mine}{n}")).collect();
        assert_eq!(with(six).unwrap_err().field, "photos");
    }
}
