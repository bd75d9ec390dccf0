//! What the orders area tells the others: each status change as an event, written to the outbox
//! in the same transaction as the change (store.rs) and published on `OrderEventsTopic` from the
//! table's stream.

use super::{OrderId, OrderLine, OrderStatus, Return, ReturnId, ShipmentId};
use crate::ids::{ProductId, Sku};
use serde::{Deserialize, Serialize};

/// The outbox items' `kind`: what the stream's filter lets through to the publisher.
pub const EVENT_KIND: &str = "order_event";

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct OrderEvent {
    /// `<order id>#<event type>`, one per event: delivery is at least once, so subscribers
    /// dedupe on it.
    pub event_id: String,
    /// `OrderPlaced`, `OrderPaid`, `OrderShipped` (one per parcel), `OrderDelivered`,
    /// `OrderCancelled`, `OrderFailed`; for each return, `ReturnRequested`, `ReturnApproved`,
    /// `ReturnRejected`, `ReturnInTransit`, `ReturnReceived`, `ReturnRefunded`.
    pub event_type: String,
    pub order_id: OrderId,
    pub customer_id: String,
    /// The order's status the event brought.
    pub status: OrderStatus,
    /// The parcel an `OrderShipped` is about.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub shipment_id: Option<ShipmentId>,
    /// The return a `Return…` event is about.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub return_id: Option<ReturnId>,
    pub at: String,
    /// What the order holds, on the events about the whole order (not a parcel's): what
    /// best-seller counts are made of.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub lines: Vec<EventLine>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct EventLine {
    pub product_id: ProductId,
    pub sku: Sku,
    pub quantity: u32,
}

impl OrderEvent {
    pub fn new(
        event_type: &str,
        order_id: OrderId,
        customer_id: &str,
        status: OrderStatus,
        at: &str,
        shipment_id: Option<ShipmentId>,
    ) -> Self {
        let event_id = match &shipment_id {
            Some(shipment) => format!("{order_id}#{event_type}#{shipment}"),
            None => format!("{order_id}#{event_type}"),
        };
        Self {
            event_id,
            shipment_id,
            event_type: event_type.to_owned(),
            return_id: None,
            order_id,
            customer_id: customer_id.to_owned(),
            status,
            at: at.to_owned(),
            lines: Vec::new(),
        }
    }

    /// An event about one of the order's returns.
    pub fn of_return(event_type: &str, ret: &Return, at: &str) -> Self {
        let mut event = Self::new(
            event_type,
            ret.order_id,
            &ret.customer_id,
            OrderStatus::Delivered,
            at,
            None,
        );
        event.event_id = format!("{}#{event_type}#{}", ret.order_id, ret.return_id);
        event.return_id = Some(ret.return_id);
        event
    }

    /// The outbox item's sort key: one per event.
    pub fn outbox_key(&self) -> String {
        match (&self.shipment_id, &self.return_id) {
            (Some(shipment), _) => format!("EVENT#{}#{shipment}", self.event_type),
            (None, Some(ret)) => format!("EVENT#{}#{ret}", self.event_type),
            (None, None) => format!("EVENT#{}", self.event_type),
        }
    }

    pub fn with_lines(mut self, lines: &[OrderLine]) -> Self {
        self.lines = lines
            .iter()
            .map(|line| EventLine {
                product_id: line.product_id,
                sku: line.sku.clone(),
                quantity: line.quantity,
            })
            .collect();
        self
    }

    /// The event an outbox item's stream image holds; `None` for the table's other items.
    pub fn from_image(image: serde_dynamo::Item) -> anyhow::Result<Option<Self>> {
        let is_event = matches!(image.get("kind"), Some(serde_dynamo::AttributeValue::S(kind)) if kind == EVENT_KIND);
        if !is_event {
            return Ok(None);
        }
        let event = serde_dynamo::from_item(image)
            .map_err(|e| anyhow::anyhow!("decoding an order event: {e}"))?;
        Ok(Some(event))
    }
}

/// Publishes order events on the topic named by `ORDER_EVENTS_TOPIC_ARN`.
#[cfg(feature = "sns")]
pub struct OrderEvents(crate::topic::Topic);

#[cfg(feature = "sns")]
impl OrderEvents {
    pub fn from_source(
        sdk: &aws_config::SdkConfig,
        source: &impl crate::config::Source,
    ) -> anyhow::Result<Self> {
        crate::topic::Topic::from_source(sdk, source, "ORDER_EVENTS_TOPIC_ARN").map(Self)
    }

    pub async fn connect(&self) {
        self.0.connect().await;
    }

    /// Subscribers filter by event type or customer.
    #[tracing::instrument(skip_all, fields(order_id = %event.order_id, event_id = %event.event_id))]
    pub async fn publish(&self, event: &OrderEvent) -> anyhow::Result<()> {
        let attributes = [
            ("event_type", event.event_type.clone()),
            ("customer_id", event.customer_id.clone()),
        ];
        self.0.publish(event, &attributes).await
    }
}
