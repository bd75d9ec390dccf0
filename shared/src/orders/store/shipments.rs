//! An order's parcels (`ORDER#<id>` / `SHIPMENT#<n>`) and what moves them: the warehouse and
//! the carrier, a merchant shipping its own, the shopper cancelling before anything left.
//! Each move is conditional on the status before it, so a replay changes nothing; the
//! `BySeller` index holds only the merchant-fulfilled parcels still waiting for their seller.

use super::{OrderEvent, OrdersStore, Transition, order_key, value};
use crate::catalog::Fulfillment;
use crate::clock;
use crate::dynamo::{self, key};
use crate::money::Money;
use crate::orders::{
    Handover, OrderId, OrderStatus, Shipment, ShipmentId, ShipmentKey, ShipmentStatus,
    TrackingEvent,
};
use anyhow::{Context, bail};
use aws_sdk_dynamodb::types::{AttributeValue, TransactWriteItem, Update};
use serde::{Deserialize, Serialize};

/// The index of merchant-fulfilled parcels waiting for their seller, oldest first.
const BY_SELLER: &str = "BySeller";

#[derive(Serialize, Deserialize)]
pub(super) struct ShipmentItem {
    pk: String,
    sk: String,
    #[serde(flatten)]
    shipment: Shipment,
    /// The seller, while the parcel waits for them: the `BySeller` index's key.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    awaiting_seller: Option<String>,
    /// When the order was confirmed: the index's order.
    placed_at: String,
}

fn shipment_key(order: OrderId, shipment: &ShipmentId) -> (String, String) {
    (format!("ORDER#{order}"), format!("SHIPMENT#{shipment}"))
}

/// The statuses a parcel may be cancelled from: any before it left.
const UNSHIPPED: [ShipmentStatus; 3] = [
    ShipmentStatus::Preparing,
    ShipmentStatus::Picked,
    ShipmentStatus::Packed,
];

impl OrdersStore {
    pub(super) fn shipment_item(&self, shipment: &Shipment) -> ShipmentItem {
        let (pk, sk) = shipment_key(shipment.order_id, &shipment.shipment_id);
        let waits = shipment.fulfillment == Fulfillment::Merchant
            && shipment.status == ShipmentStatus::Preparing;
        ShipmentItem {
            pk,
            sk,
            shipment: shipment.clone(),
            awaiting_seller: waits.then(|| shipment.seller_id.to_string()),
            placed_at: shipment
                .timeline
                .first()
                .map(|event| event.at.clone())
                .unwrap_or_default(),
        }
    }

    /// The order's parcels, in order (none before it is confirmed).
    pub async fn shipments(&self, order: OrderId) -> anyhow::Result<Vec<Shipment>> {
        let (pk, _) = order_key(order);
        // The order's partition: the order, its parcels and its outbox.
        let items = dynamo::partition(&self.client, &self.table, pk, "reading an order").await?;
        let mut shipments = items
            .into_iter()
            .filter(|found| {
                matches!(found.get("sk"), Some(AttributeValue::S(sk)) if sk.starts_with("SHIPMENT#"))
            })
            .map(|found| dynamo::decode::<ShipmentItem>(found).map(|item| item.shipment))
            .collect::<anyhow::Result<Vec<_>>>()?;
        // `S10` sorts before `S2` as text.
        shipments.sort_by_key(|s| (s.shipment_id.as_ref().len(), s.shipment_id.clone()));
        Ok(shipments)
    }

    pub async fn shipment(
        &self,
        order: OrderId,
        shipment: &ShipmentId,
    ) -> anyhow::Result<Option<Shipment>> {
        let found: Option<ShipmentItem> = dynamo::get(
            &self.client,
            &self.table,
            shipment_key(order, shipment),
            "reading a shipment",
        )
        .await?;
        Ok(found.map(|item| item.shipment))
    }

    /// Moves a parcel on to `to` from the status before it; `handover` is the carrier and
    /// number it ships with. Its shipping moves the order to `shipped` and tells the shopper
    /// (`OrderShipped`, once per parcel); the last delivery moves it to `delivered`.
    #[tracing::instrument(skip(self, handover))]
    pub async fn advance(
        &self,
        order: OrderId,
        id: &ShipmentId,
        to: ShipmentStatus,
        handover: Option<&Handover>,
    ) -> anyhow::Result<Transition<ShipmentStatus>> {
        let Some(shipment) = self.shipment(order, id).await? else {
            return Ok(Transition::NotFound);
        };
        let reached = |status: ShipmentStatus| status != ShipmentStatus::Cancelled && status >= to;
        if reached(shipment.status) {
            self.finish(order, to).await?;
            return Ok(Transition::Already);
        }
        let from = match to {
            ShipmentStatus::Shipped => Some(ShipmentStatus::ships_from(shipment.fulfillment)),
            other => other.previous(),
        };
        if from != Some(shipment.status) {
            return Ok(Transition::Refused(shipment.status));
        }
        let now = clock::now();
        let mut writes =
            vec![self.move_shipment(&shipment, &[shipment.status], to, &now, handover)?];
        if to == ShipmentStatus::Shipped {
            writes.push(self.order_shipped(order, &now)?);
            let event = OrderEvent::new(
                "OrderShipped",
                order,
                &shipment.customer_id,
                OrderStatus::Shipped,
                &now,
                Some(id.clone()),
            );
            writes.push(self.outbox(&event)?);
        }
        match dynamo::transact(&self.client, writes, "moving a shipment on").await? {
            None => {
                tracing::info!(order_id = %order, shipment = %id, status = ?to, "shipment moved on");
                self.finish(order, to).await?;
                Ok(Transition::Moved)
            }
            Some(failed) if failed.get(2) == Some(&true) => {
                bail!("order {order}'s outbox has {id} shipped already, but not the parcel")
            }
            // Moved by another call, or cancelled with its order, since it was read.
            Some(_) => match self.shipment(order, id).await? {
                Some(now) if reached(now.status) => Ok(Transition::Already),
                Some(now) => Ok(Transition::Refused(now.status)),
                None => Ok(Transition::NotFound),
            },
        }
    }

    /// Once a parcel is delivered, the order is when all of them are. Parcels are read after
    /// this one's write, so of two delivered at once, the later to read sees both.
    async fn finish(&self, order: OrderId, reached: ShipmentStatus) -> anyhow::Result<()> {
        if reached != ShipmentStatus::Delivered {
            return Ok(());
        }
        let shipments = self.shipments(order).await?;
        if shipments
            .iter()
            .all(|s| s.status == ShipmentStatus::Delivered)
        {
            self.transition(
                order,
                &[OrderStatus::Shipped],
                OrderStatus::Delivered,
                vec![("delivered_at", AttributeValue::S(clock::now()))],
                "OrderDelivered",
                vec![],
                None,
            )
            .await?;
        }
        Ok(())
    }

    /// `confirmed` → `cancelled`, its parcels with it, on condition none has left.
    #[tracing::instrument(skip(self))]
    pub async fn cancel(&self, order: OrderId) -> anyhow::Result<Transition> {
        let shipments = self.shipments(order).await?;
        if shipments.iter().any(|s| s.status.has_shipped()) {
            return Ok(Transition::Refused(OrderStatus::Shipped));
        }
        let now = clock::now();
        let parcels = shipments
            .iter()
            .map(|s| self.move_shipment(s, &UNSHIPPED, ShipmentStatus::Cancelled, &now, None))
            .collect::<anyhow::Result<_>>()?;
        self.transition(
            order,
            &[OrderStatus::Confirmed],
            OrderStatus::Cancelled,
            vec![("cancelled_at", AttributeValue::S(now.clone()))],
            "OrderCancelled",
            parcels,
            None,
        )
        .await
    }

    /// Records the refund of a cancelled order; `false` when it was recorded before.
    pub async fn record_refund(&self, order: OrderId, amount: Money) -> anyhow::Result<bool> {
        let written = self
            .client
            .update_item()
            .table_name(&self.table)
            .set_key(Some(key(order_key(order))))
            .update_expression("SET refunded = :amount")
            .condition_expression("attribute_not_exists(refunded) AND #status = :cancelled")
            .expression_attribute_names("#status", "status")
            .expression_attribute_values(":amount", value(&amount)?)
            .expression_attribute_values(":cancelled", value(&OrderStatus::Cancelled)?)
            .send()
            .await;
        match written {
            Ok(_) => Ok(true),
            Err(error) if dynamo::is_condition_failure(&error) => Ok(false),
            Err(error) => Err(error).context("recording a refund"),
        }
    }

    /// One page of the parcels waiting for `seller` to ship them, oldest first, after `after`
    /// (the last of the page before, which must be theirs: `None` when it is not).
    #[tracing::instrument(skip(self))]
    pub async fn awaiting_seller(
        &self,
        seller: &str,
        after: Option<&ShipmentKey>,
        limit: usize,
    ) -> anyhow::Result<Option<(Vec<Shipment>, Option<ShipmentKey>)>> {
        let mut query = self
            .client
            .query()
            .table_name(&self.table)
            .index_name(BY_SELLER)
            .key_condition_expression("awaiting_seller = :seller")
            .expression_attribute_values(":seller", AttributeValue::S(seller.to_owned()))
            // One more than asked tells whether another page exists.
            .limit(i32::try_from(limit + 1).context("page size")?);
        if let Some(after) = after {
            let Some(last) = self
                .shipment(after.order_id, &after.shipment_id)
                .await?
                .filter(|s| s.seller_id.as_ref() == seller)
            else {
                return Ok(None);
            };
            let item = self.shipment_item(&last);
            let mut start = key((item.pk, item.sk));
            start.insert(
                "awaiting_seller".to_owned(),
                AttributeValue::S(seller.to_owned()),
            );
            start.insert("placed_at".to_owned(), AttributeValue::S(item.placed_at));
            query = query.set_exclusive_start_key(Some(start));
        }
        let output = query
            .send()
            .await
            .context("querying a seller's shipments")?;
        let mut items = output.items.unwrap_or_default();
        let more = items.len() > limit;
        items.truncate(limit);
        let shipments: Vec<Shipment> = dynamo::decode_listed::<ShipmentItem>(items, "a shipment")
            .into_iter()
            .map(|item| item.shipment)
            .collect();
        let next = more
            .then(|| shipments.last().map(ShipmentKey::of))
            .flatten();
        Ok(Some((shipments, next)))
    }

    /// The write moving `shipment` from one of `from` to `to` at `now`: its timeline gains the
    /// step, and it leaves its seller's queue.
    fn move_shipment(
        &self,
        shipment: &Shipment,
        from: &[ShipmentStatus],
        to: ShipmentStatus,
        now: &str,
        handover: Option<&Handover>,
    ) -> anyhow::Result<TransactWriteItem> {
        let step = TrackingEvent {
            status: to,
            at: now.to_owned(),
        };
        let allowed: Vec<String> = (0..from.len()).map(|n| format!(":from{n}")).collect();
        let mut update = Update::builder()
            .table_name(&self.table)
            .set_key(Some(key(shipment_key(
                shipment.order_id,
                &shipment.shipment_id,
            ))))
            .condition_expression(format!("#status IN ({})", allowed.join(", ")))
            .expression_attribute_names("#status", "status")
            .expression_attribute_values(":to", value(&to)?)
            .expression_attribute_values(":step", value(&vec![step])?);
        for (name, status) in allowed.iter().zip(from) {
            update = update.expression_attribute_values(name, value(status)?);
        }
        let mut set = "#status = :to, timeline = list_append(timeline, :step)".to_owned();
        if let Some(handover) = handover {
            set.push_str(", handover = :handover");
            update = update.expression_attribute_values(":handover", value(handover)?);
        }
        let update = update
            .update_expression(format!("SET {set} REMOVE awaiting_seller"))
            .build()
            .context("building a shipment update")?;
        Ok(TransactWriteItem::builder().update(update).build())
    }

    /// The order's side of a parcel shipping: `shipped` from `confirmed` (its first parcel) or
    /// `shipped` (another); never once cancelled.
    fn order_shipped(&self, order: OrderId, now: &str) -> anyhow::Result<TransactWriteItem> {
        let update = Update::builder()
            .table_name(&self.table)
            .set_key(Some(key(order_key(order))))
            .update_expression("SET #status = :shipped, updated_at = :now")
            .condition_expression("#status IN (:confirmed, :shipped)")
            .expression_attribute_names("#status", "status")
            .expression_attribute_values(":shipped", value(&OrderStatus::Shipped)?)
            .expression_attribute_values(":confirmed", value(&OrderStatus::Confirmed)?)
            .expression_attribute_values(":now", AttributeValue::S(now.to_owned()))
            .build()
            .context("building an order update")?;
        Ok(TransactWriteItem::builder().update(update).build())
    }
}
