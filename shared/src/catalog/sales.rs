//! Units sold by day over the last month, kept on the product: what search ranks best sellers by.

use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;

/// How many days the window holds.
pub const WINDOW_DAYS: i64 = 30;

/// A day, as days since the Unix epoch (UTC).
pub type Day = i64;

/// The day of an RFC 3339 moment; `None` for text that is not one.
pub fn day_of(moment: &str) -> Option<Day> {
    let time = crate::clock::Timestamp::try_from(moment.to_owned()).ok()?;
    Some(time.secs().div_euclid(86_400))
}

pub fn today() -> Day {
    crate::clock::Timestamp::now().secs().div_euclid(86_400)
}

/// Units sold by day, the last [`WINDOW_DAYS`] days of the latest sale (a DynamoDB map, whose
/// keys are text).
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(transparent)]
pub struct Sales(BTreeMap<String, u32>);

impl Sales {
    fn days(&self) -> impl Iterator<Item = (Day, u32)> + '_ {
        self.0
            .iter()
            .filter_map(|(day, units)| Some((day.parse().ok()?, *units)))
    }

    /// With `units` more sold on `day`, and the days that fell out of the window dropped.
    pub fn with(&self, day: Day, units: u32) -> Self {
        let mut kept: BTreeMap<String, u32> = self
            .days()
            .filter(|(d, _)| *d > day - WINDOW_DAYS)
            .map(|(d, u)| (d.to_string(), u))
            .collect();
        let count = kept.entry(day.to_string()).or_default();
        *count = count.saturating_add(units);
        Self(kept)
    }

    /// Units sold in the window ending `today`.
    pub fn last_30_days(&self, today: Day) -> u32 {
        self.days()
            .filter(|(d, _)| *d > today - WINDOW_DAYS && *d <= today)
            .fold(0u32, |sum, (_, units)| sum.saturating_add(units))
    }

    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_day_is_counted_once_per_sale_and_the_window_moves_on() {
        let sales = Sales::default().with(100, 2).with(100, 1).with(120, 5);
        assert_eq!(sales.last_30_days(120), 8);
        assert_eq!(sales.last_30_days(129), 8);
        assert_eq!(sales.last_30_days(130), 5, "day 100 left the window");
        let later = sales.with(131, 1);
        assert_eq!(later.0.len(), 2, "day 100 dropped when the next sale came");
        assert_eq!(later.last_30_days(131), 6);
    }

    #[test]
    fn a_day_comes_from_an_event_time() {
        assert_eq!(day_of("1970-01-02T00:00:00Z"), Some(1));
        assert_eq!(
            day_of("2026-12-02T23:59:59Z"),
            day_of("2026-12-02T00:00:00Z")
        );
        assert_eq!(day_of("yesterday"), None);
    }
}
