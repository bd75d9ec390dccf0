//! Writing the catalog table: every write conditional, every multi-item write a transaction.

use super::client::*;
use super::*;

/// Counts a write of a product item (`:zero` and `:one` bound by the caller).
const NEXT_REVISION: &str = "revision = if_not_exists(revision, :zero) + :one";

impl CatalogStore {
    /// Writes a new product with its first offer, and claims its GTIN and SKU, all or nothing.
    #[tracing::instrument(skip_all, fields(product_id = %product.id, sku = %offer.sku))]
    pub async fn create_listing(
        &self,
        product: &Product,
        offer: &Offer,
    ) -> anyhow::Result<ListingOutcome> {
        let table = self.table();
        let (sku_pk, sku_sk) = sku_key(&offer.sku);
        let mut writes = vec![
            put_new(table, item(&ProductItem::new(product))?)?,
            put_new(
                table,
                item(&SkuItem {
                    pk: sku_pk,
                    sk: sku_sk,
                    product_id: product.id,
                    seller_id: offer.seller_id.clone(),
                })?,
            )?,
            put_new(table, item(&offer_item(offer))?)?,
        ];
        if let Some(gtin) = product.gtin() {
            let (pk, sk) = gtin_key(&gtin);
            writes.push(put_new(
                table,
                item(&GtinItem {
                    pk,
                    sk,
                    product_id: product.id,
                })?,
            )?);
        }
        let failed = dynamo::transact(&self.client, writes, "writing a new listing").await?;
        Ok(match failed {
            None => ListingOutcome::Created,
            Some(failed) if failed.get(3) == Some(&true) => ListingOutcome::GtinTaken,
            Some(failed) if failed.get(1) == Some(&true) => ListingOutcome::SkuTaken,
            Some(failed) => anyhow::bail!("a new listing failed conditions {failed:?}"),
        })
    }

    /// Creates the seller's offer, or replaces it when the SKU is already theirs on this product.
    /// A request that loses a race to a concurrent write of the same SKU is answered with the
    /// state that write left: the stored offer when it has the requested terms, else a conflict.
    #[tracing::instrument(skip_all, fields(product_id = %offer.product_id, sku = %offer.sku))]
    pub async fn put_offer(&self, offer: Offer) -> anyhow::Result<OfferWrite> {
        // `None` from the creation: another request claimed the SKU first, so this one carries
        // on as a replacement.
        if self.get::<SkuItem>(sku_key(&offer.sku)).await?.is_none()
            && let Some(outcome) = self.create_offer(&offer).await?
        {
            return Ok(outcome);
        }
        let owner = self
            .get::<SkuItem>(sku_key(&offer.sku))
            .await?
            .context("a claimed SKU vanished")?;
        if owner.seller_id != offer.seller_id {
            return Ok(OfferWrite::OwnedByAnotherSeller);
        }
        if owner.product_id != offer.product_id {
            return Ok(OfferWrite::OnAnotherProduct(owner.product_id));
        }
        let current = self.offer_item(&offer).await?;
        if let Some(saved) = self.save_offer(&current, offer.clone()).await? {
            return Ok(OfferWrite::Updated(saved));
        }
        let now = self.offer_item(&offer).await?.data;
        Ok(if now.same_terms(&offer) {
            OfferWrite::Updated(now)
        } else {
            OfferWrite::ChangedConcurrently
        })
    }

    pub(super) async fn offer_item(&self, offer: &Offer) -> anyhow::Result<OfferItem> {
        self.get::<OfferItem>(offer_key(offer))
            .await?
            .context("a claimed SKU has no offer")
    }

    /// `None` when another writer claimed the SKU first.
    pub(super) async fn create_offer(&self, offer: &Offer) -> anyhow::Result<Option<OfferWrite>> {
        let table = self.table();
        let (sku_pk, sku_sk) = sku_key(&offer.sku);
        let product_exists = ConditionCheck::builder()
            .table_name(table)
            .set_key(Some(key(product_key(offer.product_id))))
            .condition_expression("attribute_exists(pk)")
            .build()
            .context("building a condition check")?;
        let writes = vec![
            TransactWriteItem::builder()
                .condition_check(product_exists)
                .build(),
            put_new(
                table,
                item(&SkuItem {
                    pk: sku_pk,
                    sk: sku_sk,
                    product_id: offer.product_id,
                    seller_id: offer.seller_id.clone(),
                })?,
            )?,
            put_new(table, item(&offer_item(offer))?)?,
        ];
        let failed = dynamo::transact(&self.client, writes, "writing a new offer").await?;
        Ok(match failed {
            None => Some(OfferWrite::Created(offer.clone())),
            Some(failed) if failed.first() == Some(&true) => Some(OfferWrite::ProductMissing),
            // Another request claimed the SKU or wrote the offer first.
            Some(_) => None,
        })
    }

    /// Writes `offer` as the next version of `current`, if no one else wrote it meanwhile.
    pub(super) async fn save_offer(
        &self,
        current: &OfferItem,
        mut offer: Offer,
    ) -> anyhow::Result<Option<Offer>> {
        offer.version = current.version + 1;
        let result = self
            .client
            .put_item()
            .table_name(self.table())
            .set_item(Some(item(&offer_item(&offer))?))
            .condition_expression("version = :seen AND seller = :seller")
            .expression_attribute_values(":seen", AttributeValue::N(current.version.to_string()))
            .expression_attribute_values(":seller", AttributeValue::S(offer.seller_id.to_string()))
            .send()
            .await;
        match result {
            Ok(_) => Ok(Some(offer)),
            Err(error) if is_condition_failure(&error) => Ok(None),
            Err(error) => Err(anyhow::Error::from(error).context("writing an offer")),
        }
    }

    /// The sellers the catalog's SKUs among `skus` belong to.
    pub async fn sellers_of<'s>(
        &self,
        skus: impl IntoIterator<Item = &'s Sku>,
    ) -> anyhow::Result<HashMap<Sku, SellerId>> {
        let keys = skus.into_iter().map(|sku| key(sku_key(sku))).collect();
        let found = dynamo::batch_get(&self.client, self.table(), keys).await?;
        found
            .into_iter()
            .map(|item| sku_owner(item).map(|(sku, owner)| (sku, owner.seller_id)))
            .collect()
    }

    /// The product and seller a SKU belongs to, if the catalog has it.
    pub async fn owner_of(&self, sku: &Sku) -> anyhow::Result<Option<(ProductId, SellerId)>> {
        let owner = self.get::<SkuItem>(sku_key(sku)).await?;
        Ok(owner.map(|owner| (owner.product_id, owner.seller_id)))
    }

    /// Saves `product` if the stored version is still `seen`; `false` when it has moved on. An
    /// update, not a put, so the Buy Box summary on the item survives.
    #[tracing::instrument(skip_all, fields(product_id = %product.id, seen))]
    pub async fn replace_product(&self, product: &Product, seen: u64) -> anyhow::Result<bool> {
        let fresh = item(&ProductItem::new(product))?;
        let mut update = self
            .client
            .update_item()
            .table_name(self.table())
            .set_key(Some(key(product_key(product.id))))
            .condition_expression("version = :seen")
            .expression_attribute_values(":seen", AttributeValue::N(seen.to_string()))
            .expression_attribute_values(":zero", AttributeValue::N("0".into()))
            .expression_attribute_values(":one", AttributeValue::N("1".into()));
        let (mut set, mut remove) = (Vec::new(), Vec::new());
        for name in ["id", "version", "category", "parent", "data"] {
            update = update.expression_attribute_names(format!("#{name}"), name);
            match fresh.get(name) {
                Some(value) => {
                    set.push(format!("#{name} = :{name}"));
                    update = update.expression_attribute_values(format!(":{name}"), value.clone());
                }
                None => remove.push(format!("#{name}")),
            }
        }
        set.push(NEXT_REVISION.to_owned());
        let mut expression = format!("SET {}", set.join(", "));
        if !remove.is_empty() {
            expression.push_str(&format!(" REMOVE {}", remove.join(", ")));
        }
        match update.update_expression(expression).send().await {
            Ok(_) => Ok(true),
            Err(error) if is_condition_failure(&error) => Ok(false),
            Err(error) => Err(anyhow::Error::from(error).context("replacing a product")),
        }
    }

    /// Keeps `summary` on the product unless one computed from newer offers is there already
    /// (`basis`: the sum of the offers' versions it was computed from). `false` when it was not
    /// written: the product is gone or has a newer summary.
    #[tracing::instrument(skip_all, fields(%product_id, basis))]
    pub async fn set_buy_box(
        &self,
        product_id: ProductId,
        summary: &BuyBoxSummary,
        basis: u64,
    ) -> anyhow::Result<bool> {
        let encoded = serde_dynamo::aws_sdk_dynamodb_1::to_attribute_value(summary)
            .context("encoding a Buy Box summary")?;
        let result = self
            .client
            .update_item()
            .table_name(self.table())
            .set_key(Some(key(product_key(product_id))))
            .update_expression(format!(
                "SET buy_box = :summary, buy_box_basis = :basis, {NEXT_REVISION}"
            ))
            .condition_expression(
                "attribute_exists(pk) AND (attribute_not_exists(buy_box_basis) OR buy_box_basis <= :basis)",
            )
            .expression_attribute_values(":summary", encoded)
            .expression_attribute_values(":basis", AttributeValue::N(basis.to_string()))
            .expression_attribute_values(":zero", AttributeValue::N("0".into()))
            .expression_attribute_values(":one", AttributeValue::N("1".into()))
            .send()
            .await;
        dynamo::written(result, "writing a Buy Box summary")
    }

    /// Copies the reviews' rating onto the product, for its page and its search document,
    /// unless a summary of as many changes or more is there already: copies arrive in any
    /// order and more than once. `false` when it was not written.
    #[tracing::instrument(skip(self, rating), fields(changes = rating.changes))]
    pub async fn set_rating(
        &self,
        product_id: ProductId,
        rating: &RatingSummary,
    ) -> anyhow::Result<bool> {
        let encoded = serde_dynamo::aws_sdk_dynamodb_1::to_attribute_value(rating)
            .context("encoding a rating")?;
        let result = self
            .client
            .update_item()
            .table_name(self.table())
            .set_key(Some(key(product_key(product_id))))
            .update_expression(format!(
                "SET rating = :rating, rating_changes = :changes, {NEXT_REVISION}"
            ))
            .condition_expression(
                "attribute_exists(pk) AND (attribute_not_exists(rating_changes) OR rating_changes < :changes)",
            )
            .expression_attribute_values(":rating", encoded)
            .expression_attribute_values(":changes", AttributeValue::N(rating.changes.to_string()))
            .expression_attribute_values(":zero", AttributeValue::N("0".into()))
            .expression_attribute_values(":one", AttributeValue::N("1".into()))
            .send()
            .await;
        dynamo::written(result, "copying a rating")
    }

    /// Records `customer`'s feedback on `feedback.seller_id` for `order`, once per order and
    /// seller, and adds it to the seller's monthly tally in the same transaction (the tally on
    /// condition it is unchanged since read; a lost race reads again).
    #[tracing::instrument(skip(self, feedback), fields(seller_id = %feedback.seller_id))]
    pub async fn rate_seller(
        &self,
        order: OrderId,
        customer: &str,
        feedback: &FeedbackRequest,
    ) -> anyhow::Result<FeedbackOutcome> {
        const TRIES: u32 = 12;
        let seller = &feedback.seller_id;
        let month = crate::catalog::this_month();
        for _ in 0..TRIES {
            let before: RatingItem = self
                .get(seller_rating_key(seller))
                .await?
                .unwrap_or_default();
            let seen = before.version;
            let (pk, sk) = seller_rating_key(seller);
            let after = RatingItem {
                pk,
                sk,
                tally: before.tally.with(&month, feedback),
                version: seen + 1,
            };
            let put = aws_sdk_dynamodb::types::Put::builder()
                .table_name(self.table())
                .set_item(Some(item(&after)?));
            let put = match seen {
                0 => put.condition_expression("attribute_not_exists(pk)"),
                _ => put
                    .condition_expression("version = :seen")
                    .expression_attribute_values(":seen", AttributeValue::N(seen.to_string())),
            };
            let (pk, sk) = feedback_key(seller, order);
            let given = item(&serde_json::json!({
                "pk": pk, "sk": sk, "order_id": order, "customer_id": customer,
                "feedback": feedback, "at": crate::clock::now(),
            }))?;
            let writes = vec![
                put_new(self.table(), given)?,
                TransactWriteItem::builder()
                    .put(put.build().context("building a seller's tally")?)
                    .build(),
            ];
            match dynamo::transact(&self.client, writes, "recording seller feedback").await? {
                None => return Ok(FeedbackOutcome::Recorded(after.tally.rating(&month))),
                Some(failed) if failed.first() == Some(&true) => {
                    return self.feedback_given(order, customer, feedback).await;
                }
                Some(_) => continue,
            }
        }
        anyhow::bail!("seller {seller}'s feedback kept changing while it was recorded")
    }

    /// What feedback on `order`'s seller found there before: the same (a retry) or other.
    async fn feedback_given(
        &self,
        order: OrderId,
        customer: &str,
        feedback: &FeedbackRequest,
    ) -> anyhow::Result<FeedbackOutcome> {
        #[derive(Deserialize)]
        struct Given {
            customer_id: String,
            feedback: FeedbackRequest,
        }
        let seller = &feedback.seller_id;
        let given: Option<Given> = self.get(feedback_key(seller, order)).await?;
        if !given.is_some_and(|g| g.customer_id == customer && g.feedback == *feedback) {
            return Ok(FeedbackOutcome::AlreadyGiven);
        }
        let tally: RatingItem = self
            .get(seller_rating_key(seller))
            .await?
            .unwrap_or_default();
        let month = crate::catalog::this_month();
        Ok(FeedbackOutcome::Replayed(tally.tally.rating(&month)))
    }

    /// Sets a seller's feedback history outright: the demo data's.
    pub async fn set_feedback_tally(
        &self,
        seller: &SellerId,
        tally: FeedbackTally,
    ) -> anyhow::Result<()> {
        let (pk, sk) = seller_rating_key(seller);
        let rating = RatingItem {
            pk,
            sk,
            tally,
            version: 1,
        };
        self.client
            .put_item()
            .table_name(self.table())
            .set_item(Some(item(&rating)?))
            .send()
            .await
            .context("writing a seller's feedback tally")?;
        Ok(())
    }

    /// Sets a seller's price (and shipping) on its offer, as the next version. Reads and writes
    /// again when another write of the offer lands in between, so no change is lost.
    #[tracing::instrument(skip_all, fields(%sku))]
    pub async fn set_price(
        &self,
        seller: &SellerId,
        sku: &Sku,
        pricing: Pricing,
    ) -> anyhow::Result<PriceWrite> {
        const ATTEMPTS: usize = 5;
        let Some(owner) = self.get::<SkuItem>(sku_key(sku)).await? else {
            return Ok(PriceWrite::UnknownSku);
        };
        if &owner.seller_id != seller {
            return Ok(PriceWrite::OwnedByAnotherSeller);
        }
        let key_pair = sku_offer_key(owner.product_id, sku);
        for _ in 0..ATTEMPTS {
            let current = self
                .get::<OfferItem>(key_pair.clone())
                .await?
                .context("a claimed SKU has no offer")?;
            if current.data.currency() != pricing.price().currency {
                return Ok(PriceWrite::OtherCurrency(current.data.currency()));
            }
            let mut offer = current.data.clone();
            offer.pricing = pricing;
            offer.updated_at = crate::clock::now();
            if let Some(saved) = self.save_offer(&current, offer).await? {
                return Ok(PriceWrite::Saved(saved));
            }
        }
        anyhow::bail!("the offer kept changing under {ATTEMPTS} price writes")
    }

    /// Loads listings into an empty table in bulk (demo data, migrations): unconditional
    /// BatchWriteItem, so never for live traffic, where `create_listing` keeps SKUs and GTINs unique.
    /// `summaries`: each product's Buy Box, computed from `offers` and their stock.
    pub async fn import(
        &self,
        products: &[Product],
        offers: &[Offer],
        summaries: &HashMap<ProductId, BuyBoxSummary>,
    ) -> anyhow::Result<()> {
        let mut basis: HashMap<ProductId, u64> = HashMap::new();
        for offer in offers {
            *basis.entry(offer.product_id).or_default() += offer.version;
        }
        let mut items = Vec::with_capacity(products.len() * 2 + offers.len() * 2);
        for product in products {
            let mut listed = ProductItem::new(product);
            listed.buy_box = summaries.get(&product.id).cloned();
            listed.buy_box_basis = listed
                .buy_box
                .as_ref()
                .map(|_| basis.get(&product.id).copied().unwrap_or(0));
            items.push(item(&listed)?);
            if let Some(gtin) = product.gtin() {
                let (pk, sk) = gtin_key(&gtin);
                items.push(item(&GtinItem {
                    pk,
                    sk,
                    product_id: product.id,
                })?);
            }
        }
        for offer in offers {
            let (pk, sk) = sku_key(&offer.sku);
            items.push(item(&SkuItem {
                pk,
                sk,
                product_id: offer.product_id,
                seller_id: offer.seller_id.clone(),
            })?);
            items.push(item(&offer_item(offer))?);
        }
        dynamo::batch_put(&self.client, self.table(), items).await
    }

    pub async fn put_seller(&self, seller: &Seller) -> anyhow::Result<()> {
        let (pk, sk) = seller_key(&seller.id);
        self.client
            .put_item()
            .table_name(self.table())
            .set_item(Some(item(&SellerItem {
                pk,
                sk,
                data: seller.clone(),
            })?))
            .send()
            .await
            .context("writing a seller profile")?;
        Ok(())
    }

    /// Counts `units` of `product_id` sold on `day`, once per `sale` (an order event and the
    /// product): a redelivered event finds its sale counted. A marker item (kept 40 days, past
    /// any redelivery) and the product's sales window are written together, the window only if
    /// the product was not written meanwhile (its revision); a lost race reads again.
    #[tracing::instrument(skip(self))]
    pub async fn record_sale(
        &self,
        sale: &str,
        product_id: ProductId,
        units: u32,
        day: crate::catalog::Day,
    ) -> anyhow::Result<SaleOutcome> {
        // Many orders of one product paid at once race for its item: each round one wins.
        const TRIES: u64 = 12;
        const MARKER_SECS: i64 = 40 * 86_400;
        for attempt in 0..TRIES {
            if attempt > 0 {
                tokio::time::sleep(std::time::Duration::from_millis(10 * attempt)).await;
            }
            let Some(product) = self.get::<ProductItem>(product_key(product_id)).await? else {
                return Ok(SaleOutcome::UnknownProduct);
            };
            let (pk, sk) = sale_key(sale);
            let marker = item(&serde_json::json!({
                "pk": pk, "sk": sk,
                "ttl": crate::clock::Timestamp::now().secs() + MARKER_SECS,
            }))?;
            let sales = serde_dynamo::aws_sdk_dynamodb_1::to_attribute_value(
                product.sales.with(day, units),
            )
            .context("encoding a sales window")?;
            let seen = product.revision;
            let unchanged = if seen == 0 {
                "attribute_not_exists(revision)"
            } else {
                "revision = :seen"
            };
            let mut update = aws_sdk_dynamodb::types::Update::builder()
                .table_name(self.table())
                .set_key(Some(key(product_key(product_id))))
                .update_expression(format!("SET sales = :sales, {NEXT_REVISION}"))
                .condition_expression(unchanged)
                .expression_attribute_values(":sales", sales)
                .expression_attribute_values(":zero", AttributeValue::N("0".into()))
                .expression_attribute_values(":one", AttributeValue::N("1".into()));
            if seen != 0 {
                update = update
                    .expression_attribute_values(":seen", AttributeValue::N(seen.to_string()));
            }
            let writes = vec![
                put_new(self.table(), marker)?,
                TransactWriteItem::builder()
                    .update(update.build().context("building a sales update")?)
                    .build(),
            ];
            match dynamo::transact(&self.client, writes, "counting a sale").await? {
                None => return Ok(SaleOutcome::Counted),
                Some(failed) if failed.first() == Some(&true) => {
                    return Ok(SaleOutcome::AlreadyCounted);
                }
                Some(_) => continue,
            }
        }
        anyhow::bail!("product {product_id} kept changing while counting sale {sale}")
    }
}
