//! The orders table:
//! - `ORDER#<id>` / `ORDER`: the order (its `customer_id` and `created_at` feed the `ByCustomer`
//!   index of a shopper's history);
//! - `ORDER#<id>` / `SHIPMENT#<n>`: its parcels, from confirmation on (shipments.rs);
//! - `ORDER#<id>` / `EVENT#<name>[#<shipment>]`: the outbox, one item per event, written in the
//!   same transaction as the change it reports and only once: the table's stream is what
//!   publishes them;
//! - `CHECKOUT#<customer>#<idempotency key>` / `CHECKOUT`: which order a checkout request
//!   started, and a digest of its body, so a replay finds it and a reused key is told apart.

mod returns;
mod screening;
mod shipments;

pub use returns::{Opened, ReturnsAsked, ReturnsPage};

use super::events::{EVENT_KIND, OrderEvent};
use super::{Failure, IdempotencyKey, Order, OrderId, OrderStatus, Priced, Screening, Shipment};
use crate::clock;
use crate::config::Source;
use crate::dynamo::{self, item, key, put_new};
use anyhow::{Context, bail};
use aws_sdk_dynamodb::Client;
use aws_sdk_dynamodb::types::{AttributeValue, TransactWriteItem, Update};
use serde::{Deserialize, Serialize};

#[derive(Serialize, Deserialize)]
struct OrderItem {
    pk: String,
    sk: String,
    #[serde(flatten)]
    order: Order,
}

#[derive(Serialize, Deserialize)]
struct CheckoutItem {
    pk: String,
    sk: String,
    order_id: OrderId,
    request_digest: String,
}

#[derive(Serialize)]
struct EventItem {
    pk: String,
    sk: String,
    kind: &'static str,
    #[serde(flatten)]
    event: OrderEvent,
}

/// What starting a checkout found.
#[derive(Debug, PartialEq, Eq)]
pub enum Started {
    New,
    /// The same request was made before: this is its order.
    Replay(OrderId),
    /// The key was used for another request.
    KeyReused,
}

/// What a status change (of an order, or of a parcel) found.
#[derive(Debug, PartialEq, Eq)]
pub enum Transition<Status = OrderStatus> {
    Moved,
    /// It was in the wanted status already, or past it: a replay.
    Already,
    /// It is in a status it may not leave for the wanted one.
    Refused(Status),
    NotFound,
}

/// The index of a customer's orders by creation time.
const BY_CUSTOMER: &str = "ByCustomer";

/// The sparse index of orders held for review (only they carry `review_queue`), oldest first.
const BY_REVIEW: &str = "ByReview";
const REVIEW_QUEUE: &str = "held";

/// An order held for review, as the admins see it.
#[derive(Debug, Serialize, Deserialize, utoipa::ToSchema)]
pub struct HeldOrder {
    #[serde(flatten)]
    pub order: Order,
    #[serde(default)]
    pub screening: Screening,
    #[serde(default)]
    pub held_at: String,
    /// The saga's token, which only the release and reject routes use.
    #[serde(default, skip_serializing)]
    #[schema(ignore)]
    pub task_token: String,
}

pub struct OrdersStore {
    client: Client,
    table: String,
}

fn order_key(id: OrderId) -> (String, String) {
    (format!("ORDER#{id}"), "ORDER".to_owned())
}

fn checkout_key(customer: &str, idempotency_key: &IdempotencyKey) -> (String, String) {
    (
        format!("CHECKOUT#{customer}#{idempotency_key}"),
        "CHECKOUT".to_owned(),
    )
}

/// A value as the order item holds it.
fn value<T: Serialize>(value: &T) -> anyhow::Result<AttributeValue> {
    serde_dynamo::to_attribute_value(value).context("encoding an order attribute")
}

impl OrdersStore {
    pub fn new(client: Client, table: String) -> Self {
        Self { client, table }
    }

    pub fn from_source(sdk: &aws_config::SdkConfig, source: &impl Source) -> anyhow::Result<Self> {
        Ok(Self::new(
            crate::aws::dynamodb(sdk),
            source.required("ORDERS_TABLE")?,
        ))
    }

    pub async fn connect(&self) {
        dynamo::connect(&self.client, &self.table).await;
    }

    pub async fn order(&self, id: OrderId) -> anyhow::Result<Option<Order>> {
        let found: Option<OrderItem> =
            dynamo::get(&self.client, &self.table, order_key(id), "reading an order").await?;
        Ok(found.map(|item| item.order))
    }

    /// One page of `customer`'s orders, newest first: those after `after` (the last order of
    /// the page before, which must be theirs: `None` when it is not), and the last of this page
    /// when there are more.
    #[tracing::instrument(skip(self))]
    pub async fn history(
        &self,
        customer: &str,
        after: Option<OrderId>,
        limit: usize,
    ) -> anyhow::Result<Option<(Vec<Order>, Option<OrderId>)>> {
        let mut query = self
            .client
            .query()
            .table_name(&self.table)
            .index_name(BY_CUSTOMER)
            .key_condition_expression("customer_id = :customer")
            .expression_attribute_values(":customer", AttributeValue::S(customer.to_owned()))
            .scan_index_forward(false)
            // One more than asked tells whether another page exists.
            .limit(i32::try_from(limit + 1).context("page size")?);
        if let Some(after) = after {
            let Some(last) = self
                .order(after)
                .await?
                .filter(|o| o.customer_id == customer)
            else {
                return Ok(None);
            };
            let mut start = key(order_key(after));
            start.insert(
                "customer_id".to_owned(),
                AttributeValue::S(last.customer_id),
            );
            start.insert("created_at".to_owned(), AttributeValue::S(last.created_at));
            query = query.set_exclusive_start_key(Some(start));
        }
        let output = query.send().await.context("querying a customer's orders")?;
        let mut items = output.items.unwrap_or_default();
        let more = items.len() > limit;
        items.truncate(limit);
        let orders: Vec<Order> = dynamo::decode_listed::<OrderItem>(items, "an order")
            .into_iter()
            .map(|item| item.order)
            .collect();
        let next = more.then(|| orders.last().map(|order| order.id)).flatten();
        Ok(Some((orders, next)))
    }

    /// Records a new order, `processing`, under the request's idempotency key, in one
    /// transaction: a key seen before starts nothing.
    #[tracing::instrument(skip_all, fields(order_id = %order.id))]
    pub async fn start(
        &self,
        order: &Order,
        idempotency_key: &IdempotencyKey,
        request_digest: &str,
    ) -> anyhow::Result<Started> {
        let (pk, sk) = checkout_key(&order.customer_id, idempotency_key);
        let checkout = CheckoutItem {
            pk,
            sk,
            order_id: order.id,
            request_digest: request_digest.to_owned(),
        };
        let (pk, sk) = order_key(order.id);
        let record = OrderItem {
            pk,
            sk,
            order: order.clone(),
        };
        let writes = vec![
            put_new(&self.table, item(&checkout)?)?,
            put_new(&self.table, item(&record)?)?,
        ];
        if dynamo::transact(&self.client, writes, "starting an order")
            .await?
            .is_none()
        {
            return Ok(Started::New);
        }
        match self
            .key_use(&order.customer_id, idempotency_key, request_digest)
            .await?
        {
            Started::New => anyhow::bail!("a checkout whose key is taken but absent"),
            used => Ok(used),
        }
    }

    /// What `customer`'s key was used for, if anything: the order of the same request, or
    /// another request's.
    pub async fn key_use(
        &self,
        customer: &str,
        idempotency_key: &IdempotencyKey,
        request_digest: &str,
    ) -> anyhow::Result<Started> {
        let first: Option<CheckoutItem> = dynamo::get(
            &self.client,
            &self.table,
            checkout_key(customer, idempotency_key),
            "reading a checkout",
        )
        .await?;
        Ok(match first {
            None => Started::New,
            Some(first) if first.request_digest == request_digest => {
                Started::Replay(first.order_id)
            }
            Some(_) => Started::KeyReused,
        })
    }

    /// `processing` → `held` for an admin's review: in the review queue, with the screening
    /// that held it and the saga's task token that the admin's decision answers.
    pub async fn hold(
        &self,
        id: OrderId,
        screening: &Screening,
        task_token: &str,
    ) -> anyhow::Result<Transition> {
        let now = AttributeValue::S(clock::now());
        let token = AttributeValue::S(task_token.to_owned());
        let held = self
            .transition(
                id,
                &[OrderStatus::Processing],
                OrderStatus::Held,
                vec![
                    ("screening", value(screening)?),
                    ("task_token", token.clone()),
                    ("review_queue", AttributeValue::S(REVIEW_QUEUE.to_owned())),
                    ("held_at", now),
                ],
                "OrderHeld",
                vec![],
                None,
            )
            .await?;
        if held == Transition::Already {
            // A retried task waits under a new token: the admin's decision must answer that one.
            let updated = self
                .client
                .update_item()
                .table_name(&self.table)
                .set_key(Some(key(order_key(id))))
                .update_expression("SET task_token = :token")
                .condition_expression("#status = :held")
                .expression_attribute_names("#status", "status")
                .expression_attribute_values(":token", token)
                .expression_attribute_values(":held", value(&OrderStatus::Held)?)
                .send()
                .await;
            if let Err(error) = updated
                && !dynamo::is_condition_failure(&error)
            {
                return Err(anyhow::Error::from(error).context("renewing a held order's token"));
            }
        }
        Ok(held)
    }

    /// `held` → `processing`: an admin released it and the saga goes on.
    pub async fn release(&self, id: OrderId) -> anyhow::Result<Transition> {
        self.transition(
            id,
            &[OrderStatus::Held],
            OrderStatus::Processing,
            vec![],
            "OrderReleased",
            vec![],
            None,
        )
        .await
    }

    /// The held order with its screening and the task token the saga waits on.
    pub async fn held(&self, id: OrderId) -> anyhow::Result<Option<HeldOrder>> {
        dynamo::get(&self.client, &self.table, order_key(id), "reading an order").await
    }

    /// One page of the orders held for review, oldest first, after `after` (which must be one
    /// of them: `None` when it is not).
    pub async fn review_queue(
        &self,
        after: Option<OrderId>,
        limit: usize,
    ) -> anyhow::Result<Option<(Vec<HeldOrder>, Option<OrderId>)>> {
        let mut query = self
            .client
            .query()
            .table_name(&self.table)
            .index_name(BY_REVIEW)
            .key_condition_expression("review_queue = :queue")
            .expression_attribute_values(":queue", AttributeValue::S(REVIEW_QUEUE.to_owned()))
            .limit(i32::try_from(limit + 1).context("page size")?);
        if let Some(after) = after {
            let Some(last) = self
                .held(after)
                .await?
                .filter(|o| o.order.status == OrderStatus::Held)
            else {
                return Ok(None);
            };
            let mut start = key(order_key(after));
            start.insert(
                "review_queue".to_owned(),
                AttributeValue::S(REVIEW_QUEUE.to_owned()),
            );
            start.insert("held_at".to_owned(), AttributeValue::S(last.held_at));
            query = query.set_exclusive_start_key(Some(start));
        }
        let output = query.send().await.context("querying the review queue")?;
        let mut items = output.items.unwrap_or_default();
        let more = items.len() > limit;
        items.truncate(limit);
        let held: Vec<HeldOrder> = dynamo::decode_listed(items, "a held order");
        let next = more.then(|| held.last().map(|h| h.order.id)).flatten();
        Ok(Some((held, next)))
    }

    /// `processing` → `pending`, with the cart as checkout priced it.
    pub async fn place(&self, id: OrderId, priced: &Priced) -> anyhow::Result<Transition> {
        self.transition(
            id,
            &[OrderStatus::Processing],
            OrderStatus::Pending,
            vec![("priced", value(priced)?)],
            "OrderPlaced",
            vec![],
            Some(priced),
        )
        .await
    }

    /// `pending` → `confirmed`: stock taken, money captured; its parcels are written with it.
    pub async fn confirm(&self, id: OrderId, shipments: &[Shipment]) -> anyhow::Result<Transition> {
        let now = AttributeValue::S(clock::now());
        let parcels = shipments
            .iter()
            .map(|shipment| put_new(&self.table, item(&self.shipment_item(shipment))?))
            .collect::<anyhow::Result<_>>()?;
        self.transition(
            id,
            &[OrderStatus::Pending],
            OrderStatus::Confirmed,
            vec![("paid_at", now)],
            "OrderPaid",
            parcels,
            None,
        )
        .await
    }

    /// `processing`, `held` or `pending` → `failed`, with the reason the shopper is told.
    pub async fn fail(&self, id: OrderId, failure: &Failure) -> anyhow::Result<Transition> {
        let from = [
            OrderStatus::Processing,
            OrderStatus::Held,
            OrderStatus::Pending,
        ];
        self.transition(
            id,
            &from,
            OrderStatus::Failed,
            vec![("failure", value(failure)?)],
            "OrderFailed",
            vec![],
            None,
        )
        .await
    }

    /// Moves the order to `to` from one of `from`, setting `fields`, and writes `event` to the
    /// outbox and `writes` in the same transaction. The event carries the order's lines, or
    /// those of `pricing` when this move prices it.
    #[allow(clippy::too_many_arguments)]
    async fn transition(
        &self,
        id: OrderId,
        from: &[OrderStatus],
        to: OrderStatus,
        fields: Vec<(&'static str, AttributeValue)>,
        event: &'static str,
        writes: Vec<TransactWriteItem>,
        pricing: Option<&Priced>,
    ) -> anyhow::Result<Transition> {
        let Some(order) = self.order(id).await? else {
            return Ok(Transition::NotFound);
        };
        if order.status.has_reached(to) {
            return Ok(Transition::Already);
        }
        if !from.contains(&order.status) {
            return Ok(Transition::Refused(order.status));
        }
        let now = clock::now();
        let mut set = vec!["#status = :to".to_owned(), "updated_at = :now".to_owned()];
        let mut update = Update::builder()
            .table_name(&self.table)
            .set_key(Some(key(order_key(id))))
            .condition_expression("#status = :from")
            .expression_attribute_names("#status", "status")
            .expression_attribute_values(":from", value(&order.status)?)
            .expression_attribute_values(":to", value(&to)?)
            .expression_attribute_values(":now", AttributeValue::S(now.clone()));
        for (name, field) in fields {
            set.push(format!("#{name} = :{name}"));
            update = update
                .expression_attribute_names(format!("#{name}"), name)
                .expression_attribute_values(format!(":{name}"), field);
        }
        // Only a held order is in the admins' review queue.
        let leave_queue = match to {
            OrderStatus::Held => "",
            _ => " REMOVE review_queue",
        };
        let update = update
            .update_expression(format!("SET {}{leave_queue}", set.join(", ")))
            .build()
            .context("building an order update")?;
        let lines = pricing
            .or(order.priced.as_ref())
            .map_or(&[][..], |priced| &priced.lines);
        let event =
            OrderEvent::new(event, id, &order.customer_id, to, &now, None).with_lines(lines);
        let writes: Vec<TransactWriteItem> = [
            TransactWriteItem::builder().update(update).build(),
            self.outbox(&event)?,
        ]
        .into_iter()
        .chain(writes)
        .collect();
        match dynamo::transact(&self.client, writes, "moving an order on").await? {
            None => Ok(Transition::Moved),
            Some(failed) if failed.get(1) == Some(&true) => {
                bail!(
                    "order {id}'s outbox has {} already, but not its status",
                    event.event_type
                )
            }
            // Another call moved it (or one of its parcels) between the read and the write:
            // answer from what it is now.
            Some(_) => match self.order(id).await? {
                Some(now) if now.status.has_reached(to) => Ok(Transition::Already),
                Some(now) => Ok(Transition::Refused(now.status)),
                None => Ok(Transition::NotFound),
            },
        }
    }

    /// The write of `event` to the outbox, once.
    fn outbox(&self, event: &OrderEvent) -> anyhow::Result<TransactWriteItem> {
        let (pk, _) = order_key(event.order_id);
        let outbox = EventItem {
            pk,
            sk: event.outbox_key(),
            kind: EVENT_KIND,
            event: event.clone(),
        };
        put_new(&self.table, item(&outbox)?)
    }
}
