//! Seller feedback: after delivery a customer rates the seller who served them (stars, on time,
//! as described). A seller's rating is their feedback of the last twelve months, what the Buy
//! Box weighs; it is kept as monthly tallies, so older months drop out as time passes even
//! when no new feedback comes.

use super::SellerRating;
use crate::error::Invalid;
use crate::ids::SellerId;
use crate::reviews::Stars;
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;

/// The months a seller's rating covers, this one included.
pub const RATING_MONTHS: i64 = 12;
/// How long after delivery a customer may rate the seller.
pub const FEEDBACK_DAYS: i64 = 90;

crate::bounded_text!(FeedbackComment, 1, 1000);

/// `POST /api/v1/orders/{id}/seller-feedback`.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize, Serialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct FeedbackRequest {
    /// A seller of the order.
    pub seller_id: SellerId,
    pub stars: Stars,
    /// It arrived by the date promised.
    pub on_time: bool,
    /// It was what the listing said.
    pub as_described: bool,
    #[serde(default)]
    pub comment: Option<FeedbackComment>,
}

impl FeedbackRequest {
    /// Feedback is for a seller of the order, within [`FEEDBACK_DAYS`] of its delivery (epoch
    /// seconds; `None` while it has not arrived).
    pub fn check(
        &self,
        sellers: &[&SellerId],
        delivered_at: Option<i64>,
        now: i64,
    ) -> Result<(), Invalid> {
        let Some(delivered_at) = delivered_at else {
            return Err(Invalid::relational(
                "order",
                "must have been delivered: sellers are rated after delivery",
            ));
        };
        if now - delivered_at > FEEDBACK_DAYS * 86_400 {
            return Err(Invalid::relational(
                "order",
                "must have been delivered within the last 90 days",
            ));
        }
        if !sellers.contains(&&self.seller_id) {
            return Err(Invalid::relational(
                "seller_id",
                "must be a seller of this order",
            ));
        }
        Ok(())
    }
}

/// One month's feedback of a seller.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct MonthTally {
    pub stars: u64,
    pub count: u32,
    pub on_time: u32,
    pub as_described: u32,
}

/// A seller's feedback by month (`YYYY-MM`), the last [`RATING_MONTHS`] kept.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(transparent)]
pub struct FeedbackTally(BTreeMap<String, MonthTally>);

/// Months since year 0 of a `YYYY-MM` (or a longer RFC 3339 time).
fn month_number(month: &str) -> Option<i64> {
    let year: i64 = month.get(..4)?.parse().ok()?;
    let month: i64 = month.get(5..7)?.parse().ok()?;
    (1..=12).contains(&month).then_some(year * 12 + month - 1)
}

impl FeedbackTally {
    /// The tally with `feedback` given in `month` (`YYYY-MM`), months past the window dropped.
    pub fn with(mut self, month: &str, feedback: &FeedbackRequest) -> Self {
        let tally = self.0.entry(month.to_owned()).or_default();
        tally.stars += u64::from(feedback.stars.get());
        tally.count += 1;
        tally.on_time += u32::from(feedback.on_time);
        tally.as_described += u32::from(feedback.as_described);
        if let Some(now) = month_number(month) {
            self.0
                .retain(|m, _| month_number(m).is_some_and(|n| now - n < RATING_MONTHS));
        }
        self
    }

    /// A month's tally: the demo data's history.
    pub fn of_month(month: &str, tally: MonthTally) -> Self {
        Self(BTreeMap::from([(month.to_owned(), tally)]))
    }

    /// The rating over the [`RATING_MONTHS`] to `this_month`; `None` with no feedback in them.
    pub fn rating(&self, this_month: &str) -> Option<SellerRating> {
        let now = month_number(this_month)?;
        let (stars, count) = self
            .0
            .iter()
            .filter(|(m, _)| month_number(m).is_some_and(|n| n <= now && now - n < RATING_MONTHS))
            .fold((0u64, 0u32), |(stars, count), (_, t)| {
                (stars + t.stars, count + t.count)
            });
        let n = u64::from(count);
        // Tenths of a star, rounded half up in integers.
        let tenths = (count > 0).then(|| (stars * 20 + n) / (n * 2))?;
        Some(SellerRating {
            tenths: u8::try_from(tenths.min(50)).unwrap_or(50),
            count,
        })
    }
}

/// This month, as the tallies name months.
pub fn this_month() -> String {
    let now = crate::clock::now();
    now.get(..7).unwrap_or(&now).to_owned()
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn feedback(stars: u8) -> FeedbackRequest {
        serde_json::from_value(json!({
            "seller_id": "seller-1", "stars": stars, "on_time": stars > 2, "as_described": true,
        }))
        .unwrap()
    }

    #[test]
    fn the_rating_covers_the_last_twelve_months() {
        let tally = FeedbackTally::default()
            .with("2025-11", &feedback(1))
            .with("2025-12", &feedback(5))
            .with("2026-11", &feedback(4));
        let rating = |month| tally.rating(month).map(|r| (r.tenths, r.count));
        assert_eq!(
            rating("2026-11"),
            Some((45, 2)),
            "2025-11 is past the window"
        );
        assert_eq!(
            rating("2026-12"),
            Some((40, 1)),
            "so is 2025-12 a month later"
        );
        assert_eq!(rating("2027-11"), None);
        assert_eq!(rating("2026-10"), Some((50, 1)), "not yet given");
        assert_eq!(tally.0.len(), 2, "the month past the window is dropped");
        assert_eq!(tally.0["2026-11"].on_time, 1);
    }

    #[test]
    fn a_seller_is_rated_for_an_order_of_theirs_delivered_lately() {
        let day = 86_400;
        let (mine, other): (SellerId, SellerId) =
            ("seller-1".parse().unwrap(), "seller-2".parse().unwrap());
        let fb = feedback(5);
        assert!(fb.check(&[&other, &mine], Some(0), 89 * day).is_ok());
        assert_eq!(fb.check(&[&mine], None, 0).unwrap_err().field, "order");
        assert_eq!(
            fb.check(&[&mine], Some(0), 91 * day).unwrap_err().field,
            "order"
        );
        assert_eq!(
            fb.check(&[&other], Some(0), day).unwrap_err().field,
            "seller_id"
        );
    }
}
