//! Checkout step: the order takes its held units (the reservation is committed) and is
//! confirmed, split into parcels. Both are idempotent, so a retry after a crash between them
//! finishes the job.

use shared::checkout::{Saga, rejected};
use shared::config::Source;
use shared::events::StepError;
use shared::inventory::InventoryStore;
use shared::orders::OrdersStore;

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
    shared::checkout::confirm(&deps.inventory, &deps.orders, &saga)
        .await?
        .map_err(|failure| rejected(&failure))
}
