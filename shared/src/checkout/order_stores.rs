//! The stores the steps that place or fail an order write together: the order, and its coupon
//! use (counted when it is placed, given back when it fails).

use crate::cart::CartStore;
use crate::config::Source;
use crate::orders::OrdersStore;

pub struct OrderStores {
    pub orders: OrdersStore,
    pub carts: CartStore,
}

impl OrderStores {
    pub fn from_source(sdk: &aws_config::SdkConfig, source: &impl Source) -> anyhow::Result<Self> {
        Ok(Self {
            orders: OrdersStore::from_source(sdk, source)?,
            carts: CartStore::from_source(sdk, source)?,
        })
    }

    pub async fn connect(&self) {
        tokio::join!(self.orders.connect(), self.carts.connect());
    }
}
