//! Returns and refunds on the local stack: real orders, delivered by the simulated warehouse and
//! carrier; returns through their routes, the carrier's pick-up through the fulfillment queue,
//! and the refund and restock through the orders table's stream, as on AWS.

use crate::cart::{add, on_sale};
use crate::checkout::{PRICE, ledger, stock, track};
use crate::helpers::{As, Call, TestApp, eventually, receive, subscribed_queue, unique_prefix};
use crate::shipments::{merchant_on_sale, order, seller_orders, ship};
use serde_json::{Value, json};

/// A return request under a key of its own (its body's digest: the same body, the same key).
fn request_return(shopper: &str, order: &str, body: &Value) -> Call {
    let path = format!("/api/v1/orders/{order}/returns");
    let key = format!("{order}-{}", shared::api::request_digest(body).unwrap());
    Call::new("POST", "/api/v1/orders/{id}/returns", &path)
        .by(As::Customer(shopper))
        .header("idempotency-key", &key[..64])
        .json(body)
}

fn returns_of(shopper: &str, order: &str) -> Call {
    let path = format!("/api/v1/orders/{order}/returns");
    Call::new("GET", "/api/v1/orders/{id}/returns", &path).by(As::Customer(shopper))
}

fn receive_return(caller: As, id: &str, condition: &str) -> Call {
    let path = format!("/api/v1/returns/{id}/receipt");
    Call::new("POST", "/api/v1/returns/{id}/receipt", &path)
        .by(caller)
        .json(&json!({"condition": condition}))
}

fn decide(seller: &str, id: &str, decision: &str) -> Call {
    let path = format!("/api/v1/seller/returns/{id}/decision");
    Call::new("POST", "/api/v1/seller/returns/{id}/decision", &path)
        .by(As::Seller(seller))
        .json(&json!({"decision": decision}))
}

fn one(sku: &str, quantity: u32, reason: &str) -> Value {
    json!({"lines": [{"sku": sku, "quantity": quantity}], "reason": reason})
}

/// Waits for the order to be delivered.
pub(crate) async fn delivered(app: &TestApp, shopper: &str, id: &str) {
    eventually(120, "the order delivered", || async {
        let tracking = app.send(track(shopper, id)).await;
        (tracking.body["status"] == "delivered").then_some(())
    })
    .await;
}

/// The return once it has reached `status`.
async fn reached(app: &TestApp, shopper: &str, order: &str, id: &str, status: &str) -> Value {
    eventually(60, &format!("the return {status}"), || async {
        let listed = app.send(returns_of(shopper, order)).await;
        assert_eq!(listed.status, 200, "{}", listed.body);
        listed.body["returns"]
            .as_array()
            .unwrap()
            .iter()
            .find(|r| r["return_id"] == id && r["status"] == status)
            .cloned()
    })
    .await
}

fn steps(ret: &Value) -> Vec<String> {
    let steps = ret["timeline"].as_array().unwrap();
    let times: Vec<&str> = steps.iter().map(|s| s["at"].as_str().unwrap()).collect();
    assert!(times.windows(2).all(|w| w[0] <= w[1]), "{ret}");
    steps
        .iter()
        .map(|s| s["status"].as_str().unwrap().to_owned())
        .collect()
}

#[tokio::test]
async fn a_return_goes_from_request_to_refund_and_only_sellable_units_go_back_on_hand() {
    let app = TestApp::spawn().await;
    let name = format!("{}-vi-events", unique_prefix());
    let topic = app.reference("OrderEventsTopic");
    let events = subscribed_queue(
        &app.sdk,
        &topic,
        &name,
        Some(&json!({"customer_id": ["vi"]})),
    )
    .await;
    app.start_event_sources();
    on_sale(&app, "seller-r", "RET-R", "lamps", 5).await;
    assert_eq!(app.send(add("vi", "RET-R", 2)).await.status, 200);
    let id = order(&app, "vi", "vi-order-1", 2 * PRICE).await["id"]
        .as_str()
        .unwrap()
        .to_owned();
    delivered(&app, "vi", &id).await;
    assert_eq!(stock(&app, "RET-R").await, (3, 0), "two units left");

    // One lamp arrived broken: Rainforest shipped it, so the return is approved at once.
    let asked = app
        .send(request_return("vi", &id, &one("RET-R", 1, "damaged")))
        .await;
    assert_eq!(asked.status, 201, "{}", asked.body);
    let ret = &asked.body["returns"][0];
    assert_eq!(ret["status"], "approved", "{ret}");
    assert_eq!(ret["label"]["carrier"], "Rainforest Logistics");
    assert_eq!(ret["refund"]["amount"], PRICE);
    let first = ret["return_id"].as_str().unwrap().to_owned();
    let retried = app
        .send(request_return("vi", &id, &one("RET-R", 1, "damaged")))
        .await;
    assert_eq!(retried.status, 201, "{}", retried.body);
    assert_eq!(
        retried.body["returns"][0]["return_id"],
        first.as_str(),
        "a retry opens nothing"
    );

    // Only the warehouse receives it, once the carrier has it.
    let in_transit = reached(&app, "vi", &id, &first, "in_transit").await;
    assert_eq!(steps(&in_transit), ["requested", "approved", "in_transit"]);
    app.send(receive_return(As::Customer("vi"), &first, "sellable"))
        .await
        .assert_problem(403);
    app.send(receive_return(As::Seller("seller-r"), &first, "sellable"))
        .await
        .assert_problem(403);
    let received = app
        .send(receive_return(As::Admin("admin-1"), &first, "sellable"))
        .await;
    assert_eq!(received.status, 200, "{}", received.body);
    let refunded = reached(&app, "vi", &id, &first, "refunded").await;
    assert_eq!(
        steps(&refunded),
        [
            "requested",
            "approved",
            "in_transit",
            "received",
            "refunded"
        ]
    );
    assert_eq!(refunded["condition"], "sellable");
    assert_eq!(
        stock(&app, "RET-R").await,
        (4, 0),
        "the sellable unit is back"
    );
    let again = app
        .send(receive_return(As::Admin("admin-1"), &first, "sellable"))
        .await;
    assert_eq!(again.status, 200, "a replay: {}", again.body);

    // One unit is left to return; the second comes back damaged and stays off the shelf.
    app.send(request_return(
        "vi",
        &id,
        &one("RET-R", 2, "no_longer_needed"),
    ))
    .await
    .assert_unprocessable("lines[0].quantity");
    let second = app
        .send(request_return(
            "vi",
            &id,
            &one("RET-R", 1, "no_longer_needed"),
        ))
        .await;
    assert_eq!(second.status, 201, "{}", second.body);
    let second = second.body["returns"][0]["return_id"]
        .as_str()
        .unwrap()
        .to_owned();
    reached(&app, "vi", &id, &second, "in_transit").await;
    let damaged = app
        .send(receive_return(As::Admin("admin-1"), &second, "damaged"))
        .await;
    assert_eq!(damaged.status, 200, "{}", damaged.body);
    reached(&app, "vi", &id, &second, "refunded").await;
    assert_eq!(
        stock(&app, "RET-R").await,
        (4, 0),
        "the damaged unit is not"
    );

    // The ledger reconciles: both units' price given back, once each.
    let totals = ledger(&app).await;
    assert_eq!((totals.captured, totals.refunded), (2 * PRICE, 2 * PRICE));

    // Each step of the first return was told on the order-events topic, each as one event
    // (delivery is at least once and unordered: subscribers dedupe on the event id).
    let sqs = aws_sdk_sqs::Client::new(&app.sdk);
    let told = std::cell::RefCell::new(std::collections::BTreeMap::new());
    let expected = [
        "ReturnApproved",
        "ReturnInTransit",
        "ReturnReceived",
        "ReturnRefunded",
        "ReturnRequested",
    ];
    eventually(60, "the first return's events", || async {
        let bodies = receive(&sqs, &events).await;
        let mut told = told.borrow_mut();
        for body in bodies {
            let event: Value = serde_json::from_str(&body).unwrap();
            if event["return_id"] == first.as_str() {
                let id = event["event_id"].as_str().unwrap().to_owned();
                told.insert(id, event["event_type"].as_str().unwrap().to_owned());
            }
        }
        let types: Vec<&str> = told.values().map(String::as_str).collect();
        let mut sorted = types.clone();
        sorted.sort_unstable();
        (sorted == expected).then_some(())
    })
    .await;

    // Another shopper sees none of it.
    app.send(returns_of("wu", &id)).await.assert_problem(404);
    app.send(request_return("wu", &id, &one("RET-R", 1, "damaged")))
        .await
        .assert_problem(404);
}

#[tokio::test]
async fn a_merchant_rejects_a_return_of_what_it_shipped_and_a_late_one_is_refused() {
    let app = TestApp::spawn().await;
    app.start_event_sources();
    merchant_on_sale(&app, "seller-m", "RET-M", 5).await;
    assert_eq!(app.send(add("xi", "RET-M", 1)).await.status, 200);
    let id = order(&app, "xi", "xi-order-1", PRICE).await["id"]
        .as_str()
        .unwrap()
        .to_owned();
    let waiting = eventually(30, "the parcel waiting for its seller", || async {
        let items = app.send(seller_orders("seller-m", "")).await.body["items"].clone();
        items.as_array().and_then(|items| items.first().cloned())
    })
    .await;
    let parcel = waiting["shipment_id"].as_str().unwrap();
    let shipped = app
        .send(ship("seller-m", &id, parcel, "1Z999AA10123456784"))
        .await;
    assert_eq!(shipped.status, 200, "{}", shipped.body);
    delivered(&app, "xi", &id).await;

    let asked = app
        .send(request_return(
            "xi",
            &id,
            &one("RET-M", 1, "better_price_elsewhere"),
        ))
        .await;
    assert_eq!(asked.status, 201, "{}", asked.body);
    let ret = &asked.body["returns"][0];
    assert_eq!(
        (&ret["status"], &ret["label"]),
        (&json!("requested"), &json!(null))
    );
    let rid = ret["return_id"].as_str().unwrap().to_owned();

    // It waits for its seller alone, who rejects it; the decision stands.
    let listed = app
        .send(
            Call::new("GET", "/api/v1/seller/returns", "/api/v1/seller/returns")
                .by(As::Seller("seller-m")),
        )
        .await;
    assert_eq!(
        listed.body["items"][0]["return_id"],
        rid.as_str(),
        "{}",
        listed.body
    );
    let others = app
        .send(
            Call::new("GET", "/api/v1/seller/returns", "/api/v1/seller/returns")
                .by(As::Seller("seller-o")),
        )
        .await;
    assert_eq!(others.body["items"], json!([]));
    app.send(decide("seller-o", &rid, "approve"))
        .await
        .assert_problem(403);
    let rejected = app.send(decide("seller-m", &rid, "reject")).await;
    assert_eq!(rejected.status, 200, "{}", rejected.body);
    assert_eq!(rejected.body["status"], "rejected");
    assert_eq!(
        app.send(decide("seller-m", &rid, "reject")).await.status,
        200
    );
    app.send(decide("seller-m", &rid, "approve"))
        .await
        .assert_problem(409);
    let listed = app
        .send(
            Call::new("GET", "/api/v1/seller/returns", "/api/v1/seller/returns")
                .by(As::Seller("seller-m")),
        )
        .await;
    assert_eq!(listed.body["items"], json!([]));
    assert_eq!(ledger(&app).await.refunded, 0, "nothing refunded");

    // Forty days after delivery, the window (15 days for electronics) is long closed.
    let forty_days_ago = shared::clock::rfc3339(
        std::time::SystemTime::now() - std::time::Duration::from_secs(40 * 86_400),
    );
    app.dynamodb()
        .update_item()
        .table_name(app.reference("OrdersTable"))
        .key(
            "pk",
            aws_sdk_dynamodb::types::AttributeValue::S(format!("ORDER#{id}")),
        )
        .key(
            "sk",
            aws_sdk_dynamodb::types::AttributeValue::S("ORDER".to_owned()),
        )
        .update_expression("SET delivered_at = :then")
        .expression_attribute_values(
            ":then",
            aws_sdk_dynamodb::types::AttributeValue::S(forty_days_ago),
        )
        .send()
        .await
        .unwrap();
    let late = app
        .send(request_return("xi", &id, &one("RET-M", 1, "defective")))
        .await;
    late.assert_unprocessable("lines[0].sku");
    assert!(
        late.body["rule"].as_str().unwrap().contains("15 days"),
        "{}",
        late.body
    );
}
