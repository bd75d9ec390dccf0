//! Notifications on the local stack: real orders and price changes reach the notifications queue
//! through their topics; the emails are read back from what the emulator's SES sent, and the
//! pushes from what its SNS delivered to the registered device's endpoint.

use crate::cart::{add, on_sale};
use crate::checkout::PRICE;
use crate::helpers::{As, Call, TestApp, ends_in_dead_letters, eventually, unique_prefix};
use crate::returns::delivered;
use crate::shipments::order;
use aws_sdk_dynamodb::types::AttributeValue;
use serde_json::{Value, json};
use shared::notifications::{Claim, Delivery, NotificationsStore, TOLD_ORDER_EVENTS};
use std::collections::HashMap;

const PREFERENCES: &str = "/api/v1/account/notification-preferences";

fn preferences(shopper: &str) -> Call {
    Call::new("GET", PREFERENCES, PREFERENCES).by(As::Customer(shopper))
}

fn set_preferences(shopper: &str, body: &Value) -> Call {
    Call::new("PUT", PREFERENCES, PREFERENCES)
        .by(As::Customer(shopper))
        .json(body)
}

fn register(shopper: &str, token: &str) -> Call {
    let route = "/api/v1/account/devices";
    Call::new("POST", route, route)
        .by(As::Customer(shopper))
        .json(&json!({"token": token}))
}

fn unregister(shopper: &str, device: &str) -> Call {
    let path = format!("/api/v1/account/devices/{device}");
    Call::new("DELETE", "/api/v1/account/devices/{id}", &path).by(As::Customer(shopper))
}

fn alerts(shopper: &str, product: &str, body: &Value) -> Call {
    let path = format!("/api/v1/products/{product}/alerts");
    Call::new("PUT", "/api/v1/products/{id}/alerts", &path)
        .by(As::Customer(shopper))
        .json(body)
}

fn set_price(seller: &str, sku: &str, amount: u64) -> Call {
    let path = format!("/api/v1/seller/offers/{sku}/price");
    Call::new("PUT", "/api/v1/seller/offers/{sku}/price", &path)
        .by(As::Seller(seller))
        .json(&json!({"price": {"amount": amount, "currency": "USD"},
                      "shipping": {"amount": 0, "currency": "USD"}}))
}

/// A shopper no other test (nor an earlier run against the same emulator) uses: the emulator's
/// outbox is shared, so each test reads only its own shopper's mail.
fn shopper(name: &str) -> String {
    format!("{name}-{}", unique_prefix())
}

/// Everything the emulator holds (`/moto-api/data.json`).
async fn emulator_data() -> Value {
    let endpoint = std::env::var("AWS_ENDPOINT_URL").unwrap();
    reqwest::get(format!("{endpoint}/moto-api/data.json"))
        .await
        .unwrap()
        .json()
        .await
        .unwrap()
}

/// The emails SES sent to `shopper`: subject and body (the HTML one, which the emulator keeps).
async fn mail_of(shopper: &str) -> Vec<(String, String)> {
    let address = format!("{shopper}@example.com");
    let data = emulator_data().await;
    data["ses"]["Message"]
        .as_array()
        .map(Vec::as_slice)
        .unwrap_or_default()
        .iter()
        .filter(|m| {
            m["destinations"]["ToAddresses"]
                .as_array()
                .is_some_and(|to| to.contains(&json!(address)))
        })
        .map(|m| {
            (
                m["subject"].as_str().unwrap().to_owned(),
                m["body"].as_str().unwrap().to_owned(),
            )
        })
        .collect()
}

/// The messages SNS delivered to the endpoint of the device whose token is `token`.
async fn pushes_to(token: &str) -> Vec<String> {
    let data = emulator_data().await;
    data["sns"]["PlatformEndpoint"]
        .as_array()
        .map(Vec::as_slice)
        .unwrap_or_default()
        .iter()
        .filter(|endpoint| endpoint.to_string().contains(token))
        .flat_map(|endpoint| {
            endpoint["messages"]
                .as_object()
                .map(|m| {
                    m.values()
                        .map(|v| v.as_str().unwrap_or_default().to_owned())
                        .collect()
                })
                .unwrap_or_else(Vec::new)
        })
        .collect()
}

/// The test's platform application's endpoint for the token, as SNS lists them.
async fn endpoint_of(app: &TestApp, token: &str) -> Option<String> {
    let endpoints = aws_sdk_sns::Client::new(&app.sdk)
        .list_endpoints_by_platform_application()
        .platform_application_arn(app.reference("PushPlatformApplicationArn"))
        .send()
        .await
        .unwrap()
        .endpoints
        .unwrap_or_default();
    endpoints
        .into_iter()
        .find(|endpoint| {
            endpoint
                .attributes
                .as_ref()
                .and_then(|attributes| attributes.get("Token"))
                .is_some_and(|t| t == token)
        })
        .and_then(|endpoint| endpoint.endpoint_arn)
}

/// Waits until every message on the notifications queue has been handled (none waiting, none
/// in flight): what has not been sent by then is not going to be.
async fn drained(app: &TestApp) {
    use aws_sdk_sqs::types::QueueAttributeName as Name;
    let sqs = aws_sdk_sqs::Client::new(&app.sdk);
    let queue = app.reference("NotificationsQueue");
    eventually(60, "the notifications queue drained", || async {
        let attributes = sqs
            .get_queue_attributes()
            .queue_url(&queue)
            .attribute_names(Name::ApproximateNumberOfMessages)
            .attribute_names(Name::ApproximateNumberOfMessagesNotVisible)
            .send()
            .await
            .unwrap()
            .attributes
            .unwrap_or_default();
        let count = |name| attributes.get(&name).map_or("0", String::as_str) == "0";
        (count(Name::ApproximateNumberOfMessages)
            && count(Name::ApproximateNumberOfMessagesNotVisible))
        .then_some(())
    })
    .await;
}

fn count(subjects: &[(String, String)], subject: &str) -> usize {
    subjects.iter().filter(|(s, _)| s == subject).count()
}

#[tokio::test]
async fn an_orders_emails_go_out_once_each_and_its_updates_reach_a_registered_device() {
    let app = TestApp::spawn().await;
    app.start_event_sources();
    let ada = shopper("ada");
    let token = format!("fcm:{}-{}", ulid::Ulid::new(), ulid::Ulid::new());

    let bad = app.send(register(&ada, "short")).await;
    bad.assert_invalid("token");
    let registered = app.send(register(&ada, &token)).await;
    assert_eq!(registered.status, 201, "{}", registered.body);
    let again = app.send(register(&ada, &token)).await;
    assert_eq!(again.status, 201, "{}", again.body);
    assert_eq!(
        again.body["device_id"], registered.body["device_id"],
        "one token, one device"
    );

    let shown = app.send(preferences(&ada)).await;
    assert_eq!(shown.status, 200, "{}", shown.body);
    assert_eq!(
        shown.body,
        json!({"email": format!("{ada}@example.com"), "order_updates": true,
               "price_drops": false, "back_in_stock": false, "push": true, "devices": 1})
    );

    // Marketing is off (the default), order updates go out all the same.
    on_sale(&app, "seller-n", "NOTE-1", "lamps", 5).await;
    assert_eq!(app.send(add(&ada, "NOTE-1", 1)).await.status, 200);
    let id = order(&app, &ada, &format!("{ada}-1"), PRICE).await["id"]
        .as_str()
        .unwrap()
        .to_owned();
    delivered(&app, &ada, &id).await;
    let subjects = [
        format!("Your Rainforest order {id}"),
        format!("Your order {id} has shipped"),
        format!("Your order {id} was delivered"),
    ];
    let mail = eventually(60, "the order's three emails", || async {
        let mail = mail_of(&ada).await;
        subjects.iter().all(|s| count(&mail, s) > 0).then_some(mail)
    })
    .await;
    let placed = mail.iter().find(|(s, _)| *s == subjects[0]).unwrap();
    assert!(
        placed.1.contains(&format!(
            "Thank you for your order <strong>{id}</strong>: 1 item(s)."
        )),
        "{}",
        placed.1
    );

    // SNS may deliver an event twice: the second delivery sends nothing.
    let placed_event = json!({
        "event_id": format!("{id}#OrderPlaced"), "event_type": "OrderPlaced", "order_id": id,
        "customer_id": ada, "status": "pending", "at": "2026-12-01T10:00:00Z",
        "lines": [{"product_id": "01KAN0000000000000000000P1", "sku": "NOTE-1", "quantity": 1}]
    });
    app.publish_order_event(&placed_event).await;
    drained(&app).await;
    let mail = mail_of(&ada).await;
    for subject in &subjects {
        assert_eq!(count(&mail, subject), 1, "{subject} once: {mail:?}");
    }
    assert_eq!(mail.len(), 3, "nothing else: {mail:?}");

    let pushes = pushes_to(&token).await;
    for subject in &subjects {
        let pushed = pushes
            .iter()
            .filter(|p| p.contains(subject.as_str()))
            .count();
        assert_eq!(pushed, 1, "{subject} pushed once: {pushes:?}");
    }
    // The phone signs into Bea's account: Ada's news stops reaching it.
    let bea = shopper("bea");
    let moved = app.send(register(&bea, &token)).await;
    assert_eq!(moved.body["device_id"], registered.body["device_id"]);
    assert_eq!(app.send(preferences(&ada)).await.body["devices"], 0);
    assert_eq!(app.send(preferences(&bea)).await.body["devices"], 1);
    let mut cancelled = placed_event.clone();
    cancelled["event_type"] = json!("OrderCancelled");
    cancelled["event_id"] = json!(format!("{id}#OrderCancelled"));
    app.publish_order_event(&cancelled).await;
    let subject = format!("Your order {id} is cancelled");
    eventually(60, "the cancellation email", || async {
        (count(&mail_of(&ada).await, &subject) == 1).then_some(())
    })
    .await;
    drained(&app).await;
    let pushes = pushes_to(&token).await;
    assert!(!pushes.iter().any(|p| p.contains(&subject)), "{pushes:?}");

    // Ada's app unregisters the device it had: Bea keeps it.
    let device = registered.body["device_id"].as_str().unwrap();
    assert_eq!(app.send(unregister(&ada, device)).await.status, 204);
    assert_eq!(app.send(preferences(&bea)).await.body["devices"], 1);
    assert!(
        endpoint_of(&app, &token).await.is_some(),
        "Bea's endpoint stays"
    );

    // Bea signs out: the device is unregistered with its endpoint, twice is still a 204, and a
    // bad id is named.
    for _ in 0..2 {
        let gone = app.send(unregister(&bea, device)).await;
        assert_eq!(gone.status, 204, "{}", gone.body);
    }
    assert_eq!(app.send(preferences(&bea)).await.body["devices"], 0);
    assert_eq!(
        endpoint_of(&app, &token).await,
        None,
        "the endpoint is deleted"
    );
    app.send(unregister(&bea, "not-a-device"))
        .await
        .assert_invalid("id");
}

/// A delivery is claimed by one sender at a time, and none once it was sent; a released claim,
/// or one whose sender died (older than its lease), is free again.
#[tokio::test]
async fn a_delivery_is_claimed_by_one_sender_and_never_after_it_was_sent() {
    let app = TestApp::spawn().await;
    let table = app.reference("NotificationsTable");
    let settings = HashMap::from([("NOTIFICATIONS_TABLE".to_owned(), table.clone())]);
    let store = NotificationsStore::from_source(&app.sdk, &settings).unwrap();
    let delivery = |event: &str| Delivery {
        event_id: event.to_owned(),
        customer_id: "ada".to_owned(),
        channel: "email".to_owned(),
    };
    let first = delivery("e1");
    let Claim::Claimed(claim) = store.claim(&first).await.unwrap() else {
        panic!("a new delivery is claimed");
    };
    assert_eq!(store.claim(&first).await.unwrap(), Claim::Busy);
    store.release(&first, &claim).await.unwrap();
    let Claim::Claimed(again) = store.claim(&first).await.unwrap() else {
        panic!("a released claim is free");
    };
    assert!(
        store.sent(&first, &claim, "id").await.is_err(),
        "a released claim marks nothing"
    );
    store.sent(&first, &again, "id").await.unwrap();
    assert_eq!(store.claim(&first).await.unwrap(), Claim::AlreadySent);
    store.release(&first, &again).await.unwrap();
    assert_eq!(
        store.claim(&first).await.unwrap(),
        Claim::AlreadySent,
        "sent stays sent"
    );

    // A claim a minute old: its sender died (the function's timeout is 30 s).
    let stale = delivery("e2");
    let Claim::Claimed(dead) = store.claim(&stale).await.unwrap() else {
        panic!("a new delivery is claimed");
    };
    app.dynamodb()
        .update_item()
        .table_name(&table)
        .key("pk", AttributeValue::S("SENT#e2".into()))
        .key("sk", AttributeValue::S("ada#email".into()))
        .update_expression("SET claimed_at = claimed_at - :minute")
        .expression_attribute_values(":minute", AttributeValue::N("60".into()))
        .send()
        .await
        .unwrap();
    assert!(matches!(
        store.claim(&stale).await.unwrap(),
        Claim::Claimed(_)
    ));
    // Its sender, back from the dead, can neither mark nor free the claim taken over.
    assert!(store.sent(&stale, &dead, "id").await.is_err());
    store.release(&stale, &dead).await.unwrap();
    assert_eq!(store.claim(&stale).await.unwrap(), Claim::Busy);
}

/// The order events rendered are the ones the queue's filter policy lets through.
#[test]
fn the_queue_takes_the_order_events_there_are_messages_for() {
    let path = crate::helpers::repo_root().join("template.yaml");
    let template = rainforest_local::Template::load(&path).unwrap();
    let subscription = &template.resources["OrderNotificationsSubscription"];
    let policy = &subscription.properties["FilterPolicy"]["event_type"];
    let filtered: Vec<&str> = policy
        .as_array()
        .unwrap()
        .iter()
        .map(|v| v.as_str().unwrap())
        .collect();
    let told: Vec<&str> = TOLD_ORDER_EVENTS.iter().map(|(event, _)| *event).collect();
    assert_eq!(filtered, told);
}

/// The Buy Box browse shows for the kettle, once `done` holds for it.
async fn kettle(app: &TestApp, what: &str, done: impl Fn(&Value) -> bool) {
    eventually(60, what, || async {
        let page = app.send(crate::catalog::browse("kettles", "")).await;
        done(&page.body["items"][0]["buy_box"]).then_some(())
    })
    .await;
}

/// Waits for `shopper`'s `n`th email with `subject`.
async fn nth_mail(shopper: &str, subject: &str, n: usize) {
    eventually(60, &format!("{subject} #{n} to {shopper}"), || async {
        (count(&mail_of(shopper).await, subject) >= n).then_some(())
    })
    .await;
}

/// Bo changes his mind, Cy never consents, and Di, who consented from the start, shows each
/// alert went out: once Di has it and the queue is drained, what the others lack they never get.
#[tokio::test]
async fn marketing_goes_only_to_those_who_consent_and_as_they_chose() {
    let app = TestApp::spawn().await;
    app.start_event_sources();
    let (bo, cy, di, ed) = (shopper("bo"), shopper("cy"), shopper("di"), shopper("ed"));
    let token = format!("fcm:{}-{}", ulid::Ulid::new(), ulid::Ulid::new());
    let listing = crate::catalog::listing("WATCH-1", "Kettle <Pro>", "kettles");
    let product = crate::catalog::create(&app, "seller-w", &listing).await;
    kettle(&app, "the kettle listed, out of stock", |b| {
        b["availability"]["status"] == "out_of_stock"
    })
    .await;
    assert_eq!(app.send(register(&bo, &token)).await.status, 201);

    // Bad requests are refused naming the field, and change nothing.
    let both = json!({"price_drop": true, "back_in_stock": true});
    app.send(alerts(
        &bo,
        &product,
        &json!({"price_drop": "yes", "back_in_stock": true}),
    ))
    .await
    .assert_invalid("price_drop");
    let unknown = app
        .send(alerts(&bo, "01KAN0000000000000000000Z9", &both))
        .await;
    assert_eq!(unknown.status, 404, "{}", unknown.body);
    let consent = json!({"price_drops": true, "back_in_stock": true, "push": true});
    let mut off = consent.clone();
    off["order_updates"] = json!(false);
    app.send(set_preferences(&bo, &off))
        .await
        .assert_invalid("order_updates");
    app.send(set_preferences(&bo, &json!({"price_drops": true})))
        .await
        .assert_invalid("back_in_stock");
    assert_eq!(app.send(preferences(&bo)).await.body["price_drops"], false);

    // Bo, Cy and Di watch the kettle for both, Ed only for its return to stock; only Di and Ed
    // have consented.
    assert_eq!(app.send(set_preferences(&ed, &consent)).await.status, 200);
    let back_only = json!({"price_drop": false, "back_in_stock": true});
    assert_eq!(
        app.send(alerts(&ed, &product, &back_only)).await.status,
        200
    );
    let di_token = format!("fcm:{}-{}", ulid::Ulid::new(), ulid::Ulid::new());
    assert_eq!(app.send(register(&di, &di_token)).await.status, 201);
    let saved = app.send(set_preferences(&di, &consent)).await;
    assert_eq!(saved.status, 200, "{}", saved.body);
    assert_eq!(
        (
            saved.body["price_drops"].clone(),
            saved.body["order_updates"].clone()
        ),
        (json!(true), json!(true))
    );
    for (who, held) in [
        (&bo, json!(["price_drops", "back_in_stock"])),
        (&cy, json!(["price_drops", "back_in_stock"])),
        (&di, json!([])),
    ] {
        let watching = app.send(alerts(who, &product, &both)).await;
        assert_eq!(watching.status, 200, "{}", watching.body);
        assert_eq!(
            watching.body,
            json!({"price_drop": true, "back_in_stock": true, "needs_consent": held})
        );
    }
    let (drop, back) = ("Price drop: Kettle <Pro>", "Back in stock: Kettle <Pro>");
    app.stock("WATCH-1", 5).await;
    nth_mail(&di, back, 1).await;
    assert_eq!(
        app.send(set_price("seller-w", "WATCH-1", 45_000))
            .await
            .status,
        200
    );
    nth_mail(&di, drop, 1).await;
    drained(&app).await;
    assert_eq!(mail_of(&bo).await, vec![], "no consent, no alerts");

    // Bo consents to both, but not to push.
    let mut no_push = consent.clone();
    no_push["push"] = json!(false);
    assert_eq!(app.send(set_preferences(&bo, &no_push)).await.status, 200);
    assert_eq!(
        app.send(alerts(&bo, &product, &both)).await.body["needs_consent"],
        json!([])
    );
    assert_eq!(
        app.send(set_price("seller-w", "WATCH-1", 40_000))
            .await
            .status,
        200
    );
    nth_mail(&bo, drop, 1).await;
    let mail = mail_of(&bo).await;
    assert!(
        mail[0]
            .1
            .contains("is now <strong>USD 400.00</strong> (was <s>USD 450.00</s>)"),
        "{}",
        mail[0].1
    );
    assert!(
        !mail[0].1.contains("<Pro>"),
        "the title is escaped: {}",
        mail[0].1
    );

    // Sold out, then restocked: back in stock.
    app.stock("WATCH-1", 0).await;
    kettle(&app, "the kettle sold out", |b| b["winner"].is_null()).await;
    app.stock("WATCH-1", 7).await;
    nth_mail(&bo, back, 1).await;
    nth_mail(&di, back, 2).await;
    drained(&app).await;
    let mail = mail_of(&bo).await;
    assert_eq!(
        (count(&mail, drop), count(&mail, back), mail.len()),
        (1, 1, 2),
        "{mail:?}"
    );
    let mail = mail_of(&ed).await;
    assert_eq!(
        (count(&mail, back), mail.len()),
        (2, 2),
        "Ed asked for no drops: {mail:?}"
    );
    assert_eq!(mail_of(&cy).await, vec![], "Cy never consented");
    assert_eq!(
        pushes_to(&token).await,
        Vec::<String>::new(),
        "Bo turned push off"
    );

    // Alerts turned off stop, consent or not.
    let stopped = json!({"price_drop": false, "back_in_stock": false});
    assert_eq!(app.send(alerts(&bo, &product, &stopped)).await.status, 200);
    // Di's app is uninstalled meanwhile: SNS disables its endpoint, and the push is refused.
    let di_endpoint = endpoint_of(&app, &di_token).await.unwrap();
    aws_sdk_sns::Client::new(&app.sdk)
        .set_endpoint_attributes()
        .endpoint_arn(di_endpoint)
        .attributes("Enabled", "false")
        .send()
        .await
        .unwrap();
    assert_eq!(
        app.send(set_price("seller-w", "WATCH-1", 30_000))
            .await
            .status,
        200
    );
    nth_mail(&di, drop, 3).await;
    drained(&app).await;
    assert_eq!(count(&mail_of(&bo).await, drop), 1, "no more drops for Bo");
    let pushed = pushes_to(&di_token).await.len();
    assert_eq!(pushed, 4, "two drops and two returns, then none");
    let devices = app.send(preferences(&di)).await.body["devices"].clone();
    assert_eq!(devices, 0, "the gone device is forgotten");

    ends_in_dead_letters(
        &app,
        "NotificationsQueue",
        "NotificationsDLQ",
        "not an event",
    )
    .await;
}
