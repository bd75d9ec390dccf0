//! Carts and coupons: every answer is the whole cart priced now; limits, concurrent writers,
//! expiry, and each coupon rule with its reason.

use crate::catalog::{create, listing};
use crate::helpers::{Answer, As, Call, TestApp};
use serde_json::{Value, json};

const ITEMS: &str = "/api/v1/cart/items";
const ITEM: &str = "/api/v1/cart/items/{sku}";
const COUPON: &str = "/api/v1/cart/coupon";

pub(crate) fn usd(amount: u64) -> Value {
    json!({"amount": amount, "currency": "USD"})
}

pub(crate) fn get_cart(shopper: &str) -> Call {
    Call::new("GET", "/api/v1/cart", "/api/v1/cart").by(As::Customer(shopper))
}

pub(crate) fn add(shopper: &str, sku: &str, quantity: u32) -> Call {
    Call::new("POST", ITEMS, ITEMS)
        .by(As::Customer(shopper))
        .json(&json!({"sku": sku, "quantity": quantity}))
}

fn set(shopper: &str, sku: &str, quantity: Value) -> Call {
    Call::new("PATCH", ITEM, &format!("{ITEMS}/{sku}"))
        .by(As::Customer(shopper))
        .json(&json!({"quantity": quantity}))
}

fn remove(shopper: &str, sku: &str) -> Call {
    Call::new("DELETE", ITEM, &format!("{ITEMS}/{sku}")).by(As::Customer(shopper))
}

pub(crate) fn apply(shopper: &str, code: &str) -> Call {
    Call::new("POST", COUPON, COUPON)
        .by(As::Customer(shopper))
        .json(&json!({"code": code}))
}

fn new_coupon(caller: As, body: &Value) -> Call {
    Call::new("POST", "/api/v1/admin/coupons", "/api/v1/admin/coupons")
        .by(caller)
        .json(body)
}

/// A listing of $499.99 (the catalog tests' listing) with `units` in stock.
pub(crate) async fn on_sale(app: &TestApp, seller: &str, sku: &str, category: &str, units: u32) {
    create(app, seller, &listing(sku, &format!("Item {sku}"), category)).await;
    app.stock(sku, units).await;
}

fn line<'a>(cart: &'a Answer, sku: &str) -> &'a Value {
    cart.body["lines"]
        .as_array()
        .unwrap_or_else(|| panic!("not a cart: {}", cart.body))
        .iter()
        .find(|line| line["sku"] == sku)
        .unwrap_or_else(|| panic!("no line of {sku} in {}", cart.body))
}

fn skus(cart: &Answer) -> Vec<String> {
    let mut skus: Vec<String> = cart.body["lines"]
        .as_array()
        .unwrap()
        .iter()
        .map(|line| line["sku"].as_str().unwrap().to_owned())
        .collect();
    skus.sort();
    skus
}

#[tokio::test]
async fn a_cart_is_filled_changed_and_emptied_and_every_answer_is_the_whole_cart() {
    let app = TestApp::spawn().await;
    on_sale(&app, "seller-a", "CART-TV", "tvs", 40).await;
    on_sale(&app, "seller-b", "CART-LAMP", "lamps", 4).await;
    let empty = app.send(get_cart("ann")).await;
    assert_eq!(empty.status, 200, "{}", empty.body);
    assert_eq!(
        (empty.body["lines"].clone(), empty.body["total"].clone()),
        (json!([]), usd(0))
    );

    let cart = app.send(add("ann", "CART-TV", 2)).await;
    assert_eq!(cart.status, 200, "{}", cart.body);
    app.send(add("ann", "CART-TV", 1)).await;
    let cart = app.send(add("ann", "CART-LAMP", 1)).await;
    let tv = line(&cart, "CART-TV");
    assert_eq!(
        (
            tv["quantity"].clone(),
            tv["unit_price"].clone(),
            tv["line_total"].clone()
        ),
        (json!(3), usd(49_999), usd(149_997))
    );
    assert_eq!(tv["availability"], json!({"status": "in_stock"}));
    assert_eq!(tv["price_changed"], false);
    assert_eq!(tv["title"], "Item CART-TV");
    assert_eq!(
        line(&cart, "CART-LAMP")["availability"],
        json!({"status": "only_left", "quantity": 4})
    );
    assert_eq!(
        (
            cart.body["subtotal"].clone(),
            cart.body["discount"].clone(),
            cart.body["total"].clone()
        ),
        (usd(199_996), usd(0), usd(199_996))
    );
    assert_eq!(
        (
            cart.body["item_count"].clone(),
            cart.body["currency"].clone()
        ),
        (json!(4), json!("USD"))
    );

    let cart = app.send(set("ann", "CART-TV", json!(1))).await;
    assert_eq!(line(&cart, "CART-TV")["quantity"], 1);
    let cart = app.send(remove("ann", "CART-LAMP")).await;
    assert_eq!(skus(&cart), ["CART-TV"]);
    // Removing again changes nothing; a line that is not there cannot be changed.
    assert_eq!(app.send(remove("ann", "CART-LAMP")).await.status, 200);
    app.send(set("ann", "CART-LAMP", json!(2)))
        .await
        .assert_problem(404);
    // Another shopper's cart is their own.
    assert_eq!(app.send(get_cart("bob")).await.body["lines"], json!([]));
    assert_eq!(skus(&app.send(get_cart("ann")).await), ["CART-TV"]);
}

#[tokio::test]
async fn bad_input_and_offers_not_for_sale_are_refused_and_change_nothing() {
    let app = TestApp::spawn().await;
    on_sale(&app, "seller-a", "CART-OK", "tvs", 5).await;
    create(&app, "seller-a", &listing("CART-NONE", "Sold out", "tvs")).await;
    for bad in [json!(0), json!(31), json!(1.5), json!("2"), json!(-1)] {
        let body = json!({"sku": "CART-OK", "quantity": bad});
        let call = Call::new("POST", ITEMS, ITEMS)
            .by(As::Customer("ann"))
            .json(&body);
        app.send(call).await.assert_invalid("quantity");
    }
    let unknown = Call::new("POST", ITEMS, ITEMS)
        .by(As::Customer("ann"))
        .json(&json!({"sku": "CART-OK", "quantity": 1, "gift": true}));
    app.send(unknown).await.assert_field_refused(400, "gift");
    app.send(add("ann", "NO-SUCH-SKU", 1))
        .await
        .assert_unprocessable("sku");
    app.send(add("ann", "CART-NONE", 1))
        .await
        .assert_unprocessable("sku");
    app.send(add("ann", "bad sku!", 1))
        .await
        .assert_invalid("sku");
    app.send(set("ann", "CART-OK", json!(0)))
        .await
        .assert_invalid("quantity");
    let anonymous = Call::new("GET", "/api/v1/cart", "/api/v1/cart");
    app.send(anonymous).await.assert_problem(401);
    assert_eq!(app.send(get_cart("ann")).await.body["lines"], json!([]));
}

#[tokio::test]
async fn a_line_holds_at_most_30_units_and_a_cart_at_most_25_lines() {
    let app = TestApp::spawn().await;
    let skus: Vec<String> = (0..26).map(|n| format!("CART-L{n:02}")).collect();
    futures::future::join_all(
        skus.iter()
            .map(|sku| on_sale(&app, "seller-a", sku, "lamps", 100)),
    )
    .await;
    assert_eq!(app.send(add("ann", &skus[0], 20)).await.status, 200);
    let full = app.send(add("ann", &skus[0], 11)).await;
    full.assert_unprocessable("quantity");
    assert!(
        full.body["rule"].as_str().unwrap().contains("at most 10"),
        "{}",
        full.body
    );
    assert_eq!(app.send(add("ann", &skus[0], 10)).await.status, 200);
    for sku in &skus[1..25] {
        assert_eq!(app.send(add("ann", sku, 1)).await.status, 200);
    }
    app.send(add("ann", &skus[25], 1))
        .await
        .assert_unprocessable("sku");
    // A line already there still takes units.
    let cart = app.send(set("ann", &skus[1], json!(30))).await;
    assert_eq!(cart.body["lines"].as_array().unwrap().len(), 25);
    assert_eq!(line(&cart, &skus[0])["quantity"], 30);
}

#[tokio::test]
async fn concurrent_writers_of_one_cart_lose_nothing_and_never_pass_a_limit() {
    let app = TestApp::spawn().await;
    let skus: Vec<String> = (0..30).map(|n| format!("CART-C{n:02}")).collect();
    futures::future::join_all(
        skus.iter()
            .map(|sku| on_sale(&app, "seller-a", sku, "lamps", 100)),
    )
    .await;
    // Two devices: twenty new lines at once, and ten single units of one line at once.
    let new_lines = skus[..20].iter().map(|sku| app.send(add("ann", sku, 1)));
    let same_line = (0..10).map(|_| app.send(add("ann", &skus[0], 1)));
    let answers = futures::future::join_all(new_lines.chain(same_line)).await;
    assert!(
        answers.iter().all(|a| a.status == 200),
        "{:?}",
        answers.iter().map(|a| &a.body).collect::<Vec<_>>()
    );
    let cart = app.send(get_cart("ann")).await;
    assert_eq!(self::skus(&cart), skus[..20].to_vec());
    assert_eq!(line(&cart, &skus[0])["quantity"], 11);

    // Ten more new lines at once into a cart with room for five: exactly five get in.
    let answers =
        futures::future::join_all(skus[20..].iter().map(|sku| app.send(add("ann", sku, 1)))).await;
    let statuses: Vec<u16> = answers.iter().map(|a| a.status).collect();
    assert_eq!(
        statuses.iter().filter(|s| **s == 200).count(),
        5,
        "{statuses:?}"
    );
    assert_eq!(
        statuses.iter().filter(|s| **s == 422).count(),
        5,
        "{statuses:?}"
    );
    assert_eq!(
        app.send(get_cart("ann")).await.body["lines"]
            .as_array()
            .unwrap()
            .len(),
        25
    );

    // Twenty single units of one line at once, from 11: it stops at 30, never past it.
    let answers =
        futures::future::join_all((0..20).map(|_| app.send(add("ann", &skus[0], 1)))).await;
    let added = answers.iter().filter(|a| a.status == 200).count();
    assert_eq!(
        added,
        19,
        "{:?}",
        answers.iter().map(|a| a.status).collect::<Vec<_>>()
    );
    assert_eq!(
        line(&app.send(get_cart("ann")).await, &skus[0])["quantity"],
        30
    );
}

#[tokio::test]
async fn a_price_change_shows_in_the_cart_flagged() {
    let app = TestApp::spawn().await;
    on_sale(&app, "seller-a", "CART-P", "tvs", 10).await;
    app.send(add("ann", "CART-P", 2)).await;
    let repriced = Call::new(
        "PUT",
        "/api/v1/seller/offers/{sku}/price",
        "/api/v1/seller/offers/CART-P/price",
    )
    .by(As::Seller("seller-a"))
    .json(&json!({"price": usd(44_999)}));
    assert_eq!(app.send(repriced).await.status, 200);
    let cart = app.send(get_cart("ann")).await;
    let line = line(&cart, "CART-P");
    assert_eq!(
        (
            line["unit_price"].clone(),
            line["added_price"].clone(),
            line["price_changed"].clone()
        ),
        (usd(44_999), usd(49_999), json!(true))
    );
    assert_eq!(cart.body["total"], usd(89_998));
}

#[tokio::test]
async fn every_item_of_a_cart_expires_30_days_after_its_last_change_and_expired_lines_are_not_shown()
 {
    let app = TestApp::spawn().await;
    on_sale(&app, "seller-a", "CART-T1", "tvs", 10).await;
    on_sale(&app, "seller-a", "CART-T2", "tvs", 10).await;
    app.send(add("ann", "CART-T1", 1)).await;
    app.send(add("ann", "CART-T2", 1)).await;
    let items = cart_items(&app, "CART#CUSTOMER#ann").await;
    assert_eq!(items.len(), 3, "the head and two lines");
    assert_expire_in(&items, 30);
    // DynamoDB deletes expired items late; a read does not wait for it.
    expire(&app, "LINE#CART-T1").await;
    assert_eq!(skus(&app.send(get_cart("ann")).await), ["CART-T2"]);
    // The whole cart past its lifetime: empty to read, and a new cart starts from nothing (the
    // old one's items cleared, not added onto).
    expire(&app, "LINE#CART-T2").await;
    expire(&app, "HEAD").await;
    assert_eq!(app.send(get_cart("ann")).await.body["lines"], json!([]));
    let cart = app.send(add("ann", "CART-T1", 1)).await;
    assert_eq!(skus(&cart), ["CART-T1"]);
    assert_eq!(line(&cart, "CART-T1")["quantity"], 1);
    let items = cart_items(&app, "CART#CUSTOMER#ann").await;
    assert_eq!(items.len(), 2, "the head and the new line");
    assert_expire_in(&items, 30);
}

/// Puts one item of ann's cart a minute past its expiry.
async fn expire(app: &TestApp, sk: &str) {
    let s = |v: &str| aws_sdk_dynamodb::types::AttributeValue::S(v.to_owned());
    let past = aws_sdk_dynamodb::types::AttributeValue::N((unix_now() - 60).to_string());
    app.dynamodb()
        .update_item()
        .table_name(app.reference("CartsTable"))
        .key("pk", s("CART#CUSTOMER#ann"))
        .key("sk", s(sk))
        .update_expression("SET #ttl = :past")
        .expression_attribute_names("#ttl", "ttl")
        .expression_attribute_values(":past", past)
        .send()
        .await
        .unwrap();
}

pub(crate) fn coupon(code: &str, extra: Value) -> Value {
    let mut body = json!({
        "code": code, "discount": {"type": "percent", "percent": 10},
        "valid_from": "2026-01-01T00:00:00Z", "valid_until": "2099-01-01T00:00:00Z"
    });
    body.as_object_mut()
        .unwrap()
        .extend(extra.as_object().unwrap().clone());
    body
}

pub(crate) async fn created(app: &TestApp, body: Value) {
    let answer = app.send(new_coupon(As::Admin("root"), &body)).await;
    assert_eq!(answer.status, 201, "{}", answer.body);
}

#[tokio::test]
async fn admins_create_coupons_and_bad_or_duplicate_ones_are_refused() {
    let app = TestApp::spawn().await;
    let body = coupon(
        "SAVE10",
        json!({"max_uses": 100, "scope": {"type": "category", "category": "tvs"}}),
    );
    let answer = app.send(new_coupon(As::Admin("root"), &body)).await;
    assert_eq!(answer.status, 201, "{}", answer.body);
    assert_eq!(
        (answer.body["code"].clone(), answer.body["uses"].clone()),
        (json!("SAVE10"), json!(0))
    );
    app.send(new_coupon(As::Admin("root"), &coupon("save10", json!({}))))
        .await
        .assert_problem(409);
    app.send(new_coupon(As::Customer("ann"), &coupon("MINE", json!({}))))
        .await
        .assert_problem(403);
    app.send(new_coupon(
        As::Seller("seller-a"),
        &coupon("MINE", json!({})),
    ))
    .await
    .assert_problem(403);
    let refused = |body: Value| app.send(new_coupon(As::Admin("root"), &body));
    refused(coupon("X", json!({}))).await.assert_invalid("code");
    refused(coupon(
        "BAD-PCT",
        json!({"discount": {"type": "percent", "percent": 0}}),
    ))
    .await
    .assert_invalid("discount");
    refused(coupon(
        "BAD-END",
        json!({"valid_until": "2025-01-01T00:00:00Z"}),
    ))
    .await
    .assert_unprocessable("valid_until");
    refused(coupon("BAD-TIME", json!({"valid_from": "next week"})))
        .await
        .assert_invalid("valid_from");
    refused(coupon(
        "BAD-EUR",
        json!({"discount": {"type": "fixed", "amount": {"amount": 500, "currency": "EUR"}}}),
    ))
    .await
    .assert_unprocessable("discount.amount.currency");
    refused(coupon("BAD-USES", json!({"max_uses": 0})))
        .await
        .assert_invalid("max_uses");
}

#[tokio::test]
async fn each_coupon_rule_refuses_with_its_reason_and_a_fitting_one_takes_its_discount() {
    let app = TestApp::spawn().await;
    on_sale(&app, "seller-a", "CPN-TV", "tvs", 10).await;
    on_sale(&app, "seller-b", "CPN-LAMP", "lamps", 10).await;
    app.send(add("ann", "CPN-TV", 1)).await; // $499.99
    app.send(add("ann", "CPN-LAMP", 1)).await; // $499.99, another seller
    created(
        &app,
        coupon(
            "OLD",
            json!({"valid_from": "2020-01-01T00:00:00Z", "valid_until": "2021-01-01T00:00:00Z"}),
        ),
    )
    .await;
    created(
        &app,
        coupon("SOON", json!({"valid_from": "2098-01-01T00:00:00Z"})),
    )
    .await;
    created(
        &app,
        coupon("BIG-SPEND", json!({"minimum_spend": usd(100_000)})),
    )
    .await;
    created(
        &app,
        coupon(
            "BOOKS",
            json!({"scope": {"type": "category", "category": "books"}}),
        ),
    )
    .await;
    created(&app, coupon("ONCE", json!({"max_uses_per_customer": 1}))).await;
    created(
        &app,
        coupon(
            "LAMPS-5",
            json!({"discount": {"type": "fixed", "amount": usd(500)},
                                             "scope": {"type": "seller", "seller_id": "seller-b"},
                                             "minimum_spend": usd(40_000)}),
        ),
    )
    .await;
    let reason = |answer: Answer| {
        answer.assert_problem(422);
        answer.body["reason"].clone()
    };
    assert_eq!(
        reason(app.send(apply("ann", "OLD")).await),
        "coupon_expired"
    );
    assert_eq!(
        reason(app.send(apply("ann", "SOON")).await),
        "coupon_not_yet_valid"
    );
    assert_eq!(
        reason(app.send(apply("ann", "big-spend")).await),
        "minimum_not_met"
    );
    assert_eq!(
        reason(app.send(apply("ann", "BOOKS")).await),
        "not_applicable"
    );
    // Checkout counts a use when an order is placed; here one already was.
    app.dynamodb()
        .put_item()
        .table_name(app.reference("CartsTable"))
        .item(
            "pk",
            aws_sdk_dynamodb::types::AttributeValue::S("COUPON#ONCE".into()),
        )
        .item(
            "sk",
            aws_sdk_dynamodb::types::AttributeValue::S("USE#ann".into()),
        )
        .item(
            "uses",
            aws_sdk_dynamodb::types::AttributeValue::N("1".into()),
        )
        .send()
        .await
        .unwrap();
    assert_eq!(
        reason(app.send(apply("ann", "ONCE")).await),
        "usage_limit_reached"
    );
    assert_eq!(
        app.send(get_cart("ann")).await.body["coupon"],
        Value::Null,
        "a refused coupon is not kept"
    );
    app.send(apply("ann", "NOPE")).await.assert_problem(404);
    app.send(apply("ann", "n")).await.assert_invalid("code");

    let cart = app.send(apply("bob", "ONCE")).await;
    assert_eq!(cart.status, 422, "bob's cart is empty: {}", cart.body);
    let cart = app.send(apply("ann", "lamps-5")).await;
    assert_eq!(cart.status, 200, "{}", cart.body);
    assert_eq!(
        (
            cart.body["subtotal"].clone(),
            cart.body["discount"].clone(),
            cart.body["total"].clone()
        ),
        (usd(99_998), usd(500), usd(99_498))
    );
    assert_eq!(
        cart.body["coupon"],
        json!({"code": "LAMPS-5", "applied": true, "reason": null})
    );
    // The cart changes under the coupon: it stays, says why it no longer applies, takes nothing.
    let cart = app.send(remove("ann", "CPN-LAMP")).await;
    assert_eq!(
        cart.body["coupon"],
        json!({"code": "LAMPS-5", "applied": false, "reason": "not_applicable"})
    );
    assert_eq!(
        (cart.body["discount"].clone(), cart.body["total"].clone()),
        (usd(0), usd(49_999))
    );
    let removed = Call::new("DELETE", COUPON, COUPON).by(As::Customer("ann"));
    let cart = app.send(removed).await;
    assert_eq!(
        (cart.status, cart.body["coupon"].clone()),
        (200, Value::Null)
    );
}

const GUEST_ITEMS: &str = "/api/v1/cart/items";

/// A new guest's cart token.
pub(crate) async fn guest_token(app: &TestApp) -> String {
    let issued = app
        .send(Call::new(
            "POST",
            "/api/v1/guest/cart",
            "/api/v1/guest/cart",
        ))
        .await;
    assert_eq!(issued.status, 201, "{}", issued.body);
    issued.body["cart_token"].as_str().unwrap().to_owned()
}

fn guest_add(token: &str, sku: &str, quantity: u32) -> Call {
    Call::new("POST", GUEST_ITEMS, GUEST_ITEMS)
        .header("x-cart-token", token)
        .json(&json!({"sku": sku, "quantity": quantity}))
}

fn guest_cart(token: &str) -> Call {
    Call::new("GET", "/api/v1/cart", "/api/v1/cart").header("x-cart-token", token)
}

fn merge(shopper: &str, token: Option<&str>) -> Call {
    let call =
        Call::new("POST", "/api/v1/cart/merge", "/api/v1/cart/merge").by(As::Customer(shopper));
    match token {
        Some(token) => call.header("x-cart-token", token),
        None => call,
    }
}

#[tokio::test]
async fn a_guest_fills_a_cart_with_a_token_and_signing_in_merges_it_within_the_limits() {
    let app = TestApp::spawn().await;
    on_sale(&app, "seller-a", "GST-A", "tvs", 100).await;
    on_sale(&app, "seller-a", "GST-B", "lamps", 100).await;
    on_sale(&app, "seller-a", "GST-C", "desks", 100).await;
    let token = guest_token(&app).await;
    assert_eq!(app.send(guest_add(&token, "GST-A", 5)).await.status, 200);
    let cart = app.send(guest_add(&token, "GST-B", 2)).await;
    assert_eq!(skus(&cart), ["GST-A", "GST-B"]);
    let apply_guest = Call::new("POST", "/api/v1/cart/coupon", "/api/v1/cart/coupon")
        .header("x-cart-token", &token)
        .json(&json!({"code": "TENOFF"}));
    created(&app, coupon("TENOFF", json!({}))).await;
    assert_eq!(app.send(apply_guest).await.status, 200);
    // Another guest has a cart of their own.
    let other = guest_token(&app).await;
    assert_eq!(app.send(guest_cart(&other)).await.body["lines"], json!([]));

    // The shopper signs in: their own cart already holds 28 of GST-A and a line of GST-C.
    app.send(add("gus", "GST-A", 28)).await;
    app.send(add("gus", "GST-C", 1)).await;
    let merged = app.send(merge("gus", Some(&token))).await;
    assert_eq!(merged.status, 200, "{}", merged.body);
    assert_eq!(skus(&merged), ["GST-A", "GST-B", "GST-C"]);
    assert_eq!(line(&merged, "GST-A")["quantity"], 30, "28 + 5, at most 30");
    assert_eq!(line(&merged, "GST-B")["quantity"], 2);
    assert_eq!(
        merged.body["coupon"]["code"], "TENOFF",
        "the guest's coupon came along"
    );
    // The guest cart is gone; merging again changes nothing.
    assert_eq!(app.send(guest_cart(&token)).await.body["lines"], json!([]));
    let again = app.send(merge("gus", Some(&token))).await;
    assert_eq!(again.status, 200);
    assert_eq!(again.body["lines"], merged.body["lines"]);
}

#[tokio::test]
async fn guest_routes_need_a_token_this_service_signed_and_guest_carts_live_7_days() {
    let app = TestApp::spawn().await;
    on_sale(&app, "seller-a", "GST-T", "tvs", 10).await;
    let anonymous = Call::new("GET", "/api/v1/cart", "/api/v1/cart");
    app.send(anonymous).await.assert_problem(401);
    let token = guest_token(&app).await;
    let (claims, _) = token.rsplit_once('.').unwrap();
    for forged in [
        format!("{claims}.AAAA"),
        "v1.nobody.1.AAAA".to_owned(),
        "junk".to_owned(),
    ] {
        app.send(guest_cart(&forged)).await.assert_problem(401);
    }
    let elsewhere = shared::cart::CartTokens::new("some other deployment's secret, 32+ bytes")
        .unwrap()
        .issue(1_900_000_000)
        .cart_token;
    app.send(guest_cart(&elsewhere)).await.assert_problem(401);
    app.send(merge("gus", None))
        .await
        .assert_unprocessable("X-Cart-Token");
    app.send(merge("gus", Some("junk")))
        .await
        .assert_unprocessable("X-Cart-Token");

    app.send(guest_add(&token, "GST-T", 1)).await;
    let guest = token.split('.').nth(1).unwrap();
    let items = cart_items(&app, &format!("CART#GUEST#{guest}")).await;
    assert_eq!(items.len(), 2, "the head and a line");
    assert_expire_in(&items, 7);
}

type Item = std::collections::HashMap<String, aws_sdk_dynamodb::types::AttributeValue>;

/// Every item of a cart's partition, as stored.
async fn cart_items(app: &TestApp, pk: &str) -> Vec<Item> {
    app.dynamodb()
        .query()
        .table_name(app.reference("CartsTable"))
        .key_condition_expression("pk = :pk")
        .expression_attribute_values(
            ":pk",
            aws_sdk_dynamodb::types::AttributeValue::S(pk.to_owned()),
        )
        .send()
        .await
        .unwrap()
        .items
        .unwrap()
}

fn unix_now() -> u64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap()
        .as_secs()
}

/// Every item's TTL is `days` from now (within two minutes).
fn assert_expire_in(items: &[Item], days: u64) {
    let expected = unix_now() + days * 24 * 3600;
    for item in items {
        let ttl: u64 = item["ttl"].as_n().unwrap().parse().unwrap();
        assert!(ttl.abs_diff(expected) < 120, "{item:?}");
    }
}

/// Over HTTP, through the gateway and the shopper authorizer as on AWS: one set of cart routes
/// for both kinds of shopper. A JWT names the customer's cart, a cart token the guest's; a bad
/// JWT is refused by the authorizer (403), neither by the function (401).
#[tokio::test]
async fn the_cart_routes_take_a_customers_jwt_or_a_guests_cart_token() {
    use rainforest_local::auth::{DEV_AUDIENCE, DevIssuer};
    use reqwest::Method;
    let app = TestApp::spawn().await;
    on_sale(&app, "seller-a", "SHP-A", "tvs", 100).await;
    let issuer = DevIssuer::generate().unwrap();
    let bearer = |issuer: &DevIssuer, lifetime: i64| {
        let token = issuer.mint("shopper-1", &["customer"], DEV_AUDIENCE, lifetime);
        format!("Bearer {}", token.unwrap())
    };
    let customer = bearer(&issuer, 300);
    let expired = bearer(&issuer, -10);
    let foreign = bearer(&DevIssuer::generate().unwrap(), 300);
    let (base, gateway) = app.serve_http(&issuer).await;
    let http = reqwest::Client::new();
    let send = async |method: Method, path: &str, headers: &[(&str, &str)], body: Option<Value>| {
        let mut request = http.request(method, format!("{base}{path}"));
        for (name, value) in headers {
            request = request.header(*name, *value);
        }
        if let Some(body) = body {
            request = request.json(&body);
        }
        let response = request.send().await.unwrap();
        let status = response.status().as_u16();
        let content_type = response.headers()["content-type"]
            .to_str()
            .unwrap()
            .to_owned();
        (
            status,
            content_type,
            response.json::<Value>().await.unwrap(),
        )
    };
    let add = |quantity: u32| Some(json!({"sku": "SHP-A", "quantity": quantity}));
    let lines = |body: &Value| -> Vec<(String, u64)> {
        let lines = body["lines"].as_array();
        let lines = lines.unwrap_or_else(|| panic!("not a cart: {body}"));
        lines
            .iter()
            .map(|l| {
                (
                    l["sku"].as_str().unwrap().to_owned(),
                    l["quantity"].as_u64().unwrap(),
                )
            })
            .collect()
    };
    let one = |quantity| vec![("SHP-A".to_owned(), quantity)];

    let (status, _, issued) = send(Method::POST, "/api/v1/guest/cart", &[], None).await;
    assert_eq!(status, 201, "{issued}");
    let guest = ("x-cart-token", issued["cart_token"].as_str().unwrap());
    let (status, _, cart) = send(Method::POST, "/api/v1/cart/items", &[guest], add(1)).await;
    assert_eq!((status, lines(&cart)), (200, one(1)), "{cart}");

    // The customer's own cart, on the same routes: the guest's line is not in it.
    let signed_in = ("authorization", customer.as_str());
    let (status, _, cart) = send(Method::GET, "/api/v1/cart", &[signed_in], None).await;
    assert_eq!((status, lines(&cart)), (200, vec![]), "{cart}");
    let (status, _, cart) = send(Method::POST, "/api/v1/cart/items", &[signed_in], add(2)).await;
    assert_eq!((status, lines(&cart)), (200, one(2)), "{cart}");
    // With both, the JWT names the cart.
    let (_, _, cart) = send(Method::GET, "/api/v1/cart", &[signed_in, guest], None).await;
    assert_eq!(lines(&cart), one(2));

    // A bearer token the authorizer refuses is API Gateway's 403, even beside a good cart
    // token, and nothing is written.
    for refused in [
        expired.as_str(),
        foreign.as_str(),
        "Bearer junk",
        "Basic dXNlcjpwYXNz",
    ] {
        let headers = [("authorization", refused), guest];
        let (status, _, body) = send(Method::POST, "/api/v1/cart/items", &headers, add(5)).await;
        assert_eq!(
            (status, body),
            (403, json!({"message": "Forbidden"})),
            "{refused}"
        );
    }
    let (_, _, cart) = send(Method::GET, "/api/v1/cart", &[guest], None).await;
    assert_eq!(lines(&cart), one(1), "the guest's cart is as it was");

    // Neither, or a cart token this service did not sign: the function's 401.
    for headers in [vec![], vec![("x-cart-token", "junk")]] {
        let (status, content_type, problem) =
            send(Method::GET, "/api/v1/cart", &headers, None).await;
        assert_eq!(
            (status, content_type.as_str()),
            (401, "application/problem+json"),
            "{problem}"
        );
    }
    // A view goes through the same authorizer.
    let view = Some(json!({"product_id": "01KAN0000000000000000000C1"}));
    let headers = [("authorization", foreign.as_str())];
    let (status, _, body) = send(Method::POST, "/api/v1/events/views", &headers, view).await;
    assert_eq!((status, body), (403, json!({"message": "Forbidden"})));
    // The guest paths of before are gone; merging still takes the JWT authorizer's token.
    let (status, _, _) = send(Method::GET, "/api/v1/guest/cart", &[guest], None).await;
    assert_eq!(status, 404);
    let headers = [("authorization", foreign.as_str()), guest];
    let (status, _, body) = send(Method::POST, "/api/v1/cart/merge", &headers, None).await;
    assert_eq!((status, body), (401, json!({"message": "Unauthorized"})));
    // An authorizer that fails is API Gateway's 500, not a way in as a guest.
    let fault = json!({"function": app.reference("AuthorizeShopperFunction"), "failures": 1,
                       "error_type": "Unhandled"});
    assert_eq!(
        gateway
            .set_fault(fault.to_string().as_bytes())
            .unwrap()
            .status(),
        200
    );
    let (status, _, body) = send(Method::GET, "/api/v1/cart", &[signed_in, guest], None).await;
    assert_eq!(
        (status, body),
        (500, json!({"message": "Internal Server Error"}))
    );
    let (_, _, cart) = send(Method::GET, "/api/v1/cart", &[signed_in], None).await;
    assert_eq!(lines(&cart), one(2), "the next request is authorized again");
}
