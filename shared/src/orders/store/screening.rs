//! What fraud screening reads of the orders before one: the customer's recent orders (the
//! `ByCustomer` index), the card's (the `ByPaymentToken` index), and whether the customer ever
//! paid for one.

use super::{BY_CUSTOMER, OrdersStore, value};
use crate::clock;
use crate::orders::{Failure, Order, OrderStatus, Signals};
use anyhow::Context;
use aws_sdk_dynamodb::types::{AttributeValue, Select};
use std::time::{Duration, SystemTime};

/// The index of a card's orders by creation time.
const BY_PAYMENT_TOKEN: &str = "ByPaymentToken";

const HOUR: Duration = Duration::from_secs(3600);

impl OrdersStore {
    /// The signals about `order` (coming to `total`, paid with a card of `card_country`).
    #[tracing::instrument(skip_all, fields(order_id = %order.id))]
    pub async fn signals(
        &self,
        order: &Order,
        total: u64,
        card_country: &str,
    ) -> anyhow::Result<Signals> {
        let now = SystemTime::now();
        let hour_ago = clock::rfc3339(now - HOUR);
        let recent = self.since(order, &clock::rfc3339(now - 24 * HOUR)).await?;
        let others = || recent.iter().filter(|o| o.id != order.id);
        let declined = |o: &&Order| matches!(o.failure, Some(Failure::PaymentDeclined { .. }));
        let card_orders = self.card_orders_since(order, &hour_ago).await?;
        let first = !self.has_paid_order(&order.customer_id).await?;
        Ok(Signals {
            customer_orders_last_hour: others().filter(|o| o.created_at >= hour_ago).count() as u64,
            token_orders_last_hour: card_orders.saturating_sub(1),
            first_order_total: if first { total } else { 0 },
            ships_outside_card_country: u64::from(
                order.shipping_address.country.as_ref() != card_country,
            ),
            declined_last_day: others().filter(declined).count() as u64,
        })
    }

    /// The customer's orders created at `since` or after.
    async fn since(&self, order: &Order, since: &str) -> anyhow::Result<Vec<Order>> {
        let items: Vec<crate::dynamo::Item> = self
            .client
            .query()
            .table_name(&self.table)
            .index_name(BY_CUSTOMER)
            .key_condition_expression("customer_id = :customer AND created_at >= :since")
            .expression_attribute_values(":customer", AttributeValue::S(order.customer_id.clone()))
            .expression_attribute_values(":since", AttributeValue::S(since.to_owned()))
            .into_paginator()
            .items()
            .send()
            .collect::<Result<_, _>>()
            .await
            .context("reading a customer's recent orders")?;
        Ok(
            crate::dynamo::decode_listed::<super::OrderItem>(items, "an order")
                .into_iter()
                .map(|item| item.order)
                .collect(),
        )
    }

    /// How many orders were placed on the order's card at `since` or after, its own included.
    async fn card_orders_since(&self, order: &Order, since: &str) -> anyhow::Result<u64> {
        let mut pages = self
            .client
            .query()
            .table_name(&self.table)
            .index_name(BY_PAYMENT_TOKEN)
            .key_condition_expression("payment_token = :token AND created_at >= :since")
            .expression_attribute_values(":token", value(&order.payment_token)?)
            .expression_attribute_values(":since", AttributeValue::S(since.to_owned()))
            .select(Select::Count)
            .into_paginator()
            .send();
        let mut count = 0;
        while let Some(page) = pages.next().await {
            count += u64::try_from(page.context("counting a card's orders")?.count).unwrap_or(0);
        }
        Ok(count)
    }

    /// Whether the customer has paid for an order before.
    async fn has_paid_order(&self, customer: &str) -> anyhow::Result<bool> {
        let mut pages = self
            .client
            .query()
            .table_name(&self.table)
            .index_name(BY_CUSTOMER)
            .key_condition_expression("customer_id = :customer")
            .filter_expression("#status IN (:confirmed, :shipped, :delivered)")
            .expression_attribute_names("#status", "status")
            .expression_attribute_values(":customer", AttributeValue::S(customer.to_owned()))
            .expression_attribute_values(":confirmed", value(&OrderStatus::Confirmed)?)
            .expression_attribute_values(":shipped", value(&OrderStatus::Shipped)?)
            .expression_attribute_values(":delivered", value(&OrderStatus::Delivered)?)
            .select(Select::Count)
            .into_paginator()
            .send();
        while let Some(page) = pages.next().await {
            if page.context("reading a customer's orders")?.count > 0 {
                return Ok(true);
            }
        }
        Ok(false)
    }
}
