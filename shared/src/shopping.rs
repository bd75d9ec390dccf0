//! A shopper's cart with the catalog and stock it is priced from: what every cart route reads
//! and answers with.

use crate::cart::{
    CartOwner, CartStore, CartTokens, CartView, CouponCode, Sold, StoredCart, StoredLine,
};
use crate::catalog::{Offer, OfferStatus, Sku};
use crate::clock::Timestamp;
use crate::config::Source;
use crate::money::Money;
use crate::orders::BuyNow;
use crate::storefront::Storefront;

pub struct Shop {
    pub storefront: Storefront,
    pub carts: CartStore,
    /// Guests' cart tokens.
    pub tokens: CartTokens,
}

/// Why an offer cannot go into a cart.
#[derive(Debug, PartialEq, Eq)]
pub enum NotForSale {
    Unknown,
    Withdrawn,
    OtherCurrency,
    OutOfStock,
}

impl Shop {
    pub fn from_source(sdk: &aws_config::SdkConfig, source: &impl Source) -> anyhow::Result<Self> {
        Ok(Self {
            storefront: Storefront::from_source(sdk, source)?,
            carts: CartStore::from_source(sdk, source)?,
            tokens: CartTokens::from_source(sdk, source)?,
        })
    }

    /// Opens the three tables' connections at init: every cart route reads all of them.
    pub async fn connect(&self) {
        tokio::join!(self.storefront.connect(), self.carts.connect());
    }

    /// The cart as the shopper sees it now.
    pub async fn view(&self, owner: &CartOwner) -> anyhow::Result<CartView> {
        self.view_with(owner, None).await
    }

    /// The cart as it would be with `coupon` on it instead of the one it has (if any).
    #[tracing::instrument(skip_all)]
    pub async fn view_with(
        &self,
        owner: &CartOwner,
        coupon: Option<&CouponCode>,
    ) -> anyhow::Result<CartView> {
        let mut cart = self.carts.cart(owner).await?;
        if let Some(code) = coupon {
            cart.coupon = Some(code.clone());
        }
        // Boxed: the view's future nests deep enough to pass the compiler's layout limit.
        Box::pin(self.view_of(owner, &cart)).await
    }

    /// A one-click order's SKU priced as a cart of its own (no coupon), as checkout takes it.
    pub async fn buy_now_view(&self, owner: &CartOwner, item: &BuyNow) -> anyhow::Result<CartView> {
        let line = StoredLine {
            sku: item.sku.clone(),
            quantity: item.quantity.get(),
            added_price: Money::of(0, self.storefront.catalog.currency()),
            added_at: crate::clock::now(),
        };
        let cart = StoredCart {
            lines: vec![line],
            ..StoredCart::default()
        };
        // Boxed: the view's future nests deep enough to pass the compiler's layout limit.
        Box::pin(self.view_of(owner, &cart)).await
    }

    async fn view_of(&self, owner: &CartOwner, cart: &StoredCart) -> anyhow::Result<CartView> {
        let skus = || cart.lines.iter().map(|line| &line.sku);
        let catalog = &self.storefront.catalog;
        let coupon = async {
            match &cart.coupon {
                Some(code) => self.carts.coupon(code, owner.customer()).await,
                None => Ok(None),
            }
        };
        let (sold, available, coupon) = tokio::try_join!(
            catalog.offers_with_products(skus()),
            self.storefront.inventory.available(skus()),
            coupon,
        )?;
        let sold = sold
            .into_iter()
            .map(|(sku, (offer, product))| {
                let sold = Sold {
                    offer,
                    title: product.title.into(),
                    category_path: product.category_path,
                };
                (sku, sold)
            })
            .collect();
        let applied = cart.coupon.as_ref().map(|code| {
            let uses = coupon.as_ref().map_or(0, |(_, uses)| *uses);
            (code, coupon.as_ref().map(|(coupon, _)| coupon), uses)
        });
        let currency = catalog.currency();
        Ok(CartView::of(
            cart,
            &sold,
            &available,
            applied,
            currency,
            Timestamp::now(),
        ))
    }

    /// The offer a shopper may add to a cart: on sale, in the marketplace currency, in stock.
    pub async fn offer_for_cart(&self, sku: &Sku) -> anyhow::Result<Result<Offer, NotForSale>> {
        let catalog = &self.storefront.catalog;
        let (found, available) = tokio::try_join!(
            catalog.offers_with_products([sku]),
            self.storefront.inventory.available([sku]),
        )?;
        let Some((offer, _)) = found.into_values().next() else {
            return Ok(Err(NotForSale::Unknown));
        };
        Ok(if offer.status != OfferStatus::Active {
            Err(NotForSale::Withdrawn)
        } else if offer.currency() != catalog.currency() {
            Err(NotForSale::OtherCurrency)
        } else if available.get(sku).copied().unwrap_or(0) == 0 {
            Err(NotForSale::OutOfStock)
        } else {
            Ok(offer)
        })
    }
}
