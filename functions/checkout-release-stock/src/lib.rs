//! Checkout compensation: the order's held units are for sale again. A reservation never made,
//! or already released or expired, is a success; replays change nothing.

use shared::checkout::Saga;
use shared::events::StepError;
use shared::inventory::{Settled, Status};

/// What the handler needs, built once per process.
pub use shared::inventory::InventoryStore as Deps;

#[tracing::instrument(skip_all, fields(order_id = %saga.order_id))]
pub async fn handle(store: &Deps, saga: Saga) -> Result<(), StepError> {
    match store.release(saga.reservation_id()).await? {
        Settled::Applied | Settled::AlreadyDone | Settled::NotFound => Ok(()),
        Settled::Refused(Status::Released | Status::Expired) => Ok(()),
        // Only a confirmed order commits; a confirmed order is not compensated.
        Settled::Refused(status) => {
            Err(anyhow::anyhow!("releasing a reservation that is {status:?}").into())
        }
    }
}
