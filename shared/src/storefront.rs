//! The catalog and its stock together, for the functions that need both (a product page, a
//! seller's stock feed). The two areas stay apart and meet here, at the function's edge.

use crate::catalog::CatalogStore;
use crate::config::Source;
use crate::inventory::InventoryStore;

pub struct Storefront {
    pub catalog: CatalogStore,
    pub inventory: InventoryStore,
}

impl Storefront {
    /// Both stores, configured from the function's environment.
    pub fn from_source(sdk: &aws_config::SdkConfig, source: &impl Source) -> anyhow::Result<Self> {
        Ok(Self {
            catalog: CatalogStore::from_source(sdk, source)?,
            inventory: InventoryStore::from_source(sdk, source)?,
        })
    }

    /// Opens both tables' connections at init: every request reads both.
    pub async fn connect(&self) {
        tokio::join!(self.catalog.connect(), self.inventory.connect());
    }
}
