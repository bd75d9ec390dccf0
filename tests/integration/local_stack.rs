//! The local stack itself: its DynamoDB must behave as AWS does where outcomes depend on it
//! (concurrency, TTL), or a test could pass or fail because of the emulator.

use crate::helpers::{repo_root, sdk_config, unique_prefix};
use aws_sdk_dynamodb::types::{
    AttributeDefinition, AttributeValue, BillingMode, KeySchemaElement, KeyType,
    ScalarAttributeType, StreamSpecification, StreamViewType, TimeToLiveSpecification,
};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

/// A table keyed on `pk` alone, with a stream of both images when `stream` is set.
async fn create_table(client: &aws_sdk_dynamodb::Client, name: &str, stream: bool) {
    let mut request = client
        .create_table()
        .table_name(name)
        .billing_mode(BillingMode::PayPerRequest)
        .attribute_definitions(
            AttributeDefinition::builder()
                .attribute_name("pk")
                .attribute_type(ScalarAttributeType::S)
                .build()
                .unwrap(),
        )
        .key_schema(
            KeySchemaElement::builder()
                .attribute_name("pk")
                .key_type(KeyType::Hash)
                .build()
                .unwrap(),
        );
    if stream {
        request = request.stream_specification(
            StreamSpecification::builder()
                .stream_enabled(true)
                .stream_view_type(StreamViewType::NewAndOldImages)
                .build()
                .unwrap(),
        );
    }
    request.send().await.unwrap();
}

fn s(value: &str) -> AttributeValue {
    AttributeValue::S(value.to_owned())
}

fn n(value: u64) -> AttributeValue {
    AttributeValue::N(value.to_string())
}

/// A flash sale: `buyers` concurrent conditional decrements of one counter holding `units`.
/// Returns (sold, left).
async fn flash_sale(
    client: &aws_sdk_dynamodb::Client,
    table: &str,
    units: u64,
    buyers: usize,
) -> (usize, u64) {
    client
        .put_item()
        .table_name(table)
        .item("pk", s("SKU#HOT"))
        .item("available", n(units))
        .send()
        .await
        .unwrap();
    let buy = || async {
        client
            .update_item()
            .table_name(table)
            .key("pk", s("SKU#HOT"))
            .update_expression("SET available = available - :one")
            .condition_expression("available >= :one")
            .expression_attribute_values(":one", n(1))
            .send()
            .await
    };
    let outcomes = futures::future::join_all((0..buyers).map(|_| buy())).await;
    let mut sold = 0;
    for outcome in outcomes {
        match outcome {
            Ok(_) => sold += 1,
            Err(error) => assert!(
                error
                    .as_service_error()
                    .is_some_and(|e| e.is_conditional_check_failed_exception()),
                "a buyer failed otherwise: {error:?}"
            ),
        }
    }
    let item = client
        .get_item()
        .table_name(table)
        .key("pk", s("SKU#HOT"))
        .consistent_read(true)
        .send()
        .await
        .unwrap()
        .item
        .unwrap();
    let AttributeValue::N(left) = &item["available"] else {
        panic!("{item:?}")
    };
    (sold, left.parse().unwrap())
}

/// Conditional decrements never oversell, however many arrive at once: a lost update here would
/// make every stock test meaningless. `FLASH_SALE_RUNS` repeats it (5 by default).
#[tokio::test]
async fn concurrent_conditional_decrements_never_oversell() {
    let client = aws_sdk_dynamodb::Client::new(&sdk_config().await);
    let table = format!("{}-flash-sale", unique_prefix());
    create_table(&client, &table, false).await;
    let runs: usize = std::env::var("FLASH_SALE_RUNS").map_or(5, |r| r.parse().unwrap());
    let mut oversold = Vec::new();
    let started = Instant::now();
    for run in 0..runs {
        let buyers = if run % 2 == 0 { 200 } else { 500 };
        let (sold, left) = flash_sale(&client, &table, 50, buyers).await;
        if (sold, left) != (50, 0) {
            oversold.push(format!(
                "run {run}: {buyers} buyers, {sold} sold, {left} left"
            ));
        }
    }
    println!("{runs} flash sales of 50 units in {:?}", started.elapsed());
    assert!(
        oversold.is_empty(),
        "{} of {runs} runs went wrong: {oversold:?}",
        oversold.len()
    );
}

/// A DynamoDB server of the local stack's own kind, for a test that needs to signal it.
struct LocalDynamoDb {
    child: Child,
    client: aws_sdk_dynamodb::Client,
    streams: aws_sdk_dynamodbstreams::Client,
}

impl LocalDynamoDb {
    async fn start() -> Self {
        let target = std::env::var("CARGO_TARGET_DIR")
            .map(std::path::PathBuf::from)
            .unwrap_or_else(|_| repo_root().join("target"));
        let port = std::net::TcpListener::bind("127.0.0.1:0")
            .unwrap()
            .local_addr()
            .unwrap()
            .port();
        // An hour between sweeps: only the test's SIGUSR1 sweeps.
        let child = Command::new(target.join("debug/rainforest-local"))
            .args([
                "dynamodb",
                "--port",
                &port.to_string(),
                "--ttl-sweep-seconds",
                "3600",
            ])
            .stdout(Stdio::null())
            .spawn()
            .expect("rainforest-local is built (infra/test builds it first)");
        let endpoint = format!("http://127.0.0.1:{port}");
        let deadline = Instant::now() + Duration::from_secs(30);
        while std::net::TcpStream::connect(("127.0.0.1", port)).is_err() {
            assert!(Instant::now() < deadline, "dynoxide did not start");
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
        let sdk = sdk_config().await;
        let client = aws_sdk_dynamodb::Client::from_conf(
            aws_sdk_dynamodb::config::Builder::from(&sdk)
                .endpoint_url(&endpoint)
                .build(),
        );
        let streams = aws_sdk_dynamodbstreams::Client::from_conf(
            aws_sdk_dynamodbstreams::config::Builder::from(&sdk)
                .endpoint_url(&endpoint)
                .build(),
        );
        Self {
            child,
            client,
            streams,
        }
    }

    /// Asks for a TTL sweep now, as a test may.
    fn sweep(&self) {
        let status = Command::new("kill")
            .args(["-USR1", &self.child.id().to_string()])
            .status();
        assert!(status.unwrap().success());
    }
}

impl Drop for LocalDynamoDb {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// An expired item is deleted by the TTL sweep, and its REMOVE record reaches the stream as
/// DynamoDB's own (the service's `userIdentity`), so a consumer can tell expiry from a delete.
#[tokio::test]
async fn an_expired_item_is_swept_and_its_removal_reaches_the_stream() {
    let dynamodb = LocalDynamoDb::start().await;
    let client = &dynamodb.client;
    let table = "reservations";
    create_table(client, table, true).await;
    client
        .update_time_to_live()
        .table_name(table)
        .time_to_live_specification(
            TimeToLiveSpecification::builder()
                .attribute_name("expires_at")
                .enabled(true)
                .build()
                .unwrap(),
        )
        .send()
        .await
        .unwrap();
    let now = SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .unwrap()
        .as_secs();
    for (pk, expires) in [("EXPIRED", now - 60), ("LIVE", now + 3600)] {
        client
            .put_item()
            .table_name(table)
            .item("pk", s(pk))
            .item("expires_at", n(expires))
            .send()
            .await
            .unwrap();
    }
    dynamodb.sweep();
    let get = |pk: &'static str| async move {
        client
            .get_item()
            .table_name(table)
            .key("pk", s(pk))
            .consistent_read(true)
            .send()
            .await
            .unwrap()
            .item
    };
    let deadline = Instant::now() + Duration::from_secs(10);
    while get("EXPIRED").await.is_some() {
        assert!(Instant::now() < deadline, "the expired item is still there");
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    assert!(get("LIVE").await.is_some(), "an item not yet expired stays");

    let described = client
        .describe_table()
        .table_name(table)
        .send()
        .await
        .unwrap();
    let stream = described.table.unwrap().latest_stream_arn.unwrap();
    let shards = dynamodb
        .streams
        .describe_stream()
        .stream_arn(&stream)
        .send()
        .await
        .unwrap();
    let shard = shards.stream_description.unwrap().shards.unwrap()[0]
        .shard_id
        .clone()
        .unwrap();
    let iterator = dynamodb
        .streams
        .get_shard_iterator()
        .stream_arn(&stream)
        .shard_id(shard)
        .shard_iterator_type(aws_sdk_dynamodbstreams::types::ShardIteratorType::TrimHorizon)
        .send()
        .await
        .unwrap()
        .shard_iterator
        .unwrap();
    let records = dynamodb
        .streams
        .get_records()
        .shard_iterator(iterator)
        .send()
        .await
        .unwrap()
        .records
        .unwrap();
    let removal = records
        .into_iter()
        .find(|r| {
            r.event_name
                .as_ref()
                .is_some_and(|e| e.as_str() == "REMOVE")
        })
        .expect("a REMOVE record");
    // As a stream consumer gets it from the local system's event source mapping.
    let event = rainforest_local::mappings::stream_record(removal, &stream, "us-east-1").unwrap();
    assert_eq!(
        event["dynamodb"]["Keys"]["pk"],
        serde_json::json!({"S": "EXPIRED"})
    );
    assert_eq!(
        event["userIdentity"],
        serde_json::json!({"type": "Service", "principalId": "dynamodb.amazonaws.com"}),
        "an expiry, told from a delete: {event}"
    );
    let record: aws_lambda_events::event::dynamodb::EventRecord =
        serde_json::from_value(event).unwrap();
    assert_eq!(record.event_name, "REMOVE");
}
