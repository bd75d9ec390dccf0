//! `rainforest-local up`: the whole system on localhost, as it runs on AWS. Against the
//! emulators the standard AWS settings point at, it creates template.yaml's resources, loads the
//! demo catalog, and serves the API gateway, the Invoke API and the event source mappings with
//! every function in-process, until Ctrl-C.

use crate::auth::{Authorizer, DEV_AUDIENCE, DEV_ISSUER, DevIssuer};
use crate::gateway::{self, Gateway};
use crate::mappings::{self, Tuning};
use crate::{registry, seed, template::Template};
use anyhow::Context;
use std::collections::HashMap;
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
    // Emulators on 127.0.0.1 need path-style S3 URLs.
    let extra = HashMap::from([("S3_FORCE_PATH_STYLE".to_owned(), "true".to_owned())]);
    let functions = registry::load(&sdk, &template, &stack, &extra)?;
    // Every route's function has a handler: `registry::load` refuses to build otherwise.
    let routes = gateway::routes(&template)?;
    std::fs::create_dir_all(&options.local_dir)?;
    let issuer = DevIssuer::load_or_create(&options.local_dir.join("dev-issuer.pem"))?;
    let authorizer = Authorizer::new(&issuer.jwks(), DEV_ISSUER, &[DEV_AUDIENCE])?;
    let catalog_env: HashMap<String, String> = stack
        .function_environment(&template, "CreateProductFunction")?
        .into_iter()
        .collect();
    let store = shared::catalog::CatalogStore::from_source(&sdk, &catalog_env)?;
    // Kept from an earlier run (--keep-data): nothing to load, and nothing old to replay.
    let kept = !store.is_empty().await?;
    let seeded = if options.seed && !kept {
        Some(
            load_demo_catalog(&sdk, &template, &mut stack, &store)
                .await
                .context("loading the demo catalog")?,
        )
    } else {
        None
    };
    let openapi = crate::openapi::document()?;
    let listener = tokio::net::TcpListener::bind(("127.0.0.1", options.port))
        .await
        .context("binding the gateway port")?;
    let address = listener.local_addr()?;
    let mappings = mappings::mappings(&template, &stack)?;
    let gateway = Arc::new(Gateway::new(
        functions,
        routes,
        authorizer,
        issuer.jwks(),
        openapi,
    ));
    let tuning = Tuning {
        queue_retry_delay: options.queue_retry_delay,
        streams_from_latest: seeded.is_some() || kept,
    };
    mappings::start(&sdk, gateway.clone(), mappings, tuning);

    let base = format!("http://{address}");
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
            "rainforest: demo catalog: {} products, {} offers, {} categories, {} sellers",
            summary.products, summary.offers, summary.categories, summary.sellers
        );
    }
    if seeded.is_some() || kept {
        let seller = issuer.mint(&seed::seller_id(0), &["seller"], DEV_AUDIENCE, 12 * 3600)?;
        let customer = issuer.mint(
            seed::DEMO_CUSTOMERS[0],
            &["customer"],
            DEV_AUDIENCE,
            12 * 3600,
        )?;
        println!("rainforest: try  curl {base}/api/v1/categories/televisions/products?limit=3");
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

/// Loads the demo catalog with the catalog table's stream off, then turns it on again: dynoxide
/// 3.2.0 numbers each stream record after a scan of the table's stream, so 25,000 writes with it
/// on take minutes; and no consumer should see the demo data anyway.
async fn load_demo_catalog(
    sdk: &aws_config::SdkConfig,
    template: &Template,
    stack: &mut crate::Stack,
    store: &shared::catalog::CatalogStore,
) -> anyhow::Result<seed::Summary> {
    use aws_sdk_dynamodb::types::{StreamSpecification, StreamViewType};
    const TABLE: &str = "CatalogTable";
    let view = template
        .resources
        .get(TABLE)
        .and_then(|t| t.properties.pointer("/StreamSpecification/StreamViewType"))
        .and_then(serde_json::Value::as_str)
        .context("the catalog table has a stream")?;
    let dynamodb = aws_sdk_dynamodb::Client::new(sdk);
    let table = stack.reference(TABLE)?;
    let stream = |enabled: bool| -> anyhow::Result<_> {
        let spec = StreamSpecification::builder().stream_enabled(enabled);
        let spec = if enabled {
            spec.stream_view_type(StreamViewType::from(view))
        } else {
            spec
        };
        Ok(dynamodb
            .update_table()
            .table_name(&table)
            .stream_specification(spec.build()?))
    };
    stream(false)?
        .send()
        .await
        .context("pausing the catalog stream")?;
    let summary = seed::demo_catalog(store).await?;
    let updated = stream(true)?
        .send()
        .await
        .context("resuming the catalog stream")?;
    let arn = updated
        .table_description
        .and_then(|t| t.latest_stream_arn)
        .context("the resumed stream's ARN")?;
    stack.set_attribute(TABLE, "StreamArn", arn);
    Ok(summary)
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
