//! The payments table, one partition per order's payment:
//! - `PAYMENT#<order>` / `PAYMENT`: the token, the amount, how often authorization was tried, and
//!   the status, which only moves forward: `authorizing` → `authorized` | `declined` |
//!   `abandoned`; `authorized` → `captured` | `voided`; `captured` → `refunded`;
//! - `PAYMENT#<order>` / `LEDGER#<move>`: one entry per money movement (`authorize`, `capture`,
//!   `void`, `refund`), written in the same transaction as the status it moves to, and only if
//!   absent: a replayed call finds the move made and changes nothing;
//! - `PAYMENT#<order>` / `LEDGER#refund#<id>`: a partial refund of a captured payment (a return's),
//!   written with the payment's `refunded_total`, which may never pass what was captured.

use super::{Decline, GatewayAnswer, PaymentToken, SimulatedGateway};
use crate::clock;
use crate::config::Source;
use crate::dynamo::{self, item, key, put_new};
use crate::ids::OrderId;
use crate::money::{Currency, Money};
use anyhow::{Context, bail};
use aws_sdk_dynamodb::Client;
use aws_sdk_dynamodb::types::{AttributeValue, ReturnValue, TransactWriteItem, Update};
use serde::{Deserialize, Serialize};

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
enum Status {
    Authorizing,
    Authorized,
    Declined,
    /// Given up while authorizing (the checkout failed): a late approval may not revive it.
    Abandoned,
    Captured,
    Voided,
    Refunded,
}

#[derive(Deserialize)]
struct PaymentItem {
    token: PaymentToken,
    amount: Money,
    status: Status,
    attempts: u32,
    #[serde(default)]
    decline: Option<Decline>,
}

#[derive(Serialize, Deserialize)]
struct LedgerItem {
    pk: String,
    sk: String,
    order_id: OrderId,
    entry: Entry,
    amount: Money,
    at: String,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
enum Entry {
    Authorize,
    Capture,
    Void,
    Refund,
}

/// What became of an authorization.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Authorized {
    Approved,
    Declined(Decline),
    /// The gateway did not answer: try again.
    Unavailable,
}

/// What became of a capture.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Captured {
    Captured,
    Declined(Decline),
}

/// What undoing a payment did.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Unwound {
    /// Nothing was held or taken (or it was given back already).
    Nothing,
    Voided,
    Refunded,
}

/// What a partial refund did.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum PartlyRefunded {
    Refunded,
    /// This refund was made before: nothing more.
    Already,
    /// The payment is not captured (never was, or was given back whole).
    NotCaptured,
}

/// Captured and refunded money over every payment: what the ledger says was taken.
#[derive(Debug, Default, Clone, Copy, PartialEq, Eq)]
pub struct LedgerTotals {
    pub captured: u64,
    pub refunded: u64,
}

pub struct PaymentsStore {
    client: Client,
    table: String,
    gateway: SimulatedGateway,
}

fn pk(order: OrderId) -> String {
    format!("PAYMENT#{order}")
}

fn payment_key(order: OrderId) -> (String, String) {
    (pk(order), "PAYMENT".to_owned())
}

impl PaymentsStore {
    pub fn new(client: Client, table: String) -> Self {
        Self {
            client,
            table,
            gateway: SimulatedGateway,
        }
    }

    pub fn from_source(sdk: &aws_config::SdkConfig, source: &impl Source) -> anyhow::Result<Self> {
        Ok(Self::new(
            crate::aws::dynamodb(sdk),
            source.required("PAYMENTS_TABLE")?,
        ))
    }

    pub async fn connect(&self) {
        dynamo::connect(&self.client, &self.table).await;
    }

    async fn payment(&self, order: OrderId) -> anyhow::Result<Option<PaymentItem>> {
        dynamo::get(
            &self.client,
            &self.table,
            payment_key(order),
            "reading a payment",
        )
        .await
    }

    /// Holds `amount` on the card for `order`. A replay answers as the first call did; another
    /// amount for the same order is an error, never a second hold.
    #[tracing::instrument(skip(self, token), fields(%order))]
    pub async fn authorize(
        &self,
        order: OrderId,
        token: &PaymentToken,
        amount: Money,
    ) -> anyhow::Result<Authorized> {
        let attempt = self
            .client
            .update_item()
            .table_name(&self.table)
            .set_key(Some(key(payment_key(order))))
            .update_expression(
                "SET #token = if_not_exists(#token, :token), amount = if_not_exists(amount, :amount), \
                 #status = if_not_exists(#status, :authorizing) ADD attempts :one",
            )
            .condition_expression("attribute_not_exists(pk) OR #status = :authorizing")
            .expression_attribute_names("#token", "token")
            .expression_attribute_names("#status", "status")
            .expression_attribute_values(":token", AttributeValue::S(token.to_string()))
            .expression_attribute_values(":amount", AttributeValue::M(item(&amount)?))
            .expression_attribute_values(":authorizing", value(&Status::Authorizing)?)
            .expression_attribute_values(":one", AttributeValue::N("1".to_owned()))
            .return_values(ReturnValue::AllNew)
            .send()
            .await;
        let payment: PaymentItem = match attempt {
            Ok(output) => dynamo::decode(output.attributes.unwrap_or_default())?,
            Err(error) if dynamo::is_condition_failure(&error) => {
                return self.decided(order, amount).await;
            }
            Err(error) => {
                return Err(anyhow::Error::from(error).context("starting an authorization"));
            }
        };
        if payment.amount != amount {
            bail!(
                "order {order} was authorized for {:?}, not {amount:?}",
                payment.amount
            );
        }
        match self.gateway.authorize(&payment.token, payment.attempts) {
            GatewayAnswer::Unavailable => Ok(Authorized::Unavailable),
            GatewayAnswer::Declined(decline) => {
                let set = self
                    .move_status(
                        order,
                        Status::Authorizing,
                        Status::Declined,
                        None,
                        Some(decline),
                    )
                    .await?;
                if set {
                    Ok(Authorized::Declined(decline))
                } else {
                    self.decided(order, amount).await
                }
            }
            GatewayAnswer::Approved => {
                let moved = self
                    .move_status(
                        order,
                        Status::Authorizing,
                        Status::Authorized,
                        Some((Entry::Authorize, amount)),
                        None,
                    )
                    .await?;
                if moved {
                    Ok(Authorized::Approved)
                } else {
                    self.decided(order, amount).await
                }
            }
        }
    }

    /// What an authorization already decided answers.
    async fn decided(&self, order: OrderId, amount: Money) -> anyhow::Result<Authorized> {
        let payment = self
            .payment(order)
            .await?
            .context("a payment that vanished")?;
        if payment.amount != amount {
            bail!(
                "order {order} was authorized for {:?}, not {amount:?}",
                payment.amount
            );
        }
        match payment.status {
            Status::Authorized | Status::Captured => Ok(Authorized::Approved),
            Status::Declined => Ok(Authorized::Declined(
                payment.decline.unwrap_or(Decline::InsufficientFunds),
            )),
            Status::Authorizing => Ok(Authorized::Unavailable),
            other => bail!("order {order}'s payment is {other:?}: it cannot be authorized again"),
        }
    }

    /// Takes the authorized amount. A replay after the capture answers `Captured`.
    #[tracing::instrument(skip(self), fields(%order))]
    pub async fn capture(&self, order: OrderId) -> anyhow::Result<Captured> {
        let payment = self
            .payment(order)
            .await?
            .context("capturing a payment never authorized")?;
        match payment.status {
            Status::Captured => return Ok(Captured::Captured),
            Status::Authorized => {}
            other => bail!("order {order}'s payment is {other:?}: nothing to capture"),
        }
        if let GatewayAnswer::Declined(decline) = self.gateway.capture(&payment.token) {
            return Ok(Captured::Declined(decline));
        }
        let moved = self
            .move_status(
                order,
                Status::Authorized,
                Status::Captured,
                Some((Entry::Capture, payment.amount)),
                None,
            )
            .await?;
        if moved {
            return Ok(Captured::Captured);
        }
        match self.payment(order).await?.map(|p| p.status) {
            Some(Status::Captured) => Ok(Captured::Captured),
            other => bail!("order {order}'s payment moved to {other:?} while capturing"),
        }
    }

    /// Gives back whatever the order's payment holds or took: voids an authorization, refunds a
    /// capture, abandons an authorization in progress. Replays change nothing.
    #[tracing::instrument(skip(self), fields(%order))]
    pub async fn unwind(&self, order: OrderId) -> anyhow::Result<Unwound> {
        loop {
            let Some(payment) = self.payment(order).await? else {
                return Ok(Unwound::Nothing);
            };
            let (to, entry, outcome) = match payment.status {
                Status::Authorizing => (Status::Abandoned, None, Unwound::Nothing),
                Status::Authorized => (Status::Voided, Some(Entry::Void), Unwound::Voided),
                Status::Captured => (Status::Refunded, Some(Entry::Refund), Unwound::Refunded),
                Status::Declined | Status::Abandoned | Status::Voided | Status::Refunded => {
                    return Ok(Unwound::Nothing);
                }
            };
            let entry = entry.map(|entry| (entry, payment.amount));
            if self
                .move_status(order, payment.status, to, entry, None)
                .await?
            {
                return Ok(outcome);
            }
            // Another call moved it first: look again.
        }
    }

    /// Gives back `amount` of the order's captured payment, once per `refund` (a return's id):
    /// its ledger entry and the payment's refunded total are written together, the total on
    /// condition it stays within what was captured.
    #[tracing::instrument(skip(self), fields(%order))]
    pub async fn refund(
        &self,
        order: OrderId,
        refund: &str,
        amount: Money,
    ) -> anyhow::Result<PartlyRefunded> {
        let Some(payment) = self.payment(order).await? else {
            return Ok(PartlyRefunded::NotCaptured);
        };
        let taken = payment.amount.amount.get();
        let Some(room) = taken.checked_sub(amount.amount.get()) else {
            bail!("a refund of {amount:?} is more than order {order}'s payment");
        };
        let update = Update::builder()
            .table_name(&self.table)
            .set_key(Some(key(payment_key(order))))
            .update_expression("ADD refunded_total :amount")
            .condition_expression(
                "#status = :captured AND (attribute_not_exists(refunded_total) OR refunded_total <= :room)",
            )
            .expression_attribute_names("#status", "status")
            .expression_attribute_values(":captured", value(&Status::Captured)?)
            .expression_attribute_values(":amount", AttributeValue::N(amount.amount.get().to_string()))
            .expression_attribute_values(":room", AttributeValue::N(room.to_string()))
            .build()
            .context("building a refund")?;
        let record = LedgerItem {
            pk: pk(order),
            sk: format!("LEDGER#refund#{refund}"),
            order_id: order,
            entry: Entry::Refund,
            amount,
            at: clock::now(),
        };
        let writes = vec![
            put_new(&self.table, item(&record)?)?,
            TransactWriteItem::builder().update(update).build(),
        ];
        match dynamo::transact(&self.client, writes, "refunding part of a payment").await? {
            None => Ok(PartlyRefunded::Refunded),
            Some(failed) if failed.first() == Some(&true) => Ok(PartlyRefunded::Already),
            Some(_) if payment.status != Status::Captured => Ok(PartlyRefunded::NotCaptured),
            Some(_) => bail!("refund {refund} would give back more than order {order} paid"),
        }
    }

    /// Moves the status from `from` to `to`, with its ledger entry in the same transaction;
    /// `false` when the status was no longer `from`.
    async fn move_status(
        &self,
        order: OrderId,
        from: Status,
        to: Status,
        entry: Option<(Entry, Money)>,
        decline: Option<Decline>,
    ) -> anyhow::Result<bool> {
        let update = Update::builder()
            .table_name(&self.table)
            .set_key(Some(key(payment_key(order))))
            .update_expression("SET #status = :to, decline = :decline")
            .condition_expression("#status = :from")
            .expression_attribute_names("#status", "status")
            .expression_attribute_values(":from", value(&from)?)
            .expression_attribute_values(":to", value(&to)?)
            .expression_attribute_values(":decline", value(&decline)?);
        let mut writes = vec![
            TransactWriteItem::builder()
                .update(update.build().context("building a payment update")?)
                .build(),
        ];
        if let Some((entry, amount)) = entry {
            let record = LedgerItem {
                pk: pk(order),
                sk: format!("LEDGER#{}", name(&entry)?),
                order_id: order,
                entry,
                amount,
                at: clock::now(),
            };
            writes.push(put_new(&self.table, item(&record)?)?);
        }
        let failed = dynamo::transact(&self.client, writes, "moving a payment on").await?;
        match failed {
            None => Ok(true),
            Some(failed) if failed.first() == Some(&true) => Ok(false),
            Some(_) => {
                bail!("order {order}'s ledger has its {to:?} entry already, but not the status")
            }
        }
    }

    /// The ledger's totals in `currency`, over every payment (a scan: for reconciliation, not
    /// for a request).
    pub async fn ledger_totals(&self, currency: Currency) -> anyhow::Result<LedgerTotals> {
        let items: Vec<dynamo::Item> = self
            .client
            .scan()
            .table_name(&self.table)
            .filter_expression("begins_with(sk, :ledger)")
            .expression_attribute_values(":ledger", AttributeValue::S("LEDGER#".to_owned()))
            .consistent_read(true)
            .into_paginator()
            .items()
            .send()
            .collect::<Result<_, _>>()
            .await
            .context("reading the ledger")?;
        let mut totals = LedgerTotals::default();
        for found in items {
            let entry: LedgerItem = dynamo::decode(found)?;
            if entry.amount.currency != currency {
                bail!("a ledger entry in {:?}", entry.amount.currency);
            }
            let amount = u64::from(entry.amount.amount);
            match entry.entry {
                Entry::Capture => totals.captured += amount,
                Entry::Refund => totals.refunded += amount,
                Entry::Authorize | Entry::Void => {}
            }
        }
        Ok(totals)
    }
}

/// A value as its items hold it (an enum as its serde name).
fn value<T: Serialize>(value: &T) -> anyhow::Result<AttributeValue> {
    serde_dynamo::to_attribute_value(value).context("encoding a payment attribute")
}

/// An enum's serde name, for a key.
fn name<T: Serialize>(value: &T) -> anyhow::Result<String> {
    match serde_json::to_value(value)? {
        serde_json::Value::String(name) => Ok(name),
        other => bail!("{other} has no name"),
    }
}
