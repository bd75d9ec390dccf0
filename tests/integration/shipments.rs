//! After checkout: an order leaves in parcels, one per fulfillment center and seller. The
//! simulated warehouse and carrier deliver Rainforest's parcels (the local time scale runs a
//! delivery in seconds); a merchant ships its own; the shopper tracks each step and may cancel
//! before anything ships, which refunds the payment and puts the units back.

use crate::cart::{add, on_sale};
use crate::catalog::{create, listing};
use crate::checkout::{
    PRICE, assert_started, checkout, finished, get_order, ledger, spawn, stock, track,
};
use crate::helpers::{
    As, Call, TestApp, ends_in_dead_letters, eventually, receive, subscribed_queue, unique_prefix,
};
use serde_json::{Value, json};
use shared::payments::LedgerTotals;

/// A merchant-fulfilled offer of `seller`'s, with `units` at the seller's own place.
pub(crate) async fn merchant_on_sale(app: &TestApp, seller: &str, sku: &str, units: u32) {
    let mut body = listing(sku, &format!("Item {sku}"), "lamps");
    body["offer"]["fulfillment"] = json!("merchant");
    body["offer"]["handling_days"] = json!(2);
    create(app, seller, &body).await;
    let location = format!("MF-{}", seller.to_uppercase()).parse().unwrap();
    let counted = app
        .inventory()
        .set_on_hand(&sku.parse().unwrap(), &location, units)
        .await
        .unwrap();
    assert_eq!(counted, shared::inventory::Counted::Set);
}

/// Buys what is in `shopper`'s cart (coming to `total`) with checkout key `key`; the order.
pub(crate) async fn order(app: &TestApp, shopper: &str, key: &str, total: u64) -> Value {
    let started = app.send(checkout(shopper, key, "tok_visa", total)).await;
    assert_started(&started);
    let order = finished(app, shopper, started.body["id"].as_str().unwrap()).await;
    assert_ne!(order["status"], "failed", "{order}");
    order
}

pub(crate) fn seller_orders(seller: &str, query: &str) -> Call {
    let path = format!("/api/v1/seller/orders{query}");
    Call::new("GET", "/api/v1/seller/orders", &path).by(As::Seller(seller))
}

pub(crate) fn ship(seller: &str, order: &str, shipment: &str, tracking_number: &str) -> Call {
    let route = "/api/v1/seller/orders/{id}/shipments/{shipment}/ship";
    let path = format!("/api/v1/seller/orders/{order}/shipments/{shipment}/ship");
    Call::new("POST", route, &path)
        .by(As::Seller(seller))
        .json(&json!({"carrier": "UPS", "tracking_number": tracking_number}))
}

fn cancel(shopper: &str, order: &str) -> Call {
    let path = format!("/api/v1/orders/{order}/cancel");
    Call::new("POST", "/api/v1/orders/{id}/cancel", &path).by(As::Customer(shopper))
}

/// The order's parcel of `seller`.
fn parcel<'a>(tracking: &'a Value, seller: &str) -> &'a Value {
    tracking["shipments"]
        .as_array()
        .unwrap()
        .iter()
        .find(|s| s["seller_id"] == seller)
        .unwrap_or_else(|| panic!("no parcel of {seller}: {tracking}"))
}

/// A parcel's timeline: its statuses in order, each at or after the one before.
fn timeline(parcel: &Value) -> Vec<String> {
    let steps = parcel["timeline"].as_array().unwrap();
    let times: Vec<&str> = steps.iter().map(|s| s["at"].as_str().unwrap()).collect();
    assert!(times.windows(2).all(|w| w[0] <= w[1]), "{parcel}");
    steps
        .iter()
        .map(|s| s["status"].as_str().unwrap().to_owned())
        .collect()
}

#[tokio::test]
async fn an_order_is_delivered_parcel_by_parcel_and_tracking_shows_each_step_in_order() {
    let app = TestApp::spawn().await;
    let topic = app.reference("OrderEventsTopic");
    let name = format!("{}-uma-events", unique_prefix());
    let events = subscribed_queue(
        &app.sdk,
        &topic,
        &name,
        Some(&json!({"customer_id": ["uma"]})),
    )
    .await;
    app.start_event_sources();
    on_sale(&app, "seller-r", "SHIP-R", "lamps", 5).await;
    merchant_on_sale(&app, "seller-m", "SHIP-M", 5).await;
    assert_eq!(app.send(add("uma", "SHIP-R", 1)).await.status, 200);
    assert_eq!(app.send(add("uma", "SHIP-M", 2)).await.status, 200);
    let id = order(&app, "uma", "uma-order-1", 3 * PRICE).await["id"]
        .as_str()
        .unwrap()
        .to_owned();

    // The merchant's parcel waits for its seller, with where it goes; no one else sees it.
    let waiting = app.send(seller_orders("seller-m", "")).await;
    assert_eq!(waiting.status, 200, "{}", waiting.body);
    let items = waiting.body["items"].as_array().unwrap();
    assert_eq!(items.len(), 1, "{}", waiting.body);
    assert_eq!(items[0]["order_id"], id.as_str());
    assert_eq!(
        items[0]["lines"],
        json!([{"sku": "SHIP-M", "title": "Item SHIP-M", "quantity": 2}])
    );
    assert_eq!(items[0]["ship_to"]["city"], "Portland");
    let merchant_parcel = items[0]["shipment_id"].as_str().unwrap().to_owned();
    let others = app.send(seller_orders("seller-r", "")).await;
    assert_eq!(
        others.body["items"],
        json!([]),
        "Rainforest ships seller-r's parcel"
    );

    // Rainforest's parcel goes through the warehouse and the carrier by itself.
    let tracking = eventually(120, "Rainforest's parcel delivered", || async {
        let tracking = app.send(track("uma", &id)).await;
        assert_eq!(tracking.status, 200, "{}", tracking.body);
        (parcel(&tracking.body, "seller-r")["status"] == "delivered").then_some(tracking.body)
    })
    .await;
    let delivered = parcel(&tracking, "seller-r");
    assert_eq!(
        timeline(delivered),
        [
            "preparing",
            "picked",
            "packed",
            "shipped",
            "in_transit",
            "out_for_delivery",
            "delivered"
        ]
    );
    assert_eq!(delivered["handover"]["carrier"], "Rainforest Logistics");
    assert!(
        delivered["estimated_delivery"].as_str().unwrap() > tracking["placed_at"].as_str().unwrap()
    );
    assert_eq!(tracking["status"], "shipped", "one parcel is still to come");
    assert!(tracking["paid_at"].is_string());
    let refused = app.send(cancel("uma", &id)).await;
    assert_eq!(refused.status, 409, "a parcel has left: {}", refused.body);

    // The merchant ships theirs: a replay is the same; another number, another seller, the
    // parcel Rainforest ships, or a bad number are refused.
    let rainforest_parcel = delivered["shipment_id"].as_str().unwrap();
    let ship_as =
        |seller: &str, parcel: &str, number: &str| app.send(ship(seller, &id, parcel, number));
    let number = "1Z999AA10123456784";
    let shipped = ship_as("seller-m", &merchant_parcel, number).await;
    assert_eq!(
        (shipped.status, &shipped.body["status"]),
        (200, &json!("shipped")),
        "{}",
        shipped.body
    );
    assert_eq!(
        ship_as("seller-m", &merchant_parcel, number).await.status,
        200,
        "a replay"
    );
    assert_eq!(
        ship_as("seller-m", &merchant_parcel, "1Z999AA10000000000")
            .await
            .status,
        409
    );
    assert_eq!(
        ship_as("seller-x", &merchant_parcel, number).await.status,
        404
    );
    assert_eq!(
        ship_as("seller-r", rainforest_parcel, number).await.status,
        409
    );
    ship_as("seller-m", &merchant_parcel, "x")
        .await
        .assert_invalid("tracking_number");
    assert_eq!(
        app.send(seller_orders("seller-m", "")).await.body["items"],
        json!([])
    );

    // The carrier delivers it; the order is delivered once both parcels are.
    let tracking = eventually(120, "the order delivered", || async {
        let tracking = app.send(track("uma", &id)).await;
        (tracking.body["status"] == "delivered").then_some(tracking.body)
    })
    .await;
    let merchant = parcel(&tracking, "seller-m");
    assert_eq!(
        timeline(merchant),
        [
            "preparing",
            "shipped",
            "in_transit",
            "out_for_delivery",
            "delivered"
        ]
    );
    assert_eq!(
        merchant["handover"],
        json!({"carrier": "UPS", "tracking_number": "1Z999AA10123456784"})
    );
    assert!(tracking["delivered_at"].is_string());
    assert_eq!(
        app.send(track("ivy", &id)).await.status,
        404,
        "another shopper's order"
    );

    // Each event once: placed, paid, each parcel shipped, delivered.
    let sqs = aws_sdk_sqs::Client::new(&app.sdk);
    let mut expected: Vec<String> = ["OrderPlaced", "OrderPaid", "OrderDelivered"]
        .iter()
        .map(|e| format!("{id}#{e}"))
        .chain(
            [rainforest_parcel, merchant_parcel.as_str()].map(|p| format!("{id}#OrderShipped#{p}")),
        )
        .collect();
    expected.sort();
    let mut seen: Vec<String> = Vec::new();
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(60);
    while seen.len() < expected.len() && std::time::Instant::now() < deadline {
        seen.extend(event_ids(&receive(&sqs, &events).await));
    }
    // Nothing more comes: each was published once.
    seen.extend(event_ids(&receive(&sqs, &events).await));
    seen.sort();
    assert_eq!(seen, expected);
}

fn event_ids(bodies: &[String]) -> Vec<String> {
    bodies
        .iter()
        .map(|b| {
            serde_json::from_str::<Value>(b).unwrap()["event_id"]
                .as_str()
                .unwrap()
                .to_owned()
        })
        .collect()
}

/// What the ledger must come to: every order of `shoppers` paid for and not cancelled.
async fn owed(app: &TestApp, shoppers: &[&str]) -> u64 {
    let mut total = 0;
    for shopper in shoppers {
        let history = app
            .send(
                Call::new("GET", "/api/v1/orders", "/api/v1/orders?limit=100")
                    .by(As::Customer(shopper)),
            )
            .await;
        for order in history.body["items"].as_array().unwrap() {
            if matches!(
                order["status"].as_str(),
                Some("confirmed" | "shipped" | "delivered")
            ) {
                total += order["total"]["amount"].as_u64().unwrap();
            }
        }
    }
    total
}

#[tokio::test]
async fn a_cancel_before_shipping_refunds_and_restocks_and_after_shipping_is_refused() {
    let app = spawn().await;
    app.start_event_sources();
    on_sale(&app, "seller-r", "CANCEL-R", "lamps", 5).await;
    merchant_on_sale(&app, "seller-m", "CANCEL-M", 5).await;

    // Cancelled before it shipped: refunded, its units back on hand; a replay is the same.
    assert_eq!(app.send(add("cy", "CANCEL-R", 2)).await.status, 200);
    let first = order(&app, "cy", "cy-order-1", 2 * PRICE).await;
    let first = first["id"].as_str().unwrap();
    assert_eq!(stock(&app, "CANCEL-R").await, (3, 0));
    assert_eq!(
        app.send(cancel("dee", first)).await.status,
        404,
        "not dee's order"
    );
    let cancelled = app.send(cancel("cy", first)).await;
    assert_eq!(cancelled.status, 200, "{}", cancelled.body);
    assert_eq!(cancelled.body["status"], "cancelled");
    assert_eq!(app.send(cancel("cy", first)).await.status, 200, "a replay");
    let settled = eventually(60, "the refund", || async {
        let order = app.send(get_order("cy", first)).await.body;
        order["refunded"].is_object().then_some(order)
    })
    .await;
    assert_eq!(settled["refunded"]["amount"], 2 * PRICE);
    assert_eq!(stock(&app, "CANCEL-R").await, (5, 0), "its units are back");
    let tracking = app.send(track("cy", first)).await.body;
    assert_eq!(
        timeline(&tracking["shipments"][0]),
        ["preparing", "cancelled"]
    );
    assert_eq!(
        ledger(&app).await,
        LedgerTotals {
            captured: 2 * PRICE,
            refunded: 2 * PRICE
        }
    );

    // Shipped by its merchant: too late to cancel.
    assert_eq!(app.send(add("cy", "CANCEL-M", 1)).await.status, 200);
    let second = order(&app, "cy", "cy-order-2", PRICE).await;
    let second = second["id"].as_str().unwrap();
    let shipped = app
        .send(ship("seller-m", second, "S1", "1Z999AA10123456784"))
        .await;
    assert_eq!(shipped.status, 200, "{}", shipped.body);
    let refused = app.send(cancel("cy", second)).await;
    assert_eq!(refused.status, 409, "{}", refused.body);
    assert_eq!(
        app.send(get_order("cy", second)).await.body["status"],
        "shipped"
    );

    // A cancel and the merchant's shipping at once: exactly one of them happens.
    assert_eq!(app.send(add("cy", "CANCEL-M", 1)).await.status, 200);
    let third = order(&app, "cy", "cy-order-3", PRICE).await;
    let third = third["id"].as_str().unwrap();
    let (cancelled, shipped) = tokio::join!(
        app.send(cancel("cy", third)),
        app.send(ship("seller-m", third, "S1", "1Z999AA10123456785"))
    );
    let mut statuses = [cancelled.status, shipped.status];
    statuses.sort();
    assert_eq!(
        statuses,
        [200, 409],
        "{} / {}",
        cancelled.body,
        shipped.body
    );
    let status = app.send(get_order("cy", third)).await.body["status"].clone();
    let expected = if cancelled.status == 200 {
        "cancelled"
    } else {
        "shipped"
    };
    assert_eq!(status, expected);

    // A failed order has nothing to cancel.
    assert_eq!(app.send(add("cy", "CANCEL-R", 1)).await.status, 200);
    let declined = app
        .send(checkout(
            "cy",
            "cy-order-4",
            "tok_chargeDeclinedStolenCard",
            PRICE,
        ))
        .await;
    let declined = finished(&app, "cy", declined.body["id"].as_str().unwrap()).await;
    assert_eq!(declined["status"], "failed");
    assert_eq!(
        app.send(cancel("cy", declined["id"].as_str().unwrap()))
            .await
            .status,
        409
    );

    // Captured less refunded is what the orders still standing came to, once refunds settle.
    eventually(60, "the ledger to reconcile", || async {
        let totals = ledger(&app).await;
        (totals.captured - totals.refunded == owed(&app, &["cy"]).await).then_some(())
    })
    .await;
}

#[tokio::test]
async fn a_fulfillment_task_that_is_no_task_ends_in_the_dead_letter_queue() {
    let app = TestApp::spawn().await;
    app.start_event_sources();
    ends_in_dead_letters(&app, "FulfillmentQueue", "FulfillmentDLQ", "not a task").await;
}
