//! Checkout: the saga's real ASL runs in the emulator's Step Functions, its Lambda tasks answered
//! by this test's functions. Every ending leaves nothing half-done: stock is taken only by
//! confirmed orders and money only for them; a failed order says why.

use crate::cart::{add, apply, coupon, created, get_cart, on_sale, usd};
use crate::helpers::{
    Answer, As, Call, TestApp, eventually, receive, subscribed_queue, unique_prefix,
};
use aws_sdk_dynamodb::types::AttributeValue;
use serde_json::{Value, json};
use shared::clock;
use shared::money::Currency;
use shared::payments::{LedgerTotals, PaymentsStore};
use std::time::{Duration, SystemTime};

const CHECKOUT: &str = "/api/v1/orders/checkout";
/// The catalog tests' listing price.
pub(crate) const PRICE: u64 = 49_999;

pub(crate) fn portland() -> Value {
    json!({"name": "Ada Lovelace", "line1": "1 Main St", "city": "Portland", "region": "OR",
           "postal_code": "97201", "country": "US"})
}

pub(crate) fn checkout(shopper: &str, key: &str, token: &str, total: u64) -> Call {
    Call::new("POST", CHECKOUT, CHECKOUT)
        .by(As::Customer(shopper))
        .header("idempotency-key", key)
        .json(&json!({"shipping_address": portland(), "payment_token": token, "expected_total": usd(total)}))
}

pub(crate) fn track(shopper: &str, id: &str) -> Call {
    let path = format!("/api/v1/orders/{id}/tracking");
    Call::new("GET", "/api/v1/orders/{id}/tracking", &path).by(As::Customer(shopper))
}

pub(crate) fn get_order(shopper: &str, id: &str) -> Call {
    Call::new(
        "GET",
        "/api/v1/orders/{id}",
        &format!("/api/v1/orders/{id}"),
    )
    .by(As::Customer(shopper))
}

/// A copy of the template's resources whose warehouse works in real time: an order stays
/// `confirmed` while the test looks at it.
pub(crate) async fn spawn() -> TestApp {
    TestApp::spawn_with(&[("FulfillmentTimeScale", "1")]).await
}

/// The order once its saga has finished with it.
pub(crate) async fn finished(app: &TestApp, shopper: &str, id: &str) -> Value {
    eventually(180, "the checkout saga to finish", || async {
        let order = app.send(get_order(shopper, id)).await;
        assert_eq!(order.status, 200, "{}", order.body);
        let status = order.body["status"].as_str().unwrap().to_owned();
        (status != "processing" && status != "pending").then_some(order.body)
    })
    .await
}

/// Checks out `shopper`'s cart and waits for the outcome.
pub(crate) async fn buy(app: &TestApp, shopper: &str, token: &str, total: u64) -> Value {
    let started = app
        .send(checkout(
            shopper,
            &format!("checkout-{shopper}"),
            token,
            total,
        ))
        .await;
    assert_started(&started);
    finished(app, shopper, started.body["id"].as_str().unwrap()).await
}

#[track_caller]
pub(crate) fn assert_started(answer: &Answer) {
    assert!(
        matches!(answer.status, 201 | 202),
        "{}: {}",
        answer.status,
        answer.body
    );
    let id = answer.body["id"].as_str().unwrap();
    assert_eq!(answer.header("location"), format!("/api/v1/orders/{id}"));
    if answer.status == 201 {
        assert!(matches!(
            answer.body["status"].as_str(),
            Some("confirmed" | "failed")
        ));
    }
}

/// On hand and reserved of `sku`, over every location and shard.
pub(crate) async fn stock(app: &TestApp, sku: &str) -> (u32, u32) {
    let stock = app.inventory().stock(&sku.parse().unwrap()).await.unwrap();
    let shards = stock.locations.values().flat_map(|l| l.shards.iter());
    shards.fold((0, 0), |(on_hand, reserved), s| {
        (on_hand + s.on_hand, reserved + s.reserved)
    })
}

/// Where the order's express run handed it to the Standard saga: the `resume_at` its execution,
/// named by the order's id, started with.
async fn handed_over_at(app: &TestApp, id: &str) -> String {
    let machine = app.reference("CheckoutStateMachine");
    let arn = format!("{}:{id}", machine.replace(":stateMachine:", ":execution:"));
    let sfn = aws_sdk_sfn::Client::new(&app.sdk);
    let described = sfn.describe_execution().execution_arn(arn).send().await;
    let input: Value = serde_json::from_str(described.unwrap().input().unwrap()).unwrap();
    input["resume_at"]
        .as_str()
        .unwrap_or("(the start)")
        .to_owned()
}

pub(crate) async fn ledger(app: &TestApp) -> LedgerTotals {
    let payments = PaymentsStore::new(app.dynamodb(), app.reference("PaymentsTable"));
    payments.ledger_totals(Currency::USD).await.unwrap()
}

#[tokio::test]
async fn a_cart_becomes_a_confirmed_order_and_a_replay_is_the_same_order() {
    let app = spawn().await;
    app.start_event_sources();
    on_sale(&app, "seller-a", "BUY-A", "lamps", 5).await;
    assert_eq!(app.send(add("ada", "BUY-A", 2)).await.status, 200);

    let first = app
        .send(checkout("ada", "purchase-0001", "tok_visa", 2 * PRICE))
        .await;
    assert_started(&first);
    let id = first.body["id"].as_str().unwrap().to_owned();
    let order = finished(&app, "ada", &id).await;
    assert_eq!(order["status"], "confirmed", "{order}");
    // The express part confirmed it; the Standard saga took over to empty the cart and ship.
    assert_eq!(handed_over_at(&app, &id).await, "EmptyCart");
    assert_eq!(order["priced"]["total"], usd(2 * PRICE));
    assert_eq!(order["priced"]["lines"][0]["sku"], "BUY-A");
    assert_eq!(order["priced"]["lines"][0]["quantity"], 2);
    assert_eq!(
        stock(&app, "BUY-A").await,
        (3, 0),
        "the order took its two units"
    );
    assert_eq!(
        ledger(&app).await,
        LedgerTotals {
            captured: 2 * PRICE,
            refunded: 0
        }
    );
    // The cart empties in the step after confirmation, so a moment after the order shows it.
    eventually(30, "the bought lines to leave the cart", || async {
        let cart = app.send(get_cart("ada")).await;
        (cart.body["lines"] == json!([])).then_some(())
    })
    .await;
    // One parcel, from the fulfillment center that held the units, waiting to be picked.
    let tracking = app.send(track("ada", &id)).await;
    assert_eq!(tracking.status, 200, "{}", tracking.body);
    let parcel = &tracking.body["shipments"][0];
    assert_eq!(tracking.body["shipments"].as_array().unwrap().len(), 1);
    assert_eq!(
        (
            &parcel["location"],
            &parcel["fulfillment"],
            &parcel["status"]
        ),
        (&json!("FC-TEST"), &json!("rainforest"), &json!("preparing"))
    );
    assert_eq!(
        parcel["lines"],
        json!([{"sku": "BUY-A", "title": "Item BUY-A", "quantity": 2}])
    );

    // The same request again is the same order, finished; the key with another body is refused.
    let replay = app
        .send(checkout("ada", "purchase-0001", "tok_visa", 2 * PRICE))
        .await;
    assert_eq!(
        (replay.status, replay.body["id"].as_str()),
        (201, Some(id.as_str()))
    );
    let other = app
        .send(checkout("ada", "purchase-0001", "tok_visa", PRICE))
        .await;
    other.assert_unprocessable("Idempotency-Key");
    let unkeyed = Call::new("POST", CHECKOUT, CHECKOUT)
        .by(As::Customer("ada"))
        .json(&json!({"shipping_address": portland(), "payment_token": "tok_visa", "expected_total": usd(PRICE)}));
    app.send(unkeyed).await.assert_invalid("Idempotency-Key");
    assert_eq!(
        ledger(&app).await.captured,
        2 * PRICE,
        "one order, charged once"
    );
    app.send(get_order("someone-else", &id))
        .await
        .assert_problem(404);
}

#[tokio::test]
async fn every_failure_leaves_nothing_held_or_charged_and_says_why() {
    let app = spawn().await;
    app.start_event_sources();
    // (shopper, token, total shown, the order's ending, where the express part handed it over)
    let cases = [
        (
            "declined",
            "tok_chargeDeclinedInsufficientFunds",
            PRICE,
            json!({"reason": "payment_declined", "decline_code": "insufficient_funds"}),
            "ReturnPayment",
        ),
        (
            "stolen",
            "tok_chargeDeclinedStolenCard",
            PRICE,
            json!({"reason": "payment_declined", "decline_code": "stolen_card"}),
            "ReturnPayment",
        ),
        (
            "capture",
            "tok_captureFails",
            PRICE,
            json!({"reason": "payment_declined", "decline_code": "capture_refused"}),
            "ReturnPayment",
        ),
        (
            "timeout",
            "tok_timeout",
            PRICE,
            json!({"reason": "payment_unavailable"}),
            "ReturnPayment",
        ),
        (
            "repriced",
            "tok_visa",
            PRICE - 1,
            json!({"reason": "price_changed", "total": usd(PRICE)}),
            "FailOrder",
        ),
        (
            "flaky",
            "tok_unavailable_2",
            PRICE,
            Value::Null,
            "EmptyCart",
        ),
    ];
    for (shopper, ..) in &cases {
        let sku = format!("FAIL-{}", shopper.to_uppercase());
        on_sale(&app, "seller-a", &sku, "lamps", 4).await;
        assert_eq!(app.send(add(shopper, &sku, 1)).await.status, 200);
    }
    let endings = futures::future::join_all(
        cases
            .iter()
            .map(|(shopper, token, total, ..)| buy(&app, shopper, token, *total)),
    )
    .await;
    for ((shopper, _, _, failure, handed_over), order) in cases.iter().zip(&endings) {
        let sku = format!("FAIL-{}", shopper.to_uppercase());
        let id = order["id"].as_str().unwrap();
        assert_eq!(&handed_over_at(&app, id).await, handed_over, "{shopper}");
        if failure.is_null() {
            assert_eq!(order["status"], "confirmed", "{shopper}: {order}");
            assert_eq!(stock(&app, &sku).await, (3, 0), "{shopper}");
        } else {
            assert_eq!(order["status"], "failed", "{shopper}: {order}");
            assert_eq!(&order["failure"], failure, "{shopper}");
            assert_eq!(
                stock(&app, &sku).await,
                (4, 0),
                "{shopper}: nothing held or taken"
            );
        }
    }
    assert_eq!(
        ledger(&app).await,
        LedgerTotals {
            captured: PRICE,
            refunded: 0
        },
        "money taken only for the confirmed order"
    );

    // An empty cart, and a line with more units than are left, fail before anything is held.
    let empty = buy(&app, "nobody", "tok_visa", PRICE).await;
    assert_eq!(empty["failure"], json!({"reason": "cart_empty"}));
    on_sale(&app, "seller-a", "FAIL-SHORT", "lamps", 3).await;
    assert_eq!(app.send(add("short", "FAIL-SHORT", 3)).await.status, 200);
    app.stock("FAIL-SHORT", 2).await;
    let short = buy(&app, "short", "tok_visa", 3 * PRICE).await;
    assert_eq!(
        short["failure"],
        json!({"reason": "out_of_stock", "skus": ["FAIL-SHORT"]})
    );
    for failed_early in [&empty, &short] {
        let id = failed_early["id"].as_str().unwrap();
        assert_eq!(handed_over_at(&app, id).await, "FailOrder");
    }
    assert_eq!(stock(&app, "FAIL-SHORT").await, (2, 0));
}

#[tokio::test]
async fn concurrent_checkouts_of_a_scarce_sku_confirm_exactly_the_units_there_are() {
    let app = spawn().await;
    app.start_event_sources();
    on_sale(&app, "seller-a", "HOT-1", "lamps", 10).await;
    let shoppers: Vec<String> = (0..100).map(|n| format!("shopper-{n:03}")).collect();
    for shopper in &shoppers {
        assert_eq!(app.send(add(shopper, "HOT-1", 1)).await.status, 200);
    }
    let endings = futures::future::join_all(
        shoppers
            .iter()
            .map(|shopper| buy(&app, shopper, "tok_visa", PRICE)),
    )
    .await;
    let confirmed = endings
        .iter()
        .filter(|o| o["status"] == "confirmed")
        .count();
    let sold_out = endings
        .iter()
        .filter(|o| o["failure"] == json!({"reason": "out_of_stock", "skus": ["HOT-1"]}))
        .count();
    assert_eq!((confirmed, sold_out), (10, 90), "{endings:?}");
    assert_eq!(stock(&app, "HOT-1").await, (0, 0));
    assert_eq!(
        ledger(&app).await,
        LedgerTotals {
            captured: 10 * PRICE,
            refunded: 0
        }
    );
}

/// An express part that cannot run (here its state machine is gone) leaves the order to the
/// Standard saga from the start, which checks it out all the same.
#[tokio::test]
async fn without_its_express_part_the_standard_saga_checks_out_from_the_start() {
    let app = spawn().await;
    app.start_event_sources();
    let express = app.reference("CheckoutExpressStateMachine");
    let sfn = aws_sdk_sfn::Client::new(&app.sdk);
    let deleted = sfn.delete_state_machine().state_machine_arn(express);
    deleted.send().await.unwrap();
    on_sale(&app, "seller-a", "SLOW-A", "lamps", 3).await;
    assert_eq!(app.send(add("grace", "SLOW-A", 1)).await.status, 200);
    let order = buy(&app, "grace", "tok_visa", PRICE).await;
    assert_eq!(order["status"], "confirmed", "{order}");
    let id = order["id"].as_str().unwrap();
    assert_eq!(handed_over_at(&app, id).await, "(the start)");
    assert_eq!(stock(&app, "SLOW-A").await, (2, 0));
    assert_eq!(ledger(&app).await.captured, PRICE);
}

/// A checkout whose request died after recording the order, before any saga started (here both
/// state machines are gone): a replay leaves the order to a run that may still be going, until
/// no express run could still be; then the replay starts the Standard saga, which checks it out.
#[tokio::test]
async fn a_replay_starts_the_saga_of_an_order_its_request_never_started() {
    let app = spawn().await;
    app.start_event_sources();
    let sfn = aws_sdk_sfn::Client::new(&app.sdk);
    let standard = app.reference("CheckoutStateMachine");
    let described = sfn.describe_state_machine().state_machine_arn(&standard);
    let described = described.send().await.unwrap();
    for machine in [
        app.reference("CheckoutExpressStateMachine"),
        standard.clone(),
    ] {
        let deleted = sfn.delete_state_machine().state_machine_arn(machine);
        deleted.send().await.unwrap();
    }
    on_sale(&app, "seller-a", "LOST-A", "lamps", 3).await;
    assert_eq!(app.send(add("lin", "LOST-A", 1)).await.status, 200);
    let request = || checkout("lin", "checkout-lin", "tok_visa", PRICE);
    app.send(request()).await.assert_problem(500);

    // The machine is back (the same name is the same ARN), yet a replay starts nothing: the
    // order is too young for its express run to have surely ended.
    let recreated = sfn
        .create_state_machine()
        .name(&described.name)
        .definition(&described.definition)
        .role_arn(&described.role_arn)
        .send()
        .await
        .unwrap();
    assert_eq!(recreated.state_machine_arn, standard);
    let waiting = app.send(request()).await;
    assert_eq!(
        (waiting.status, waiting.body["status"].as_str()),
        (202, Some("processing")),
        "{}",
        waiting.body
    );
    let id = waiting.body["id"].as_str().unwrap().to_owned();
    assert_eq!(stock(&app, "LOST-A").await, (3, 0), "nothing ran");

    // Ten minutes later the replay starts the saga, from the start.
    let (pk, sk) = (format!("ORDER#{id}"), "ORDER".to_owned());
    let then = SystemTime::now() - Duration::from_secs(10 * 60);
    app.dynamodb()
        .update_item()
        .table_name(app.reference("OrdersTable"))
        .key("pk", AttributeValue::S(pk))
        .key("sk", AttributeValue::S(sk))
        .update_expression("SET created_at = :then")
        .expression_attribute_values(":then", AttributeValue::S(clock::rfc3339(then)))
        .send()
        .await
        .unwrap();
    assert_started(&app.send(request()).await);
    let order = finished(&app, "lin", &id).await;
    assert_eq!(order["status"], "confirmed", "{order}");
    assert_eq!(handed_over_at(&app, &id).await, "(the start)");
    assert_eq!(stock(&app, "LOST-A").await, (2, 0));
}

/// A step killed between its write and its answer is retried and finds its write done: the
/// order is confirmed once, its units taken once, its money captured once. Compensations that
/// crash the same way are retried until they have given everything back.
#[tokio::test]
async fn steps_that_crash_after_their_writes_are_retried_and_nothing_is_done_twice() {
    let app = spawn().await;
    app.start_event_sources();
    on_sale(&app, "seller-a", "CRASH-A", "lamps", 5).await;
    assert_eq!(app.send(add("crash", "CRASH-A", 2)).await.status, 200);
    for step in [
        "CheckoutValidateCartFunction",
        "CheckoutReserveStockFunction",
        "CheckoutAuthorizePaymentFunction",
        "CheckoutPlaceOrderFunction",
        "CheckoutCapturePaymentFunction",
        "CheckoutConfirmOrderFunction",
        "CheckoutEmptyCartFunction",
    ] {
        app.fault(step, 1, "Runtime.ExitError", true);
    }
    let order = buy(&app, "crash", "tok_visa", 2 * PRICE).await;
    assert_eq!(order["status"], "confirmed", "{order}");
    assert_eq!(stock(&app, "CRASH-A").await, (3, 0));
    assert_eq!(
        ledger(&app).await,
        LedgerTotals {
            captured: 2 * PRICE,
            refunded: 0
        }
    );
    // The cart empties after the order is confirmed, on the retry.
    eventually(30, "the bought line to leave the cart", || async {
        let cart = app.send(get_cart("crash")).await;
        (cart.body["lines"] == json!([])).then_some(())
    })
    .await;

    on_sale(&app, "seller-a", "CRASH-B", "lamps", 5).await;
    assert_eq!(app.send(add("undone", "CRASH-B", 1)).await.status, 200);
    for compensation in [
        "CheckoutReturnPaymentFunction",
        "CheckoutReleaseStockFunction",
        "CheckoutFailOrderFunction",
    ] {
        app.fault(compensation, 2, "Runtime.ExitError", true);
    }
    let failed = buy(&app, "undone", "tok_captureFails", PRICE).await;
    assert_eq!(
        failed["failure"],
        json!({"reason": "payment_declined", "decline_code": "capture_refused"})
    );
    assert_eq!(
        stock(&app, "CRASH-B").await,
        (5, 0),
        "the held unit is back on sale"
    );
    assert_eq!(
        ledger(&app).await.captured,
        2 * PRICE,
        "nothing more was taken"
    );
}

/// A coupon's use is counted by the order that used it, within its limits, and given back when
/// that order fails; a shopper whose single use went to a confirmed order cannot use it again.
#[tokio::test]
async fn an_order_counts_its_coupon_use_and_a_failed_one_gives_it_back() {
    let app = spawn().await;
    app.start_event_sources();
    created(&app, coupon("ONCE10", json!({"max_uses_per_customer": 1}))).await;
    on_sale(&app, "seller-a", "COUPON-A", "lamps", 9).await;
    let discounted = PRICE - PRICE / 10;
    let uses = || async {
        let carts = shared::cart::CartStore::new(
            app.dynamodb(),
            app.reference("CartsTable"),
            Currency::USD,
        );
        let (coupon, mine) = carts
            .coupon(
                &shared::cart::CouponCode::try_from("ONCE10".to_owned()).unwrap(),
                Some("cara"),
            )
            .await
            .unwrap()
            .unwrap();
        (coupon.uses, mine)
    };
    let fill = || async {
        assert_eq!(app.send(add("cara", "COUPON-A", 1)).await.status, 200);
        assert_eq!(app.send(apply("cara", "ONCE10")).await.status, 200);
    };

    fill().await;
    let declined = buy(&app, "cara", "tok_chargeDeclinedStolenCard", discounted).await;
    assert_eq!(declined["status"], "failed", "{declined}");
    assert_eq!(uses().await, (0, 0), "the failed order gave its use back");

    let bought = app
        .send(checkout(
            "cara",
            "coupon-purchase-2",
            "tok_visa",
            discounted,
        ))
        .await;
    assert_started(&bought);
    let order = finished(&app, "cara", bought.body["id"].as_str().unwrap()).await;
    assert_eq!(order["status"], "confirmed", "{order}");
    assert_eq!(order["priced"]["coupon"], "ONCE10");
    assert_eq!(order["priced"]["total"], usd(discounted));
    assert_eq!(uses().await, (1, 1));

    // The used coupon left the cart with the order; this shopper may not apply it again.
    assert_eq!(app.send(add("cara", "COUPON-A", 1)).await.status, 200);
    let again = app.send(apply("cara", "ONCE10")).await;
    assert_eq!(
        (again.status, again.body["reason"].as_str()),
        (422, Some("usage_limit_reached"))
    );

    // A coupon with one use left, two shoppers at once: one order gets it, the other fails as
    // `coupon_invalid` (at validation or, racing past it, when placing) and is not charged.
    created(&app, coupon("LAST1", json!({"max_uses": 1}))).await;
    for shopper in ["kim", "lee"] {
        assert_eq!(app.send(add(shopper, "COUPON-A", 1)).await.status, 200);
        assert_eq!(app.send(apply(shopper, "LAST1")).await.status, 200);
    }
    let (kim, lee) = tokio::join!(
        buy(&app, "kim", "tok_visa", discounted),
        buy(&app, "lee", "tok_visa", discounted)
    );
    let mut endings = [kim["status"].clone(), lee["status"].clone()];
    endings.sort_by_key(ToString::to_string);
    assert_eq!(
        endings,
        [json!("confirmed"), json!("failed")],
        "{kim} {lee}"
    );
    let failed = if kim["status"] == "failed" {
        &kim
    } else {
        &lee
    };
    assert_eq!(failed["failure"], json!({"reason": "coupon_invalid"}));
    assert_eq!(
        ledger(&app).await.captured,
        2 * discounted,
        "cara's order and one of these"
    );
}

/// Each status change's event leaves through the outbox once, with the attributes subscribers
/// filter on; the history lists a shopper's own orders newest first, a page at a time.
#[tokio::test]
async fn order_events_are_published_once_and_the_history_pages_newest_first() {
    let app = spawn().await;
    let topic = app.reference("OrderEventsTopic");
    let name = format!("{}-order-events", unique_prefix());
    let filter = json!({"customer_id": ["hal"]});
    let queue = subscribed_queue(&app.sdk, &topic, &name, Some(&filter)).await;
    let sqs = aws_sdk_sqs::Client::new(&app.sdk);
    // A message received stays hidden for the rest of the test: one seen twice was sent twice.
    sqs.set_queue_attributes()
        .queue_url(&queue)
        .attributes(
            aws_sdk_sqs::types::QueueAttributeName::VisibilityTimeout,
            "600",
        )
        .send()
        .await
        .unwrap();
    app.start_event_sources();
    on_sale(&app, "seller-a", "EVENT-A", "lamps", 10).await;
    let mut ids = Vec::new();
    // The declined checkout leaves its line in the cart for the third to buy.
    for token in ["tok_visa", "tok_chargeDeclinedStolenCard", "tok_visa"] {
        if token != "tok_visa" || ids.is_empty() {
            assert_eq!(app.send(add("hal", "EVENT-A", 1)).await.status, 200);
        }
        let started = app
            .send(checkout(
                "hal",
                &format!("hal-order-{}", ids.len()),
                token,
                PRICE,
            ))
            .await;
        assert_started(&started);
        let id = started.body["id"].as_str().unwrap().to_owned();
        finished(&app, "hal", &id).await;
        ids.push(id);
    }
    // Confirmed orders say placed and paid; the declined one failed before it was placed.
    let mut expected: Vec<String> = vec![
        format!("{}#OrderPlaced", ids[0]),
        format!("{}#OrderPaid", ids[0]),
        format!("{}#OrderFailed", ids[1]),
        format!("{}#OrderPlaced", ids[2]),
        format!("{}#OrderPaid", ids[2]),
    ];
    let mut seen: Vec<Value> = Vec::new();
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(60);
    while seen.len() < expected.len() && std::time::Instant::now() < deadline {
        let bodies = receive(&sqs, &queue).await;
        seen.extend(
            bodies
                .iter()
                .map(|b| serde_json::from_str::<Value>(b).unwrap()),
        );
    }
    // Nothing more comes: each event was published once.
    seen.extend(
        receive(&sqs, &queue)
            .await
            .iter()
            .map(|b| serde_json::from_str::<Value>(b).unwrap()),
    );
    let mut published: Vec<String> = seen
        .iter()
        .map(|e| e["event_id"].as_str().unwrap().to_owned())
        .collect();
    published.sort();
    expected.sort();
    assert_eq!(published, expected, "{seen:?}");
    assert!(seen.iter().all(|e| e["customer_id"] == "hal"));

    let history = |query: &str| {
        Call::new("GET", "/api/v1/orders", &format!("/api/v1/orders{query}"))
            .by(As::Customer("hal"))
    };
    let first = app.send(history("?limit=2")).await;
    assert_eq!(first.status, 200, "{}", first.body);
    let listed: Vec<&str> = first.body["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|o| o["id"].as_str().unwrap())
        .collect();
    assert_eq!(listed, [ids[2].as_str(), ids[1].as_str()], "newest first");
    assert_eq!(first.body["items"][1]["status"], "failed");
    assert_eq!(first.body["items"][0]["total"], usd(PRICE));
    let cursor = first.body["next_cursor"].as_str().unwrap();
    let second = app
        .send(history(&format!("?limit=2&cursor={cursor}")))
        .await;
    assert_eq!(second.body["items"][0]["id"], ids[0].as_str());
    assert_eq!(second.body["items"].as_array().unwrap().len(), 1);
    assert!(second.body["next_cursor"].is_null());

    let theirs = Call::new("GET", "/api/v1/orders", "/api/v1/orders").by(As::Customer("ivy"));
    assert_eq!(app.send(theirs).await.body["items"], json!([]));
    let borrowed = Call::new(
        "GET",
        "/api/v1/orders",
        &format!("/api/v1/orders?cursor={}", ids[0]),
    )
    .by(As::Customer("ivy"));
    app.send(borrowed).await.assert_unprocessable("cursor");

    // Each paid order's units reach the catalog's sales count (what search ranks best sellers
    // by), once: two orders of one unit.
    let sku = "EVENT-A".parse().unwrap();
    let (product, _) = app.store.owner_of(&sku).await.unwrap().unwrap();
    let paid = seen
        .iter()
        .find(|e| e["event_type"] == "OrderPaid")
        .unwrap();
    assert_eq!(
        paid["lines"],
        json!([{"product_id": product.to_string(), "sku": "EVENT-A", "quantity": 1}])
    );
    eventually(30, "two sales counted", || async {
        let family = app.store.family(product).await.unwrap().unwrap();
        (family.head.sales.last_30_days(shared::catalog::today()) == 2).then_some(())
    })
    .await;
}

fn review_queue(caller: As, query: &str) -> Call {
    let path = format!("/api/v1/admin/orders{query}");
    Call::new("GET", "/api/v1/admin/orders", &path).by(caller)
}

fn verdict(id: &str, verdict: &str) -> Call {
    let route = format!("/api/v1/admin/orders/{{id}}/{verdict}");
    let path = format!("/api/v1/admin/orders/{id}/{verdict}");
    Call::new("POST", &route, &path).by(As::Admin("admin-01"))
}

/// Starts `shopper`'s checkout of 5 units (a first order over the rules' $2,000) and waits
/// for fraud screening to hold it.
async fn held(app: &TestApp, shopper: &str) -> String {
    assert_eq!(app.send(add(shopper, "HOLD-A", 5)).await.status, 200);
    let started = app
        .send(checkout(
            shopper,
            &format!("{shopper}-order-1"),
            "tok_visa",
            5 * PRICE,
        ))
        .await;
    assert_eq!(
        started.status, 202,
        "a held order is no answer yet: {}",
        started.body
    );
    let id = started.body["id"].as_str().unwrap().to_owned();
    eventually(60, "the order held for review", || async {
        let order = app.send(get_order(shopper, &id)).await.body;
        assert_ne!(order["status"], "failed", "{order}");
        (order["status"] == "held").then_some(())
    })
    .await;
    id
}

/// Fraud screening holds a big first order before anything moves; an admin's release lets the
/// saga finish it, a rejection fails it with nothing held or charged.
#[tokio::test]
async fn an_order_screening_holds_completes_when_released_and_leaves_nothing_when_rejected() {
    let app = spawn().await;
    app.start_event_sources();
    on_sale(&app, "seller-a", "HOLD-A", "lamps", 20).await;

    let released = held(&app, "gus").await;
    assert_eq!(
        stock(&app, "HOLD-A").await,
        (20, 0),
        "nothing reserved in review"
    );
    assert_eq!(ledger(&app).await.captured, 0);
    let queue = app
        .send(review_queue(As::Admin("admin-01"), "?status=held"))
        .await;
    assert_eq!(queue.status, 200, "{}", queue.body);
    let items = queue.body["items"].as_array().unwrap();
    assert_eq!(items.len(), 1, "{}", queue.body);
    assert_eq!(items[0]["id"], released.as_str());
    assert_eq!(
        items[0]["screening"]["reasons"],
        json!(["a high-value first order"])
    );
    assert!(
        items[0].get("task_token").is_none(),
        "the saga's token stays inside"
    );
    let shopper = app
        .send(review_queue(As::Customer("gus"), "?status=held"))
        .await;
    assert_eq!(shopper.status, 403);
    app.send(review_queue(As::Admin("admin-01"), "?status=confirmed"))
        .await
        .assert_invalid("status");

    let answer = app.send(verdict(&released, "release")).await;
    assert_eq!(answer.status, 200, "{}", answer.body);
    assert_eq!(
        app.send(verdict(&released, "release")).await.status,
        200,
        "a replay"
    );
    let order = finished(&app, "gus", &released).await;
    assert_eq!(order["status"], "confirmed", "{order}");
    assert_eq!(stock(&app, "HOLD-A").await, (15, 0));
    assert_eq!(
        app.send(verdict(&released, "reject")).await.status,
        409,
        "it went on"
    );

    let rejected = held(&app, "hil").await;
    let answer = app.send(verdict(&rejected, "reject")).await;
    assert_eq!(answer.status, 200, "{}", answer.body);
    assert_eq!(
        app.send(verdict(&rejected, "reject")).await.status,
        200,
        "a replay"
    );
    assert_eq!(app.send(verdict(&rejected, "release")).await.status, 409);
    let order = finished(&app, "hil", &rejected).await;
    assert_eq!(
        order["failure"],
        json!({"reason": "review_rejected"}),
        "{order}"
    );
    assert_eq!(stock(&app, "HOLD-A").await, (15, 0), "nothing held for it");
    assert_eq!(
        ledger(&app).await,
        LedgerTotals {
            captured: 5 * PRICE,
            refunded: 0
        },
        "only the released order was charged"
    );
    let cart = app.send(get_cart("hil")).await;
    assert_eq!(
        cart.body["lines"][0]["quantity"], 5,
        "the cart keeps its lines"
    );
    let queue = app
        .send(review_queue(As::Admin("admin-01"), "?status=held"))
        .await;
    assert_eq!(queue.body["items"], json!([]));
}
