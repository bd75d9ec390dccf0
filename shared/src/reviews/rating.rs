//! A product's rating: how many published reviews gave it each number of stars. Each review is
//! counted at the version it was last counted at, so a change moves the histogram once (an
//! edit from 2 to 4 stars takes one from 2 and adds one to 4) and a replay moves nothing.

use super::Stars;
use serde::{Deserialize, Serialize};

/// What the rating holds of one review: its stars (none while it is not published), as of
/// its `version`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct Counted {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub stars: Option<Stars>,
    pub version: u64,
}

impl Counted {
    /// What to take from and add to the histogram to count a review at `now`, given what was
    /// counted of it before; `None` when `now` is no newer (a replay or a late record).
    pub fn change(before: Option<Self>, now: Self) -> Option<(Option<Stars>, Option<Stars>)> {
        let before = before.unwrap_or(Self {
            stars: None,
            version: 0,
        });
        (now.version > before.version).then_some((before.stars, now.stars))
    }
}

/// Reviews by stars given.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct Histogram {
    #[serde(rename = "1")]
    pub one: u32,
    #[serde(rename = "2")]
    pub two: u32,
    #[serde(rename = "3")]
    pub three: u32,
    #[serde(rename = "4")]
    pub four: u32,
    #[serde(rename = "5")]
    pub five: u32,
}

impl Histogram {
    pub fn from_counts(counts: [u32; 5]) -> Self {
        let [one, two, three, four, five] = counts;
        Self {
            one,
            two,
            three,
            four,
            five,
        }
    }

    fn counts(self) -> [u32; 5] {
        [self.one, self.two, self.three, self.four, self.five]
    }

    /// Both histograms' reviews together.
    pub fn plus(self, other: Self) -> Self {
        let (a, b) = (self.counts(), other.counts());
        Self::from_counts(std::array::from_fn(|i| a[i].saturating_add(b[i])))
    }
}

/// What a product page and search show of a product's reviews.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct RatingSummary {
    /// Mean stars to one decimal; 0 with no reviews.
    pub average: f64,
    pub count: u32,
    pub histogram: Histogram,
    /// How many review changes it has counted: it only grows, so a copy of an older summary
    /// never replaces a newer one.
    pub changes: u64,
}

impl RatingSummary {
    pub fn of(histogram: Histogram, changes: u64) -> Self {
        let counts = histogram.counts();
        let count: u32 = counts.iter().fold(0, |sum, n| sum.saturating_add(*n));
        let stars: u64 = counts
            .iter()
            .zip(1u64..)
            .map(|(n, stars)| u64::from(*n) * stars)
            .sum();
        let average = match count {
            0 => 0.0,
            // Rounded to tenths in integers: 4.25 is 4.3 however floats round.
            n => ((stars * 20 + u64::from(n)) / (u64::from(n) * 2)) as f64 / 10.0,
        };
        Self {
            average,
            count,
            histogram,
            changes,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn stars(n: u64) -> Stars {
        Stars::try_from(crate::json::WholeNumber(n)).unwrap()
    }

    fn at(stars: Option<Stars>, version: u64) -> Counted {
        Counted { stars, version }
    }

    #[test]
    fn a_change_is_counted_once_and_in_order() {
        let new = at(Some(stars(2)), 1);
        assert_eq!(Counted::change(None, new), Some((None, Some(stars(2)))));
        let edited = at(Some(stars(4)), 2);
        assert_eq!(
            Counted::change(Some(new), edited),
            Some((Some(stars(2)), Some(stars(4))))
        );
        assert_eq!(Counted::change(Some(edited), edited), None, "a replay");
        assert_eq!(Counted::change(Some(edited), new), None, "a late record");
        let deleted = at(None, 3);
        assert_eq!(
            Counted::change(Some(edited), deleted),
            Some((Some(stars(4)), None))
        );
        assert_eq!(Counted::change(None, at(None, 1)), Some((None, None)));
    }

    #[test]
    fn the_average_is_rounded_to_tenths() {
        let summary = RatingSummary::of(Histogram::from_counts([0, 0, 0, 3, 1]), 4);
        assert_eq!((summary.average, summary.count), (4.3, 4), "4.25 rounds up");
        let summary = RatingSummary::of(Histogram::from_counts([1, 0, 0, 0, 2]), 3);
        assert_eq!(summary.average, 3.7);
        assert_eq!(RatingSummary::of(Histogram::default(), 0).average, 0.0);
        let json = serde_json::to_value(summary).unwrap();
        assert_eq!(json["histogram"]["5"], 2);
    }
}
