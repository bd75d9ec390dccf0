//! Hot SKUs. One DynamoDB item takes about 1,000 writes a second, so a SKU that sells in a flash
//! sale has its stock at a location split over N shard items: a reservation takes from one shard
//! (another when that one is empty) and availability sums them. N changes while the SKU sells:
//! shards past N are retired, their free units moved to the others, and whatever they still hold
//! for reservations comes back to them, where a later reservation still finds it.

use serde::{Deserialize, Serialize};

/// How many shard items a SKU's stock at one location is split over: 1 to [`Self::MAX`].
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(try_from = "u8", into = "u8")]
pub struct ShardCount(u8);

impl ShardCount {
    /// A count a transaction can rebalance: one item per shard, and the count itself.
    pub const MAX: u8 = 32;
    pub const ONE: Self = Self(1);

    pub fn get(self) -> u8 {
        self.0
    }

    pub fn is_active(self, shard: u8) -> bool {
        shard < self.0
    }
}

impl Default for ShardCount {
    fn default() -> Self {
        Self::ONE
    }
}

impl TryFrom<u8> for ShardCount {
    type Error = String;
    fn try_from(count: u8) -> Result<Self, String> {
        if (1..=Self::MAX).contains(&count) {
            Ok(Self(count))
        } else {
            Err(format!("must be 1 to {} shards", Self::MAX))
        }
    }
}

impl From<ShardCount> for u8 {
    fn from(count: ShardCount) -> u8 {
        count.0
    }
}

/// One shard item's units: `available` is what a reservation may take (on hand less reserved).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
pub struct Shard {
    pub index: u8,
    pub on_hand: u32,
    pub reserved: u32,
    pub available: u32,
}

/// Where `wanted` units come from: the active shards first, starting at `start` (a number that
/// differs between reservations, so concurrent ones spread over the shards), then retired shards
/// still holding units. `None` when all of them together have fewer.
pub fn take(
    shards: &[Shard],
    count: ShardCount,
    wanted: u32,
    start: usize,
) -> Option<Vec<(u8, u32)>> {
    let (mut active, retired): (Vec<&Shard>, Vec<&Shard>) =
        shards.iter().partition(|s| count.is_active(s.index));
    active.sort_by_key(|s| s.index);
    if !active.is_empty() {
        let turn = start % active.len();
        active.rotate_left(turn);
    }
    let mut left = wanted;
    let mut parts = Vec::new();
    for shard in active.into_iter().chain(retired) {
        if left == 0 {
            break;
        }
        let part = shard.available.min(left);
        if part > 0 {
            parts.push((shard.index, part));
            left -= part;
        }
    }
    (left == 0).then_some(parts)
}

/// `total` free units spread over `count` shards as evenly as whole units go.
pub fn spread(total: u32, count: ShardCount) -> Vec<u32> {
    let n = u32::from(count.get());
    (0..n)
        .map(|i| total / n + u32::from(i < total % n))
        .collect()
}

/// The change of free units per shard that spreads them evenly over `count` shards and empties
/// the retired ones. The changes sum to zero: no unit is lost or made.
pub fn rebalance(shards: &[Shard], count: ShardCount) -> Vec<(u8, i64)> {
    let total: u32 = shards.iter().map(|s| s.available).sum();
    let target = spread(total, count);
    let current = |index: u8| {
        shards
            .iter()
            .find(|s| s.index == index)
            .map_or(0, |s| s.available)
    };
    let indexes = (0..count.get()).chain(
        shards
            .iter()
            .map(|s| s.index)
            .filter(|i| !count.is_active(*i)),
    );
    indexes
        .map(|index| {
            let want = target.get(usize::from(index)).copied().unwrap_or(0);
            (index, i64::from(want) - i64::from(current(index)))
        })
        .filter(|(_, change)| *change != 0)
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn shard(index: u8, available: u32) -> Shard {
        Shard {
            index,
            on_hand: available + 2,
            reserved: 2,
            available,
        }
    }

    fn count(n: u8) -> ShardCount {
        ShardCount::try_from(n).unwrap()
    }

    #[test]
    fn a_count_is_one_to_thirty_two() {
        assert!(ShardCount::try_from(0).is_err());
        assert!(ShardCount::try_from(33).is_err());
        assert_eq!(ShardCount::try_from(32).unwrap().get(), 32);
    }

    #[test]
    fn a_reservation_starts_at_its_own_shard_and_falls_back_to_the_others() {
        let shards = [shard(0, 5), shard(1, 5), shard(2, 0)];
        assert_eq!(take(&shards, count(3), 3, 1), Some(vec![(1, 3)]));
        assert_eq!(take(&shards, count(3), 3, 2), Some(vec![(0, 3)]));
        assert_eq!(take(&shards, count(3), 8, 1), Some(vec![(1, 5), (0, 3)]));
        assert_eq!(take(&shards, count(3), 11, 0), None);
    }

    #[test]
    fn retired_shards_are_the_last_resort() {
        let shards = [shard(0, 1), shard(1, 4)];
        assert_eq!(take(&shards, count(1), 1, 7), Some(vec![(0, 1)]));
        assert_eq!(take(&shards, count(1), 3, 7), Some(vec![(0, 1), (1, 2)]));
    }

    #[test]
    fn spreading_keeps_every_unit() {
        assert_eq!(spread(10, count(4)), vec![3, 3, 2, 2]);
        assert_eq!(spread(2, count(4)), vec![1, 1, 0, 0]);
        for total in [0, 1, 7, 50, 1001] {
            for n in [1, 3, 8, 32] {
                assert_eq!(spread(total, count(n)).iter().sum::<u32>(), total);
            }
        }
    }

    #[test]
    fn rebalancing_moves_free_units_without_making_or_losing_any() {
        let one = [shard(0, 50)];
        let to_eight = rebalance(&one, count(8));
        assert_eq!(to_eight.iter().map(|(_, c)| c).sum::<i64>(), 0);
        assert_eq!(to_eight[0], (0, -43));
        assert_eq!(to_eight.len(), 8);

        let eight: Vec<Shard> = (0..8).map(|i| shard(i, 6)).collect();
        let to_two = rebalance(&eight, count(2));
        assert_eq!(to_two.iter().map(|(_, c)| c).sum::<i64>(), 0);
        assert!(to_two.contains(&(0, 18)) && to_two.contains(&(1, 18)));
        assert!(to_two.contains(&(7, -6)));
        assert!(rebalance(&[shard(0, 3), shard(1, 3)], count(2)).is_empty());
    }
}
