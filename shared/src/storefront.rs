//! The catalog and its stock together, for the functions that need both (a product page, a
//! seller's stock feed). The two areas stay apart and meet here, at the function's edge.

use crate::catalog::{
    BuyBoxSummary, CatalogStore, Offer, ProductId, SellerId, SellerRating, Sku, buy_box,
};
use crate::config::Source;
use crate::inventory::InventoryStore;
use std::collections::HashMap;

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

    /// The offers' sellers' ratings and the units each offer has for sale, read together.
    pub async fn offer_facts(
        &self,
        offers: &[Offer],
    ) -> anyhow::Result<(HashMap<SellerId, SellerRating>, HashMap<Sku, u32>)> {
        let ratings = self
            .catalog
            .seller_ratings(offers.iter().map(|offer| &offer.seller_id));
        let available = self
            .inventory
            .available(offers.iter().map(|offer| &offer.sku));
        tokio::try_join!(ratings, available)
    }

    /// Works the product's Buy Box out afresh from its offers and their stock, and keeps the
    /// summary on the product for listings. `None` when there is no such product.
    #[tracing::instrument(skip(self))]
    pub async fn refresh_buy_box(&self, id: ProductId) -> anyhow::Result<Option<BuyBoxSummary>> {
        let Some(page) = self.catalog.product_page(id).await? else {
            return Ok(None);
        };
        let basis = page.offers_basis();
        let (ratings, available) = self.offer_facts(&page.offers).await?;
        let chosen = buy_box::choose(page.offers, &ratings, &available, self.catalog.currency());
        let summary = BuyBoxSummary::of(&chosen, &available);
        if !self.catalog.set_buy_box(id, &summary, basis).await? {
            tracing::info!(%id, basis, "a newer Buy Box summary is kept");
        }
        Ok(Some(summary))
    }
}
