use crate::helpers::{Answer, As, Call, TestApp};
use serde_json::{Value, json};

const LIST: &str = "/api/v1/seller/products";

pub(crate) fn listing(sku: &str, title: &str, category: &str) -> Value {
    json!({
        "title": title,
        "brand": "Acme",
        "description": "A product for tests.",
        "bullet_points": ["Sturdy", "Light"],
        "category_path": ["electronics", category],
        "attributes": {"screen_size_in": 55, "color": "black", "smart": true},
        "sku": sku,
        "offer": {
            "price": {"amount": 49_999, "currency": "USD"},
            "shipping": {"amount": 0, "currency": "USD"},
            "condition": "new", "fulfillment": "rainforest", "handling_days": 1
        }
    })
}

/// `body` with the field at `pointer` set to `value`.
fn with(mut body: Value, pointer: &str, value: Value) -> Value {
    let (parent, key) = pointer.rsplit_once('/').unwrap();
    let parent = body.pointer_mut(parent).and_then(Value::as_object_mut);
    parent
        .unwrap_or_else(|| panic!("no {pointer} in the body"))
        .insert(key.to_owned(), value);
    body
}

fn list(seller: &str, body: &Value) -> Call {
    Call::new("POST", LIST, LIST)
        .by(As::Seller(seller))
        .json(body)
}

pub(crate) fn get(id: &str) -> Call {
    Call::new(
        "GET",
        "/api/v1/products/{id}",
        &format!("/api/v1/products/{id}"),
    )
}

fn patch(seller: &str, id: &str, if_match: Option<&str>, body: &Value) -> Call {
    let call = Call::new(
        "PATCH",
        "/api/v1/seller/products/{id}",
        &format!("/api/v1/seller/products/{id}"),
    )
    .by(As::Seller(seller))
    .json(body);
    match if_match {
        Some(etag) => call.header("if-match", etag),
        None => call,
    }
}

fn put_offer(seller: &str, sku: &str, body: &Value) -> Call {
    Call::new(
        "PUT",
        "/api/v1/seller/offers/{sku}",
        &format!("/api/v1/seller/offers/{sku}"),
    )
    .by(As::Seller(seller))
    .json(body)
}

pub(crate) fn browse(category: &str, query: &str) -> Call {
    Call::new(
        "GET",
        "/api/v1/categories/{id}/products",
        &format!("/api/v1/categories/{category}/products{query}"),
    )
}

fn presign(seller: &str, id: &str, body: &Value) -> Call {
    let path = format!("/api/v1/seller/products/{id}/images");
    Call::new("POST", "/api/v1/seller/products/{id}/images", &path)
        .by(As::Seller(seller))
        .json(body)
}

pub(crate) async fn create(app: &TestApp, seller: &str, body: &Value) -> String {
    let created = app.send(list(seller, body)).await;
    assert_eq!(created.status, 201, "{}", created.body);
    created.body["product"]["id"].as_str().unwrap().to_owned()
}

#[tokio::test]
async fn a_listing_is_created_and_read_back_with_its_offer_in_the_buy_box() {
    let app = TestApp::spawn().await;
    let created = app
        .send(list(
            "seller-a",
            &listing("TV-55", "55-inch 4K TV", "televisions"),
        ))
        .await;
    assert_eq!(created.status, 201, "{}", created.body);
    assert_eq!(created.body["product_created"], true);
    let id = created.body["product"]["id"].as_str().unwrap();
    assert_eq!(created.header("location"), format!("/api/v1/products/{id}"));

    app.stock("TV-55", 25).await;
    let page = app.send(get(id)).await;
    assert_eq!(page.status, 200, "{}", page.body);
    assert_eq!(page.header("etag"), "\"1\"");
    let product = &page.body["product"];
    assert_eq!(product["title"], "55-inch 4K TV");
    assert_eq!(product["owner"], "seller-a");
    assert_eq!(
        product["category_path"],
        json!(["electronics", "televisions"])
    );
    assert_eq!(
        product["attributes"],
        json!({"color": "black", "screen_size_in": 55, "smart": true})
    );
    assert_eq!(product["bullet_points"], json!(["Sturdy", "Light"]));
    assert_eq!(page.body["buy_box"]["sku"], "TV-55");
    assert_eq!(
        page.body["buy_box"]["price"],
        json!({"amount": 49_999, "currency": "USD"})
    );
    assert_eq!(
        page.body["buy_box"]["landed_price"],
        json!({"amount": 49_999, "currency": "USD"})
    );
    assert_eq!(page.body["other_offers"], json!([]));
}

#[tokio::test]
async fn updates_need_the_current_version_and_a_stale_one_changes_nothing() {
    let app = TestApp::spawn().await;
    let id = create(
        &app,
        "seller-a",
        &listing("TV-1", "Old title", "televisions"),
    )
    .await;

    let missing = app
        .send(patch("seller-a", &id, None, &json!({"title": "No etag"})))
        .await;
    missing.assert_problem(428);

    let first = app
        .send(patch(
            "seller-a",
            &id,
            Some("\"1\""),
            &json!({"title": "New title", "attributes": {"color": null}}),
        ))
        .await;
    assert_eq!(first.status, 200, "{}", first.body);
    assert_eq!(first.header("etag"), "\"2\"");
    assert_eq!(first.body["title"], "New title");

    let stale = app
        .send(patch(
            "seller-a",
            &id,
            Some("\"1\""),
            &json!({"title": "Lost update"}),
        ))
        .await;
    stale.assert_problem(412);

    let page = app.send(get(&id)).await;
    assert_eq!(page.body["product"]["title"], "New title");
    assert_eq!(page.body["product"]["version"], 2);
    assert_eq!(
        page.body["product"]["attributes"],
        json!({"screen_size_in": 55, "smart": true})
    );
    assert_eq!(page.header("etag"), "\"2\"");
}

#[tokio::test]
async fn a_second_seller_joins_the_product_by_gtin_and_the_buy_box_applies_the_rule() {
    let app = TestApp::spawn().await;
    app.put_seller("seller-a", Some(47)).await;
    app.put_seller("seller-b", Some(47)).await;
    // Seller A: cheap price, but paid shipping and merchant-fulfilled.
    let a = with(
        listing("A-TV", "TV", "televisions"),
        "/identifiers",
        json!({"gtin": "00036000291452"}),
    );
    let a = with(
        a,
        "/offer",
        json!({
            "price": {"amount": 40_000, "currency": "USD"}, "shipping": {"amount": 2_500, "currency": "USD"},
            "condition": "new", "fulfillment": "merchant", "handling_days": 3
        }),
    );
    let id = create(&app, "seller-a", &a).await;

    // Seller B lists the same item by its UPC-A form: it joins A's product.
    let b = with(
        listing("B-TV", "A different title", "other"),
        "/identifiers",
        json!({"upc": "036000291452"}),
    );
    let b = with(b, "/offer/price/amount", json!(41_000));
    let joined = app.send(list("seller-b", &b)).await;
    assert_eq!(joined.status, 201, "{}", joined.body);
    assert_eq!(joined.body["product_created"], false);
    assert_eq!(joined.body["product"]["id"], id.as_str());
    assert_eq!(
        joined.body["product"]["title"], "TV",
        "the existing product data stays"
    );

    app.stock("A-TV", 4).await;
    app.stock("B-TV", 25).await;
    // A: 42,500 landed, +5% merchant, +1% slow handling; B: 41,000 landed, Rainforest-fulfilled.
    let page = app.send(get(&id)).await;
    assert_eq!(page.body["buy_box"]["sku"], "B-TV", "{}", page.body);
    let others: Vec<&Value> = page.body["other_offers"]
        .as_array()
        .unwrap()
        .iter()
        .map(|o| &o["sku"])
        .collect();
    assert_eq!(others, [&json!("A-TV")]);
    assert_eq!(
        page.body["other_offers"][0]["landed_price"]["amount"],
        42_500
    );
    assert_eq!(page.body["other_offers"][0]["seller_rating"]["tenths"], 47);

    // A answers with free shipping from a fulfillment center and undercuts: A wins.
    let cheaper = json!({
        "product_id": id, "price": {"amount": 40_500, "currency": "USD"},
        "condition": "new", "fulfillment": "rainforest", "handling_days": 1
    });
    let updated = app.send(put_offer("seller-a", "A-TV", &cheaper)).await;
    assert_eq!(updated.status, 200, "{}", updated.body);
    assert_eq!(updated.body["version"], 2);
    let page = app.send(get(&id)).await;
    assert_eq!(page.body["buy_box"]["sku"], "A-TV");
    assert_eq!(page.body["other_offers"][0]["sku"], "B-TV");

    assert_eq!(
        page.body["buy_box"]["availability"],
        json!({"status": "only_left", "quantity": 4})
    );

    // Sold out: A drops out of the Buy Box but is still listed, as out of stock.
    app.stock("A-TV", 0).await;
    let page = app.send(get(&id)).await;
    assert_eq!(page.body["buy_box"]["sku"], "B-TV");
    assert_eq!(
        page.body["buy_box"]["availability"],
        json!({"status": "in_stock"})
    );
    assert_eq!(page.body["other_offers"][0]["sku"], "A-TV");
    assert_eq!(
        page.body["other_offers"][0]["availability"],
        json!({"status": "out_of_stock"})
    );
}

#[tokio::test]
async fn put_offer_creates_then_replaces_and_keeps_skus_to_their_seller_and_product() {
    let app = TestApp::spawn().await;
    let id = create(&app, "seller-a", &listing("A-1", "Lamp", "lamps")).await;
    let other = create(&app, "seller-a", &listing("A-2", "Desk", "desks")).await;
    let terms = json!({
        "product_id": id, "price": {"amount": 1_999, "currency": "USD"},
        "condition": "used", "fulfillment": "merchant", "handling_days": 2
    });
    let created = app.send(put_offer("seller-b", "B-LAMP", &terms)).await;
    assert_eq!(created.status, 201, "{}", created.body);
    assert_eq!(created.body["seller_id"], "seller-b");
    let again = app.send(put_offer("seller-b", "B-LAMP", &terms)).await;
    assert_eq!(
        again.status, 200,
        "a retried PUT replaces, it does not duplicate"
    );
    assert_eq!(again.body["version"], 2);

    app.send(put_offer("seller-c", "B-LAMP", &terms))
        .await
        .assert_problem(403);
    app.send(put_offer(
        "seller-b",
        "B-LAMP",
        &with(terms.clone(), "/product_id", json!(other)),
    ))
    .await
    .assert_problem(409);
    let unknown = with(
        terms.clone(),
        "/product_id",
        json!(ulid::Ulid::new().to_string()),
    );
    app.send(put_offer("seller-b", "B-NEW", &unknown))
        .await
        .assert_unprocessable("product_id");

    app.stock("A-1", 3).await;
    app.stock("B-LAMP", 3).await;
    let page = app.send(get(&id)).await;
    let skus: Vec<&Value> = page.body["other_offers"]
        .as_array()
        .unwrap()
        .iter()
        .map(|o| &o["sku"])
        .collect();
    assert_eq!(page.body["buy_box"]["sku"], "A-1");
    assert_eq!(
        skus,
        [&json!("B-LAMP")],
        "used offers never win the Buy Box"
    );
}

#[tokio::test]
async fn a_category_is_browsed_page_by_page_without_duplicates_or_gaps() {
    let app = TestApp::spawn().await;
    let mut expected = Vec::new();
    for n in 0..8 {
        expected.push(
            create(
                &app,
                "seller-a",
                &listing(&format!("K-{n}"), &format!("Kettle {n}"), "kettles"),
            )
            .await,
        );
    }
    create(&app, "seller-a", &listing("T-1", "Toaster", "toasters")).await;
    let parent = create(
        &app,
        "seller-a",
        &with(
            listing("K-P", "Kettle family", "kettles"),
            "/variation_theme",
            json!(["color"]),
        ),
    )
    .await;
    expected.push(parent.clone());
    let child = json!({"parent_id": parent, "variation_attributes": {"color": "red"}});
    let mut child_body = listing("K-P-RED", "Red kettle", "kettles");
    child_body
        .as_object_mut()
        .unwrap()
        .extend(child.as_object().unwrap().clone());
    create(&app, "seller-a", &child_body).await;

    let mut seen = Vec::new();
    let mut pages = 0;
    let mut query = "?limit=3".to_owned();
    loop {
        let page = app.send(browse("kettles", &query)).await;
        assert_eq!(page.status, 200, "{}", page.body);
        pages += 1;
        let items = page.body["items"].as_array().unwrap();
        assert!(items.len() <= 3);
        seen.extend(
            items
                .iter()
                .map(|item| item["id"].as_str().unwrap().to_owned()),
        );
        match page.body["next_cursor"].as_str() {
            Some(cursor) => query = format!("?limit=3&cursor={cursor}"),
            None => break,
        }
    }
    assert_eq!(pages, 3, "9 products in pages of 3");
    assert_eq!(
        seen, expected,
        "every product once, in listing order; variation children are not listed"
    );
}

#[tokio::test]
async fn variation_children_join_their_family_on_the_product_page() {
    let app = TestApp::spawn().await;
    let parent = create(
        &app,
        "seller-a",
        &with(
            listing("SH", "Runner", "shoes"),
            "/variation_theme",
            json!(["size", "color"]),
        ),
    )
    .await;
    let child = |sku: &str, size: &str| {
        let mut body = listing(sku, &format!("Runner {size}"), "shoes");
        body["parent_id"] = json!(parent);
        body["variation_attributes"] = json!({"size": size, "color": "blue"});
        body
    };
    let small = create(&app, "seller-a", &child("SH-S", "S")).await;
    create(&app, "seller-a", &child("SH-M", "M")).await;

    let page = app.send(get(&small)).await;
    let sizes: Vec<&Value> = page.body["variations"]
        .as_array()
        .unwrap()
        .iter()
        .map(|v| &v["values"]["size"])
        .collect();
    assert_eq!(sizes, [&json!("S"), &json!("M")]);
    assert_eq!(
        page.body["product"]["variation"]["parent_id"],
        parent.as_str()
    );

    let mut wrong = child("SH-L", "L");
    wrong["variation_attributes"] = json!({"size": "L"});
    app.send(list("seller-a", &wrong))
        .await
        .assert_unprocessable("variation_attributes");
    app.send(list("seller-b", &child("B-SH", "XL")))
        .await
        .assert_problem(403);
}

#[tokio::test]
async fn an_image_is_uploaded_through_the_presigned_url_and_read_back() {
    let app = TestApp::spawn().await;
    let id = create(&app, "seller-a", &listing("CAM-1", "Camera", "cameras")).await;
    let image = b"\x89PNG\r\n\x1a\n not really a png, but bytes all the same".to_vec();
    let upload = app
        .send(presign(
            "seller-a",
            &id,
            &json!({"content_type": "image/png", "content_length": image.len()}),
        ))
        .await;
    assert_eq!(upload.status, 201, "{}", upload.body);
    let key = upload.body["key"].as_str().unwrap();
    assert!(
        key.starts_with(&format!("products/{id}/images/")) && key.ends_with(".png"),
        "{key}"
    );

    crate::helpers::put_presigned(&upload.body, image.clone()).await;

    let object = app
        .s3()
        .get_object()
        .bucket(&app.bucket)
        .key(key)
        .send()
        .await
        .unwrap();
    assert_eq!(object.content_type(), Some("image/png"));
    assert_eq!(
        object.body.collect().await.unwrap().into_bytes().to_vec(),
        image
    );

    // The key is then added to the product.
    let added = app
        .send(patch(
            "seller-a",
            &id,
            Some("\"1\""),
            &json!({"images": [key]}),
        ))
        .await;
    assert_eq!(added.status, 200, "{}", added.body);
    assert_eq!(
        app.send(get(&id)).await.body["product"]["images"],
        json!([key])
    );
}

#[tokio::test]
async fn sellers_cannot_touch_other_sellers_products_and_others_cannot_sell() {
    let app = TestApp::spawn().await;
    let id = create(&app, "seller-a", &listing("A-1", "Chair", "chairs")).await;
    app.send(patch(
        "seller-b",
        &id,
        Some("\"1\""),
        &json!({"title": "Mine now"}),
    ))
    .await
    .assert_problem(403);
    app.send(presign(
        "seller-b",
        &id,
        &json!({"content_type": "image/jpeg", "content_length": 10}),
    ))
    .await
    .assert_problem(403);
    let as_customer = Call::new("POST", LIST, LIST)
        .by(As::Customer("shopper-1"))
        .json(&listing("C-1", "Chair", "chairs"));
    app.send(as_customer).await.assert_problem(403);
    let anonymous = Call::new("POST", LIST, LIST)
        .by(As::Anonymous)
        .json(&listing("N-1", "Chair", "chairs"));
    app.send(anonymous).await.assert_problem(401);
    assert_eq!(app.send(get(&id)).await.body["product"]["title"], "Chair");
}

#[tokio::test]
async fn invalid_requests_get_400_or_422_naming_the_field_and_write_nothing() {
    let app = TestApp::spawn().await;
    let id = create(&app, "seller-a", &listing("BASE", "Base product", "base")).await;
    let before = app.item_count().await;
    let valid = listing("NEW-1", "A product", "things");
    // 400: the field's own shape (the API description states it); 422: its relation to others.
    let cases: Vec<(Value, &str)> = vec![
        (with(valid.clone(), "/title", json!("   ")), "title"),
        (
            with(valid.clone(), "/title", json!("\u{200B}\u{200D}")),
            "title",
        ),
        (with(valid.clone(), "/title", json!(" TV")), "title"),
        (
            with(valid.clone(), "/offer/price/amount", json!(19.99)),
            "offer.price.amount",
        ),
        (
            with(valid.clone(), "/offer/price/amount", json!(0)),
            "offer.price.amount",
        ),
        (
            with(valid.clone(), "/offer/price/currency", json!("XYZ")),
            "offer.price.currency",
        ),
        (
            with(valid.clone(), "/offer/shipping/currency", json!("EUR")),
            "offer.shipping.currency",
        ),
        (
            with(valid.clone(), "/offer/condition", json!("mint")),
            "offer.condition",
        ),
        (
            with(valid.clone(), "/offer/handling_days", json!(45)),
            "offer.handling_days",
        ),
        (
            with(valid.clone(), "/offer/quantity", json!(5)),
            "offer.quantity",
        ),
        (with(valid.clone(), "/sku", json!("has spaces")), "sku"),
        (
            with(valid.clone(), "/category_path", json!(["Electronics"])),
            "category_path[0]",
        ),
        (
            with(valid.clone(), "/category_path", json!([])),
            "category_path",
        ),
        (
            with(
                valid.clone(),
                "/identifiers",
                json!({"gtin": "00036000291453"}),
            ),
            "identifiers.gtin",
        ),
        (
            with(
                valid.clone(),
                "/identifiers",
                json!({"gtin": "00036000291452", "ean": "4006381333931"}),
            ),
            "identifiers.ean",
        ),
        (
            with(valid.clone(), "/attributes", json!({"Screen Size": 55})),
            "attributes.Screen Size",
        ),
        (
            with(valid.clone(), "/bullet_points", json!(vec!["x"; 11])),
            "bullet_points",
        ),
        (
            with(
                valid.clone(),
                "/offer/price",
                json!({"amount": 100, "currency": "USD", "tax": 1}),
            ),
            "offer.price.tax",
        ),
        (
            {
                let mut b = valid.clone();
                b["colour"] = json!("red");
                b
            },
            "colour",
        ),
        (
            {
                let mut b = valid.clone();
                b.as_object_mut().unwrap().remove("brand");
                b
            },
            "brand",
        ),
        (
            {
                let mut b = valid.clone();
                b["variation_attributes"] = json!({"size": "M"});
                b
            },
            "parent_id",
        ),
        (
            {
                let mut b = valid.clone();
                b["parent_id"] = json!("not-an-id");
                b
            },
            "parent_id",
        ),
    ];
    assert!(cases.len() >= 10);
    let relational = ["offer.shipping.currency", "identifiers.ean", "parent_id"];
    for (body, field) in &cases {
        let answer = app.send(list("seller-a", body)).await;
        match relational.contains(field) && body["parent_id"] != "not-an-id" {
            true => answer.assert_unprocessable(field),
            false => answer.assert_invalid(field),
        }
    }
    // Not JSON at all, and JSON with trailing rubbish.
    app.send(
        Call::new("POST", LIST, LIST)
            .by(As::Seller("seller-a"))
            .raw_body("application/json", "{\"title\":"),
    )
    .await
    .assert_invalid("body");
    app.send(
        Call::new("POST", LIST, LIST)
            .by(As::Seller("seller-a"))
            .raw_body("application/json", &format!("{valid} {{}}")),
    )
    .await
    .assert_invalid("body");
    // The other routes.
    app.send(patch(
        "seller-a",
        &id,
        Some("\"1\""),
        &json!({"title": null}),
    ))
    .await
    .assert_invalid("title");
    app.send(patch("seller-a", &id, Some("\"1\""), &json!({})))
        .await
        .assert_invalid("body");
    app.send(patch(
        "seller-a",
        &id,
        Some("\"1\""),
        &json!({"images": ["products/x/images/a.png"]}),
    ))
    .await
    .assert_unprocessable("images[0]");
    app.send(patch("seller-a", &id, Some("v1"), &json!({"title": "T"})))
        .await
        .assert_invalid("If-Match");
    app.send(put_offer(
        "seller-a",
        "BASE",
        &json!({"price": {"amount": 5, "currency": "USD"}, "condition": "new",
        "fulfillment": "merchant", "handling_days": 1}),
    ))
    .await
    .assert_invalid("product_id");
    app.send(get("not-a-product-id")).await.assert_invalid("id");
    app.send(browse("kettles", "?limit=0"))
        .await
        .assert_invalid("limit");
    app.send(browse("kettles", "?cursor=garbage!"))
        .await
        .assert_invalid("cursor");
    app.send(browse("Not_A_Slug", ""))
        .await
        .assert_invalid("id");
    app.send(presign(
        "seller-a",
        &id,
        &json!({"content_type": "image/gif", "content_length": 10}),
    ))
    .await
    .assert_invalid("content_type");
    app.send(presign(
        "seller-a",
        &id,
        &json!({"content_type": "image/png", "content_length": 11 * 1024 * 1024}),
    ))
    .await
    .assert_invalid("content_length");

    assert_eq!(
        app.item_count().await,
        before,
        "a refused request wrote nothing"
    );
    let page = app.send(get(&id)).await;
    assert_eq!(page.body["product"]["version"], 1);
    let objects = app
        .s3()
        .list_objects_v2()
        .bucket(&app.bucket)
        .send()
        .await
        .unwrap();
    assert_eq!(objects.key_count(), Some(0));
}

#[tokio::test]
async fn unknown_products_wrong_methods_and_oversized_or_non_json_bodies_are_refused() {
    let app = TestApp::spawn().await;
    let unknown = ulid::Ulid::new().to_string();
    app.send(get(&unknown)).await.assert_problem(404);
    app.send(patch(
        "seller-a",
        &unknown,
        Some("\"1\""),
        &json!({"title": "x"}),
    ))
    .await
    .assert_problem(404);
    app.send(presign(
        "seller-a",
        &unknown,
        &json!({"content_type": "image/png", "content_length": 1}),
    ))
    .await
    .assert_problem(404);

    let wrong_method: Answer = app
        .send(Call::new(
            "DELETE",
            "/api/v1/products/{id}",
            &format!("/api/v1/products/{unknown}"),
        ))
        .await;
    wrong_method.assert_problem(405);
    assert_eq!(wrong_method.header("allow"), "GET");

    let huge = with(
        listing("BIG", "Big", "things"),
        "/description",
        json!("x".repeat(70 * 1024)),
    );
    app.send(list("seller-a", &huge)).await.assert_problem(413);
    let form = Call::new("POST", LIST, LIST)
        .by(As::Seller("seller-a"))
        .raw_body("application/x-www-form-urlencoded", "title=x");
    app.send(form).await.assert_problem(415);
    assert_eq!(app.item_count().await, 0);
}

#[tokio::test]
async fn a_sku_already_listed_is_a_conflict_not_a_second_product() {
    let app = TestApp::spawn().await;
    create(&app, "seller-a", &listing("DUP", "First", "things")).await;
    let again = app
        .send(list("seller-a", &listing("DUP", "Second", "things")))
        .await;
    again.assert_problem(409);
    let page = app.send(browse("things", "")).await;
    assert_eq!(page.body["items"].as_array().unwrap().len(), 1);
}

#[tokio::test]
async fn stock_counts_apply_in_order_and_report_only_the_messages_that_cannot_apply() {
    let app = TestApp::spawn().await;
    let id = create(&app, "seller-a", &listing("STOCK-1", "Lamp", "lamps")).await;
    let message = |n: usize, body: String| json!({"messageId": format!("m{n}"), "body": body, "attributes": {}, "messageAttributes": {}});
    let count = |seller: &str, sku: &str, location: &str, quantity: u32, sequence: u64| {
        json!({"seller_id": seller, "sku": sku, "location": location, "quantity": quantity, "sequence": sequence})
            .to_string()
    };
    let event = json!({"Records": [
        message(0, count("seller-a", "STOCK-1", "FC-SEA1", 7, 10)),
        message(1, count("seller-a", "STOCK-1", "FC-SEA1", 99, 9)),   // older than the one applied: ignored
        message(2, count("seller-a", "STOCK-1", "FC-SEA1", 7, 10)),   // the same again: ignored
        message(3, count("seller-a", "STOCK-1", "FC-DFW2", 2, 1)),    // another location, its own numbering
        message(4, count("seller-a", "NO-SUCH-SKU", "FC-SEA1", 1, 1)),
        message(5, count("seller-b", "STOCK-1", "FC-SEA1", 0, 11)),   // another seller's SKU
        message(6, "{\"sku\": \"STOCK-1\"}".to_owned()),   // not a stock count
    ]});
    let response = app.invoke("ApplyStockUpdatesFunction", event).await;
    let failed: Vec<&str> = response["batchItemFailures"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| f["itemIdentifier"].as_str().unwrap())
        .collect();
    assert_eq!(failed, ["m4", "m5", "m6"]);
    let page = app.send(get(&id)).await;
    assert_eq!(page.body["buy_box"]["sku"], "STOCK-1", "{}", page.body);
    assert_eq!(
        page.body["buy_box"]["availability"],
        json!({"status": "only_left", "quantity": 9})
    );

    // A count below what reservations hold is refused, and the next one still applies.
    let store = app.inventory();
    let (sku, sea) = ("STOCK-1".parse().unwrap(), "FC-SEA1".parse().unwrap());
    let lines = vec![shared::inventory::ReservationLine {
        sku,
        location: sea,
        quantity: 5,
    }];
    let request = shared::inventory::ReservationRequest::new(lines).unwrap();
    let held_id = shared::inventory::ReservationId::generate();
    let hold = std::time::Duration::from_secs(600);
    assert!(matches!(
        store.reserve(held_id, &request, hold).await.unwrap(),
        shared::inventory::Reserved::Held(_)
    ));
    let event = json!({"Records": [
        message(7, count("seller-a", "STOCK-1", "FC-SEA1", 4, 12)),
        message(8, count("seller-a", "STOCK-1", "FC-SEA1", 6, 13)),
    ]});
    let response = app.invoke("ApplyStockUpdatesFunction", event).await;
    assert_eq!(
        response["batchItemFailures"],
        json!([{"itemIdentifier": "m7"}])
    );
    let page = app.send(get(&id)).await;
    assert_eq!(
        page.body["buy_box"]["availability"],
        json!({"status": "only_left", "quantity": 3}),
        "6 on hand less 5 held at FC-SEA1, and 2 at FC-DFW2"
    );
}

/// Units on hand of `sku` at every location.
pub(crate) async fn on_hand(app: &TestApp, sku: &str) -> u32 {
    let stock = app.inventory().stock(&sku.parse().unwrap()).await.unwrap();
    let shards = stock.locations.values().flat_map(|l| &l.shards);
    shards.map(|s| s.on_hand).sum()
}

#[tokio::test]
async fn duplicated_and_reordered_updates_leave_the_right_quantity() {
    let app = TestApp::spawn().await;
    create(&app, "seller-a", &listing("FEED-1", "Lamp", "lamps")).await;
    create(&app, "seller-a", &listing("FEED-2", "Desk", "desks")).await;
    let update = |n: usize, sku: &str, change: (&str, i64), sequence: u64| {
        let body = json!({"seller_id": "seller-a", "sku": sku, "location": "FC-SEA1",
                          change.0: change.1, "sequence": sequence});
        json!({"messageId": format!("m{n}"), "body": body.to_string(), "attributes": {}, "messageAttributes": {}})
    };
    let updates = |sku: &str| {
        vec![
            update(0, sku, ("quantity", 10), 1),
            update(1, sku, ("delta", 5), 3),
            update(2, sku, ("delta", -2), 2), // a change numbered lower, arriving later: still applies
            update(3, sku, ("delta", 5), 3),  // delivered twice: applies once
            update(4, sku, ("quantity", 10), 1),
            update(5, sku, ("quantity", 20), 5),
            update(6, sku, ("delta", 7), 4), // numbered below the count that includes it: stale
            update(7, sku, ("quantity", 3), 2), // a count older than the changes applied: stale
        ]
    };
    let app = &app;
    let apply = |records: Vec<Value>| async move {
        let response = app
            .invoke("ApplyStockUpdatesFunction", json!({"Records": records}))
            .await;
        assert_eq!(response["batchItemFailures"], json!([]), "{response}");
    };
    let forward = updates("FEED-1");
    apply(forward[..4].to_vec()).await;
    assert_eq!(
        on_hand(app, "FEED-1").await,
        13,
        "10 + 5 - 2, the repeated +5 once"
    );
    apply(forward[4..].to_vec()).await;
    assert_eq!(on_hand(app, "FEED-1").await, 20);

    // A count that comes after a change numbered above it: the change still counts on top.
    create(app, "seller-a", &listing("FEED-3", "Shelf", "shelves")).await;
    apply(vec![
        update(0, "FEED-3", ("quantity", 10), 1),
        update(1, "FEED-3", ("delta", 5), 3),
        update(2, "FEED-3", ("quantity", 20), 2),
    ])
    .await;
    assert_eq!(
        on_hand(app, "FEED-3").await,
        25,
        "count #2 (20) and change #3 (+5)"
    );

    let mut backward = updates("FEED-2");
    backward.reverse();
    apply(backward).await;
    assert_eq!(
        on_hand(app, "FEED-2").await,
        20,
        "the newest count, whatever the order"
    );
}

fn submit(caller: As, body: &Value) -> Call {
    let route = "/api/v1/seller/inventory";
    Call::new("POST", route, route).by(caller).json(body)
}

fn batch_status(seller: &str, id: &str) -> Call {
    let route = "/api/v1/seller/inventory/batches/{id}";
    Call::new(
        "GET",
        route,
        &format!("/api/v1/seller/inventory/batches/{id}"),
    )
    .by(As::Seller(seller))
}

#[tokio::test]
async fn a_stock_batch_is_queued_applied_line_by_line_and_reported() {
    let app = TestApp::spawn().await;
    app.start_event_sources();
    let lamp = create(&app, "seller-a", &listing("FEED-A", "Lamp", "lamps")).await;
    let desk = create(&app, "seller-a", &listing("FEED-B", "Desk", "desks")).await;
    create(&app, "seller-b", &listing("FEED-C", "Chair", "chairs")).await;
    let line = |sku: &str, change: (&str, i64), sequence: u64| json!({"sku": sku, "location": "FC-SEA1", change.0: change.1, "sequence": sequence});
    // FEED-A's count #5 is in already, straight from the queue.
    let counted = json!({"seller_id": "seller-a", "sku": "FEED-A", "location": "FC-SEA1", "quantity": 10, "sequence": 5});
    let message = json!({"messageId": "m0", "body": counted.to_string(), "attributes": {}, "messageAttributes": {}});
    let response = app
        .invoke("ApplyStockUpdatesFunction", json!({"Records": [message]}))
        .await;
    assert_eq!(response["batchItemFailures"], json!([]));
    let batch = json!({"lines": [
        line("FEED-A", ("quantity", 4), 1),   // numbered below the count in: stale
        line("FEED-B", ("delta", 3), 1),
        line("FEED-B", ("delta", -5), 2),     // below zero on hand, in either order: fails, with the reason
        line("FEED-A", ("delta", 2), 6),
    ]});
    let accepted = app.send(submit(As::Seller("seller-a"), &batch)).await;
    assert_eq!(accepted.status, 202, "{}", accepted.body);
    assert_eq!(accepted.body["lines"], 4);
    let id = accepted.body["batch_id"].as_str().unwrap().to_owned();
    assert_eq!(
        accepted.header("location"),
        format!("/api/v1/seller/inventory/batches/{id}")
    );

    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(60);
    let report = loop {
        let report = app.send(batch_status("seller-a", &id)).await;
        assert_eq!(report.status, 200, "{}", report.body);
        if report.body["pending"] == 0 {
            break report.body;
        }
        assert!(
            std::time::Instant::now() < deadline,
            "still pending: {}",
            report.body
        );
        tokio::time::sleep(std::time::Duration::from_millis(250)).await;
    };
    assert_eq!(
        (
            report["applied"].clone(),
            report["stale"].clone(),
            report["failed"].clone()
        ),
        (json!(2), json!(1), json!(1))
    );
    assert_eq!(
        report["errors"],
        json!([{"line": 2, "error": "units on hand would fall below zero"}])
    );
    let availability = |page: &Answer| page.body["buy_box"]["availability"].clone();
    assert_eq!(
        availability(&app.send(get(&lamp)).await),
        json!({"status": "in_stock"})
    );
    assert_eq!(
        availability(&app.send(get(&desk)).await),
        json!({"status": "only_left", "quantity": 3})
    );

    // Another seller's batch is as unknown as none; a malformed id is a 400.
    app.send(batch_status("seller-b", &id))
        .await
        .assert_problem(404);
    app.send(batch_status("seller-a", "not-a-batch"))
        .await
        .assert_invalid("id");
}

#[tokio::test]
async fn a_stock_batch_with_a_bad_line_is_refused_whole() {
    let app = TestApp::spawn().await;
    create(&app, "seller-a", &listing("OWN-1", "Lamp", "lamps")).await;
    create(&app, "seller-b", &listing("THEIRS-1", "Desk", "desks")).await;
    let before = app.item_count().await;
    let good = json!({"sku": "OWN-1", "location": "FC-SEA1", "quantity": 1, "sequence": 1});
    let cases = [
        (
            json!({"lines": [good, {"sku": "THEIRS-1", "location": "FC-SEA1", "quantity": 1, "sequence": 1}]}),
            422,
            "lines[1].sku",
        ),
        (
            json!({"lines": [good, {"sku": "NOPE-1", "location": "FC-SEA1", "quantity": 1, "sequence": 1}]}),
            422,
            "lines[1].sku",
        ),
        (
            json!({"lines": [{"sku": "OWN-1", "location": "FC-SEA1", "quantity": 1, "delta": 2, "sequence": 1}]}),
            422,
            "lines[0]",
        ),
        (
            json!({"lines": [{"sku": "OWN-1", "location": "FC-SEA1", "sequence": 1}]}),
            422,
            "lines[0]",
        ),
        (
            json!({"lines": [{"sku": "OWN-1", "location": "FC-SEA1", "delta": 2_000_000, "sequence": 1}]}),
            400,
            "lines[0].delta",
        ),
        (
            json!({"lines": [{"sku": "OWN-1", "location": "no spaces", "quantity": 1, "sequence": 1}]}),
            400,
            "lines[0].location",
        ),
        (json!({"lines": []}), 400, "lines"),
        (json!({"lines": [good], "extra": 1}), 400, "extra"),
    ];
    for (body, status, field) in cases {
        let answer = app.send(submit(As::Seller("seller-a"), &body)).await;
        answer.assert_field_refused(status, field);
    }
    app.send(submit(As::Anonymous, &json!({"lines": [good]})))
        .await
        .assert_problem(401);
    app.send(submit(
        As::Customer("customer-1"),
        &json!({"lines": [good]}),
    ))
    .await
    .assert_problem(403);
    assert_eq!(app.item_count().await, before, "the catalog is as it was");
    let queued = aws_sdk_sqs::Client::new(&app.sdk)
        .receive_message()
        .queue_url(app.reference("InventoryUpdatesQueue"))
        .wait_time_seconds(1)
        .send()
        .await
        .unwrap();
    assert!(
        queued.messages().is_empty(),
        "nothing was queued: {queued:?}"
    );
}

/// The JSON block under "A listing:" in the README, exactly as printed.
fn readme_listing() -> Value {
    let readme = std::fs::read_to_string(crate::helpers::repo_root().join("README.md")).unwrap();
    let after = readme
        .split_once("A listing:")
        .expect("the README shows a listing")
        .1;
    let block = after
        .split_once("```json\n")
        .and_then(|(_, rest)| rest.split_once("```"))
        .expect("a json block follows")
        .0;
    serde_json::from_str(block).expect("the README's listing is JSON")
}

#[tokio::test]
async fn the_readme_listing_works_as_printed_and_reads_back_everywhere() {
    let app = TestApp::spawn().await;
    let body = readme_listing();
    let created = app.send(list("seller-01", &body)).await;
    assert_eq!(created.status, 201, "{}", created.body);
    let id = created.body["product"]["id"].as_str().unwrap().to_owned();
    assert_eq!(created.body["product"]["identifiers"], body["identifiers"]);

    let page = app.send(get(&id)).await;
    assert_eq!(page.status, 200, "{}", page.body);
    assert_eq!(
        page.body["product"]["identifiers"],
        json!({"upc": "036000291452"})
    );
    let category = app.send(browse("televisions", "")).await;
    assert_eq!(category.status, 200, "{}", category.body);
    assert_eq!(category.body["items"][0]["id"], id.as_str());

    let retried = app.send(list("seller-01", &body)).await;
    assert_eq!(retried.status, 200, "a retried listing: {}", retried.body);
    assert_eq!(retried.body["product"]["id"], id.as_str());
    assert_eq!(retried.body["product_created"], false);
}

#[tokio::test]
async fn every_identifier_form_reads_back_as_sent_and_matches_its_other_forms() {
    let app = TestApp::spawn().await;
    // The same numbers in another form, which a second seller lists.
    let forms = [
        (
            json!({"upc": "036000291452"}),
            json!({"gtin": "00036000291452"}),
        ),
        (
            json!({"ean": "4006381333931"}),
            json!({"gtin": "4006381333931"}),
        ),
        (
            json!({"ean": "96385074"}),
            json!({"gtin": "00000096385074"}),
        ),
        (
            json!({"gtin": "012345678905"}),
            json!({"upc": "012345678905"}),
        ),
    ];
    for (n, (sent, other)) in forms.into_iter().enumerate() {
        let body = with(
            listing(&format!("ID-{n}"), "Thing", "ids"),
            "/identifiers",
            sent.clone(),
        );
        let id = create(&app, "seller-a", &body).await;
        let page = app.send(get(&id)).await;
        assert_eq!(page.status, 200, "{sent}: {}", page.body);
        assert_eq!(page.body["product"]["identifiers"], sent);

        let body = with(
            listing(&format!("ID-B{n}"), "Thing", "ids"),
            "/identifiers",
            other,
        );
        let joined = app.send(list("seller-b", &body)).await;
        assert_eq!(joined.status, 201, "{sent}: {}", joined.body);
        assert_eq!(joined.body["product_created"], false, "{sent}");
        assert_eq!(joined.body["product"]["id"], id.as_str());
    }
    let category = app.send(browse("ids", "")).await;
    assert_eq!(category.status, 200, "{}", category.body);
    assert_eq!(category.body["items"].as_array().unwrap().len(), 4);
}

#[tokio::test]
async fn an_item_that_no_longer_decodes_is_skipped_not_a_broken_page() {
    let app = TestApp::spawn().await;
    let mut ids = Vec::new();
    for n in 0..4 {
        let body = listing(&format!("OK-{n}"), &format!("Fan {n}"), "fans");
        ids.push(create(&app, "seller-a", &body).await);
    }
    // A product item in the category and an offer item beside a product, both unreadable.
    let bad_id = ulid::Ulid::new().to_string();
    let raw = |pairs: &[(&str, &str)]| {
        pairs
            .iter()
            .map(|(k, v)| (k.to_string(), AttributeValue::S(v.to_string())))
            .collect::<std::collections::HashMap<_, _>>()
    };
    use aws_sdk_dynamodb::types::AttributeValue;
    for item in [
        raw(&[
            ("pk", &format!("PRODUCT#{bad_id}")),
            ("sk", "PRODUCT"),
            ("id", &bad_id),
            ("category", "fans"),
        ]),
        raw(&[
            ("pk", &format!("PRODUCT#{}", ids[0])),
            ("sk", "OFFER#BROKEN"),
            ("seller", "seller-z"),
        ]),
    ] {
        app.dynamodb()
            .put_item()
            .table_name(&app.table)
            .set_item(Some(item))
            .send()
            .await
            .unwrap();
    }

    let mut seen = Vec::new();
    let mut cursor = String::new();
    loop {
        let page = app.send(browse("fans", &format!("?limit=2{cursor}"))).await;
        assert_eq!(page.status, 200, "{}", page.body);
        for item in page.body["items"].as_array().unwrap() {
            seen.push(item["id"].as_str().unwrap().to_owned());
        }
        match page.body["next_cursor"].as_str() {
            Some(next) => cursor = format!("&cursor={next}"),
            None => break,
        }
    }
    assert_eq!(seen, ids, "every readable product once, in order");
    app.stock("OK-0", 1).await;
    let page = app.send(get(&ids[0])).await;
    assert_eq!(page.status, 200, "{}", page.body);
    assert_eq!(page.body["buy_box"]["sku"], "OK-0");
    assert_eq!(page.body["other_offers"], json!([]));
}

#[tokio::test]
async fn concurrent_puts_of_one_new_sku_answer_the_state_they_leave_never_500() {
    let app = TestApp::spawn().await;
    let id = create(&app, "seller-a", &listing("BASE", "Heater", "heaters")).await;
    let terms = |price: u64| {
        json!({"product_id": id, "price": {"amount": price, "currency": "USD"}, "condition": "new",
               "fulfillment": "merchant", "handling_days": 2})
    };
    let race = |sku: &'static str, prices: Vec<u64>| {
        let app = &app;
        let terms = &terms;
        futures::future::join_all(prices.into_iter().map(move |price| async move {
            (
                price,
                app.send(put_offer("seller-b", sku, &terms(price))).await,
            )
        }))
    };

    // The same request 30 times at once: one creates, every other answers the stored offer.
    let answers = race("HOT-1", vec![1_999; 30]).await;
    let statuses: Vec<u16> = answers.iter().map(|(_, a)| a.status).collect();
    assert!(
        statuses.iter().all(|s| [200, 201].contains(s)),
        "{statuses:?}"
    );
    assert_eq!(
        statuses.iter().filter(|s| **s == 201).count(),
        1,
        "{statuses:?}"
    );
    for (_, answer) in &answers {
        assert_eq!(answer.body["price"]["amount"], 1_999, "{}", answer.body);
    }

    // Different terms at once: each is applied, or refused as a conflict; none is a 500.
    let answers = race("HOT-2", (1..=30).map(|n| 1_000 + n).collect()).await;
    let mut applied = Vec::new();
    for (price, answer) in &answers {
        match answer.status {
            200 | 201 => applied.push(*price),
            409 => answer.assert_problem(409),
            other => panic!("{other}: {}", answer.body),
        }
    }
    let page = app.send(get(&id)).await;
    assert_eq!(page.status, 200, "{}", page.body);
    let stored = page.body["other_offers"]
        .as_array()
        .unwrap()
        .iter()
        .chain([&page.body["buy_box"]])
        .find(|o| o["sku"] == "HOT-2")
        .unwrap_or_else(|| panic!("no HOT-2 offer on {}", page.body))["price"]["amount"]
        .as_u64()
        .unwrap();
    assert!(
        applied.contains(&stored),
        "{stored} was answered to no one: {applied:?}"
    );
}

#[tokio::test]
async fn if_match_star_matches_any_version_and_images_must_have_been_uploaded() {
    let app = TestApp::spawn().await;
    let id = create(&app, "seller-a", &listing("IM-1", "Mixer", "mixers")).await;
    let any = app
        .send(patch(
            "seller-a",
            &id,
            Some("*"),
            &json!({"title": "Mixer 2"}),
        ))
        .await;
    assert_eq!(any.status, 200, "{}", any.body);
    let listed = app
        .send(patch(
            "seller-a",
            &id,
            Some("\"1\", \"2\""),
            &json!({"title": "Mixer 3"}),
        ))
        .await;
    assert_eq!(listed.status, 200, "{}", listed.body);
    assert_eq!(listed.header("etag"), "\"3\"");
    app.send(patch(
        "seller-a",
        &id,
        Some("W/\"3\""),
        &json!({"title": "x"}),
    ))
    .await
    .assert_invalid("If-Match");
    app.send(patch(
        "seller-a",
        &id,
        Some("\"2\""),
        &json!({"title": "x"}),
    ))
    .await
    .assert_problem(412);

    let never_uploaded = format!("products/{id}/images/01JD6ZQ3V8E4K2M9N7P5R3T1W0.png");
    app.send(patch(
        "seller-a",
        &id,
        Some("*"),
        &json!({"images": [never_uploaded]}),
    ))
    .await
    .assert_unprocessable("images[0]");
    assert_eq!(app.send(get(&id)).await.body["product"]["version"], 3);
}
