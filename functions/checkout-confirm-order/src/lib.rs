//! Checkout step 6: the order takes its held units (the reservation is committed) and is
//! confirmed. Both are idempotent, so a retry after a crash between them finishes the job.

use shared::checkout::{Saga, rejected};
use shared::config::Source;
use shared::events::StepError;
use shared::inventory::{InventoryStore, Settled};
use shared::orders::{Failure, OrdersStore, Transition};

/// What the handler needs, built once per process: stock and orders.
pub struct Deps {
    inventory: InventoryStore,
    orders: OrdersStore,
}

impl Deps {
    pub fn from_source(sdk: &aws_config::SdkConfig, source: &impl Source) -> anyhow::Result<Self> {
        Ok(Self {
            inventory: InventoryStore::from_source(sdk, source)?,
            orders: OrdersStore::from_source(sdk, source)?,
        })
    }

    pub async fn connect(&self) {
        tokio::join!(self.inventory.connect(), self.orders.connect());
    }
}

#[tracing::instrument(skip_all, fields(order_id = %saga.order_id))]
pub async fn handle(deps: &Deps, saga: Saga) -> Result<(), StepError> {
    match deps.inventory.commit(saga.reservation_id()).await? {
        Settled::Applied | Settled::AlreadyDone => {}
        // The hold ran out (or was given back) before the order took it: the units may be sold.
        other => {
            tracing::warn!(?other, "the reservation could not be committed");
            let skus = saga.priced()?.lines.iter().map(|l| l.sku.clone()).collect();
            return Err(rejected(&Failure::OutOfStock { skus }));
        }
    }
    match deps.orders.confirm(saga.order_id).await? {
        Transition::Moved | Transition::Already => Ok(()),
        other => Err(anyhow::anyhow!("the order cannot be confirmed: {other:?}").into()),
    }
}
