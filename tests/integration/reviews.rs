//! Reviews and seller ratings on the local stack: reviews through their routes, the rating
//! through the reviews table's stream and its consumer, verified purchases through the
//! order-events topic's `OrderDelivered`, and a seller's rating through a real delivered order.

use crate::cart::add;
use crate::catalog::{create, get, listing};
use crate::checkout::{assert_started, checkout, finished, get_order};
use crate::helpers::{As, Call, TestApp, eventually, put_presigned};
use serde_json::{Value, json};
use shared::reviews::ReviewsStore;

fn post_review(shopper: &str, product: &str, body: &Value) -> Call {
    let path = format!("/api/v1/products/{product}/reviews");
    Call::new("POST", "/api/v1/products/{id}/reviews", &path)
        .by(As::Customer(shopper))
        .json(body)
}

fn review(stars: u8, title: &str, text: &str) -> Value {
    json!({"stars": stars, "title": title, "text": text})
}

fn list_reviews(product: &str, query: &str) -> Call {
    let path = format!("/api/v1/products/{product}/reviews{query}");
    Call::new("GET", "/api/v1/products/{id}/reviews", &path)
}

fn delete_review(shopper: &str, id: &str) -> Call {
    let path = format!("/api/v1/reviews/{id}");
    Call::new("DELETE", "/api/v1/reviews/{id}", &path).by(As::Customer(shopper))
}

fn helpful(shopper: &str, id: &str) -> Call {
    let path = format!("/api/v1/reviews/{id}/helpful");
    Call::new("POST", "/api/v1/reviews/{id}/helpful", &path).by(As::Customer(shopper))
}

fn held(caller: As) -> Call {
    Call::new(
        "GET",
        "/api/v1/admin/reviews",
        "/api/v1/admin/reviews?status=held",
    )
    .by(caller)
}

fn decide(caller: As, id: &str, decision: &str) -> Call {
    let path = format!("/api/v1/admin/reviews/{id}/decision");
    Call::new("POST", "/api/v1/admin/reviews/{id}/decision", &path)
        .by(caller)
        .json(&json!({"decision": decision}))
}

fn rate_seller(shopper: &str, order: &str, body: &Value) -> Call {
    let path = format!("/api/v1/orders/{order}/seller-feedback");
    Call::new("POST", "/api/v1/orders/{id}/seller-feedback", &path)
        .by(As::Customer(shopper))
        .json(body)
}

fn reviews(app: &TestApp) -> ReviewsStore {
    ReviewsStore::new(app.dynamodb(), app.reference("ReviewsTable"))
}

/// The review ids a listing shows, in order.
async fn shown(app: &TestApp, product: &str, query: &str) -> Vec<String> {
    let listed = app.send(list_reviews(product, query)).await;
    assert_eq!(listed.status, 200, "{}", listed.body);
    listed.body["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| r["review_id"].as_str().unwrap().to_owned())
        .collect()
}

/// The product page's rating once it has counted `count` reviews as `histogram`.
async fn rated(app: &TestApp, product: &str, count: u32, histogram: Value) -> Value {
    eventually(60, "the product's rating", || async {
        let page = app.send(get(product)).await;
        let rating = &page.body["rating"];
        (rating["count"] == count && rating["histogram"] == histogram).then(|| rating.clone())
    })
    .await
}

/// The stream record DynamoDB would send for the review as it is stored now.
async fn stream_record(app: &TestApp, product: &str, customer: &str) -> Value {
    let item = app
        .dynamodb()
        .get_item()
        .table_name(app.reference("ReviewsTable"))
        .key(
            "pk",
            aws_sdk_dynamodb::types::AttributeValue::S(format!("PRODUCT#{product}")),
        )
        .key(
            "sk",
            aws_sdk_dynamodb::types::AttributeValue::S(format!("REVIEW#{customer}")),
        )
        .send()
        .await
        .unwrap()
        .item
        .unwrap();
    let image: serde_dynamo::Item = item.into();
    json!({"Records": [{
        "eventID": "replay", "eventName": "MODIFY", "eventVersion": "1.1",
        "eventSource": "aws:dynamodb", "awsRegion": "us-east-1",
        "eventSourceARN": "arn:aws:dynamodb:us-east-1:123456789012:table/ReviewsTable/stream/1",
        "dynamodb": {"ApproximateCreationDateTime": 1763770000, "SequenceNumber": "1",
                     "SizeBytes": 256, "StreamViewType": "NEW_IMAGE",
                     "Keys": {}, "NewImage": serde_json::to_value(&image).unwrap()},
    }]})
}

#[tokio::test]
async fn a_review_counts_into_the_rating_once_per_change_and_a_delivered_product_is_a_verified_purchase()
 {
    let app = TestApp::spawn().await;
    let built = app.invoke("ReindexProductsFunction", json!({})).await;
    assert_eq!(built["indexed"], 0, "{built}");
    app.start_event_sources();
    let product = create(
        &app,
        "seller-a",
        &listing("REV-1", "Boilo Kettle", "kettles"),
    )
    .await;
    app.publish_order_event(&json!({
        "event_id": "01KAN0000000000000000000D1#OrderDelivered", "event_type": "OrderDelivered",
        "order_id": "01KAN0000000000000000000D1", "customer_id": "ada", "status": "delivered",
        "at": "2026-12-01T10:00:00Z",
        // The product from two sellers: two lines, one product.
        "lines": [{"product_id": product, "sku": "REV-1", "quantity": 1},
                  {"product_id": product, "sku": "REV-1-B", "quantity": 2}],
    }))
    .await;
    let id = product.parse().unwrap();
    eventually(30, "ada's delivery noted", || async {
        reviews(&app)
            .has_bought("ada", id)
            .await
            .unwrap()
            .then_some(())
    })
    .await;

    let ada = app
        .send(post_review(
            "ada",
            &product,
            &review(5, "Boils fast", "Quiet.\n\nSturdy lid."),
        ))
        .await;
    assert_eq!(ada.status, 201, "{}", ada.body);
    assert_eq!(ada.body["verified_purchase"], true, "{}", ada.body);
    assert_eq!(ada.body["status"], "published");
    let bob = app
        .send(post_review(
            "bob",
            &product,
            &review(3, "Fine", "Does the job."),
        ))
        .await;
    assert_eq!(bob.status, 201, "{}", bob.body);
    assert_eq!(
        bob.body["verified_purchase"], false,
        "bob never had it delivered"
    );
    rated(
        &app,
        &product,
        2,
        json!({"1": 0, "2": 0, "3": 1, "4": 0, "5": 1}),
    )
    .await;

    // Ada edits hers: one review still, its id and its place kept, moved from 5 stars to 2.
    let edited = app
        .send(post_review(
            "ada",
            &product,
            &review(2, "Rusted", "Rusted in a month."),
        ))
        .await;
    assert_eq!(edited.status, 200, "{}", edited.body);
    assert_eq!(edited.body["review_id"], ada.body["review_id"]);
    assert_eq!(edited.body["version"], 2);
    let rating = rated(
        &app,
        &product,
        2,
        json!({"1": 0, "2": 1, "3": 1, "4": 0, "5": 0}),
    )
    .await;
    assert_eq!(rating["average"], 2.5);

    // The stream delivers the edit's record again: nothing moves.
    let replay = stream_record(&app, &product, "ada").await;
    for _ in 0..2 {
        let answer = app.invoke("CountRatingsFunction", replay.clone()).await;
        assert_eq!(answer["batchItemFailures"], json!([]), "{answer}");
    }
    let counted = reviews(&app).rating(id).await.unwrap();
    assert_eq!((counted.count, counted.changes), (2, 3), "{counted:?}");
    assert_eq!(app.send(get(&product)).await.body["rating"], rating);

    // Shoppers see both, without who wrote them; filters pick by stars and verified purchase.
    let listed = app.send(list_reviews(&product, "?sort=recent")).await;
    assert_eq!(
        listed.body["items"].as_array().unwrap().len(),
        2,
        "{}",
        listed.body
    );
    assert!(listed.body["items"][0].get("customer_id").is_none());
    let (ada_id, bob_id) = (
        ada.body["review_id"].as_str().unwrap(),
        bob.body["review_id"].as_str().unwrap(),
    );
    assert_eq!(
        shown(&app, &product, "?sort=recent").await,
        [ada_id, bob_id]
    );
    assert_eq!(shown(&app, &product, "?verified_only=true").await, [ada_id]);
    assert_eq!(shown(&app, &product, "?stars=3").await, [bob_id]);
    assert_eq!(
        shown(&app, &product, "?sort=rating&stars=2").await,
        [ada_id]
    );
    assert_eq!(
        shown(&app, &product, "?sort=rating").await,
        [bob_id, ada_id]
    );
    let first = app
        .send(list_reviews(&product, "?sort=recent&limit=1"))
        .await;
    let cursor = first.body["next_cursor"].as_str().unwrap();
    assert_eq!(
        shown(
            &app,
            &product,
            &format!("?sort=recent&limit=1&cursor={cursor}")
        )
        .await,
        [bob_id]
    );

    // The search index has the rating: 2.5 stars is found from 2 up, not from 3.
    eventually(60, "the rating in the search index", || async {
        let search = |min: u8| {
            let path = format!("/api/v1/products/search?q=kettle&rating_min={min}");
            Call::new("GET", "/api/v1/products/search", &path)
        };
        let from_2 = app.send(search(2)).await.body["total"] == 1;
        let from_3 = app.send(search(3)).await.body["total"] == 0;
        (from_2 && from_3).then_some(())
    })
    .await;

    // Bob takes his down (twice: a replay); only its author may.
    assert_eq!(app.send(delete_review("ada", bob_id)).await.status, 403);
    assert_eq!(app.send(delete_review("bob", bob_id)).await.status, 204);
    assert_eq!(app.send(delete_review("bob", bob_id)).await.status, 204);
    rated(
        &app,
        &product,
        1,
        json!({"1": 0, "2": 1, "3": 0, "4": 0, "5": 0}),
    )
    .await;
    assert_eq!(shown(&app, &product, "").await, [ada_id]);
}

#[tokio::test]
async fn a_held_review_waits_for_an_admin_and_counts_once_approved() {
    let app = TestApp::spawn().await;
    app.start_event_sources();
    let product = create(
        &app,
        "seller-a",
        &listing("REV-2", "Boilo Toaster", "toasters"),
    )
    .await;
    let spam = review(
        5,
        "Great",
        "Cheaper at https://deals.example.com, or mail me: a@b.co",
    );
    let posted = app.send(post_review("cy", &product, &spam)).await;
    assert_eq!(posted.status, 201, "{}", posted.body);
    assert_eq!(posted.body["status"], "held");
    assert_eq!(posted.body["held_for"], json!(["link", "contact_details"]));
    let id = posted.body["review_id"].as_str().unwrap();
    assert_eq!(shown(&app, &product, "").await, Vec::<String>::new());

    // Only admins see the queue and decide.
    app.send(held(As::Customer("cy"))).await.assert_problem(403);
    let queue = app.send(held(As::Admin("admin-1"))).await;
    assert_eq!(queue.status, 200, "{}", queue.body);
    assert_eq!(queue.body["items"][0]["review_id"], id, "{}", queue.body);
    assert_eq!(queue.body["items"][0]["customer_id"], "cy");
    app.send(decide(As::Customer("cy"), id, "approve"))
        .await
        .assert_problem(403);
    let approved = app.send(decide(As::Admin("admin-1"), id, "approve")).await;
    assert_eq!(approved.status, 200, "{}", approved.body);
    assert_eq!(approved.body["status"], "published");
    let again = app.send(decide(As::Admin("admin-1"), id, "approve")).await;
    assert_eq!(
        (again.status, &again.body["version"]),
        (200, &approved.body["version"])
    );
    app.send(decide(As::Admin("admin-1"), id, "reject"))
        .await
        .assert_problem(409);
    assert_eq!(shown(&app, &product, "").await, [id]);
    rated(
        &app,
        &product,
        1,
        json!({"1": 0, "2": 0, "3": 0, "4": 0, "5": 1}),
    )
    .await;
    assert_eq!(
        app.send(held(As::Admin("admin-1"))).await.body["items"],
        json!([])
    );

    // Banned words are held too, and a sixth review within the hour, whatever it says.
    let rude = app
        .send(post_review("dee", &product, &review(1, "Shit", "Broke.")))
        .await;
    assert_eq!(
        rude.body["held_for"],
        json!(["banned_words"]),
        "{}",
        rude.body
    );
    // The count is per clock hour: the six posts start well inside one.
    let now = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap();
    let left = 3600 - now.as_secs() % 3600;
    if left < 30 {
        tokio::time::sleep(std::time::Duration::from_secs(left + 1)).await;
    }
    for n in 1..=5 {
        let fine = app
            .send(post_review(
                "eve",
                &product,
                &review(4, "Good", &format!("Take {n}.")),
            ))
            .await;
        assert_eq!(fine.body["status"], "published", "{}", fine.body);
    }
    let sixth = app
        .send(post_review("eve", &product, &review(4, "Good", "Take 6.")))
        .await;
    assert_eq!(
        sixth.body["held_for"],
        json!(["posting_too_often"]),
        "{}",
        sixth.body
    );
}

#[tokio::test]
async fn a_shopper_finds_a_review_helpful_once_and_never_their_own() {
    let app = TestApp::spawn().await;
    let product = create(
        &app,
        "seller-a",
        &listing("REV-3", "Boilo Blender", "blenders"),
    )
    .await;
    let first = app
        .send(post_review("fay", &product, &review(4, "Good", "Smooth.")))
        .await;
    let second = app
        .send(post_review(
            "gus",
            &product,
            &review(2, "Loud", "Very loud."),
        ))
        .await;
    let (first, second) = (
        first.body["review_id"].as_str().unwrap(),
        second.body["review_id"].as_str().unwrap(),
    );
    let voted = app.send(helpful("hal", second)).await;
    assert_eq!(
        (voted.status, &voted.body["helpful_votes"]),
        (201, &json!(1))
    );
    let again = app.send(helpful("hal", second)).await;
    assert_eq!(
        (again.status, &again.body["helpful_votes"]),
        (200, &json!(1))
    );
    app.send(helpful("gus", second)).await.assert_problem(403);
    app.send(helpful("hal", "01KAN0000000000000000000R9"))
        .await
        .assert_problem(404);

    // Ten shoppers at once: ten votes, none lost.
    let votes = (0..10).map(|n| {
        let voter = format!("voter-{n}");
        let app = &app;
        async move { app.send(helpful(&voter, first)).await.status }
    });
    let statuses = futures::future::join_all(votes).await;
    assert!(statuses.iter().all(|s| *s == 201), "{statuses:?}");
    assert_eq!(
        shown(&app, &product, "?sort=helpful").await,
        [first, second]
    );
    let listed = app.send(list_reviews(&product, "")).await;
    assert_eq!(listed.body["items"][0]["helpful_votes"], 10);
    // An edit keeps the votes.
    let edited = app
        .send(post_review(
            "fay",
            &product,
            &review(5, "Great", "Smooth and quiet."),
        ))
        .await;
    assert_eq!(edited.body["helpful_votes"], 10, "{}", edited.body);
    assert_eq!(
        app.send(list_reviews(&product, "")).await.body["items"][0]["helpful_votes"],
        10
    );
}

#[tokio::test]
async fn a_review_shows_only_photos_its_author_uploaded_for_the_product() {
    let app = TestApp::spawn().await;
    let product = create(
        &app,
        "seller-a",
        &listing("REV-5", "Boilo Press", "presses"),
    )
    .await;
    let photo = |shopper: &str, body: Value| {
        let path = format!("/api/v1/products/{product}/reviews/photos");
        Call::new("POST", "/api/v1/products/{id}/reviews/photos", &path)
            .by(As::Customer(shopper))
            .json(&body)
    };
    app.send(photo(
        "lu",
        json!({"content_type": "image/gif", "content_length": 10}),
    ))
    .await
    .assert_invalid("content_type");
    app.send(photo(
        "lu",
        json!({"content_type": "image/png", "content_length": 20_000_000}),
    ))
    .await
    .assert_invalid("content_length");
    let upload = app
        .send(photo(
            "lu",
            json!({"content_type": "image/png", "content_length": 4}),
        ))
        .await;
    assert_eq!(upload.status, 201, "{}", upload.body);
    let key = upload.body["key"].as_str().unwrap().to_owned();
    assert!(key.starts_with(&format!("reviews/{product}/")), "{key}");
    assert!(
        !key.contains("lu"),
        "shoppers see the key, not who uploaded it: {key}"
    );

    // Named before it is uploaded: refused; once uploaded: shown.
    let with_photo = json!({"stars": 5, "title": "Crisp", "text": "Good press.", "photos": [key]});
    app.send(post_review("lu", &product, &with_photo))
        .await
        .assert_unprocessable("photos[0]");
    put_presigned(&upload.body, vec![0x89, b'P', b'N', b'G']).await;
    let posted = app.send(post_review("lu", &product, &with_photo)).await;
    assert_eq!(posted.status, 201, "{}", posted.body);
    let listed = app.send(list_reviews(&product, "")).await;
    assert_eq!(listed.body["items"][0]["photos"], json!([key]));
    // Another shopper cannot show lu's photo as theirs.
    app.send(post_review("mo", &product, &with_photo))
        .await
        .assert_unprocessable("photos[0]");
}

#[tokio::test]
async fn bad_reviews_are_refused_with_the_field_and_the_rule() {
    let app = TestApp::spawn().await;
    let product = create(&app, "seller-a", &listing("REV-4", "Boilo Mixer", "mixers")).await;
    let post = |body: Value| post_review("ivy", &product, &body);
    for (body, field) in [
        (json!({"stars": 0, "title": "t", "text": "x"}), "stars"),
        (json!({"stars": 4.5, "title": "t", "text": "x"}), "stars"),
        (json!({"stars": 4, "title": " ", "text": "x"}), "title"),
        (
            json!({"stars": 4, "title": "t", "text": "x".repeat(5001)}),
            "text",
        ),
        (
            json!({"stars": 4, "title": "t", "text": "x", "verified_purchase": true}),
            "verified_purchase",
        ),
    ] {
        app.send(post(body)).await.assert_invalid(field);
    }
    let not_mine = json!({"stars": 4, "title": "t", "text": "x",
                          "photos": [format!("reviews/{product}/someone-else/a.jpg")]});
    app.send(post(not_mine))
        .await
        .assert_unprocessable("photos[0]");
    app.send(post_review(
        "ivy",
        "01KAN0000000000000000000P9",
        &review(4, "t", "x"),
    ))
    .await
    .assert_problem(404);
    let own =
        post_review("ivy", &product, &review(5, "Mine", "Best.")).by(As::Customer("seller-a"));
    app.send(own).await.assert_problem(403);
    for (query, field) in [
        ("?sort=best", "sort"),
        ("?stars=6", "stars"),
        ("?verified_only=maybe", "verified_only"),
    ] {
        app.send(list_reviews(&product, query))
            .await
            .assert_invalid(field);
    }
    app.send(list_reviews(&product, "?cursor=01KAN0000000000000000000R9"))
        .await
        .assert_unprocessable("cursor");
    assert_eq!(
        shown(&app, &product, "").await,
        Vec::<String>::new(),
        "nothing was written"
    );
}

#[tokio::test]
async fn a_shopper_rates_the_seller_who_delivered_and_the_buy_box_moves() {
    let app = TestApp::spawn().await;
    app.start_event_sources();
    // Two unrated sellers of one product: the cheaper wins the Buy Box.
    let mut good = listing("SELL-GOOD", "Boilo Grill", "grills");
    good["identifiers"] = json!({"gtin": "00036000291452"});
    good["offer"]["price"]["amount"] = json!(10_000);
    let product = create(&app, "seller-good", &good).await;
    let mut cheap = good.clone();
    cheap["sku"] = json!("SELL-CHEAP");
    cheap["offer"]["price"]["amount"] = json!(9_900);
    assert_eq!(create(&app, "seller-cheap", &cheap).await, product);
    app.stock("SELL-GOOD", 5).await;
    app.stock("SELL-CHEAP", 5).await;
    let winner = |page: Value| page["buy_box"]["seller_id"].as_str().unwrap().to_owned();
    assert_eq!(winner(app.send(get(&product)).await.body), "seller-cheap");

    // Jo buys from the winner; before delivery, neither feedback nor a verified review.
    assert_eq!(app.send(add("jo", "SELL-CHEAP", 1)).await.status, 200);
    let started = app
        .send(checkout("jo", "jo-grill", "tok_visa", 9_900))
        .await;
    assert_started(&started);
    let order = started.body["id"].as_str().unwrap().to_owned();
    assert_eq!(finished(&app, "jo", &order).await["status"], "confirmed");
    let feedback = json!({"seller_id": "seller-cheap", "stars": 1, "on_time": false,
                          "as_described": false, "comment": "Late and dented."});
    app.send(rate_seller("jo", &order, &feedback))
        .await
        .assert_unprocessable("order");
    eventually(120, "jo's order delivered", || async {
        let order = app.send(get_order("jo", &order)).await.body;
        (order["status"] == "delivered").then_some(())
    })
    .await;

    // Only jo rates, only a seller of the order, once.
    let stranger = rate_seller("kim", &order, &feedback);
    app.send(stranger).await.assert_problem(404);
    let other =
        json!({"seller_id": "seller-good", "stars": 5, "on_time": true, "as_described": true});
    app.send(rate_seller("jo", &order, &other))
        .await
        .assert_unprocessable("seller_id");
    let rated = app.send(rate_seller("jo", &order, &feedback)).await;
    assert_eq!(rated.status, 201, "{}", rated.body);
    assert_eq!(rated.body["rating"], json!({"tenths": 10, "count": 1}));
    let retried = app.send(rate_seller("jo", &order, &feedback)).await;
    assert_eq!(
        (retried.status, &retried.body["rating"]["count"]),
        (200, &json!(1))
    );
    let mut second_thoughts = feedback.clone();
    second_thoughts["stars"] = json!(3);
    app.send(rate_seller("jo", &order, &second_thoughts))
        .await
        .assert_problem(409);

    // A one-star seller pays 16% in the Buy Box; the unrated one 8%: 10,800 beats 11,484.
    let page = app.send(get(&product)).await.body;
    assert_eq!(winner(page.clone()), "seller-good", "{page}");
    assert_eq!(page["other_offers"][0]["seller_rating"]["tenths"], 10);

    // The delivery reached the reviews too: jo's review is a verified purchase.
    let id = product.parse().unwrap();
    eventually(30, "jo's delivery noted", || async {
        reviews(&app)
            .has_bought("jo", id)
            .await
            .unwrap()
            .then_some(())
    })
    .await;
    let verified = app
        .send(post_review(
            "jo",
            &product,
            &review(2, "Dented", "Arrived dented."),
        ))
        .await;
    assert_eq!(verified.status, 201, "{}", verified.body);
    assert_eq!(
        verified.body["verified_purchase"], true,
        "{}",
        verified.body
    );
}
