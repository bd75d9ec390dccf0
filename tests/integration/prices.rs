//! Seller price changes: the price route, `PriceChanged` on SNS, and its SQS subscribers, each
//! with its own filter policy (the Buy Box summary that category listings show).

use crate::catalog::{browse, create, listing};
use crate::helpers::{
    As, Call, TestApp, ends_in_dead_letters, eventually, receive, subscribed_queue,
};
use crate::inventory::request;
use serde_json::{Value, json};
use shared::inventory::{ReservationId, Reserved};
use std::time::Duration;

fn set_price(caller: As, sku: &str, body: &Value) -> Call {
    Call::new(
        "PUT",
        "/api/v1/seller/offers/{sku}/price",
        &format!("/api/v1/seller/offers/{sku}/price"),
    )
    .by(caller)
    .json(body)
}

fn usd(amount: u64) -> Value {
    json!({"amount": amount, "currency": "USD"})
}

/// A queue subscribed to the price-change topic with `filter`, as another team's would be.
async fn subscriber(app: &TestApp, name: &str, filter: &Value) -> String {
    let topic = app.reference("PriceChangesTopic");
    let name = format!("{}-{name}", crate::helpers::unique_prefix());
    subscribed_queue(&app.sdk, &topic, &name, Some(filter)).await
}

/// The Buy Box summary browse shows for the only product of `category`, once it satisfies `done`.
async fn listed(app: &TestApp, category: &str, done: impl Fn(&Value) -> bool) -> Value {
    eventually(60, "the Buy Box summary on browse", || async {
        let page = app.send(browse(category, "")).await;
        assert_eq!(page.status, 200, "{}", page.body);
        let summary = page.body["items"][0]["buy_box"].clone();
        done(&summary).then_some(summary)
    })
    .await
}

#[tokio::test]
async fn a_price_change_reaches_every_subscriber_and_browse_shows_it() {
    let app = TestApp::spawn().await;
    let mine = subscriber(&app, "mine", &json!({"seller_id": ["seller-a"]})).await;
    let theirs = subscriber(&app, "theirs", &json!({"seller_id": ["seller-z"]})).await;
    app.start_event_sources();
    create(
        &app,
        "seller-a",
        &listing("PRICE-A", "Lamp", "reading-lamps"),
    )
    .await;
    app.stock("PRICE-A", 5).await;
    // The new offer is a price change too: its summary appears (stock arrived after it, so a
    // later change is what shows the units).
    listed(&app, "reading-lamps", |summary| summary.is_object()).await;

    let body = json!({"price": usd(1_999), "shipping": usd(500)});
    let repriced = app
        .send(set_price(As::Seller("seller-a"), "PRICE-A", &body))
        .await;
    assert_eq!(repriced.status, 200, "{}", repriced.body);
    assert_eq!(
        (
            repriced.body["price"].clone(),
            repriced.body["shipping"].clone(),
            repriced.body["version"].clone()
        ),
        (usd(1_999), usd(500), json!(2))
    );
    let summary = listed(&app, "reading-lamps", |summary| {
        summary["winner"]["landed_price"] == usd(2_499)
    })
    .await;
    assert_eq!(
        summary,
        json!({
            "winner": {"landed_price": usd(2_499), "seller_id": "seller-a", "sku": "PRICE-A"},
            "availability": {"status": "only_left", "quantity": 5},
            "offer_count": 1,
            "listed_offers": 1
        })
    );

    // The seller's own subscriber got both changes; one filtering on another seller got none.
    let sqs = aws_sdk_sqs::Client::new(&app.sdk);
    let mut seen: Vec<Value> = Vec::new();
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(30);
    while seen.len() < 2 && std::time::Instant::now() < deadline {
        let bodies = receive(&sqs, &mine).await;
        seen.extend(
            bodies
                .iter()
                .map(|b| serde_json::from_str::<Value>(b).unwrap()),
        );
    }
    let landed: Vec<&Value> = seen.iter().map(|c| &c["new_landed_price"]).collect();
    assert!(
        landed.contains(&&usd(49_999)) && landed.contains(&&usd(2_499)),
        "{seen:?}"
    );
    assert_eq!(receive(&sqs, &theirs).await, Vec::<String>::new());
}

/// Browse's Buy Box follows stock, not only prices: selling the last units takes the winner off,
/// a restock puts it back, and a reservation that leaves a few shows "only N left".
#[tokio::test]
async fn browse_shows_the_buy_box_as_stock_sells_and_comes_back() {
    let app = TestApp::spawn().await;
    app.start_event_sources();
    create(&app, "seller-a", &listing("STOCK-A", "Kettle", "kettles")).await;
    app.stock("STOCK-A", 40).await;
    let in_stock = json!({"status": "in_stock"});
    listed(&app, "kettles", |summary| {
        summary["availability"] == in_stock
    })
    .await;

    let (sku, fc) = ("STOCK-A".parse().unwrap(), "FC-TEST".parse().unwrap());
    let store = app.inventory();
    let take = async |units: u32| {
        let reserved = store
            .reserve(
                ReservationId::generate(),
                &request(&[(&sku, &fc, units)]),
                Duration::from_secs(600),
            )
            .await
            .unwrap();
        assert!(matches!(reserved, Reserved::Held(_)), "{reserved:?}");
    };
    take(37).await;
    let few = listed(&app, "kettles", |summary| {
        summary["availability"]["status"] == "only_left"
    })
    .await;
    assert_eq!(
        few["availability"],
        json!({"status": "only_left", "quantity": 3})
    );
    take(3).await;
    let sold_out = listed(&app, "kettles", |summary| summary["winner"].is_null()).await;
    assert_eq!(
        sold_out,
        json!({"winner": null, "availability": {"status": "out_of_stock"}, "offer_count": 0, "listed_offers": 1})
    );

    app.stock("STOCK-A", 60).await;
    let back = listed(&app, "kettles", |summary| summary["winner"].is_object()).await;
    assert_eq!(
        (back["winner"]["sku"].clone(), back["availability"].clone()),
        (json!("STOCK-A"), in_stock)
    );
}

#[tokio::test]
async fn a_message_that_is_not_a_price_change_ends_in_the_dead_letter_queue() {
    let app = TestApp::spawn().await;
    app.start_event_sources();
    ends_in_dead_letters(
        &app,
        "BuyBoxQueue",
        "BuyBoxDLQ",
        "{\"not\": \"a price change\"}",
    )
    .await;
}

#[tokio::test]
async fn bad_prices_and_other_sellers_skus_are_refused_and_change_nothing() {
    let app = TestApp::spawn().await;
    let id = create(&app, "seller-a", &listing("PRICE-B", "Desk", "desks")).await;
    let seller = As::Seller("seller-a");
    let send = |caller, sku: &str, body: Value| app.send(set_price(caller, sku, &body));
    send(seller, "PRICE-B", json!({"price": usd(0)}))
        .await
        .assert_invalid("price.amount");
    send(
        seller,
        "PRICE-B",
        json!({"price": usd(100), "shipping": {"amount": 1, "currency": "EUR"}}),
    )
    .await
    .assert_unprocessable("shipping.currency");
    send(
        seller,
        "PRICE-B",
        json!({"price": {"amount": 100, "currency": "EUR"}}),
    )
    .await
    .assert_unprocessable("price.currency");
    send(seller, "PRICE-B", json!({"price": usd(100), "discount": 5}))
        .await
        .assert_field_refused(400, "discount");
    send(seller, "PRICE-B", json!({}))
        .await
        .assert_field_refused(400, "price");
    send(
        As::Seller("seller-b"),
        "PRICE-B",
        json!({"price": usd(100)}),
    )
    .await
    .assert_problem(404);
    send(seller, "NO-SUCH-SKU", json!({"price": usd(100)}))
        .await
        .assert_problem(404);
    send(
        As::Customer("shopper"),
        "PRICE-B",
        json!({"price": usd(100)}),
    )
    .await
    .assert_problem(403);
    let page = app.send(crate::catalog::get(&id)).await;
    assert_eq!(page.body["other_offers"][0]["price"], usd(49_999));
    assert_eq!(page.body["other_offers"][0]["version"], 1);
}
