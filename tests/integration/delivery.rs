//! Shipping and tax in the checkout saga: the speed the shopper chose, what it costs, the
//! destination's tax, and the total they must have been shown (the quote shows it first); an
//! address or speed we cannot deliver fails the order naming the speeds it could have, with
//! nothing held or charged.

use crate::cart::{add, on_sale, usd};
use crate::checkout::{PRICE, assert_started, finished, ledger, spawn, stock, track};
use crate::helpers::{As, Call, TestApp};
use serde_json::{Value, json};
use shared::clock::Timestamp;
use shared::payments::LedgerTotals;

fn seattle() -> Value {
    json!({"name": "Ada Lovelace", "line1": "1 Main St", "city": "Seattle", "region": "WA",
           "postal_code": "98101", "country": "US"})
}

fn checkout_to(shopper: &str, key: &str, to: &Value, speed: &str, total: u64) -> Call {
    Call::new("POST", "/api/v1/orders/checkout", "/api/v1/orders/checkout")
        .by(As::Customer(shopper))
        .header("idempotency-key", key)
        .json(&json!({"shipping_address": to, "shipping_speed": speed,
                      "payment_token": "tok_visa", "expected_total": usd(total)}))
}

fn quote(shopper: &str, body: &Value) -> Call {
    let path = "/api/v1/orders/quote";
    Call::new("POST", path, path)
        .by(As::Customer(shopper))
        .json(body)
}

/// Each quoted speed with its shipping, tax and total.
async fn quoted(app: &TestApp, shopper: &str, to: &Value) -> Vec<(String, Value, Value, Value)> {
    let answer = app
        .send(quote(shopper, &json!({"shipping_address": to})))
        .await;
    assert_eq!(answer.status, 200, "{}", answer.body);
    let options = answer.body["options"].as_array().unwrap().iter();
    options
        .map(|o| {
            let speed = o["speed"].as_str().unwrap().to_owned();
            (
                speed,
                o["shipping"].clone(),
                o["tax"].clone(),
                o["total"].clone(),
            )
        })
        .collect()
}

/// The order its checkout ended with.
async fn bought(app: &TestApp, call: Call, shopper: &str) -> Value {
    let started = app.send(call).await;
    assert_started(&started);
    finished(app, shopper, started.body["id"].as_str().unwrap()).await
}

fn seconds(text: &Value) -> i64 {
    Timestamp::try_from(text.as_str().unwrap().to_owned())
        .unwrap()
        .secs()
}

#[tokio::test]
async fn an_order_pays_its_speed_and_its_destination_s_tax_and_must_have_shown_the_total() {
    let app = spawn().await;
    app.start_event_sources();
    on_sale(&app, "seller-a", "TAX-A", "lamps", 5).await;
    assert_eq!(app.send(add("ann", "TAX-A", 1)).await.status, 200);

    // Express to Seattle: $12.99, and Washington's 10.25 % on the goods and the shipping;
    // standard is free from $25. The quote shows both, writing nothing.
    let (shipping, line_tax, shipping_tax) = (1_299, 5_125, 133);
    let total = PRICE + shipping + line_tax + shipping_tax;
    assert_eq!(
        quoted(&app, "ann", &seattle()).await,
        [
            (
                "standard".into(),
                usd(0),
                usd(line_tax),
                usd(PRICE + line_tax)
            ),
            (
                "express".into(),
                usd(shipping),
                usd(line_tax + shipping_tax),
                usd(total)
            ),
        ]
    );
    assert_eq!(stock(&app, "TAX-A").await, (5, 0), "nothing held");
    let shown_without = checkout_to("ann", "tax-0001", &seattle(), "express", PRICE);
    let failed = bought(&app, shown_without, "ann").await;
    assert_eq!(failed["status"], "failed", "{failed}");
    assert_eq!(
        failed["failure"],
        json!({"reason": "price_changed", "total": usd(total)}),
        "the shopper is told the total to agree to"
    );
    assert_eq!(stock(&app, "TAX-A").await, (5, 0), "nothing held");

    let order = bought(
        &app,
        checkout_to("ann", "tax-0002", &seattle(), "express", total),
        "ann",
    )
    .await;
    assert_eq!(order["status"], "confirmed", "{order}");
    assert_eq!(order["shipping_speed"], "express");
    let priced = &order["priced"];
    assert_eq!(priced["shipping"], usd(shipping));
    assert_eq!(priced["lines"][0]["tax"], usd(line_tax));
    assert_eq!(priced["tax"], usd(line_tax + shipping_tax));
    assert_eq!(priced["total"], usd(total));
    let captured = ledger(&app).await;
    assert_eq!(
        captured,
        LedgerTotals {
            captured: total,
            ..captured
        },
        "the card pays the total with shipping and tax"
    );
    // One day's handling, one day with the carrier.
    let tracking = app.send(track("ann", order["id"].as_str().unwrap())).await;
    let parcel = &tracking.body["shipments"][0];
    let days = seconds(&parcel["estimated_delivery"]) - seconds(&order["created_at"]);
    assert!(
        (2 * 86_400..2 * 86_400 + 600).contains(&days),
        "{}",
        tracking.body
    );
}

#[tokio::test]
async fn an_address_or_speed_we_cannot_deliver_fails_and_same_day_ships_from_the_local_center() {
    let app = spawn().await;
    app.start_event_sources();
    on_sale(&app, "seller-a", "SAME-A", "lamps", 5).await;
    let (sku, sea) = ("SAME-A".parse().unwrap(), "FC-SEA1".parse().unwrap());
    app.inventory().set_on_hand(&sku, &sea, 2).await.unwrap();

    let tokyo = json!({"name": "Ada", "line1": "1-1 Chiyoda", "city": "Tokyo",
                       "postal_code": "100-0001", "country": "JP"});
    let toronto = json!({"name": "Ada", "line1": "1 King St W", "city": "Toronto",
                         "region": "ON", "postal_code": "M5H 1A1", "country": "CA"});
    assert_eq!(app.send(add("cy", "SAME-A", 1)).await.status, 200);
    for (key, to, speed, speeds) in [
        ("ship-0001", &tokyo, "standard", json!([])),
        (
            "ship-0002",
            &toronto,
            "same_day",
            json!(["standard", "express"]),
        ),
    ] {
        let order = bought(&app, checkout_to("cy", key, to, speed, PRICE), "cy").await;
        assert_eq!(
            order["failure"],
            json!({"reason": "address_not_deliverable", "speed": speed, "speeds": speeds}),
            "{order}"
        );
    }
    assert_eq!(stock(&app, "SAME-A").await, (7, 0), "nothing held");
    assert_eq!(
        ledger(&app).await,
        LedgerTotals::default(),
        "nothing charged"
    );

    // The quote refuses as checkout would, before anything is ordered.
    for (shopper, body, reason) in [
        (
            "cy",
            json!({"shipping_address": tokyo}),
            "address_not_deliverable",
        ),
        (
            "nobody",
            json!({"shipping_address": seattle()}),
            "cart_empty",
        ),
        (
            "cy",
            json!({"shipping_address": seattle(), "buy_now": {"sku": "SAME-A", "quantity": 30}}),
            "out_of_stock",
        ),
    ] {
        let refused = app.send(quote(shopper, &body)).await;
        refused.assert_problem(422);
        assert_eq!(refused.body["reason"], reason, "{}", refused.body);
    }
    app.send(quote("cy", &json!({})))
        .await
        .assert_unprocessable("shipping_address");

    // Same-day to Seattle: Seattle's center has the two units; $19.99, taxed.
    assert_eq!(app.send(add("dee", "SAME-A", 2)).await.status, 200);
    let total = 2 * PRICE + 1_999 + 10_250 + 205;
    let speeds: Vec<_> = quoted(&app, "dee", &seattle()).await;
    assert_eq!(
        speeds.iter().map(|o| o.0.as_str()).collect::<Vec<_>>(),
        ["standard", "express", "same_day"]
    );
    assert_eq!(speeds[2].3, usd(total), "same-day's total is checkout's");
    let call = checkout_to("dee", "ship-0003", &seattle(), "same_day", total);
    let order = bought(&app, call, "dee").await;
    assert_eq!(order["status"], "confirmed", "{order}");
    let tracking = app.send(track("dee", order["id"].as_str().unwrap())).await;
    let parcels = tracking.body["shipments"].as_array().unwrap();
    assert_eq!(parcels.len(), 1, "{}", tracking.body);
    assert_eq!(
        parcels[0]["location"], "FC-SEA1",
        "not the test's own center"
    );
    let days = seconds(&parcels[0]["estimated_delivery"]) - seconds(&order["created_at"]);
    assert!(
        (0..600).contains(&days),
        "delivered today: {}",
        tracking.body
    );

    // Seattle's center is empty now: same-day is no longer one of the speeds.
    let order = bought(
        &app,
        checkout_to("cy", "ship-0004", &seattle(), "same_day", PRICE),
        "cy",
    )
    .await;
    assert_eq!(
        order["failure"],
        json!({"reason": "address_not_deliverable", "speed": "same_day",
               "speeds": ["standard", "express"]}),
    );
}
