//! The saga's confirmation: the order takes its held units and is confirmed with the parcels
//! they make (one per location and seller). Both writes are idempotent, so a retry after a
//! crash between them finishes the job.

use super::Saga;
use super::split;
use crate::inventory::{InventoryStore, Settled};
use crate::orders::{Failure, OrdersStore, Transition};
use anyhow::{Context, bail};

/// `Err` with the shopper's reason when the hold ran out (or was given back) first: the units
/// may be sold.
pub async fn confirm(
    inventory: &InventoryStore,
    orders: &OrdersStore,
    saga: &Saga,
) -> anyhow::Result<Result<(), Failure>> {
    let (order, priced) = (saga.order_id, saga.priced()?);
    let reservation = saga.reservation_id();
    match inventory.commit(reservation).await? {
        Settled::Applied | Settled::AlreadyDone => {}
        other => {
            tracing::warn!(?other, "the reservation could not be committed");
            let skus = priced.lines.iter().map(|l| l.sku.clone()).collect();
            return Ok(Err(Failure::OutOfStock { skus }));
        }
    }
    let held = inventory
        .reservation(reservation)
        .await?
        .context("a committed reservation that is gone")?;
    let shipments = split(saga, &held.lines(), std::time::SystemTime::now())?;
    match orders.confirm(order, &shipments).await? {
        Transition::Moved | Transition::Already => Ok(Ok(())),
        other => bail!("order {order} cannot be confirmed: {other:?}"),
    }
}
