//! Reading the catalog table: pages, products, offers and seller ratings.

use super::client::*;
use super::*;

impl CatalogStore {
    #[tracing::instrument(skip(self))]
    pub async fn product(&self, id: ProductId) -> anyhow::Result<Option<Product>> {
        Ok(self
            .get::<ProductItem>(product_key(id))
            .await?
            .map(|item| item.data))
    }

    pub async fn product_id_by_gtin(&self, gtin: &Gtin) -> anyhow::Result<Option<ProductId>> {
        Ok(self
            .get::<GtinItem>(gtin_key(gtin))
            .await?
            .map(|item| item.product_id))
    }

    /// The product and all its offers.
    #[tracing::instrument(skip(self))]
    pub async fn product_page(&self, id: ProductId) -> anyhow::Result<Option<ProductPage>> {
        let (pk, _) = product_key(id);
        let items =
            dynamo::partition(&self.client, self.table(), pk, "querying a product's items").await?;
        let (products, offers): (Vec<_>, Vec<_>) = items.into_iter().partition(
            |item| matches!(item.get("sk"), Some(AttributeValue::S(sk)) if sk == "PRODUCT"),
        );
        let product = products
            .into_iter()
            .next()
            .map(|item| decode::<ProductItem>(item).context("decoding a product"))
            .transpose()?;
        let offers = dynamo::decode_listed::<OfferItem>(offers, "an offer")
            .into_iter()
            .map(|item| item.data)
            .collect();
        Ok(product.map(|item| ProductPage {
            product: item.data,
            offers,
            rating: item.rating,
        }))
    }

    /// The children of a variation family, in id order.
    #[tracing::instrument(skip(self))]
    pub async fn variations(&self, parent: ProductId) -> anyhow::Result<Vec<Product>> {
        Ok(self
            .variation_items(parent)
            .await?
            .into_iter()
            .map(|item| item.data)
            .collect())
    }

    async fn variation_items(&self, parent: ProductId) -> anyhow::Result<Vec<ProductItem>> {
        let items: Vec<Item> = self
            .client
            .query()
            .table_name(self.table())
            .index_name(BY_PARENT)
            .key_condition_expression("parent = :parent")
            .expression_attribute_values(":parent", AttributeValue::S(parent.to_string()))
            .into_paginator()
            .items()
            .send()
            .collect::<Result<_, _>>()
            .await
            .context("querying a product's variations")?;
        Ok(dynamo::decode_listed::<ProductItem>(items, "a variation"))
    }

    /// One page of a category, in id (creation) order, after `cursor`.
    #[tracing::instrument(skip(self))]
    pub async fn browse(
        &self,
        category: &Slug,
        cursor: Option<Cursor>,
        limit: usize,
    ) -> anyhow::Result<BrowsePage> {
        let mut query = self
            .client
            .query()
            .table_name(self.table())
            .index_name(BY_CATEGORY)
            .expression_attribute_values(":category", AttributeValue::S(category.to_string()))
            // One more than asked tells whether another page exists.
            .limit(i32::try_from(limit + 1).context("page size")?);
        query = match cursor {
            Some(Cursor(after)) => query
                .key_condition_expression("category = :category AND id > :after")
                .expression_attribute_values(":after", AttributeValue::S(after.to_string())),
            None => query.key_condition_expression("category = :category"),
        };
        let output = query.send().await.context("querying a category")?;
        let mut items = output.items.unwrap_or_default();
        // The cursor is the last item shown, decodable or not, so a bad item is never re-read.
        let next = if items.len() > limit {
            items.truncate(limit);
            let last = items.last().and_then(|item| item.get("id"));
            let Some(AttributeValue::S(last)) = last else {
                anyhow::bail!("a category item without an id");
            };
            Some(Cursor(last.parse().map_err(anyhow::Error::msg)?))
        } else {
            None
        };
        let products = dynamo::decode_listed::<ProductItem>(items, "a product")
            .into_iter()
            .map(ProductItem::listed)
            .collect();
        Ok(BrowsePage { products, next })
    }

    /// These products as listings show them; unknown ids are absent.
    #[tracing::instrument(skip_all)]
    pub async fn listings(
        &self,
        ids: impl IntoIterator<Item = ProductId>,
    ) -> anyhow::Result<HashMap<ProductId, Listed>> {
        let keys = ids.into_iter().map(|id| key(product_key(id))).collect();
        let items = dynamo::batch_get(&self.client, self.table(), keys).await?;
        Ok(dynamo::decode_listed::<ProductItem>(items, "a product")
            .into_iter()
            .map(|item| (item.data.id, item.listed()))
            .collect())
    }

    /// The offers these SKUs are, each with its product (a cart's lines); unknown SKUs are
    /// absent.
    #[tracing::instrument(skip_all)]
    pub async fn offers_with_products<'s>(
        &self,
        skus: impl IntoIterator<Item = &'s Sku>,
    ) -> anyhow::Result<HashMap<Sku, (Offer, Product)>> {
        let keys = skus.into_iter().map(|sku| key(sku_key(sku))).collect();
        let owners = dynamo::batch_get(&self.client, self.table(), keys).await?;
        let owners: Vec<(Sku, SkuItem)> = owners
            .into_iter()
            .map(sku_owner)
            .collect::<anyhow::Result<_>>()?;
        let products = owners
            .iter()
            .map(|(_, owner)| key(product_key(owner.product_id)));
        let offers = owners
            .iter()
            .map(|(sku, owner)| key(sku_offer_key(owner.product_id, sku)));
        let keys = products.chain(offers).collect();
        let items = dynamo::batch_get(&self.client, self.table(), keys).await?;
        let (products, offers): (Vec<_>, Vec<_>) = items.into_iter().partition(
            |item| matches!(item.get("sk"), Some(AttributeValue::S(sk)) if sk == "PRODUCT"),
        );
        let products: HashMap<ProductId, Product> =
            dynamo::decode_listed::<ProductItem>(products, "a product")
                .into_iter()
                .map(|item| (item.data.id, item.data))
                .collect();
        Ok(dynamo::decode_listed::<OfferItem>(offers, "an offer")
            .into_iter()
            .filter_map(|item| {
                let product = products.get(&item.data.product_id)?.clone();
                Some((item.data.sku.clone(), (item.data, product)))
            })
            .collect())
    }

    /// Whether the table holds no item at all (a fresh local stack, before the demo data).
    pub async fn is_empty(&self) -> anyhow::Result<bool> {
        let page = self
            .client
            .scan()
            .table_name(self.table())
            .limit(1)
            .send()
            .await
            .context("looking into the catalog table")?;
        Ok(page.count == 0 && page.last_evaluated_key.is_none())
    }

    /// The ratings of these sellers over the last twelve months; sellers with no feedback in
    /// them are absent.
    #[tracing::instrument(skip_all)]
    pub async fn seller_ratings(
        &self,
        ids: impl IntoIterator<Item = &SellerId>,
    ) -> anyhow::Result<HashMap<SellerId, SellerRating>> {
        let keys = ids
            .into_iter()
            .map(|id| key(seller_rating_key(id)))
            .collect();
        let items = dynamo::batch_get(&self.client, self.table(), keys).await?;
        let month = crate::catalog::this_month();
        let mut ratings = HashMap::new();
        for item in dynamo::decode_listed::<RatingItem>(items, "a seller's rating") {
            let seller = item.pk.trim_start_matches("SELLER#").parse::<SellerId>();
            if let (Ok(seller), Some(rating)) = (seller, item.tally.rating(&month)) {
                ratings.insert(seller, rating);
            }
        }
        Ok(ratings)
    }

    /// The family `id` belongs to, as it is now: the product read consistently (the parent
    /// instead, for a child), with its children when it is a parent. `None` when it is gone.
    #[tracing::instrument(skip(self))]
    pub async fn family(&self, id: ProductId) -> anyhow::Result<Option<Family>> {
        let Some(head) = self.get::<ProductItem>(product_key(id)).await? else {
            return Ok(None);
        };
        let head = match head.data.variation {
            Variation::Child { parent_id, .. } => {
                match self.get::<ProductItem>(product_key(parent_id)).await? {
                    Some(parent) => parent,
                    None => return Ok(None),
                }
            }
            _ => head,
        };
        self.with_children(head.listed()).await.map(Some)
    }

    async fn with_children(&self, head: Listed) -> anyhow::Result<Family> {
        let children = match head.product.variation {
            Variation::Parent { .. } => self
                .variation_items(head.product.id)
                .await?
                .into_iter()
                .map(ProductItem::listed)
                .collect(),
            _ => Vec::new(),
        };
        Ok(Family { head, children })
    }

    /// Every family of the catalog, a page at a time (see [`FamilyScan`]).
    pub fn families(&self) -> FamilyScan<'_> {
        FamilyScan {
            store: self,
            start: None,
            done: false,
        }
    }
}

/// Walks the families' heads through the `ByCategory` index (which holds only heads), reading
/// each parent's children. Items written during the walk may or may not be seen: whoever needs
/// them all (the search backfill) also takes the stream's changes.
pub struct FamilyScan<'s> {
    store: &'s CatalogStore,
    start: Option<Item>,
    done: bool,
}

impl FamilyScan<'_> {
    /// The next page of families, `None` after the last.
    pub async fn next_page(&mut self) -> anyhow::Result<Option<Vec<Family>>> {
        if self.done {
            return Ok(None);
        }
        let output = self
            .store
            .client
            .scan()
            .table_name(self.store.table())
            .index_name(BY_CATEGORY)
            .set_exclusive_start_key(self.start.take())
            .send()
            .await
            .context("scanning the catalog's products")?;
        self.start = output.last_evaluated_key;
        self.done = self.start.is_none();
        let heads =
            dynamo::decode_listed::<ProductItem>(output.items.unwrap_or_default(), "a product");
        let mut families = Vec::with_capacity(heads.len());
        for head in heads {
            families.push(self.store.with_children(head.listed()).await?);
        }
        Ok(Some(families))
    }
}
