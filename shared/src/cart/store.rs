//! The carts table. One partition per cart, keyed `pk`/`sk`:
//! - `CART#<owner>` / `HEAD`: the applied coupon and `line_count`, which a new line increments
//!   in the same transaction as it is written, only below the limit (so writers adding lines at
//!   once never pass it);
//! - `CART#<owner>` / `LINE#<sku>`: one item per line, so writers of different lines never
//!   collide; units are added in place, only while the line has room.
//!
//! - `BOUGHT#<order>` / `<sku>`: that the order's units of a line were taken out of its cart.
//!
//! Every item carries `ttl`, moved on by each change of the cart: DynamoDB's TTL deletes a cart
//! left alone for its lifetime (30 days; reads drop what has expired but not yet been deleted).
//!
//! Coupons live here too: `COUPON#<code>` / `COUPON`, and `COUPON#<code>` / `USE#<customer>` for
//! a customer's uses (counted by checkout).

use super::{CartOwner, Coupon, CouponCode, LineQuantity, MAX_LINES, StoredCart, StoredLine};
use crate::catalog::Sku;
use crate::config::Source;
use crate::dynamo::{self, Item, decode, is_condition_failure, item, key};
use crate::ids::OrderId;
use crate::money::{Currency, Money};
use anyhow::Context;
use aws_sdk_dynamodb::Client;
use aws_sdk_dynamodb::types::{AttributeValue, Delete, Put, TransactWriteItem, Update};
use serde::{Deserialize, Serialize};
use std::time::{Duration, SystemTime, UNIX_EPOCH};

/// How often a write is tried again after another writer changed the cart under it.
const ATTEMPTS: usize = 8;

#[derive(Serialize, Deserialize)]
struct HeadItem {
    #[serde(default)]
    coupon: Option<CouponCode>,
    #[serde(default)]
    ttl: u64,
}

#[derive(Serialize, Deserialize)]
struct LineItem {
    pk: String,
    sk: String,
    #[serde(flatten)]
    line: StoredLine,
    ttl: u64,
}

#[derive(Serialize, Deserialize)]
struct CouponItem {
    pk: String,
    sk: String,
    #[serde(flatten)]
    coupon: Coupon,
}

/// That an order's units of a line were taken out of its cart.
#[derive(Serialize, Deserialize)]
struct BoughtItem {
    pk: String,
    sk: String,
    ttl: u64,
}

#[derive(Deserialize)]
struct UsesItem {
    uses: u32,
}

#[derive(Serialize)]
struct RedemptionItem {
    pk: String,
    sk: String,
    customer_id: String,
    at: String,
}

/// What redeeming a coupon for an order found.
#[derive(Debug, PartialEq, Eq)]
pub enum Redeemed {
    Redeemed,
    /// This order counted its use before: a replay.
    AlreadyRedeemed,
    /// It has been used as often as it may be, in all or by this customer (or it is gone).
    LimitReached,
}

/// What became of adding to a cart.
#[derive(Debug, PartialEq, Eq)]
pub enum AddOutcome {
    Added,
    /// The line would pass [`LineQuantity::MAX`]: this many more fit.
    LineFull {
        room: u32,
    },
    /// The cart has [`MAX_LINES`] lines already.
    CartFull,
}

pub struct CartStore {
    client: Client,
    table: String,
    /// Coupons' amounts are in it.
    currency: Currency,
}

fn cart_key(owner: &CartOwner) -> String {
    format!("CART#{}", owner.key())
}

fn line_key(owner: &CartOwner, sku: &Sku) -> (String, String) {
    (cart_key(owner), format!("LINE#{sku}"))
}

fn head_key(owner: &CartOwner) -> (String, String) {
    (cart_key(owner), "HEAD".to_owned())
}

fn coupon_key(code: &CouponCode) -> (String, String) {
    (format!("COUPON#{code}"), "COUPON".to_owned())
}

fn epoch_secs(time: SystemTime) -> u64 {
    time.duration_since(UNIX_EPOCH).map_or(0, |d| d.as_secs())
}

fn number(n: impl ToString) -> AttributeValue {
    AttributeValue::N(n.to_string())
}

impl CartStore {
    pub fn new(client: Client, table: String, currency: Currency) -> Self {
        Self {
            client,
            table,
            currency,
        }
    }

    pub fn from_source(sdk: &aws_config::SdkConfig, source: &impl Source) -> anyhow::Result<Self> {
        Ok(Self::new(
            crate::aws::dynamodb(sdk),
            source.required("CARTS_TABLE")?,
            source.parsed("MARKETPLACE_CURRENCY", Currency::USD)?,
        ))
    }

    pub fn currency(&self) -> Currency {
        self.currency
    }

    /// Opens the connection to the table at init with a read of a key no item has.
    pub async fn connect(&self) {
        dynamo::connect(&self.client, &self.table).await;
    }

    /// When a cart changed now expires.
    fn expiry(owner: &CartOwner) -> u64 {
        let lifetime = Duration::from_secs(owner.lifetime_days() * 24 * 60 * 60);
        epoch_secs(SystemTime::now() + lifetime)
    }

    /// The cart, without what has expired; empty when there is none.
    #[tracing::instrument(skip_all)]
    pub async fn cart(&self, owner: &CartOwner) -> anyhow::Result<StoredCart> {
        let items =
            dynamo::partition(&self.client, &self.table, cart_key(owner), "reading a cart").await?;
        let now = epoch_secs(SystemTime::now());
        let mut cart = StoredCart::default();
        for item in items {
            let is_head = matches!(item.get("sk"), Some(AttributeValue::S(sk)) if sk == "HEAD");
            if is_head {
                let head: HeadItem = decode(item)?;
                cart.expired = head.ttl <= now;
                if !cart.expired {
                    cart.coupon = head.coupon;
                }
            } else {
                let line: LineItem = decode(item)?;
                if line.ttl > now {
                    cart.lines.push(line.line);
                }
            }
        }
        Ok(cart)
    }

    /// Adds `quantity` of `sku` at `price` (today's, to flag a later change): onto its line,
    /// or as a new line. Each write is conditional on the limits, never on what was read, so
    /// writers of one cart only retry when they race for the same new line.
    #[tracing::instrument(skip_all, fields(%sku, quantity = quantity.get()))]
    pub async fn add(
        &self,
        owner: &CartOwner,
        sku: &Sku,
        quantity: LineQuantity,
        price: Money,
    ) -> anyhow::Result<AddOutcome> {
        for _ in 0..ATTEMPTS {
            if self.add_units(owner, sku, quantity).await? {
                self.refresh(owner).await?;
                return Ok(AddOutcome::Added);
            }
            let cart = self.cart(owner).await?;
            if cart.expired {
                self.clear_expired(owner).await?;
            } else if let Some(line) = cart.line(sku) {
                let room = LineQuantity::MAX.saturating_sub(line.quantity);
                if quantity.get() > room {
                    return Ok(AddOutcome::LineFull { room });
                }
                continue; // the line had room after all: another writer changed it meanwhile
            }
            match self.add_line(owner, sku, quantity, price).await? {
                None => {
                    self.refresh(owner).await?;
                    return Ok(AddOutcome::Added);
                }
                Some(outcome @ AddOutcome::CartFull) => return Ok(outcome),
                Some(_) => {} // another writer added the line first: add onto it
            }
        }
        anyhow::bail!("the cart kept changing under {ATTEMPTS} attempts to add to it")
    }

    /// Sets a line's quantity; `false` when the cart has no such line.
    #[tracing::instrument(skip_all, fields(%sku, quantity = quantity.get()))]
    pub async fn set_quantity(
        &self,
        owner: &CartOwner,
        sku: &Sku,
        quantity: LineQuantity,
    ) -> anyhow::Result<bool> {
        let written = self
            .update_line(owner, sku, "SET quantity = :units", quantity, None)
            .await?;
        if written {
            self.refresh(owner).await?;
        }
        Ok(written)
    }

    /// Adds units to an existing line with room for them; `false` when there is no such line
    /// or it has no room.
    async fn add_units(
        &self,
        owner: &CartOwner,
        sku: &Sku,
        quantity: LineQuantity,
    ) -> anyhow::Result<bool> {
        let room = LineQuantity::MAX - quantity.get();
        let update = "SET quantity = quantity + :units";
        self.update_line(owner, sku, update, quantity, Some(room))
            .await
    }

    /// Writes a line that exists and has not expired (and, with `room`, holds at most that many).
    async fn update_line(
        &self,
        owner: &CartOwner,
        sku: &Sku,
        update: &str,
        units: LineQuantity,
        room: Option<u32>,
    ) -> anyhow::Result<bool> {
        // A line past its lifetime is gone, whether or not TTL has deleted it yet.
        let mut condition = "attribute_exists(pk) AND #ttl > :now".to_owned();
        let mut request = self
            .client
            .update_item()
            .table_name(&self.table)
            .set_key(Some(key(line_key(owner, sku))))
            .update_expression(update)
            .expression_attribute_names("#ttl", "ttl")
            .expression_attribute_values(":now", number(epoch_secs(SystemTime::now())))
            .expression_attribute_values(":units", number(units.get()));
        if let Some(room) = room {
            condition.push_str(" AND quantity <= :room");
            request = request.expression_attribute_values(":room", number(room));
        }
        let result = request.condition_expression(condition).send().await;
        match result {
            Ok(_) => Ok(true),
            Err(error) if is_condition_failure(&error) => Ok(false),
            Err(error) => Err(anyhow::Error::from(error).context("writing a cart line")),
        }
    }

    /// A new line, counted on the head in the same transaction, below the line limit. `None`
    /// when written; `CartFull`, or `Added` when the line exists already (another writer's).
    async fn add_line(
        &self,
        owner: &CartOwner,
        sku: &Sku,
        quantity: LineQuantity,
        price: Money,
    ) -> anyhow::Result<Option<AddOutcome>> {
        let ttl = Self::expiry(owner);
        let (pk, sk) = line_key(owner, sku);
        let line = LineItem {
            pk,
            sk,
            line: StoredLine {
                sku: sku.clone(),
                quantity: quantity.get(),
                added_price: price,
                added_at: crate::clock::now(),
            },
            ttl,
        };
        let put = Put::builder()
            .table_name(&self.table)
            .set_item(Some(item(&line)?))
            .condition_expression("attribute_not_exists(pk)")
            .build()
            .context("building a cart line put")?;
        let count = Update::builder()
            .table_name(&self.table)
            .set_key(Some(key(head_key(owner))))
            .update_expression(
                "SET line_count = if_not_exists(line_count, :zero) + :one, #ttl = :ttl",
            )
            .condition_expression("attribute_not_exists(line_count) OR line_count < :max")
            .expression_attribute_names("#ttl", "ttl")
            .expression_attribute_values(":zero", number(0))
            .expression_attribute_values(":one", number(1))
            .expression_attribute_values(":max", number(MAX_LINES))
            .expression_attribute_values(":ttl", number(ttl))
            .build()
            .context("building a cart head update")?;
        let writes = vec![
            TransactWriteItem::builder().put(put).build(),
            TransactWriteItem::builder().update(count).build(),
        ];
        let failed = dynamo::transact(&self.client, writes, "adding a cart line").await?;
        Ok(match failed {
            None => None,
            Some(failed) if failed.first() == Some(&true) => Some(AddOutcome::Added),
            Some(_) => Some(AddOutcome::CartFull),
        })
    }

    /// Deletes what is left of a cart whose lifetime passed (TTL deletes it, but late), so a new
    /// cart starts empty. Only items still expired are deleted.
    async fn clear_expired(&self, owner: &CartOwner) -> anyhow::Result<()> {
        let keys = self.cart_keys(owner).await?;
        let now = number(epoch_secs(SystemTime::now()));
        for item_key in keys {
            let result = self
                .client
                .delete_item()
                .table_name(&self.table)
                .set_key(Some(item_key))
                .condition_expression("#ttl <= :now")
                .expression_attribute_names("#ttl", "ttl")
                .expression_attribute_values(":now", now.clone())
                .send()
                .await;
            if let Err(error) = result
                && !is_condition_failure(&error)
            {
                return Err(anyhow::Error::from(error).context("clearing an expired cart"));
            }
        }
        Ok(())
    }

    /// Removes a line, uncounting it on the head; removing one that is not there changes
    /// nothing.
    #[tracing::instrument(skip_all, fields(%sku))]
    pub async fn remove(&self, owner: &CartOwner, sku: &Sku) -> anyhow::Result<()> {
        let delete = Delete::builder()
            .table_name(&self.table)
            .set_key(Some(key(line_key(owner, sku))))
            .condition_expression("attribute_exists(pk)")
            .build()
            .context("building a cart line delete")?;
        if dynamo::transact(
            &self.client,
            self.removal(owner, delete)?,
            "removing a cart line",
        )
        .await?
        .is_none()
        {
            self.refresh(owner).await?;
        }
        Ok(())
    }

    /// Takes what an order bought out of the cart: the line keeps the units added since (the
    /// shopper may add more of it while the saga runs), and goes when none are left. Once per
    /// order and line, whatever the retries.
    #[tracing::instrument(skip_all, fields(%sku, %order))]
    pub async fn take_bought(
        &self,
        owner: &CartOwner,
        order: OrderId,
        sku: &Sku,
        bought: u32,
    ) -> anyhow::Result<()> {
        let done = (format!("BOUGHT#{order}"), sku.to_string());
        for _ in 0..ATTEMPTS {
            let taken: Option<BoughtItem> =
                dynamo::get(&self.client, &self.table, done.clone(), "reading a cart").await?;
            let line: Option<LineItem> = dynamo::get(
                &self.client,
                &self.table,
                line_key(owner, sku),
                "reading a cart",
            )
            .await?;
            let (None, Some(line)) = (taken, line) else {
                return Ok(());
            };
            let held = line.line.quantity;
            let unchanged = ("quantity = :held", number(u64::from(held)));
            let mut writes = if held <= bought {
                let delete = Delete::builder()
                    .table_name(&self.table)
                    .set_key(Some(key(line_key(owner, sku))))
                    .condition_expression(unchanged.0)
                    .expression_attribute_values(":held", unchanged.1)
                    .build()
                    .context("building a cart line delete")?;
                self.removal(owner, delete)?
            } else {
                let update = Update::builder()
                    .table_name(&self.table)
                    .set_key(Some(key(line_key(owner, sku))))
                    .update_expression("SET quantity = quantity - :bought")
                    .condition_expression(unchanged.0)
                    .expression_attribute_values(":held", unchanged.1)
                    .expression_attribute_values(":bought", number(u64::from(bought)))
                    .build()
                    .context("building a cart line update")?;
                vec![TransactWriteItem::builder().update(update).build()]
            };
            let (pk, sk) = done.clone();
            let marker = BoughtItem {
                pk,
                sk,
                ttl: Self::expiry(owner),
            };
            writes.push(dynamo::put_new(&self.table, item(&marker)?)?);
            if dynamo::transact(&self.client, writes, "taking bought units out of a cart")
                .await?
                .is_none()
            {
                return self.refresh(owner).await;
            }
            // The line changed (or another try took the units) since it was read: read again.
        }
        anyhow::bail!("the cart kept changing while order {order}'s units were taken out")
    }

    /// `delete` of a line, with the head's count of lines taken down in the same transaction.
    fn removal(&self, owner: &CartOwner, delete: Delete) -> anyhow::Result<Vec<TransactWriteItem>> {
        let uncount = Update::builder()
            .table_name(&self.table)
            .set_key(Some(key(head_key(owner))))
            .update_expression("SET line_count = line_count - :one")
            .condition_expression("line_count > :zero")
            .expression_attribute_values(":zero", number(0))
            .expression_attribute_values(":one", number(1))
            .build()
            .context("building a cart head update")?;
        Ok(vec![
            TransactWriteItem::builder().delete(delete).build(),
            TransactWriteItem::builder().update(uncount).build(),
        ])
    }

    /// Folds a guest's cart into a customer's: each line's units added (at most up to the line
    /// limit; a line with no room, or none left in the cart, stays out), the guest's coupon
    /// kept when the customer has none; then the guest's cart is gone. Each guest line is
    /// removed as soon as it is merged, so a merge sent again adds nothing twice. Answers the
    /// SKUs that did not fit (wholly or partly).
    #[tracing::instrument(skip_all)]
    pub async fn merge(&self, guest: &CartOwner, customer: &CartOwner) -> anyhow::Result<Vec<Sku>> {
        let from = self.cart(guest).await?;
        let mut left_out = Vec::new();
        for line in &from.lines {
            let into = self.cart(customer).await?;
            let had = into.line(&line.sku).map_or(0, |l| l.quantity);
            let fits = line.quantity.min(LineQuantity::MAX.saturating_sub(had));
            let added = match LineQuantity::new(fits) {
                Some(units) => {
                    self.add(customer, &line.sku, units, line.added_price)
                        .await?
                }
                None => AddOutcome::LineFull { room: 0 },
            };
            if added != AddOutcome::Added || fits < line.quantity {
                left_out.push(line.sku.clone());
            }
            self.remove(guest, &line.sku).await?;
        }
        if let Some(code) = &from.coupon
            && self.cart(customer).await?.coupon.is_none()
        {
            self.set_coupon(customer, Some(code)).await?;
        }
        self.delete_cart(guest).await?;
        Ok(left_out)
    }

    /// The keys of every item of a cart.
    async fn cart_keys(&self, owner: &CartOwner) -> anyhow::Result<Vec<Item>> {
        self.client
            .query()
            .table_name(&self.table)
            .key_condition_expression("pk = :pk")
            .expression_attribute_values(":pk", AttributeValue::S(cart_key(owner)))
            .projection_expression("pk, sk")
            .into_paginator()
            .items()
            .send()
            .collect::<Result<_, _>>()
            .await
            .context("listing a cart's items")
    }

    /// Deletes every item of a cart.
    async fn delete_cart(&self, owner: &CartOwner) -> anyhow::Result<()> {
        let keys = self.cart_keys(owner).await?;
        for item_key in keys {
            self.client
                .delete_item()
                .table_name(&self.table)
                .set_key(Some(item_key))
                .send()
                .await
                .context("deleting a cart")?;
        }
        Ok(())
    }

    /// Puts a coupon on the cart, or takes it off (`None`).
    #[tracing::instrument(skip_all)]
    pub async fn set_coupon(
        &self,
        owner: &CartOwner,
        code: Option<&CouponCode>,
    ) -> anyhow::Result<()> {
        let update = self
            .client
            .update_item()
            .table_name(&self.table)
            .set_key(Some(key(head_key(owner))));
        let update = match code {
            Some(code) => update
                .update_expression("SET coupon = :coupon")
                .expression_attribute_values(":coupon", AttributeValue::S(code.to_string())),
            None => update.update_expression("REMOVE coupon"),
        };
        update.send().await.context("writing a cart's coupon")?;
        self.refresh(owner).await
    }

    /// Moves the expiry of every item of the cart on: the cart lives its lifetime from its last
    /// change. Items deleted meanwhile stay deleted.
    async fn refresh(&self, owner: &CartOwner) -> anyhow::Result<()> {
        let ttl = number(Self::expiry(owner));
        let mut sort_keys = vec!["HEAD".to_owned()];
        let cart = self.cart(owner).await?;
        sort_keys.extend(cart.lines.iter().map(|line| format!("LINE#{}", line.sku)));
        let updates = sort_keys.into_iter().map(|sk| {
            let ttl = ttl.clone();
            async move {
                let result = self
                    .client
                    .update_item()
                    .table_name(&self.table)
                    .set_key(Some(key((cart_key(owner), sk))))
                    .update_expression("SET #ttl = :ttl")
                    .condition_expression("attribute_exists(pk)")
                    .expression_attribute_names("#ttl", "ttl")
                    .expression_attribute_values(":ttl", ttl)
                    .send()
                    .await;
                match result {
                    Err(error) if !is_condition_failure(&error) => {
                        Err(anyhow::Error::from(error).context("moving a cart's expiry on"))
                    }
                    _ => Ok(()),
                }
            }
        });
        futures::future::try_join_all(updates).await?;
        Ok(())
    }

    /// Counts one use of `code` by `customer` for `order`, within the coupon's limits, once per
    /// order: the redemption item, the coupon's count and the customer's count move together.
    #[tracing::instrument(skip(self))]
    pub async fn redeem_coupon(
        &self,
        code: &CouponCode,
        customer: &str,
        order: OrderId,
    ) -> anyhow::Result<Redeemed> {
        let Some((coupon, _)) = self.coupon(code, Some(customer)).await? else {
            return Ok(Redeemed::LimitReached);
        };
        let (pk, _) = coupon_key(code);
        let redemption = item(&RedemptionItem {
            pk: pk.clone(),
            sk: format!("REDEEMED#{order}"),
            customer_id: customer.to_owned(),
            at: crate::clock::now(),
        })?;
        let total = Update::builder()
            .table_name(&self.table)
            .set_key(Some(key(coupon_key(code))))
            .update_expression("ADD uses :one")
            .condition_expression(match coupon.terms.max_uses {
                Some(_) => "attribute_exists(pk) AND uses < :limit",
                None => "attribute_exists(pk)",
            })
            .expression_attribute_values(":one", number(1));
        let total = match coupon.terms.max_uses {
            Some(limit) => total.expression_attribute_values(":limit", number(u64::from(limit))),
            None => total,
        };
        let mine = Update::builder()
            .table_name(&self.table)
            .set_key(Some(key((pk, format!("USE#{customer}")))))
            .update_expression("ADD uses :one")
            .expression_attribute_values(":one", number(1));
        let mine = match coupon.terms.max_uses_per_customer {
            Some(limit) => mine
                .condition_expression("attribute_not_exists(uses) OR uses < :limit")
                .expression_attribute_values(":limit", number(u64::from(limit))),
            None => mine,
        };
        let writes = vec![
            dynamo::put_new(&self.table, redemption)?,
            TransactWriteItem::builder().update(total.build()?).build(),
            TransactWriteItem::builder().update(mine.build()?).build(),
        ];
        Ok(
            match dynamo::transact(&self.client, writes, "redeeming a coupon").await? {
                None => Redeemed::Redeemed,
                Some(failed) if failed.first() == Some(&true) => Redeemed::AlreadyRedeemed,
                Some(_) => Redeemed::LimitReached,
            },
        )
    }

    /// Gives back the use of `code` that `order` counted, if it did and has not given it back.
    #[tracing::instrument(skip(self))]
    pub async fn return_coupon(
        &self,
        code: &CouponCode,
        customer: &str,
        order: OrderId,
    ) -> anyhow::Result<bool> {
        let (pk, _) = coupon_key(code);
        let redemption = Delete::builder()
            .table_name(&self.table)
            .set_key(Some(key((pk.clone(), format!("REDEEMED#{order}")))))
            .condition_expression("attribute_exists(pk)")
            .build()?;
        let uncount = |sk: String| {
            Update::builder()
                .table_name(&self.table)
                .set_key(Some(key((pk.clone(), sk))))
                .update_expression("ADD uses :less")
                .expression_attribute_values(":less", number(-1))
                .build()
        };
        let writes = vec![
            TransactWriteItem::builder().delete(redemption).build(),
            TransactWriteItem::builder()
                .update(uncount("COUPON".to_owned())?)
                .build(),
            TransactWriteItem::builder()
                .update(uncount(format!("USE#{customer}"))?)
                .build(),
        ];
        match dynamo::transact(&self.client, writes, "returning a coupon use").await? {
            None => Ok(true),
            Some(failed) if failed.first() == Some(&true) => Ok(false),
            Some(_) => anyhow::bail!("returning a use of {code}: a count refused"),
        }
    }

    /// Saves a new coupon; `false` when one with its code exists.
    #[tracing::instrument(skip_all, fields(code = %coupon.terms.code))]
    pub async fn create_coupon(&self, coupon: &Coupon) -> anyhow::Result<bool> {
        let (pk, sk) = coupon_key(&coupon.terms.code);
        let result = self
            .client
            .put_item()
            .table_name(&self.table)
            .set_item(Some(item(&CouponItem {
                pk,
                sk,
                coupon: coupon.clone(),
            })?))
            .condition_expression("attribute_not_exists(pk)")
            .send()
            .await;
        match result {
            Ok(_) => Ok(true),
            Err(error) if is_condition_failure(&error) => Ok(false),
            Err(error) => Err(anyhow::Error::from(error).context("writing a coupon")),
        }
    }

    /// The coupon, and how often `customer` has used it (0 for a guest).
    #[tracing::instrument(skip(self))]
    pub async fn coupon(
        &self,
        code: &CouponCode,
        customer: Option<&str>,
    ) -> anyhow::Result<Option<(Coupon, u32)>> {
        let coupon = self.get::<CouponItem>(coupon_key(code));
        let uses = async {
            match customer {
                Some(customer) => {
                    let (pk, _) = coupon_key(code);
                    let uses = self
                        .get::<UsesItem>((pk, format!("USE#{customer}")))
                        .await?;
                    Ok(uses.map_or(0, |item| item.uses))
                }
                None => anyhow::Ok(0),
            }
        };
        let (coupon, uses) = tokio::try_join!(coupon, uses)?;
        Ok(coupon.map(|item| (item.coupon, uses)))
    }

    async fn get<T: for<'de> Deserialize<'de>>(
        &self,
        key_pair: (String, String),
    ) -> anyhow::Result<Option<T>> {
        dynamo::get(
            &self.client,
            &self.table,
            key_pair,
            "reading the carts table",
        )
        .await
    }
}
