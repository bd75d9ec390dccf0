//! An order's record, money and stock together, for the consumers that give money and stock
//! back (a cancelled order, a received return). The areas stay apart and meet here, at the
//! function's edge.

use crate::config::Source;
use crate::inventory::InventoryStore;
use crate::orders::OrdersStore;
use crate::payments::PaymentsStore;

pub struct Settlement {
    pub orders: OrdersStore,
    pub payments: PaymentsStore,
    pub inventory: InventoryStore,
}

impl Settlement {
    pub fn from_source(sdk: &aws_config::SdkConfig, source: &impl Source) -> anyhow::Result<Self> {
        Ok(Self {
            orders: OrdersStore::from_source(sdk, source)?,
            payments: PaymentsStore::from_source(sdk, source)?,
            inventory: InventoryStore::from_source(sdk, source)?,
        })
    }

    /// Opens the three tables' connections at init: every settlement uses them all.
    pub async fn connect(&self) {
        tokio::join!(
            self.orders.connect(),
            self.payments.connect(),
            self.inventory.connect()
        );
    }
}
