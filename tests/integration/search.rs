//! Search and autocomplete on the local OpenSearch-API server, fed by the catalog table's stream
//! through the local event source mappings, as on AWS.

use crate::catalog::{create, listing};
use crate::helpers::{As, Call, TestApp, eventually};
use serde_json::{Value, json};
use shared::search::{Indexing, SearchIndex};

fn search(query: &str) -> Call {
    Call::new(
        "GET",
        "/api/v1/products/search",
        &format!("/api/v1/products/search?{query}"),
    )
}

fn suggest(query: &str) -> Call {
    Call::new(
        "GET",
        "/api/v1/search/suggest",
        &format!("/api/v1/search/suggest?{query}"),
    )
}

fn put_offer(seller: &str, sku: &str, body: &Value) -> Call {
    let path = format!("/api/v1/seller/offers/{sku}");
    Call::new("PUT", "/api/v1/seller/offers/{sku}", &path)
        .by(As::Seller(seller))
        .json(body)
}

/// A listing of `brand`'s `title` under `path`, at `cents`.
fn product(sku: &str, title: &str, brand: &str, path: &[&str], cents: u64) -> Value {
    let mut body = listing(sku, title, path[path.len() - 1]);
    body["brand"] = json!(brand);
    body["category_path"] = json!(path);
    body["description"] = json!(format!("{title} by {brand}."));
    body["offer"]["price"]["amount"] = json!(cents);
    body
}

/// A test's stack with its search index built (empty) and the stream feeding it.
async fn indexed_app() -> TestApp {
    let app = TestApp::spawn().await;
    let built = app.invoke("ReindexProductsFunction", json!({})).await;
    assert_eq!(built["indexed"], 0, "{built}");
    app.start_event_sources();
    app
}

/// Lists a product with `units` in stock; answers its id.
async fn stocked(app: &TestApp, body: &Value, units: u32) -> String {
    let id = create(app, "seller-a", body).await;
    app.stock(body["sku"].as_str().unwrap(), units).await;
    id
}

/// The search answer for `query` once `done` holds for it.
async fn found(app: &TestApp, query: &str, done: impl Fn(&Value) -> bool) -> Value {
    eventually(60, &format!("search {query}"), || async {
        let answer = app.send(search(query)).await;
        assert_eq!(answer.status, 200, "{}", answer.body);
        done(&answer.body).then_some(answer.body)
    })
    .await
}

fn ids(answer: &Value) -> Vec<String> {
    answer["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|item| item["id"].as_str().unwrap().to_owned())
        .collect()
}

fn count(answer: &Value, facet: &str, key: &str) -> u64 {
    answer["facets"][facet]
        .as_array()
        .unwrap()
        .iter()
        .find(|bucket| bucket["key"] == key)
        .map_or(0, |bucket| bucket["count"].as_u64().unwrap())
}

/// A catalog stream record of product item `id`, as the table's stream delivers it.
fn product_record(sequence: u32, id: &str) -> Value {
    json!({"eventID": format!("e{sequence}"), "eventName": "MODIFY", "eventSource": "aws:dynamodb",
        "awsRegion": "us-east-1", "eventVersion": "1.1",
        "dynamodb": {"SequenceNumber": sequence.to_string(), "SizeBytes": 10, "StreamViewType": "NEW_AND_OLD_IMAGES",
            "Keys": {"pk": {"S": format!("PRODUCT#{id}")}, "sk": {"S": "PRODUCT"}},
            "NewImage": {"pk": {"S": format!("PRODUCT#{id}")}, "sk": {"S": "PRODUCT"}, "id": {"S": id}}}})
}

fn search_index(app: &TestApp) -> SearchIndex {
    let env = std::collections::HashMap::from([
        (
            "OPENSEARCH_URL".to_owned(),
            std::env::var("OPENSEARCH_URL").unwrap(),
        ),
        (
            "SEARCH_INDEX".to_owned(),
            format!("{}-products", app.reference("AWS::StackName")),
        ),
    ]);
    SearchIndex::from_source(&app.sdk, &env).unwrap()
}

#[tokio::test]
async fn shoppers_find_products_by_words_typos_synonyms_categories_and_filters() {
    let app = indexed_app().await;
    let tv = stocked(
        &app,
        &product(
            "S-TV",
            "Lumina Slim 4K TV",
            "Lumina",
            &["electronics", "televisions"],
            49_999,
        ),
        20,
    )
    .await;
    let sold_out = stocked(
        &app,
        &product(
            "S-TV2",
            "Vexa Bright 4K TV",
            "Vexa",
            &["electronics", "televisions"],
            29_999,
        ),
        0,
    )
    .await;
    let headphones = stocked(
        &app,
        &product(
            "S-HP",
            "Sonique Studio Headphones",
            "Sonique",
            &["electronics", "headphones"],
            9_999,
        ),
        5,
    )
    .await;
    let kettle = stocked(
        &app,
        &product(
            "S-KT",
            "Boilo Electric Kettle",
            "Boilo",
            &["home-kitchen", "kettles"],
            3_999,
        ),
        40,
    )
    .await;
    let all = found(&app, "size=10", |a| {
        a["total"] == 4
            && a["items"]
                .as_array()
                .unwrap()
                .iter()
                .filter(|i| i["availability"]["status"] != "out_of_stock")
                .count()
                == 3
    })
    .await;
    assert_eq!(all["items"].as_array().unwrap().len(), 4);

    // Relevance: the sold-out TV is found but sinks below the one in stock.
    let tvs = app.send(search("q=tv")).await.body;
    assert_eq!(ids(&tvs), [tv.as_str(), sold_out.as_str()], "{tvs}");
    assert_eq!(tvs["items"][1]["availability"]["status"], "out_of_stock");
    assert_eq!(
        tvs["items"][0]["highlight"]["title"],
        "Lumina Slim 4K <em>TV</em>"
    );
    // A synonym, a typo, a brand, two words of which one is the exact title.
    assert_eq!(
        ids(&app.send(search("q=television")).await.body),
        [tv.as_str(), sold_out.as_str()]
    );
    assert_eq!(
        ids(&app.send(search("q=hedphones")).await.body),
        [headphones.as_str()]
    );
    assert_eq!(
        ids(&app.send(search("q=boilo")).await.body),
        [kettle.as_str()]
    );
    assert_eq!(
        ids(&app.send(search("q=vexa+bright+tv")).await.body)[0],
        sold_out
    );

    // A department finds its categories' products, with the facets' counts.
    let electronics = app.send(search("category=electronics")).await.body;
    assert_eq!(electronics["total"], 3);
    assert_eq!(count(&electronics, "category", "electronics"), 3);
    assert_eq!(count(&electronics, "category", "televisions"), 2);
    assert_eq!(count(&electronics, "category", "headphones"), 1);
    assert_eq!(count(&electronics, "category", "kettles"), 0);
    assert_eq!(count(&electronics, "brand", "Lumina"), 1);
    assert_eq!(count(&electronics, "price", "5000-10000"), 1);
    // A sold-out product has no Buy Box, so no price to count or filter by.
    assert_eq!(count(&electronics, "price", "20000-50000"), 1);

    // Each filter.
    assert_eq!(
        ids(&app.send(search("brand=Vexa")).await.body),
        [sold_out.as_str()]
    );
    assert_eq!(
        ids(&app.send(search("q=tv&in_stock=true")).await.body),
        [tv.as_str()]
    );
    let cheap = app
        .send(search("price_max=30000&sort=price_asc"))
        .await
        .body;
    assert_eq!(ids(&cheap), [kettle.as_str(), headphones.as_str()]);
    assert_eq!(
        ids(&app.send(search("price_min=30000")).await.body),
        [tv.as_str()]
    );
    assert_eq!(
        app.send(search("rating_min=1")).await.body["total"],
        0,
        "no product is rated before reviews"
    );
    let dear = app.send(search("sort=price_desc&size=3")).await.body;
    assert_eq!(
        ids(&dear),
        [tv.as_str(), headphones.as_str(), kettle.as_str()]
    );
    let last = app
        .send(search(&format!(
            "sort=price_desc&cursor={}",
            dear["next_cursor"].as_str().unwrap()
        )))
        .await
        .body;
    assert_eq!(ids(&last), [sold_out.as_str()], "no price sorts last");
    assert!(dear["next_cursor"].is_string());
    let newest = app.send(search("sort=newest&size=1")).await.body;
    assert_eq!(ids(&newest), [kettle]);

    // Autocomplete: categories, brands and products from a few letters, one typo allowed later.
    let typed = app.send(suggest("q=lum")).await;
    assert_eq!(typed.status, 200, "{}", typed.body);
    assert_eq!(
        typed.body["suggestions"][0],
        json!({"text": "Lumina", "kind": "brand"})
    );
    assert_eq!(typed.body["suggestions"][1]["product_id"], tv.as_str());
    let typo = app.send(suggest("q=sonqu")).await.body;
    assert_eq!(typo["suggestions"][0]["text"], "Sonique", "{typo}");
    let category = app.send(suggest("q=kitch")).await.body;
    assert_eq!(
        category["suggestions"][0],
        json!({"text": "kitchen", "kind": "category", "category": "home-kitchen"})
    );
}

#[tokio::test]
async fn bad_parameters_are_refused_naming_the_parameter() {
    let app = indexed_app().await;
    let long = format!("q={}", "x".repeat(201));
    for (query, field) in [
        ("size=0", "size"),
        ("size=101", "size"),
        ("price_min=abc", "price_min"),
        ("rating_min=9", "rating_min"),
        ("sort=cheapest", "sort"),
        ("in_stock=maybe", "in_stock"),
        ("category=Not%20A%20Slug", "category"),
        ("q=", "q"),
        (long.as_str(), "q"),
    ] {
        app.send(search(query)).await.assert_invalid(field);
    }
    let first = app.send(search("sort=price_asc&size=1")).await;
    assert_eq!(first.status, 200, "{}", first.body);
    // Rules between parameters, or about what a cursor holds, no schema can state: 422.
    app.send(search("price_min=5000&price_max=100"))
        .await
        .assert_unprocessable("price_min");
    app.send(search("cursor=garbage"))
        .await
        .assert_unprocessable("cursor");
    // Text without a letter or digit finds nothing, as a search box answers it.
    let nothing = app.send(search("q=%3F%21")).await;
    assert_eq!((nothing.status, &nothing.body["total"]), (200, &json!(0)));
    app.send(suggest("")).await.assert_invalid("q");
    app.send(suggest("q=")).await.assert_invalid("q");
    for blank in ["q=%20%20", "q=%F0%9F%98%80"] {
        let answer = app.send(suggest(blank)).await;
        assert_eq!(
            (answer.status, &answer.body),
            (200, &json!({"suggestions": []})),
            "{blank}"
        );
    }
    // Odd but valid: every character the engine treats specially is only a word to it.
    for query in [
        "q=%22tv",
        "q=title%3A*",
        "q=(a+OR+b)+AND+NOT+c",
        "q=%5C%5Ctv",
    ] {
        let answer = app.send(search(query)).await;
        assert_eq!(answer.status, 200, "{query}: {}", answer.body);
    }
}

#[tokio::test]
async fn paging_while_products_are_added_neither_repeats_nor_skips() {
    let app = indexed_app().await;
    let kettle = |n: u64| {
        product(
            &format!("PG-{n}"),
            &format!("Boilo Kettle {n}"),
            "Boilo",
            &["home-kitchen", "kettles"],
            1_000 + n * 100,
        )
    };
    for n in 0..7 {
        stocked(&app, &kettle(n), 10 + u32::try_from(n).unwrap()).await;
    }
    let first = found(&app, "q=kettle&size=3", |a| a["total"] == 7).await;
    let first_price = found(&app, "q=kettle&size=3&sort=price_asc", |a| a["total"] == 7).await;
    for n in 7..10 {
        stocked(&app, &kettle(n), 10).await;
    }
    found(&app, "q=kettle", |a| a["total"] == 10).await;
    for (first, sort) in [(first, "relevance"), (first_price, "price_asc")] {
        let mut seen = ids(&first);
        let mut cursor = first["next_cursor"].as_str().map(str::to_owned);
        while let Some(next) = cursor {
            assert!(seen.len() <= 12, "{sort}: paging does not end: {seen:?}");
            let page = app
                .send(search(&format!(
                    "q=kettle&size=3&sort={sort}&cursor={next}"
                )))
                .await;
            assert_eq!(page.status, 200, "{}", page.body);
            seen.extend(ids(&page.body));
            cursor = page.body["next_cursor"].as_str().map(str::to_owned);
        }
        let distinct: std::collections::HashSet<_> = seen.iter().collect();
        assert_eq!(
            distinct.len(),
            seen.len(),
            "{sort}: a product came twice: {seen:?}"
        );
        assert_eq!(
            seen.len(),
            10,
            "{sort}: every product, old and new, once: {seen:?}"
        );
    }
    // A cursor of one sort is refused for another.
    let page = app.send(search("q=kettle&size=3")).await.body;
    let cursor = page["next_cursor"].as_str().unwrap();
    app.send(search(&format!("q=kettle&sort=newest&cursor={cursor}")))
        .await
        .assert_unprocessable("cursor");
}

#[tokio::test]
async fn price_changes_sell_outs_and_delistings_reach_the_index_and_late_writes_never_undo_them() {
    let app = indexed_app().await;
    let body = product(
        "LC-1",
        "Castella Cast Iron Pan",
        "Castella",
        &["home-kitchen", "cookware"],
        5_000,
    );
    let id = stocked(&app, &body, 30).await;
    found(&app, "q=castella", |a| {
        a["items"][0]["availability"]["status"] == "in_stock"
    })
    .await;
    let before = app
        .store
        .family(id.parse().unwrap())
        .await
        .unwrap()
        .unwrap();

    let terms = json!({"product_id": id, "price": {"amount": 4_000, "currency": "USD"},
        "shipping": {"amount": 0, "currency": "USD"},
        "condition": "new", "fulfillment": "rainforest", "handling_days": 1});
    let repriced = app.send(put_offer("seller-a", "LC-1", &terms)).await;
    assert_eq!(repriced.status, 200, "{}", repriced.body);
    found(&app, "q=castella", |a| {
        a["items"][0]["price"]["amount"] == 4_000
    })
    .await;

    // A write computed from the product as it was (a slow indexer, a replayed record) is
    // refused by version, and a replayed stream record reads the product as it is now.
    let index = search_index(&app);
    let stale = Indexing::of(&before, shared::catalog::today());
    assert_eq!(
        index.apply(&[stale]).await.unwrap(),
        [shared::search::IndexOutcome::Done]
    );
    let record = json!({"Records": [product_record(1, &id)]});
    let replayed = app.invoke("IndexProductsFunction", record).await;
    assert_eq!(replayed["batchItemFailures"], json!([]), "{replayed}");
    let now = app.send(search("q=castella")).await.body;
    assert_eq!(now["items"][0]["price"]["amount"], 4_000, "{now}");

    // Sold out: still found, shown out of stock. Delisted: gone.
    app.stock("LC-1", 0).await;
    found(&app, "q=castella", |a| {
        a["items"][0]["availability"]["status"] == "out_of_stock"
    })
    .await;
    let mut inactive = terms.clone();
    inactive["status"] = json!("inactive");
    let withdrawn = app.send(put_offer("seller-a", "LC-1", &inactive)).await;
    assert_eq!(withdrawn.status, 200, "{}", withdrawn.body);
    found(&app, "q=castella", |a| a["total"] == 0).await;
}

#[tokio::test]
async fn the_indexer_reports_the_first_record_it_cannot_index_and_indexes_those_before_it() {
    // No event sources: only the records sent here reach the index.
    let app = TestApp::spawn().await;
    app.invoke("ReindexProductsFunction", json!({})).await;
    let body = product(
        "PB-1",
        "Hoshi Chef Knife",
        "Hoshi",
        &["home-kitchen", "knives"],
        9_000,
    );
    let id = create(&app, "seller-a", &body).await;
    let listed: shared::catalog::BuyBoxSummary = serde_json::from_value(json!({"winner": null,
        "availability": {"status": "out_of_stock"}, "offer_count": 0, "listed_offers": 1}))
    .unwrap();
    assert!(
        app.store
            .set_buy_box(id.parse().unwrap(), &listed, 1)
            .await
            .unwrap()
    );
    let record = product_record;
    let event = json!({"Records": [record(1, &id), record(2, "not-a-product-id"), record(3, &id)]});
    let answer = app.invoke("IndexProductsFunction", event).await;
    assert_eq!(
        answer["batchItemFailures"],
        json!([{"itemIdentifier": "2"}]),
        "{answer}"
    );
    found(&app, "q=hoshi", |a| a["total"] == 1).await;
    let retried = app
        .invoke(
            "IndexProductsFunction",
            json!({"Records": [record(3, &id)]}),
        )
        .await;
    assert_eq!(retried["batchItemFailures"], json!([]), "{retried}");
}

#[tokio::test]
async fn best_sellers_rank_first_among_equal_matches_and_a_redelivered_order_counts_once() {
    let app = indexed_app().await;
    let bottle = |sku: &str, title: &str| {
        product(
            sku,
            title,
            "Trailpak",
            &["sports-outdoors", "water-bottles"],
            2_000,
        )
    };
    let first = stocked(&app, &bottle("BS-A", "Trailpak Steel Bottle Alpha"), 50).await;
    let seller = stocked(&app, &bottle("BS-B", "Trailpak Steel Bottle Beta"), 50).await;
    let in_stock = |a: &Value| {
        a["total"] == 2
            && a["items"]
                .as_array()
                .unwrap()
                .iter()
                .all(|i| i["availability"]["status"] == "in_stock")
    };
    let before = found(&app, "q=trailpak+steel+bottle", in_stock).await;
    assert_eq!(
        ids(&before),
        [first.as_str(), seller.as_str()],
        "equal: the older first"
    );

    // The orders area's OrderPaid, as published on its topic, delivered twice.
    let paid = json!({"event_id": "01KAN0000000000000000000S1#OrderPaid", "event_type": "OrderPaid",
        "order_id": "01KAN0000000000000000000S1", "customer_id": "customer-01", "status": "confirmed",
        "at": shared::clock::now(),
        "lines": [{"product_id": seller, "sku": "BS-B", "quantity": 3}]});
    for _ in 0..2 {
        app.publish_order_event(&paid).await;
    }
    let after = found(&app, "q=trailpak+steel+bottle", |a| {
        in_stock(a) && ids(a)[0] == seller
    })
    .await;
    assert_eq!(ids(&after), [seller.as_str(), first.as_str()]);
    // Both deliveries have long been handled once the ranking moved: the queue is polled each
    // second.
    tokio::time::sleep(std::time::Duration::from_secs(3)).await;
    let family = app
        .store
        .family(seller.parse().unwrap())
        .await
        .unwrap()
        .unwrap();
    assert_eq!(
        family.head.sales.last_30_days(shared::catalog::today()),
        3,
        "counted once: {:?}",
        family.head.sales
    );
}

#[tokio::test]
async fn sales_paid_at_once_are_all_counted_and_a_message_that_is_no_order_event_ends_in_the_dlq() {
    let app = TestApp::spawn().await;
    let body = product(
        "CS-1",
        "Hydra Steel Bottle",
        "Hydra",
        &["sports-outdoors", "water-bottles"],
        2_000,
    );
    let id: shared::catalog::ProductId = create(&app, "seller-a", &body).await.parse().unwrap();
    let day = shared::catalog::today();
    // Eight orders of one product paid at once race for its item; each is counted, once.
    let names: Vec<String> = (0..8)
        .map(|n| format!("order-{n}#OrderPaid#{id}"))
        .collect();
    let sales = names
        .iter()
        .map(|sale| app.store.record_sale(sale, id, 1, day));
    for outcome in futures::future::join_all(sales).await {
        assert_eq!(outcome.unwrap(), shared::catalog::SaleOutcome::Counted);
    }
    let again = app
        .store
        .record_sale(&format!("order-0#OrderPaid#{id}"), id, 1, day)
        .await;
    assert_eq!(again.unwrap(), shared::catalog::SaleOutcome::AlreadyCounted);
    let family = app.store.family(id).await.unwrap().unwrap();
    assert_eq!(family.head.sales.last_30_days(day), 8);

    app.start_event_sources();
    crate::helpers::ends_in_dead_letters(&app, "SalesQueue", "SalesDLQ", "not an order event")
        .await;
}

#[tokio::test]
async fn a_mapping_change_reindexes_behind_the_alias_while_searches_keep_answering() {
    let app = indexed_app().await;
    for n in 0..5 {
        let body = product(
            &format!("RX-{n}"),
            &format!("Nimbus Laptop {n}"),
            "Nimbus",
            &["electronics", "laptops"],
            80_000,
        );
        stocked(&app, &body, 5).await;
    }
    found(&app, "q=laptop", |a| a["total"] == 5).await;
    let searching = async {
        let mut answers = 0;
        for _ in 0..40 {
            let answer = app.send(search("q=laptop")).await;
            assert_eq!(
                (answer.status, &answer.body["total"]),
                (200, &json!(5)),
                "{}",
                answer.body
            );
            answers += 1;
        }
        answers
    };
    let (answers, built) =
        tokio::join!(searching, app.invoke("ReindexProductsFunction", json!({})));
    assert_eq!(answers, 40);
    assert_eq!(built["indexed"], 5, "{built}");
    assert_eq!(built["replaced"].as_array().unwrap().len(), 1, "{built}");
    // Changes after the move reach the new index.
    let body = product(
        "RX-9",
        "Nimbus Laptop 9",
        "Nimbus",
        &["electronics", "laptops"],
        90_000,
    );
    stocked(&app, &body, 5).await;
    found(&app, "q=laptop", |a| a["total"] == 6).await;
}
