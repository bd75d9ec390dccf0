//! `rainforest-local`: the local system's command line (`rainforest-local --help`).

use anyhow::{Context, bail};
use clap::{Parser, Subcommand};
use rainforest_local::auth::{DEV_AUDIENCE, DevIssuer};
use rainforest_local::{Template, bench, check, hot_sku, provision, up};
use shared::inventory::ShardCount;
use std::collections::BTreeMap;
use std::num::NonZeroUsize;
use std::path::PathBuf;
use std::time::Duration;

/// Rainforest on localhost: template.yaml's resources in the AWS emulators the standard AWS
/// settings point at, and the whole system around them.
#[derive(Parser)]
#[command(version)]
struct Cli {
    /// The SAM template: the one list of resources.
    #[arg(long, global = true, default_value = "template.yaml")]
    template: PathBuf,
    /// Where local state lives: the dev issuer's key, the stack's endpoints and logs.
    #[arg(long, global = true, default_value = ".local")]
    local_dir: PathBuf,
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// The whole system on localhost: resources, demo catalog, API gateway with the JWT
    /// authorizer, event source mappings and the Lambda Invoke API; until SIGINT or SIGTERM.
    Up {
        #[arg(long, default_value_t = 8080)]
        port: u16,
        /// Skip loading the demo catalog.
        #[arg(long)]
        no_seed: bool,
        /// Make failed queue messages visible again after N seconds instead of the queue's
        /// visibility timeout.
        #[arg(long, value_name = "N")]
        queue_retry_seconds: Option<u64>,
        /// Resource names start with this.
        #[arg(long, default_value = "rainforest")]
        prefix: String,
    },
    /// DynamoDB and DynamoDB Streams (dynoxide, embedded) on loopback, until SIGINT or SIGTERM.
    Dynamodb {
        #[arg(long)]
        port: u16,
        /// Keep the data in this SQLite file; in memory when absent.
        #[arg(long, value_name = "FILE")]
        db_path: Option<PathBuf>,
        /// How often expired items (TTL) are deleted.
        #[arg(long, value_name = "N", default_value_t = 5)]
        ttl_sweep_seconds: u64,
    },
    /// Only create the template's resources, and write the functions' environment.
    Provision {
        #[arg(long)]
        prefix: String,
        /// Write KEY=VALUE lines here instead of to stdout.
        #[arg(long, value_name = "FILE")]
        env_out: Option<PathBuf>,
    },
    /// A dev-issuer token (RS256 JWT) for a demo user, accepted by the local gateway.
    Token {
        /// The user (the token's `sub`): seller-01 .. seller-12, customer-01 .. customer-05.
        #[arg(long)]
        user: String,
        /// Comma-separated groups: seller, customer, admin.
        #[arg(long, default_value = "customer")]
        groups: String,
        /// How long the token is valid.
        #[arg(long, default_value_t = 12)]
        hours: i64,
    },
    /// The template checks cfn-lint and sam validate miss; exits 1 on any problem.
    Check,
    /// The API's OpenAPI document (committed as openapi.json).
    Openapi,
    /// Cold start and warm cost of each function, built with a cargo profile and run under a
    /// loopback Lambda Runtime API against the emulators, beside a hello-world baseline. Prints a
    /// table; writes the figures as JSON to <local-dir>/bench.json.
    Bench {
        /// Only these functions (binary names, comma-separated); all when absent.
        #[arg(long, value_delimiter = ',')]
        functions: Vec<String>,
        /// The cargo profile to build with: release is what `sam build` deploys.
        #[arg(long, default_value = "release")]
        profile: String,
        /// Build every binary in one cargo call, their features unified: far quicker, but each
        /// binary holds more than `sam build` would give it (sizes overstate, no build times).
        #[arg(long)]
        one_build: bool,
        /// Processes started per function; init and first invoke are their medians.
        #[arg(long, default_value = "5")]
        cold_starts: NonZeroUsize,
        /// Warm invocations of the last process.
        #[arg(long, default_value = "300")]
        invokes: NonZeroUsize,
    },
    /// One CSV stock feed's import, from the S3 event to every line queued or refused: seconds
    /// (median of the runs) and lines a second. Prints a table; writes the figures as JSON to
    /// <local-dir>/bench-feed.json.
    BenchFeed {
        /// Lines in the file, one in a hundred bad.
        #[arg(long, default_value = "100000")]
        lines: NonZeroUsize,
        #[arg(long, default_value = "3")]
        runs: NonZeroUsize,
    },
    /// Checkout latency on the local system: shoppers buying at once through the gateway and the
    /// saga's real ASL; the answer's median and p99, and the emulator's share. Prints a table;
    /// writes the figures as JSON to <local-dir>/bench-checkout.json.
    BenchCheckout {
        #[arg(long, default_value = "200")]
        checkouts: NonZeroUsize,
        /// Checkouts in flight at once.
        #[arg(long, default_value = "4")]
        concurrency: NonZeroUsize,
    },
    /// Search relevance on the demo catalog: each judged query's results graded by its
    /// judgments; prints nDCG@10 and the share of queries whose best product comes first, by
    /// kind of query; writes them as JSON to <local-dir>/search-relevance.json.
    SearchRelevance {
        #[arg(long, default_value = "infra/search/judgments.json")]
        judgments: PathBuf,
    },
    /// Search speed on the demo catalog: the indexer's documents a second (the emulators' time
    /// apart), the backfill's, and search and autocomplete latency through the gateway. Prints a
    /// table; writes the figures as JSON to <local-dir>/bench-search.json.
    BenchSearch {
        #[arg(long, default_value = "infra/search/judgments.json")]
        judgments: PathBuf,
        /// Stream batches of 100 product records sent through the indexer.
        #[arg(long, default_value = "20")]
        batches: NonZeroUsize,
        /// Times each judged query is searched (and two of its prefixes autocompleted).
        #[arg(long, default_value = "5")]
        rounds: NonZeroUsize,
    },
    /// Recommendations from a synthetic purchase history with planted structure, replayed through
    /// the purchases consumer: hit rate at 10 for held-out co-purchases, the share of popular
    /// items among the recommendations, and each order's DynamoDB writes and handler time.
    /// Prints a table; writes the figures as JSON to <local-dir>/bench-recommendations.json.
    BenchRecommendations {
        #[arg(long, default_value = "300")]
        customers: NonZeroUsize,
        /// Orders in flight at once.
        #[arg(long, default_value = "4")]
        concurrency: NonZeroUsize,
    },
    /// One hot SKU, many buyers at once: reservations a second, latency and the share of
    /// reservation transactions that lost a race for a shard, per shard count. Prints a table;
    /// writes the figures as JSON to <local-dir>/bench-reservations.json.
    BenchReservations {
        /// Shard counts to compare (comma-separated).
        #[arg(long, value_delimiter = ',', default_value = "1,4,16")]
        shards: Vec<u8>,
        /// Reservations of one unit per shard count, with as many units in stock.
        #[arg(long, default_value = "2000")]
        reservations: NonZeroUsize,
        /// Reservations in flight at once.
        #[arg(long, default_value = "64")]
        concurrency: NonZeroUsize,
        /// Runs per shard count, the counts taking turns.
        #[arg(long, default_value = "4")]
        rounds: NonZeroUsize,
    },
}

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    let cli = Cli::parse();
    match cli.command {
        Command::Check => {
            let template = Template::load(&cli.template)?;
            let mut problems =
                check::problems(&template, &check::workspace_binaries(&template.dir)?);
            let manifest = std::fs::read_to_string(template.dir.join("Cargo.toml"))?;
            problems.extend(check::release_profile_problems(&manifest)?);
            for problem in &problems {
                eprintln!("template check: {problem}");
            }
            if !problems.is_empty() {
                std::process::exit(1);
            }
            println!(
                "template check: {} resources, no problems",
                template.resources.len()
            );
        }
        Command::Provision { prefix, env_out } => {
            let template = Template::load(&cli.template)?;
            let sdk = aws_config::load_defaults(aws_config::BehaviorVersion::latest()).await;
            let stack = provision(&sdk, &template, &prefix).await?;
            let mut environment = BTreeMap::new();
            for (id, _) in template.of_kind("AWS::Serverless::Function") {
                for (name, value) in stack.function_environment(&template, id)? {
                    if let Some(other) = environment
                        .insert(name.clone(), value.clone())
                        .filter(|o| *o != value)
                    {
                        bail!("{name} is {other} for one function and {value} for {id}");
                    }
                }
            }
            let text: String = environment
                .iter()
                .map(|(k, v)| format!("{k}={v}\n"))
                .collect();
            match env_out {
                Some(path) => std::fs::write(&path, text)
                    .with_context(|| format!("writing {}", path.display()))?,
                None => print!("{text}"),
            }
            eprintln!(
                "created {} resources under prefix {prefix}",
                stack.created()
            );
        }
        Command::Dynamodb {
            port,
            db_path,
            ttl_sweep_seconds,
        } => {
            rainforest_local::logs::init();
            let sweep = Duration::from_secs(ttl_sweep_seconds.max(1));
            rainforest_local::dynamodb::serve(port, db_path.as_deref(), sweep).await?;
        }
        Command::Bench {
            functions,
            profile,
            one_build,
            cold_starts,
            invokes,
        } => {
            let options = bench::Options {
                template: cli.template,
                functions,
                profile,
                one_build,
                cold_starts: cold_starts.get(),
                invokes: invokes.get(),
                log_dir: cli.local_dir.join("bench"),
            };
            let report = bench::bench(&options).await?;
            print!("{}", report.table());
            let json = cli.local_dir.join("bench.json");
            std::fs::write(&json, serde_json::to_string_pretty(&report.json())?)?;
            println!("figures: {}", json.display());
            let failures: Vec<_> = report.failures().collect();
            for (function, failure) in failures.iter().take(10) {
                eprintln!("bench: {function}: {failure}");
            }
            if !failures.is_empty() {
                bail!(
                    "{} invocations failed; their logs are in {}",
                    failures.len(),
                    options.log_dir.display()
                );
            }
        }
        Command::BenchReservations {
            shards,
            reservations,
            concurrency,
            rounds,
        } => {
            let shards = shards
                .into_iter()
                .map(ShardCount::try_from)
                .collect::<Result<_, _>>()
                .map_err(|rule| anyhow::anyhow!("--shards: each {rule}"))?;
            let options = hot_sku::Options {
                template: cli.template,
                shards,
                reservations: reservations.get(),
                concurrency: concurrency.get(),
                rounds: rounds.get(),
            };
            let rows = hot_sku::run(&options).await?;
            print!("{}", hot_sku::table(&rows));
            let json = cli.local_dir.join("bench-reservations.json");
            std::fs::write(&json, serde_json::to_string_pretty(&rows)?)?;
            println!("figures: {}", json.display());
        }
        Command::BenchCheckout {
            checkouts,
            concurrency,
        } => {
            let options = rainforest_local::checkout_bench::Options {
                template: cli.template,
                checkouts: checkouts.get(),
                concurrency: concurrency.get(),
            };
            let figures = rainforest_local::checkout_bench::run(&options).await?;
            print!("{}", rainforest_local::checkout_bench::table(&figures));
            let json = cli.local_dir.join("bench-checkout.json");
            std::fs::write(&json, serde_json::to_string_pretty(&figures)?)?;
            println!("figures: {}", json.display());
        }
        Command::SearchRelevance { judgments } => {
            let relevance =
                rainforest_local::search_bench::relevance(&cli.template, &judgments).await?;
            print!(
                "{}",
                rainforest_local::search_bench::relevance_table(&relevance)
            );
            let json = cli.local_dir.join("search-relevance.json");
            std::fs::write(&json, serde_json::to_string_pretty(&relevance)?)?;
            println!("figures: {}", json.display());
        }
        Command::BenchSearch {
            judgments,
            batches,
            rounds,
        } => {
            let options = rainforest_local::search_bench::Options {
                template: cli.template,
                judgments,
                batches: batches.get(),
                rounds: rounds.get(),
            };
            let figures = rainforest_local::search_bench::bench(&options).await?;
            print!("{}", rainforest_local::search_bench::bench_table(&figures));
            let json = cli.local_dir.join("bench-search.json");
            std::fs::write(&json, serde_json::to_string_pretty(&figures)?)?;
            println!("figures: {}", json.display());
        }
        Command::BenchRecommendations {
            customers,
            concurrency,
        } => {
            let options = rainforest_local::recommendations_bench::Options {
                template: cli.template,
                customers: customers.get(),
                concurrency: concurrency.get(),
            };
            let figures = rainforest_local::recommendations_bench::run(&options).await?;
            print!(
                "{}",
                rainforest_local::recommendations_bench::table(&figures)
            );
            let json = cli.local_dir.join("bench-recommendations.json");
            std::fs::write(&json, serde_json::to_string_pretty(&figures)?)?;
            println!("figures: {}", json.display());
        }
        Command::BenchFeed { lines, runs } => {
            let options = rainforest_local::feed_bench::Options {
                template: cli.template,
                lines: lines.get(),
                runs: runs.get(),
            };
            let figures = rainforest_local::feed_bench::run(&options).await?;
            print!("{}", rainforest_local::feed_bench::table(&figures));
            let json = cli.local_dir.join("bench-feed.json");
            std::fs::write(&json, serde_json::to_string_pretty(&figures)?)?;
            println!("figures: {}", json.display());
        }
        Command::Openapi => print!("{}", rainforest_local::openapi::document_text()?),
        Command::Token {
            user,
            groups,
            hours,
        } => {
            let issuer = DevIssuer::load_or_create(&cli.local_dir.join("dev-issuer.pem"))?;
            let groups: Vec<&str> = groups.split(',').filter(|g| !g.is_empty()).collect();
            println!(
                "{}",
                issuer.mint(&user, &groups, DEV_AUDIENCE, hours * 3600)?
            );
        }
        Command::Up {
            port,
            no_seed,
            queue_retry_seconds,
            prefix,
        } => {
            rainforest_local::logs::init();
            up::up(up::Options {
                template: cli.template,
                port,
                seed: !no_seed,
                local_dir: cli.local_dir,
                prefix,
                queue_retry_delay: queue_retry_seconds.map(Duration::from_secs),
            })
            .await?;
        }
    }
    Ok(())
}
