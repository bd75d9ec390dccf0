//! `rainforest-local up`: the whole system on localhost, as it runs on AWS. Against the
//! emulators the standard AWS settings point at, it creates template.yaml's resources, loads the
//! demo catalog, and serves the API gateway, the Invoke API and the event source mappings with
//! every function in-process, until Ctrl-C.

use crate::auth::{DEV_AUDIENCE, DevIssuer};
use crate::gateway::{self, Gateway};
use crate::mappings::{self, Tuning};
use crate::{registry, seed, template::Template};
use anyhow::Context;
use std::path::PathBuf;
use std::sync::Arc;
use std::time::{Duration, Instant};

pub struct Options {
    pub template: PathBuf,
    pub port: u16,
    pub seed: bool,
    /// Where the dev issuer's key and other local state live (`.local/`).
    pub local_dir: PathBuf,
    pub prefix: String,
    pub queue_retry_delay: Option<Duration>,
}

pub async fn up(options: Options) -> anyhow::Result<()> {
    let started = Instant::now();
    let sdk = aws_config::load_defaults(aws_config::BehaviorVersion::latest()).await;
    let template = Template::load(&options.template)?;
    let mut stack = crate::provision(&sdk, &template, &options.prefix)
        .await
        .context("creating the template's resources")?;
    // Bound first: the shopper authorizer fetches the dev issuer's keys from the gateway.
    let listener = tokio::net::TcpListener::bind(("127.0.0.1", options.port))
        .await
        .context("binding the gateway port")?;
    let address = listener.local_addr()?;
    let base = format!("http://{address}");
    let functions = registry::load(&sdk, &template, &stack, &registry::served_settings(&base))?;
    // Every route's function has a handler: `registry::load` refuses to build otherwise.
    let routes = gateway::routes(&template)?;
    std::fs::create_dir_all(&options.local_dir)?;
    let issuer = DevIssuer::load_or_create(&options.local_dir.join("dev-issuer.pem"))?;
    let store = seed::catalog_store(&sdk, &template, &stack)?;
    // Kept from an earlier run (--keep-data): nothing to load, and nothing old to replay.
    let kept = !store.is_empty().await?;
    let seeded = if options.seed && !kept {
        Some(
            seed::load_demo_data(&sdk, &template, &mut stack, &store)
                .await
                .context("loading the demo catalog")?,
        )
    } else {
        None
    };
    // The search index lives in memory: built from the tables on every start.
    let search = functions
        .get("ReindexProductsFunction")
        .context("the template has no ReindexProductsFunction")?
        .invoke(serde_json::json!({}))
        .await
        .map_err(|e| {
            anyhow::anyhow!("building the search index: {}: {}", e.error_type, e.message)
        })?;
    let openapi = crate::openapi::document()?;
    let mappings = mappings::mappings(&template, &stack)?;
    let gateway = Arc::new(Gateway::new(functions, routes, &issuer, openapi)?);
    let tuning = Tuning {
        queue_retry_delay: options.queue_retry_delay,
        streams_from_latest: seeded.is_some() || kept,
    };
    mappings::start(&sdk, gateway.clone(), mappings, tuning);

    println!("rainforest: API on {base}/api/v1 (OpenAPI: {base}/openapi.json)");
    println!(
        "rainforest: Lambda Invoke API on {base}; AWS emulator on {}",
        std::env::var("AWS_ENDPOINT_URL").unwrap_or_default()
    );
    if kept {
        println!("rainforest: DynamoDB data kept from the last run (--keep-data)");
    }
    if let Some(summary) = &seeded {
        println!(
            "rainforest: demo catalog: {} products, {} offers, {} categories, {} sellers; stock: {} counts over {} fulfillment centers and the merchants' own locations",
            summary.products,
            summary.offers,
            summary.categories,
            summary.sellers,
            summary.stock_counts,
            seed::FULFILLMENT_CENTERS.len()
        );
    }
    println!(
        "rainforest: search index {} holds {} products",
        search["index"].as_str().unwrap_or_default(),
        search["indexed"]
    );
    if seeded.is_some() || kept {
        let seller = issuer.mint(&seed::seller_id(0), &["seller"], DEV_AUDIENCE, 12 * 3600)?;
        let customer = issuer.mint(
            seed::DEMO_CUSTOMERS[0],
            &["customer"],
            DEV_AUDIENCE,
            12 * 3600,
        )?;
        println!("rainforest: try  curl {base}/api/v1/categories/televisions/products?limit=3");
        println!("rainforest: or   curl '{base}/api/v1/products/search?q=lumina+tv&size=3'");
        println!("rainforest: a seller token (seller-01, 12 h):   {seller}");
        println!("rainforest: a customer token (customer-01, 12 h): {customer}");
        println!("rainforest: more with  infra/token --user seller-02 --groups seller");
    }
    println!(
        "rainforest: ready in {:.1}s at {base}",
        started.elapsed().as_secs_f64()
    );
    gateway.serve(listener, stop_signal()).await;
    println!("rainforest: stopped");
    Ok(())
}

/// Ctrl-C, or the SIGTERM a supervisor sends.
pub async fn stop_signal() {
    match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
        Ok(mut terminate) => tokio::select! {
            _ = tokio::signal::ctrl_c() => {}
            _ = terminate.recv() => {}
        },
        Err(error) => {
            tracing::warn!(%error, "no SIGTERM handler; stopping on Ctrl-C only");
            if let Err(error) = tokio::signal::ctrl_c().await {
                tracing::error!(%error, "no Ctrl-C handler either; stopping now");
            }
        }
    }
}
