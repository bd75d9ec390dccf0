//! The whole system as the README starts it (`infra/up`), driven only over HTTP and the AWS
//! APIs of its emulator.

use crate::helpers::{
    eventually, readme_shell_blocks, receive, repo_root, run_as_printed, subscribed_queue,
    topic_arn,
};
use rainforest_local::auth::{DEV_AUDIENCE, DevIssuer};
use serde_json::{Value, json};
use std::io::{BufRead, BufReader};
use std::os::unix::process::CommandExt;
use std::process::{Child, Command, Stdio};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

/// A running `infra/up`, stopped with Ctrl-C (SIGINT to its process group) when dropped.
struct System {
    child: Child,
    base: String,
    emulator: String,
    /// DynamoDB and its streams: a local server of its own.
    dynamodb: String,
    aws: aws_config::SdkConfig,
    issuer: DevIssuer,
    stdout: Arc<Mutex<Vec<String>>>,
    logs: Arc<Mutex<Vec<String>>>,
    dir: TempDir,
}

/// infra/up's local directory (`RAINFOREST_LOCAL_DIR`), removed at the end of the test.
struct TempDir(std::path::PathBuf);

impl TempDir {
    fn new() -> Self {
        let dir = std::env::temp_dir().join(format!("rainforest-e2e-{}", ulid::Ulid::new()));
        std::fs::create_dir_all(&dir).unwrap();
        Self(dir)
    }
}

impl Drop for TempDir {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
    }
}

fn collect(stream: impl std::io::Read + Send + 'static, into: Arc<Mutex<Vec<String>>>) {
    std::thread::spawn(move || {
        for line in BufReader::new(stream).lines().map_while(Result::ok) {
            into.lock().unwrap().push(line);
        }
    });
}

/// How `infra/up` is started.
#[derive(Clone, Copy, PartialEq)]
enum Launch {
    /// In a process group of its own, as a terminal runs a foreground job.
    Terminal,
    /// As a non-interactive shell runs a background job (`infra/up &`): SIGINT ignored.
    Background,
}

impl System {
    async fn start() -> Self {
        let dir = TempDir::new();
        Self::start_in(dir, Launch::Terminal).await
    }

    async fn start_in(dir: TempDir, launch: Launch) -> Self {
        Self::start_with(dir, launch, &["--no-seed"]).await
    }

    /// `infra/up` with `options` besides a free port and quick queue retries.
    async fn start_with(dir: TempDir, launch: Launch, options: &[&str]) -> Self {
        let up = repo_root().join("infra/up");
        let mut command = match launch {
            Launch::Terminal => Command::new(&up),
            Launch::Background => {
                let mut shell = Command::new("bash");
                shell
                    .args(["-c", r#"trap "" INT; exec "$0" "$@""#])
                    .arg(&up);
                shell
            }
        };
        command
            .args(["--port", "0", "--queue-retry-seconds", "1"])
            .args(options)
            .env("RAINFOREST_LOCAL_DIR", &dir.0)
            .env("RUST_LOG", "info")
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .process_group(0);
        // The test harness's own stack must not leak into the system under test.
        for name in ["AWS_ENDPOINT_URL", "CATALOG_TABLE", "IMAGES_BUCKET"] {
            command.env_remove(name);
        }
        let mut child = command.spawn().expect("infra/up starts");
        let (stdout, logs) = (
            Arc::new(Mutex::new(Vec::new())),
            Arc::new(Mutex::new(Vec::new())),
        );
        collect(child.stdout.take().unwrap(), stdout.clone());
        collect(child.stderr.take().unwrap(), logs.clone());
        let started = Instant::now();
        let line = |prefix: &str| {
            stdout
                .lock()
                .unwrap()
                .iter()
                .find_map(|l| l.strip_prefix(prefix).map(str::to_owned))
        };
        let ready = loop {
            if let Some(ready) = line("rainforest: ready in ") {
                break ready;
            }
            assert!(
                child.try_wait().unwrap().is_none(),
                "infra/up exited: {:?}\n{:?}",
                stdout.lock().unwrap(),
                logs.lock().unwrap()
            );
            assert!(
                started.elapsed() < Duration::from_secs(600),
                "infra/up was not ready in time"
            );
            tokio::time::sleep(Duration::from_millis(200)).await;
        };
        let base = ready.split(" at ").nth(1).unwrap().to_owned();
        let endpoints = line("stack: AWS emulator at ").unwrap();
        let endpoint = endpoints.split(',').next().unwrap().to_owned();
        let dynamodb = endpoints
            .split_once("DynamoDB at ")
            .and_then(|(_, rest)| rest.split(',').next())
            .unwrap()
            .to_owned();
        let credentials = aws_sdk_sqs::config::Credentials::new("test", "test", None, None, "e2e");
        let aws = aws_config::defaults(aws_config::BehaviorVersion::latest())
            .endpoint_url(&endpoint)
            .region(aws_config::Region::new("us-east-1"))
            .credentials_provider(credentials)
            .load()
            .await;
        let issuer = DevIssuer::load_or_create(&dir.0.join("dev-issuer.pem")).unwrap();
        System {
            child,
            base,
            emulator: endpoint,
            dynamodb,
            aws,
            issuer,
            stdout,
            logs,
            dir,
        }
    }

    /// The processes the stack's state file names: `[pid, start time]` pairs.
    fn processes(&self) -> Vec<(u32, u64)> {
        let state = std::fs::read_to_string(self.dir.0.join("stack.json")).unwrap();
        let state: Value = serde_json::from_str(&state).unwrap();
        state["processes"]
            .as_array()
            .unwrap()
            .iter()
            .map(|p| (p[0].as_u64().unwrap() as u32, p[1].as_u64().unwrap()))
            .collect()
    }

    /// Sends `signal` to infra/up's own process, not its group; `true` once it has exited.
    fn signal(&mut self, signal: &str) -> bool {
        let pid = self.child.id().to_string();
        let _ = Command::new("kill").args([signal, &pid]).status();
        self.exited_within(Duration::from_secs(60))
    }

    fn exited_within(&mut self, limit: Duration) -> bool {
        let deadline = Instant::now() + limit;
        while Instant::now() < deadline {
            if self.child.try_wait().ok().flatten().is_some() {
                return true;
            }
            std::thread::sleep(Duration::from_millis(100));
        }
        false
    }

    fn token(&self, user: &str, group: &str) -> String {
        self.issuer.mint(user, &[group], DEV_AUDIENCE, 600).unwrap()
    }

    /// A seller token whose claims `change` alters, given the time now.
    fn sign_with(&self, change: impl FnOnce(&mut Value, u64)) -> String {
        let mut claims = self
            .issuer
            .claims("seller-e2e", &["seller"], DEV_AUDIENCE, 7200);
        let now = claims["iat"].as_u64().unwrap();
        change(&mut claims, now);
        self.issuer.sign(&claims).unwrap()
    }

    /// The JSON a GET of `path` answers.
    async fn get_json(&self, path: &str) -> Value {
        let response = reqwest::get(self.url(path)).await.unwrap();
        response.json().await.unwrap()
    }

    fn url(&self, path: &str) -> String {
        format!("{}{path}", self.base)
    }

    async fn queue_url(&self, logical_id: &str) -> String {
        let sqs = aws_sdk_sqs::Client::new(&self.aws);
        sqs.get_queue_url()
            .queue_name(format!("rainforest-{logical_id}"))
            .send()
            .await
            .unwrap()
            .queue_url
            .unwrap()
    }

    /// Sends Ctrl-C to the whole process group, as a terminal does; `true` once it has exited.
    fn interrupt(&mut self) -> bool {
        if self.child.try_wait().ok().flatten().is_some() {
            return true;
        }
        let group = format!("-{}", self.child.id());
        let _ = Command::new("kill").args(["-INT", "--", &group]).status();
        self.exited_within(Duration::from_secs(60))
    }

    /// Stops the system as a developer does, with Ctrl-C.
    fn stop(mut self) {
        assert!(self.interrupt(), "infra/up did not stop on Ctrl-C");
    }

    /// Stops the system with Ctrl-C and keeps its local directory for another start.
    fn stopped(mut self) -> TempDir {
        assert!(self.interrupt(), "infra/up did not stop on Ctrl-C");
        std::mem::replace(&mut self.dir, TempDir::new())
    }
}

/// A failing test still stops what it started.
impl Drop for System {
    fn drop(&mut self) {
        self.interrupt();
    }
}

/// A protected route answers 401 without a token and with each bad one, as API Gateway does.
async fn assert_refused(
    bad_tokens: &[(&str, String)],
    request: impl Fn() -> reqwest::RequestBuilder,
) {
    let status = request().send().await.unwrap().status();
    assert_eq!(status, 401, "no token");
    for (what, token) in bad_tokens {
        let status = request().bearer_auth(token).send().await.unwrap().status();
        assert_eq!(status, 401, "{what}");
    }
}

fn listing(sku: &str) -> Value {
    json!({
        "title": "Trail Kettle", "brand": "Acme", "category_path": ["home-kitchen", "kettles"],
        "identifiers": {"gtin": "4006381333931"}, "sku": sku,
        "offer": {"price": {"amount": 2_999, "currency": "USD"}, "condition": "new", "fulfillment": "rainforest",
                  "handling_days": 1}
    })
}

#[tokio::test]
async fn the_system_runs_locally_as_on_aws() {
    let system = System::start().await;
    let http = reqwest::Client::new();
    let seller = system.token("seller-e2e", "seller");

    // Every route: without a token, with bad tokens, and with a good one.
    let bad_tokens = [
        (
            "expired",
            system
                .issuer
                .mint("seller-e2e", &["seller"], DEV_AUDIENCE, -60)
                .unwrap(),
        ),
        (
            "wrong audience",
            system
                .issuer
                .mint("seller-e2e", &["seller"], "another-app", 600)
                .unwrap(),
        ),
        (
            "not valid before an hour from now",
            system.sign_with(|claims, now| claims["nbf"] = json!(now + 3600)),
        ),
        (
            "issued an hour from now",
            system.sign_with(|claims, now| claims["iat"] = json!(now + 3600)),
        ),
        (
            "bad signature",
            DevIssuer::generate()
                .unwrap()
                .mint("seller-e2e", &["seller"], DEV_AUDIENCE, 600)
                .unwrap(),
        ),
    ];
    let create = || {
        http.post(system.url("/api/v1/seller/products"))
            .json(&listing("E2E-1"))
    };
    assert_refused(&bad_tokens, create).await;
    let created = create().bearer_auth(&seller).send().await.unwrap();
    assert_eq!(created.status(), 201);
    let created: Value = created.json().await.unwrap();
    let id = created["product"]["id"].as_str().unwrap().to_owned();

    let patch = || {
        http.patch(system.url(&format!("/api/v1/seller/products/{id}")))
            .header("if-match", "\"1\"")
            .json(&json!({"title": "Trail Kettle 2"}))
    };
    assert_refused(&bad_tokens, patch).await;
    assert_eq!(
        patch().bearer_auth(&seller).send().await.unwrap().status(),
        200
    );

    let offer = |price: u64| {
        http.put(system.url("/api/v1/seller/offers/E2E-1"))
            .json(&json!({
                "product_id": id, "price": {"amount": price, "currency": "USD"}, "condition": "new",
                "fulfillment": "rainforest", "handling_days": 1
            }))
    };
    assert_refused(&bad_tokens, || offer(2_899)).await;

    let image = || {
        http.post(system.url(&format!("/api/v1/seller/products/{id}/images")))
            .json(&json!({"content_type": "image/jpeg", "content_length": 4}))
    };
    assert_refused(&bad_tokens, image).await;
    // The cart's routes take a JWT or a guest's cart token: the shopper authorizer refuses each
    // bad JWT (API Gateway's 403), and with neither the function answers 401.
    let cart = || http.get(system.url("/api/v1/cart"));
    assert_eq!(cart().send().await.unwrap().status(), 401, "no token");
    for (what, token) in &bad_tokens {
        let status = cart().bearer_auth(token).send().await.unwrap().status();
        assert_eq!(status, 403, "{what}");
    }
    let customer = system.token("customer-e2e", "customer");
    let status = cart().bearer_auth(&customer).send().await.unwrap().status();
    assert_eq!(
        status, 200,
        "the dev issuer's keys, fetched from the gateway"
    );
    let upload: Value = image()
        .bearer_auth(&seller)
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let put = http
        .put(upload["url"].as_str().unwrap())
        .header("content-type", "image/jpeg")
        .body(vec![1, 2, 3, 4]);
    assert!(put.send().await.unwrap().status().is_success());

    let page = http
        .get(system.url(&format!("/api/v1/products/{id}")))
        .send()
        .await
        .unwrap();
    assert_eq!(page.status(), 200, "product pages are public");
    assert_eq!(page.headers()["etag"], "\"2\"");
    let browse = http
        .get(system.url("/api/v1/categories/kettles/products?limit=5"))
        .send()
        .await
        .unwrap();
    assert_eq!(browse.status(), 200);
    let browse: Value = browse.json().await.unwrap();
    assert_eq!(browse["items"][0]["title"], "Trail Kettle 2");
    let problem = http
        .get(system.url("/api/v1/products/not-an-id"))
        .send()
        .await
        .unwrap();
    assert_eq!(problem.status(), 400);
    assert_eq!(
        problem.headers()["content-type"],
        "application/problem+json"
    );
    assert_eq!(
        http.get(system.url("/api/v1/nowhere"))
            .send()
            .await
            .unwrap()
            .status(),
        404
    );
    let openapi = system.get_json("/openapi.json").await;
    assert!(openapi["openapi"].as_str().unwrap().starts_with("3.1"));
    // A function that fails is API Gateway's 500, and the next request is served again.
    let product_page = system.url(&format!("/api/v1/products/{id}"));
    let injected = http
        .post(system.url("/_local/faults"))
        .json(&json!({"function": "rainforest-GetProductFunction", "failures": 1}))
        .send()
        .await
        .unwrap();
    assert_eq!(injected.status(), 200);
    let failed = http.get(&product_page).send().await.unwrap();
    assert_eq!(failed.status(), 500);
    assert_eq!(
        failed.json::<Value>().await.unwrap(),
        json!({"message": "Internal Server Error"})
    );
    assert_eq!(http.get(&product_page).send().await.unwrap().status(), 200);

    // Stream-fed: an offer's new price reaches the price-change topic's subscribers.
    let sqs = aws_sdk_sqs::Client::new(&system.aws);
    let sns = aws_sdk_sns::Client::new(&system.aws);
    let topic = topic_arn(&sns, "rainforest-PriceChangesTopic").await;
    let watcher = subscribed_queue(&system.aws, &topic, "e2e-price-watcher", None).await;
    // A poison record in the stream (an offer item no one can read) goes to the failure queue...
    let dynamodb = aws_sdk_dynamodb::Client::from_conf(
        aws_sdk_dynamodb::config::Builder::from(&system.aws)
            .endpoint_url(&system.dynamodb)
            .build(),
    );
    let s = |v: &str| aws_sdk_dynamodb::types::AttributeValue::S(v.to_owned());
    dynamodb
        .put_item()
        .table_name("rainforest-CatalogTable")
        .item("pk", s("PRODUCT#POISON"))
        .item("sk", s("OFFER#POISON"))
        .item("data", s("not an offer"))
        .send()
        .await
        .unwrap();
    // ...while the price change behind it is still published.
    assert_eq!(
        offer(2_499)
            .bearer_auth(&seller)
            .send()
            .await
            .unwrap()
            .status(),
        200
    );
    let change: Value = eventually(60, "the price change on the topic", || async {
        let changes = receive(&sqs, &watcher).await;
        changes
            .iter()
            .filter_map(|body| serde_json::from_str::<Value>(body).ok())
            .find(|c| c["sku"] == "E2E-1" && c["new_landed_price"]["amount"] == 2_499)
    })
    .await;
    assert_eq!(change["old_landed_price"]["amount"], 2_999);
    let failures = system.queue_url("PriceChangesFailuresQueue").await;
    let failure: Value = eventually(60, "the poison record in the failure queue", || async {
        receive(&sqs, &failures)
            .await
            .first()
            .and_then(|body| serde_json::from_str(body).ok())
    })
    .await;
    assert_eq!(
        failure["requestContext"]["condition"],
        "RetryAttemptsExhausted"
    );

    // Queue-fed: stock counts apply; a poison message reaches the DLQ, the rest of its batch applies.
    let updates = system.queue_url("InventoryUpdatesQueue").await;
    let entry = |n: &str, body: String| {
        aws_sdk_sqs::types::SendMessageBatchRequestEntry::builder()
            .id(n)
            .message_body(body)
            .build()
            .unwrap()
    };
    let count = |quantity: u32, sequence: u64| {
        json!({"seller_id": "seller-e2e", "sku": "E2E-1", "location": "FC-SEA1",
               "quantity": quantity, "sequence": sequence})
        .to_string()
    };
    let product = format!("/api/v1/products/{id}");
    sqs.send_message()
        .queue_url(&updates)
        .message_body(count(10, 3))
        .send()
        .await
        .unwrap();
    eventually(60, "the first stock count", || async {
        let page = system.get_json(&product).await;
        (page["buy_box"]["availability"] == json!({"status": "in_stock"})).then_some(())
    })
    .await;
    sqs.send_message_batch()
        .queue_url(&updates)
        .entries(entry("poison", "{not json".into()))
        .entries(entry("stock", count(0, 5)))
        .entries(entry("stale", count(99, 4)))
        .send()
        .await
        .unwrap();
    let dlq = system.queue_url("InventoryUpdatesDLQ").await;
    let poison = eventually(90, "the poison message in the DLQ", || async {
        receive(&sqs, &dlq).await.into_iter().next()
    })
    .await;
    assert_eq!(poison, "{not json");
    let page: Value = http
        .get(system.url(&format!("/api/v1/products/{id}")))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert!(
        page["buy_box"].is_null(),
        "sold out by the stock feed: {page}"
    );
    assert_eq!(
        page["other_offers"][0]["availability"],
        json!({"status": "out_of_stock"}),
        "the newer count wins over the stale one"
    );

    // Step Functions run Lambda tasks against the functions: a fault once, then Retry succeeds...
    let sfn = aws_sdk_sfn::Client::new(&system.aws);
    let function =
        "arn:aws:lambda:us-east-1:123456789012:function:rainforest-PublishPriceChangesFunction";
    let task = |retry: Value, catch: Value| {
        json!({
            "StartAt": "Invoke",
            "States": {
                "Invoke": {"Type": "Task", "Resource": "arn:aws:states:::lambda:invoke",
                           "Parameters": {"FunctionName": function, "Payload": {"Records": []}},
                           "Retry": retry, "Catch": catch, "End": true},
                "Compensate": {"Type": "Pass", "Result": "compensated", "ResultPath": "$.outcome", "End": true}
            }
        })
    };
    let fault = |failures: u32, error_type: &str| {
        http.post(system.url("/_local/faults"))
            .json(&json!({"function": function, "failures": failures, "error_type": error_type}))
            .send()
    };
    let run = |name: &'static str, definition: Value| {
        let sfn = sfn.clone();
        async move {
            let machine = sfn
                .create_state_machine()
                .name(name)
                .definition(definition.to_string())
                .role_arn("arn:aws:iam::123456789012:role/e2e")
                .send()
                .await
                .unwrap()
                .state_machine_arn;
            let execution = sfn
                .start_execution()
                .state_machine_arn(machine)
                .name(format!("{name}-1"))
                .input("{}")
                .send()
                .await
                .unwrap()
                .execution_arn;
            let done = eventually(120, name, || async {
                let described = sfn
                    .describe_execution()
                    .execution_arn(&execution)
                    .send()
                    .await
                    .unwrap();
                (described.status.as_str() != "RUNNING").then_some(described)
            })
            .await;
            let history = sfn
                .get_execution_history()
                .execution_arn(&execution)
                .send()
                .await
                .unwrap();
            let kinds: Vec<String> = history
                .events
                .iter()
                .map(|e| e.r#type.as_str().to_owned())
                .collect();
            (done, kinds)
        }
    };
    fault(1, "Rainforest.Transient").await.unwrap();
    let retry = json!([{"ErrorEquals": ["Rainforest.Transient"], "IntervalSeconds": 1, "MaxAttempts": 2, "BackoffRate": 1.0}]);
    let (done, events) = run("e2e-retry", task(retry, json!([]))).await;
    assert_eq!(done.status.as_str(), "SUCCEEDED", "{events:?}");
    assert!(
        events
            .iter()
            .any(|e| e == "TaskFailed" || e == "LambdaFunctionFailed"),
        "the first attempt failed: {events:?}"
    );
    let output: Value = serde_json::from_str(done.output().unwrap()).unwrap();
    assert_eq!(output["Payload"], json!({"batchItemFailures": []}));

    // ...and a failure that persists is routed through Catch.
    fault(10, "Rainforest.Permanent").await.unwrap();
    let retry = json!([{"ErrorEquals": ["Rainforest.Transient"], "MaxAttempts": 2}]);
    let catch =
        json!([{"ErrorEquals": ["States.ALL"], "Next": "Compensate", "ResultPath": "$.error"}]);
    let (done, events) = run("e2e-catch", task(retry, catch)).await;
    assert_eq!(done.status.as_str(), "SUCCEEDED", "{events:?}");
    let output: Value = serde_json::from_str(done.output().unwrap()).unwrap();
    assert_eq!(output["error"]["Error"], "Rainforest.Permanent");
    assert_eq!(output["outcome"], "compensated");

    // The Invoke API answers as Lambda does, by name or ARN (the Catch test's faults cleared).
    fault(0, "none").await.unwrap();
    let invoke = |name: &str, body: &'static str| {
        http.post(system.url(&format!("/2015-03-31/functions/{name}/invocations")))
            .body(body)
            .send()
    };
    let answered = invoke(
        "rainforest-PublishPriceChangesFunction",
        r#"{"Records": []}"#,
    )
    .await
    .unwrap();
    assert_eq!(answered.status(), 200);
    assert_eq!(
        answered.json::<Value>().await.unwrap(),
        json!({"batchItemFailures": []})
    );
    fault(1, "Rainforest.Boom").await.unwrap();
    let failed = invoke(function, r#"{"Records": []}"#).await.unwrap();
    assert_eq!(failed.status(), 200);
    assert_eq!(failed.headers()["x-amz-function-error"], "Unhandled");
    assert_eq!(
        failed.json::<Value>().await.unwrap()["errorType"],
        "Rainforest.Boom"
    );
    assert_eq!(
        invoke("rainforest-NoSuchFunction", "{}")
            .await
            .unwrap()
            .status(),
        404
    );
    assert_eq!(invoke(function, "{not json").await.unwrap().status(), 400);

    // Logs are JSON lines naming the function and the request.
    let logs = system.logs.lock().unwrap().clone();
    let invocation = logs
        .iter()
        .filter_map(|l| serde_json::from_str::<Value>(l).ok())
        .find(|l| {
            l["spans"].as_array().is_some_and(|spans| {
                spans
                    .iter()
                    .any(|s| s["function"] == "put-offer" && s["request_id"].is_string())
            })
        });
    assert!(
        invocation.is_some(),
        "no JSON log line of put-offer with a request id in {} lines",
        logs.len()
    );

    let (gateway, emulator) = (system.base.clone(), system.emulator.clone());
    system.stop();
    let gateway_answers = reqwest::get(format!("{gateway}/openapi.json"))
        .await
        .is_ok();
    assert!(!gateway_answers, "the gateway stopped");
    let emulator_answers = reqwest::get(format!("{emulator}/moto-api/")).await.is_ok();
    assert!(!emulator_answers, "the emulators stopped");
}

#[tokio::test]
async fn the_system_starts_again_after_a_stop() {
    for _ in 0..2 {
        let system = System::start().await;
        let openapi = reqwest::get(system.url("/openapi.json")).await.unwrap();
        assert_eq!(openapi.status(), 200);
        system.stop();
    }
}

/// Whether a process recorded as `(pid, start time)` still runs (a later process may reuse a pid).
fn running((pid, started): (u32, u64)) -> bool {
    std::fs::read_to_string(format!("/proc/{pid}/stat")).is_ok_and(|stat| {
        let fields: Vec<&str> = stat
            .rsplit_once(')')
            .unwrap()
            .1
            .split_whitespace()
            .collect();
        fields[0] != "Z" && fields[19].parse::<u64>().ok() == Some(started)
    })
}

#[tokio::test]
async fn a_signal_to_infra_up_stops_everything_it_started_before_it_exits() {
    for (launch, signal) in [(Launch::Background, "-INT"), (Launch::Terminal, "-TERM")] {
        let mut system = System::start_in(TempDir::new(), launch).await;
        let processes = system.processes();
        let names = "moto, osmem-server, dynoxide and the local system";
        assert_eq!(processes.len(), 4, "{names}");
        assert!(processes.iter().all(|p| running(*p)));
        assert!(system.signal(signal), "infra/up ignored {signal}");
        let still = processes.iter().filter(|p| running(**p)).count();
        assert_eq!(
            still, 0,
            "{still} processes outlived infra/up after {signal}"
        );
        let stdout = system.stdout.lock().unwrap().clone();
        assert_eq!(
            stdout.last().map(String::as_str),
            Some("stack: stopped"),
            "{stdout:?}"
        );
        assert!(!system.dir.0.join("stack.json").exists());
    }
}

#[tokio::test]
async fn a_start_stops_what_a_killed_run_left_behind() {
    let mut killed = System::start_in(TempDir::new(), Launch::Terminal).await;
    let left = killed.processes();
    assert!(killed.signal("-KILL"));
    assert!(
        left.iter().all(|p| running(*p)),
        "SIGKILL leaves the children"
    );
    let dir = std::mem::replace(&mut killed.dir, TempDir::new());

    let system = System::start_in(dir, Launch::Terminal).await;
    assert!(
        left.iter().all(|p| !running(*p)),
        "the new start stopped the old run"
    );
    let openapi = reqwest::get(system.url("/openapi.json")).await.unwrap();
    assert_eq!(openapi.status(), 200);
    system.stop();
    drop(killed);
}

/// The API description and the server, checked against each other by schemathesis with every
/// check (infra/schemathesis.toml says why three statuses are expected beyond its defaults, and
/// infra/schemathesis_hooks.py teaches it the GS1 formats), on a fixed seed so a failure
/// reproduces. Its output is printed; any disagreement fails the test.
#[tokio::test]
async fn schemathesis_finds_no_disagreement_between_the_api_description_and_the_server() {
    let system = System::start().await;
    let token = system.token("seller-fuzz", "seller");
    let infra = repo_root().join("infra");
    let output = Command::new("schemathesis")
        .current_dir(&system.dir.0)
        .env("PYTHONPATH", &infra)
        .env("SCHEMATHESIS_HOOKS", "schemathesis_hooks")
        .arg("--config-file")
        .arg(infra.join("schemathesis.toml"))
        .args(["run", &system.url("/openapi.json"), "--checks", "all"])
        // API Gateway answers a method no route has with 404, not the 405 this check wants.
        .args(["--exclude-checks", "unsupported_method"])
        .args([
            "--max-examples",
            "25",
            "--seed",
            "1",
            "--workers",
            "1",
            "--no-color",
        ])
        .args(["-H", &format!("Authorization: Bearer {token}")])
        .output()
        .expect("schemathesis runs (infra/test puts the pinned one on PATH)");
    let report = String::from_utf8_lossy(&output.stdout);
    println!("{report}");
    assert!(
        output.status.success(),
        "schemathesis found disagreements:\n{report}"
    );
    system.stop();
}

/// The shell blocks of the README's `infra/up` section from "Try it" on, run as printed
/// against a fresh system, with their outcome checked over HTTP.
#[tokio::test]
async fn the_readme_examples_run_as_printed() {
    let system = System::start().await;
    let blocks = readme_shell_blocks("**Try it**", "### `infra/test`");
    assert!(blocks.len() >= 2, "{blocks:?}");
    let stdout = run_as_printed(
        &blocks.concat(),
        &[
            ("API", system.base.as_ref()),
            ("RAINFOREST_LOCAL_DIR", system.dir.0.as_os_str()),
        ],
    );
    assert!(
        stdout.contains(r#""statusCode":404"#),
        "the Invoke API example: {stdout}"
    );

    let page = system.get_json("/api/v1/categories/kettles/products").await;
    let id = page["items"][0]["id"]
        .as_str()
        .expect("the listed kettle")
        .to_owned();
    let stocked = eventually(
        30,
        "the stock count from the queue and the batch",
        || async {
            let page = system.get_json(&format!("/api/v1/products/{id}")).await;
            (page["buy_box"]["availability"] == json!({"status": "only_left", "quantity": 8}))
                .then_some(page)
        },
    )
    .await;
    assert_eq!(stocked["buy_box"]["sku"], "MY-SKU-1");
    assert_eq!(
        stocked["buy_box"]["price"]["amount"], 2_799,
        "the PUT's price"
    );
    assert!(
        stdout.contains(r#""lines":1"#) && stdout.contains(r#""pending":"#),
        "the batch's status: {stdout}"
    );
    // Without the demo catalog (`--no-seed`) the kettle has no like in its category, and one
    // view pairs with nothing: both lists answer, empty (the recommendations tests fill them).
    assert!(
        stdout.contains(r#"{"view_id":"#) && stdout.matches(r#"{"items":[]}"#).count() == 2,
        "the view and both lists: {stdout}"
    );
    assert_eq!(
        stdout.matches(r#"{"lines":[]"#).count(),
        2,
        "the guest's cart and the customer's, on one route: {stdout}"
    );
    assert_eq!(
        stdout.matches(r#""verified_purchase":false"#).count(),
        2,
        "the review, as written and as listed: {stdout}"
    );
    eventually(30, "the review in the kettle's rating", || async {
        let page = system.get_json(&format!("/api/v1/products/{id}")).await;
        (page["rating"]["count"] == 1 && page["rating"]["average"] == 4.0).then_some(())
    })
    .await;
    assert!(
        stdout.contains(r#""price_drops":true"#) && stdout.contains(r#""needs_consent":[]"#),
        "the consent and the alert: {stdout}"
    );
    // The kettle gets cheaper: the customer who asked hears of it by email, through SES.
    let seller = system.token("seller-01", "seller");
    let repriced = reqwest::Client::new()
        .put(system.url("/api/v1/seller/offers/MY-SKU-1/price"))
        .bearer_auth(&seller)
        .json(&json!({"price": {"amount": 2_599, "currency": "USD"}, "shipping": {"amount": 0, "currency": "USD"}}))
        .send()
        .await
        .unwrap();
    assert_eq!(repriced.status(), 200);
    let mail = eventually(60, "the price drop email", || async {
        let data: Value = reqwest::get(format!("{}/moto-api/data.json", system.emulator))
            .await
            .ok()?
            .json()
            .await
            .ok()?;
        data["ses"]["Message"]
            .as_array()?
            .iter()
            .find(|m| {
                m["destinations"]["ToAddresses"][0] == "customer-02@example.com"
                    && m["subject"] == "Price drop: Trail Kettle"
            })
            .cloned()
    })
    .await;
    assert!(
        mail["body"]
            .as_str()
            .unwrap()
            .contains("<strong>USD 25.99</strong> (was <s>USD 27.99</s>)"),
        "{mail}"
    );
    system.stop();
}

/// `--keep-data` keeps DynamoDB's data across a restart, and a start that finds it skips
/// loading the demo catalog again.
#[tokio::test]
async fn kept_data_survives_a_restart_and_is_not_loaded_twice() {
    let system = System::start_with(TempDir::new(), Launch::Terminal, &["--keep-data"]).await;
    let said = |system: &System, what: &str| {
        let stdout = system.stdout.lock().unwrap();
        stdout.iter().any(|line| line.starts_with(what))
    };
    assert!(
        said(&system, "rainforest: demo catalog: "),
        "the first start loads it"
    );
    let seller = system.token("seller-keep", "seller");
    let http = reqwest::Client::new();
    let created: Value = http
        .post(system.url("/api/v1/seller/products"))
        .bearer_auth(&seller)
        .json(&listing("KEEP-1"))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let id = created["product"]["id"].as_str().unwrap().to_owned();
    let dir = system.stopped();

    let again = System::start_with(dir, Launch::Terminal, &["--keep-data"]).await;
    assert!(
        said(&again, "rainforest: DynamoDB data kept"),
        "{:?}",
        again.stdout
    );
    assert!(!said(&again, "rainforest: demo catalog: "), "loaded twice");
    let page = http
        .get(again.url(&format!("/api/v1/products/{id}")))
        .send()
        .await
        .unwrap();
    assert_eq!(page.status(), 200, "the listing survived the restart");
    again.stop();
}
