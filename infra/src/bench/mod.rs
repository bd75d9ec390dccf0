//! `rainforest-local bench`: what a user of Lambda pays first. Each function's binary is built
//! with a cargo profile (release, as deployed), started as Lambda starts it, under a Runtime API
//! on loopback, with its AWS calls going to the local stack; a hello-world `lambda_runtime`
//! function built the same way, in the same run, is the baseline the figures are read against.

mod report;
mod runtime_api;
mod sample;

pub use report::{Figures, Report};

use crate::{Stack, Template, gateway, registry};
use anyhow::{Context, bail};
use hyper::body::Bytes;
use runtime_api::{Outcome, RuntimeApi};
use sample::{Caller, Sample};
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::process::Stdio;
use std::time::{Duration, Instant};

/// The baseline: aws-lambda-rust-runtime's basic example, in `infra/hello-lambda`.
const BASELINE: &str = "hello-lambda";
/// Longer than any invocation takes locally; an answer that late is a hung function.
const INVOKE_TIMEOUT: Duration = Duration::from_secs(30);

pub struct Options {
    pub template: PathBuf,
    /// Which functions (binary names); all of the registry's when empty.
    pub functions: Vec<String>,
    /// The cargo profile the binaries are built with.
    pub profile: String,
    /// Processes started per function; init and first invoke are their medians.
    pub cold_starts: usize,
    /// Warm invocations, after the last cold start's first.
    pub invokes: usize,
    /// Where each process's logs go, `<name>.log`.
    pub log_dir: PathBuf,
    pub prefix: String,
}

pub async fn bench(options: &Options) -> anyhow::Result<Report> {
    let template = Template::load(&options.template)?;
    let names = selected(&options.functions)?;
    let mut built = BTreeMap::new();
    for name in std::iter::once(BASELINE).chain(names.iter().copied()) {
        built.insert(name, build(&template.dir, name, &options.profile)?);
    }
    let sdk = aws_config::load_defaults(aws_config::BehaviorVersion::latest()).await;
    let mut stack = crate::provision(&sdk, &template, &options.prefix)
        .await
        .context("creating the template's resources")?;
    let store = crate::seed::catalog_store(&sdk, &template, &stack)?;
    crate::seed::load_demo_catalog(&sdk, &template, &mut stack, &store)
        .await
        .context("loading the demo catalog")?;
    let routes = gateway::routes(&template)?;
    let caller = Caller::new()?;
    std::fs::create_dir_all(&options.log_dir)?;

    let mut report = Report::new(&options.profile, options.cold_starts, options.invokes);
    let baseline = Function {
        name: BASELINE,
        lambda_name: BASELINE.to_owned(),
        environment: BTreeMap::new(),
        events: vec![Bytes::from_static(br#"{"hello":"world"}"#); options.invokes + 1],
    };
    report.push(measure(&baseline, &built[BASELINE], options).await?);
    for name in names {
        let function = Function::of(name, &template, &stack, &routes, &caller, options)?;
        report.push(measure(&function, &built[name], options).await?);
    }
    Ok(report)
}

fn selected(wanted: &[String]) -> anyhow::Result<Vec<&'static str>> {
    if let Some(unknown) = wanted
        .iter()
        .find(|w| !registry::BINARIES.contains(&w.as_str()))
    {
        bail!(
            "{unknown} is not a function; the functions are {}",
            registry::BINARIES.join(", ")
        );
    }
    Ok(registry::BINARIES
        .iter()
        .copied()
        .filter(|name| wanted.is_empty() || wanted.iter().any(|w| w == name))
        .collect())
}

/// A built binary and what building it took.
struct Built {
    path: PathBuf,
    build_seconds: f64,
}

/// Builds one binary on its own, as `sam build` does, so it gets only its own crate's features.
fn build(root: &Path, name: &str, profile: &str) -> anyhow::Result<Built> {
    eprintln!("bench: building {name} ({profile})");
    let started = Instant::now();
    let status = std::process::Command::new(std::env::var("CARGO").unwrap_or("cargo".into()))
        .current_dir(root)
        .args([
            "build",
            "--quiet",
            "--locked",
            "--profile",
            profile,
            "--package",
            name,
        ])
        .status()
        .with_context(|| format!("running cargo build for {name}"))?;
    if !status.success() {
        bail!("cargo build of {name} failed ({status})");
    }
    let target = std::env::var_os("CARGO_TARGET_DIR")
        .map(PathBuf::from)
        .unwrap_or_else(|| root.join("target"));
    let directory = if profile == "dev" { "debug" } else { profile };
    Ok(Built {
        path: target.join(directory).join(name),
        build_seconds: started.elapsed().as_secs_f64(),
    })
}

/// A function as Lambda runs it: its environment from the template, and the events to send.
struct Function<'a> {
    name: &'a str,
    /// The deployed function's name, `<stack>-<logical id>`.
    lambda_name: String,
    environment: BTreeMap<String, String>,
    events: Vec<Bytes>,
}

impl<'a> Function<'a> {
    fn of(
        name: &'a str,
        template: &Template,
        stack: &Stack,
        routes: &[gateway::Route],
        caller: &Caller,
        options: &Options,
    ) -> anyhow::Result<Self> {
        let (id, _) = template
            .of_kind("AWS::Serverless::Function")
            .find(|(_, f)| f.metadata.pointer("/BuildProperties/Binary") == Some(&name.into()))
            .with_context(|| format!("no function of template.yaml is built from {name}"))?;
        let mut environment = stack.function_environment(template, id)?;
        // Emulators on 127.0.0.1 need path-style S3 URLs.
        environment.insert("S3_FORCE_PATH_STYLE".into(), "true".into());
        let own_routes: Vec<&gateway::Route> =
            routes.iter().filter(|r| r.function == *id).collect();
        let sample = Sample::load(&template.dir.join("functions").join(name))?;
        let events = (0..options.cold_starts + options.invokes)
            .map(|n| {
                Ok(Bytes::from(
                    sample.event(n, &own_routes, caller)?.to_string(),
                ))
            })
            .collect::<anyhow::Result<_>>()
            .with_context(|| format!("{name}'s bench sample"))?;
        Ok(Self {
            name,
            lambda_name: stack.reference(id)?,
            environment,
            events,
        })
    }
}

/// Starts the function `cold_starts` times for init and first invoke, then invokes the last
/// process `invokes` times more.
async fn measure(
    function: &Function<'_>,
    built: &Built,
    options: &Options,
) -> anyhow::Result<Figures> {
    eprintln!("bench: running {}", function.name);
    let mut figures = Figures::new(function.name, &built.path, built.build_seconds)?;
    let mut events = function.events.iter().cycle();
    for start in 1..=options.cold_starts {
        let api = RuntimeApi::start(format!(
            "arn:aws:lambda:us-east-1:123456789012:function:{}",
            function.lambda_name
        ))
        .await?;
        let mut process = spawn(function, built, &api, options)?;
        let spawned = Instant::now();
        let ready = tokio::select! {
            ready = api.first_next() => ready?,
            exit = process.wait() => bail!("{} exited during init ({})", function.name, exit?),
        };
        figures.init.push(ready - spawned);
        let next = events.next().context("no events")?;
        figures
            .first
            .push(timed(&api, next, &mut figures.failures).await?);
        if start == options.cold_starts {
            let pid = process.id().context("the process has exited")?;
            let cpu_before = cpu_time(pid)?;
            for _ in 0..options.invokes {
                let next = events.next().context("no events")?;
                figures
                    .warm
                    .push(timed(&api, next, &mut figures.failures).await?);
            }
            figures.cpu_per_invoke = (cpu_time(pid)? - cpu_before) / options.invokes.max(1) as u32;
            figures.peak_rss_bytes = peak_rss(pid)?;
        }
        process.kill().await?;
    }
    Ok(figures)
}

fn spawn(
    function: &Function,
    built: &Built,
    api: &RuntimeApi,
    options: &Options,
) -> anyhow::Result<tokio::process::Child> {
    let log = std::fs::File::options()
        .create(true)
        .append(true)
        .open(options.log_dir.join(format!("{}.log", function.name)))?;
    // What Lambda gives a process: its settings, the credentials, the Runtime API; nothing of
    // this shell but the emulators' endpoints (AWS_ENDPOINT_URL*) and region.
    let aws = std::env::vars().filter(|(name, _)| name.starts_with("AWS_"));
    tokio::process::Command::new(&built.path)
        .env_clear()
        .envs(aws)
        .envs(&function.environment)
        .env("AWS_LAMBDA_RUNTIME_API", api.address.to_string())
        .env("AWS_LAMBDA_FUNCTION_NAME", &function.lambda_name)
        .env("AWS_LAMBDA_FUNCTION_VERSION", "$LATEST")
        .env("AWS_LAMBDA_FUNCTION_MEMORY_SIZE", "128")
        .stdin(Stdio::null())
        .stdout(log.try_clone()?)
        .stderr(log)
        .kill_on_drop(true)
        .spawn()
        .with_context(|| format!("starting {}", built.path.display()))
}

/// One invocation's wall time, as Lambda bills it: from handing out the event to the answer.
async fn timed(
    api: &RuntimeApi,
    event: &Bytes,
    failures: &mut Vec<String>,
) -> anyhow::Result<Duration> {
    let started = Instant::now();
    let outcome = tokio::time::timeout(INVOKE_TIMEOUT, api.invoke(event.clone()))
        .await
        .context("no answer in 30 s")??;
    let elapsed = started.elapsed();
    let failure = match outcome {
        Outcome::Response(body) => serde_json::from_slice(&body)
            .ok()
            .and_then(|response| sample::failure(&response)),
        Outcome::Error(body) => Some(format!(
            "function error: {}",
            String::from_utf8_lossy(&body)
        )),
    };
    failures.extend(failure);
    Ok(elapsed)
}

/// CPU time (user + system) of every thread of a process, from the scheduler's nanosecond
/// counters; `/proc/<pid>/stat` counts in 10 ms ticks, coarser than a warm invocation.
fn cpu_time(pid: u32) -> anyhow::Result<Duration> {
    let mut total = 0;
    for task in std::fs::read_dir(format!("/proc/{pid}/task"))? {
        let schedstat = std::fs::read_to_string(task?.path().join("schedstat"))?;
        total += schedstat
            .split_whitespace()
            .next()
            .and_then(|ns| ns.parse::<u64>().ok())
            .context("reading schedstat")?;
    }
    Ok(Duration::from_nanos(total))
}

/// The process's peak resident set (`VmHWM`), what Lambda reports as "Max Memory Used".
fn peak_rss(pid: u32) -> anyhow::Result<u64> {
    let status = std::fs::read_to_string(format!("/proc/{pid}/status"))?;
    status
        .lines()
        .find_map(|line| line.strip_prefix("VmHWM:"))
        .and_then(|kb| kb.trim().trim_end_matches("kB").trim().parse::<u64>().ok())
        .map(|kb| kb * 1024)
        .context("no VmHWM in /proc/<pid>/status")
}
