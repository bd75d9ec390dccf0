//! Inventory on the local stack: reservations never oversell, whatever the concurrency and the
//! shard count; a short line holds nothing; expired holds come back by themselves; settling twice
//! changes nothing.

use crate::helpers::{TestApp, unique_prefix};
use shared::inventory::{
    InventoryStore, LocationId, Reservation, ReservationId, ReservationLine, ReservationRequest,
    Reserved, Settled, ShardCount, Sku, Status,
};
use std::sync::Arc;
use std::time::{Duration, Instant};

const HOLD: Duration = Duration::from_secs(600);

fn sku() -> Sku {
    unique_prefix().to_uppercase().parse().unwrap()
}

fn location(name: &str) -> LocationId {
    name.parse().unwrap()
}

pub(crate) fn request(lines: &[(&Sku, &LocationId, u32)]) -> ReservationRequest {
    let lines = lines
        .iter()
        .map(|(sku, location, quantity)| ReservationLine {
            sku: (*sku).clone(),
            location: (*location).clone(),
            quantity: *quantity,
        })
        .collect();
    ReservationRequest::new(lines).unwrap()
}

/// A SKU with `units` on hand at one fulfillment center, in this test's own inventory table.
async fn stocked(units: u32) -> (TestApp, InventoryStore, Sku, LocationId) {
    let app = TestApp::spawn().await;
    let store = app.inventory();
    let (sku, fc) = (sku(), location("FC-SEA1"));
    store.set_on_hand(&sku, &fc, units).await.unwrap();
    (app, store, sku, fc)
}

/// A new reservation of `lines`, which must be held.
async fn hold(
    store: &InventoryStore,
    lines: &[(&Sku, &LocationId, u32)],
    hold_for: Duration,
) -> Reservation {
    held(
        store
            .reserve(ReservationId::generate(), &request(lines), hold_for)
            .await
            .unwrap(),
    )
}

fn held(outcome: Reserved) -> Reservation {
    match outcome {
        Reserved::Held(reservation) => reservation,
        other => panic!("not held: {other:?}"),
    }
}

/// The units of a SKU at a location, after checking every shard keeps available = on hand less
/// reserved: (on hand, reserved, available).
async fn units(store: &InventoryStore, sku: &Sku, at: &LocationId) -> (u32, u32, u32) {
    let stock = store.stock(sku).await.unwrap();
    let here = &stock.locations[at];
    for shard in &here.shards {
        assert_eq!(shard.available + shard.reserved, shard.on_hand, "{shard:?}");
    }
    let sum = |f: fn(&shared::inventory::Shard) -> u32| here.shards.iter().map(f).sum::<u32>();
    (
        sum(|s| s.on_hand),
        sum(|s| s.reserved),
        sum(|s| s.available),
    )
}

/// `buyers` concurrent reservations of one unit each; the held ones.
async fn rush(
    store: &Arc<InventoryStore>,
    sku: &Sku,
    at: &LocationId,
    buyers: usize,
) -> Vec<Reservation> {
    let tasks: Vec<_> = (0..buyers)
        .map(|_| {
            let (store, request) = (store.clone(), request(&[(sku, at, 1)]));
            tokio::spawn(async move {
                store
                    .reserve(ReservationId::generate(), &request, HOLD)
                    .await
            })
        })
        .collect();
    let mut held = Vec::new();
    for task in tasks {
        match task.await.unwrap().unwrap() {
            Reserved::Held(reservation) => held.push(reservation),
            Reserved::Short(short) => assert_eq!(short[0].requested, 1),
            other => panic!("a fresh id was answered {other:?}"),
        }
    }
    held
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn two_hundred_buyers_of_fifty_units_get_fifty_with_one_shard_or_eight() {
    let app = TestApp::spawn().await;
    let store = Arc::new(app.inventory());
    let fc = location("FC-SEA1");
    for shards in [1, 8] {
        let sku = sku();
        let count = ShardCount::try_from(shards).unwrap();
        store.set_shards(&sku, &fc, count).await.unwrap();
        store.set_on_hand(&sku, &fc, 50).await.unwrap();
        assert_eq!(units(&store, &sku, &fc).await, (50, 0, 50));

        let held = rush(&store, &sku, &fc, 200).await;

        assert_eq!(held.len(), 50, "{shards} shards");
        assert_eq!(
            units(&store, &sku, &fc).await,
            (50, 50, 0),
            "{shards} shards"
        );
        let used: std::collections::BTreeSet<u8> = held
            .iter()
            .flat_map(|r| r.holds.iter().map(|h| h.shard))
            .collect();
        assert_eq!(used.len(), usize::from(shards), "every shard sold");
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn the_shard_count_changes_while_it_sells_without_losing_or_making_a_unit() {
    let app = TestApp::spawn().await;
    let store = Arc::new(app.inventory());
    let (sku, fc) = (sku(), location("FC-SEA1"));
    store.set_on_hand(&sku, &fc, 50).await.unwrap();
    let resharding = {
        let (store, sku, fc) = (store.clone(), sku.clone(), fc.clone());
        tokio::spawn(async move {
            for shards in [8, 3, 16, 1, 8] {
                let count = ShardCount::try_from(shards).unwrap();
                store.set_shards(&sku, &fc, count).await.unwrap();
            }
        })
    };
    let held = rush(&store, &sku, &fc, 200).await;
    resharding.await.unwrap();

    assert_eq!(held.len(), 50);
    assert_eq!(units(&store, &sku, &fc).await, (50, 50, 0));
    // The units held on shards retired meanwhile still commit from where they are held.
    for reservation in &held {
        assert_eq!(
            store.commit(reservation.id).await.unwrap(),
            Settled::Applied
        );
    }
    assert_eq!(units(&store, &sku, &fc).await, (0, 0, 0));
}

#[tokio::test]
async fn a_reservation_short_on_one_line_holds_nothing_and_names_that_line() {
    let app = TestApp::spawn().await;
    let store = app.inventory();
    let (plenty, scarce, fc) = (sku(), sku(), location("FC-SEA1"));
    store.set_on_hand(&plenty, &fc, 5).await.unwrap();
    store.set_on_hand(&scarce, &fc, 1).await.unwrap();
    let id = ReservationId::generate();

    let outcome = store
        .reserve(id, &request(&[(&plenty, &fc, 2), (&scarce, &fc, 3)]), HOLD)
        .await
        .unwrap();

    let Reserved::Short(short) = outcome else {
        panic!("{outcome:?}")
    };
    assert_eq!(short.len(), 1);
    assert_eq!(
        (&short[0].sku, short[0].requested, short[0].available),
        (&scarce, 3, 1)
    );
    assert_eq!(units(&store, &plenty, &fc).await, (5, 0, 5));
    assert_eq!(units(&store, &scarce, &fc).await, (1, 0, 1));
    assert!(store.reservation(id).await.unwrap().is_none());
}

#[tokio::test]
async fn a_replayed_reserve_holds_once_and_an_id_is_one_reservation() {
    let (_app, store, sku, fc) = stocked(5).await;
    let id = ReservationId::generate();
    let first = held(
        store
            .reserve(id, &request(&[(&sku, &fc, 2)]), HOLD)
            .await
            .unwrap(),
    );
    let again = held(
        store
            .reserve(id, &request(&[(&sku, &fc, 2)]), HOLD)
            .await
            .unwrap(),
    );
    assert_eq!(first, again);
    assert_eq!(units(&store, &sku, &fc).await, (5, 2, 3));
    assert_eq!(store.release(id).await.unwrap(), Settled::Applied);
    let replayed = store
        .reserve(id, &request(&[(&sku, &fc, 2)]), HOLD)
        .await
        .unwrap();
    assert!(
        matches!(replayed, Reserved::Settled(Status::Released)),
        "{replayed:?}"
    );
    assert_eq!(units(&store, &sku, &fc).await, (5, 0, 5));
    let other = store
        .reserve(id, &request(&[(&sku, &fc, 1)]), HOLD)
        .await
        .unwrap();
    assert!(matches!(other, Reserved::IdTaken), "{other:?}");
}

#[tokio::test]
async fn commit_and_release_replayed_change_nothing_and_never_both_apply() {
    let (_app, store, sku, fc) = stocked(10).await;

    let bought = hold(&store, &[(&sku, &fc, 3)], HOLD).await;
    assert_eq!(store.commit(bought.id).await.unwrap(), Settled::Applied);
    assert_eq!(store.commit(bought.id).await.unwrap(), Settled::AlreadyDone);
    assert_eq!(
        store.release(bought.id).await.unwrap(),
        Settled::Refused(Status::Committed)
    );
    assert_eq!(units(&store, &sku, &fc).await, (7, 0, 7));

    let abandoned = hold(&store, &[(&sku, &fc, 4)], HOLD).await;
    assert_eq!(store.release(abandoned.id).await.unwrap(), Settled::Applied);
    assert_eq!(
        store.release(abandoned.id).await.unwrap(),
        Settled::AlreadyDone
    );
    assert_eq!(
        store.commit(abandoned.id).await.unwrap(),
        Settled::Refused(Status::Released)
    );
    assert_eq!(units(&store, &sku, &fc).await, (7, 0, 7));

    // Racing each other, exactly one of commit and release applies.
    let raced = hold(&store, &[(&sku, &fc, 2)], HOLD).await;
    let (commit, release) = tokio::join!(store.commit(raced.id), store.release(raced.id));
    let applied = [commit.unwrap(), release.unwrap()]
        .into_iter()
        .filter(|s| *s == Settled::Applied)
        .count();
    assert_eq!(applied, 1);
    let (on_hand, reserved, available) = units(&store, &sku, &fc).await;
    assert_eq!(reserved, 0);
    assert!((on_hand, available) == (5, 5) || (on_hand, available) == (7, 7));

    assert_eq!(
        store.commit(ReservationId::generate()).await.unwrap(),
        Settled::NotFound
    );
}

#[tokio::test]
async fn on_hand_never_drops_below_what_reservations_hold() {
    let (_app, store, sku, fc) = stocked(10).await;
    hold(&store, &[(&sku, &fc, 6)], HOLD).await;
    assert_eq!(
        store.set_on_hand(&sku, &fc, 5).await.unwrap(),
        shared::inventory::Counted::BelowReserved(6)
    );
    assert_eq!(
        store.set_on_hand(&sku, &fc, 6).await.unwrap(),
        shared::inventory::Counted::Set
    );
    assert_eq!(units(&store, &sku, &fc).await, (6, 6, 0));
}

/// In code: once a hold's time is up its units count as available and the next reservation
/// takes them, whether or not the TTL has run yet.
#[tokio::test]
async fn an_expired_hold_is_available_again_before_any_ttl_runs() {
    let (_app, store, sku, fc) = stocked(3).await;
    let lapsed = hold(&store, &[(&sku, &fc, 3)], Duration::from_secs(2)).await;
    assert_eq!(store.stock(&sku).await.unwrap().available(), 0);
    tokio::time::sleep(Duration::from_millis(3100)).await;

    assert_eq!(store.stock(&sku).await.unwrap().available(), 3);
    // The stack's TTL sweep may have deleted it meanwhile: either way it cannot be bought.
    let commit = store.commit(lapsed.id).await.unwrap();
    assert!(
        matches!(
            commit,
            Settled::Refused(Status::Expired) | Settled::NotFound
        ),
        "{commit:?}"
    );
    let next = hold(&store, &[(&sku, &fc, 3)], HOLD).await;
    assert_eq!(next.lines()[0].quantity, 3);
    assert_eq!(units(&store, &sku, &fc).await, (3, 3, 0));
    let lapsed = store.reservation(lapsed.id).await.unwrap();
    assert!(
        lapsed.as_ref().is_none_or(|r| r.status == Status::Expired),
        "{lapsed:?}"
    );
}

/// On AWS and locally: DynamoDB's TTL deletes the held reservation, its REMOVE record reaches
/// the expiry consumer through the stream mapping, and the units are for sale again.
#[tokio::test]
async fn an_expired_reservation_returns_its_stock_without_anyone_calling_release() {
    let (app, store, sku, fc) = stocked(4).await;
    app.start_event_sources();
    let lapsed = hold(&store, &[(&sku, &fc, 4)], Duration::from_secs(1)).await;
    assert_eq!(units(&store, &sku, &fc).await, (4, 4, 0));

    let deadline = Instant::now() + Duration::from_secs(60);
    while units(&store, &sku, &fc).await != (4, 0, 4) {
        assert!(
            Instant::now() < deadline,
            "the expired hold was never given back"
        );
        tokio::time::sleep(Duration::from_millis(250)).await;
    }
    assert!(store.reservation(lapsed.id).await.unwrap().is_none());
    assert_eq!(store.release(lapsed.id).await.unwrap(), Settled::NotFound);
    assert_eq!(units(&store, &sku, &fc).await, (4, 0, 4));
}

/// Waits for the stack's TTL sweep to delete the reservation.
async fn deleted_by_ttl(store: &InventoryStore, id: ReservationId) {
    let deadline = Instant::now() + Duration::from_secs(60);
    while store.reservation(id).await.unwrap().is_some() {
        assert!(
            Instant::now() < deadline,
            "the TTL never deleted the reservation"
        );
        tokio::time::sleep(Duration::from_millis(250)).await;
    }
}

/// A stream record is delivered at least once: the removal of one held reservation, handled
/// twice, gives its units back once.
#[tokio::test]
async fn a_replayed_removal_gives_the_units_back_once() {
    let (_app, store, sku, fc) = stocked(2).await;
    let lapsed = hold(&store, &[(&sku, &fc, 2)], Duration::from_secs(1)).await;
    // No event source runs here: the TTL deletes the item and nothing answers its record.
    deleted_by_ttl(&store, lapsed.id).await;
    assert_eq!(units(&store, &sku, &fc).await, (2, 2, 0));

    assert!(store.expire_removed(lapsed.clone()).await.unwrap());
    assert!(!store.expire_removed(lapsed.clone()).await.unwrap());
    assert_eq!(units(&store, &sku, &fc).await, (2, 0, 2));
    let committed = Reservation {
        status: Status::Committed,
        ..lapsed
    };
    assert!(
        !store.expire_removed(committed).await.unwrap(),
        "only a held reservation gives units back"
    );
}

/// The TTL deleted a held reservation and its stream record is not handled yet: the next buyer
/// who needs the units gives them back on the way, and the record, when it comes, finds nothing
/// left to do.
#[tokio::test]
async fn units_of_a_deleted_reservation_go_to_the_next_buyer_before_its_record_is_handled() {
    let (_app, store, sku, fc) = stocked(2).await;
    let lapsed = hold(&store, &[(&sku, &fc, 2)], Duration::from_secs(1)).await;
    // No event source runs here: the TTL deletes the item and nothing answers its record.
    deleted_by_ttl(&store, lapsed.id).await;
    let next = hold(&store, &[(&sku, &fc, 2)], HOLD).await;
    assert_eq!(units(&store, &sku, &fc).await, (2, 2, 0));
    assert!(
        !store.expire_removed(lapsed).await.unwrap(),
        "already given back"
    );
    assert_eq!(units(&store, &sku, &fc).await, (2, 2, 0));
    assert_eq!(store.commit(next.id).await.unwrap(), Settled::Applied);
    assert_eq!(units(&store, &sku, &fc).await, (0, 0, 0));
}
