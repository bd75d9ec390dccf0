//! `rainforest-local bench`: what a user of Lambda pays first. Each function's binary is built
//! with a cargo profile (release, as deployed), started as Lambda starts it, under a Runtime API
//! on loopback, with its AWS calls going to the local stack; a hello-world `lambda_runtime`
//! function built the same way, in the same run, is the baseline the figures are read against.

mod report;
pub(crate) use report::{ms, percentile};
mod runtime_api;
mod sample;

pub use report::{Figures, Report};

use crate::{Stack, Template, gateway, registry};
use anyhow::{Context, bail};
use hyper::body::Bytes;
use runtime_api::{Outcome, RuntimeApi};
use sample::{Caller, Sample};
use serde_json::Value;
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::process::Stdio;
use std::time::{Duration, Instant};

/// The baseline: aws-lambda-rust-runtime's basic example, in `infra/hello-lambda`.
const BASELINE: &str = "hello-lambda";
/// Lambda's limit on init; a process that takes longer is hung.
const INIT_TIMEOUT: Duration = Duration::from_secs(10);

pub struct Options {
    pub template: PathBuf,
    /// Which functions (binary names); all of the registry's when empty.
    pub functions: Vec<String>,
    /// The cargo profile the binaries are built with.
    pub profile: String,
    /// All binaries in one cargo call, their features unified: a quick look's builds take a
    /// minute instead of ten, but each binary holds more than `sam build` would give it.
    pub one_build: bool,
    /// Processes started per function; init and first invoke are their medians.
    pub cold_starts: usize,
    /// Warm invocations, after the last cold start's first.
    pub invokes: usize,
    /// Where each process's logs go, `<name>.log`.
    pub log_dir: PathBuf,
}

pub async fn bench(options: &Options) -> anyhow::Result<Report> {
    let template = Template::load(&options.template)?;
    let names = selected(&options.functions)?;
    let all: Vec<&str> = std::iter::once(BASELINE)
        .chain(names.iter().copied())
        .collect();
    let built: BTreeMap<&str, Built> = if options.one_build {
        build(&template.dir, &all, &options.profile)?;
        all.iter()
            .map(|name| {
                (
                    *name,
                    Built::of(&template.dir, name, &options.profile, None),
                )
            })
            .collect()
    } else {
        all.iter()
            .map(|name| {
                let seconds = build(&template.dir, &[name], &options.profile)?;
                let built = Built::of(&template.dir, name, &options.profile, Some(seconds));
                Ok((*name, built))
            })
            .collect::<anyhow::Result<_>>()?
    };
    let sdk = aws_config::load_defaults(aws_config::BehaviorVersion::latest()).await;
    // Its own resources each run, even in a stack `infra/up` is using.
    let prefix = format!(
        "bench{}",
        ulid::Ulid::new().to_string()[16..].to_lowercase()
    );
    let mut stack = crate::provision(&sdk, &template, &prefix)
        .await
        .context("creating the template's resources")?;
    let store = crate::seed::catalog_store(&sdk, &template, &stack)?;
    crate::seed::load_demo_data(&sdk, &template, &mut stack, &store)
        .await
        .context("loading the demo catalog")?;
    crate::seed::search_index(&sdk, &template, &stack)
        .await
        .context("building the search index")?;
    let routes = gateway::routes(&template)?;
    let caller = Caller::new()?;
    if options.log_dir.exists() {
        std::fs::remove_dir_all(&options.log_dir)?;
    }
    std::fs::create_dir_all(&options.log_dir)?;

    let baseline = Function {
        name: BASELINE,
        lambda_name: BASELINE.to_owned(),
        environment: lambda_settings(&template, None),
        timeout: timeout(&template, None),
        events: vec![
            Bytes::from_static(br#"{"hello":"world"}"#);
            options.cold_starts + options.invokes
        ],
    };
    let mut runs = vec![Run::new(baseline, &built[BASELINE])?];
    for name in names {
        let function = Function::of(name, &template, &stack, &routes, &caller, options)?;
        runs.push(Run::new(function, &built[name])?);
    }
    // Round after round, every function once per round: a load that comes and goes on the
    // machine then weighs on the baseline as on the rest, and the ratios stay fair.
    for round in 1..=options.cold_starts {
        eprintln!(
            "bench: cold starts, round {round} of {}",
            options.cold_starts
        );
        for run in &mut runs {
            run.cold_start(options, round == options.cold_starts)
                .await?;
        }
    }
    let mut report = Report::new(
        &options.profile,
        options.cold_starts,
        options.invokes,
        options.one_build,
    );
    for run in runs {
        report.push(run.figures);
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

/// A built binary and what building it took, when it was built on its own.
struct Built {
    path: PathBuf,
    build_seconds: Option<f64>,
}

impl Built {
    fn of(root: &Path, name: &str, profile: &str, build_seconds: Option<f64>) -> Self {
        let target = std::env::var_os("CARGO_TARGET_DIR")
            .map(PathBuf::from)
            .unwrap_or_else(|| root.join("target"));
        let directory = if profile == "dev" { "debug" } else { profile };
        Self {
            path: target.join(directory).join(name),
            build_seconds,
        }
    }
}

/// Builds the binaries in one cargo call, in seconds. One binary at a time is what `sam build`
/// does: it gets only its own crate's features.
fn build(root: &Path, names: &[&str], profile: &str) -> anyhow::Result<f64> {
    eprintln!("bench: building {} ({profile})", names.join(", "));
    let started = Instant::now();
    let packages = names.iter().flat_map(|name| ["--package", name]);
    let status = std::process::Command::new(std::env::var("CARGO").unwrap_or("cargo".into()))
        .current_dir(root)
        .args(["build", "--quiet", "--locked", "--profile", profile])
        .args(packages)
        .status()
        .context("running cargo build")?;
    if !status.success() {
        bail!("cargo build of {} failed ({status})", names.join(", "));
    }
    Ok(started.elapsed().as_secs_f64())
}

/// A function as Lambda runs it: its environment from the template, and the events to send.
struct Function<'a> {
    name: &'a str,
    /// The deployed function's name, `<stack>-<logical id>`.
    lambda_name: String,
    environment: BTreeMap<String, String>,
    timeout: Duration,
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
        let mut environment = lambda_settings(template, Some(id));
        environment.extend(stack.function_environment(template, id)?);
        environment.extend(crate::registry::emulator_settings());
        let own_routes: Vec<&gateway::Route> =
            routes.iter().filter(|r| r.function == *id).collect();
        let sample = Sample::load(&template.dir.join("functions").join(name))?;
        environment.extend(sample.environment());
        let cart_token = match environment.get("CART_TOKEN_SECRET") {
            Some(secret) => Some(
                shared::cart::CartTokens::new(secret)?
                    .issue(unix_now())
                    .cart_token,
            ),
            None => None,
        };
        let events = (0..options.cold_starts + options.invokes)
            .map(|n| {
                let event = sample.event(n, &own_routes, caller, cart_token.as_deref())?;
                Ok(Bytes::from(event.to_string()))
            })
            .collect::<anyhow::Result<_>>()
            .with_context(|| format!("{name}'s bench sample"))?;
        Ok(Self {
            name,
            lambda_name: stack.reference(id)?,
            environment,
            timeout: timeout(template, Some(id)),
            events,
        })
    }
}

/// A setting of the function's properties, else of `Globals.Function`.
fn property<'t>(template: &'t Template, id: Option<&str>, pointer: &str) -> Option<&'t Value> {
    id.and_then(|id| template.resources.get(id))
        .and_then(|function| function.properties.pointer(pointer))
        .or_else(|| template.globals.pointer(&format!("/Function{pointer}")))
}

/// What Lambda's own variables say of the function's configuration: memory, and the log format
/// and level the runtime's subscriber reads (JSON logs cost what they cost on AWS).
fn lambda_settings(template: &Template, id: Option<&str>) -> BTreeMap<String, String> {
    let text = |pointer: &str, default: &str| {
        property(template, id, pointer).map_or(default.to_owned(), |v| match v {
            Value::String(text) => text.clone(),
            other => other.to_string(),
        })
    };
    BTreeMap::from([
        (
            "AWS_LAMBDA_FUNCTION_MEMORY_SIZE".to_owned(),
            text("/MemorySize", "128"),
        ),
        (
            "AWS_LAMBDA_LOG_FORMAT".to_owned(),
            text("/LoggingConfig/LogFormat", "Text"),
        ),
        (
            "AWS_LAMBDA_LOG_LEVEL".to_owned(),
            text("/LoggingConfig/ApplicationLogLevel", "INFO"),
        ),
    ])
}

/// The function's timeout (3 s when the template sets none, as Lambda's default).
fn timeout(template: &Template, id: Option<&str>) -> Duration {
    Duration::from_secs(
        property(template, id, "/Timeout")
            .and_then(Value::as_u64)
            .unwrap_or(3),
    )
}

/// A function being measured: the figures so far and the events not yet sent.
struct Run<'a> {
    function: Function<'a>,
    built: &'a Built,
    figures: Figures,
    sent: usize,
}

impl<'a> Run<'a> {
    fn new(function: Function<'a>, built: &'a Built) -> anyhow::Result<Self> {
        let figures = Figures::new(function.name, &built.path, built.build_seconds)?;
        Ok(Self {
            function,
            built,
            figures,
            sent: 0,
        })
    }

    fn next_event(&mut self) -> anyhow::Result<&Bytes> {
        self.sent += 1;
        self.function.events.get(self.sent - 1).context("no events")
    }

    /// Starts a process for its init and first invoke; after the `last` cold start, invokes it
    /// `invokes` times more for the warm figures.
    async fn cold_start(&mut self, options: &Options, last: bool) -> anyhow::Result<()> {
        let function = &self.function;
        let arn = format!(
            "arn:aws:lambda:us-east-1:123456789012:function:{}",
            function.lambda_name
        );
        let api = RuntimeApi::start(arn, function.timeout).await?;
        let spawned = Instant::now();
        let mut process = Process::spawn(function, self.built, &api, options)?;
        let ready = tokio::time::timeout(INIT_TIMEOUT, async {
            tokio::select! {
                // An init error posted just before the exit is the better report.
                biased;
                ready = api.first_next() => ready,
                exit = process.child.wait() => bail!("exited during init ({})", exit?),
            }
        })
        .await
        .with_context(|| {
            format!(
                "{}: no /next within Lambda's 10 s init limit",
                function.name
            )
        })?
        .with_context(|| format!("{}: init", function.name))?;
        self.figures.init.push(ready - spawned);
        let (timeout, event) = (function.timeout, self.next_event()?.clone());
        let first = process
            .invoke(&api, &event, timeout, &mut self.figures.failures)
            .await?;
        self.figures.first.push(first);
        if last {
            let cpu_before = process.cpu_time()?;
            for _ in 0..options.invokes {
                let event = self.next_event()?.clone();
                let duration = process
                    .invoke(&api, &event, timeout, &mut self.figures.failures)
                    .await?;
                self.figures.warm.push(duration);
            }
            let spent = process.cpu_time()?.saturating_sub(cpu_before);
            self.figures.cpu_per_invoke = spent / u32::try_from(options.invokes)?;
            self.figures.peak_rss_bytes = process.peak_rss()?;
        }
        process.child.kill().await?;
        Ok(())
    }
}

/// A function's process, started as Lambda starts one.
struct Process {
    child: tokio::process::Child,
    pid: u32,
}

impl Process {
    fn spawn(
        function: &Function,
        built: &Built,
        api: &RuntimeApi,
        options: &Options,
    ) -> anyhow::Result<Self> {
        let log = std::fs::File::options()
            .create(true)
            .append(true)
            .open(options.log_dir.join(format!("{}.log", function.name)))?;
        // What Lambda gives a process: its configuration and settings, the credentials and the
        // Runtime API; of this shell only the emulators' endpoints (AWS_ENDPOINT_URL*) and region.
        let aws = std::env::vars().filter(|(name, _)| name.starts_with("AWS_"));
        let child = tokio::process::Command::new(&built.path)
            .env_clear()
            .envs(aws)
            .envs(&function.environment)
            .env("AWS_LAMBDA_RUNTIME_API", api.address.to_string())
            .env("AWS_LAMBDA_FUNCTION_NAME", &function.lambda_name)
            .env("AWS_LAMBDA_FUNCTION_VERSION", "$LATEST")
            .stdin(Stdio::null())
            .stdout(log.try_clone()?)
            .stderr(log)
            .kill_on_drop(true)
            .spawn()
            .with_context(|| format!("starting {}", built.path.display()))?;
        let pid = child.id().context("the process exited at once")?;
        Ok(Self { child, pid })
    }

    /// One invocation; a failed one is noted in `failures`. The time is Lambda's duration.
    async fn invoke(
        &mut self,
        api: &RuntimeApi,
        event: &Bytes,
        timeout: Duration,
        failures: &mut Vec<String>,
    ) -> anyhow::Result<Duration> {
        let answer = tokio::select! {
            answer = tokio::time::timeout(timeout, api.invoke(event.clone())) => {
                answer.with_context(|| format!("no answer within the function's {timeout:?} timeout"))??
            }
            exit = self.child.wait() => bail!("exited during an invocation ({})", exit?),
        };
        let failure = match answer.outcome {
            Outcome::Response(body) => match serde_json::from_slice(&body) {
                Ok(response) => sample::failure(&response),
                Err(_) => Some(format!("not JSON: {}", String::from_utf8_lossy(&body))),
            },
            Outcome::Error(body) => Some(format!(
                "function error: {}",
                String::from_utf8_lossy(&body)
            )),
        };
        failures.extend(failure);
        Ok(answer.duration)
    }

    /// CPU time (user + system) of the process's threads, from the scheduler's nanosecond
    /// counters: `/proc/<pid>/stat` counts in 10 ms ticks, coarser than a warm invocation. A
    /// thread that ends between two readings drops out of the second (tokio's blocking pool keeps
    /// idle threads for 10 s), so a figure errs low, never high.
    fn cpu_time(&self) -> anyhow::Result<Duration> {
        let mut total = 0;
        for task in std::fs::read_dir(format!("/proc/{}/task", self.pid))? {
            let Ok(schedstat) = std::fs::read_to_string(task?.path().join("schedstat")) else {
                continue; // the thread has just ended
            };
            total += schedstat
                .split_whitespace()
                .next()
                .and_then(|ns| ns.parse::<u64>().ok())
                .context("reading schedstat")?;
        }
        Ok(Duration::from_nanos(total))
    }

    /// The process's peak resident set (`VmHWM`), what Lambda reports as "Max Memory Used".
    fn peak_rss(&self) -> anyhow::Result<u64> {
        let status = std::fs::read_to_string(format!("/proc/{}/status", self.pid))?;
        status
            .lines()
            .find_map(|line| line.strip_prefix("VmHWM:"))
            .and_then(|kb| kb.trim().trim_end_matches("kB").trim().parse::<u64>().ok())
            .map(|kb| kb * 1024)
            .context("no VmHWM in /proc/<pid>/status")
    }
}

fn unix_now() -> u64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| d.as_secs())
}
