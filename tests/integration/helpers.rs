//! The test harness: every test gets its own copy of template.yaml's resources in the local AWS
//! emulator (a unique name prefix), and calls handlers with the events API Gateway would send.

use aws_config::SdkConfig;
use rainforest_local::auth::DevIssuer;
use rainforest_local::gateway::{self, EventParts, Gateway, Route};
use rainforest_local::mappings::{self, Tuning};
use rainforest_local::registry::{self, Functions};
use rainforest_local::{Template, provision};
use serde_json::{Value, json};
use shared::catalog::{CatalogStore, FeedbackTally, MonthTally, Seller, this_month};
use shared::inventory::InventoryStore;
use std::collections::HashMap;
use std::path::{Path, PathBuf};

pub fn repo_root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .parent()
        .expect("tests/ sits in the repo")
        .to_path_buf()
}

/// The shell blocks of the README between two markers, exactly as printed.
pub fn readme_shell_blocks(from: &str, to: &str) -> Vec<String> {
    let readme = std::fs::read_to_string(repo_root().join("README.md")).unwrap();
    let section = readme
        .split_once(from)
        .and_then(|(_, rest)| rest.split_once(to))
        .unwrap_or_else(|| panic!("the README has a section from {from} to {to}"))
        .0;
    let blocks: Vec<String> = section
        .split("```sh\n")
        .skip(1)
        .map(|block| block.split("```").next().unwrap().to_owned())
        .collect();
    assert!(!blocks.is_empty(), "no shell block from {from} to {to}");
    blocks
}

/// Runs a README script from the repo root as a newcomer would, with `env` set; fails the test
/// with the script's output unless it succeeds, and returns its stdout.
pub fn run_as_printed(script: &str, env: &[(&str, &std::ffi::OsStr)]) -> String {
    let run = std::process::Command::new("bash")
        .args(["-euo", "pipefail", "-c", script])
        .current_dir(repo_root())
        .envs(env.iter().copied())
        .output()
        .unwrap();
    let stdout = String::from_utf8_lossy(&run.stdout).into_owned();
    assert!(
        run.status.success(),
        "{script}\n{stdout}\n{}",
        String::from_utf8_lossy(&run.stderr)
    );
    stdout
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
    // Every test's topics are listed, a page of 100 at a time.
    let topics: Vec<_> = sns
        .list_topics()
        .into_paginator()
        .items()
        .send()
        .collect::<Result<_, _>>()
        .await
        .unwrap();
    topics
        .into_iter()
        .filter_map(|t| t.topic_arn)
        .find(|arn| arn.ends_with(suffix))
        .expect("the topic exists")
}

/// Polls `check` until it gives a value, for at most `seconds`.
pub async fn eventually<T, F, Fut>(seconds: u64, what: &str, mut check: F) -> T
where
    F: FnMut() -> Fut,
    Fut: std::future::Future<Output = Option<T>>,
{
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(seconds);
    loop {
        if let Some(value) = check().await {
            return value;
        }
        assert!(
            std::time::Instant::now() < deadline,
            "timed out waiting for {what}"
        );
        tokio::time::sleep(std::time::Duration::from_millis(300)).await;
    }
}

/// The bodies of the messages waiting on a queue (long-polled for a second).
pub async fn receive(sqs: &aws_sdk_sqs::Client, queue: &str) -> Vec<String> {
    let received = sqs
        .receive_message()
        .queue_url(queue)
        .max_number_of_messages(10)
        .wait_time_seconds(1)
        .send()
        .await
        .unwrap();
    received
        .messages
        .unwrap_or_default()
        .into_iter()
        .filter_map(|m| m.body)
        .collect()
}

/// PUTs `body` to a presigned upload (`{"url", "headers"}`) as a client would.
pub async fn put_presigned(upload: &Value, body: Vec<u8>) {
    let mut put = reqwest::Client::new()
        .put(upload["url"].as_str().unwrap())
        .body(body);
    for (name, value) in upload["headers"].as_object().unwrap() {
        put = put.header(name, value.as_str().unwrap());
    }
    let stored = put.send().await.unwrap();
    assert!(
        stored.status().is_success(),
        "{}",
        stored.text().await.unwrap()
    );
}

/// Sends `body` to the test's copy of `queue` and waits for its consumer to give up on it: it
/// must end in `dead_letters`, as sent.
pub async fn ends_in_dead_letters(app: &TestApp, queue: &str, dead_letters: &str, body: &str) {
    let sqs = aws_sdk_sqs::Client::new(&app.sdk);
    sqs.send_message()
        .queue_url(app.reference(queue))
        .message_body(body)
        .send()
        .await
        .unwrap();
    let dead_letters = app.reference(dead_letters);
    let dead = eventually(60, "the poison message in the DLQ", || async {
        receive(&sqs, &dead_letters).await.into_iter().next()
    })
    .await;
    assert_eq!(dead, body);
}

/// A new queue `name` subscribed to `topic` with raw delivery (and `filter`, a filter policy,
/// if given), as another team's subscriber would be: its URL.
pub async fn subscribed_queue(
    sdk: &SdkConfig,
    topic: &str,
    name: &str,
    filter: Option<&Value>,
) -> String {
    let sqs = aws_sdk_sqs::Client::new(sdk);
    let url = sqs
        .create_queue()
        .queue_name(name)
        .send()
        .await
        .unwrap()
        .queue_url
        .unwrap();
    let arn = sqs
        .get_queue_attributes()
        .queue_url(&url)
        .attribute_names(aws_sdk_sqs::types::QueueAttributeName::QueueArn)
        .send()
        .await
        .unwrap()
        .attributes
        .unwrap()[&aws_sdk_sqs::types::QueueAttributeName::QueueArn]
        .clone();
    let mut subscribe = aws_sdk_sns::Client::new(sdk)
        .subscribe()
        .topic_arn(topic)
        .protocol("sqs")
        .endpoint(arn)
        .attributes("RawMessageDelivery", "true");
    if let Some(filter) = filter {
        subscribe = subscribe.attributes("FilterPolicy", filter.to_string());
    }
    subscribe.send().await.unwrap();
    url
}

pub fn unique_prefix() -> String {
    format!("t{}", ulid::Ulid::new().to_string().to_lowercase())
}

pub struct TestApp {
    pub sdk: SdkConfig,
    /// Every function of the template, as the local system runs them (the registry).
    functions: Functions,
    routes: Vec<Route>,
    template: Template,
    stack: rainforest_local::Stack,
    pub store: CatalogStore,
    pub table: String,
    pub bucket: String,
    /// The local gateway once the event sources run: where faults are injected.
    gateway: std::sync::OnceLock<std::sync::Arc<Gateway>>,
}

impl TestApp {
    /// A fresh copy of every resource template.yaml declares, and the catalog functions'
    /// dependencies configured from their template environment.
    pub async fn spawn() -> Self {
        Self::spawn_with(&[]).await
    }

    /// As `spawn`, with template parameters set otherwise than the local system sets them.
    pub async fn spawn_with(parameters: &[(&str, &str)]) -> Self {
        // The functions' logs, shown with a failing test's output.
        let _ = tracing_subscriber::fmt().with_test_writer().try_init();
        let sdk = sdk_config().await;
        let template =
            Template::load(&repo_root().join("template.yaml")).expect("template.yaml loads");
        let mut stack = provision(&sdk, &template, &unique_prefix())
            .await
            .expect("the template provisions");
        for (name, value) in parameters {
            stack.override_parameter(name, value).unwrap();
        }
        let env = |function: &str| -> HashMap<String, String> {
            let mut env: HashMap<_, _> = stack
                .function_environment(&template, function)
                .unwrap()
                .into_iter()
                .collect();
            env.extend(registry::emulator_settings());
            env
        };
        let extra = HashMap::from(registry::emulator_settings());
        let functions =
            registry::load(&sdk, &template, &stack, &extra).expect("every function loads");
        let routes = gateway::routes(&template).expect("the template's routes");
        let store = CatalogStore::from_source(&sdk, &env("CreateProductFunction")).unwrap();
        let table = env("CreateProductFunction")["CATALOG_TABLE"].clone();
        let bucket = env("UpdateProductFunction")["IMAGES_BUCKET"].clone();
        Self {
            template,
            stack,
            table,
            bucket,
            store,
            functions,
            routes,
            sdk,
            gateway: std::sync::OnceLock::new(),
        }
    }

    /// What `!Ref` of a template resource is in this test's copy: a table's name, a queue's URL.
    pub fn reference(&self, logical_id: &str) -> String {
        self.stack.reference(logical_id).unwrap()
    }

    /// The inventory area's store on this test's inventory table.
    pub fn inventory(&self) -> InventoryStore {
        let table = self.reference("InventoryTable");
        InventoryStore::new(self.dynamodb(), table)
    }

    /// `units` of `sku` on hand at a test fulfillment center: what makes an offer buyable.
    pub async fn stock(&self, sku: &str, units: u32) {
        let (sku, location) = (sku.parse().unwrap(), "FC-TEST".parse().unwrap());
        let counted = self
            .inventory()
            .set_on_hand(&sku, &location, units)
            .await
            .unwrap();
        assert_eq!(counted, shared::inventory::Counted::Set);
    }

    /// Runs the template's queue and stream event sources against this test's resources, as
    /// `infra/up` does, until the test ends, and answers its state machines' Lambda tasks.
    pub fn start_event_sources(&self) {
        let extra = HashMap::from(registry::emulator_settings());
        let functions = registry::load(&self.sdk, &self.template, &self.stack, &extra).unwrap();
        let issuer = DevIssuer::generate().unwrap();
        let gateway = Gateway::new(functions, self.routes.clone(), &issuer, json!({})).unwrap();
        let tuning = Tuning {
            queue_retry_delay: Some(std::time::Duration::from_secs(1)),
            streams_from_latest: false,
        };
        let sources = mappings::mappings(&self.template, &self.stack).unwrap();
        let gateway = std::sync::Arc::new(gateway);
        step_functions::serve(gateway.clone());
        mappings::start(&self.sdk, gateway.clone(), sources, tuning);
        assert!(
            self.gateway.set(gateway).is_ok(),
            "event sources start once"
        );
    }

    /// Serves this test's routes over HTTP as `infra/up` does, authorizers included: the
    /// shopper authorizer fetches `issuer`'s keys from this gateway. Answers its base URL, and
    /// the gateway (to inject faults).
    pub async fn serve_http(&self, issuer: &DevIssuer) -> (String, std::sync::Arc<Gateway>) {
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let base = format!("http://{}", listener.local_addr().unwrap());
        let extra = registry::served_settings(&base);
        let functions = registry::load(&self.sdk, &self.template, &self.stack, &extra).unwrap();
        let gateway = Gateway::new(functions, self.routes.clone(), issuer, json!({})).unwrap();
        let gateway = std::sync::Arc::new(gateway);
        tokio::spawn(gateway.clone().serve(listener, std::future::pending()));
        (base, gateway)
    }

    /// The next `failures` invocations of the template's function `logical_id` fail with
    /// `error_type`; `after_run`: each runs first, as a process killed after its writes.
    pub fn fault(&self, logical_id: &str, failures: u32, error_type: &str, after_run: bool) {
        let gateway = self.gateway.get().expect("start_event_sources first");
        let body = json!({"function": self.reference(logical_id), "failures": failures,
                          "error_type": error_type, "after_run": after_run});
        let set = gateway.set_fault(body.to_string().as_bytes()).unwrap();
        assert_eq!(set.status(), 200);
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

    /// Sends `call` to the function serving its route, as API Gateway would (with the call's
    /// method even where the route has another, to reach a function's own 405).
    pub async fn send(&self, call: Call) -> Answer {
        let route = self
            .routes
            .iter()
            .filter(|route| route.path == call.route)
            // A path several functions serve goes by method; a method none serves goes to one of
            // them, to see it refused.
            .min_by_key(|route| route.method != call.method)
            .unwrap_or_else(|| panic!("no route {} in template.yaml", call.route));
        let response = self.invoke(&route.function, call.event(route)).await;
        Answer::from_api_gateway(&response)
    }

    /// Invokes a function of the template by logical id, as Lambda would; a function error
    /// fails the test.
    pub async fn invoke(&self, function: &str, event: Value) -> Value {
        let function = self
            .functions
            .get(function)
            .expect("a function of the template");
        function
            .invoke(event)
            .await
            .unwrap_or_else(|error| panic!("{} failed: {error:?}", function.binary))
    }

    /// Publishes `event` on the order-events topic as the orders area does, with its
    /// `event_type` attribute for the subscriptions' filter policies.
    pub async fn publish_order_event(&self, event: &Value) {
        let event_type = event["event_type"].as_str().unwrap();
        aws_sdk_sns::Client::new(&self.sdk)
            .publish()
            .topic_arn(self.reference("OrderEventsTopic"))
            .message(event.to_string())
            .message_attributes(
                "event_type",
                aws_sdk_sns::types::MessageAttributeValue::builder()
                    .data_type("String")
                    .string_value(event_type)
                    .build()
                    .unwrap(),
            )
            .send()
            .await
            .unwrap();
    }

    /// A seller, rated `tenths` of a star this month by 250 customers when rated.
    pub async fn put_seller(&self, id: &str, tenths: Option<u8>) {
        let seller: Seller =
            serde_json::from_value(json!({"id": id, "display_name": format!("Seller {id}")}))
                .unwrap();
        self.store.put_seller(&seller).await.unwrap();
        if let Some(tenths) = tenths {
            let count = 250;
            let tally = MonthTally {
                stars: u64::from(tenths) * 25,
                count,
                on_time: count,
                as_described: count,
            };
            let tally = FeedbackTally::of_month(&this_month(), tally);
            self.store
                .set_feedback_tally(&seller.id, tally)
                .await
                .unwrap();
        }
    }
}

/// Who is calling: the claims API Gateway's JWT authorizer would pass on.
#[derive(Clone, Copy)]
pub enum As<'a> {
    Anonymous,
    Seller(&'a str),
    Customer(&'a str),
    Admin(&'a str),
}

/// A request as API Gateway would pass it on: built by the local gateway's own event builder.
pub struct Call {
    /// The route's path template, such as `/api/v1/products/{id}`.
    route: String,
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
            route: route.to_owned(),
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
            As::Admin(id) => (id, "[admin]"),
        };
        self.claims = Some(
            json!({"sub": id, "cognito:groups": groups,
                   "email": format!("{id}@example.com"), "email_verified": "true"})
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

    /// The payload 2.0 event API Gateway sends for this call, built by the local gateway.
    fn event(&self, route: &Route) -> Value {
        gateway::event(EventParts {
            route,
            method: &self.method,
            path: &self.path,
            query: &self.query,
            path_parameters: route.path_parameters(&self.path).unwrap_or_default(),
            headers: &self.headers,
            body: &self.body,
            claims: self.claims.clone(),
            source_ip: "127.0.0.1".into(),
        })
    }
}

/// A handler's response, read back.
pub struct Answer {
    pub status: u16,
    pub headers: http::HeaderMap,
    pub body: Value,
}

impl Answer {
    /// Reads a function's payload 2.0 response, as API Gateway does.
    fn from_api_gateway(response: &Value) -> Self {
        let mut headers = http::HeaderMap::new();
        for (name, value) in response["headers"].as_object().into_iter().flatten() {
            let name: http::HeaderName = name.parse().unwrap();
            headers.insert(name, value.as_str().unwrap().parse().unwrap());
        }
        assert_ne!(
            response["isBase64Encoded"], true,
            "every answer is JSON text"
        );
        let body = match response["body"].as_str() {
            None | Some("") => Value::Null,
            Some(text) => serde_json::from_str(text).expect("every answer is JSON"),
        };
        Self {
            status: response["statusCode"].as_u64().unwrap() as u16,
            headers,
            body,
        }
    }

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

/// Lambda's Invoke API for the state machines of every test in this process: the emulator
/// sends each task to `RAINFOREST_LAMBDA_ENDPOINT` (set by `infra/stack.py run`), and the
/// function's name (unique to its test) says whose gateway answers, on that test's runtime.
mod step_functions {
    use http_body_util::BodyExt;
    use rainforest_local::gateway::{Gateway, HttpResponse};
    use std::sync::{Arc, Mutex, OnceLock};
    use tokio::runtime::Handle;

    static GATEWAYS: Mutex<Vec<(Handle, Arc<Gateway>)>> = Mutex::new(Vec::new());
    static LISTENING: OnceLock<()> = OnceLock::new();

    /// Answers the Lambda tasks of `gateway`'s functions from now on.
    pub fn serve(gateway: Arc<Gateway>) {
        GATEWAYS.lock().unwrap().push((Handle::current(), gateway));
        LISTENING.get_or_init(listen);
    }

    fn listen() {
        let endpoint = std::env::var("RAINFOREST_LAMBDA_ENDPOINT")
            .expect("RAINFOREST_LAMBDA_ENDPOINT: run the tests inside `python infra/stack.py run`");
        let address = endpoint.trim_start_matches("http://").to_owned();
        let listener = std::net::TcpListener::bind(&address).unwrap();
        listener.set_nonblocking(true).unwrap();
        std::thread::spawn(move || {
            let runtime = tokio::runtime::Builder::new_current_thread()
                .enable_all()
                .build()
                .unwrap();
            runtime.block_on(async move {
                let listener = tokio::net::TcpListener::from_std(listener).unwrap();
                loop {
                    let Ok((stream, _)) = listener.accept().await else {
                        continue;
                    };
                    tokio::spawn(async move {
                        let service = hyper::service::service_fn(answer);
                        let io = hyper_util::rt::TokioIo::new(stream);
                        let _ = hyper::server::conn::http1::Builder::new()
                            .serve_connection(io, service)
                            .await;
                    });
                }
            });
        });
    }

    async fn answer(
        request: http::Request<hyper::body::Incoming>,
    ) -> Result<HttpResponse, std::convert::Infallible> {
        let path = request.uri().path().to_owned();
        let body = request.into_body().collect().await.unwrap().to_bytes();
        let name = path
            .strip_prefix("/2015-03-31/functions/")
            .and_then(|p| p.strip_suffix("/invocations"))
            .unwrap_or_default()
            .replace("%3A", ":");
        let owner = GATEWAYS
            .lock()
            .unwrap()
            .iter()
            .find(|(_, gateway)| gateway.functions.find(&name).is_some())
            .cloned();
        let (handle, gateway) = owner.unwrap_or_else(|| {
            let last = GATEWAYS.lock().unwrap().last().cloned();
            last.expect("a test's gateway")
        });
        let response = handle
            .spawn(async move { gateway.invoke_api(&name, &body).await })
            .await
            .unwrap()
            .unwrap();
        Ok(response)
    }
}
