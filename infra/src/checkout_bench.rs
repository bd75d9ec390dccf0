//! `rainforest-local bench-checkout`: checkout latency as a shopper sees it, against the local
//! system: `--checkouts` shoppers each buy one unit of a product with enough stock for all,
//! `--concurrency` at once, through the gateway (`POST /api/v1/orders/checkout`, the saga's real
//! ASL in the emulator's Step Functions, its tasks sent back to this process's Invoke API).
//! Figures: the answer's median and p99; and, from the histories of each order's two executions
//! (the express part the answer waits for, then the Standard one it hands over to), how long the
//! saga ran and how much of that its Lambda tasks took (our code, each task's DynamoDB calls and
//! the loopback Invoke hop): the rest is the emulator's own work between states.

use crate::auth::DEV_AUDIENCE;
use crate::bench::{ms, percentile};
use crate::gateway::Gateway;
use crate::{Template, provision, registry};
use anyhow::{Context, ensure};
use futures::StreamExt;
use serde::Serialize;
use serde_json::{Value, json};
use std::collections::HashMap;
use std::path::PathBuf;
use std::sync::Arc;
use std::time::{Duration, Instant};

pub struct Options {
    pub template: PathBuf,
    pub checkouts: usize,
    pub concurrency: usize,
}

#[derive(Debug, Serialize)]
pub struct Figures {
    pub checkouts: usize,
    pub concurrency: usize,
    /// Answered 201 (the saga finished within the synchronous budget).
    pub final_answers: usize,
    pub confirmed: usize,
    pub answer_p50_ms: f64,
    pub answer_p99_ms: f64,
    /// The express part of the saga, start to stop, as the emulator recorded it.
    pub express_p50_ms: f64,
    /// Both executions, start to stop.
    pub saga_p50_ms: f64,
    /// The Lambda tasks' share of the executions' time.
    pub tasks_share: f64,
    /// The emulator's own time between states per execution (median).
    pub emulator_p50_ms: f64,
}

const SKU: &str = "BENCH-CHECKOUT-1";
const PRICE: u64 = 4_999;

pub async fn run(options: &Options) -> anyhow::Result<Figures> {
    let template = Template::load(&options.template)?;
    let sdk = aws_config::load_defaults(aws_config::BehaviorVersion::latest()).await;
    let prefix = format!("co{}", ulid::Ulid::new().to_string()[16..].to_lowercase());
    let stack = provision(&sdk, &template, &prefix)
        .await
        .context("creating the template's resources")?;
    // The emulator sends the saga's Lambda tasks here (`infra/stack.py run` chose the port).
    let endpoint = std::env::var("RAINFOREST_LAMBDA_ENDPOINT")
        .context("RAINFOREST_LAMBDA_ENDPOINT: run inside `python infra/stack.py run`")?;
    let address = endpoint.trim_start_matches("http://").to_owned();
    let listener = tokio::net::TcpListener::bind(&address).await?;
    let extra = registry::served_settings(&format!("http://{address}"));
    let functions = registry::load(&sdk, &template, &stack, &extra)?;
    let (gateway, issuer) = Gateway::with_fresh_issuer(functions, &template)?;
    let gateway = Arc::new(gateway);
    tokio::spawn(gateway.clone().serve(listener, std::future::pending()));
    let base = format!("http://{address}/api/v1");
    let http = reqwest::Client::new();
    let token = |user: &str, group: &str| issuer.mint(user, &[group], DEV_AUDIENCE, 3600);

    let seller = token("seller-01", "seller")?;
    let listing = json!({
        "title": "Bench kettle", "brand": "Acme", "description": "Boils water.",
        "bullet_points": ["Fast"], "category_path": ["home", "kettles"], "attributes": {},
        "sku": SKU,
        "offer": {"price": {"amount": PRICE, "currency": "USD"}, "shipping": {"amount": 0, "currency": "USD"},
                  "condition": "new", "fulfillment": "rainforest", "handling_days": 1}
    });
    let created = http
        .post(format!("{base}/seller/products"))
        .bearer_auth(&seller)
        .json(&listing)
        .send()
        .await?;
    ensure!(
        created.status().is_success(),
        "creating the product: {}",
        created.text().await?
    );
    let inventory = shared::inventory::InventoryStore::new(
        aws_sdk_dynamodb::Client::new(&sdk),
        stack.reference("InventoryTable")?,
    );
    let units = u32::try_from(options.checkouts)?;
    inventory
        .set_on_hand(
            &SKU.parse().map_err(anyhow::Error::msg)?,
            &"FC-SEA1".parse().map_err(anyhow::Error::msg)?,
            units,
        )
        .await?;

    let shoppers: Vec<String> = (0..options.checkouts)
        .map(|n| format!("bench-{n:05}"))
        .collect();
    for shopper in &shoppers {
        let added = http
            .post(format!("{base}/cart/items"))
            .bearer_auth(token(shopper, "customer")?)
            .json(&json!({"sku": SKU, "quantity": 1}))
            .send()
            .await?;
        ensure!(
            added.status().is_success(),
            "filling a cart: {}",
            added.text().await?
        );
    }
    eprintln!(
        "bench-checkout: {} checkouts, {} at once",
        options.checkouts, options.concurrency
    );
    let body = json!({
        "shipping_address": {"name": "Bench", "line1": "1 Main St", "city": "Portland",
                             "region": "OR", "postal_code": "97201", "country": "US"},
        "payment_token": "tok_visa",
        "expected_total": {"amount": PRICE, "currency": "USD"}
    });
    let answers: Vec<anyhow::Result<(Duration, Value, u16)>> = futures::stream::iter(&shoppers)
        .map(|shopper| {
            let (http, base, body) = (&http, &base, &body);
            let token = token(shopper, "customer");
            async move {
                let started = Instant::now();
                let answer = http
                    .post(format!("{base}/orders/checkout"))
                    .bearer_auth(token?)
                    .header("Idempotency-Key", format!("bench-{shopper}"))
                    .json(body)
                    .send()
                    .await?;
                let status = answer.status().as_u16();
                let order: Value = answer.json().await?;
                Ok((started.elapsed(), order, status))
            }
        })
        .buffer_unordered(options.concurrency)
        .collect()
        .await;
    let answers = answers.into_iter().collect::<anyhow::Result<Vec<_>>>()?;
    let latencies: Vec<Duration> = answers.iter().map(|(d, ..)| *d).collect();
    let final_answers = answers
        .iter()
        .filter(|(_, _, status)| *status == 201)
        .count();
    ensure!(
        answers
            .iter()
            .all(|(_, _, status)| matches!(status, 201 | 202)),
        "a checkout was refused: {:?}",
        answers.iter().find(|(_, _, s)| !matches!(s, 201 | 202))
    );

    // The executions' own record: when each ran, and how long its Lambda tasks took. Express
    // runs are named by the order too, and listed (by the emulator only).
    let sfn = aws_sdk_sfn::Client::new(&sdk);
    let machine = stack.reference("CheckoutStateMachine")?;
    let express_runs = executions(&sfn, &stack.reference("CheckoutExpressStateMachine")?).await?;
    let (mut sagas, mut express) = (Vec::new(), Vec::new());
    let mut tasks_total = Duration::ZERO;
    let mut emulator = Vec::new();
    let mut confirmed = 0;
    for (_, order, _) in &answers {
        let id = order["id"].as_str().context("an order id")?;
        let express_run = express_runs.get(id).context("the order's express run")?;
        let (fast, fast_tasks) = execution_times(&sfn, express_run).await?;
        let arn = format!("{}:{id}", machine.replace(":stateMachine:", ":execution:"));
        let (rest, rest_tasks) = execution_times(&sfn, &arn).await?;
        let (saga, tasks) = (fast + rest, fast_tasks + rest_tasks);
        express.push(fast);
        sagas.push(saga);
        emulator.push(saga.saturating_sub(tasks));
        tasks_total += tasks;
        let status = order_status(&http, &base, order, &token).await?;
        confirmed += usize::from(status == "confirmed");
    }
    ensure!(
        confirmed == options.checkouts,
        "{confirmed} of {} confirmed",
        options.checkouts
    );
    let saga_total: Duration = sagas.iter().sum();
    Ok(Figures {
        checkouts: options.checkouts,
        concurrency: options.concurrency,
        final_answers,
        confirmed,
        answer_p50_ms: ms(percentile(&latencies, 50)),
        answer_p99_ms: ms(percentile(&latencies, 99)),
        express_p50_ms: ms(percentile(&express, 50)),
        saga_p50_ms: ms(percentile(&sagas, 50)),
        tasks_share: (tasks_total.as_secs_f64() / saga_total.as_secs_f64().max(f64::EPSILON)
            * 100.0)
            .round()
            / 100.0,
        emulator_p50_ms: ms(percentile(&emulator, 50)),
    })
}

/// The order as it ends (the saga may still be at its last steps when the answer was a 202).
async fn order_status(
    http: &reqwest::Client,
    base: &str,
    order: &Value,
    token: &impl Fn(&str, &str) -> anyhow::Result<String>,
) -> anyhow::Result<String> {
    let (id, customer) = (
        order["id"].as_str().unwrap_or_default(),
        order["customer_id"].as_str().unwrap_or_default(),
    );
    let deadline = Instant::now() + Duration::from_secs(120);
    loop {
        let found: Value = http
            .get(format!("{base}/orders/{id}"))
            .bearer_auth(token(customer, "customer")?)
            .send()
            .await?
            .json()
            .await?;
        let status = found["status"].as_str().unwrap_or_default().to_owned();
        if status == "confirmed" || status == "failed" || Instant::now() > deadline {
            return Ok(status);
        }
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
}

/// The executions of a state machine, ARN by name.
async fn executions(
    sfn: &aws_sdk_sfn::Client,
    machine: &str,
) -> anyhow::Result<HashMap<String, String>> {
    let mut pages = sfn
        .list_executions()
        .state_machine_arn(machine)
        .into_paginator()
        .items()
        .send();
    let mut runs = HashMap::new();
    while let Some(run) = pages.next().await {
        let run = run?;
        runs.insert(run.name, run.execution_arn);
    }
    Ok(runs)
}

/// How long the execution ran, and how long its Lambda tasks took (scheduled to succeeded).
async fn execution_times(
    sfn: &aws_sdk_sfn::Client,
    arn: &str,
) -> anyhow::Result<(Duration, Duration)> {
    let deadline = Instant::now() + Duration::from_secs(120);
    let described = loop {
        let described = sfn.describe_execution().execution_arn(arn).send().await?;
        if described.status.as_str() != "RUNNING" || Instant::now() > deadline {
            break described;
        }
        tokio::time::sleep(Duration::from_millis(200)).await;
    };
    let seconds = |t: &aws_smithy_types::DateTime| t.as_secs_f64();
    let stop = described
        .stop_date
        .as_ref()
        .context("a finished execution")?;
    let saga = Duration::from_secs_f64((seconds(stop) - seconds(&described.start_date)).max(0.0));
    let history = sfn
        .get_execution_history()
        .execution_arn(arn)
        .max_results(1000)
        .send()
        .await?;
    let mut scheduled = None;
    let mut tasks = Duration::ZERO;
    for event in history.events {
        match event.r#type.as_str() {
            "TaskScheduled" => scheduled = Some(seconds(&event.timestamp)),
            "TaskSucceeded" | "TaskFailed" => {
                if let Some(at) = scheduled.take() {
                    tasks += Duration::from_secs_f64((seconds(&event.timestamp) - at).max(0.0));
                }
            }
            _ => {}
        }
    }
    Ok((saga, tasks))
}

pub fn table(figures: &Figures) -> String {
    format!(
        "| checkouts | at once | 201 answers | confirmed | answer p50 ms | answer p99 ms | express p50 ms | saga p50 ms | tasks' share | emulator p50 ms |\n\
         | --------- | ------- | ----------- | --------- | ------------- | ------------- | -------------- | ----------- | ------------ | --------------- |\n\
         | {} | {} | {} | {} | {} | {} | {} | {} | {} | {} |\n",
        figures.checkouts,
        figures.concurrency,
        figures.final_answers,
        figures.confirmed,
        figures.answer_p50_ms,
        figures.answer_p99_ms,
        figures.express_p50_ms,
        figures.saga_p50_ms,
        figures.tasks_share,
        figures.emulator_p50_ms,
    )
}
