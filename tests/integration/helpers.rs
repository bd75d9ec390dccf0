//! The test harness: every test gets its own copy of template.yaml's resources in the local AWS
//! emulator (a unique name prefix), and calls handlers with the events API Gateway would send.

use aws_config::SdkConfig;
use lambda_http::{Body, Request, Response};
use rainforest_local::gateway::{self, EventParts, Route};
use rainforest_local::{Template, provision};
use serde_json::{Value, json};
use shared::catalog::{CatalogStore, Seller};
use std::collections::HashMap;
use std::path::{Path, PathBuf};

pub fn repo_root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .parent()
        .expect("tests/ sits in the repo")
        .to_path_buf()
}

/// SDK settings for the local stack, from the environment `infra/stack.py run` sets.
pub async fn sdk_config() -> SdkConfig {
    assert!(
        std::env::var("AWS_ENDPOINT_URL").is_ok(),
        "AWS_ENDPOINT_URL is not set: run the tests through the README's test command \
         (infra/test), or inside `python infra/stack.py run -- cargo test`"
    );
    shared::aws::sdk_config().await
}

/// The ARN of the topic whose name ends in `suffix`.
pub async fn topic_arn(sns: &aws_sdk_sns::Client, suffix: &str) -> String {
    let topics = sns
        .list_topics()
        .send()
        .await
        .unwrap()
        .topics
        .unwrap_or_default();
    topics
        .into_iter()
        .filter_map(|t| t.topic_arn)
        .find(|arn| arn.ends_with(suffix))
        .expect("the topic exists")
}

pub fn unique_prefix() -> String {
    format!("t{}", ulid::Ulid::new().to_string().to_lowercase())
}

pub struct TestApp {
    pub sdk: SdkConfig,
    pub store: CatalogStore,
    /// The catalog with its images bucket, as the image-aware functions use it.
    pub images: shared::catalog::CatalogImages,
    pub table: String,
    pub bucket: String,
}

impl TestApp {
    /// A fresh copy of every resource template.yaml declares, and the catalog functions'
    /// dependencies configured from their template environment.
    pub async fn spawn() -> Self {
        let sdk = sdk_config().await;
        let template =
            Template::load(&repo_root().join("template.yaml")).expect("template.yaml loads");
        let stack = provision(&sdk, &template, &unique_prefix())
            .await
            .expect("the template provisions");
        let env = |function: &str| -> HashMap<String, String> {
            let mut env: HashMap<_, _> = stack
                .function_environment(&template, function)
                .unwrap()
                .into_iter()
                .collect();
            env.insert("S3_FORCE_PATH_STYLE".into(), "true".into());
            env
        };
        let store = CatalogStore::from_source(&sdk, &env("CreateProductFunction")).unwrap();
        let images =
            shared::catalog::CatalogImages::from_source(&sdk, &env("UpdateProductFunction"))
                .unwrap();
        Self {
            table: env("CreateProductFunction")["CATALOG_TABLE"].clone(),
            bucket: images.config.bucket.clone(),
            store,
            images,
            sdk,
        }
    }

    pub fn dynamodb(&self) -> aws_sdk_dynamodb::Client {
        aws_sdk_dynamodb::Client::new(&self.sdk)
    }

    pub fn s3(&self) -> aws_sdk_s3::Client {
        shared::aws::s3(&self.sdk, true)
    }

    /// Every item in the catalog table: proves a refused request wrote nothing.
    pub async fn item_count(&self) -> i32 {
        self.dynamodb()
            .scan()
            .table_name(&self.table)
            .select(aws_sdk_dynamodb::types::Select::Count)
            .send()
            .await
            .unwrap()
            .count
    }

    /// Sends `call` to the function serving its route, as API Gateway would.
    pub async fn send(&self, call: Call) -> Answer {
        let request = call.request();
        let outcome = match call.route.path.as_str() {
            "/api/v1/seller/products" => create_product::handle(&self.store, request).await,
            "/api/v1/seller/products/{id}" => update_product::handle(&self.images, request).await,
            "/api/v1/seller/offers/{sku}" => put_offer::handle(&self.store, request).await,
            "/api/v1/products/{id}" => get_product::handle(&self.store, request).await,
            "/api/v1/categories/{id}/products" => {
                browse_category::handle(&self.store, request).await
            }
            "/api/v1/seller/products/{id}/images" => {
                create_image_upload::handle(&self.images, request).await
            }
            other => panic!("no function serves {other}"),
        };
        answer(outcome)
    }

    pub async fn put_seller(&self, id: &str, tenths: Option<u8>) {
        let seller: Seller = serde_json::from_value(json!({
            "id": id, "display_name": format!("Seller {id}"),
            "rating": tenths.map(|t| json!({"tenths": t, "count": 250})),
        }))
        .unwrap();
        self.store.put_seller(&seller).await.unwrap();
    }
}

/// Who is calling: the claims API Gateway's JWT authorizer would pass on.
#[derive(Clone, Copy)]
pub enum As<'a> {
    Anonymous,
    Seller(&'a str),
    Customer(&'a str),
}

/// A request as API Gateway would pass it on: built by the local gateway's own event builder.
pub struct Call {
    route: Route,
    method: String,
    path: String,
    query: String,
    headers: http::HeaderMap,
    body: Vec<u8>,
    claims: Option<serde_json::Map<String, Value>>,
}

impl Call {
    /// `method path`, served by the route whose template is `route`.
    pub fn new(method: &str, route: &str, path: &str) -> Self {
        let (path, query) = path.split_once('?').unwrap_or((path, ""));
        Self {
            route: Route {
                method: method.to_owned(),
                path: route.to_owned(),
                function: String::new(),
                authorized: true,
            },
            method: method.to_owned(),
            path: path.to_owned(),
            query: query.to_owned(),
            headers: http::HeaderMap::new(),
            body: Vec::new(),
            claims: None,
        }
    }

    pub fn by(mut self, caller: As) -> Self {
        let (id, groups) = match caller {
            As::Anonymous => return self,
            As::Seller(id) => (id, "[seller]"),
            As::Customer(id) => (id, "[customer]"),
        };
        self.claims = Some(
            json!({"sub": id, "cognito:groups": groups})
                .as_object()
                .unwrap()
                .clone(),
        );
        self
    }

    pub fn header(mut self, name: &'static str, value: &str) -> Self {
        self.headers.insert(name, value.parse().unwrap());
        self
    }

    pub fn json(self, body: &Value) -> Self {
        self.raw_body("application/json", &body.to_string())
    }

    pub fn raw_body(mut self, content_type: &str, body: &str) -> Self {
        self.body = body.as_bytes().to_vec();
        self.header("content-type", content_type)
    }

    pub fn request(&self) -> Request {
        let event = gateway::event(EventParts {
            route: &self.route,
            method: &self.method,
            path: &self.path,
            query: &self.query,
            path_parameters: self.route.path_parameters(&self.path).unwrap_or_default(),
            headers: &self.headers,
            body: &self.body,
            claims: self.claims.clone(),
            source_ip: "127.0.0.1".into(),
        });
        lambda_http::request::from_str(&event.to_string()).expect("a valid API Gateway event")
    }
}

/// A handler's response, read back.
pub struct Answer {
    pub status: u16,
    pub headers: http::HeaderMap,
    pub body: Value,
}

impl Answer {
    pub fn header(&self, name: &str) -> &str {
        self.headers
            .get(name)
            .and_then(|v| v.to_str().ok())
            .unwrap_or_default()
    }

    /// Asserts a 400 problem+json naming `field`: it broke a rule of its own shape.
    #[track_caller]
    pub fn assert_invalid(&self, field: &str) {
        self.assert_field_refused(400, field);
    }

    /// Asserts a 422 problem+json naming `field`: it broke a rule between fields or about
    /// stored data.
    #[track_caller]
    pub fn assert_unprocessable(&self, field: &str) {
        self.assert_field_refused(422, field);
    }

    #[track_caller]
    pub fn assert_field_refused(&self, status: u16, field: &str) {
        assert_eq!(
            self.status, status,
            "expected {status} for {field}, got {}: {}",
            self.status, self.body
        );
        assert_eq!(self.header("content-type"), "application/problem+json");
        assert_eq!(self.body["field"], field, "{}", self.body);
        assert!(
            self.body["rule"].as_str().is_some_and(|r| !r.is_empty()),
            "{}",
            self.body
        );
    }

    /// Asserts a problem+json with `status`.
    #[track_caller]
    pub fn assert_problem(&self, status: u16) {
        assert_eq!(self.status, status, "{}", self.body);
        assert_eq!(self.header("content-type"), "application/problem+json");
        assert_eq!(self.body["status"], status);
    }
}

/// Reads a handler's outcome as the Lambda runtime would send it: errors answered in the one
/// shared place.
pub fn answer(response: Result<Response<Body>, shared::api::ApiError>) -> Answer {
    let response = shared::api::respond(response);
    let body = match response.body() {
        Body::Empty => Value::Null,
        body => serde_json::from_slice(body.as_ref()).expect("every answer is JSON"),
    };
    Answer {
        status: response.status().as_u16(),
        headers: response.headers().clone(),
        body,
    }
}
