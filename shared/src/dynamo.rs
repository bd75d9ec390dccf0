//! Generic DynamoDB code every area's store uses: keys, items, conditional puts, reading why a
//! condition or transaction failed, batch reads and writes that retry what DynamoDB hands back
//! unprocessed, and decoding a listing without letting one bad item fail it.

use anyhow::Context;
use aws_sdk_dynamodb::Client;
use aws_sdk_dynamodb::error::ProvideErrorMetadata;
use aws_sdk_dynamodb::error::SdkError;
use aws_sdk_dynamodb::operation::transact_write_items::TransactWriteItemsError;
use aws_sdk_dynamodb::types::{
    AttributeValue, KeysAndAttributes, Put, PutRequest, TransactWriteItem, WriteRequest,
};
use serde::Serialize;
use serde::de::DeserializeOwned;
use std::collections::HashMap;
use std::future::Future;

pub type Item = HashMap<String, AttributeValue>;

/// The key of an item in a `pk`/`sk` table.
pub fn key((pk, sk): (String, String)) -> Item {
    HashMap::from([
        ("pk".to_owned(), AttributeValue::S(pk)),
        ("sk".to_owned(), AttributeValue::S(sk)),
    ])
}

/// Opens the connection to a table at init with a read of a key no item has.
pub async fn connect(client: &Client, table: &str) {
    let probe = client
        .get_item()
        .table_name(table)
        .set_key(Some(key(("CONNECT".to_owned(), "CONNECT".to_owned()))))
        .send();
    crate::aws::connect("dynamodb", probe).await;
}

/// Every item of partition `pk`, read consistently, page after page.
pub async fn partition(
    client: &Client,
    table: &str,
    pk: String,
    what: &'static str,
) -> anyhow::Result<Vec<Item>> {
    client
        .query()
        .table_name(table)
        .key_condition_expression("pk = :pk")
        .expression_attribute_values(":pk", AttributeValue::S(pk))
        .consistent_read(true)
        .into_paginator()
        .items()
        .send()
        .collect::<Result<_, _>>()
        .await
        .context(what)
}

/// The item at `key_pair`, read consistently and decoded; `what` names the table in errors.
pub async fn get<T: DeserializeOwned>(
    client: &Client,
    table: &str,
    key_pair: (String, String),
    what: &'static str,
) -> anyhow::Result<Option<T>> {
    let output = client
        .get_item()
        .table_name(table)
        .set_key(Some(key(key_pair)))
        .consistent_read(true)
        .send()
        .await
        .context(what)?;
    output.item.map(decode).transpose()
}

pub fn item<T: Serialize>(value: &T) -> anyhow::Result<Item> {
    serde_dynamo::aws_sdk_dynamodb_1::to_item(value).context("encoding an item")
}

pub fn decode<T: DeserializeOwned>(item: Item) -> anyhow::Result<T> {
    serde_dynamo::aws_sdk_dynamodb_1::from_item(item).context("decoding an item")
}

/// A transaction's Put that succeeds only where no item has the same key yet.
pub fn put_new(table: &str, item: Item) -> anyhow::Result<TransactWriteItem> {
    let put = Put::builder()
        .table_name(table)
        .set_item(Some(item))
        .condition_expression("attribute_not_exists(pk)")
        .build()
        .context("building a conditional put")?;
    Ok(TransactWriteItem::builder().put(put).build())
}

/// A transaction kept colliding with others on its items: a caller that can go elsewhere (another
/// shard) finds it with `error.downcast_ref::<Conflicted>()`.
#[derive(Debug, thiserror::Error)]
#[error("the transaction kept colliding with others")]
pub struct Conflicted;

/// How often a transaction DynamoDB cancelled for colliding with another is sent again.
const CONFLICT_RETRIES: u32 = 4;

/// Runs a transaction. `Ok(None)` when it was written; `Ok(Some(failed))` when DynamoDB cancelled
/// it because conditions failed, `failed[i]` telling whether item `i`'s did; any other failure
/// is an error, with `what` as its context. A transaction cancelled only for colliding with
/// another on an item (`TransactionConflict`, a hot item's everyday on AWS; the SDK does not
/// retry it) is sent again after a short random pause: its conditions then decide as before.
pub async fn transact(
    client: &Client,
    writes: Vec<TransactWriteItem>,
    what: &'static str,
) -> anyhow::Result<Option<Vec<bool>>> {
    let mut conflicts = 0;
    loop {
        let Err(error) = client
            .transact_write_items()
            .set_transact_items(Some(writes.clone()))
            .send()
            .await
        else {
            return Ok(None);
        };
        let Some(TransactWriteItemsError::TransactionCanceledException(cancelled)) =
            error.as_service_error()
        else {
            return Err(anyhow::Error::from(error).context(what));
        };
        let codes: Vec<Option<&str>> = cancelled
            .cancellation_reasons()
            .iter()
            .map(|reason| reason.code())
            .collect();
        if codes.contains(&Some("ConditionalCheckFailed")) {
            return Ok(Some(
                codes
                    .iter()
                    .map(|code| *code == Some("ConditionalCheckFailed"))
                    .collect(),
            ));
        }
        if !codes.contains(&Some("TransactionConflict")) {
            return Err(anyhow::Error::from(error).context(what));
        }
        if conflicts == CONFLICT_RETRIES {
            return Err(anyhow::Error::from(error).context(Conflicted).context(what));
        }
        conflicts += 1;
        let pause = ulid::Ulid::new().random() % (10 << conflicts);
        tokio::time::sleep(std::time::Duration::from_millis(pause as u64)).await;
    }
}

/// Whether a single-item write (put, update, delete) failed its condition.
pub fn is_condition_failure<E: ProvideErrorMetadata, R>(error: &SdkError<E, R>) -> bool {
    error
        .as_service_error()
        .and_then(ProvideErrorMetadata::code)
        == Some("ConditionalCheckFailedException")
}

/// Whether a single-item conditional write was made: `false` when its condition failed; any
/// other failure is an error, with `what` as its context.
pub fn written<T, E, R>(
    result: Result<T, SdkError<E, R>>,
    what: &'static str,
) -> anyhow::Result<bool>
where
    E: ProvideErrorMetadata + std::error::Error + Send + Sync + 'static,
    R: std::fmt::Debug + Send + Sync + 'static,
{
    match result {
        Ok(_) => Ok(true),
        Err(error) if is_condition_failure(&error) => Ok(false),
        Err(error) => Err(anyhow::Error::from(error).context(what)),
    }
}

/// Decodes every item of a listing, skipping any that does not decode (with an error log and the
/// `UndecodableItems` metric): one bad item must not take down a page that shows many.
pub fn decode_listed<T: DeserializeOwned>(
    items: impl IntoIterator<Item = Item>,
    what: &str,
) -> Vec<T> {
    let mut skipped = 0;
    let decoded = items
        .into_iter()
        .filter_map(|item| {
            let text = |name: &str| match item.get(name) {
                Some(AttributeValue::S(value)) => value.clone(),
                _ => String::new(),
            };
            let (pk, sk) = (text("pk"), text("sk"));
            decode::<T>(item)
                .inspect_err(|error| {
                    skipped += 1;
                    tracing::error!(%pk, %sk, error = format!("{error:#}"), "skipped {what} that does not decode");
                })
                .ok()
        })
        .collect();
    if skipped > 0 {
        crate::metrics::count("UndecodableItems", skipped);
    }
    decoded
}

/// A position in a query's results as text a client hands back: the key (table and index
/// attributes) of the last item read or shown, base64url of its JSON, strings and numbers only.
pub fn encode_cursor(key: &Item) -> anyhow::Result<String> {
    use base64::Engine;
    let fields: serde_json::Map<String, serde_json::Value> = key
        .iter()
        .map(|(name, value)| {
            let value = match value {
                AttributeValue::S(text) => serde_json::json!({"S": text}),
                AttributeValue::N(number) => serde_json::json!({"N": number}),
                _ => anyhow::bail!("a key attribute {name} that is neither string nor number"),
            };
            Ok((name.clone(), value))
        })
        .collect::<anyhow::Result<_>>()?;
    let json = serde_json::to_vec(&fields).context("encoding a cursor")?;
    Ok(base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(json))
}

/// The key a cursor from [`encode_cursor`] holds, when it holds exactly the attributes `names`
/// (as strings and numbers); `None` for any other text.
pub fn decode_cursor(text: &str, names: &[&str]) -> Option<Item> {
    use base64::Engine;
    let json = base64::engine::general_purpose::URL_SAFE_NO_PAD
        .decode(text)
        .ok()?;
    let fields: HashMap<String, HashMap<String, String>> = serde_json::from_slice(&json).ok()?;
    if fields.len() != names.len() {
        return None;
    }
    names
        .iter()
        .map(|name| {
            let value = fields.get(*name)?;
            let attribute = match (value.get("S"), value.get("N")) {
                (Some(text), None) if value.len() == 1 => AttributeValue::S(text.clone()),
                (None, Some(number)) if value.len() == 1 && is_whole(number) => {
                    AttributeValue::N(number.clone())
                }
                _ => return None,
            };
            Some(((*name).to_owned(), attribute))
        })
        .collect()
}

/// A whole number as DynamoDB takes one (38 digits at most).
fn is_whole(text: &str) -> bool {
    let digits = text.strip_prefix('-').unwrap_or(text);
    (1..=38).contains(&digits.len()) && digits.bytes().all(|b| b.is_ascii_digit())
}

/// The attributes `names` of `item`: its key in an index, for a cursor.
pub fn key_of(item: &Item, names: &[&str]) -> Item {
    names
        .iter()
        .filter_map(|name| Some(((*name).to_owned(), item.get(*name)?.clone())))
        .collect()
}

/// Writes `items` unconditionally, 25 to a request, until DynamoDB has taken every one.
pub async fn batch_put(client: &Client, table: &str, items: Vec<Item>) -> anyhow::Result<()> {
    for chunk in items.chunks(25) {
        let mut pending: Vec<WriteRequest> = chunk
            .iter()
            .map(|item| {
                let put = PutRequest::builder().set_item(Some(item.clone())).build()?;
                Ok(WriteRequest::builder().put_request(put).build())
            })
            .collect::<anyhow::Result<_>>()?;
        while !pending.is_empty() {
            let output = client
                .batch_write_item()
                .request_items(table, pending)
                .send()
                .await
                .context("writing a batch")?;
            pending = output
                .unprocessed_items
                .and_then(|mut unprocessed| unprocessed.remove(table))
                .unwrap_or_default();
        }
    }
    Ok(())
}

/// Reads the items of `keys` (absent ones are left out), 100 to a request, until DynamoDB has
/// answered every key. (Not an `async fn`: a wrapper's state machine would deepen every caller's
/// future, and some handlers' are near the compiler's layout depth limit.)
pub fn batch_get<'a>(
    client: &'a Client,
    table: &'a str,
    keys: Vec<Item>,
) -> impl Future<Output = anyhow::Result<Vec<Item>>> + Send + 'a {
    batch_get_read(client, table, keys, false)
}

/// As [`batch_get`], read consistently: for a read that must see a write just made.
pub fn batch_get_consistent<'a>(
    client: &'a Client,
    table: &'a str,
    keys: Vec<Item>,
) -> impl Future<Output = anyhow::Result<Vec<Item>>> + Send + 'a {
    batch_get_read(client, table, keys, true)
}

async fn batch_get_read(
    client: &Client,
    table: &str,
    keys: Vec<Item>,
    consistent: bool,
) -> anyhow::Result<Vec<Item>> {
    // DynamoDB refuses a request that names a key twice.
    let mut distinct: Vec<Item> = Vec::with_capacity(keys.len());
    for key in keys {
        if !distinct.contains(&key) {
            distinct.push(key);
        }
    }
    let keys = distinct;
    let mut found = Vec::new();
    for chunk in keys.chunks(100) {
        let mut pending = Some(
            KeysAndAttributes::builder()
                .set_keys(Some(chunk.to_vec()))
                .consistent_read(consistent)
                .build()
                .context("batch keys")?,
        );
        while let Some(request) = pending.take() {
            let output = client
                .batch_get_item()
                .request_items(table, request)
                .send()
                .await
                .context("reading a batch")?;
            found.extend(
                output
                    .responses
                    .and_then(|mut responses| responses.remove(table))
                    .unwrap_or_default(),
            );
            pending = output
                .unprocessed_keys
                .and_then(|mut unprocessed| unprocessed.remove(table));
        }
    }
    Ok(found)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_cursor_gives_back_the_key_it_was_made_of_and_nothing_else() {
        let key: Item = HashMap::from([
            ("pk".to_owned(), AttributeValue::S("PRODUCT#1".to_owned())),
            ("votes".to_owned(), AttributeValue::N("12".to_owned())),
        ]);
        let cursor = encode_cursor(&key).unwrap();
        assert_eq!(decode_cursor(&cursor, &["pk", "votes"]), Some(key.clone()));
        assert_eq!(decode_cursor(&cursor, &["pk"]), None, "other names");
        assert_eq!(decode_cursor(&cursor, &["pk", "sk"]), None, "other names");
        let huge = encode_cursor(&HashMap::from([(
            "votes".to_owned(),
            AttributeValue::N("1e400".to_owned()),
        )]))
        .unwrap();
        assert_eq!(decode_cursor(&huge, &["votes"]), None);
        for bad in ["", "!!", "e30", "eyJwayI6IDF9"] {
            assert_eq!(decode_cursor(bad, &["pk"]), None, "{bad}");
        }
        let list = HashMap::from([("pk".to_owned(), AttributeValue::Bool(true))]);
        assert!(encode_cursor(&list).is_err());
        assert_eq!(key_of(&key, &["pk", "sk"]).len(), 1);
    }
}
