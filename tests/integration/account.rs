//! The shopper's account: saved addresses sealed under the account's KMS key (the table holds
//! nothing readable without it), saved payment methods, the defaults, and one-click ordering
//! with them through the checkout saga.

use crate::cart::{add, get_cart, on_sale, usd};
use crate::checkout::{PRICE, finished, portland, spawn};
use crate::helpers::{As, Call, TestApp};
use serde_json::{Value, json};

fn addresses(shopper: &str) -> Call {
    let path = "/api/v1/account/addresses";
    Call::new("GET", path, path).by(As::Customer(shopper))
}

fn add_address(shopper: &str, body: &Value) -> Call {
    let path = "/api/v1/account/addresses";
    Call::new("POST", path, path)
        .by(As::Customer(shopper))
        .json(body)
}

fn delete_address(shopper: &str, id: &str) -> Call {
    let path = format!("/api/v1/account/addresses/{id}");
    Call::new("DELETE", "/api/v1/account/addresses/{id}", &path).by(As::Customer(shopper))
}

fn add_card(shopper: &str, body: &Value) -> Call {
    let path = "/api/v1/account/payment-methods";
    Call::new("POST", path, path)
        .by(As::Customer(shopper))
        .json(body)
}

fn cards(shopper: &str) -> Call {
    let path = "/api/v1/account/payment-methods";
    Call::new("GET", path, path).by(As::Customer(shopper))
}

fn buy_now(shopper: &str, key: &str, quantity: u32, total: u64) -> Call {
    let path = "/api/v1/orders/buy-now";
    Call::new("POST", path, path)
        .by(As::Customer(shopper))
        .header("idempotency-key", key)
        .json(&json!({"sku": "CLICK-A", "quantity": quantity, "expected_total": usd(total)}))
}

fn london() -> Value {
    json!({"name": "Sherlock Holmes", "line1": "221B Baker Street", "city": "London",
           "postal_code": "NW1 6XE", "country": "GB"})
}

fn checkout_to(shopper: &str, key: &str, ship_to: &Value) -> Call {
    let path = "/api/v1/orders/checkout";
    let mut body = json!({"payment_token": "tok_visa", "expected_total": usd(PRICE)});
    body.as_object_mut()
        .unwrap()
        .extend(ship_to.as_object().unwrap().clone());
    Call::new("POST", path, path)
        .by(As::Customer(shopper))
        .header("idempotency-key", key)
        .json(&body)
}

/// Every item of the accounts table as DynamoDB holds it.
async fn raw_items(app: &TestApp) -> String {
    let scanned = app
        .dynamodb()
        .scan()
        .table_name(app.reference("AccountsTable"))
        .send()
        .await
        .unwrap();
    format!("{:?}", scanned.items.unwrap_or_default())
}

#[tokio::test]
async fn addresses_are_sealed_and_one_click_orders_with_the_defaults() {
    let app = spawn().await;
    app.start_event_sources();
    on_sale(&app, "seller-a", "CLICK-A", "lamps", 5).await;
    let refused = app.send(buy_now("kay", "kay-click-1", 1, PRICE)).await;
    refused.assert_unprocessable("account");

    // Each country's rules; the first address saved is the default, a later one may take over.
    let mut bad = portland();
    bad["postal_code"] = json!("981");
    app.send(add_address("kay", &json!({"address": bad})))
        .await
        .assert_unprocessable("postal_code");
    let mut no_state = portland();
    no_state["region"] = Value::Null;
    app.send(add_address("kay", &json!({"address": no_state})))
        .await
        .assert_unprocessable("region");
    let home = app
        .send(add_address("kay", &json!({"address": portland()})))
        .await;
    assert_eq!(home.status, 201, "{}", home.body);
    assert_eq!(home.body["is_default"], true, "the first is the default");
    let away = app
        .send(add_address(
            "kay",
            &json!({"address": london(), "default": true}),
        ))
        .await;
    assert_eq!(away.status, 201, "{}", away.body);
    let listed = app.send(addresses("kay")).await.body;
    let defaults: Vec<(&Value, &Value)> = listed["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|a| (&a["address"]["city"], &a["is_default"]))
        .collect();
    assert_eq!(
        defaults,
        [
            (&json!("Portland"), &json!(false)),
            (&json!("London"), &json!(true))
        ]
    );
    assert_eq!(
        app.send(addresses("lee")).await.body["items"],
        json!([]),
        "kay's alone"
    );

    // In the table: the country, sealed fields and an encrypted data key; nothing readable.
    let stored = raw_items(&app).await;
    for personal in [
        "Sherlock", "Baker", "NW1", "London", "Lovelace", "Main St", "97201",
    ] {
        assert!(
            !stored.contains(personal),
            "{personal} readable in {stored}"
        );
    }
    assert!(stored.contains("GB"), "the country stays clear");

    // Cards: the gateway's token, brand and last four only.
    app.send(add_card(
        "kay",
        &json!({"payment_token": "tok_visa", "brand": "visa", "last_four": "42"}),
    ))
    .await
    .assert_invalid("last_four");
    app.send(add_card(
        "kay",
        &json!({"payment_token": "4242 4242 4242 4242", "brand": "visa", "last_four": "4242"}),
    ))
    .await
    .assert_invalid("payment_token");
    let card = app
        .send(add_card(
            "kay",
            &json!({"payment_token": "tok_visa", "brand": "visa", "last_four": "4242"}),
        ))
        .await;
    assert_eq!(
        (card.status, &card.body["is_default"]),
        (201, &json!(true)),
        "{}",
        card.body
    );
    assert_eq!(
        app.send(cards("kay")).await.body["items"][0]["last_four"],
        "4242"
    );

    // Deleting the default leaves none (again: still gone); one-click needs one.
    let away_id = away.body["id"].as_str().unwrap();
    assert_eq!(app.send(delete_address("kay", away_id)).await.status, 204);
    assert_eq!(
        app.send(delete_address("kay", away_id)).await.status,
        204,
        "a replay"
    );
    app.send(buy_now("kay", "kay-click-1", 1, PRICE))
        .await
        .assert_unprocessable("account");
    let home_again = app
        .send(add_address(
            "kay",
            &json!({"address": portland(), "default": true}),
        ))
        .await;
    assert_eq!(home_again.status, 201);

    // One click: the SKU with the defaults, beside the cart, once per key.
    assert_eq!(app.send(add("kay", "CLICK-A", 1)).await.status, 200);
    let clicked = app.send(buy_now("kay", "kay-click-2", 2, 2 * PRICE)).await;
    assert!(matches!(clicked.status, 201 | 202), "{}", clicked.body);
    let id = clicked.body["id"].as_str().unwrap().to_owned();
    let order = finished(&app, "kay", &id).await;
    assert_eq!(order["status"], "confirmed", "{order}");
    let mut shipped_to = portland();
    shipped_to["line2"] = Value::Null;
    assert_eq!(order["shipping_address"], shipped_to);
    assert_eq!(order["payment_token"], "tok_visa");
    assert_eq!(order["priced"]["lines"][0]["quantity"], 2);
    assert_eq!(
        app.send(get_cart("kay")).await.body["lines"][0]["quantity"],
        1,
        "the cart stays"
    );
    let replay = app.send(buy_now("kay", "kay-click-2", 2, 2 * PRICE)).await;
    assert_eq!(
        (replay.status, replay.body["id"].as_str()),
        (201, Some(id.as_str()))
    );
    app.send(buy_now("kay", "kay-click-2", 1, PRICE))
        .await
        .assert_unprocessable("Idempotency-Key");

    // A replay answers for the first order even once the defaults it used are gone.
    let home_id = home_again.body["id"].as_str().unwrap();
    assert_eq!(app.send(delete_address("kay", home_id)).await.status, 204);
    let replay = app.send(buy_now("kay", "kay-click-2", 2, 2 * PRICE)).await;
    assert_eq!(
        (replay.status, replay.body["id"].as_str()),
        (201, Some(id.as_str())),
        "{}",
        replay.body
    );
    app.send(buy_now("kay", "kay-click-2", 1, PRICE))
        .await
        .assert_unprocessable("Idempotency-Key");
    app.send(buy_now("kay", "kay-click-3", 1, PRICE))
        .await
        .assert_unprocessable("account");
}

#[tokio::test]
async fn checkout_ships_to_a_saved_address_of_the_shopper_s_own() {
    let app = spawn().await;
    app.start_event_sources();
    on_sale(&app, "seller-a", "SAVED-A", "lamps", 5).await;
    let saved = app
        .send(add_address("lee", &json!({"address": portland()})))
        .await;
    assert_eq!(saved.status, 201, "{}", saved.body);
    let id = saved.body["id"].as_str().unwrap().to_owned();
    let theirs = app
        .send(add_address("max", &json!({"address": london()})))
        .await;
    let theirs = theirs.body["id"].as_str().unwrap().to_owned();
    assert_eq!(app.send(add("lee", "SAVED-A", 1)).await.status, 200);

    // One of the two, and only the shopper's own.
    let both = json!({"shipping_address": portland(), "address_id": id});
    for (key, ship_to, field) in [
        ("lee-saved-1", json!({}), "shipping_address"),
        ("lee-saved-2", both, "shipping_address"),
        ("lee-saved-3", json!({"address_id": theirs}), "address_id"),
        (
            "lee-saved-4",
            json!({"address_id": "01KAN0000000000000000000A1"}),
            "address_id",
        ),
    ] {
        app.send(checkout_to("lee", key, &ship_to))
            .await
            .assert_unprocessable(field);
    }
    app.send(checkout_to(
        "lee",
        "lee-saved-5",
        &json!({"address_id": "home"}),
    ))
    .await
    .assert_invalid("address_id");

    let placed = app
        .send(checkout_to(
            "lee",
            "lee-saved-6",
            &json!({"address_id": id}),
        ))
        .await;
    assert!(matches!(placed.status, 201 | 202), "{}", placed.body);
    let order_id = placed.body["id"].as_str().unwrap().to_owned();
    let order = finished(&app, "lee", &order_id).await;
    assert_eq!(order["status"], "confirmed", "{order}");
    let mut shipped_to = portland();
    shipped_to["line2"] = Value::Null;
    assert_eq!(order["shipping_address"], shipped_to);

    // The order keeps its own copy: the address may go, and a replay still answers for it.
    assert_eq!(app.send(delete_address("lee", &id)).await.status, 204);
    let replay = app
        .send(checkout_to(
            "lee",
            "lee-saved-6",
            &json!({"address_id": id}),
        ))
        .await;
    assert_eq!(
        (replay.status, replay.body["id"].as_str()),
        (201, Some(order_id.as_str())),
        "{}",
        replay.body
    );
    assert_eq!(replay.body["shipping_address"], shipped_to);
    app.send(checkout_to(
        "lee",
        "lee-saved-7",
        &json!({"address_id": id}),
    ))
    .await
    .assert_unprocessable("address_id");
}
