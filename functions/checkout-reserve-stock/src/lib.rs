//! Checkout step: holds every line's units (all or none) under the order's own reservation id,
//! from the locations with the most units (a same-day order's from its local center alone).
//! A retried step finds its reservation and answers with it: the stock it would allocate now
//! has moved by the units the first try holds.

use shared::checkout::{HOLD, Saga, allocate, rejected};
use shared::events::StepError;
use shared::inventory::{ReservationLine, Reserved, Status};
use shared::orders::Failure;

/// What the handler needs, built once per process.
pub use shared::inventory::InventoryStore as Deps;

#[tracing::instrument(skip_all, fields(order_id = %saga.order_id))]
pub async fn handle(store: &Deps, saga: Saga) -> Result<Vec<ReservationLine>, StepError> {
    let priced = saga.priced()?;
    if let Some(held) = store.reservation(saga.reservation_id()).await? {
        return match held.status {
            Status::Held | Status::Committed => Ok(held.lines()),
            settled => Err(anyhow::anyhow!("the order's reservation is {settled:?}").into()),
        };
    }
    let mut available = store
        .available_by_location(priced.lines.iter().map(|line| &line.sku))
        .await?;
    // Same-day ships everything from the shopper's local fulfillment center.
    if let Some(center) = &saga.shipping()?.ship_from {
        for here in available.values_mut() {
            here.retain(|(location, _)| location == center);
        }
    }
    let request = allocate(&priced.lines, &available).map_err(|failure| rejected(&failure))?;
    match store.reserve(saga.reservation_id(), &request, HOLD).await? {
        Reserved::Held(reservation) => Ok(reservation.lines()),
        Reserved::Short(short) => {
            let skus = short.into_iter().map(|s| s.sku).collect();
            Err(rejected(&Failure::OutOfStock { skus }))
        }
        other => Err(anyhow::anyhow!("the order's reservation is {other:?}").into()),
    }
}
