//! Bulk CSV stock feeds: a presigned PUT to S3, the object-created event through SQS to the
//! import, the good lines applied through the stock feed's queue, the bad ones reported by line.

use crate::catalog::{create, listing, on_hand};
use crate::helpers::{Answer, As, Call, TestApp, ends_in_dead_letters, eventually};
use serde_json::{Value, json};

const FEEDS: &str = "/api/v1/seller/inventory/feeds";

fn new_feed(caller: As, content_length: usize) -> Call {
    Call::new("POST", FEEDS, FEEDS)
        .by(caller)
        .json(&json!({"content_length": content_length}))
}

fn feed_report(seller: &str, id: &str) -> Call {
    Call::new(
        "GET",
        "/api/v1/seller/inventory/feeds/{id}",
        &format!("{FEEDS}/{id}"),
    )
    .by(As::Seller(seller))
}

/// Starts a feed for `seller` and uploads `csv` as a seller's client would: its id.
async fn upload(app: &TestApp, seller: &str, csv: &str) -> String {
    let created = app.send(new_feed(As::Seller(seller), csv.len())).await;
    assert_eq!(created.status, 201, "{}", created.body);
    let id = created.body["feed_id"].as_str().unwrap().to_owned();
    assert_eq!(created.header("location"), format!("{FEEDS}/{id}"));
    let waiting = app.send(feed_report(seller, &id)).await;
    assert_eq!(waiting.body["feed"], "awaiting_upload", "{}", waiting.body);
    crate::helpers::put_presigned(&created.body["upload"], csv.as_bytes().to_vec()).await;
    id
}

/// The feed's report once it is imported and every line has an outcome.
async fn settled(app: &TestApp, seller: &str, id: &str) -> Value {
    eventually(90, "the feed imported and applied", || async {
        let report: Answer = app.send(feed_report(seller, id)).await;
        assert_eq!(report.status, 200, "{}", report.body);
        (report.body["feed"] == "imported" && report.body["pending"] == 0).then_some(report.body)
    })
    .await
}

#[tokio::test]
async fn a_csv_feed_applies_its_good_lines_and_reports_the_bad_ones_by_line_number() {
    let app = TestApp::spawn().await;
    app.start_event_sources();
    create(&app, "seller-a", &listing("CSV-A", "Lamp", "lamps")).await;
    create(&app, "seller-a", &listing("CSV-B", "Desk", "desks")).await;
    create(&app, "seller-b", &listing("CSV-C", "Chair", "chairs")).await;
    let csv = "\u{feff}sku,location,quantity,delta,sequence\r\n\
               CSV-A,FC-SEA1,40,,1\r\n\
               CSV-A,FC-SEA1,,-5,2\n\
               CSV-B,FC-SEA1,-3,,1\n\
               \n\
               CSV-C,FC-SEA1,9,,1\n\
               CSV-B,FC-SEA1,12,4,2\n\
               \"CSV-B\",\"FC-DFW2\",7,,3\n\
               CSV-B,FC-SEA1,3\n";
    let id = upload(&app, "seller-a", csv).await;
    let report = settled(&app, "seller-a", &id).await;
    assert_eq!(
        (
            report["lines"].clone(),
            report["applied"].clone(),
            report["failed"].clone()
        ),
        (json!(7), json!(3), json!(4)),
        "{report}"
    );
    let errors: Vec<(u64, String)> = report["errors"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| {
            (
                e["line"].as_u64().unwrap(),
                e["error"].as_str().unwrap().to_owned(),
            )
        })
        .collect();
    let lines: Vec<u64> = errors.iter().map(|(line, _)| *line).collect();
    assert_eq!(lines, [4, 6, 7, 9], "{errors:?}");
    assert!(errors[0].1.starts_with("quantity: "), "{errors:?}");
    assert_eq!(errors[1].1, "CSV-C is not one of this seller's SKUs");
    assert_eq!(errors[2].1, "must have exactly one of quantity and delta");
    assert_eq!(errors[3].1, "has 3 fields where the header names 5");
    assert_eq!(on_hand(&app, "CSV-A").await, 35);
    assert_eq!(on_hand(&app, "CSV-B").await, 7);
    assert_eq!(
        on_hand(&app, "CSV-C").await,
        0,
        "another seller's SKU is untouched"
    );

    // S3 may announce a file twice: the second changes nothing.
    let sqs = aws_sdk_sqs::Client::new(&app.sdk);
    let event = json!({"Records": [{"eventSource": "aws:s3", "eventName": "ObjectCreated:Put",
        "s3": {"bucket": {"name": app.reference("FeedsBucket")},
               "object": {"key": format!("feeds%2Fseller-a%2F{id}.csv"), "size": csv.len()}}}]});
    sqs.send_message()
        .queue_url(app.reference("StockFeedUploadsQueue"))
        .message_body(event.to_string())
        .send()
        .await
        .unwrap();
    tokio::time::sleep(std::time::Duration::from_secs(3)).await;
    assert_eq!(settled(&app, "seller-a", &id).await, report);
    assert_eq!(on_hand(&app, "CSV-A").await, 35);
}

#[tokio::test]
async fn a_feed_whose_header_cannot_be_read_fails_at_line_1() {
    let app = TestApp::spawn().await;
    app.start_event_sources();
    let id = upload(
        &app,
        "seller-a",
        "sku,where,quantity,sequence\nCSV-A,FC-SEA1,4,1\n",
    )
    .await;
    let report = settled(&app, "seller-a", &id).await;
    assert_eq!(
        (report["lines"].clone(), report["failed"].clone()),
        (json!(1), json!(1))
    );
    assert_eq!(report["errors"][0]["line"], 1);
    assert!(
        report["errors"][0]["error"]
            .as_str()
            .unwrap()
            .contains("\"where\""),
        "{report}"
    );
}

#[tokio::test]
async fn feeds_are_the_sellers_own_and_bad_requests_are_refused() {
    let app = TestApp::spawn().await;
    app.send(new_feed(As::Seller("seller-a"), 0))
        .await
        .assert_invalid("content_length");
    app.send(new_feed(As::Seller("seller-a"), 200 * 1024 * 1024))
        .await
        .assert_invalid("content_length");
    app.send(new_feed(As::Customer("ann"), 10))
        .await
        .assert_problem(403);
    let created = app.send(new_feed(As::Seller("seller-a"), 10)).await;
    let id = created.body["feed_id"].as_str().unwrap();
    app.send(feed_report("seller-b", id))
        .await
        .assert_problem(404);
    app.send(feed_report("seller-a", "not-a-feed"))
        .await
        .assert_invalid("id");
    // A JSON batch is not a feed.
    create(&app, "seller-a", &listing("CSV-Z", "Shelf", "shelves")).await;
    let line = json!({"sku": "CSV-Z", "location": "FC-SEA1", "quantity": 1, "sequence": 1});
    let batch = Call::new(
        "POST",
        "/api/v1/seller/inventory",
        "/api/v1/seller/inventory",
    )
    .by(As::Seller("seller-a"))
    .json(&json!({"lines": [line]}));
    let batch = app.send(batch).await;
    assert_eq!(batch.status, 202, "{}", batch.body);
    let batch_id = batch.body["batch_id"].as_str().unwrap();
    app.send(feed_report("seller-a", batch_id))
        .await
        .assert_problem(404);
}

#[tokio::test]
async fn a_message_that_is_no_s3_event_ends_in_the_dead_letter_queue() {
    let app = TestApp::spawn().await;
    app.start_event_sources();
    ends_in_dead_letters(
        &app,
        "StockFeedUploadsQueue",
        "StockFeedUploadsDLQ",
        "not an event",
    )
    .await;
}
