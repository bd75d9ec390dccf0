//! An order's returns (`ORDER#<id>` / `RETURN#<return id>`), and `RETURN#<return id>` /
//! `RETURN` naming the order a return id belongs to. Returns are opened in one transaction with
//! their outbox events and a count on the order (on condition it is unchanged since the earlier
//! returns were read, so two requests at once cannot send back more than was bought); each move
//! after is conditional on the status before it and written once with its event, so a replay
//! changes nothing. The `ByReturnSeller` index holds only returns waiting for their merchant.

use super::{OrderEvent, OrdersStore, Transition, order_key, value};
use crate::clock;
use crate::dynamo::{self, item, key, put_new};
use crate::ids::SellerId;
use crate::orders::{
    IdempotencyKey, ItemCondition, OrderId, Return, ReturnId, ReturnLabel, ReturnStatus, ReturnStep,
};
use anyhow::Context;
use aws_sdk_dynamodb::types::{AttributeValue, TransactWriteItem, Update};
use serde::{Deserialize, Serialize};

/// The index of merchants' returns waiting for their decision, oldest first.
const BY_RETURN_SELLER: &str = "ByReturnSeller";

#[derive(Serialize, Deserialize)]
struct ReturnItem {
    pk: String,
    sk: String,
    #[serde(flatten)]
    ret: Return,
    /// The seller, while the return waits for them: the index's key.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    return_awaiting: Option<String>,
    /// When it was asked for: the index's order.
    requested_at: String,
}

impl ReturnItem {
    fn new(ret: &Return) -> Self {
        let (pk, sk) = return_key(ret.order_id, ret.return_id);
        Self {
            pk,
            sk,
            return_awaiting: (ret.status == ReturnStatus::Requested)
                .then(|| ret.seller_id.to_string()),
            requested_at: ret
                .timeline
                .first()
                .map(|step| step.at.clone())
                .unwrap_or_default(),
            ret: ret.clone(),
        }
    }
}

#[derive(Serialize, Deserialize)]
struct Pointer {
    pk: String,
    sk: String,
    order_id: OrderId,
}

fn return_key(order: OrderId, id: ReturnId) -> (String, String) {
    (format!("ORDER#{order}"), format!("RETURN#{id}"))
}

fn pointer_key(id: ReturnId) -> (String, String) {
    (format!("RETURN#{id}"), "RETURN".to_owned())
}

#[derive(Serialize, Deserialize)]
struct KeyItem {
    pk: String,
    sk: String,
    order_id: OrderId,
    return_ids: Vec<ReturnId>,
    request_digest: String,
}

fn request_key(customer: &str, key: &IdempotencyKey) -> (String, String) {
    (format!("RETURNS#{customer}#{key}"), "RETURNS".to_owned())
}

/// Who asked for returns, under which `Idempotency-Key`, and a digest of what they asked.
pub struct ReturnsAsked<'a> {
    pub customer: &'a str,
    pub key: &'a IdempotencyKey,
    pub order: OrderId,
    pub digest: &'a str,
}

/// What opening returns found.
#[derive(Debug, PartialEq, Eq)]
pub enum Opened {
    New,
    /// Returns of the order were opened since the ones planned from were read: plan again.
    Stale,
    /// The same request came before: the returns it opened.
    Replay(Vec<ReturnId>),
    /// The key was used for another request.
    KeyReused,
}

/// One page of a seller's returns, and the cursor of the next when there is one.
#[derive(Debug)]
pub struct ReturnsPage {
    pub returns: Vec<Return>,
    pub next: Option<String>,
}

impl OrdersStore {
    /// The order's returns, oldest first.
    pub async fn returns(&self, order: OrderId) -> anyhow::Result<(Vec<Return>, u64)> {
        let (pk, _) = order_key(order);
        let items = dynamo::partition(&self.client, &self.table, pk, "reading an order").await?;
        let mut version = 0;
        let mut returns = Vec::new();
        for found in items {
            match found.get("sk") {
                Some(AttributeValue::S(sk)) if sk.starts_with("RETURN#") => {
                    returns.push(dynamo::decode::<ReturnItem>(found)?.ret);
                }
                Some(AttributeValue::S(sk)) if sk == "ORDER" => {
                    if let Some(AttributeValue::N(n)) = found.get("returns_version") {
                        version = n.parse().context("a returns version")?;
                    }
                }
                _ => {}
            }
        }
        Ok((returns, version))
    }

    pub async fn find_return(&self, id: ReturnId) -> anyhow::Result<Option<Return>> {
        let Some(pointer) = dynamo::get::<Pointer>(
            &self.client,
            &self.table,
            pointer_key(id),
            "reading a return",
        )
        .await?
        else {
            return Ok(None);
        };
        let found: Option<ReturnItem> = dynamo::get(
            &self.client,
            &self.table,
            return_key(pointer.order_id, id),
            "reading a return",
        )
        .await?;
        Ok(found.map(|item| item.ret))
    }

    /// What `asked`'s key was used for, if anything: the returns of the same request, or
    /// another request.
    pub async fn returns_asked(&self, asked: &ReturnsAsked<'_>) -> anyhow::Result<Opened> {
        let found: Option<KeyItem> = dynamo::get(
            &self.client,
            &self.table,
            request_key(asked.customer, asked.key),
            "reading a returns request",
        )
        .await?;
        Ok(match found {
            None => Opened::New,
            Some(first)
                if first.order_id == asked.order && first.request_digest == asked.digest =>
            {
                Opened::Replay(first.return_ids)
            }
            Some(_) => Opened::KeyReused,
        })
    }

    /// Opens `returns` of `order`, whose returns were at `version` when they were planned, and
    /// notes the request's key (the demo data's have none).
    #[tracing::instrument(skip(self, returns, asked))]
    pub async fn open_returns(
        &self,
        order: OrderId,
        version: u64,
        returns: &[Return],
        asked: Option<&ReturnsAsked<'_>>,
    ) -> anyhow::Result<Opened> {
        let unchanged = match version {
            0 => "attribute_not_exists(returns_version)",
            _ => "returns_version = :seen",
        };
        let mut count = Update::builder()
            .table_name(&self.table)
            .set_key(Some(key(order_key(order))))
            .update_expression("SET returns_version = :next")
            .condition_expression(unchanged)
            .expression_attribute_values(":next", AttributeValue::N((version + 1).to_string()));
        if version > 0 {
            count =
                count.expression_attribute_values(":seen", AttributeValue::N(version.to_string()));
        }
        let mut writes = vec![
            TransactWriteItem::builder()
                .update(count.build().context("building a returns count")?)
                .build(),
        ];
        if let Some(asked) = asked {
            let (pk, sk) = request_key(asked.customer, asked.key);
            let noted = KeyItem {
                pk,
                sk,
                order_id: order,
                return_ids: returns.iter().map(|r| r.return_id).collect(),
                request_digest: asked.digest.to_owned(),
            };
            writes.push(put_new(&self.table, item(&noted)?)?);
        }
        for ret in returns {
            let (pk, sk) = pointer_key(ret.return_id);
            let pointer = Pointer {
                pk,
                sk,
                order_id: order,
            };
            writes.push(put_new(&self.table, item(&ReturnItem::new(ret))?)?);
            writes.push(put_new(&self.table, item(&pointer)?)?);
            for step in &ret.timeline {
                let event = OrderEvent::of_return(&event_type(step.status), ret, &step.at);
                writes.push(self.outbox(&event)?);
            }
        }
        match (
            dynamo::transact(&self.client, writes, "opening returns").await?,
            asked,
        ) {
            (None, _) => Ok(Opened::New),
            // The key was taken meanwhile: by this request (a retry at once) or another.
            (Some(failed), Some(asked)) if failed.get(1) == Some(&true) => {
                self.returns_asked(asked).await
            }
            (Some(_), _) => Ok(Opened::Stale),
        }
    }

    /// Moves a return on to `to` from the status before it, with `label`, `condition` or the
    /// refund's time as the move brings them, and its event.
    #[tracing::instrument(skip(self, label))]
    pub async fn move_return(
        &self,
        id: ReturnId,
        to: ReturnStatus,
        label: Option<&ReturnLabel>,
        condition: Option<ItemCondition>,
    ) -> anyhow::Result<Transition<ReturnStatus>> {
        let Some(ret) = self.find_return(id).await? else {
            return Ok(Transition::NotFound);
        };
        if ret.timeline.iter().any(|step| step.status == to) {
            return Ok(Transition::Already);
        }
        if to.previous() != Some(ret.status) {
            return Ok(Transition::Refused(ret.status));
        }
        let now = clock::now();
        let step = ReturnStep {
            status: to,
            at: now.clone(),
        };
        let mut set = vec![
            "#status = :to".to_owned(),
            "timeline = list_append(timeline, :step)".to_owned(),
        ];
        let mut update = Update::builder()
            .table_name(&self.table)
            .set_key(Some(key(return_key(ret.order_id, id))))
            .condition_expression("#status = :from")
            .expression_attribute_names("#status", "status")
            .expression_attribute_values(":from", value(&ret.status)?)
            .expression_attribute_values(":to", value(&to)?)
            .expression_attribute_values(":step", value(&vec![step])?);
        if let Some(label) = label {
            set.push("label = :label".to_owned());
            update = update.expression_attribute_values(":label", value(label)?);
        }
        if let Some(condition) = condition {
            set.push("#condition = :condition".to_owned());
            update = update
                .expression_attribute_names("#condition", "condition")
                .expression_attribute_values(":condition", value(&condition)?);
        }
        if to == ReturnStatus::Refunded {
            set.push("refunded_at = :now".to_owned());
            update = update.expression_attribute_values(":now", AttributeValue::S(now.clone()));
        }
        let update = update
            .update_expression(format!("SET {} REMOVE return_awaiting", set.join(", ")))
            .build()
            .context("building a return update")?;
        let event = OrderEvent::of_return(&event_type(to), &ret, &now);
        let writes = vec![
            TransactWriteItem::builder().update(update).build(),
            self.outbox(&event)?,
        ];
        match dynamo::transact(&self.client, writes, "moving a return on").await? {
            None => Ok(Transition::Moved),
            // Moved by another call since it was read.
            Some(_) => match self.find_return(id).await? {
                Some(now) if now.timeline.iter().any(|step| step.status == to) => {
                    Ok(Transition::Already)
                }
                Some(now) => Ok(Transition::Refused(now.status)),
                None => Ok(Transition::NotFound),
            },
        }
    }

    /// One page of the returns waiting for `seller`'s decision, oldest first, from `after` (a
    /// cursor of this list: `None` when it is not).
    pub async fn returns_awaiting(
        &self,
        seller: &SellerId,
        after: Option<&str>,
        limit: usize,
    ) -> anyhow::Result<Option<ReturnsPage>> {
        let names = ["pk", "sk", "return_awaiting", "requested_at"];
        let waiting = AttributeValue::S(seller.to_string());
        let start = match after.map(|text| dynamo::decode_cursor(text, &names)) {
            None => None,
            Some(Some(key))
                if key.get("return_awaiting") == Some(&waiting) && is_return_key(&key) =>
            {
                Some(key)
            }
            Some(_) => return Ok(None),
        };
        let output = self
            .client
            .query()
            .table_name(&self.table)
            .index_name(BY_RETURN_SELLER)
            .key_condition_expression("return_awaiting = :seller")
            .expression_attribute_values(":seller", waiting)
            .set_exclusive_start_key(start)
            // One more than asked tells whether another page exists.
            .limit(i32::try_from(limit + 1).context("page size")?)
            .send()
            .await
            .context("querying a seller's returns")?;
        let mut items = output.items.unwrap_or_default();
        let more = items.len() > limit;
        items.truncate(limit);
        let next = match more {
            true => items
                .last()
                .map(|last| dynamo::encode_cursor(&dynamo::key_of(last, &names))),
            false => None,
        }
        .transpose()?;
        let returns = dynamo::decode_listed::<ReturnItem>(items, "a return")
            .into_iter()
            .map(|item| item.ret)
            .collect();
        Ok(Some(ReturnsPage { returns, next }))
    }
}

/// Whether a cursor's key is a return item's: only such a key starts a query.
fn is_return_key(key: &dynamo::Item) -> bool {
    let text = |name| match key.get(name) {
        Some(AttributeValue::S(text)) => Some(text.as_str()),
        _ => None,
    };
    text("pk").is_some_and(|pk| pk.starts_with("ORDER#"))
        && text("sk").is_some_and(|sk| sk.starts_with("RETURN#"))
        && text("requested_at").is_some_and(|at| !at.is_empty())
}

/// The event a return's coming to `status` publishes.
fn event_type(status: ReturnStatus) -> String {
    let name = match status {
        ReturnStatus::Requested => "Requested",
        ReturnStatus::Approved => "Approved",
        ReturnStatus::Rejected => "Rejected",
        ReturnStatus::InTransit => "InTransit",
        ReturnStatus::Received => "Received",
        ReturnStatus::Refunded => "Refunded",
    };
    format!("Return{name}")
}
