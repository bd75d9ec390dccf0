//! Recommendations on the local stack: orders through the real consumer (and the order-events
//! topic's subscription), views through their route and queue, lists through their routes.

use crate::cart::guest_token;
use crate::catalog::{create, listing};
use crate::helpers::{As, Call, TestApp, eventually};
use serde_json::{Value, json};
use shared::catalog::ProductId;
use shared::recommendations::{RecommendationsStore, Signal};
use std::collections::HashSet;

fn for_product(id: &str, query: &str) -> Call {
    Call::new(
        "GET",
        "/api/v1/products/{id}/recommendations",
        &format!("/api/v1/products/{id}/recommendations{query}"),
    )
}

fn personal(customer: &str) -> Call {
    Call::new("GET", "/api/v1/recommendations", "/api/v1/recommendations")
        .by(As::Customer(customer))
}

fn view(caller: As, id: &str) -> Call {
    Call::new("POST", "/api/v1/events/views", "/api/v1/events/views")
        .by(caller)
        .json(&json!({"product_id": id}))
}

/// Lists `sku` in `path` by `brand` at `cents` with `units` in stock; answers its id.
async fn listed(
    app: &TestApp,
    sku: &str,
    path: [&str; 2],
    brand: &str,
    cents: u64,
    units: u32,
) -> String {
    let mut body = listing(sku, &format!("{brand} {sku}"), path[1]);
    body["category_path"] = json!(path);
    body["brand"] = json!(brand);
    body["offer"]["price"]["amount"] = json!(cents);
    let id = create(app, "seller-a", &body).await;
    if units > 0 {
        app.stock(sku, units).await;
    }
    id
}

/// Waits until every product of `ids` shows the Buy Box its stock gives it (the price-change
/// subscriber writes it).
async fn buy_boxes_settled(app: &TestApp, ids: &[&str], sold_out: &[&str]) {
    let parsed: Vec<ProductId> = ids.iter().map(|id| id.parse().unwrap()).collect();
    eventually(60, "the Buy Box summaries", || async {
        let listings = app.store.listings(parsed.clone()).await.unwrap();
        let settled = ids.iter().zip(&parsed).all(|(text, id)| {
            let status = listings
                .get(id)
                .and_then(|l| l.buy_box.as_ref())
                .map(|b| serde_json::to_value(b.availability).unwrap()["status"].clone());
            let expected = if sold_out.contains(text) {
                "out_of_stock"
            } else {
                "in_stock"
            };
            status == Some(json!(expected))
        });
        settled.then_some(())
    })
    .await;
}

/// An order's `OrderPaid` as the order-events topic carries it.
fn paid(order: &str, customer: &str, products: &[&str]) -> Value {
    let lines: Vec<Value> = products
        .iter()
        .enumerate()
        .map(|(n, id)| json!({"product_id": id, "sku": format!("SKU-{n}"), "quantity": 1}))
        .collect();
    json!({"event_id": format!("{order}#OrderPaid"), "event_type": "OrderPaid", "order_id": order,
           "customer_id": customer, "status": "confirmed", "at": shared::clock::now(), "lines": lines})
}

/// Hands `events` to the purchases consumer as SQS delivers them, ten to a batch.
async fn pair_purchases(app: &TestApp, events: &[Value]) {
    for batch in events.chunks(10) {
        let records: Vec<Value> = batch
            .iter()
            .map(|event| json!({"messageId": event["event_id"], "body": event.to_string(), "attributes": {}, "messageAttributes": {}}))
            .collect();
        let response = app
            .invoke("PairPurchasesFunction", json!({"Records": records}))
            .await;
        assert_eq!(response["batchItemFailures"], json!([]), "{response}");
    }
}

fn order_id(n: usize) -> String {
    format!("01KAN00000000000000000{n:04}")
}

fn ids(answer: &Value) -> Vec<String> {
    answer["items"]
        .as_array()
        .unwrap_or_else(|| panic!("not a list: {answer}"))
        .iter()
        .map(|item| item["product"]["id"].as_str().unwrap().to_owned())
        .collect()
}

fn store(app: &TestApp) -> RecommendationsStore {
    RecommendationsStore::new(app.dynamodb(), app.reference("RecommendationsTable"))
}

async fn table_items(app: &TestApp) -> i32 {
    app.dynamodb()
        .scan()
        .table_name(app.reference("RecommendationsTable"))
        .select(aws_sdk_dynamodb::types::Select::Count)
        .send()
        .await
        .unwrap()
        .count
}

#[tokio::test]
async fn what_is_bought_together_ranks_first_an_item_everyone_buys_does_not_and_a_replay_changes_nothing()
 {
    let app = TestApp::spawn().await;
    app.start_event_sources();
    let gear = ["sports-outdoors", "tents"];
    let tent = listed(&app, "RB-TENT", gear, "Summit", 20_000, 50).await;
    let pegs = listed(&app, "RB-PEGS", gear, "Summit", 1_500, 50).await;
    let sold_out = listed(&app, "RB-LAMP", gear, "Summit", 3_000, 0).await;
    let bottle = listed(&app, "RB-BOTTLE", gear, "Hydra", 2_000, 50).await;
    let stove = listed(&app, "RB-STOVE", gear, "Basecamp", 6_000, 50).await;
    let fuel = listed(&app, "RB-FUEL", gear, "Basecamp", 900, 50).await;
    let mat = listed(&app, "RB-MAT", gear, "Basecamp", 2_500, 50).await;
    // A shoe in two sizes: one family.
    let mut family = listing("RB-SHOE", "Trail Shoe", "tents");
    family["category_path"] = json!(gear);
    family["variation_theme"] = json!(["size"]);
    let shoe = create(&app, "seller-a", &family).await;
    let size = |sku: &str, size: &str| {
        let mut body = family.clone();
        body.as_object_mut().unwrap().remove("variation_theme");
        body["sku"] = json!(sku);
        body["parent_id"] = json!(shoe);
        body["variation_attributes"] = json!({"size": size});
        body
    };
    let small = create(&app, "seller-a", &size("RB-SHOE-S", "S")).await;
    let medium = create(&app, "seller-a", &size("RB-SHOE-M", "M")).await;
    app.stock("RB-SHOE-S", 50).await;
    app.stock("RB-SHOE-M", 50).await;
    let products = [
        &tent, &pegs, &sold_out, &bottle, &stove, &fuel, &mat, &small, &medium,
    ]
    .map(String::as_str);
    buy_boxes_settled(&app, &products, &[&sold_out]).await;

    // Eight campers buy a tent and a lamp, six of them its pegs too; four a stove with its fuel,
    // eight a mat; all twenty buy the bottle everyone buys. More tents go with the bottle than
    // with pegs: counting alone would put the bottle first.
    let mut orders = Vec::new();
    for n in 0..20 {
        let basket: Vec<&str> = match n {
            // Four of them take the shoe in both sizes, to try them on.
            0..4 => vec![&tent, &pegs, &sold_out, &bottle, &small, &medium],
            4..6 => vec![&tent, &pegs, &sold_out, &bottle],
            6..8 => vec![&tent, &sold_out, &bottle],
            8..12 => vec![&stove, &fuel, &bottle],
            _ => vec![&mat, &bottle],
        };
        orders.push(paid(&order_id(n), &format!("camper-{n}"), &basket));
    }
    pair_purchases(&app, &orders).await;

    let for_tent = app.send(for_product(&tent, "")).await;
    assert_eq!(for_tent.status, 200, "{}", for_tent.body);
    let shown = ids(&for_tent.body);
    assert_eq!(shown[0], pegs, "{}", for_tent.body);
    assert_eq!(
        for_tent.body["items"][0]["reason"],
        "frequently_bought_together"
    );
    assert_eq!(
        for_tent.body["items"][0]["reason_text"],
        "Frequently bought together"
    );
    assert!(!shown.contains(&tent), "never the product itself");
    assert!(!shown.contains(&sold_out), "never what is out of stock");
    // Never the product's own family: the other size, bought with it by all four, is left out
    // and the pegs (bought with it by all four, and by fewer others than the tent) lead.
    let for_small = ids(&app.send(for_product(&small, "")).await.body);
    assert_eq!(for_small.first(), Some(&pegs), "{for_small:?}");
    assert!(
        !for_small.contains(&medium) && !for_small.contains(&shoe),
        "{for_small:?}"
    );
    // The family's own page (its parent) shows what its sizes are bought with.
    let for_shoe = app.send(for_product(&shoe, "")).await;
    assert_eq!(
        ids(&for_shoe.body).first(),
        Some(&pegs),
        "{}",
        for_shoe.body
    );
    assert_eq!(
        for_shoe.body["items"][0]["reason"],
        "frequently_bought_together"
    );
    // And the tent's list shows one size of the shoe, not both.
    let sizes = shown
        .iter()
        .filter(|id| **id == small || **id == medium)
        .count();
    assert_eq!(sizes, 1, "{shown:?}");
    let for_stove = app.send(for_product(&stove, "?limit=3")).await;
    assert_eq!(ids(&for_stove.body)[0], fuel, "{}", for_stove.body);
    assert_eq!(for_stove.body["items"].as_array().unwrap().len(), 3);
    // The bottle is the tent's and the stove's neighbour too, but below their companions.
    let position = |list: &[String]| list.iter().position(|id| *id == bottle);
    assert!(position(&shown).is_some_and(|p| p > 0), "{shown:?}");

    // A redelivered order changes nothing: no count, no list, no item.
    let store = store(&app);
    let tent_id: ProductId = tent.parse().unwrap();
    let before = (
        store.neighbours(Signal::Bought, tent_id).await.unwrap(),
        table_items(&app).await,
    );
    pair_purchases(&app, &orders[..1]).await;
    let shopper = shared::recommendations::Shopper::Customer("camper-0".into()).key();
    let products: Vec<ProductId> = [&tent, &pegs]
        .iter()
        .map(|id| id.parse().unwrap())
        .collect();
    let again = store
        .record(
            Signal::Bought,
            &shopper,
            &products,
            &format!("{}#OrderPaid", order_id(0)),
        )
        .await
        .unwrap();
    assert_eq!(again.counted, 0);
    let after = (
        store.neighbours(Signal::Bought, tent_id).await.unwrap(),
        table_items(&app).await,
    );
    assert_eq!(before, after);
}

#[tokio::test]
async fn orders_paid_at_once_count_every_pair_and_one_customers_orders_pair_with_each_other() {
    let app = TestApp::spawn().await;
    let [a, b, c, d] = [(); 4].map(|()| ProductId::generate());
    let store = store(&app);
    // Eight customers' orders of a and b at once: every one counted.
    let orders = (0..8).map(|n| {
        let store = &store;
        async move {
            let shopper = format!("CUSTOMER#rush-{n}");
            store
                .record(Signal::Bought, &shopper, &[a, b], &format!("rush-{n}"))
                .await
        }
    });
    for recorded in futures::future::join_all(orders).await {
        assert_eq!(recorded.unwrap().counted, 2);
    }
    let ranked = store.neighbours(Signal::Bought, a).await.unwrap();
    let expected = shared::recommendations::similarity::score(8, 8, 8);
    assert_eq!(ranked, vec![(b, expected)]);
    // One order delivered twice at once: counted once.
    let order = [a, c];
    let again = |_| store.record(Signal::Bought, "CUSTOMER#rush-0", &order, "rush-0-again");
    let twice = futures::future::join_all((0..2).map(again)).await;
    let counted: u32 = twice.into_iter().map(|r| r.unwrap().counted).sum();
    assert_eq!(counted, 1, "c, new to rush-0, once; a counted before");
    let ranked = store.neighbours(Signal::Bought, c).await.unwrap();
    let paired: HashSet<ProductId> = ranked.iter().map(|(id, _)| *id).collect();
    assert_eq!(paired, HashSet::from([a, b]), "each once: {ranked:?}");
    // One customer's two orders at once: the second one counted pairs with the first.
    let (only_a, only_d) = ([a], [d]);
    let (first, second) = tokio::join!(
        store.record(Signal::Bought, "CUSTOMER#twice", &only_a, "twice-1"),
        store.record(Signal::Bought, "CUSTOMER#twice", &only_d, "twice-2"),
    );
    assert_eq!((first.unwrap().counted, second.unwrap().counted), (1, 1));
    let with_d = store.neighbours(Signal::Bought, d).await.unwrap();
    assert_eq!(with_d.iter().map(|(id, _)| *id).collect::<Vec<_>>(), [a]);
    let history = store
        .history(Signal::Bought, "CUSTOMER#twice")
        .await
        .unwrap();
    assert_eq!(history.len(), 2);
}

/// What one new purchase may cost whatever the history: its marker, the history, its count,
/// both halves of each pair with at most 20 earlier items, and the 21 neighbour lists.
const MOST_WRITES_PER_PRODUCT: u32 = 3 + 2 * 20 + 21;

#[tokio::test]
async fn a_long_history_pairs_a_new_purchase_with_twenty_earlier_items_at_most() {
    let app = TestApp::spawn().await;
    let store = store(&app);
    let history: Vec<ProductId> = (0..60).map(|_| ProductId::generate()).collect();
    for (n, order) in history.chunks(10).enumerate() {
        let recorded = store
            .record(
                Signal::Bought,
                "CUSTOMER#loyal",
                order,
                &format!("loyal-{n}"),
            )
            .await
            .unwrap();
        assert_eq!(recorded.counted, 10);
    }
    let new = ProductId::generate();
    let recorded = store
        .record(Signal::Bought, "CUSTOMER#loyal", &[new], "loyal-new")
        .await
        .unwrap();
    assert_eq!(recorded.counted, 1);
    assert!(recorded.writes <= MOST_WRITES_PER_PRODUCT, "{recorded:?}");
    let paired = store.neighbours(Signal::Bought, new).await.unwrap();
    assert_eq!(paired.len(), 20);
    // The ten newest always; the other ten sampled from the fifty before them.
    let ids: Vec<ProductId> = paired.iter().map(|(id, _)| *id).collect();
    assert!(history[50..].iter().all(|id| ids.contains(id)), "{ids:?}");
    // An order of more than ten products pairs ten of them, and counts every one as bought.
    let big: Vec<ProductId> = (0..15).map(|_| ProductId::generate()).collect();
    let recorded = store
        .record(Signal::Bought, "CUSTOMER#bulk", &big, "bulk-1")
        .await
        .unwrap();
    assert_eq!(recorded.counted, 15);
    let bought = store
        .bought("CUSTOMER#bulk", big.iter().copied())
        .await
        .unwrap();
    assert_eq!(bought.len(), 15);
    // The five left out pair with nothing of their own (later ones may pair with them).
    assert!(
        recorded.writes <= 10 * MOST_WRITES_PER_PRODUCT + 5 * 3,
        "{recorded:?}"
    );
}

#[tokio::test]
async fn a_customers_own_list_leaves_out_what_they_bought_and_what_is_sold_out_and_renews_when_they_buy()
 {
    let app = TestApp::spawn().await;
    app.start_event_sources();
    let kitchen = ["home-kitchen", "kettles"];
    let kettle = listed(&app, "OWN-KETTLE", kitchen, "Boilo", 4_000, 50).await;
    let mugs = listed(&app, "OWN-MUGS", kitchen, "Boilo", 1_200, 50).await;
    let filter = listed(&app, "OWN-FILTER", kitchen, "Boilo", 800, 0).await;
    let descaler = listed(&app, "OWN-DESCALE", kitchen, "Acme", 600, 50).await;
    let cream = listed(&app, "OWN-CREAM", ["beauty", "skincare"], "Dewy", 1_900, 50).await;
    let all = [&kettle, &mugs, &filter, &descaler, &cream].map(String::as_str);
    buy_boxes_settled(&app, &all, &[&filter]).await;
    let mut orders: Vec<Value> = (0..6)
        .map(|n| {
            paid(
                &order_id(n),
                &format!("cook-{n}"),
                &[&kettle, &mugs, &filter],
            )
        })
        .collect();
    orders.extend((6..9).map(|n| paid(&order_id(n), &format!("cook-{n}"), &[&mugs, &descaler])));
    orders.push(paid(&order_id(20), "shopper-1", &[&kettle, &cream]));
    pair_purchases(&app, &orders).await;

    let own = app.send(personal("shopper-1")).await;
    assert_eq!(own.status, 200, "{}", own.body);
    let shown = ids(&own.body);
    assert_eq!(shown[0], mugs, "{}", own.body);
    assert_eq!(own.body["items"][0]["reason"], "inspired_by_your_purchases");
    assert_eq!(own.body["items"][0]["because"], json!(kettle));
    assert!(!shown.contains(&kettle), "what they bought: {shown:?}");
    assert!(!shown.contains(&filter), "sold out: {shown:?}");
    let again = own.body["items"]
        .as_array()
        .unwrap()
        .iter()
        .find(|item| item["product"]["id"] == json!(cream))
        .unwrap_or_else(|| panic!("the cream, a consumable, to buy again: {}", own.body));
    assert_eq!(again["reason"], "buy_it_again");

    // They buy the mugs: the order-events topic's OrderPaid reaches the consumer, and their
    // kept list gives way to one without the mugs.
    app.publish_order_event(&paid(&order_id(21), "shopper-1", &[&mugs]))
        .await;
    let renewed = eventually(60, "a list without the mugs", || async {
        let own = app.send(personal("shopper-1")).await;
        (!ids(&own.body).contains(&mugs)).then_some(own.body)
    })
    .await;
    assert!(
        ids(&renewed).contains(&descaler),
        "bought with the mugs: {renewed}"
    );

    let stranger = app.send(personal("no-history")).await;
    assert_eq!(
        (stranger.status, stranger.body.clone()),
        (200, json!({"items": []}))
    );
}

#[tokio::test]
async fn views_from_customers_and_guests_feed_viewed_together_and_the_viewers_own_list() {
    let app = TestApp::spawn().await;
    app.start_event_sources();
    let office = ["office", "desk-chairs"];
    let chair = listed(&app, "VW-CHAIR", office, "Ergon", 20_000, 20).await;
    let stool = listed(&app, "VW-STOOL", office, "Sitwell", 9_000, 20).await;
    let desk = listed(&app, "VW-DESK", office, "Posture", 40_000, 20).await;
    buy_boxes_settled(&app, &[&chair, &stool, &desk], &[]).await;

    let token = guest_token(&app).await;
    let guest_view = |id: &str| {
        Call::new("POST", "/api/v1/events/views", "/api/v1/events/views")
            .header("x-cart-token", &token)
            .json(&json!({"product_id": id}))
    };
    for id in [&chair, &stool] {
        let answer = app.send(guest_view(id)).await;
        assert_eq!(answer.status, 202, "{}", answer.body);
    }
    for viewer in ["viewer-1", "viewer-2", "viewer-3"] {
        for id in [&chair, &stool] {
            assert_eq!(app.send(view(As::Customer(viewer), id)).await.status, 202);
        }
    }
    assert_eq!(
        app.send(view(As::Customer("viewer-4"), &desk)).await.status,
        202
    );
    let together = eventually(60, "the stool viewed with the chair", || async {
        let answer = app.send(for_product(&chair, "?kind=viewed_together")).await;
        let first = &answer.body["items"][0];
        (first["reason"] == "viewed_together").then(|| answer.body.clone())
    })
    .await;
    assert_eq!(ids(&together)[0], stool, "{together}");
    assert_eq!(
        together["items"][0]["reason_text"],
        "Customers who viewed this also viewed"
    );
    let store = store(&app);
    let ranked = eventually(60, "all four viewers counted", || async {
        let ranked = store
            .neighbours(Signal::Viewed, chair.parse().unwrap())
            .await
            .unwrap();
        (ranked.first().map(|(_, s)| *s)
            == Some(shared::recommendations::similarity::score(4, 4, 4)))
        .then_some(ranked)
    })
    .await;
    assert_eq!(ranked.len(), 1, "the desk was viewed alone: {ranked:?}");

    // viewer-4 looked at the desk, then the chair: the stool, viewed with the chair, is theirs.
    assert_eq!(
        app.send(view(As::Customer("viewer-4"), &chair))
            .await
            .status,
        202
    );
    let own = eventually(60, "the viewer's own list", || async {
        let own = app.send(personal("viewer-4")).await;
        ids(&own.body).contains(&stool).then_some(own.body)
    })
    .await;
    let stool_item = own["items"]
        .as_array()
        .unwrap()
        .iter()
        .find(|i| i["product"]["id"] == json!(stool))
        .unwrap();
    assert_eq!(stool_item["reason"], "similar_to_items_you_viewed", "{own}");
}

#[tokio::test]
async fn a_new_product_is_shown_what_is_most_like_it() {
    let app = TestApp::spawn().await;
    app.start_event_sources();
    let kettles = ["home-kitchen", "kettles"];
    let new = listed(&app, "NEW-KETTLE", kettles, "Boilo", 4_000, 10).await;
    let twin = listed(&app, "NEW-TWIN", kettles, "Boilo", 4_400, 10).await;
    let dear = listed(&app, "NEW-DEAR", kettles, "Steamwell", 40_000, 10).await;
    let gone = listed(&app, "NEW-GONE", kettles, "Boilo", 4_000, 0).await;
    let blender = listed(
        &app,
        "NEW-BLEND",
        ["home-kitchen", "blenders"],
        "Boilo",
        4_000,
        10,
    )
    .await;
    buy_boxes_settled(&app, &[&new, &twin, &dear, &gone, &blender], &[&gone]).await;
    for kind in ["", "?kind=similar", "?kind=viewed_together"] {
        let answer = app.send(for_product(&new, kind)).await;
        assert_eq!(answer.status, 200, "{}", answer.body);
        assert_eq!(
            ids(&answer.body),
            [twin.clone(), dear.clone()],
            "{kind}: {}",
            answer.body
        );
        assert_eq!(answer.body["items"][0]["reason"], "similar_item");
    }
}

#[tokio::test]
async fn bad_requests_are_refused_naming_the_field_and_poison_messages_end_in_their_dlqs() {
    let app = TestApp::spawn().await;
    let id = listed(&app, "BAD-1", ["office", "notebooks"], "Quill", 500, 5).await;
    app.send(for_product("not-an-id", ""))
        .await
        .assert_invalid("id");
    app.send(for_product(&id, "?kind=popular"))
        .await
        .assert_invalid("kind");
    app.send(for_product(&id, "?limit=0"))
        .await
        .assert_invalid("limit");
    let unknown = ProductId::generate().to_string();
    app.send(for_product(&unknown, ""))
        .await
        .assert_problem(404);
    let anonymous = Call::new("GET", "/api/v1/recommendations", "/api/v1/recommendations");
    app.send(anonymous).await.assert_problem(401);

    let anonymous_view = Call::new("POST", "/api/v1/events/views", "/api/v1/events/views")
        .json(&json!({"product_id": id}));
    app.send(anonymous_view).await.assert_problem(401);
    let forged = Call::new("POST", "/api/v1/events/views", "/api/v1/events/views")
        .header(
            "x-cart-token",
            "v1.01KAN0000000000000000000G1.9999999999.forged",
        )
        .json(&json!({"product_id": id}));
    app.send(forged).await.assert_problem(401);
    app.send(view(As::Customer("c"), &unknown))
        .await
        .assert_unprocessable("product_id");
    app.send(view(As::Customer("c"), "nope"))
        .await
        .assert_invalid("product_id");
    let extra = Call::new("POST", "/api/v1/events/views", "/api/v1/events/views")
        .by(As::Customer("c"))
        .json(&json!({"product_id": id, "price": 1}));
    app.send(extra).await.assert_problem(400);

    app.start_event_sources();
    crate::helpers::ends_in_dead_letters(
        &app,
        "RecommendationsQueue",
        "RecommendationsDLQ",
        "not an order event",
    )
    .await;
    crate::helpers::ends_in_dead_letters(&app, "ViewsQueue", "ViewsDLQ", "{\"not\": \"a view\"}")
        .await;
}
