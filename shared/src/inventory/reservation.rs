//! Soft reservations: units held for a checkout until the order takes them (commit), the
//! checkout gives them back (release) or the hold runs out (expire). A reservation leaves `Held`
//! once, for one of the three; the store makes that transition conditional on `Held`, so two
//! racing callers can never both commit and release it.

use crate::error::Invalid;
use crate::ids::{LocationId, Sku};
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;

/// Lines in one reservation: a cart's worth, so a checkout reserves in one transaction.
pub const MAX_LINES: usize = 25;
/// Units of one SKU a line may hold.
pub const MAX_UNITS: u32 = 999;
/// Holds one transaction can write (DynamoDB's 100 items): the reservation, and per hold its
/// shard and its hold item.
pub const MAX_HOLDS: usize = 49;

crate::ulid_identifier!(
    /// A reservation's id: the caller's (the checkout's), so a retried reserve is the same one.
    ReservationId, "a reservation id"
);

impl ReservationId {
    /// Differs between reservations, so concurrent ones start at different shards.
    pub fn spread(self) -> usize {
        (self.0.random() % 1_000_003) as usize
    }
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ReservationLine {
    pub sku: Sku,
    pub location: LocationId,
    pub quantity: u32,
}

/// What a checkout asks to hold: 1 to [`MAX_LINES`] lines of 1 to [`MAX_UNITS`] units, one line
/// per SKU and location (lines naming the same pair are added up).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ReservationRequest(Vec<ReservationLine>);

impl ReservationRequest {
    pub fn new(lines: Vec<ReservationLine>) -> Result<Self, Invalid> {
        let mut merged: BTreeMap<(Sku, LocationId), u32> = BTreeMap::new();
        for (i, line) in lines.into_iter().enumerate() {
            if !(1..=MAX_UNITS).contains(&line.quantity) {
                let rule = format!("must be 1 to {MAX_UNITS} units");
                return Err(Invalid::new(format!("lines[{i}].quantity"), rule));
            }
            *merged.entry((line.sku, line.location)).or_default() += line.quantity;
        }
        if merged.is_empty() || merged.len() > MAX_LINES {
            let rule = format!("must hold 1 to {MAX_LINES} SKU and location pairs");
            return Err(Invalid::new("lines", rule));
        }
        if let Some(((sku, _), _)) = merged.iter().find(|(_, units)| **units > MAX_UNITS) {
            let rule = format!("must add up to at most {MAX_UNITS} units of {sku}");
            return Err(Invalid::relational("lines", rule));
        }
        let lines = merged
            .into_iter()
            .map(|((sku, location), quantity)| ReservationLine {
                sku,
                location,
                quantity,
            })
            .collect();
        Ok(Self(lines))
    }

    pub fn lines(&self) -> &[ReservationLine] {
        &self.0
    }
}

/// Units held on one shard of one SKU at one location.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Hold {
    pub sku: Sku,
    pub location: LocationId,
    pub shard: u8,
    pub quantity: u32,
}

/// A line that could not be held: what it asked for and what there is.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, utoipa::ToSchema)]
pub struct Shortage {
    pub sku: Sku,
    pub location: LocationId,
    pub requested: u32,
    pub available: u32,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Status {
    Held,
    Committed,
    Released,
    Expired,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Reservation {
    pub id: ReservationId,
    pub status: Status,
    pub holds: Vec<Hold>,
    /// Unix seconds; DynamoDB's TTL deletes the item after it, and code treats it as gone from
    /// then on, since the TTL may run days late.
    pub expires_at: u64,
}

impl Reservation {
    pub fn is_expired(&self, now: u64) -> bool {
        now >= self.expires_at
    }

    /// Its lines as asked for: the holds of each SKU and location added up.
    pub fn lines(&self) -> Vec<ReservationLine> {
        let mut lines: BTreeMap<(Sku, LocationId), u32> = BTreeMap::new();
        for hold in &self.holds {
            *lines
                .entry((hold.sku.clone(), hold.location.clone()))
                .or_default() += hold.quantity;
        }
        lines
            .into_iter()
            .map(|((sku, location), quantity)| ReservationLine {
                sku,
                location,
                quantity,
            })
            .collect()
    }
}

/// What may end a hold.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Settle {
    /// The order takes the units.
    Commit,
    /// The checkout gives them back.
    Release,
    /// The hold ran out.
    Expire,
}

impl Settle {
    pub fn status(self) -> Status {
        match self {
            Self::Commit => Status::Committed,
            Self::Release => Status::Released,
            Self::Expire => Status::Expired,
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Step {
    /// Move from `Held` to the settled status.
    Apply,
    /// Already settled so: a replay changes nothing.
    Done,
    /// It cannot be settled so: it is in this status.
    Refused(Status),
}

/// Whether `settle` applies to `reservation` at `now`. An expired hold can no longer be
/// committed; released or expired are the same for a caller that wanted the units back.
pub fn step(reservation: &Reservation, settle: Settle, now: u64) -> Step {
    let expired = reservation.is_expired(now);
    match (reservation.status, settle) {
        (Status::Held, Settle::Commit) if expired => Step::Refused(Status::Expired),
        (Status::Held, Settle::Expire) if !expired => Step::Refused(Status::Held),
        (Status::Held, _) => Step::Apply,
        (Status::Committed, Settle::Commit) => Step::Done,
        (Status::Released | Status::Expired, Settle::Release | Settle::Expire) => Step::Done,
        (status, _) => Step::Refused(status),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn line(sku: &str, location: &str, quantity: u32) -> ReservationLine {
        ReservationLine {
            sku: sku.parse().unwrap(),
            location: location.parse().unwrap(),
            quantity,
        }
    }

    fn held(expires_at: u64) -> Reservation {
        Reservation {
            id: ReservationId::generate(),
            status: Status::Held,
            holds: vec![
                Hold {
                    sku: "A".parse().unwrap(),
                    location: "FC1".parse().unwrap(),
                    shard: 0,
                    quantity: 2,
                },
                Hold {
                    sku: "A".parse().unwrap(),
                    location: "FC1".parse().unwrap(),
                    shard: 3,
                    quantity: 1,
                },
            ],
            expires_at,
        }
    }

    #[test]
    fn a_request_adds_up_lines_of_one_sku_and_location() {
        let request = ReservationRequest::new(vec![
            line("A", "FC1", 2),
            line("B", "FC1", 1),
            line("A", "FC1", 3),
        ])
        .unwrap();
        assert_eq!(request.lines(), [line("A", "FC1", 5), line("B", "FC1", 1)]);
    }

    #[test]
    fn a_request_refuses_no_lines_zero_units_and_too_many_lines_or_units() {
        let refused = |lines| ReservationRequest::new(lines).unwrap_err().field;
        assert_eq!(refused(vec![]), "lines");
        assert_eq!(refused(vec![line("A", "FC1", 0)]), "lines[0].quantity");
        assert_eq!(
            refused(vec![line("A", "FC1", 1), line("A", "FC1", MAX_UNITS + 1)]),
            "lines[1].quantity"
        );
        assert_eq!(
            refused(vec![line("A", "FC1", MAX_UNITS), line("A", "FC1", 1)]),
            "lines"
        );
        let many = (0..=MAX_LINES)
            .map(|i| line(&format!("S{i}"), "FC1", 1))
            .collect();
        assert_eq!(refused(many), "lines");
    }

    #[test]
    fn a_reservation_lines_add_up_its_holds() {
        assert_eq!(held(10).lines(), [line("A", "FC1", 3)]);
    }

    #[test]
    fn a_hold_is_settled_once() {
        let mut reservation = held(100);
        assert_eq!(step(&reservation, Settle::Commit, 99), Step::Apply);
        assert_eq!(step(&reservation, Settle::Release, 99), Step::Apply);
        assert_eq!(
            step(&reservation, Settle::Expire, 99),
            Step::Refused(Status::Held)
        );
        assert_eq!(
            step(&reservation, Settle::Commit, 100),
            Step::Refused(Status::Expired)
        );
        assert_eq!(step(&reservation, Settle::Expire, 100), Step::Apply);
        assert_eq!(step(&reservation, Settle::Release, 100), Step::Apply);

        reservation.status = Status::Committed;
        assert_eq!(step(&reservation, Settle::Commit, 99), Step::Done);
        assert_eq!(
            step(&reservation, Settle::Release, 99),
            Step::Refused(Status::Committed)
        );
        assert_eq!(
            step(&reservation, Settle::Expire, 200),
            Step::Refused(Status::Committed)
        );

        for status in [Status::Released, Status::Expired] {
            reservation.status = status;
            assert_eq!(step(&reservation, Settle::Release, 99), Step::Done);
            assert_eq!(step(&reservation, Settle::Expire, 200), Step::Done);
            assert_eq!(
                step(&reservation, Settle::Commit, 99),
                Step::Refused(status)
            );
        }
    }
}
